r"""Visible checks of notebook 09, training and stability.

They need no reference implementation. The optimizer and clipping checks use
small examples with known answers; the initialisation and dropout checks are
*statistical*: random draws are judged by their properties (shape, mean,
variance, the shape of their law, the fraction of kept units, reuse of the
generator), so any correct way of drawing passes. The MLP check compares the
learner's gradients with central differences of the learner's own loss, and the
loss with values known in closed form.

The judges and the known mistakes (``*_mistakes``, ``judge_*``) are shared with
the hidden tests, which import them: a learner sees the same words from both.

Statistical bounds. For ``n`` independent normal draws with variance
:math:`\sigma^2`, the mean of the squares :math:`s^2` satisfies
:math:`n s^2/\sigma^2 \sim \chi^2_n`, so :math:`s^2/\sigma^2` has mean 1 and
standard deviation :math:`\sqrt{2/n}`; the sample mean has standard deviation
:math:`\sigma/\sqrt{n}`; the sample excess kurtosis has standard deviation
about :math:`\sqrt{24/n}`; a kept fraction of ``n`` Bernoulli(p) draws has
standard deviation :math:`\sqrt{p(1-p)/n}`. Every bound is five of these
standard deviations (a correct implementation fails one with probability
below 1e-6; the seeds are fixed, so a regrade gives the same verdict). The
shape of an initialiser's law is judged by its Kolmogorov-Smirnov distance to
the normal law, see :mod:`chainrule.stats`.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from ..checking import call_learner, CheckFailure, describe, expect_close, out_and_cache, style_note
from ..gradcheck import num_grad
from ..stats import expect_normal
from ._common import passed

__all__ = ["check_clip_grad_norm", "check_clip_grad_value", "check_dropout_backward", "check_dropout_forward",
           "check_delta_by_hand", "check_early_stopping", "check_he_init", "check_mlp_loss", "check_sgd_momentum", "check_xavier_init", "clip_norm_mistakes",
           "clip_value_mistakes", "delta_by_hand_mistakes", "dropout_draws", "early_stopping_mistakes", "init_draws", "init_variance", "judge_dropout_backward",
           "judge_delta_by_hand", "judge_dropout_forward", "judge_early_stopping", "judge_init", "judge_normal", "mlp_example", "momentum_output_names",
           "momentum_trajectory", "sgd_momentum_mistakes"]

SIGMAS = 5.0  # every statistical bound: five standard deviations
MIN_STATISTICAL_DRAWS = 2000  # below this many entries, an initialiser's law is not judged (too little power)
DEFAULT_LEARNING_RATE = 1e-2
DEFAULT_MOMENTUM = 0.9


def call(fn: Callable, name: str, args: Sequence[Any], arg_names: Sequence[str]) -> Any:
    """Call a learner function for a visible check (the caller names the example in any failure).

    Like :func:`chainrule.visible._common.call`, without printing the (large) arguments.
    """
    result = call_learner(fn, args, name=name, arg_names=arg_names)
    if result.warnings:
        print(f"Note: {name} raised warnings on the example ({'; '.join(result.warnings)}). "
              "They cost no points, but ask yourself where they come from.")
    return result.result


# ---- SGD with momentum ----------------------------------------------------------------------------

def _step_result(result: Any) -> tuple[Any, dict]:
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"sgd_momentum should return a tuple (next_w, config), but it returned {describe(result)}.")
    next_w, config = result
    if not isinstance(config, dict):
        raise CheckFailure(f"the config returned by sgd_momentum should be a dict, but it is {describe(config)}.")
    if "velocity" not in config:
        raise CheckFailure("the config returned by sgd_momentum has no 'velocity' key: store the new velocity "
                           "there, so that the next step can use it.")
    return next_w, config


def momentum_trajectory(step: Callable, w, dws: Sequence, config: dict) -> tuple:
    """Run ``step`` (an ``sgd_momentum``) once per gradient in ``dws``, chaining the returned config.

    Returns:
        ``(w after step 1, ..., w after step k, velocity after step k)``.
    """
    ws = []
    for dw in dws:
        w, config = _step_result(step(w, dw, config))
        ws.append(w)
    return tuple(ws) + (config["velocity"],)


def momentum_output_names(steps: int) -> tuple[str, ...]:
    return tuple(f"w after step {k}" for k in range(1, steps + 1)) + (f"velocity after step {steps}",)


def _trajectory(w, dws, config, rule: str):
    """The weights and final velocity a rule produces: the right one or a known mistake."""
    lr = config.get("learning_rate", DEFAULT_LEARNING_RATE)
    mu = config.get("momentum", DEFAULT_MOMENTUM)
    w = np.asarray(w, dtype=np.float64)
    v = np.asarray(config["velocity"], dtype=np.float64) if config.get("velocity") is not None else np.zeros_like(w)
    if rule == "pytorch":
        v = -v / lr  # the same step, kept as a running sum of gradients
    ws = []
    for k, dw in enumerate(dws):
        dw = np.asarray(dw, dtype=np.float64)
        if rule == "defaults_lost" and k > 0:
            lr, mu = DEFAULT_LEARNING_RATE, DEFAULT_MOMENTUM
        if rule == "plain":
            v = -lr * dw
        elif rule == "sign":
            v = mu * v + lr * dw
        elif rule == "flipped":  # the step stored with the opposite sign, taken as w - v
            v = mu * v + lr * dw
            w = w - v
            ws.append(w)
            continue
        elif rule == "pytorch":
            v = mu * v + dw
            w = w - lr * v
            ws.append(w)
            continue
        else:
            v = mu * v - lr * dw
        w = w + v
        ws.append(w)
    return ws, v


def sgd_momentum_mistakes(w, dws, config) -> dict[str, list[tuple[str, Any]]]:
    """Known wrong answers of ``sgd_momentum`` run over ``dws``, by output name."""
    names = momentum_output_names(len(dws))
    rules = [
        ("plain", "the velocity was not carried from one step to the next (this is plain SGD): read "
                  "config['velocity'] and put the new velocity into the returned config"),
        ("sign", "the gradient term has the wrong sign: v = momentum * v - learning_rate * dw, then w + v"),
        ("defaults_lost", "the returned config lost learning_rate or momentum, so later steps used the "
                          "defaults: return every key of config"),
        ("flipped", "the velocity is stored with the opposite sign (v = momentum * v + learning_rate * dw, then "
                    "w - v): from a zero velocity that takes the right steps, but a velocity given in config is "
                    "the step itself (w + v), so yours moves w the wrong way. Store v = momentum * v - "
                    "learning_rate * dw and return w + v"),
        ("pytorch", "the velocity should hold the step itself, v = momentum * v - learning_rate * dw "
                    "(the paper's Delta w), not a running sum of gradients"),
    ]
    found: dict[str, list] = {name: [] for name in names}
    right_ws, right_v = _trajectory(w, dws, config, "right")
    right = right_ws + [right_v]
    defaults = ("a default is wrong: learning_rate defaults to 1e-2 and momentum to 0.9 "
                "(config.get('learning_rate', 1e-2), config.get('momentum', 0.9))")
    others = ([({"learning_rate": lr}, defaults) for lr in (1e-3, 1e-1, 1.0)] if "learning_rate" not in config else [])
    others += [({"momentum": mu}, defaults) for mu in (0.0, 0.5, 0.99)] if "momentum" not in config else []
    for rule, text in rules + others:
        if isinstance(rule, dict):  # a wrong default: the right rule with that default filled in
            ws, v = _trajectory(w, dws, {**rule, **config}, "right")
        else:
            ws, v = _trajectory(w, dws, config, rule)
        for name, value, good in zip(names, ws + [v], right):
            if not np.allclose(value, good, rtol=1e-6, atol=1e-12):  # only answers that are wrong
                found[name].append((text, value))
    # First for the velocity: when the weights are right, a velocity of -v is this mistake, not "sign".
    found[names[-1]].insert(0, ("your weights are right, but the stored velocity has the opposite sign (a "
                                "velocity v = momentum * v + learning_rate * dw stepped as w - v takes the same "
                                "steps): the velocity is the step itself, so store v = momentum * v - "
                                "learning_rate * dw and return w + v", -right_v))
    return found


def check_sgd_momentum(sgd_momentum) -> None:
    """Three chained steps from w = [1, -2, 0.5] (learning rate 0.2, momentum 0.9); the defaults; float32."""
    w = np.array([1.0, -2.0, 0.5])
    dws = [np.array([0.5, -1.0, 2.0]), np.array([0.5, -1.0, 2.0]), np.array([-1.0, 0.0, 1.0])]
    examples = [
        ("three steps from w = [1, -2, 0.5] with learning_rate 0.2, momentum 0.9", w, dws,
         {"learning_rate": 0.2, "momentum": 0.9}),
        ("two steps with an empty config (defaults: learning_rate 1e-2, momentum 0.9)", w, dws[:2], {}),
        ("one step in float32 with a velocity given", w.astype(np.float32), [dws[2].astype(np.float32)],
         {"learning_rate": 0.5, "momentum": 0.5, "velocity": np.array([0.1, 0.2, -0.3], dtype=np.float32)}),
    ]
    for label, w0, steps, config in examples:
        def step(w_, dw_, config_):
            return call(sgd_momentum, "sgd_momentum", (w_, dw_, config_), ("w", "dw", "config"))
        try:
            result = momentum_trajectory(step, w0, steps, config)
            ws, v = _trajectory(w0, steps, config, "right")
            expected = tuple(np.asarray(a, dtype=w0.dtype) for a in ws + [v])
            expect_close(result, expected, name="the result", output_names=momentum_output_names(len(steps)),
                         rtol=1e-5 if w0.dtype == np.float32 else 1e-9, atol=1e-7 if w0.dtype == np.float32 else 1e-12,
                         same_dtype=True, mistakes=sgd_momentum_mistakes(w0, steps, config))
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check of sgd_momentum, {label}:\n  {failure}") from None
    passed("sgd_momentum")


# ---- clipping ------------------------------------------------------------------------------------

def clip_value_mistakes(grads: dict, clip: float, name: str = "clip_grad_value") -> dict[str, list]:
    """Known wrong answers of ``clip_grad_value``, by output path (``name['key']``)."""
    found = {}
    for key, g in grads.items():
        g = np.asarray(g, dtype=np.float64)
        right = np.clip(g, -clip, clip)
        found[f"{name}[{key!r}]"] = [(text, value) for text, value in [
            ("only the upper bound was applied: clip to the interval [-clip, clip]", np.minimum(g, clip)),
            ("the entries were clipped to [0, clip]: the interval is [-clip, clip], negative entries stay negative",
             np.clip(g, 0.0, clip)),
            ("the sign was lost: clipping keeps the sign, it limits the size to clip", np.minimum(np.abs(g), clip)),
            ("the array was scaled as a whole (that is clipping by norm): clip every entry on its own",
             g * min(1.0, clip / max(float(np.linalg.norm(g)), 1e-300))),
        ] if not np.allclose(value, right, rtol=1e-6, atol=1e-12)]  # only answers that are wrong
    return found


def check_clip_grad_value(clip_grad_value) -> None:
    """Clip W = [[0.5, -3], [2, 0.1]], b = [-0.2, 4] to [-1, 1]; then a bound nothing reaches."""
    grads = {"W": np.array([[0.5, -3.0], [2.0, 0.1]]), "b": np.array([-0.2, 4.0])}
    examples = [(1.0, {"W": np.array([[0.5, -1.0], [1.0, 0.1]]), "b": np.array([-0.2, 1.0])}),
                (10.0, grads)]
    for clip, expected in examples:
        label = f"clip_grad_value(grads, clip={clip})"
        try:
            result = call(clip_grad_value, "clip_grad_value", (grads, clip), ("grads", "clip"))
            expect_close(result, expected, name="clip_grad_value", rtol=1e-12, atol=0.0,
                         mistakes=clip_value_mistakes(grads, clip))
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, {label} with W = [[0.5, -3], [2, 0.1]], b = [-0.2, 4]:\n  {failure}") \
                from None
    passed("clip_grad_value")


def clip_norm_mistakes(grads: dict, max_norm: float) -> dict[str, list]:
    """Known wrong answers of ``clip_grad_norm``, by output path (``clipped['key']``, ``total_norm``)."""
    gs = {k: np.asarray(g, dtype=np.float64) for k, g in grads.items()}
    norms = {k: float(np.linalg.norm(g)) for k, g in gs.items()}
    total = float(np.sqrt(sum(n ** 2 for n in norms.values())))
    sum_of_norms = sum(norms.values())
    squared = total ** 2

    def scaled(norm, always=False, inverted=False):
        if norm <= max_norm and not always:
            return {k: g for k, g in gs.items()}
        factor = norm / max_norm if inverted else max_norm / norm
        return {k: g * factor for k, g in gs.items()}

    per_array = {k: g * min(1.0, max_norm / max(norms[k], 1e-300)) for k, g in gs.items()}
    wrong = [
        ("each array was clipped by its own norm: compute ONE global norm over all arrays, "
         "sqrt of the sum of every squared entry, and scale every array by the same factor", per_array, None),
        ("the gradients were scaled although their total norm is not above max_norm: scale only when "
         "total_norm > max_norm", scaled(total, always=True), None),
        ("the scale factor is upside down: multiply by max_norm / total_norm", scaled(total, inverted=True), None),
        ("the total norm is not the sum of the arrays' norms: take the square root of the sum of ALL squared "
         "entries", scaled(sum_of_norms), sum_of_norms),
        ("the square root is missing from the total norm", scaled(squared), squared),
    ]
    right = scaled(total)
    found: dict[str, list] = {f"clipped[{k!r}]": [] for k in gs}
    found["total_norm"] = [("this is the norm after clipping: return the norm the gradients had before",
                            min(total, max_norm))] if total > max_norm else []
    for text, clipped, norm in wrong:
        for k in gs:
            if not np.allclose(clipped[k], right[k], rtol=1e-6, atol=1e-12):  # only answers that are wrong
                found[f"clipped[{k!r}]"].append((text, clipped[k]))
        if norm is not None:
            found["total_norm"].append((text, norm))
    return found


def check_clip_grad_norm(clip_grad_norm) -> None:
    """W = [[3, 0], [0, 0]], b = [4, 0] have global norm 5: max_norm 1 scales both by 1/5; max_norm 10 keeps them."""
    grads = {"W": np.array([[3.0, 0.0], [0.0, 0.0]]), "b": np.array([4.0, 0.0])}
    examples = [(1.0, {"W": np.array([[0.6, 0.0], [0.0, 0.0]]), "b": np.array([0.8, 0.0])}),
                (10.0, grads)]
    for max_norm, expected in examples:
        try:
            result = call(clip_grad_norm, "clip_grad_norm", (grads, max_norm), ("grads", "max_norm"))
            expect_close(result, (expected, 5.0), name="the result", output_names=("clipped", "total_norm"),
                         rtol=1e-6, atol=1e-12, mistakes=clip_norm_mistakes(grads, max_norm))
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, clip_grad_norm(grads, max_norm={max_norm}) with W = [[3, 0], [0, 0]], "
                               f"b = [4, 0] (global norm 5):\n  {failure}") from None
    passed("clip_grad_norm")


# ---- initialisation ------------------------------------------------------------------------------

def init_draws(init: Callable, fan_in: int, fan_out: int, seed: int) -> tuple:
    """``init`` called with generators seeded ``seed``, ``seed`` again, and ``seed + 1``."""
    return tuple(init(fan_in, fan_out, np.random.default_rng(s)) for s in (seed, seed, seed + 1))


def init_variance(kind: str, fan_in: int, fan_out: int) -> float:
    """The variance of the entries asked for: 2 / (fan_in + fan_out) for "xavier", 2 / fan_in for "he"."""
    return 2.0 / (fan_in + fan_out) if kind == "xavier" else 2.0 / fan_in


def _variance_mistakes(kind: str, fan_in: int, fan_out: int) -> list[tuple[str, float]]:
    fi, fo = float(fan_in), float(fan_out)
    if kind == "xavier":
        return [
            ("the standard deviation was set to 2 / (fan_in + fan_out), which is the variance: pass its square "
             "root to rng.normal (its second argument is the standard deviation)", (2 / (fi + fo)) ** 2),
            ("the factor 2 is missing: Xavier's variance is 2 / (fan_in + fan_out)", 1 / (fi + fo)),
            ("this is 1 / fan_in (LeCun's initialisation): Xavier's variance averages both fans, "
             "2 / (fan_in + fan_out)", 1 / fi),
            ("this is He's 2 / fan_in: Xavier's variance is 2 / (fan_in + fan_out)", 2 / fi),
            ("only fan_out was used: Xavier's variance is 2 / (fan_in + fan_out)", 1 / fo),
            ("only fan_out was used: Xavier's variance is 2 / (fan_in + fan_out)", 2 / fo),
        ]
    return [
        ("the standard deviation was set to 2 / fan_in, which is the variance: pass its square root to "
         "rng.normal (its second argument is the standard deviation)", (2 / fi) ** 2),
        ("fan_out was used where fan_in belongs: He's variance is 2 / fan_in", 2 / fo),
        ("the factor 2 is missing (1 / fan_in is LeCun's initialisation): He's variance is 2 / fan_in, the 2 "
         "making up for the half of the units a ReLU sets to zero", 1 / fi),
        ("this is Xavier's variance 2 / (fan_in + fan_out): He's is 2 / fan_in", 2 / (fi + fo)),
    ]


def judge_init(kind: str, draws: Sequence[Any], fan_in: int, fan_out: int) -> None:
    """Judge three draws of ``xavier_init`` or ``he_init`` (``kind``: "xavier" or "he"), see :func:`init_draws`.

    Shape (fan_in, fan_out), finite real entries, the generator used (same seed, same draws; another
    seed, other draws), and for 2000 entries or more: excess kurtosis near 0 (the normal's), mean near 0,
    variance near 2 / (fan_in + fan_out) (Xavier) or 2 / fan_in (He). Raises CheckFailure.
    The shape of the law is judged by :func:`judge_normal`.
    """
    name = f"{kind}_init"
    shape = (fan_in, fan_out)
    for w in draws:
        if not isinstance(w, np.ndarray):
            raise CheckFailure(f"{name} should return a NumPy array of shape {shape}, but it returned {describe(w)}.")
        if w.shape != shape:
            hint = ""
            if w.shape == shape[::-1]:
                hint = ("\n  Likely mistake: the shape is (fan_out, fan_in): in row form (out = x @ W) W maps fan_in "
                        "inputs to fan_out outputs, so its shape is (fan_in, fan_out).")
            raise CheckFailure(f"{name}({fan_in}, {fan_out}, rng) has shape {w.shape}, expected {shape}.{hint}")
        if w.dtype.kind != "f":
            raise CheckFailure(f"{name} should return floats, but the dtype is {w.dtype}.")
        if not np.all(np.isfinite(w)):
            raise CheckFailure(f"{name} returned NaN or infinity.")
    first, again, other = (np.asarray(w, dtype=np.float64) for w in draws)
    if not np.array_equal(first, again):
        raise CheckFailure(f"{name}: two generators seeded alike gave different weights. Draw from the rng argument "
                           "(rng.normal(...)), not from np.random's global state.")
    if np.array_equal(first, other):
        raise CheckFailure(f"{name}: generators with different seeds gave the same weights. Draw from the rng "
                           "argument; do not make a generator of your own.")
    n = first.size
    if n < MIN_STATISTICAL_DRAWS:
        return
    variance = init_variance(kind, fan_in, fan_out)
    s2 = float(np.mean(first ** 2))
    if s2 == 0.0:
        raise CheckFailure(f"{name} returned all zeros: the weights must be random (mean 0, variance {variance:.4g}).")
    kurtosis = float(np.mean(first ** 4) / s2 ** 2 - 3.0)
    bound = SIGMAS * np.sqrt(24.0 / n)
    if abs(kurtosis) > bound:
        raise CheckFailure(
            f"{name}({fan_in}, {fan_out}, rng): the {n} entries do not look normally distributed: their excess "
            f"kurtosis is {kurtosis:.3f}, a normal distribution's is 0 (|k| <= {bound:.3f} expected for {n} draws; "
            "a uniform distribution gives -1.2).\n  Likely mistake: draw with rng.normal(0, std, size) (or "
            "rng.standard_normal(size) * std), not rng.uniform or rng.random.")
    mean = float(np.mean(first))
    bound = SIGMAS * np.sqrt(variance / n)
    if abs(mean) > bound:
        raise CheckFailure(f"{name}({fan_in}, {fan_out}, rng): the mean of the entries is {mean:.4g}, expected 0 "
                           f"(|mean| <= {bound:.3g} for {n} draws).")
    tolerance = SIGMAS * np.sqrt(2.0 / n)
    if abs(s2 / variance - 1.0) > tolerance:
        lines = [f"{name}({fan_in}, {fan_out}, rng): the variance of the entries is {s2:.4g}, expected "
                 f"{variance:.4g} (within a relative {tolerance:.3f} for {n} draws)."]
        for text, wrong in _variance_mistakes(kind, fan_in, fan_out):
            if abs(s2 / wrong - 1.0) <= tolerance:
                lines.append(f"  Likely mistake: {text}.")
                break
        raise CheckFailure("\n".join(lines))


def judge_normal(kind: str, weights: np.ndarray, fan_in: int, fan_out: int) -> None:
    """Raise CheckFailure unless the entries of ``weights`` look drawn from the normal law of ``kind``.

    ``kind`` is "xavier" or "he" (see :func:`init_variance`); ``weights`` is an array that passed
    :func:`judge_init`. A law with the right mean and variance but another shape (uniform, two or
    three points) is far from the normal law: :func:`chainrule.stats.expect_normal` sees it where
    mean, variance and kurtosis do not. Skipped below 2000 entries, like judge_init's moments.
    """
    if weights.size < MIN_STATISTICAL_DRAWS:
        return
    expect_normal(weights, init_variance(kind, fan_in, fan_out), name=f"{kind}_init({fan_in}, {fan_out}, rng)",
                  hint="a normal law was asked for: draw with rng.normal(0, std, size) (or "
                       "rng.standard_normal(size) * std), not from a few fixed values or from another law with the "
                       "same variance.")


def _check_init(fn, kind: str) -> None:
    name = f"{kind}_init"
    for fan_in, fan_out, seed in ((400, 150, 0), (3, 5, 7)):
        def init(a, b, rng):
            return call(fn, name, (a, b, rng), ("fan_in", "fan_out", "rng"))
        try:
            draws = init_draws(init, fan_in, fan_out, seed)
            judge_init(kind, draws, fan_in, fan_out)
            judge_normal(kind, draws[0], fan_in, fan_out)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check of {name}({fan_in}, {fan_out}, rng):\n  {failure}") from None
    passed(name)


def check_xavier_init(xavier_init) -> None:
    """Check xavier_init on a (400, 150) draw and on a (3, 5) shape.

    The draw must have mean 0, variance 2 / 550 (within 5 standard deviations) and a normal law (its
    Kolmogorov-Smirnov distance to N(0, 2 / 550) within the bound of :mod:`chainrule.stats`).
    """
    _check_init(xavier_init, "xavier")


def check_he_init(he_init) -> None:
    """Check he_init on a (400, 150) draw and on a (3, 5) shape.

    The draw must have mean 0, variance 2 / 400 (within 5 standard deviations) and a normal law (its
    Kolmogorov-Smirnov distance to N(0, 2 / 400) within the bound of :mod:`chainrule.stats`).
    """
    _check_init(he_init, "he")


# ---- dropout ---------------------------------------------------------------------------------------

def dropout_draws(forward: Callable, x, keep_prob, train, seed: int) -> tuple:
    """``out`` of ``forward`` with generators seeded ``seed``, ``seed`` again, and ``seed + 1``."""
    return tuple(out_and_cache(forward(x, keep_prob, train, np.random.default_rng(s)), "dropout_forward")[0] for s in (seed, seed, seed + 1))


def _dtype_note(out, x, what: str) -> str | None:
    """The style note for ``out`` in another dtype than ``x`` (judged after the values), or None."""
    if out.dtype == x.dtype:
        return None
    return (f"{what} has dtype {out.dtype}, expected {x.dtype} (the dtype of the input). Avoid creating float64 "
            "arrays (a mask of rng.random(...) < keep_prob divided by keep_prob is float64: multiply x by the "
            "boolean mask first, or convert with .astype(x.dtype)).")


def _array_like(out, x, what: str) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise CheckFailure(f"{what} should be a NumPy array of shape {x.shape}, but it is {describe(out)}.")
    if out.shape != x.shape:
        raise CheckFailure(f"{what} has shape {out.shape}, expected {x.shape} (the shape of the input).")
    if out.dtype.kind not in "fiu":
        raise CheckFailure(f"{what} should hold real numbers, but its dtype is {out.dtype}.")
    if not np.all(np.isfinite(out)):
        raise CheckFailure(f"{what} contains NaN or infinity." + (
            f"\n  Also: {_dtype_note(out, x, what)}" if _dtype_note(out, x, what) else ""))
    return out


def judge_dropout_forward(draws: Sequence[Any], x: np.ndarray, keep_prob: float, train: bool) -> None:
    """Judge three outputs of ``dropout_forward`` (see :func:`dropout_draws`) by their properties.

    ``x`` must have no zero entries. At test time: ``out == x``. In training: every entry is 0 or
    ``x / keep_prob``; rows do not all share one mask; the kept fraction is within 5 standard
    deviations of ``keep_prob``; the generator is used. Values first: an ``out`` in another dtype
    than ``x`` with right values is a style note; with wrong values the failure names it too.
    Raises CheckFailure.
    """
    out, again, other = (_array_like(o, x, "out") for o in draws)
    note = _dtype_note(out, x, "out")
    try:
        _judge_dropout_values(out, again, other, x, keep_prob, train)
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}" + (f"\n  Also: {note}" if note else "")) from None
    if note:
        style_note(note)


def _judge_dropout_values(out, again, other, x: np.ndarray, keep_prob: float, train: bool) -> None:
    x64, out64 = np.asarray(x, dtype=np.float64), np.asarray(out, dtype=np.float64)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    if not train:
        if np.allclose(out64, x64, rtol=tol, atol=0):
            return
        hint = ("at test time (train=False) dropout is the identity: nothing is dropped and nothing is scaled "
                "(inverted dropout did its scaling during training)")
        if np.allclose(out64, x64 * keep_prob, rtol=tol, atol=0):
            hint = ("out = x * keep_prob at test time is the old, non-inverted dropout: with inverted dropout the "
                    "test-time layer is the identity, out = x")
        raise CheckFailure(f"with train=False, out should equal x.\n  Likely mistake: {hint}.")
    kept = out64 != 0
    ratio = out64[kept] / x64[kept]
    if ratio.size and not np.allclose(ratio, 1.0 / keep_prob, rtol=1e-4 if x.dtype == np.float32 else 1e-9):
        if np.allclose(ratio, 1.0, rtol=1e-5):
            hint = "the kept units were not scaled: inverted dropout divides them by keep_prob"
        elif np.allclose(ratio, keep_prob, rtol=1e-5):
            hint = "the kept units were multiplied by keep_prob: inverted dropout divides them by keep_prob"
        elif np.allclose(ratio, 1.0 / (1.0 - keep_prob), rtol=1e-5):
            hint = (f"the kept units were divided by the drop probability 1 - keep_prob = {1 - keep_prob:.4g}: "
                    "inverted dropout divides them by keep_prob, the probability of keeping a unit")
        elif np.allclose(ratio, 1.0 - keep_prob, rtol=1e-5):
            hint = (f"the kept units were multiplied by the drop probability 1 - keep_prob = {1 - keep_prob:.4g}: "
                    "inverted dropout divides them by keep_prob, the probability of keeping a unit")
        else:
            hint = "every entry of out must be either 0 (dropped) or x / keep_prob (kept)"
        raise CheckFailure(f"the kept entries of out are x times {np.median(ratio):.4g}, expected x / keep_prob "
                           f"= x times {1 / keep_prob:.4g}.\n  Likely mistake: {hint}.")
    if x.ndim >= 2 and x.shape[0] > 1:
        rows = kept.reshape(x.shape[0], -1)
        if np.all(rows == rows[0]):
            raise CheckFailure("every example (row of x) was given the same mask. Draw one random number per "
                               "entry of x: rng.random(x.shape).")
    n = x.size
    fraction = float(np.mean(kept))
    bound = SIGMAS * np.sqrt(keep_prob * (1 - keep_prob) / n)
    if abs(fraction - keep_prob) > bound:
        hint = "keep each entry independently with probability keep_prob"
        if abs(fraction - (1 - keep_prob)) <= bound:
            hint = ("keep_prob is the probability of KEEPING a unit, not of dropping it: keep an entry where "
                    "rng.random(x.shape) < keep_prob")
        raise CheckFailure(f"{fraction:.3f} of the {n} entries were kept, expected about keep_prob = {keep_prob} "
                           f"(within {bound:.3f}).\n  Likely mistake: {hint}.")
    if not np.array_equal(out, again):
        raise CheckFailure("two generators seeded alike gave different masks. Draw the mask from the rng "
                           "argument, not from np.random's global state.")
    if np.array_equal(out, other):
        raise CheckFailure("generators with different seeds gave the same mask. Draw the mask from the rng "
                           "argument; do not make a generator of your own.")


def _missing_scaling(out: np.ndarray, x: np.ndarray, mask: np.ndarray, keep_prob: float) -> str:
    """What a dx without the 1 / keep_prob scaling means, from what the learner's own forward did to the kept units."""
    text = "the 1 / keep_prob scaling is missing: "
    kept = mask & (np.asarray(x) != 0)
    if not kept.any():
        return text + "inverted dropout divides the kept units' gradient by keep_prob"
    scale = float(np.median(np.asarray(out, dtype=np.float64)[kept] / np.asarray(x, dtype=np.float64)[kept]))
    if np.isclose(scale, 1.0 / keep_prob, rtol=1e-4):
        return text + "the forward divided the kept units by keep_prob, so the backward must too"
    if np.isclose(scale, 1.0, rtol=1e-4):
        return (text + "your dropout_forward did not divide the kept units by keep_prob either (its kept entries "
                "are x itself), so dx matches your forward, but inverted dropout divides by keep_prob in both "
                "passes: fix dropout_forward (out = x * mask / keep_prob), then dx = dout * mask / keep_prob")
    return (text + f"your dropout_forward scaled the kept units by {scale:.4g}, not by 1 / keep_prob = "
            f"{1 / keep_prob:.4g}: fix dropout_forward first, then dx = dout * mask / keep_prob")


def judge_dropout_backward(out: Any, dx: Any, x: np.ndarray, keep_prob: float, train: bool, dout: np.ndarray,
                           rtol: float = 1e-6) -> None:
    """Judge ``dx = dropout_backward(dout, cache)`` against the mask of the learner's own forward.

    The mask is read from the forward's ``out`` (``x`` has no zero entries): in training
    dx = dout * mask / keep_prob; at test time dx = dout. Raises CheckFailure.
    """
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise CheckFailure(f"dropout_forward's out should be an array of shape {x.shape}, but it is {describe(out)}: "
                           "fix dropout_forward first.")
    if not isinstance(dx, np.ndarray) or dx.shape != dout.shape:
        dx = _array_like(dx, dout, "dx")
    if not train:
        expected = dout.copy()
        mistakes = [("at test time the layer is the identity, so its backward pass is too: dx = dout",
                     dout * keep_prob),
                    ("at test time the layer is the identity, so its backward pass is too: dx = dout",
                     dout / keep_prob)]
    else:
        mask = np.asarray(out) != 0
        passed_through = np.asarray(dx) != 0
        if mask.any() and not mask.all() and np.array_equal(passed_through, ~mask):
            raise CheckFailure("dx is zero exactly where your forward KEPT a unit and nonzero where it dropped one: "
                               "the mask is inverted. Pass the gradient where the forward kept a unit (the mask "
                               "is True, out != 0) and zero it where the unit was dropped.")
        if not np.array_equal(passed_through, mask):
            raise CheckFailure("dx is zero in other places than your forward's out: the backward pass must reuse "
                               "the mask of the forward pass (keep it in the cache), not draw a new one.")
        expected = dout * mask / keep_prob
        mistakes = [(_missing_scaling(out, x, mask, keep_prob), dout * mask),
                    ("dx was multiplied by keep_prob: the kept units' gradient is dout / keep_prob",
                     dout * mask * keep_prob)]
    expect_close(dx, np.asarray(expected, dtype=dout.dtype), name="dx", rtol=rtol, atol=1e-12, same_dtype=True,
                 mistakes={"dx": mistakes})


def _dropout_x(rng, shape, dtype=np.float64) -> np.ndarray:
    """Inputs with no zero entries (so that a zero in out means a dropped unit)."""
    return (rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def check_dropout_forward(dropout_forward) -> None:
    """Inverted dropout on (100, 40) inputs: entries 0 or x / keep_prob, about keep_prob kept; identity at test time."""
    rng = np.random.default_rng(9)
    examples = [(_dropout_x(rng, (100, 40)), 0.8, True), (_dropout_x(rng, (100, 40)).astype(np.float32), 0.5, True),
                (_dropout_x(rng, (6, 5)), 0.8, False)]
    for x, keep_prob, train in examples:
        label = f"dropout_forward(x of shape {x.shape} ({x.dtype}), keep_prob={keep_prob}, train={train}, rng)"

        def forward(x_, p_, t_, rng_):
            return call(dropout_forward, "dropout_forward", (x_, p_, t_, rng_), ("x", "keep_prob", "train", "rng"))
        try:
            judge_dropout_forward(dropout_draws(forward, x, keep_prob, train, 0), x, keep_prob, train)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check of {label}:\n  {failure}") from None
    passed("dropout_forward")


def check_dropout_backward(dropout_forward, dropout_backward) -> None:
    """dx = dout * mask / keep_prob with the mask of your own forward pass; dx = dout at test time."""
    rng = np.random.default_rng(11)
    for shape, keep_prob, train in (((8, 10), 0.7, True), ((8, 10), 0.7, False)):
        x, dout = _dropout_x(rng, shape), rng.normal(0, 2, shape)
        label = f"dropout_backward(dout, cache) after dropout_forward(x of shape {shape}, {keep_prob}, {train}, rng)"
        try:
            out, cache = out_and_cache(call(dropout_forward, "dropout_forward",
                                            (x, keep_prob, train, np.random.default_rng(3)),
                                            ("x", "keep_prob", "train", "rng")), "dropout_forward")
            dx = call(dropout_backward, "dropout_backward", (dout, cache), ("dout", "cache"))
            judge_dropout_backward(out, dx, x, keep_prob, train, dout)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check of {label}:\n  {failure}") from None
    passed("dropout_backward")


# ---- the MLP ---------------------------------------------------------------------------------------

def _mlp_params(rng, sizes, scale=0.5, zero=False) -> dict:
    params = {}
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{k}"] = np.zeros((a, b)) if zero else rng.normal(0, scale, (a, b))
        params[f"b{k}"] = np.zeros(b) if zero else rng.normal(0, scale, b)
    return params


# One fixed example with its loss, computed once (depth 2, tanh, reg 0.1): a value to compare with
# that does not come from the learner's own code. tests/test_training.py recomputes it.
MLP_EXAMPLE = {"seed": 2024, "sizes": (3, 4, 3), "N": 5, "activation": "tanh", "reg": 0.1,
               "loss": 2.7890234124280178}


def mlp_example() -> tuple[dict, np.ndarray, np.ndarray]:
    """The params, X and y of :data:`MLP_EXAMPLE`."""
    rng = np.random.default_rng(MLP_EXAMPLE["seed"])
    params = _mlp_params(rng, MLP_EXAMPLE["sizes"], scale=0.8)
    X = rng.normal(0, 1.0, (MLP_EXAMPLE["N"], MLP_EXAMPLE["sizes"][0]))
    y = rng.integers(0, MLP_EXAMPLE["sizes"][-1], MLP_EXAMPLE["N"])
    return params, X, y


def _loss_and_grads(result, what: str) -> tuple[Any, dict]:
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{what} should return a tuple (loss, grads), but it returned {describe(result)}.")
    return result


_ONLY_SMOOTH_WRONG = ("with relu your gradients agree with central differences, with {activation} they do not: the "
                      "activation's derivative may have been taken at its output h instead of at its input z. With "
                      "the cached h = g(z): tanh'(z) = 1 - h**2 and sigmoid'(z) = h * (1 - h)")
_LOWER_LAYERS_WRONG = ("the last layer's gradients are right, those of the layers below are not: check the delta "
                       "recursion, delta_l = dL/dz_l from delta_{{l+1}}, the weights W_{{l+1}} and g'(z_l), and which z and h each "
                       "layer uses")


def check_mlp_loss(mlp_loss) -> None:
    """Zero weights give log C; gradients against central differences; the reg term; a fixed example's loss.

    The gradients are compared with central differences of your own loss for depth 1, 2 and 3 and
    each activation (relu first); the regularisation is checked through the difference it makes to
    your loss and gradients; last, the loss of a fixed example is compared with its known value.
    """
    def run(params, X, y, activation, reg):
        shown = f"mlp_loss(params of depth {len(params) // 2}, X of shape {X.shape}, y, {activation!r}, reg={reg})"
        try:
            return _loss_and_grads(call(mlp_loss, "mlp_loss", (params, X, y, activation, reg),
                                        ("params", "X", "y", "activation", "reg")), shown), shown
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, {shown}:\n  {failure}") from failure.__cause__

    rng = np.random.default_rng(5)
    # 1. All weights zero: every class gets probability 1/C, so the loss is log C whatever reg is.
    X, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    (loss, _), shown = run(_mlp_params(rng, (3, 5, 3), zero=True), X, y, "relu", 0.3)
    try:
        expect_close(loss, np.log(3), name="loss", rtol=1e-9,
                     mistakes={"loss": [("a factor 1/N is missing: the loss is the MEAN over the N = 4 examples",
                                         4 * np.log(3))]})
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {shown} with all weights and biases 0 (so every class has probability "
                           f"1/3 and the loss is log 3):\n  {failure}") from None

    # 2. Gradients against central differences of the learner's own loss (reg = 0), relu first;
    #    then what reg adds to the loss and to the gradients.
    relu_ok = True
    for activation in ("relu", "tanh", "sigmoid"):
        for sizes in ((4, 3), (4, 5, 3), (4, 6, 5, 3)):
            params = _mlp_params(rng, sizes, scale=0.7)
            X, y = rng.normal(size=(6, sizes[0])), rng.integers(0, sizes[-1], 6)
            reg = 0.2
            (loss0, grads0), shown0 = run(params, X, y, activation, 0.0)
            try:
                if not isinstance(grads0, dict):
                    raise CheckFailure(f"grads should be a dict with keys {sorted(params)}, but it is "
                                       f"{describe(grads0)}.")
                numeric = {}
                for key in params:
                    # Your function has just run safely on these shapes: call it directly (faster),
                    # with NumPy's warnings silenced (the same ones were reported above, if any).
                    def f(v, key=key):
                        changed = dict(params)
                        changed[key] = v
                        return float(mlp_loss(changed, X, y, activation, 0.0)[0])
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        numeric[key] = num_grad(f, params[key])
                n = X.shape[0]
                batch = {f"grads[{k!r}]": [(f"there is an extra factor 1/N (N = {n}): divide by N once, in the "
                                            "softmax loss's gradient", numeric[k] / n),
                                           (f"a factor 1/N is missing (N = {n}): the loss is the MEAN over the "
                                            "examples", numeric[k] * n)] for k in params}
                try:
                    expect_close(grads0, numeric, name="grads", rtol=1e-5, atol=1e-8, mistakes=batch)
                except CheckFailure as failure:
                    last = [f"W{len(sizes) - 1}", f"b{len(sizes) - 1}"]
                    hint = None
                    if activation != "relu" and relu_ok:
                        hint = _ONLY_SMOOTH_WRONG.format(activation=activation)
                    elif len(sizes) > 2 and isinstance(grads0, dict) and all(
                            k in grads0 and np.shape(grads0[k]) == numeric[k].shape
                            and np.allclose(grads0[k], numeric[k], rtol=1e-5, atol=1e-8) for k in last):
                        hint = _LOWER_LAYERS_WRONG.format()
                    if activation == "relu":
                        relu_ok = False
                    raise CheckFailure(f"{failure}" + (f"\n  Likely mistake: {hint}." if hint and
                                                       "Likely mistake" not in str(failure) else "")) from None
                (loss, grads), shown = run(params, X, y, activation, reg)
                weights = [k for k in params if k.startswith("W")]
                penalty = sum(float(np.sum(params[k] ** 2)) for k in weights)
                bias_penalty = sum(float(np.sum(params[k] ** 2)) for k in params if k.startswith("b"))
                expect_close(loss - loss0, 0.5 * reg * penalty, name="loss(reg) - loss(reg=0)", rtol=1e-8,
                             atol=1e-12, mistakes={"loss(reg) - loss(reg=0)": [
                                 ("the regularisation term is 0.5 * reg * sum(W**2) (its gradient is reg * W), "
                                  "not reg * sum(W**2)", reg * penalty),
                                 ("the biases are not regularised: the penalty sums the squares of the weights W "
                                  "only", 0.5 * reg * (penalty + bias_penalty))]})
                if not isinstance(grads, dict) or set(grads) != set(params):
                    raise CheckFailure(f"grads should be a dict with keys {sorted(params)}, but it is "
                                       f"{describe(grads)}.")
                extra = {k: np.asarray(grads[k], dtype=np.float64) - np.asarray(grads0[k], dtype=np.float64)
                         for k in params}
                expected = {k: reg * params[k] if k.startswith("W") else np.zeros_like(params[k]) for k in params}
                mistakes = {}
                for k in params:
                    if k.startswith("W"):
                        mistakes[f"grads(reg) - grads(reg=0)[{k!r}]"] = [
                            ("the gradient of the regularisation term, reg * W, is missing from dW",
                             np.zeros_like(params[k])),
                            ("the regularisation term is 0.5 * reg * sum(W**2) (its gradient is reg * W), not "
                             "reg * sum(W**2)", 2 * reg * params[k])]
                    else:
                        mistakes[f"grads(reg) - grads(reg=0)[{k!r}]"] = [
                            ("the biases are not regularised: db has no reg term", reg * params[k])]
                expect_close(extra, expected, name="grads(reg) - grads(reg=0)", rtol=1e-7, atol=1e-10,
                             mistakes=mistakes)
            except CheckFailure as failure:
                raise CheckFailure(f"Visible check, {shown0} (and with reg={reg}), gradients against central "
                                   f"differences of your own loss:\n  {failure}") from None

    # 3. A fixed example with a known loss (its gradients and reg have been checked above).
    params, X, y = mlp_example()
    (loss, _), shown = run(params, X, y, MLP_EXAMPLE["activation"], MLP_EXAMPLE["reg"])
    try:
        expect_close(loss, MLP_EXAMPLE["loss"], name="loss", rtol=1e-8)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {shown} on the fixed example chainrule.visible.training.mlp_example():"
                           f"\n  {failure}\n  Your gradients agree with your loss, so look at the forward pass. "
                           "Likely mistake: the last layer has no activation (its output z_L goes straight into "
                           "the softmax); otherwise check the activation functions themselves.") from None
    passed("mlp_loss")


# ---- early stopping ----------------------------------------------------------------------------------

_STOP_MISTAKES = {
    "stops_early": "it stopped one epoch too soon: patience counts the epochs AFTER the best one that do not "
                   "improve on it (with patience 2, the best epoch and then two more without improvement)",
    "stops_late": "it waited one epoch too long: training stops as soon as patience epochs in a row have not "
                  "improved on the best loss",
    "last_not_best": "it returned the epoch where training stopped (or the last one); the epoch to keep is the "
                     "one with the best validation loss seen up to the stop",
    "ignores_patience": "it returned the best epoch of the WHOLE list; training stops after patience epochs "
                        "without improvement, so losses after the stop are never seen",
    "ties_improve": "a tie counted as an improvement; only a strictly lower loss improves, so a tie keeps the "
                    "earlier epoch",
}


def _stop_rule(losses, patience: int, mistake: str | None = None):
    """The epoch early stopping keeps, or one known mistake of it; None if no loss is a number."""
    losses = [float(v) for v in np.asarray(losses, dtype=np.float64).ravel()]
    if mistake == "ignores_patience":
        numbers = [(v, t) for t, v in enumerate(losses) if not np.isnan(v)]
        return min(numbers)[1] if numbers else None
    wait = patience + (1 if mistake == "stops_late" else -1 if mistake == "stops_early" else 0)
    best, best_loss, waited, last = None, np.inf, 0, None
    for epoch, loss in enumerate(losses):
        last = epoch
        if loss < best_loss or (mistake == "ties_improve" and loss <= best_loss):
            best, best_loss, waited = epoch, loss, 0
        elif best is not None:
            waited += 1
            if waited >= wait:
                break
    if mistake == "last_not_best" and best is not None:
        return last
    return best


def early_stopping_mistakes(val_losses, patience: int) -> list[tuple[str, Any]]:
    """Known wrong answers of ``early_stopping`` on these inputs: ``(description, epoch)``, right answers left out."""
    right = _stop_rule(val_losses, patience)
    found = []
    for mistake, text in _STOP_MISTAKES.items():
        value = _stop_rule(val_losses, patience, mistake)
        if value != right and all(value != v for _, v in found):
            found.append((text, value))
    return found


def _shown_losses(val_losses) -> str:
    return "[" + ", ".join(f"{float(v):g}" for v in np.asarray(val_losses, dtype=np.float64).ravel()) + "]"


def judge_early_stopping(actual: Any, expected: Any, val_losses, patience: int) -> None:
    """Raise CheckFailure unless ``actual`` is the epoch ``expected`` (None: no epoch), naming a known mistake."""
    where = f"early_stopping({_shown_losses(val_losses)}, patience={patience})"
    if expected is None:
        if actual is not None:
            raise CheckFailure(f"{where} returned {describe(actual)}, but no loss there is a number (an empty or "
                               "all-NaN list): there is no epoch to keep, return None.")
        return
    if actual is None:
        raise CheckFailure(f"{where} returned None, but epoch {expected} is to be kept (None is only for a list "
                           "without a single number).")
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (int, np.integer, float, np.floating)) \
            or not float(actual).is_integer():
        raise CheckFailure(f"{where} should return an epoch index (an int), but it returned {describe(actual)}.")
    if int(actual) != expected:
        named = [text for text, value in early_stopping_mistakes(val_losses, patience) if value == int(actual)]
        hint = f"\n  Likely mistake: {named[0]}." if named else ""
        raise CheckFailure(f"{where} returned epoch {int(actual)}, expected epoch {expected}.{hint}")


def check_early_stopping(early_stopping) -> None:
    """The epoch to keep on short lists of losses: a stop, the end of the list first, a tie, NaN, an empty list."""
    examples = [([2.0, 1.5, 1.2, 1.3, 1.25, 1.4, 0.9], 3), ([2.0, 1.5, 1.2, 1.3, 1.25, 1.4, 0.9], 2),
                ([1.0, 0.8, 0.8, 0.9], 3), ([3.0, 2.0, 2.5, 1.0], 5), ([0.5, float("nan"), 0.6, 0.4], 3),
                ([], 2)]
    for losses, patience in examples:
        result = call(early_stopping, "early_stopping", (list(losses), patience), ("val_losses", "patience"))
        try:
            judge_early_stopping(result, _stop_rule(losses, patience), losses, patience)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check:\n  {failure}") from None
    passed("early_stopping")


# ---- the checkpoint of the delta recursion ---------------------------------------------------------------

# One example, row form, two ReLU layers: h_0 = [[1, 2]], z_1 = h_0 W_1 + b_1, h_1 = ReLU(z_1), z_2 = h_1 W_2 + b_2,
# and the error signal delta_2 = dL/dz_2 as given.
_BY_HAND = {"h0": np.array([[1.0, 2.0]]), "W1": np.array([[1.0, -1.0], [2.0, 1.0]]), "b1": np.array([0.0, -2.0]),
            "W2": np.array([[1.0, 3.0], [-2.0, 1.0]]), "delta2": np.array([[0.5, -1.0]])}


def _by_hand_parts():
    z1 = _BY_HAND["h0"] @ _BY_HAND["W1"] + _BY_HAND["b1"]
    return z1, np.maximum(z1, 0.0), _BY_HAND["W2"], _BY_HAND["delta2"]


def delta_by_hand_mistakes() -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of the checkpoint, by output (``delta_1``, ``dW2``)."""
    z1, h1, W2, d2 = _by_hand_parts()
    return {"delta_1": [
        ("W_2 is not transposed: delta_2 (1, 2) meets W_2 (2, 2) through its transpose, because z_2 sums h_1's entries "
         "along W_2's rows", (d2 @ W2) * (z1 > 0)),
        ("that is dL/dh_1, one step short: delta_1 = dL/dz_1 also passes through the ReLU's derivative g'(z_1)",
         d2 @ W2.T)],
        "dW2": [("dW2 is transposed: it has W_2's shape (rows: the inputs h_1, columns: the outputs z_2)",
                 d2.T @ h1),
                ("dW2 used h_0 instead of h_1: the weights W_2 multiply layer 2's input, h_1", _BY_HAND["h0"].T @ d2),
                ("dW2 used z_1 instead of h_1: W_2 multiplies the activation h_1 = ReLU(z_1)", z1.T @ d2)]}


def judge_delta_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` is the checkpoint's ``(delta_1, dW2)``, without printing the answer."""
    name = "delta_by_hand()"
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{name} should return a tuple (delta_1, dW2), but it returned {describe(result)}.")
    z1, h1, W2, d2 = _by_hand_parts()
    right = {"delta_1": (d2 @ W2.T) * (z1 > 0), "dW2": h1.T @ d2}
    mistakes = delta_by_hand_mistakes()
    for (key, expected), value in zip(right.items(), result):
        try:
            values = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailure(f"{name}: {key} should be numbers in an array of shape {expected.shape}, but it is "
                               f"{describe(value)}.") from None
        if values.size != expected.size:
            raise CheckFailure(f"{name}: {key} should have shape {expected.shape} ({expected.size} numbers), but it "
                               f"has shape {values.shape}.")
        values = values.reshape(expected.shape)
        if np.allclose(values, expected, rtol=1e-9, atol=1e-12):
            continue
        for description, wrong in mistakes[key]:
            if np.allclose(values, wrong, rtol=1e-9, atol=1e-12):
                raise CheckFailure(f"{name}: {key} is not right yet.\n  Likely mistake: {description}.")
        raise CheckFailure(f"{name}: {key} is not right yet (its values are not shown here: the checkpoint is yours "
                           f"to work out).\n  A check: write z_1 and h_1 first, then apply your items 1 and 2.")


def check_delta_by_hand(delta_by_hand) -> None:
    """The checkpoint: delta_1 and dW2 of the two-layer ReLU example, worked out by hand."""
    result = call(delta_by_hand, "delta_by_hand", (), ())
    try:
        judge_delta_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check of the checkpoint:\n  {failure}") from None
    print("[ok] delta_by_hand is right. The hidden test checks the same numbers.")
