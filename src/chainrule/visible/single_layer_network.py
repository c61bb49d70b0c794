r"""Visible checks of notebook 07, a single-layer network; and the graded training run.

The checks need no reference implementation: the ReLU layer's backward pass and
the networks' gradients are compared with central differences of the learner's
own forward computation, the losses with fixed numbers for the notebook's
examples. Known mistakes are named with the texts below (the hidden tests use
the same words). Wrong answers that can be derived from the numerical gradient
(a missing regularization gradient, a missing 1/N) are recognised by value; a
missing ReLU mask by a property: a hidden unit with :math:`z \le 0` must receive
no gradient.

The graded training runs live here too, so that the visible checks and the
hidden tests train in exactly the same way: :func:`init_two_layer`,
:func:`two_layer_predict`, :func:`train_two_layer` and :func:`judge_spiral_run`,
with the notebook's settings in :data:`SPIRAL_RUN`, for the spiral (full batch,
training accuracy); :func:`train_two_layer_batches` and :func:`judge_digits_run`
with :data:`DIGITS_RUN` for the UCI digits (mini-batches, validation accuracy).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checking import call_learner, CheckFailure, describe, expect_close, out_and_cache
from ..data import digits, spiral
from ..gradcheck import num_grad, num_vjp
from ._common import call, passed

__all__ = ["DIGITS_RUN", "SINGLE_LAYER_MISTAKES", "SPIRAL_RUN", "check_relu_backward", "check_relu_forward",
           "check_delta1_by_hand", "check_sgd_step", "check_single_layer_loss_and_grads", "check_train_digits", "check_train_spiral",
           "check_two_layer_loss", "digits_run_inputs", "delta1_by_hand_mistakes", "judge_delta1_by_hand", "judge_digits_run", "train_two_layer_batches",
           "init_two_layer", "judge_spiral_run", "nonfinite_result", "relu_layer_mistakes", "sgd_step_mistakes", "spiral_run_inputs",
           "train_two_layer", "two_layer_predict"]

#: The known mistakes of this notebook, by a short key; the hidden tests use the same texts.
SINGLE_LAYER_MISTAKES = {
    "relu_kink": "at the kink x = 0 ReLU passes no gradient in this course: use x > 0, not x >= 0",
    "relu_no_mask": "the mask 1[x > 0] is missing: ReLU passes dout only where its input was positive "
                    "(a test on the output, out >= 0, is always true)",
    "relu_unscaled": "this is the local gradient 1[x > 0] only: multiply it by the upstream gradient dout",
    "relu_times_out": "dout was multiplied by relu(x) itself instead of the 0/1 mask 1[x > 0]",
    "relu_is_mask": "this is the mask 1[x > 0], not relu(x) = max(x, 0)",
    "relu_abs": "this is |x|: ReLU sets negative inputs to 0",
    "relu_min": "this is min(x, 0): ReLU keeps the positive part, max(x, 0)",
    "no_mask": "delta1 = dL/dz is missing the ReLU mask 1[z > 0]: a hidden unit with z <= 0 passes no "
               "gradient (a test on h, h >= 0, is always true: the mask is z > 0)",
    "kink": "at the kink z = 0 ReLU passes no gradient in this course: the mask is z > 0, not z >= 0",
    "unstable": "the softmax overflowed: the scores were not shifted by their largest value before np.exp. "
                "With scores near 1000, np.exp of them is inf and inf / inf is NaN; subtract the largest score "
                "first (of each example), e = np.exp(theta - theta.max()), which leaves the softmax unchanged "
                "(softmax(theta - c) = softmax(theta))",
    "h_not_mask": "delta1 = dL/dz was multiplied by h = ReLU(z) (or by z) instead of the 0/1 mask 1[z > 0]",
    "missing_y": "delta2 = dL/dtheta is yhat - y: the - y is missing",
    "delta1_scores": "delta2 = dL/dtheta is softmax(theta) - y, the probabilities minus the one-hot label, "
                     "not the scores theta minus y",
    "transposed": "this gradient is transposed: it must have the shape of its parameter (write the shapes "
                  "down: dW = delta1 x^T in column form, dW1 = X^T dZ in row form)",
    "z_not_h": "the gradient of the second layer's weights uses z; it takes h = ReLU(z), the input of that layer",
    "no_1_over_n": "a factor 1/N is missing: the loss is a mean over the batch, so every data gradient "
                   "carries 1/N",
    "loss_sum": "a factor 1/N is missing: the loss is the mean of the examples' losses, not their sum",
    "no_reg_grad": "the regularization gradient is missing: add reg * W1 to dW1 and reg * W2 to dW2",
    "reg_grad_2": "the regularization gradient is reg * W, not 2 reg * W (the 0.5 in the loss cancels the "
                  "2 from the square)",
    "no_reg_loss": "the regularization term 0.5 * reg * (sum(W1**2) + sum(W2**2)) is missing from the loss",
    "reg_loss_half": "the factor 0.5 of the regularization term 0.5 * reg * (sum(W1**2) + sum(W2**2)) is missing",
    "reg_biases": "the biases are not regularized in this course: the penalty covers W1 and W2 only",
    "extra_1_over_n": "there is an extra factor 1/N: dscores = (softmax - one-hot) / N already holds the mean's "
                      "1/N, so the weight and bias gradients only sum over the batch (no second / N or .mean)",
    "loss_block": "P[:, y] (or log_probs[:, y]) is an N x N block, column y[j] of EVERY row i: take the true "
                  "class of each row, P[np.arange(N), y]",
    "keepdims": "keepdims=True was used: a bias gradient has the shape of its bias, (H,) or (C,), not (1, H)",
    "data_sign": "the sign of the data gradient is flipped: dscores = (softmax - one-hot) / N",
    "sgd_uphill": "the step goes uphill: gradient descent subtracts lr * grads from params",
    "sgd_no_lr": "the learning rate lr was not used: the new value is params - lr * grads",
    "sgd_step_only": "this is the step - lr * grads alone: return the new parameters params - lr * grads",
}

_M = SINGLE_LAYER_MISTAKES   # a short name for the texts inside this module

# ---- ReLU ----------------------------------------------------------------------------------------


def relu_layer_mistakes(x, dout=None) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``relu_forward`` (``dout`` None) or ``relu_backward``, as (description, value)."""
    x = np.asarray(x, dtype=np.float64)
    if dout is None:
        return [(_M["relu_is_mask"], (x > 0) * 1.0), (_M["relu_abs"], np.abs(x)),
                (_M["relu_min"], np.minimum(x, 0.0))]
    d = np.asarray(dout, dtype=np.float64)
    return [(_M["relu_kink"], d * (x >= 0)), (_M["relu_no_mask"], d),
            (_M["relu_unscaled"], (x > 0) * 1.0), (_M["relu_times_out"], d * np.maximum(x, 0.0))]


_RELU_X = np.array([[-2.0, -0.5, 0.0, 0.5], [1.5, -3.0, 2.0, -1.0], [0.25, 3.0, -0.25, 0.0]])
_RELU_OUT = np.array([[0.0, 0.0, 0.0, 0.5], [1.5, 0.0, 2.0, 0.0], [0.25, 3.0, 0.0, 0.0]])
_RELU_DOUT = np.array([[1.5, -2.0, 0.5, 3.0], [-1.25, 2.5, -0.75, 1.0], [2.0, -1.5, 1.75, -2.5]])


def _call(fn: Callable, name: str, args: tuple, arg_names: tuple[str, ...], example: str) -> Any:
    """Call a learner function on (a variation of) a visible example named by ``example``; warnings noted once."""
    try:
        result = call_learner(fn, args, name=name, arg_names=arg_names)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check of {name} on {example}:\n  {failure}") from failure.__cause__
    for message in result.warnings:
        if message not in _NOTED:
            _NOTED.add(message)
            print(f"Note: {name} raised a warning on {example} ({message}). It costs no points, but ask "
                  "yourself where it comes from.")
    return result.result


_NOTED: set[str] = set()


def check_relu_forward(relu_forward) -> None:
    """relu_forward on a (3, 4) example with zeros, in float64 and float32: out = max(x, 0), dtype kept."""
    for dtype in (np.float64, np.float32):
        x = _RELU_X.astype(dtype)
        out, _ = out_and_cache(call(relu_forward, "relu_forward", (x,), ("x",)), "relu_forward")
        label = f"relu_forward(x) on the {dtype.__name__} example, out"
        expect_close(out, _RELU_OUT.astype(dtype), name=label, rtol=0, atol=0, same_dtype=True,
                     mistakes={label: relu_layer_mistakes(_RELU_X)})
    passed("relu_forward")


def check_relu_backward(relu_backward, relu_forward) -> None:
    """relu_backward against central differences of your relu_forward, 0 where x = 0, dtype kept.

    The cache comes from your own relu_forward; the example has two entries exactly at the kink.
    """
    _NOTED.clear()
    results = {}
    for dtype in (np.float64, np.float32):
        x, dout = _RELU_X.astype(dtype), _RELU_DOUT.astype(dtype)
        _, cache = out_and_cache(call(relu_forward, "relu_forward", (x,), ("x",)), "relu_forward")
        results[dtype] = call(relu_backward, "relu_backward", (dout, cache), ("dout", "cache"))
    # Central differences of your forward on the float64 example; the course's choice at the kink, 0,
    # where x = 0 (central differences straddle the kink there and give dout / 2).
    expected = num_vjp(lambda v: out_and_cache(_call(relu_forward, "relu_forward", (v,), ("x",), "the example"),
                                            "relu_forward")[0], _RELU_X, _RELU_DOUT)
    expected[_RELU_X == 0] = 0.0
    for dtype, dx in results.items():
        label = f"relu_backward(dout, cache) on the {dtype.__name__} example"
        expect_close(dx, expected.astype(dtype), name=label, rtol=1e-6, atol=1e-8, same_dtype=True,
                     mistakes={label: relu_layer_mistakes(_RELU_X, _RELU_DOUT)})
    passed("relu_backward")


# ---- the single-layer network, one example in column form ----------------------------------------

def _single_example():
    x = np.array([[1.0], [-2.0], [0.5]])
    y = np.array([[0.0], [1.0], [0.0]])
    params = {"W": np.array([[0.5, -0.3, 0.8], [-0.6, 0.1, 0.4], [0.2, 0.7, -0.5], [0.9, 0.2, -0.2]]),
              "b1": np.array([[0.1], [-0.2], [0.3], [0.0]]),
              "U": np.array([[0.3, -0.5, 0.6, 0.8], [-0.7, 0.2, 0.4, -0.3], [0.5, 0.9, -0.6, 0.1]]),
              "b2": np.array([[0.05], [-0.1], [0.2]])}
    return x, y, params


_SINGLE_J = 3.032069794812265   # the loss L on the example above; z = [1.6, -0.8, -1.15, 0.4]: units 1 and 2 are off


def _pair(result: Any, name: str, first: str) -> tuple[Any, Any]:
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{name} should return a tuple ({first}, grads), but it returned {describe(result)}.")
    return result


def _expect_grads(grads: Any, numeric: dict, mistakes: dict, dead: dict[str, tuple[np.ndarray, int, Any]]) -> None:
    """expect_close of the gradients; a failure with no named mistake gets the dead-unit hint where it applies.

    ``dead`` maps a key of ``grads`` to ``(units, axis, allowed)``: the hidden units whose z is negative on
    every example, the axis of ``grads[key]`` that indexes hidden units, and the part a correct gradient may
    still hold there (0, or the regularization gradient).
    """
    try:
        expect_close(grads, numeric, name="grads", rtol=1e-6, atol=1e-8, mistakes=mistakes)
    except CheckFailure as failure:
        if "Likely mistake" not in str(failure):
            for key, (units, axis, allowed) in dead.items():
                grad = grads.get(key)
                if not isinstance(grad, np.ndarray) or grad.shape != numeric[key].shape:
                    continue
                part = np.take(grad, units, axis=axis) - np.take(allowed, units, axis=axis)
                if np.any(np.abs(part) > 1e-8):
                    raise CheckFailure(
                        f"{failure}\n  grads['{key}'] is not what it should be for the hidden units {units.tolist()}, "
                        f"whose z is negative on every example: they must pass no gradient back.\n"
                        f"  Likely mistake: {_M['no_mask']}.") from None
        raise


def check_single_layer_loss_and_grads(single_layer_loss_and_grads) -> None:
    """The loss L on a fixed example (Dx = 3, Dh = 4, Nc = 3), and the five gradients against central
    differences of your own L, checked in backward order: b2, U, b1, W, x; then the example with a hidden
    unit exactly at the kink z = 0, and with scores near 1000."""
    _NOTED.clear()
    x, y, params = _single_example()
    name = "single_layer_loss_and_grads"

    example = "the example (Dx = 3, Dh = 4, Nc = 3)"

    def run(x_, params_):
        return _pair(_call(single_layer_loss_and_grads, name, (x_, y, params_), ("x", "y", "params"), example),
                     name, "J")

    J, grads = run(x, params)
    expect_close(J, _SINGLE_J, name="J on the example", rtol=1e-8,
                 mistakes={"J on the example": [("the sign of the loss is flipped: L = -log(yhat of the true class)",
                                                 -_SINGLE_J)]})
    if not isinstance(grads, dict):
        raise CheckFailure("grads should be a dict with keys ['W', 'b1', 'U', 'b2', 'x'], "
                           f"but it is {describe(grads)}.")
    numeric = {key: num_grad(lambda v, key=key: float(run(x, {**params, key: v})[0]), params[key])
               for key in ("b2", "U", "b1", "W")}
    numeric["x"] = num_grad(lambda v: float(run(v, params)[0]), x)
    # Wrong answers that follow from the numerical gradients and the forward values z and h alone:
    # delta2 = dL/dtheta is numeric["b2"], and the unmasked part of delta1 = dL/dz sits where h > 0.
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0)
    mistakes = {"grads['b2']": [(_M["missing_y"], numeric["b2"] + y)],
                "grads['U']": [(_M["transposed"], numeric["U"].T), (_M["z_not_h"], numeric["b2"] @ z.T)],
                "grads['b1']": [(_M["h_not_mask"], numeric["b1"] * h)],
                "grads['W']": [(_M["transposed"], numeric["W"].T), (_M["h_not_mask"], numeric["W"] * h)]}
    off = np.array([1, 2])   # the hidden units with z < 0 on this example
    _expect_grads(grads, numeric, mistakes, {"b1": (off, 0, np.zeros((4, 1))), "W": (off, 0, np.zeros((4, 3)))})

    # Hidden unit 0 exactly at the kink: W[0] @ x + b1[0] = 0.5 - 0.5 + 0 = 0. Central differences straddle
    # the kink, so the expected values come from the formulas, with no gradient through ReLU at z = 0.
    kink = {**params, "W": params["W"].copy(), "b1": params["b1"].copy()}
    kink["W"][0], kink["b1"][0] = [0.5, 0.25, 0.0], 0.0
    example = "the example with hidden unit 0 exactly at the kink z = 0 (W[0] = [0.5, 0.25, 0], b1[0] = 0)"
    result = run(x, kink)
    expected, at_kink = _single_formulas(x, y, kink)
    _expect_single(result, expected, example, {
        "grads['W']": [(_M["kink"], at_kink["W"])], "grads['b1']": [(_M["kink"], at_kink["b1"])],
        "grads['x']": [(_M["kink"], at_kink["x"])]})

    # Scores near 1000 (b2 shifted by 1000): the softmax, the loss and every gradient are those of the example.
    example = "the example with b2 shifted by 1000 (scores theta near 1000)"
    result = run(x, {**params, "b2": params["b2"] + 1000.0})
    if nonfinite_result(result):
        raise CheckFailure(f"Visible check of {name} on {example}: the loss J or grads contains NaN or infinity.\n"
                           f"  Likely mistake: {_M['unstable']}.")
    _expect_single(result, (_SINGLE_J, numeric), example, {})
    passed(name)


def _single_formulas(x, y, params) -> tuple[tuple[float, dict], dict]:
    """``(J, grads)`` of the column-form network by its formulas (ReLU passes no gradient at z = 0), and the
    gradients that the mask z >= 0 gives instead."""
    z = params["W"] @ x + params["b1"]
    h = np.maximum(z, 0.0)
    theta = params["U"] @ h + params["b2"]
    e = np.exp(theta - theta.max())
    yhat = e / e.sum()
    delta2 = yhat - y                        # dL/dtheta, the output layer's error signal
    back = params["U"].T @ delta2

    def grads(delta1):                       # delta1 = dL/dz, the hidden layer's
        return {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": params["W"].T @ delta1}
    return (float(-np.sum(y * np.log(yhat))), grads(back * (z > 0))), grads(back * (z >= 0))


def nonfinite_result(result: Any) -> bool:
    """True if the loss or an array of grads in ``(loss, grads)`` holds NaN or infinity."""
    J, grads = result
    values = [J] + (list(grads.values()) if isinstance(grads, dict) else [])
    for value in values:
        try:
            if not np.all(np.isfinite(np.asarray(value, dtype=np.float64))):
                return True
        except (TypeError, ValueError):
            continue
    return False


def _expect_single(result, expected, example: str, mistakes: dict) -> None:
    """expect_close of ``(J, grads)`` on a variation of the example; a failure names the variation."""
    try:
        expect_close(result, expected, name="the result", output_names=("J", "grads"), rtol=1e-6, atol=1e-8,
                     mistakes=mistakes)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check of single_layer_loss_and_grads on {example}:\n  {failure}") from None


# ---- the two-layer network on a batch, row form --------------------------------------------------

def _batch_example():
    X = np.array([[1.0, -0.5, 2.0], [0.3, 0.8, -1.2], [-1.5, 0.2, 0.4], [0.7, -1.1, -0.3]])
    y = np.array([2, 0, 1, 0])
    params = {"W1": np.array([[0.4, -0.6, 0.2, 0.1, 0.5], [0.3, 0.5, -0.4, 0.2, -0.7], [-0.2, 0.1, 0.6, 0.1, 0.3]]),
              "b1": np.array([0.1, -0.15, 0.2, -4.0, 0.0]),
              "W2": np.array([[0.5, -0.3, 0.2], [-0.4, 0.6, 0.1], [0.3, 0.2, -0.5], [0.7, -0.2, 0.4],
                              [-0.1, 0.4, 0.3]]),
              "b2": np.array([0.1, 0.0, -0.2])}
    return X, y, params


_BATCH_DATA_LOSS = 1.1822767662635916   # mean softmax loss of the example above
_BATCH_REG = 0.1


def check_two_layer_loss(two_layer_loss) -> None:
    """Loss on a fixed batch (N = 4, D = 3, H = 5, C = 3, reg = 0.1), and the four gradients against
    central differences of your own loss, checked in backward order: b2, W2, b1, W1; then the same batch
    with a hidden unit exactly at the kink z = 0, and with scores near 1000."""
    _NOTED.clear()
    X, y, params = _batch_example()
    reg, N = _BATCH_REG, X.shape[0]
    name = "two_layer_loss"

    example = "the example batch (N = 4, D = 3, H = 5, C = 3, reg = 0.1)"

    def run(params_):
        return _pair(_call(two_layer_loss, name, (params_, X, y, reg), ("params", "X", "y", "reg"), example),
                     name, "loss")

    loss, grads = run(params)
    weights = float(np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    biases = float(np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2))
    reg_loss = 0.5 * reg * weights
    scores = np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    block = (scores - np.log(np.exp(scores).sum(axis=1, keepdims=True)))[:, y]  # the N x N block log P[:, y]
    expect_close(loss, _BATCH_DATA_LOSS + reg_loss, name="loss on the example", rtol=1e-8,
                 mistakes={"loss on the example": [
                     (_M["loss_sum"], N * _BATCH_DATA_LOSS + reg_loss),
                     (_M["no_reg_loss"], _BATCH_DATA_LOSS),
                     (_M["reg_loss_half"], _BATCH_DATA_LOSS + 2 * reg_loss),
                     (_M["reg_biases"], _BATCH_DATA_LOSS + 0.5 * reg * (weights + biases)),
                     (_M["loss_block"], -np.mean(block) + reg_loss),
                     (_M["loss_block"], -np.sum(block) / N + reg_loss)]})
    if not isinstance(grads, dict):
        raise CheckFailure(f"grads should be a dict with keys ['W1', 'b1', 'W2', 'b2'], but it is {describe(grads)}.")
    numeric = {key: num_grad(lambda v, key=key: float(run({**params, key: v})[0]), params[key])
               for key in ("b2", "W2", "b1", "W1")}
    mistakes = {}
    for key in ("W1", "W2"):
        penalty = reg * params[key]
        data = numeric[key] - penalty
        mistakes[f"grads['{key}']"] = [(_M["no_reg_grad"], data), (_M["reg_grad_2"], data + 2 * penalty),
                                       (_M["no_1_over_n"], N * data + penalty),
                                       (_M["data_sign"], -data + penalty),
                                       (_M["extra_1_over_n"], data / N + penalty),
                                       (_M["transposed"], numeric[key].T)]
    for key in ("b1", "b2"):
        mistakes[f"grads['{key}']"] = [(_M["reg_biases"], numeric[key] + reg * params[key]),
                                       (_M["no_1_over_n"], N * numeric[key]),
                                       (_M["extra_1_over_n"], numeric[key] / N),
                                       (_M["keepdims"], numeric[key][None, :])]
    dead = np.array([3])     # hidden unit 3 has z < 0 on every example of this batch
    _expect_grads(grads, numeric, mistakes, {"b1": (dead, 0, np.zeros(5)), "W1": (dead, 1, reg * params["W1"])})

    # Hidden unit 4 exactly at the kink z = 0 on every example (its column of W1 and its bias are 0).
    # Central differences straddle the kink, so the expected values come from the formulas, with no
    # gradient through ReLU at z = 0.
    kink = {**params, "W1": params["W1"].copy(), "b1": params["b1"].copy()}
    kink["W1"][:, 4], kink["b1"][4] = 0.0, 0.0
    example = "the example batch with hidden unit 4 exactly at the kink z = 0 (W1[:, 4] = 0, b1[4] = 0)"
    result = _pair(_call(two_layer_loss, name, (kink, X, y, reg), ("params", "X", "y", "reg"), example), name, "loss")
    expected, at_kink = _batch_formulas(kink, X, y, reg)
    _expect_batch(result, expected, example, {
        "grads['W1']": [(_M["kink"], at_kink["W1"])], "grads['b1']": [(_M["kink"], at_kink["b1"])]})

    # Scores near 1000 (b2 shifted by 1000): the loss and every gradient are those of the example.
    example = "the example batch with b2 shifted by 1000 (scores near 1000)"
    result = _pair(_call(two_layer_loss, name, ({**params, "b2": params["b2"] + 1000.0}, X, y, reg),
                         ("params", "X", "y", "reg"), example), name, "loss")
    if nonfinite_result(result):
        raise CheckFailure(f"Visible check of {name} on {example}: the loss or grads contains NaN or infinity.\n"
                           f"  Likely mistake: {_M['unstable']}.")
    _expect_batch(result, (loss, numeric), example, {})
    passed(name)


def _batch_formulas(params, X, y, reg) -> tuple[tuple[float, dict], dict]:
    """``(loss, grads)`` of the row-form network by its formulas (ReLU passes no gradient at z = 0), and the
    first layer's gradients that the mask z >= 0 gives instead."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z = X @ W1 + b1
    h = np.maximum(z, 0.0)
    s = h @ W2 + b2
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))
    ds = p.copy()
    ds[np.arange(N), y] -= 1.0
    ds /= N
    back = ds @ W2.T

    def first(dz):
        return {"W1": X.T @ dz + reg * W1, "b1": dz.sum(axis=0)}
    grads = {**first(back * (z > 0)), "W2": h.T @ ds + reg * W2, "b2": ds.sum(axis=0)}
    return (loss, grads), first(back * (z >= 0))


def _expect_batch(result, expected, example: str, mistakes: dict) -> None:
    """expect_close of ``(loss, grads)`` on a variation of the example batch; a failure names the variation."""
    try:
        expect_close(result, expected, name="the result", output_names=("loss", "grads"), rtol=1e-6, atol=1e-8,
                     mistakes=mistakes)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check of two_layer_loss on {example}:\n  {failure}") from None


# ---- gradient descent ------------------------------------------------------------------------------

def sgd_step_mistakes(params, grads, lr, name: str = "sgd_step") -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``sgd_step``, by the path of each entry of the returned dict."""
    found = {}
    for key, value in params.items():
        p, g = np.asarray(value, dtype=np.float64), np.asarray(grads[key], dtype=np.float64)
        found[f"{name}[{key!r}]"] = [(_M["sgd_uphill"], p + lr * g), (_M["sgd_no_lr"], p - g),
                                     (_M["sgd_step_only"], -lr * g)]
    return found


def check_sgd_step(sgd_step) -> None:
    """One step with lr = 0.1 on a small dict of parameters; the inputs must be left unchanged."""
    _NOTED.clear()
    params = {"W1": np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]), "b1": np.array([0.5, -0.5, 0.0]),
              "W2": np.array([[2.0], [-1.0], [0.5]]), "b2": np.array([0.25])}
    grads = {"W1": np.array([[0.5, 1.0, -2.0], [4.0, -0.5, 1.5]]), "b1": np.array([-1.0, 2.0, 0.5]),
             "W2": np.array([[-3.0], [0.5], [1.0]]), "b2": np.array([2.0])}
    lr = 0.1
    new = _call(sgd_step, "sgd_step", (params, grads, lr), ("params", "grads", "lr"),
                "the example (a two-layer network's parameters, lr = 0.1)")
    expected = {"W1": np.array([[0.95, -2.1, 0.7], [-0.4, 3.05, -1.15]]), "b1": np.array([0.6, -0.7, -0.05]),
                "W2": np.array([[2.3], [-1.05], [0.4]]), "b2": np.array([0.05])}
    expect_close(new, expected, name="sgd_step(params, grads, lr=0.1)", rtol=1e-12, atol=1e-12,
                 mistakes=sgd_step_mistakes(params, grads, lr, name="sgd_step(params, grads, lr=0.1)"))
    passed("sgd_step")


# ---- the graded training run -------------------------------------------------------------------------

#: The notebook's settings of the graded training run on the spiral.
SPIRAL_RUN = {"n_per_class": 100, "n_classes": 3, "data_seed": 0, "hidden": 100, "lr": 1.0, "reg": 1e-3,
              "iters": 600, "init_seed": 1, "bar": 0.90}


def spiral_run_inputs() -> dict[str, Any]:
    """The graded run's inputs: the spiral ``X, y`` and the settings, as the arguments of :func:`train_two_layer`."""
    s = SPIRAL_RUN
    X, y = spiral(s["n_per_class"], s["n_classes"], np.random.default_rng(s["data_seed"]))
    return {"X": X, "y": y, "hidden": s["hidden"], "lr": s["lr"], "reg": s["reg"], "iters": s["iters"],
            "seed": s["init_seed"]}


def init_two_layer(D: int, H: int, C: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    r"""Starting parameters of the two-layer network (row form).

    Weights are normal with variance 2 / fan_in (He initialisation, notebook 09), biases zero.

    Args:
        D: input features; H: hidden units; C: classes.
        rng: the random generator.
    Returns:
        dict with ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, C)``, ``b2 (C,)``.
    """
    W1 = rng.standard_normal((D, H)) * np.sqrt(2.0 / D)
    W2 = rng.standard_normal((H, C)) * np.sqrt(2.0 / H)
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}


def two_layer_predict(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Predicted class of every row of ``X`` (N, D): the argmax of the scores ReLU(X W1 + b1) W2 + b2; (N,)."""
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0)
    return np.argmax(hidden @ params["W2"] + params["b2"], axis=1)


def _check_params(new: Any, old: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not isinstance(new, dict) or set(new) != set(old):
        raise CheckFailure(f"sgd_step should return a dict with the keys {sorted(old)}, but it returned "
                           f"{describe(new)}.")
    for key, value in old.items():
        if not isinstance(new[key], np.ndarray) or new[key].shape != value.shape:
            raise CheckFailure(f"sgd_step returned {describe(new[key])} for '{key}', expected an array of shape "
                               f"{value.shape}.")
    return new


def _check_grads(grads: Any, params: dict[str, np.ndarray]) -> None:
    if not isinstance(grads, dict) or set(grads) != set(params):
        raise CheckFailure(f"two_layer_loss should return its gradients as a dict with the keys {sorted(params)}, "
                           f"but they are {describe(grads)}.")
    for key, value in params.items():
        if np.shape(grads[key]) != value.shape:
            raise CheckFailure(f"two_layer_loss returned grads['{key}'] of shape {np.shape(grads[key])}; it must have "
                               f"the shape of {key}, {value.shape}.")


def train_two_layer(loss_fn: Callable, step_fn: Callable, X: np.ndarray, y: np.ndarray, hidden: int, lr: float,
                    reg: float, iters: int, rng: np.random.Generator, record_every: int = 10) -> dict[str, Any]:
    """Full-batch gradient descent on the two-layer network with a learner's loss and step functions.

    Parameters start from :func:`init_two_layer`; every step calls ``loss_fn(params, X, y, reg)`` and
    ``params = step_fn(params, grads, lr)``. Training stops early if the loss is not finite.

    Args:
        loss_fn: like ``two_layer_loss``; step_fn: like ``sgd_step``.
        X: (N, D) inputs; y: (N,) labels; hidden: H; lr, reg: as in the notebook; iters: steps.
        rng: generator for the starting parameters.
        record_every: training accuracy is recorded every that many steps.
    Returns:
        dict with ``params`` (the last ones), ``losses`` (one per step taken), ``accuracy_steps`` and
        ``accuracies`` (recorded along the way), ``accuracy`` (of the final parameters).
    Raises:
        CheckFailure: if a function returns something of the wrong kind.
    """
    params = init_two_layer(X.shape[1], hidden, int(np.max(y)) + 1, rng)
    losses, steps, accuracies = [], [], []
    for step in range(iters):
        loss, grads = _loss_and_grads(loss_fn, params, X, y, reg)
        losses.append(loss)
        if step % record_every == 0:
            steps.append(step)
            accuracies.append(float(np.mean(two_layer_predict(params, X) == y)))
        if not np.isfinite(losses[-1]):
            break
        params = _check_params(step_fn(params, grads, lr), params)
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(two_layer_predict(params, X) == y))
    return {"params": params, "losses": np.array(losses), "accuracy_steps": np.array(steps),
            "accuracies": np.array(accuracies), "accuracy": accuracy}


def _loss_and_grads(loss_fn, params: dict, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, dict]:
    """One call of the learner's ``two_layer_loss``: its loss as a float and its grads, checked against ``params``."""
    result = loss_fn(params, X, y, reg)
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure("two_layer_loss should return a tuple (loss, grads), "
                           f"but it returned {describe(result)}.")
    loss, grads = result
    try:
        loss = float(loss)
    except (TypeError, ValueError):
        raise CheckFailure("two_layer_loss should return a number as its loss, "
                           f"but it is {describe(loss)}.") from None
    _check_grads(grads, params)
    return loss, grads


def judge_spiral_run(run: dict[str, Any], bar: float, settings: dict[str, Any],
                   reference_accuracy: float | None = None) -> None:
    """Raise CheckFailure unless the run's final training accuracy reaches ``bar``; the message says why not."""
    accuracy, losses = run["accuracy"], run["losses"]
    if np.isfinite(accuracy) and accuracy >= bar and np.all(np.isfinite(losses)):
        return
    what = (f"Training with your two_layer_loss and sgd_step ({settings['iters']} steps of full-batch gradient "
            f"descent, H = {settings['hidden']}, lr = {settings['lr']:g}, reg = {settings['reg']:g}) reached a "
            f"training accuracy of {accuracy:.3f}; the bar is {bar:.2f}")
    if reference_accuracy is not None:
        what += f" (the reference implementation reaches {reference_accuracy:.3f} with the same settings)"
    raise CheckFailure(f"{what}.\n  Likely mistake: {_training_hint(losses)}.")


def _training_hint(losses: np.ndarray) -> str:
    """What a failed run's losses say about the likely mistake."""
    if not np.all(np.isfinite(losses)):
        bad = int(np.argmin(np.isfinite(losses)))
        trend = (f"went from {losses[0]:.4f} at step 0 up to {np.max(losses[:bad]):.4g}, then "
                 if bad > 1 and np.max(losses[:bad]) > losses[0] else "")
        hint = (f"the loss {trend}became NaN or infinite at step {bad}: the steps grew out of control. Likely "
                "causes: a factor 1/N missing from the gradients, a gradient or update with the wrong sign, or a "
                "softmax that overflows (subtract the largest score first)")
    elif losses[-1] > losses[0]:
        hint = (f"the loss went up, from {losses[0]:.4f} to {losses[-1]:.4f}: check the sign of the update in "
                "sgd_step and of your gradients")
    else:
        hint = (f"the loss fell only from {losses[0]:.4f} to {losses[-1]:.4f}: run the gradient check on your "
                "two_layer_loss; some gradient is wrong")
    return hint


def _learner(fn: Callable, name: str, arg_names: tuple[str, ...]) -> Callable:
    """``fn`` called through :func:`call_learner`: inputs copied, in-place changes reported."""
    def wrapped(*args):
        result = call_learner(fn, args, name=name, arg_names=arg_names)
        return result.result
    return wrapped


def check_train_spiral(two_layer_loss, sgd_step) -> None:
    """Train with your two_layer_loss and sgd_step on the notebook's spiral with the notebook's settings;
    the final training accuracy must reach 0.90."""
    inputs = spiral_run_inputs()
    loss_fn = _learner(two_layer_loss, "two_layer_loss", ("params", "X", "y", "reg"))
    step_fn = _learner(sgd_step, "sgd_step", ("params", "grads", "lr"))
    try:
        with np.errstate(all="ignore"):
            run = train_two_layer(loss_fn, step_fn, inputs["X"], inputs["y"], inputs["hidden"], inputs["lr"],
                                  inputs["reg"], inputs["iters"], np.random.default_rng(inputs["seed"]))
        judge_spiral_run(run, SPIRAL_RUN["bar"], inputs)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, the training run on the spiral:\n  {failure}") from failure.__cause__
    print(f"[ok] training with your two_layer_loss and sgd_step reaches a training accuracy of "
          f"{run['accuracy']:.3f} (the bar is {SPIRAL_RUN['bar']:.2f}; final loss {run['losses'][-1]:.4f}).")


# ---- the graded training run on the digits ------------------------------------------------------------

#: The notebook's settings of the graded training run on the UCI digits: mini-batch gradient descent on the
#: training part (1,000 images), judged by the accuracy on the validation part (397 images). The reference
#: reaches 0.962 to 0.977 on seeds 0-9 with these settings (0.965 on the graded seed 0); the bar leaves a margin.
DIGITS_RUN = {"hidden": 64, "lr": 0.5, "reg": 1e-3, "epochs": 10, "batch_size": 50, "seed": 0, "bar": 0.90}


def digits_run_inputs() -> dict[str, Any]:
    """The graded digits run's inputs, as the arguments of :func:`train_two_layer_batches` (``seed`` for ``rng``)."""
    X, y = digits("train")
    X_val, y_val = digits("validation")
    s = DIGITS_RUN
    return {"X": X, "y": y, "X_val": X_val, "y_val": y_val, "hidden": s["hidden"], "lr": s["lr"], "reg": s["reg"],
            "epochs": s["epochs"], "batch_size": s["batch_size"], "seed": s["seed"]}


def train_two_layer_batches(loss_fn: Callable, step_fn: Callable, X: np.ndarray, y: np.ndarray, X_val: np.ndarray,
                            y_val: np.ndarray, hidden: int, lr: float, reg: float, epochs: int, batch_size: int,
                            rng: np.random.Generator) -> dict[str, Any]:
    """Mini-batch gradient descent on the two-layer network with a learner's loss and step functions.

    The parameters start from :func:`init_two_layer` (``rng`` draws them first); each epoch then draws a
    permutation of the training rows from ``rng`` and takes one step per slice of ``batch_size`` rows of it:
    ``loss, grads = loss_fn(params, X[rows], y[rows], reg)``, ``params = step_fn(params, grads, lr)``.
    Training stops early if the loss is not finite.

    Args:
        loss_fn: like ``two_layer_loss``; step_fn: like ``sgd_step``.
        X: training inputs (N, D), row form; y: their labels (N,).
        X_val, y_val: validation inputs (N_val, D) and labels (N_val,), never trained on.
        hidden: H; lr, reg: as in the notebook; epochs: passes over the training rows; batch_size: rows a step.
        rng: generator for the starting parameters and the order of the rows.
    Returns:
        dict with ``params`` (the last ones), ``losses`` (the mini-batch loss of every step taken),
        ``train_accuracies`` and ``val_accuracies`` (after each epoch), ``train_accuracy`` and
        ``val_accuracy`` (of the final parameters).
    Raises:
        CheckFailure: if a function returns something of the wrong kind.
    """
    params = init_two_layer(X.shape[1], hidden, int(np.max(y)) + 1, rng)
    losses, train_accuracies, val_accuracies = [], [], []
    finite = True
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            rows = order[start:start + batch_size]
            loss, grads = _loss_and_grads(loss_fn, params, X[rows], y[rows], reg)
            losses.append(loss)
            if not np.isfinite(losses[-1]):
                finite = False
                break
            params = _check_params(step_fn(params, grads, lr), params)
        with np.errstate(all="ignore"):
            train_accuracies.append(float(np.mean(two_layer_predict(params, X) == y)))
            val_accuracies.append(float(np.mean(two_layer_predict(params, X_val) == y_val)))
        if not finite:
            break
    return {"params": params, "losses": np.array(losses), "train_accuracies": np.array(train_accuracies),
            "val_accuracies": np.array(val_accuracies), "train_accuracy": train_accuracies[-1],
            "val_accuracy": val_accuracies[-1]}


def judge_digits_run(run: dict[str, Any], bar: float, settings: dict[str, Any],
                     reference_accuracy: float | None = None) -> None:
    """Raise CheckFailure unless the run's final validation accuracy reaches ``bar``; the message says why not."""
    accuracy, losses = run["val_accuracy"], run["losses"]
    if np.isfinite(accuracy) and accuracy >= bar and np.all(np.isfinite(losses)):
        return
    what = (f"Training with your two_layer_loss and sgd_step on the digits ({settings['epochs']} epochs of mini-batch "
            f"gradient descent, batches of {settings['batch_size']}, H = {settings['hidden']}, lr = {settings['lr']:g}, "
            f"reg = {settings['reg']:g}) reached a validation accuracy of {accuracy:.3f} (training accuracy "
            f"{run['train_accuracy']:.3f}); the bar is {bar:.2f}")
    if reference_accuracy is not None:
        what += f" (the reference implementation reaches {reference_accuracy:.3f} with the same settings)"
    raise CheckFailure(f"{what}.\n  Likely mistake: {_training_hint(losses)}.")


def check_train_digits(two_layer_loss, sgd_step) -> None:
    """Train with your two_layer_loss and sgd_step on the digits' training part with the notebook's settings;
    the final accuracy on the validation part must reach 0.90."""
    inputs = digits_run_inputs()
    loss_fn = _learner(two_layer_loss, "two_layer_loss", ("params", "X", "y", "reg"))
    step_fn = _learner(sgd_step, "sgd_step", ("params", "grads", "lr"))
    try:
        with np.errstate(all="ignore"):
            run = train_two_layer_batches(loss_fn, step_fn, inputs["X"], inputs["y"], inputs["X_val"],
                                          inputs["y_val"], inputs["hidden"], inputs["lr"], inputs["reg"],
                                          inputs["epochs"], inputs["batch_size"], np.random.default_rng(inputs["seed"]))
        judge_digits_run(run, DIGITS_RUN["bar"], inputs)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, the training run on the digits:\n  {failure}") from failure.__cause__
    print(f"[ok] training with your two_layer_loss and sgd_step on the digits reaches a validation accuracy of "
          f"{run['val_accuracy']:.3f} (the bar is {DIGITS_RUN['bar']:.2f}; training accuracy "
          f"{run['train_accuracy']:.3f}).")


# ---- the checkpoint: the delta recursion by hand ---------------------------------------------------

_CHECKPOINT_DELTA2 = np.array([0.5, -1.0, 0.5])
_CHECKPOINT_U = np.array([[1.0, 2.0, 0.0, -1.0], [0.0, 1.0, -1.0, 1.0], [2.0, 1.0, 1.0, 0.0]])
_CHECKPOINT_Z = np.array([2.0, -1.0, 0.0, 0.5])


def delta1_by_hand_mistakes() -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of the checkpoint ``delta1_by_hand()``, as (description, value) with 4 entries."""
    back, z = _CHECKPOINT_U.T @ _CHECKPOINT_DELTA2, _CHECKPOINT_Z
    return [
        ("the ReLU mask is taken with z >= 0: at the kink z = 0 ReLU passes no gradient in this course", back * (z >= 0)),
        ("the ReLU mask is missing: a hidden unit with z <= 0 passes no gradient back", back),
        ("this is U^T delta2 multiplied by h = ReLU(z), not by the 0/1 mask 1[z > 0]", back * np.maximum(z, 0)),
        ("this is U^T delta2 multiplied by z, not by the 0/1 mask 1[z > 0]", back * z),
        ("the sign is flipped: delta2 = yhat - y is given; dL/dz keeps its sign through U^T and the mask",
         -back * (z > 0)),
    ]


def judge_delta1_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` is the checkpoint's delta1, without printing the answer.

    Four numbers pass as a (4,) or (4, 1) array, or a list; a known mistake is named; three numbers (the
    shape of delta2) point at U where U^T belongs.
    """
    name = "delta1_by_hand()"
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should return 4 numbers, one per hidden unit, but it returned "
                           f"a {type(result).__name__}.") from None
    if values.size == 3:
        raise CheckFailure(f"{name} returned 3 numbers, one per class: delta1 = dL/dz has one entry per hidden "
                           "unit, 4 here.\n  Likely mistake: U is (3, 4), from the hidden layer to the scores; "
                           "going back, from the scores to the hidden layer, takes U's transpose.")
    if values.size != 4 or values.shape not in ((4,), (4, 1), (1, 4)):
        raise CheckFailure(f"{name} should return 4 numbers, one per hidden unit, but it returned shape "
                           f"{values.shape}.")
    values = values.reshape(4)
    if not np.all(np.isfinite(values)):
        raise CheckFailure(f"{name} contains NaN or infinity.")
    right = (_CHECKPOINT_U.T @ _CHECKPOINT_DELTA2) * (_CHECKPOINT_Z > 0)
    if np.allclose(values, right, rtol=1e-9, atol=1e-9):
        return
    for description, wrong in delta1_by_hand_mistakes():
        if np.allclose(values, wrong, rtol=1e-9, atol=1e-9):
            raise CheckFailure(f"{name} is not delta1 yet.\n  Likely mistake: {description}.")
    raise CheckFailure(f"{name} is not delta1 yet (its values are not shown here: the checkpoint is yours to work "
                       "out).\n  A check: for hidden unit j, which scores does h_j feed, with which weights of U? "
                       "Weight delta2 with them, then ask whether unit j passes gradient at its z_j.")


def check_delta1_by_hand(delta1_by_hand) -> None:
    """The checkpoint: delta1 = dL/dz for the notebook's delta2 (3,), U (3, 4) and z (4,)."""
    result = call(delta1_by_hand, "delta1_by_hand", (), ())
    try:
        judge_delta1_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure("Visible check, delta1_by_hand() for delta2 = [0.5, -1, 0.5], "
                           "U = [[1, 2, 0, -1], [0, 1, -1, 1], [2, 1, 1, 0]], z = [2, -1, 0, 0.5]:\n"
                           f"  {failure}") from None
    print("[ok] delta1_by_hand is right. The hidden test checks the same four numbers.")
