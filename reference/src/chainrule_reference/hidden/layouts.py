"""Hidden tests of notebook 04, layout conventions.

Non-square shapes (so that a transposed answer has the wrong shape), a square
one (so that W where W^T belongs has the right shape and must be caught by its
values), n = 1 and m = 1 (rows and columns of one entry), float32 (outputs keep
the dtype), and upstream gradients far from 1.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from chainrule.checking import CheckFailure
from chainrule.visible.layouts import layout_mistakes, layout_shape_hint

from ..spec import Case, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "04-layout-conventions"

F32 = dict(rtol=1e-5, atol=1e-5)


def _upstream(rng, shape):
    """An upstream gradient far from +-1 and from 0, so a missing multiplication shows."""
    return rng.uniform(1.5, 3.0, shape) * rng.choice([-1.0, 1.0], shape)


def _call(name: str) -> Callable:
    """Call the function on the inputs; a ValueError (shapes that do not fit) gets the shapes spelled out."""
    def call(impl, inputs: dict[str, Any]) -> Any:
        try:
            return impl[name](*inputs.values())
        except CheckFailure as failure:
            hint = layout_shape_hint(name, **inputs)
            if hint and "raised ValueError" in str(failure):
                raise CheckFailure(f"{failure}\n  Likely mistake: {hint}.") from failure.__cause__
            raise
    return call


def _mistakes(name: str) -> Callable:
    return lambda inputs: {name: layout_mistakes(name, **inputs)}


def _linear_cases(first: str, shapes) -> tuple[Case, ...]:
    """Cases for the four linear-map gradients; ``first`` is "W" or "x" or "delta" (the argument order)."""
    cases = []
    for label, m, n, dtype in shapes:
        def draw(rng, m=m, n=n, dtype=dtype):
            W = rng.normal(size=(m, n) if first in ("column_W", "column_delta") else (n, m))
            x = rng.normal(size=(n, 1) if first.startswith("column") else (1, n))
            delta = _upstream(rng, (1, m))
            W, x, delta = (a.astype(dtype) for a in (W, x, delta))
            return {"column_W": {"W": W, "delta": delta}, "column_delta": {"delta": delta, "x": x},
                    "row_W": {"W": W, "delta": delta}, "row_x": {"x": x, "delta": delta}}[first]
        tol = F32 if dtype == np.float32 else {}
        cases.append(Case(label, draw, **tol))
    return tuple(cases)


# The square case comes first: there a transposed W still fits, and only the values can name the mistake
# (on the other shapes such a product raises a shape error, which gets the shapes spelled out).
_SHAPES = [
    ("square: m = n = 4", 4, 4, np.float64),
    ("m = 3 outputs, n = 5 inputs", 3, 5, np.float64),
    ("m = 6 outputs, n = 2 inputs", 6, 2, np.float64),
    ("n = 1 input", 4, 1, np.float64),
    ("m = 1 output", 1, 3, np.float64),
    ("float32, m = 5, n = 3", 5, 3, np.float32),
]


def _shape_cases():
    specs = [
        ("a (3, 4) matrix", (3, 4), np.float64),
        ("a (2, 3, 4) tensor", (2, 3, 4), np.float64),
        ("a bias of shape (5,)", (5,), np.float64),
        ("a (4, 1) column", (4, 1), np.float64),
        ("a (1, 6) row", (1, 6), np.float64),
        ("a (5, 2) matrix, float32", (5, 2), np.float32),
    ]
    return tuple(Case(label, lambda rng, shape=shape, dtype=dtype: {
        "jacobian_row": rng.normal(size=(1, int(np.prod(shape)))).astype(dtype), "param_shape": shape},
        **(F32 if dtype == np.float32 else {})) for label, shape, dtype in specs)


def _bias_cases():
    specs = [
        ("N = 5, M = 3, keepdims left at its default", (5, 3), None, np.float64),
        ("N = 4, M = 6, keepdims=True", (4, 6), True, np.float64),
        ("square: N = M = 3, keepdims=False", (3, 3), False, np.float64),
        ("N = 1, keepdims=False", (1, 4), False, np.float64),
        ("N = 1, keepdims=True", (1, 4), True, np.float64),
        ("M = 1, keepdims=True", (7, 1), True, np.float64),
        ("float32, N = 6, M = 2, keepdims=False", (6, 2), False, np.float32),
    ]

    def make(shape, keepdims, dtype):
        def draw(rng):
            dout = _upstream(rng, shape).astype(dtype)
            return {"dout": dout} if keepdims is None else {"dout": dout, "keepdims": keepdims}
        return draw

    return tuple(Case(label, make(shape, keepdims, dtype), **(F32 if dtype == np.float32 else {}))
                 for label, shape, keepdims, dtype in specs)


def _test(name: str, cases, points: int) -> HiddenTest:
    return HiddenTest(name, (name,), cases, call=_call(name), mistakes=_mistakes(name), same_dtype=True,
                      rtol=1e-7, atol=1e-10, points=points)


TESTS = [
    _test("column_dJ_dx", _linear_cases("column_W", _SHAPES), 1),
    _test("row_dJ_dx", _linear_cases("row_W", _SHAPES), 1),
    _test("to_shape_convention", _shape_cases(), 2),
    _test("column_dJ_dW", _linear_cases("column_delta", _SHAPES), 2),
    _test("row_dJ_dW", _linear_cases("row_x", _SHAPES), 2),
    _test("bias_gradient", _bias_cases(), 2),
]
