"""Hidden tests of notebook 09, training and stability.

* ``sgd_momentum``: several steps chained through the returned config (a
  velocity created or given, defaults, float32); the weights after every step
  and the final velocity are compared.
* ``clip_grad_value``, ``clip_grad_norm``: dicts of arrays above and below the
  bound, float32, a single array.
* ``xavier_init``, ``he_init``: statistical, judged by
  :func:`chainrule.visible.training.judge_init` (normal, mean 0, the variance
  within five standard deviations of the sample variance, the generator used),
  then by the Kolmogorov-Smirnov distance to the normal law asked for;
  fan_in != fan_out throughout. Draws from a uniform distribution fail, even with
  the right variance, and so does a law with the normal's first four moments (a
  three-point law): the curriculum asks for normal draws.
* ``dropout_forward``: judged by its properties (the random draws cannot match
  the reference's); ``dropout_backward``: ``dout * mask / keep_prob`` with the
  mask read from the learner's own forward output.
* ``early_stopping``: the epoch to keep, on lists and arrays of validation
  losses (a stop, the list ending first, patience 1, ties, NaN, an empty and an
  all-NaN list); a wrong epoch is named by the shared known mistakes.
* ``delta_by_hand``: the checkpoint of the delta recursion, numbers worked out
  by hand for one small example (judged without a reference function).
* ``mlp_loss``: against the reference, depth 1 to 4, each activation, N = 1,
  reg > 0, a ReLU kink, large scores; known mistakes from the reference's
  private ``_mlp_loss``.
"""
from __future__ import annotations

import numpy as np

from chainrule.checking import CheckFailure, describe
from chainrule.visible.training import (clip_norm_mistakes, clip_value_mistakes, dropout_draws, init_draws,
                                        judge_delta_by_hand, judge_dropout_backward, judge_dropout_forward,
                                        judge_early_stopping,
                                        judge_init, judge_normal,
                                        momentum_output_names, momentum_trajectory, sgd_momentum_mistakes)

from ..spec import Case, HiddenTest
from ..training import _mlp_loss

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "09-training-and-stability"


# ---- sgd_momentum ----------------------------------------------------------------------------------

def _momentum_case(label, shape, steps, config, dtype=np.float64, velocity=False, **tol):
    def draw(rng):
        w = rng.normal(0, 1, shape).astype(dtype)
        dws = [rng.normal(0, 2, shape).astype(dtype) for _ in range(steps)]
        cfg = dict(config)
        if velocity:
            cfg["velocity"] = rng.normal(0, 0.5, shape).astype(dtype)
        return {"w": w, "dws": dws, "config": cfg}
    return Case(label, draw, **tol)


def _momentum_call(impl, inputs):
    return momentum_trajectory(impl["sgd_momentum"], inputs["w"], inputs["dws"], inputs["config"])


_MOMENTUM_CASES = (
    _momentum_case("three steps, no velocity yet, learning_rate 0.1, momentum 0.9", (3, 4), 3,
                   {"learning_rate": 0.1, "momentum": 0.9}),
    _momentum_case("three steps from a given velocity, learning_rate 0.05, momentum 0.5", (5,), 3,
                   {"learning_rate": 0.05, "momentum": 0.5}, velocity=True),
    _momentum_case("three steps with an empty config (the defaults 1e-2 and 0.9)", (2, 3), 3, {}),
    _momentum_case("three steps with only learning_rate 0.2 given", (4,), 3, {"learning_rate": 0.2}),
    _momentum_case("three float32 steps, learning_rate 0.1, momentum 0.8", (3, 2), 3,
                   {"learning_rate": 0.1, "momentum": 0.8}, dtype=np.float32, rtol=1e-5, atol=1e-6),
)


# ---- clipping ----------------------------------------------------------------------------------------

def _grads(rng, shapes, scale, dtype=np.float64):
    return {name: rng.normal(0, scale, shape).astype(dtype) for name, shape in shapes.items()}


_NET = {"W1": (4, 3), "b1": (3,), "W2": (3, 2), "b2": (2,)}


def _clip_norm_mistakes(inputs):
    return clip_norm_mistakes(inputs["grads"], inputs["max_norm"])


# ---- initialisation ------------------------------------------------------------------------------

def _init_cases():
    return tuple(Case(f"fan_in={fi}, fan_out={fo}", lambda rng, fi=fi, fo=fo: {
        "fan_in": fi, "fan_out": fo, "seed": int(rng.integers(2 ** 31))})
        for fi, fo in ((300, 200), (100, 400), (784, 64), (2, 7)))


def _init_call(name):
    def call(impl, inputs):
        return init_draws(impl[name], inputs["fan_in"], inputs["fan_out"], inputs["seed"])
    return call


def _init_judge(kind):
    def judge(actual, expected, inputs):
        judge_init(kind, actual, inputs["fan_in"], inputs["fan_out"])
        judge_normal(kind, actual[0], inputs["fan_in"], inputs["fan_out"])
    return judge


# ---- dropout ------------------------------------------------------------------------------------------

def _nonzero(rng, shape, dtype=np.float64):
    """Inputs with no zero entries: a zero in out then means a dropped unit."""
    return (rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def _dropout_case(label, shape, keep_prob, train, dtype=np.float64, rtol=None):
    def draw(rng):
        return {"x": _nonzero(rng, shape, dtype), "keep_prob": keep_prob, "train": train,
                "seed": int(rng.integers(2 ** 31)), "dout": rng.normal(0, 2, shape).astype(dtype)}
    return Case(label, draw, rtol=rtol)


_DROPOUT_CASES = (
    _dropout_case("x of shape (50, 40), keep_prob 0.5", (50, 40), 0.5, True),
    _dropout_case("float32 x of shape (20, 30), keep_prob 0.8", (20, 30), 0.8, True, np.float32, rtol=1e-5),
    _dropout_case("x of shape (10, 6, 5), keep_prob 0.3", (10, 6, 5), 0.3, True),
    _dropout_case("N = 1: x of shape (1, 500), keep_prob 0.75", (1, 500), 0.75, True),
    _dropout_case("test time (train=False), keep_prob 0.6", (8, 5), 0.6, False),
)


def _dropout_forward_call(impl, inputs):
    return dropout_draws(impl["dropout_forward"], inputs["x"], inputs["keep_prob"], inputs["train"], inputs["seed"])


def _dropout_forward_judge(actual, expected, inputs):
    judge_dropout_forward(actual, inputs["x"], inputs["keep_prob"], inputs["train"])


def _dropout_backward_call(impl, inputs):
    result = impl["dropout_forward"](inputs["x"], inputs["keep_prob"], inputs["train"],
                                     np.random.default_rng(inputs["seed"]))
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"dropout_forward should return a tuple (out, cache), but it returned {describe(result)}.")
    out, cache = result
    return out, impl["dropout_backward"](inputs["dout"], cache)


def _dropout_backward_judge(actual, expected, inputs):
    out, dx = actual
    rtol = 1e-5 if inputs["x"].dtype == np.float32 else 1e-9
    judge_dropout_backward(out, dx, inputs["x"], inputs["keep_prob"], inputs["train"], inputs["dout"], rtol=rtol)


# ---- mlp_loss ------------------------------------------------------------------------------------------

_MLP_MISTAKES = {
    "no_reg_grad": "the gradient of the regularisation term, reg * W, is missing from dW",
    "reg_no_half": "the regularisation term is 0.5 * reg * sum(W**2) (its gradient is reg * W), not reg * sum(W**2)",
    "reg_biases": "the biases are not regularised: the penalty sums the squares of the weights W only",
    "sum_not_mean": "a factor 1/N is missing: the loss is the MEAN over the N examples (divide dscores by N too)",
    "double_mean": "there is an extra factor 1/N: divide by N once, in the softmax loss's gradient",
    "grad_at_output": "the activation's derivative was taken at its output h instead of at its input z "
                      "(tanh'(z) = 1 - h**2, sigmoid'(z) = h * (1 - h))",
    "no_act_grad": "the activation's derivative g'(z_l) is missing from the delta recursion "
                   "(delta_l = dL/dz_l passes through the activation of layer l on its way down)",
    "relu_ge": "ReLU's derivative at z = 0 is 0 in this course: the mask is z > 0, not z >= 0",
    "act_on_scores": "the last layer has no activation: its output z_L goes straight into the softmax",
}


def _mlp_mistakes(inputs):
    found: dict[str, list] = {}
    for mistake, text in _MLP_MISTAKES.items():
        loss, grads = _mlp_loss(inputs["params"], inputs["X"], inputs["y"], inputs["activation"], inputs["reg"],
                                mistake=mistake)
        found.setdefault("loss", []).append((text, loss))
        for key, g in grads.items():
            found.setdefault(f"grads[{key!r}]", []).append((text, g))
    return found


def _mlp_params(rng, sizes, scale):
    params = {}
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{k}"] = rng.normal(0, scale / np.sqrt(a), (a, b))
        params[f"b{k}"] = rng.normal(0, 0.3, b)
    return params


def _mlp_case(label, sizes, N, activation, reg, scale=1.5):
    def draw(rng):
        return {"params": _mlp_params(rng, sizes, scale), "X": rng.normal(0, 1, (N, sizes[0])),
                "y": rng.integers(0, sizes[-1], N), "activation": activation, "reg": reg}
    return Case(label, draw)


def _mlp_kink(rng):
    """Depth 2, ReLU, with a zero row in X and b1 = 0: that row's hidden pre-activations are exactly 0."""
    params = _mlp_params(rng, (3, 5, 4), 1.5)
    params["b1"] = np.zeros(5)
    X = rng.normal(0, 1, (6, 3))
    X[2] = 0.0
    return {"params": params, "X": X, "y": rng.integers(0, 4, 6), "activation": "relu", "reg": 0.05}


def _mlp_large_scores(rng):
    """Depth 2, scores near +-1000: exp overflows, and log(softmax) underflows, unless both are computed stably."""
    params = _mlp_params(rng, (4, 6, 3), 1.0)
    params["W2"] *= 1500.0
    return {"params": params, "X": rng.normal(0, 1, (5, 4)), "y": rng.integers(0, 3, 5), "activation": "tanh",
            "reg": 0.0}


_MLP_CASES = (
    _mlp_case("depth 1 (softmax regression), N=5, D=4, C=3", (4, 3), 5, "relu", 0.0),
    _mlp_case("depth 2, relu, reg 0.1, D=3, H=6, C=4", (3, 6, 4), 7, "relu", 0.1),
    _mlp_case("depth 4, tanh, reg 0.05, sizes 5-7-4-6-3", (5, 7, 4, 6, 3), 8, "tanh", 0.05),
    _mlp_case("depth 3, sigmoid, N = 1, reg 0.2", (4, 5, 3, 2), 1, "sigmoid", 0.2),
    _mlp_case("depth 4, relu, reg 0.3, sizes 6-8-5-4-3", (6, 8, 5, 4, 3), 9, "relu", 0.3),
    _mlp_case("depth 2, sigmoid, reg 0, sizes 3-4-5", (3, 4, 5), 6, "sigmoid", 0.0),
    Case("depth 2, relu, a zero row in X and b1 = 0 (pre-activations exactly 0)", _mlp_kink),
    Case("depth 2, tanh, scores near +-1000 (a stable softmax is needed)", _mlp_large_scores),
)


# ---- early stopping ----------------------------------------------------------------------------------

def _noisy_u(rng, epochs=40):
    """A validation curve that falls, bottoms out and creeps up, with noise: a realistic run."""
    t = np.arange(epochs)
    return 2.0 * np.exp(-t / 5.0) + 0.3 + 0.004 * t + rng.normal(0, 0.02, epochs)


def _stop_case(label, draw):
    return Case(label, lambda rng: dict(zip(("val_losses", "patience"), draw(rng))))


_STOP_CASES = (
    _stop_case("a noisy run of 40 epochs as an array, patience 5", lambda rng: (_noisy_u(rng), 5)),
    _stop_case("a list that improves once more after the stop, patience 2",
               lambda rng: ([2.0, 1.4, 1.1, 1.3, 1.2, 1.25, 0.8, 0.7], 2)),
    _stop_case("an improvement just before patience runs out, patience 2",
               lambda rng: ([1.0, 0.6, 0.7, 0.5, 0.9, 0.95, 0.97, 0.3], 2)),
    _stop_case("patience 1: the first epoch without improvement stops",
               lambda rng: ([1.0, 0.9, 0.95, 0.5, 0.4], 1)),
    _stop_case("the list ends before patience runs out (patience 10)",
               lambda rng: ([1.5, 1.2, 1.25, 1.3], 10)),
    _stop_case("a tie with the best loss does not improve, patience 3",
               lambda rng: ([0.9, 0.7, 0.7, 0.75, 0.8], 3)),
    _stop_case("NaN losses in the middle never improve, patience 2",
               lambda rng: (np.array([1.0, 0.8, np.nan, 0.85, 0.6]), 2)),
    _stop_case("an empty list (no epoch to keep: None)", lambda rng: ([], 3)),
    _stop_case("only NaN (no epoch to keep: None)", lambda rng: (np.full(4, np.nan), 2)),
)


def _stop_judge(actual, expected, inputs):
    judge_early_stopping(actual, expected, inputs["val_losses"], inputs["patience"])


TESTS = [
    HiddenTest("sgd_momentum", ("sgd_momentum",), _MOMENTUM_CASES, outputs=momentum_output_names(3),
               call=_momentum_call, mistakes=lambda i: sgd_momentum_mistakes(i["w"], i["dws"], i["config"]),
               rtol=1e-9, atol=1e-12, same_dtype=True, points=2),
    HiddenTest("clip_grad_value", ("clip_grad_value",),
               (Case("four arrays, clip 1.0", lambda rng: {"grads": _grads(rng, _NET, 2.0), "clip": 1.0}),
                Case("float32 arrays, clip 0.5", lambda rng: {"grads": _grads(rng, _NET, 1.0, np.float32),
                                                              "clip": 0.5}),
                Case("a bound nothing reaches (clip 100)", lambda rng: {"grads": _grads(rng, _NET, 1.0),
                                                                       "clip": 100.0}),
                Case("one array of shape (6,), clip 0.25", lambda rng: {"grads": {"w": rng.normal(0, 1, 6)},
                                                                      "clip": 0.25})),
               mistakes=lambda i: clip_value_mistakes(i["grads"], i["clip"]), rtol=1e-7, atol=0.0),
    HiddenTest("clip_grad_norm", ("clip_grad_norm",),
               (Case("four arrays, global norm above max_norm = 1", lambda rng: {"grads": _grads(rng, _NET, 1.0),
                                                                                "max_norm": 1.0}),
                Case("global norm below max_norm = 50: unchanged", lambda rng: {"grads": _grads(rng, _NET, 1.0),
                                                                                "max_norm": 50.0}),
                Case("float32 arrays, max_norm 2", lambda rng: {"grads": _grads(rng, _NET, 1.0, np.float32),
                                                                "max_norm": 2.0}, rtol=1e-5, atol=1e-7),
                Case("one array (its norm is the global norm), max_norm 0.5",
                     lambda rng: {"grads": {"w": rng.normal(0, 1, (3, 3))}, "max_norm": 0.5}),
                Case("exploding gradients (entries near 1e3), max_norm 5",
                     lambda rng: {"grads": _grads(rng, _NET, 1e3), "max_norm": 5.0})),
               outputs=("clipped", "total_norm"), mistakes=_clip_norm_mistakes, rtol=1e-6, atol=1e-12, points=2),
    HiddenTest("xavier_init", ("xavier_init",), _init_cases(), call=_init_call("xavier_init"),
               judge=_init_judge("xavier")),
    HiddenTest("he_init", ("he_init",), _init_cases(), call=_init_call("he_init"), judge=_init_judge("he")),
    HiddenTest("dropout_forward", ("dropout_forward",), _DROPOUT_CASES, call=_dropout_forward_call,
               judge=_dropout_forward_judge),
    HiddenTest("dropout_backward", ("dropout_forward", "dropout_backward"), _DROPOUT_CASES,
               call=_dropout_backward_call, judge=_dropout_backward_judge),
    HiddenTest("early_stopping", ("early_stopping",), _STOP_CASES, judge=_stop_judge, points=2),
    HiddenTest("delta_by_hand", ("delta_by_hand",),
               (Case("the checkpoint's example: h_0 = [[1, 2]], two ReLU layers, delta_2 = [[0.5, -1]]",
                     lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_delta_by_hand(actual)),
    HiddenTest("mlp_loss", ("mlp_loss",), _MLP_CASES, outputs=("loss", "grads"), mistakes=_mlp_mistakes,
               rtol=1e-6, atol=1e-10, points=4),
]
