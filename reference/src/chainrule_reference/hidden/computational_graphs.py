"""Hidden tests of notebook 02, computational graphs."""
from __future__ import annotations

import numpy as np

from .. import computational_graphs as ref
from ..spec import Case, HiddenTest

__all__ = ["TESTS"]


def _upstream(rng, shape=()):
    """An upstream gradient far from +-1, so a missing `* dout` shows."""
    value = rng.uniform(1.5, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
    return float(value) if shape == () else value


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


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


def _gate_mistakes(i):
    d, x, y = (np.asarray(i[k], dtype=np.float64) for k in ("dout", "x", "y"))
    return {"dx": [("dx is the local gradient only: multiply it by the upstream gradient dout", y),
                   ("dx and dy are swapped: dx = dout * y belongs to x", d * x)],
            "dy": [("dy is the local gradient only: multiply it by the upstream gradient dout", x),
                   ("dx and dy are swapped: dy = dout * x belongs to y", d * y)]}


def _max_mistakes(i):
    d, x, y = (np.asarray(i[k], dtype=np.float64) for k in ("dout", "x", "y"))
    return {"dx": [("the gradient was routed to the smaller input", np.where(x < y, d, 0.0)),
                   ("on a tie x == y the whole gradient goes to x, not to y", np.where(x > y, d, 0.0)),
                   ("dx is the local gradient only: multiply it by dout", (x >= y).astype(float))],
            "dy": [("on a tie x == y the gradient was given to both inputs, which double-counts: "
                    "on a tie it goes to x only", np.where(y >= x, d, 0.0)),
                   ("the gradient was routed to the smaller input", np.where(y > x, d, 0.0)),
                   ("dy is the local gradient only: multiply it by dout", (y > x).astype(float))]}


def _neuron_mistakes(i):
    w, x = np.asarray(i["w"], dtype=np.float64), np.asarray(i["x"], dtype=np.float64)
    f = _sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    at_output = _sigmoid(f) * (1 - _sigmoid(f))
    return {"dw": [("sigmoid's derivative was taken at the output f instead of at the input z",
                    np.array([x[0], x[1], 1.0]) * at_output),
                   ("the local gradient of sigmoid, f (1 - f), is missing", np.array([x[0], x[1], 1.0]))],
            "dx": [("sigmoid's derivative was taken at the output f instead of at the input z", w[:2] * at_output),
                   ("dx uses x instead of w: d(w x)/dx = w", x * f * (1 - f))]}


def _squared_mistakes(i):
    w, x, b, y = i["w"], i["x"], i["b"], i["y"]
    d = w * x + b - y
    return {"dw": [("the factor x of d(w x)/dw is missing", 2 * d), ("dw uses w where x belongs", 2 * d * w)],
            "db": [("db should be dL/dp = 2 d, the same as the gradient reaching p", 2 * d * x)]}


def _fanout_mistakes(i):
    x = i["x"]
    s = _sigmoid(x)
    return {"dfdx": [("the path through sigmoid(x) was overwritten or dropped: accumulate all three paths with +=",
                      s + 2 * x),
                     ("the path through x^2 was overwritten or dropped: accumulate all three paths with +=",
                      s + x * s * (1 - s)),
                     ("the direct path x * (d/dx of x) = sigmoid(x) is missing", x * s * (1 - s) + 2 * x),
                     ("only the last path's gradient is left: use += to accumulate", 2 * x)]}


TESTS = [
    HiddenTest("add_backward", ("add_backward",),
               (Case("a float", lambda rng: {"dout": _upstream(rng)}),
                Case("an array of shape (3, 2)", lambda rng: {"dout": _upstream(rng, (3, 2))}),
                Case("float32 of shape (1,)", lambda rng: {"dout": _upstream(rng, 1).astype(np.float32)})),
               outputs=("dx", "dy"),
               mistakes=lambda i: {k: [("the local gradient 1 was returned: multiply it by the upstream gradient "
                                        "dout", np.ones_like(np.asarray(i["dout"], dtype=np.float64)))]
                                   for k in ("dx", "dy")}),
    HiddenTest("mul_backward", ("mul_backward",), _gate_cases(tie=False), outputs=("dx", "dy"),
               mistakes=_gate_mistakes),
    HiddenTest("max_backward", ("max_backward",), _gate_cases(tie=True), outputs=("dx", "dy"),
               mistakes=_max_mistakes),
    HiddenTest("circuit_forward_backward", ("circuit_forward_backward",),
               tuple(Case(label, draw) for label, draw in [
                   ("random floats", lambda rng: {k: float(rng.uniform(-5, 5)) for k in "xyz"}),
                   ("random floats", lambda rng: {k: float(rng.uniform(-5, 5)) for k in "xyz"}),
                   ("x + y = 0", lambda rng: {"x": 1.5, "y": -1.5, "z": float(rng.uniform(1, 3))})]),
               outputs=("f", "(dx, dy, dz)"),
               mistakes=lambda i: {"(dx, dy, dz)[2]": [("dz should be the value q = x + y reaching z",
                                                        i["z"])]}),
    HiddenTest("neuron_forward_backward", ("neuron_forward_backward",),
               (Case("random w and x", lambda rng: {"w": rng.normal(0, 1.5, 3), "x": rng.normal(0, 1.5, 2)}),
                Case("random w and x", lambda rng: {"w": rng.normal(0, 1.5, 3), "x": rng.normal(0, 1.5, 2)}),
                Case("w and x as lists", lambda rng: {"w": [0.5, -1.0, 0.25], "x": [2.0, 1.5]})),
               outputs=("f", "dw", "dx"), mistakes=_neuron_mistakes),
    HiddenTest("squared_error_forward_backward", ("squared_error_forward_backward",),
               tuple(Case("random floats", lambda rng: {k: float(rng.uniform(-3, 3)) for k in ("w", "x", "b", "y")})
                     for _ in range(3)),
               outputs=("L", "dw", "db"), mistakes=_squared_mistakes),
    HiddenTest("fanout_forward_backward", ("fanout_forward_backward",),
               tuple(Case(f"x = {x}", lambda rng, x=x: {"x": x}) for x in (-2.5, 0.7)) +
               (Case("a random float", lambda rng: {"x": float(rng.uniform(-4, 4))}),
                Case("an array of shape (2, 2)", lambda rng: {"x": rng.uniform(-3, 3, (2, 2))})),
               outputs=("f", "dfdx"), mistakes=_fanout_mistakes),
]
