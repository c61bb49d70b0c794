"""Hidden tests of notebook 05, vectorized affine layers.

Every layer test runs in float64 and float32 (dtype kept), with N = 1, a non-square w (D != M),
tensor inputs (N, d1, ..., dk) with k = 2 and 3, and an upstream gradient far from +-1. The
backward tests start with a square w (D = M), the only shape where `dout @ w` (a missing
transpose) runs at all, so that mistake is named rather than reported as a shape error.
"""
from __future__ import annotations

import numpy as np

from chainrule.visible.affine_layers import (affine_backward_mistakes, affine_forward_mistakes,
                                             jacobian_memory_mistakes, judge_dw_by_hand)

from ..spec import Case, HiddenTest, backward_of, forward_of

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "05-vectorized-affine-layers"

_FLOAT32 = dict(rtol=1e-5, atol=1e-5)


def _upstream(rng, shape, dtype):
    """An upstream gradient far from +-1 (so a missing `* dout` shows), both signs."""
    return (rng.uniform(0.5, 2.5, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def _layer(shape, m, dtype=np.float64, backward=False):
    """Draws x of ``shape`` (N, d1, ..., dk), w (D, m), b (m,) and, for a backward test, dout (N, m)."""
    def draw(rng):
        d = int(np.prod(shape[1:]))
        inputs = {"x": rng.normal(0, 1.5, shape).astype(dtype), "w": rng.normal(0, 1, (d, m)).astype(dtype),
                  "b": rng.normal(0, 1, m).astype(dtype)}
        if backward:
            inputs["dout"] = _upstream(rng, (shape[0], m), dtype)
        return inputs
    return draw


def _layer_cases(backward=False):
    return (
        Case("square w (D = M = 4), x (3, 4)", _layer((3, 4), 4, backward=backward)),
        Case("N = 1, x (1, 5), w (5, 3)", _layer((1, 5), 3, backward=backward)),
        Case("non-square w, x (4, 6), w (6, 2)", _layer((4, 6), 2, backward=backward)),
        Case("tensor x (3, 2, 4) (k = 2), w (8, 5)", _layer((3, 2, 4), 5, backward=backward)),
        Case("tensor x (2, 3, 2, 2) (k = 3), w (12, 3)", _layer((2, 3, 2, 2), 3, backward=backward)),
        Case("float32 tensor x (3, 2, 3), w (6, 4)", _layer((3, 2, 3), 4, np.float32, backward), **_FLOAT32),
        Case("float32, N = 1, x (1, 3, 2), w (6, 2)", _layer((1, 3, 2), 2, np.float32, backward), **_FLOAT32),
    )


def _backward_mistakes(jacobian):
    def mistakes(inputs):
        return affine_backward_mistakes(inputs["x"], inputs["w"], inputs["b"], inputs["dout"], jacobian=jacobian)
    return mistakes


def _memory(N, D, M, itemsize=None):
    inputs = {"N": N, "D": D, "M": M}
    if itemsize is not None:
        inputs["itemsize"] = itemsize
    return lambda rng: dict(inputs)


TESTS = [
    HiddenTest("affine_forward", ("affine_forward",), _layer_cases(), call=forward_of("affine_forward"),
               mistakes=lambda i: {"affine_forward": affine_forward_mistakes(i["x"], i["w"], i["b"])},
               same_dtype=True, rtol=1e-7, atol=1e-10, points=1),
    HiddenTest("affine_backward_via_jacobian", ("affine_backward_via_jacobian", "affine_forward"),
               _layer_cases(backward=True),
               call=backward_of("affine_forward", "affine_backward_via_jacobian"), outputs=("dx", "dw", "db"),
               mistakes=_backward_mistakes(jacobian=True), same_dtype=True, rtol=1e-7, atol=1e-10, points=2),
    HiddenTest("jacobian_memory_bytes", ("jacobian_memory_bytes",),
               (Case("N = 3, D = 5, M = 2, itemsize = 8", _memory(3, 5, 2, 8)),
                Case("N = 64, D = M = 4096, float32 by default", _memory(64, 4096, 4096)),
                Case("N = 1, D = 7, M = 3, itemsize = 4", _memory(1, 7, 3, 4)),
                Case("N = 10, D = 6, M = 9, itemsize = 2", _memory(10, 6, 9, 2)),
                Case("N = 256, D = 3072, M = 100, default itemsize", _memory(256, 3072, 100))),
               mistakes=lambda i: {"jacobian_memory_bytes": jacobian_memory_mistakes(**i)},
               rtol=1e-12, atol=0, points=1),
    HiddenTest("dw_by_hand", ("dw_by_hand",),
               (Case("the checkpoint's example: x [[1, 2], [3, -1]], dout [[1, 0], [2, 1]]", lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_dw_by_hand(actual), points=1),
    HiddenTest("affine_backward", ("affine_backward", "affine_forward"), _layer_cases(backward=True),
               call=backward_of("affine_forward", "affine_backward"), outputs=("dx", "dw", "db"),
               mistakes=_backward_mistakes(jacobian=False), same_dtype=True, rtol=1e-7, atol=1e-10, points=3),
]
