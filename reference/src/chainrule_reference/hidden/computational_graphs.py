"""Hidden tests of notebook 02, computational graphs."""
from __future__ import annotations

import numpy as np

from chainrule.checking import out_and_cache
from chainrule.visible.computational_graphs import (circuit_mistakes, fanout_mistakes, gate_mistakes,
                                                   judge_division_gate_by_hand,
                                                   neuron_mistakes, squared_error_mistakes, staged_backward_mistakes,
                                                   staged_forward_mistakes)

from ..spec import Case, HiddenTest, forward_of

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "02-computational-graphs"


def _upstream(rng, shape=()):
    """An upstream gradient far from +-1, so a missing `* dout` shows."""
    value = rng.uniform(1.5, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
    return float(value) if shape == () else value


def _gate_cases(tie):
    cases = [
        Case("floats", lambda rng: {"dout": _upstream(rng), "x": float(rng.normal()), "y": float(rng.normal())}),
        Case("arrays of shape (2, 3)", lambda rng: {"dout": _upstream(rng, (2, 3)), "x": rng.normal(size=(2, 3)),
                                                     "y": rng.normal(size=(2, 3))}),
        Case("float32 arrays of shape (4,)",
             lambda rng: {"dout": _upstream(rng, 4).astype(np.float32), "x": rng.normal(size=4).astype(np.float32),
                          "y": rng.normal(size=4).astype(np.float32)}, rtol=1e-5),
    ]
    if tie:
        cases.append(Case("ties x == y", lambda rng: {"dout": _upstream(rng, 3), "x": np.array([1.0, -2.0, 0.5]),
                                                     "y": np.array([1.0, -3.0, 0.5])}))
        cases.append(Case("a float tie", lambda rng: {"dout": _upstream(rng), "x": 0.25, "y": 0.25}))
    return tuple(cases)


def _staged_backward(impl, inputs):
    """``staged_backward(cache)`` with the cache of the same implementation's ``staged_forward(x, y)``."""
    _, cache = out_and_cache(impl["staged_forward"](inputs["x"], inputs["y"]), "staged_forward")
    return impl["staged_backward"](cache)


def _staged_cases():
    """Both signs everywhere: x and y drawn from (-3, 3), floats and arrays, a point with x = y, float32."""
    return (
        Case("random floats", lambda rng: {"x": float(rng.uniform(-3, 3)), "y": float(rng.uniform(-3, 3))}),
        Case("negative floats", lambda rng: {"x": float(rng.uniform(-3, -0.5)), "y": float(rng.uniform(-3, -0.5))}),
        Case("arrays of shape (2, 3)", lambda rng: {"x": rng.uniform(-3, 3, (2, 3)), "y": rng.uniform(-3, 3, (2, 3))}),
        Case("x = y (d = 0) in some entries",
             lambda rng: {"x": np.array([0.75, -1.25, 2.0]), "y": np.array([0.75, 0.5, 2.0])}),
        Case("float32 arrays of shape (4,)", lambda rng: {"x": rng.uniform(-3, 3, 4).astype(np.float32),
                                                          "y": rng.uniform(-3, 3, 4).astype(np.float32)},
             rtol=1e-4, atol=1e-6),
    )


TESTS = [
    HiddenTest("add_backward", ("add_backward",),
               (Case("a float", lambda rng: {"dout": _upstream(rng)}),
                Case("an array of shape (3, 2)", lambda rng: {"dout": _upstream(rng, (3, 2))}),
                Case("float32 of shape (1,)", lambda rng: {"dout": _upstream(rng, 1).astype(np.float32)})),
               outputs=("dx", "dy"), mistakes=lambda i: gate_mistakes("add", **i)),
    HiddenTest("mul_backward", ("mul_backward",), _gate_cases(tie=False), outputs=("dx", "dy"),
               mistakes=lambda i: gate_mistakes("mul", **i)),
    HiddenTest("max_backward", ("max_backward",), _gate_cases(tie=True), outputs=("dx", "dy"),
               mistakes=lambda i: gate_mistakes("max", **i)),
    HiddenTest("circuit_forward_backward", ("circuit_forward_backward",),
               tuple(Case(label, draw) for label, draw in [
                   ("random floats", lambda rng: {k: float(rng.uniform(-5, 5)) for k in "xyz"}),
                   ("random floats", lambda rng: {k: float(rng.uniform(-5, 5)) for k in "xyz"}),
                   ("x + y = 0", lambda rng: {"x": 1.5, "y": -1.5, "z": float(rng.uniform(1, 3))})]),
               outputs=("f", "(dx, dy, dz)"),
               mistakes=lambda i: circuit_mistakes(**i), points=2),
    HiddenTest("neuron_forward_backward", ("neuron_forward_backward",),
               (Case("random w and x", lambda rng: {"w": rng.normal(0, 1.5, 3), "x": rng.normal(0, 1.5, 2)}),
                Case("random w and x", lambda rng: {"w": rng.normal(0, 1.5, 3), "x": rng.normal(0, 1.5, 2)}),
                Case("w and x as lists", lambda rng: {"w": [0.5, -1.0, 0.25], "x": [2.0, 1.5]})),
               outputs=("f", "dw", "dx"), mistakes=lambda i: neuron_mistakes(**i), points=2),
    HiddenTest("squared_error_forward_backward", ("squared_error_forward_backward",),
               tuple(Case("random floats", lambda rng: {k: float(rng.uniform(-3, 3)) for k in ("w", "x", "b", "y")})
                     for _ in range(3)),
               outputs=("L", "dw", "db"), mistakes=lambda i: squared_error_mistakes(**i), points=2),
    HiddenTest("fanout_forward_backward", ("fanout_forward_backward",),
               tuple(Case(f"x = {x}", lambda rng, x=x: {"x": x}) for x in (-2.5, 0.7)) +
               (Case("a random float", lambda rng: {"x": float(rng.uniform(-4, 4))}),
                Case("an array of shape (2, 2)", lambda rng: {"x": rng.uniform(-3, 3, (2, 2))})),
               outputs=("f", "dfdx"), mistakes=lambda i: fanout_mistakes(**i), points=2),
    HiddenTest("staged_forward", ("staged_forward",), _staged_cases(), call=forward_of("staged_forward"),
               mistakes=lambda i: {"staged_forward": staged_forward_mistakes(**i)["f"]}, rtol=1e-7, atol=1e-10),
    HiddenTest("staged_backward", ("staged_forward", "staged_backward"), _staged_cases(), outputs=("dx", "dy"),
               call=_staged_backward, mistakes=lambda i: staged_backward_mistakes(**i), rtol=1e-6, atol=1e-9,
               points=2),
    HiddenTest("division_gate_by_hand", ("division_gate_by_hand",),
               (Case("the checkpoint's example: out = p / q at p = 3, q = 2, dout = 4", lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_division_gate_by_hand(actual), points=1),
]
