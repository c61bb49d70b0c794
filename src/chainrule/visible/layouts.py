r"""Visible checks of notebook 04, layout conventions.

Every gradient is checked against central differences of the scalar loss it
belongs to, computed here from the example's own numbers: no reference
implementation is needed. For a linear map, :math:`L = \delta\, z` with the row
``delta`` fixed has exactly the upstream gradient ``delta``, so
``num_grad`` of :math:`L` with respect to ``x`` or ``W`` is the answer in the
shape convention.

The known mistakes of each exercise are named once, here, by
:func:`layout_mistakes`; the hidden tests import it, so a learner reads the same
diagnosis from both. Most of them are layout mistakes: a Jacobian row where the
parameter's shape belongs, a gradient laid out like :math:`W^T`, Fortran order.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..checking import CheckFailure, expect_close
from ..gradcheck import num_grad, num_jacobian
from ._common import call, passed

__all__ = ["check_bias_gradient", "check_column_dJ_dW", "check_column_dJ_dx", "check_row_dJ_dW",
           "check_row_dJ_dx", "check_to_shape_convention", "layout_mistakes", "layout_shape_hint"]


def _f64(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def _differs(expected: np.ndarray, wrong: np.ndarray) -> bool:
    """True unless ``wrong`` is the right answer after all (same shape and values)."""
    return not (wrong.shape == expected.shape and np.allclose(wrong, expected, rtol=1e-12, atol=0))


# ---- known mistakes ------------------------------------------------------------------------------

def _column_dJ_dx(W, delta):
    W, delta = _f64(W, delta)
    m, n = W.shape
    found = [
        (f"you returned dL/dx as a (1, {n}) row, delta W: that is the numerator-layout Jacobian; "
         f"the shape convention asks for x's shape ({n}, 1): transpose it", delta @ W),
        ("you returned W^T, the local Jacobian alone (transposed): multiply it by the upstream "
         "gradient delta", W.T),
        ("you returned W, the Jacobian dz/dx alone: multiply it by the upstream gradient delta "
         "and give the result x's shape", W),
        ("you returned delta^T, the upstream gradient alone: it must pass back through W", delta.T),
    ]
    if m == n:
        found.insert(1, ("this is W delta^T: W where W^T belongs (z = W x sends x forward through W, "
                         "so the gradient comes back through W^T)", W @ delta.T))
    return (W.T @ delta.T), found


def _column_dJ_dW(delta, x):
    delta, x = _f64(delta, x)
    m, n = delta.shape[1], x.shape[0]
    right = delta.T @ x.T
    found = [
        (f"you returned x delta, of shape ({n}, {m}), laid out like W^T (the numerator layout of a "
         f"derivative with respect to a matrix): this is dL/dW transposed; the shape convention asks "
         f"for W's shape ({m}, {n})", x @ delta),
        (f"you returned the (1, {m * n}) numerator-layout Jacobian of L with respect to W flattened: "
         f"give it W's shape ({m}, {n})", right.reshape(1, -1)),
        ("you returned x^T, the local gradient alone: multiply by the upstream gradient "
         "delta (row i of dL/dW involves delta_i)", x.T),
        ("the upstream gradient delta is missing: row i of dL/dW must scale with delta_i",
         np.ones((m, 1)) @ x.T),
    ]
    if m == n:
        found.append(("delta x is an inner product, one number: the gradient of a matrix needs the "
                      "outer product of two vectors", delta @ x))
        found.append(("delta * x^T multiplies entry by entry: the gradient of a matrix needs the "
                      "outer product of two vectors", delta * x.T))
    return right, found


def _row_dJ_dx(W, delta):
    W, delta = _f64(W, delta)
    n, m = W.shape
    found = [
        (f"you returned dL/dx as a ({n}, 1) column, W delta^T: that is the denominator layout (the "
         f"gradient written as a column); in the row form x is a (1, {n}) row, and the shape convention "
         f"asks for x's shape (1, {n})", W @ delta.T),
        ("you returned W^T, the Jacobian dz/dx alone: multiply it by the upstream gradient delta",
         W.T),
        ("you returned W, the local gradient alone: multiply by the upstream gradient delta", W),
        ("you returned delta, the upstream gradient alone: it must pass back through the layer's Jacobian", delta),
    ]
    if m == n:
        found.insert(1, ("this is delta W: W where W^T belongs (in the row form z = x W, the Jacobian "
                         "dz/dx is W^T)", delta @ W))
    return delta @ W.T, found


def _row_dJ_dW(x, delta):
    x, delta = _f64(x, delta)
    n, m = x.shape[1], delta.shape[1]
    right = x.T @ delta
    found = [
        (f"you returned delta^T x, of shape ({m}, {n}), laid out like W^T (the numerator layout of a "
         f"derivative with respect to a matrix): this is dL/dW transposed; the shape convention asks "
         f"for W's shape ({n}, {m})", delta.T @ x),
        (f"you returned the (1, {n * m}) numerator-layout Jacobian of L with respect to W flattened: "
         f"give it W's shape ({n}, {m})", right.reshape(1, -1)),
        ("you returned x^T, the local gradient alone: multiply by the upstream gradient "
         "delta (row i of dL/dW involves x_i and delta)", x.T),
        ("the upstream gradient delta is missing: row i of dL/dW must scale with delta", x.T @ np.ones((1, m))),
    ]
    if m == n:
        found.append(("x delta^T is an inner product, one number: the gradient of a matrix needs the "
                      "outer product of two vectors", x @ delta.T))
        found.append(("x * delta multiplies entry by entry: the gradient of a "
                      "matrix needs the outer product of two vectors", x * delta))
    return right, found


def _to_shape_convention(jacobian_row, param_shape):
    (jac,) = _f64(jacobian_row)
    shape = tuple(param_shape)
    k = jac.size
    found = [
        (f"you returned the (1, {k}) numerator-layout Jacobian unchanged; the shape convention asks "
         f"for the parameter's shape {shape}: reshape it", jac),
        (f"you returned a ({k}, 1) column: that is the Jacobian transposed (the denominator layout), "
         f"still not the parameter's shape {shape}", jac.T),
        (f"you returned a flat ({k},) vector; the shape convention asks for the parameter's shape "
         f"{shape}", jac.ravel()),
        ("the entries were put back in Fortran (column-major) order: the Jacobian's columns follow the "
         "parameter flattened in C (row-major) order, NumPy's default; use reshape(param_shape) "
         "without order='F'", jac.reshape(shape, order="F")),
    ]
    if len(shape) >= 2:
        found.append((f"you reshaped to the reversed shape {shape[::-1]}: the parameter's shape is "
                      f"{shape}", jac.reshape(shape[::-1])))
    return jac.reshape(shape), found


def _bias_gradient(dout, keepdims=False):
    (d,) = _f64(dout)
    N, M = d.shape
    right = d.sum(axis=0, keepdims=keepdims)
    found = [
        (f"np.mean divides by N = {N}: the bias gradient is the SUM of the upstream gradients of all "
         f"examples (b is added to every row, so every row contributes)", d.mean(axis=0, keepdims=keepdims)),
        (f"summed over axis 1 (the M = {M} outputs of each example) instead of axis 0 (the batch of "
         f"N = {N} examples)", d.sum(axis=1, keepdims=keepdims)),
        ("dout was returned without a sum: sum it over the batch axis 0", d),
    ]
    if keepdims:
        found.insert(1, (f"keepdims=True was ignored: the result should keep the summed axis with "
                         f"length 1, shape (1, {M})", d.sum(axis=0)))
    else:
        found.insert(1, (f"keepdims=True was used although keepdims=False was asked: the shape should "
                         f"be ({M},)", d.sum(axis=0, keepdims=True)))
    return right, found


_MISTAKES: dict[str, Callable] = {
    "column_dJ_dx": _column_dJ_dx, "column_dJ_dW": _column_dJ_dW, "row_dJ_dx": _row_dJ_dx,
    "row_dJ_dW": _row_dJ_dW, "to_shape_convention": _to_shape_convention, "bias_gradient": _bias_gradient,
}


def layout_mistakes(name: str, **inputs: Any) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of the graded function ``name`` on ``inputs``, as (description, value).

    Shared by these visible checks and the hidden tests. A candidate that
    happens to equal the right answer on these inputs (``n = 1`` makes a row a
    column, say) is left out.
    """
    right, found = _MISTAKES[name](**inputs)
    return [(text, value) for text, value in found if _differs(right, np.asarray(value))]


def layout_shape_hint(name: str, **inputs: Any) -> str | None:
    """What to tell a learner whose function raised ValueError: the shapes, and the question that finds the one product that fits."""
    if name in ("column_dJ_dx", "row_dJ_dx"):
        W = inputs["W"]
        if name == "column_dJ_dx":
            m, n = np.shape(W)
            return (f"the shapes do not fit. Write them down: W is ({m}, {n}), delta is (1, {m}), and "
                    f"dL/dx must have x's shape ({n}, 1); which product of W and delta, each transposed or not, gives ({n}, 1)? The only one that does is the answer")
        n, m = np.shape(W)
        return (f"the shapes do not fit. Write them down: W is ({n}, {m}), delta is (1, {m}), and dL/dx "
                f"must have x's shape (1, {n}); which product of delta and W, each transposed or not, gives (1, {n})? The only one that does is the answer")
    if name == "column_dJ_dW":
        m, n = np.shape(inputs["delta"])[1], np.shape(inputs["x"])[0]
        return (f"the shapes do not fit. Write them down: delta is (1, {m}), x is ({n}, 1), and dL/dW must "
                f"have W's shape ({m}, {n}); which product of delta and x, each transposed or not, gives ({m}, {n})? The only one that does is the answer")
    if name == "row_dJ_dW":
        n, m = np.shape(inputs["x"])[1], np.shape(inputs["delta"])[1]
        return (f"the shapes do not fit. Write them down: x is (1, {n}), delta is (1, {m}), and dL/dW must "
                f"have W's shape ({n}, {m}); which product of x and delta, each transposed or not, gives ({n}, {m})? The only one that does is the answer")
    if name == "to_shape_convention":
        return (f"reshape the (1, {np.size(inputs['jacobian_row'])}) row to param_shape = "
                f"{tuple(inputs['param_shape'])}: both hold the same number of entries")
    return None


# ---- the checks ----------------------------------------------------------------------------------

def _run(fn: Callable, name: str, args: Sequence[Any], arg_names: Sequence[str]) -> Any:
    """Call the learner's function; a ValueError (shapes that do not fit) gets the shapes spelled out."""
    try:
        return call(fn, name, args, arg_names)
    except CheckFailure as failure:
        hint = layout_shape_hint(name, **dict(zip(arg_names, args)))
        if hint and "raised ValueError" in str(failure):
            raise CheckFailure(f"{failure}\n  Likely mistake: {hint}.") from failure.__cause__
        raise


def _expect(result, expected, name: str, example: str, inputs: dict, **tolerances) -> None:
    try:
        expect_close(result, expected, name=name, mistakes={name: layout_mistakes(name, **inputs)},
                     **tolerances)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


def _examples(kind: str):
    """The check's three examples, as (W, delta, x) in the column form's shapes.

    A square W first (m = n = 2: a transposed answer fits, so a known mistake is named by its
    values rather than reported as a shape error); the notebook's example with m = 3, n = 2 (a
    transposed answer has the wrong shape); float32 with m = 2, n = 4.
    """
    W_col = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 4.0]])          # (m, n) = (3, 2)
    delta = np.array([[2.0, -1.0, 0.5]])                               # (1, m)
    x_col = np.array([[0.3], [-0.7]])                                  # (n, 1), any x: L is linear
    square = (np.array([[2.0, -1.0], [0.5, 3.0]]), np.array([[1.5, -2.0]]), np.array([[0.4], [-1.2]]))
    rng = np.random.default_rng(4)
    W32 = rng.normal(size=(2, 4)).astype(np.float32)                   # (m, n) = (2, 4)
    d32 = rng.uniform(-2, 2, size=(1, 2)).astype(np.float32)
    x32 = rng.normal(size=(4, 1)).astype(np.float32)
    examples = [square, (W_col, delta, x_col), (W32, d32, x32)]
    if kind == "column":
        return examples
    # the row form stores the transposes: W (n, m), x (1, n)
    return [(W.T.copy(), d, x.T.copy()) for W, d, x in examples]


def _tolerance(dtype) -> dict:
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-6, atol=1e-9)


def check_column_dJ_dx(column_dJ_dx) -> None:
    """z = W x with a square W (2, 2), W (3, 2), then float32 W (2, 4): dL/dx against central differences."""
    for W, delta, x in _examples("column"):
        W64, d64 = _f64(W, delta)
        expected = num_grad(lambda v: (d64 @ (W64 @ v)).item(), x).astype(W.dtype)   # x's shape (n, 1)
        example = f"column_dJ_dx(W of shape {W.shape}, delta of shape {delta.shape}, {W.dtype})"
        result = _run(column_dJ_dx, "column_dJ_dx", (W, delta), ("W", "delta"))
        _expect(result, expected, "column_dJ_dx", example, {"W": W, "delta": delta}, same_dtype=True,
                **_tolerance(W.dtype))
    passed("column_dJ_dx")


def check_column_dJ_dW(column_dJ_dW) -> None:
    """z = W x with a square W, then x (2, 1) and delta (1, 3), then float32: dL/dW against central differences."""
    for W, delta, x in _examples("column"):
        d64, x64 = _f64(delta, x)
        expected = num_grad(lambda v: (d64 @ (v @ x64)).item(), W).astype(x.dtype)   # W's shape (m, n)
        example = f"column_dJ_dW(delta of shape {delta.shape}, x of shape {x.shape}, {x.dtype})"
        result = _run(column_dJ_dW, "column_dJ_dW", (delta, x), ("delta", "x"))
        _expect(result, expected, "column_dJ_dW", example, {"delta": delta, "x": x}, same_dtype=True,
                **_tolerance(x.dtype))
    passed("column_dJ_dW")


def check_row_dJ_dx(row_dJ_dx) -> None:
    """z = x W with a square W (2, 2), W (2, 3), then float32 W (4, 2): dL/dx against central differences."""
    for W, delta, x in _examples("row"):
        W64, d64 = _f64(W, delta)
        expected = num_grad(lambda v: ((v @ W64) @ d64.T).item(), x).astype(W.dtype)   # x's shape (1, n)
        example = f"row_dJ_dx(W of shape {W.shape}, delta of shape {delta.shape}, {W.dtype})"
        result = _run(row_dJ_dx, "row_dJ_dx", (W, delta), ("W", "delta"))
        _expect(result, expected, "row_dJ_dx", example, {"W": W, "delta": delta}, same_dtype=True,
                **_tolerance(W.dtype))
    passed("row_dJ_dx")


def check_row_dJ_dW(row_dJ_dW) -> None:
    """z = x W with a square W, then x (1, 2) and delta (1, 3), then float32: dL/dW against central differences."""
    for W, delta, x in _examples("row"):
        d64, x64 = _f64(delta, x)
        expected = num_grad(lambda v: ((x64 @ v) @ d64.T).item(), W).astype(x.dtype)   # W's shape (n, m)
        example = f"row_dJ_dW(x of shape {x.shape}, delta of shape {delta.shape}, {x.dtype})"
        result = _run(row_dJ_dW, "row_dJ_dW", (x, delta), ("x", "delta"))
        _expect(result, expected, "row_dJ_dW", example, {"x": x, "delta": delta}, same_dtype=True,
                **_tolerance(x.dtype))
    passed("row_dJ_dW")


def _quartic(p: np.ndarray) -> float:
    """A scalar loss whose gradient differs from entry to entry: sum of c_i p_i^2 / 2 + sin(p_i)."""
    c = np.arange(1, p.size + 1, dtype=np.float64).reshape(p.shape)
    return float(np.sum(0.5 * c * p ** 2 + np.sin(p)))


def check_to_shape_convention(to_shape_convention) -> None:
    """A (1, k) Jacobian from num_jacobian, laid out like a (2, 3) matrix, a (2, 3, 2) float32 tensor, a (4,) bias.

    The expected answer is ``num_grad``, which returns the gradient in the
    parameter's shape directly.
    """
    rng = np.random.default_rng(40)
    params = [np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), rng.normal(size=(2, 3, 2)).astype(np.float32),
              np.array([0.2, -0.4, 0.6, -0.8])]
    for p in params:
        jac = num_jacobian(_quartic, p).astype(p.dtype)           # (1, k), columns in C order
        expected = num_grad(_quartic, p).astype(p.dtype)          # the parameter's shape
        example = f"to_shape_convention(jacobian_row of shape {jac.shape}, param_shape={p.shape}, {p.dtype})"
        inputs = {"jacobian_row": jac, "param_shape": p.shape}
        result = _run(to_shape_convention, "to_shape_convention", (jac, p.shape), ("jacobian_row", "param_shape"))
        _expect(result, expected, "to_shape_convention", example, inputs, same_dtype=True, **_tolerance(p.dtype))
    passed("to_shape_convention")


def check_bias_gradient(bias_gradient) -> None:
    """dout (4, 3): dL/db against central differences for b of shape (3,) and (1, 3), then float32 (5, 2).

    With out = z + b, b broadcast over the rows, the loss L = sum(dout * out)
    has the upstream gradient ``dout``.
    """
    dout = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0], [-0.5, 1.5, 2.0], [2.0, -1.0, 0.75]])
    d32 = np.random.default_rng(41).uniform(-2, 2, size=(5, 2)).astype(np.float32)
    for d, keepdims in [(dout, None), (dout, False), (dout, True), (d32, True)]:
        M = d.shape[1]
        b = np.zeros((1, M) if keepdims else (M,))
        d64 = d.astype(np.float64)
        expected = num_grad(lambda v: float(np.sum(d64 * (np.zeros_like(d64) + v))), b).astype(d.dtype)
        args, names = ((d,), ("dout",)) if keepdims is None else ((d, keepdims), ("dout", "keepdims"))
        shown = "" if keepdims is None else f", keepdims={keepdims}"
        example = f"bias_gradient(dout of shape {d.shape}{shown}, {d.dtype})"
        result = _run(bias_gradient, "bias_gradient", args, names)
        _expect(result, expected, "bias_gradient", example, {"dout": d, "keepdims": bool(keepdims)},
                same_dtype=True, **_tolerance(d.dtype))
    passed("bias_gradient")
