r"""Visible checks of notebook 08, activation functions.

They need no reference implementation:

* the elementwise layers (sigmoid, tanh, leaky ReLU) are compared with their formulas on small
  examples, and their backward passes with central differences of the formulas (at the kink of
  leaky ReLU, the course's choice: slope alpha at x = 0);
* the maxout layer is compared with its formula, and its backward pass with central differences
  of the formula; at a tie, central differences straddle the kink, so the expected gradient is
  the central difference of a copy whose pieces are pulled apart by a small bias in favour of the
  smallest k (the course's tie rule);
* ``gradient_norms_by_layer`` is an *experiment*: its numbers depend on random draws, so
  :func:`judge_gradient_norms` judges it by the shape of its result (one positive norm per layer,
  input layer first), by its use of the generator passed in (the same seed twice gives the same
  numbers), and by the geometric means of the norms over eight seeds, which must be close to
  those of the notebook's protocol (fixed numbers here, the reference's in the hidden test) within
  a factor of about 3: in the profile across layers and in the overall size. Those bounds were
  chosen from the spread between independent sets of eight seeds (at most a factor of about 2
  over hundreds of sets, for the depths and widths tested).
* the known wrong protocols of :data:`GRADIENT_NORM_MISTAKES` are recognised by the same
  geometric means.

Every backward check takes the cache from the learner's own forward pass and nothing else, as the
hidden tests do: a forward pass with a wrong output costs the forward's points only.

The known mistakes of each exercise are named once, here, by the functions ``*_mistakes``; the
hidden tests import them, so a learner sees the same words from both.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..checking import CheckFailure, call_learner, describe, expect_close, out_and_cache
from ..gradcheck import num_vjp
from ._common import call, passed

__all__ = ["GRADIENT_NORM_MISTAKES", "GRADIENT_NORM_SEEDS", "check_gradient_norms_by_layer",
           "check_leaky_relu_backward", "check_leaky_relu_forward", "check_maxout_backward", "check_maxout_forward",
           "check_sigmoid_backward", "check_sigmoid_forward", "check_tanh_backward", "check_tanh_forward",
           "gradient_norm_candidates", "gradient_norm_runs", "judge_gradient_norms", "leaky_relu_layer_mistakes",
           "maxout_layer_mistakes", "sigmoid_layer_mistakes", "tanh_layer_mistakes"]

_FLOAT32_TOL = dict(rtol=1e-5, atol=1e-6)
_FLOAT64_TOL = dict(rtol=1e-6, atol=1e-9)


def _f64(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def _sigmoid(x):
    """The sigmoid in float64, without overflow (e = exp(-|x|) <= 1 on both branches)."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# ---- known mistakes ------------------------------------------------------------------------------

_NO_DOUT = "the upstream gradient dout is missing: dx = dout * {}, the local derivative times dout"


def sigmoid_layer_mistakes(x, dout=None) -> list[tuple[str, np.ndarray]]:
    """Known wrong ``out`` of ``sigmoid_forward`` (``dout`` None) or ``dx`` of ``sigmoid_backward``."""
    (x,) = _f64(x)
    s = _sigmoid(x)
    with np.errstate(all="ignore"):
        if dout is None:
            return [("the sign in the exponent is flipped: this is sigmoid(-x) = 1 / (1 + exp(x)); "
                     "the sigmoid is 1 / (1 + exp(-x))", _sigmoid(-x)),
                    ("this is tanh(x), not the sigmoid 1 / (1 + exp(-x))", np.tanh(x)),
                    ("this is the derivative s (1 - s), not the sigmoid s itself", s * (1 - s)),
                    ("the reciprocal is missing: the sigmoid is 1 / (1 + exp(-x)), not 1 + exp(-x)",
                     1 + np.exp(-x))]
        (d,) = _f64(dout)
        return [("the output's formula s (1 - s) was applied to the input x itself (x (1 - x)): the derivative "
                 "at x is s (1 - s) with s = sigmoid(x), the layer's output (keep it in the cache)", d * x * (1 - x)),
                ("the sigmoid was applied twice: the cache already holds the output s = sigmoid(x), and the "
                 "derivative is s (1 - s), not sigmoid(s) (1 - sigmoid(s))", d * _sigmoid(s) * (1 - _sigmoid(s))),
                (_NO_DOUT.format("s (1 - s)"), s * (1 - s)),
                ("the factor (1 - s) is missing: the derivative of the sigmoid is s (1 - s)", d * s),
                ("this is tanh's formula 1 - s^2: the sigmoid's derivative is s (1 - s)", d * (1 - s ** 2))]


def tanh_layer_mistakes(x, dout=None) -> list[tuple[str, np.ndarray]]:
    """Known wrong ``out`` of ``tanh_forward`` (``dout`` None) or ``dx`` of ``tanh_backward``."""
    (x,) = _f64(x)
    t = np.tanh(x)
    if dout is None:
        return [("2 sigmoid(x) - 1 is tanh(x / 2): tanh(x) = 2 sigmoid(2x) - 1", np.tanh(x / 2)),
                ("this is the sigmoid, not tanh", _sigmoid(x)),
                ("this is the derivative 1 - tanh(x)^2, not tanh itself", 1 - t ** 2)]
    (d,) = _f64(dout)
    return [("the output's formula 1 - t^2 was applied to the input x itself (1 - x^2): the derivative at x "
             "is 1 - t^2 with t = tanh(x), the layer's output (keep it in the cache)", d * (1 - x ** 2)),
            ("tanh was applied twice: with the output t = tanh(x) in the cache, the derivative is 1 - t^2, "
             "not 1 - tanh(t)^2", d * (1 - np.tanh(t) ** 2)),
            (_NO_DOUT.format("(1 - t^2)"), 1 - t ** 2),
            ("the square is missing: the derivative of tanh is 1 - t^2, not 1 - t", d * (1 - t)),
            ("this is the sigmoid's formula t (1 - t): the derivative of tanh is 1 - t^2", d * t * (1 - t))]


def leaky_relu_layer_mistakes(x, alpha=0.01, dout=None) -> list[tuple[str, np.ndarray]]:
    """Known wrong ``out`` of ``leaky_relu_forward`` (``dout`` None) or ``dx`` of ``leaky_relu_backward``."""
    (x,) = _f64(x)
    alpha = float(alpha)
    found = []
    if dout is None:
        if alpha != 0:
            found.append(("the slope alpha for x <= 0 is missing: this is ReLU, max(x, 0)", np.maximum(x, 0.0)))
        if alpha != 0.01:
            found.append(("the alpha passed in was ignored (0.01 was used)", np.where(x > 0, x, 0.01 * x)))
        found += [("alpha scales the wrong side: out = x where x > 0 and alpha * x where x <= 0",
                   np.where(x > 0, alpha * x, x)),
                  ("out is alpha * x, not alpha, where x <= 0", np.where(x > 0, x, alpha))]
        return found
    (d,) = _f64(dout)
    if np.any(x == 0):
        found.append(("at the kink x = 0 the slope is alpha in this course: use x > 0, not x >= 0",
                      np.where(x >= 0, d, alpha * d)))
    if alpha != 0.01:
        found.append(("the alpha passed in was ignored (0.01 was used): keep alpha in the cache",
                      np.where(x > 0, d, 0.01 * d)))
    if alpha != 0:
        found.append(("the slope for x <= 0 is alpha, not 0 (this is ReLU's backward pass)",
                      np.where(x > 0, d, 0.0)))
    found += [("alpha was multiplied by x: the slope of alpha * x is alpha itself", np.where(x > 0, d, alpha * x * d)),
              (_NO_DOUT.format("the slope"), np.where(x > 0, 1.0, alpha)),
              ("the two slopes are swapped: the slope is 1 where x > 0 and alpha where x <= 0",
               np.where(x > 0, alpha * d, d))]
    return found


def _maxout_pieces(x, w, b):
    """z[n, m, k] = (x @ w[:, :, k] + b[:, k])[n, m] in float64, shape (N, M, K)."""
    x, w, b = _f64(x, w, b)
    return np.einsum("nd,dmk->nmk", x, w) + b


def _maxout_grads(x, w, route, dout):
    """(dx, dw, db) when output (n, m) sends dout[n, m] * route[n, m, k] to piece k."""
    dz = dout[:, :, None] * route
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)


def maxout_layer_mistakes(x, w, b, dout=None) -> dict[str, list[tuple[str, np.ndarray]]] | list:
    """Known wrong ``out`` of ``maxout_forward`` (``dout`` None: a list) or ``(dx, dw, db)`` of
    ``maxout_backward`` (a dict by output name)."""
    x, w, b = _f64(x, w, b)
    z = _maxout_pieces(x, w, b)
    N, M, K = z.shape
    if dout is None:
        return [("this is the minimum over the pieces: maxout takes the max over k", z.min(axis=2)),
                ("the pieces were summed: maxout takes their max over k", z.sum(axis=2)),
                ("the pieces were averaged: maxout takes their max over k", z.mean(axis=2)),
                ("the bias b is missing: piece k is x @ w[:, :, k] + b[:, k]",
                 np.einsum("nd,dmk->nmk", x, w).max(axis=2)),
                ("this is the index of the winning piece (argmax), not the value of the max", z.argmax(axis=2)),
                ("the max was taken over the units (axis 1), not over the pieces (axis 2)", z.max(axis=1))]
    (d,) = _f64(dout)
    ks = np.arange(K)
    first = (z.argmax(axis=2)[:, :, None] == ks) * 1.0
    top = z == z.max(axis=2, keepdims=True)
    last = ((K - 1 - z[:, :, ::-1].argmax(axis=2))[:, :, None] == ks) * 1.0
    loser = (z.argmin(axis=2)[:, :, None] == ks) * 1.0
    right = _maxout_grads(x, w, first, d)
    found: dict[str, list] = {"dx": [], "dw": [], "db": []}

    def add(text, grads, outputs=("dx", "dw", "db")):
        for name, value in zip(("dx", "dw", "db"), grads):
            if name in outputs:
                found[name].append((text, value))

    if np.any(top.sum(axis=2) > 1):
        add("on a tie the whole gradient goes to the smallest k only; here every tied piece got it "
            "(a mask z == max picks them all, which double-counts)", _maxout_grads(x, w, top * 1.0, d))
        add("on a tie the gradient goes to the smallest k (np.argmax returns the first maximum); "
            "here it went to the largest k", _maxout_grads(x, w, last, d))
    if K > 1:
        add("the gradient went to a losing piece: only the piece that won the max (the argmax over k) "
            "receives dout", _maxout_grads(x, w, loser, d))
        add("every piece received the gradient: only the winning piece (the argmax over k) of each "
            "output receives dout", _maxout_grads(x, w, np.ones_like(first), d))
        add("dx used the first piece's weights for every output: dx sums dz[:, m, k] w[:, m, k] "
            "over the winning pieces", (d @ w[:, :, 0].T,), ("dx",))
    add("the upstream gradient dout is missing: the winning piece receives dout, not 1",
        _maxout_grads(x, w, first, np.ones_like(d)))
    overwritten = np.zeros((M, K))
    winner = z.argmax(axis=2)
    for n in range(N):               # a loop that assigns instead of adding: the last example wins
        overwritten[np.arange(M), winner[n]] = d[n]
    if N > 1:
        found["db"].append(("db was overwritten instead of accumulated: every example adds its dout to "
                            "the bias of its winning piece (a sum over the batch, or +=)", overwritten))
        found["db"].append(("db was averaged over the batch: sum it, db = dz.sum(axis=0)", right[2] / N))
        found["dw"].append((f"there is an extra factor 1/N (N = {N}): a layer's backward pass sums over the "
                            "batch", right[1] / N))
    found["dw"].append((f"dw must have the shape of w, {w.shape} = (D, M, K): the pieces are the last axis",
                        right[1].transpose(0, 2, 1)))
    return found


# ---- the elementwise layers ----------------------------------------------------------------------

def _expect(actual, expected, example: str, **kwargs) -> None:
    try:
        expect_close(actual, expected, **kwargs)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


def _tol(dtype):
    return _FLOAT32_TOL if np.dtype(dtype) == np.float32 else _FLOAT64_TOL


# The examples: values of both signs, 0, saturated ones (+-6, -7); dout far from +-1. Larger ones: _HUGE.
_X = np.array([[-3.0, -0.5, 0.0, 0.5], [2.0, -6.0, 6.0, 1.5], [4.0, -1.25, 0.25, -7.0]])
_DOUT = np.array([[1.5, -2.0, 0.5, 3.0], [-1.25, 2.5, -0.75, 1.0], [2.0, -1.5, 1.75, -2.5]])
_HUGE = np.array([-800.0, -40.0, 40.0, 800.0])


def _check_elementwise_forward(forward: Callable, name: str, formula: Callable, mistakes: Callable,
                               extra: Sequence[tuple] = ()) -> None:
    """``forward(x, *extra)`` against ``formula(x, *extra)`` in float64 and float32, then on +-40, +-800."""
    cases = [(x, args) for args in [(), *extra] for x in (_X, _X.astype(np.float32))]
    cases.append((_HUGE, ()))
    for x, args in cases:
        arg_names = ("x", "alpha")[:1 + len(args)]
        out, _ = out_and_cache(call(forward, name, (x, *args), arg_names), name)
        shown = ", ".join(["x"] + [f"{n}={a!r}" for n, a in zip(arg_names[1:], args)])
        example = f"{name}({shown}) with x of shape {x.shape} ({x.dtype})"
        with np.errstate(all="ignore"):
            expected = formula(x.astype(np.float64), *args).astype(x.dtype)
        _expect(out, expected, example, name="out", same_dtype=True, mistakes={"out": mistakes(x, *args)},
                **(dict(rtol=1e-6, atol=1e-7) if x.dtype == np.float32 else dict(rtol=1e-12, atol=1e-15)))


def _check_elementwise_backward(backward: Callable, forward: Callable, name: str, formula: Callable,
                                mistakes: Callable, extra: Sequence[tuple] = (), kink_slope=None) -> None:
    """``backward(dout, cache)`` (cache from the learner's forward) against central differences of ``formula``.

    ``kink_slope(args)``: where x == 0, the expected gradient is ``kink_slope * dout`` (the course's
    convention) instead of the central difference, which straddles the kink.
    """
    forward_name = name.replace("backward", "forward")
    for args in [(), *extra]:
        expected = num_vjp(lambda v: formula(v, *args), _X, _DOUT)
        if kink_slope is not None:
            expected[_X == 0] = kink_slope(*args) * _DOUT[_X == 0]
        for dtype in (np.float64, np.float32):
            x, dout = _X.astype(dtype), _DOUT.astype(dtype)
            arg_names = ("x", "alpha")[:1 + len(args)]
            _, cache = out_and_cache(call(forward, forward_name, (x, *args), arg_names), forward_name)
            dx = call(backward, name, (dout, cache), ("dout", "cache"))
            shown = "".join(f", {n}={a!r}" for n, a in zip(arg_names[1:], args))
            example = (f"{name}(dout, cache) with the cache of {forward_name}(x{shown}), x of shape {x.shape} "
                       f"({np.dtype(dtype).name})")
            _expect(dx, expected.astype(dtype), example, name="dx", same_dtype=True,
                    mistakes={"dx": mistakes(_X, *args, dout=_DOUT)}, **_tol(dtype))


def _sigmoid_formula(x):
    return _sigmoid(x)


def check_sigmoid_forward(sigmoid_forward) -> None:
    """out = 1 / (1 + exp(-x)) on a (3, 4) example in float64 and float32 (dtype kept), then on +-40 and +-800."""
    _check_elementwise_forward(sigmoid_forward, "sigmoid_forward", _sigmoid_formula, sigmoid_layer_mistakes)
    passed("sigmoid_forward")


def check_sigmoid_backward(sigmoid_backward, sigmoid_forward) -> None:
    """dx against central differences of the sigmoid, times dout, in float64 and float32.

    The cache comes from your own sigmoid_forward.
    """
    _check_elementwise_backward(sigmoid_backward, sigmoid_forward, "sigmoid_backward", _sigmoid_formula,
                                sigmoid_layer_mistakes)
    passed("sigmoid_backward")


def check_tanh_forward(tanh_forward) -> None:
    """out = tanh(x) on a (3, 4) example in float64 and float32 (dtype kept), then on +-40 and +-800."""
    _check_elementwise_forward(tanh_forward, "tanh_forward", np.tanh, tanh_layer_mistakes)
    passed("tanh_forward")


def check_tanh_backward(tanh_backward, tanh_forward) -> None:
    """dx against central differences of tanh, times dout, in float64 and float32.

    The cache comes from your own tanh_forward.
    """
    _check_elementwise_backward(tanh_backward, tanh_forward, "tanh_backward", np.tanh, tanh_layer_mistakes)
    passed("tanh_backward")


def _leaky(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def check_leaky_relu_forward(leaky_relu_forward) -> None:
    """out = x where x > 0, alpha * x where x <= 0: the default alpha = 0.01, alpha = 0.2 and alpha = 0 (ReLU),
    in float64 and float32 (dtype kept)."""
    _check_elementwise_forward(leaky_relu_forward, "leaky_relu_forward", _leaky, leaky_relu_layer_mistakes,
                               extra=[(0.2,), (0.0,)])
    passed("leaky_relu_forward")


def check_leaky_relu_backward(leaky_relu_backward, leaky_relu_forward) -> None:
    """dx against central differences of leaky ReLU, and alpha * dout at the kink x = 0; the default alpha,
    alpha = 0.2 and alpha = 0, in float64 and float32. The cache comes from your own leaky_relu_forward."""
    _check_elementwise_backward(leaky_relu_backward, leaky_relu_forward, "leaky_relu_backward", _leaky,
                                leaky_relu_layer_mistakes, extra=[(0.2,), (0.0,)],
                                kink_slope=lambda alpha=0.01: alpha)
    passed("leaky_relu_backward")


# ---- maxout --------------------------------------------------------------------------------------

# The notebook's worked example: N = 2, D = 3, M = 2 units, K = 2 pieces.
_MX = np.array([[1.0, -2.0, 0.5], [-1.0, 0.5, 2.0]])
_MW = np.array([[[0.5, -1.0], [1.0, 0.25]],
                [[-0.5, 0.5], [0.5, -1.0]],
                [[1.0, 2.0], [-0.5, 0.5]]])
_MB = np.array([[0.1, -0.2], [0.0, 0.3]])
_MDOUT = np.array([[1.5, -2.0], [-0.75, 2.5]])


def _tie_example(dtype=np.float64):
    """x (3, 2), w (2, 3, 3), b (3, 3) with exact ties: unit 0, pieces 0 and 1; unit 1, pieces 1 and 2 (piece 0
    far below); unit 2, all three pieces. Every value is a multiple of 1/4, so the ties are exact."""
    x = np.array([[1.0, -0.5], [-2.0, 1.5], [0.5, 0.25]])
    base = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])
    w = np.stack([base, base, base], axis=2)
    b = np.array([[0.25, 0.25, -20.0], [-20.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
    w[:, 0, 2] = [-1.0, 2.0]
    w[:, 1, 0] = [2.0, -0.25]
    dout = np.array([[1.5, -2.0, 0.5], [-0.75, 2.5, 1.25], [2.0, -1.5, -1.75]])
    return tuple(a.astype(dtype) for a in (x, w, b, dout))


def _maxout_formula(x, w, b):
    return _maxout_pieces(x, w, b).max(axis=2)


def check_maxout_forward(maxout_forward) -> None:
    """The worked example (N = 2, D = 3, M = 2, K = 2), an example with exact ties (K = 3), and float32."""
    x3, w3, b3, _ = _tie_example()
    examples = [("the worked example", _MX, _MW, _MB), ("the tie example (K = 3)", x3, w3, b3),
                ("the worked example in float32", *(a.astype(np.float32) for a in (_MX, _MW, _MB)))]
    for label, x, w, b in examples:
        out, _ = out_and_cache(call(maxout_forward, "maxout_forward", (x, w, b), ("x", "w", "b")), "maxout_forward")
        _expect(out, _maxout_formula(x, w, b).astype(x.dtype), f"maxout_forward(x, w, b) on {label}", name="out",
                same_dtype=True, mistakes={"out": maxout_layer_mistakes(x, w, b)},
                **(_FLOAT32_TOL if x.dtype == np.float32 else dict(rtol=1e-12, atol=1e-15)))
    passed("maxout_forward")


def _maxout_numerical(x, w, b, dout, tie_gap=0.0):
    """Central differences of the maxout formula; ``tie_gap`` pulls piece k down by ``k * tie_gap`` first, so
    that on a tie the smallest k wins by a margin far wider than the difference step."""
    b = b - tie_gap * np.arange(w.shape[2])
    return (num_vjp(lambda v: _maxout_formula(v, w, b), x, dout),
            num_vjp(lambda v: _maxout_formula(x, v, b), w, dout),
            num_vjp(lambda v: _maxout_formula(x, w, v), b, dout))


def check_maxout_backward(maxout_backward, maxout_forward) -> None:
    """dx, dw, db against central differences of the maxout formula: the worked example (float64 and float32),
    then the tie example, where the whole gradient must go to the smallest tied k.

    The cache comes from your own maxout_forward.
    """
    x3, w3, b3, d3 = _tie_example()
    examples = [("the worked example", (_MX, _MW, _MB, _MDOUT), 0.0, (np.float64, np.float32)),
                ("the tie example (K = 3)", (x3, w3, b3, d3), 1e-3, (np.float64,))]
    for label, (x, w, b, dout), gap, dtypes in examples:
        expected = _maxout_numerical(x, w, b, dout, gap)
        for dtype in dtypes:
            args = tuple(a.astype(dtype) for a in (x, w, b))
            _, cache = out_and_cache(call(maxout_forward, "maxout_forward", args, ("x", "w", "b")), "maxout_forward")
            result = call(maxout_backward, "maxout_backward", (dout.astype(dtype), cache), ("dout", "cache"))
            _expect(result, tuple(e.astype(dtype) for e in expected),
                    f"maxout_backward(dout, cache) on {label} ({np.dtype(dtype).name})", name="the result",
                    output_names=("dx", "dw", "db"), same_dtype=True,
                    mistakes=maxout_layer_mistakes(x, w, b, dout), **_tol(dtype))
    passed("maxout_backward")


# ---- the vanishing-gradient experiment ------------------------------------------------------------

#: The seeds of the visible check: each run gets ``np.random.default_rng(seed)``.
GRADIENT_NORM_SEEDS = tuple(range(100, 108))
_LOG_TOL = 0.5   # log10 units: a factor of about 3.2

#: Texts of the known mistakes of gradient_norms_by_layer (the hidden test uses the same words).
GRADIENT_NORM_MISTAKES = {
    "reversed": "the list is reversed: it starts with the input layer, ||dL/dW_1||, and ends with the last layer",
    "squared": "these look like squared norms: the Frobenius norm is the square root of the sum of squares "
               "(np.linalg.norm of the matrix)",
    "no_mean": "the norms are N = 64 times too large: the loss is a mean over the batch, so the upstream gradient "
               "at the top is r / N",
    "no_slope": "the activation's derivative is missing from the backward pass: dz_l = dh_l * g'(z_l) at every layer",
    "init": "the weights have the wrong scale: He, sqrt(2 / width), for relu and leaky_relu; LeCun, sqrt(1 / width), "
            "for sigmoid and tanh",
}

# Mean over GRADIENT_NORM_SEEDS of log10 ||dL/dW_l||, l = 1..10, for depth 10 and width 64: the notebook's
# protocol ("right"), and the same with two known mistakes (the activation's derivative left out of the backward
# pass; the other initialisation).
_VISIBLE_DEPTH, _VISIBLE_WIDTH = 10, 64
_VISIBLE_MEAN_LOGS = {
    "sigmoid": {
        "right": [-5.434, -4.975, -4.343, -3.738, -3.114, -2.477, -1.866, -1.25, -0.629, -0.02],
        "no_slope": [0.902, 0.676, 0.674, 0.653, 0.651, 0.657, 0.638, 0.627, 0.622, 0.605],
        "init": [-4.33, -3.967, -3.461, -2.982, -2.484, -1.969, -1.49, -0.999, -0.51, -0.031]},
    "tanh": {
        "right": [0.34, 0.308, 0.291, 0.278, 0.267, 0.257, 0.25, 0.243, 0.247, 0.248],
        "no_slope": [0.902, 0.704, 0.595, 0.515, 0.455, 0.401, 0.357, 0.318, 0.293, 0.27],
        "init": [0.813, 0.751, 0.704, 0.667, 0.633, 0.605, 0.573, 0.557, 0.54, 0.513]},
    "relu": {
        "right": [0.755, 0.754, 0.751, 0.737, 0.73, 0.74, 0.749, 0.767, 0.736, 0.762],
        "no_slope": [2.256, 2.129, 1.984, 1.823, 1.665, 1.557, 1.41, 1.269, 1.101, 0.935],
        "init": [-0.6, -0.601, -0.604, -0.618, -0.625, -0.615, -0.606, -0.588, -0.619, -0.593]},
    "leaky_relu": {
        "right": [0.747, 0.748, 0.75, 0.73, 0.724, 0.73, 0.748, 0.758, 0.73, 0.763],
        "no_slope": [2.256, 2.129, 1.983, 1.823, 1.664, 1.557, 1.409, 1.269, 1.101, 0.935],
        "init": [-0.607, -0.607, -0.605, -0.624, -0.631, -0.624, -0.606, -0.596, -0.625, -0.592]},
}


def gradient_norm_runs(fn: Callable, activation: str, depth: int, width: int, seeds: Sequence[int]) -> list:
    """Call ``fn(activation, depth, width, np.random.default_rng(seed))`` for every seed, then once more with
    the first seed (a run must depend on its generator only). Returns the list of results, as returned."""
    return [fn(activation, depth, width, np.random.default_rng(seed)) for seed in (*seeds, seeds[0])]


def _norms(result: Any, label: str, depth: int) -> np.ndarray:
    if isinstance(result, np.ndarray) and result.ndim == 1:
        values = list(result)
    elif isinstance(result, (list, tuple)):
        values = list(result)
    else:
        raise CheckFailure(f"{label} should return a list of {depth} norms, one per layer, but it returned "
                           f"{describe(result)}.")
    if len(values) != depth:
        raise CheckFailure(f"{label} returned {len(values)} values; expected {depth}, one norm per layer "
                           "(input layer first).")
    try:
        norms = np.array([float(v) for v in values])
    except (TypeError, ValueError):
        raise CheckFailure(f"{label} should return numbers (floats), but it returned "
                           f"{[describe(v) for v in values[:3]]}...") from None
    if not np.all(np.isfinite(norms)):
        raise CheckFailure(f"{label} returned a norm that is NaN or infinite: {norms}")
    if np.any(norms <= 0):
        raise CheckFailure(f"{label} returned a norm that is not positive: {norms}. A Frobenius norm "
                           "sqrt(sum(dW**2)) is positive unless the whole gradient is zero.")
    return norms


def _fits(mean_logs: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(profile error, scale error) in log10 units: the profile is each layer relative to the last one."""
    profile = np.max(np.abs((mean_logs - mean_logs[-1]) - (target - target[-1])))
    scale = abs(float(np.mean(mean_logs) - np.mean(target)))
    return float(profile), scale


def judge_gradient_norms(runs: Sequence[Any], expected_mean_logs, *, activation: str, depth: int, width: int,
                         mistakes: Sequence[tuple[str, Any]] = ()) -> None:
    """Judge the results of :func:`gradient_norm_runs` against the protocol's mean log10 norms per layer.

    Each run must be ``depth`` positive finite numbers; the last run repeats the first seed and must give the
    same numbers. Over the other runs, the mean of log10 ||dL/dW_l|| must match ``expected_mean_logs``
    (the protocol's, for the same seeds) within 0.5 (a factor of about 3): in its *profile* (each layer
    against the last one: does the gradient shrink towards the input?) and in its overall *scale* (the mean
    over layers). ``mistakes`` holds (description, mean log10 norms) of known wrong protocols.
    """
    label = f"gradient_norms_by_layer({activation!r}, {depth}, {width}, rng)"
    norms = np.array([_norms(r, label, depth) for r in runs])
    if not np.allclose(norms[-1], norms[0], rtol=1e-9, atol=0):
        raise CheckFailure(f"{label} gave different norms for two generators with the same seed. Draw every random "
                           "number from the rng passed in (rng.standard_normal(...)), not from np.random.")
    mean_logs = np.log10(norms[:-1]).mean(axis=0)
    target = np.asarray(expected_mean_logs, dtype=np.float64)
    profile_error, scale_error = _fits(mean_logs, target)
    if profile_error <= _LOG_TOL and scale_error <= _LOG_TOL:
        return
    seeds = len(runs) - 1
    ratio, expected_ratio = mean_logs[0] - mean_logs[-1], target[0] - target[-1]
    def shown(logs):
        return np.array2string(10 ** logs, precision=2, max_line_width=200)

    lines = [f"{label} does not follow the notebook's protocol (geometric means over {seeds} seeds; a factor "
             "of 3 either way is accepted):",
             f"  norms by layer, input layer first: expected about {shown(target)}",
             f"                                     got          {shown(mean_logs)}",
             f"  ||dL/dW_1|| / ||dL/dW_{depth}||: expected about 10^{expected_ratio:.1f}, got 10^{ratio:.1f}"
             + ("" if profile_error <= _LOG_TOL else "  <- the shape across layers differs"),
             f"  typical size (geometric mean over layers): expected about {10 ** np.mean(target):.3g}, "
             f"got {10 ** np.mean(mean_logs):.3g}" + ("" if scale_error <= _LOG_TOL else "  <- differs")]
    for text, candidate in mistakes:
        candidate = np.asarray(candidate, dtype=np.float64)
        if candidate.shape == mean_logs.shape and max(_fits(mean_logs, candidate)) <= _LOG_TOL:
            lines.append(f"  Likely mistake: {text}.")
            break
    raise CheckFailure("\n".join(lines))


def gradient_norm_candidates(target, depth: int, extra: dict[str, Any] | None = None) -> list[tuple[str, np.ndarray]]:
    """The known wrong protocols as mean log10 norms: those derived from ``target`` itself (reversed, squared,
    no 1/N) and the ``extra`` ones (key of :data:`GRADIENT_NORM_MISTAKES` -> mean log10 norms)."""
    target = np.asarray(target, dtype=np.float64)
    found = []
    if depth > 1:
        found.append((GRADIENT_NORM_MISTAKES["reversed"], target[::-1]))
    for key, value in (extra or {}).items():
        found.append((GRADIENT_NORM_MISTAKES[key], np.asarray(value, dtype=np.float64)))
    found += [(GRADIENT_NORM_MISTAKES["no_mean"], target + np.log10(64)),
              (GRADIENT_NORM_MISTAKES["squared"], 2 * target)]
    return found


def check_gradient_norms_by_layer(gradient_norms_by_layer) -> None:
    """Depth 10, width 64, every activation, 8 seeds: one positive norm per layer, input layer first, and
    geometric means within a factor of 3 of the protocol's (for sigmoid, about 10^5 smaller at the input)."""
    for activation, values in _VISIBLE_MEAN_LOGS.items():
        def fn(*args):
            return call_learner(gradient_norms_by_layer, args, name="gradient_norms_by_layer",
                                arg_names=("activation", "depth", "width", "rng")).result
        try:
            runs = gradient_norm_runs(fn, activation, _VISIBLE_DEPTH, _VISIBLE_WIDTH, GRADIENT_NORM_SEEDS)
            judge_gradient_norms(
                runs, values["right"], activation=activation, depth=_VISIBLE_DEPTH, width=_VISIBLE_WIDTH,
                mistakes=gradient_norm_candidates(values["right"], _VISIBLE_DEPTH,
                                             {k: v for k, v in values.items() if k != "right"}))
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, activation {activation!r}:\n  {failure}") from None
    passed("gradient_norms_by_layer")
