"""Visible checks of notebook 02, computational graphs.

Each gate and circuit is checked on the notebook's own worked example (fixed
values), and every backward pass against central differences of the forward
computation: the learner's own, where the exercise returns it.
"""
from __future__ import annotations

import numpy as np

from ..checking import CheckFailure, expect_close
from ..gradcheck import num_derivative, num_grad
from ._common import call, passed

__all__ = ["check_add_backward", "check_circuit_forward_backward", "check_fanout_forward_backward",
           "check_max_backward", "check_mul_backward", "check_neuron_forward_backward",
           "check_squared_error_forward_backward"]

_NOT_SCALED = "the local gradient was returned without multiplying it by the upstream gradient dout"


def _tuple(result, name, n):
    if not isinstance(result, tuple) or len(result) != n:
        raise CheckFailure(f"{name} should return a tuple of {n} values, but it returned {result!r}.")
    return result


def check_add_backward(add_backward) -> None:
    """out = x + y with upstream gradient 2.5: both inputs get 2.5."""
    result = call(add_backward, "add_backward", (2.5,), ("dout",))
    expect_close(result, (2.5, 2.5), name="add_backward(2.5)", output_names=("dx", "dy"),
                 mistakes={"dx": [(_NOT_SCALED, 1.0)], "dy": [(_NOT_SCALED, 1.0)]})
    dout = np.array([[1.5, -2.0, 3.0]])
    expect_close(call(add_backward, "add_backward", (dout,), ("dout",)), (dout, dout),
                 name="add_backward(an array)", output_names=("dx", "dy"))
    passed("add_backward")


def check_mul_backward(mul_backward) -> None:
    """out = x * y at x = -3, y = 4 with upstream gradient 2: dx = 8, dy = -6."""
    result = call(mul_backward, "mul_backward", (2.0, -3.0, 4.0), ("dout", "x", "y"))
    expect_close(result, (8.0, -6.0), name="mul_backward(2.0, x=-3.0, y=4.0)", output_names=("dx", "dy"),
                 mistakes={"dx": [(_NOT_SCALED, 4.0), ("dx and dy are swapped", -6.0)],
                           "dy": [(_NOT_SCALED, -3.0), ("dx and dy are swapped", 8.0)]})
    passed("mul_backward")


def check_max_backward(max_backward) -> None:
    """out = max(x, y): the larger input takes the whole upstream gradient; on a tie, x does."""
    examples = [((2.0, 3.0, 1.0), (2.0, 0.0)), ((2.0, -1.0, 5.0), (0.0, 2.0)), ((2.0, 1.0, 1.0), (2.0, 0.0))]
    for args, expected in examples:
        label = f"max_backward(dout={args[0]}, x={args[1]}, y={args[2]})"
        tie = args[1] == args[2]
        expect_close(call(max_backward, "max_backward", args, ("dout", "x", "y")), expected, name=label,
                     output_names=("dx", "dy"),
                     mistakes={"dy": [("on a tie the gradient went to both inputs, which double-counts: "
                                       "it goes to x only", 2.0)] if tie else [],
                               "dx": [("on a tie the whole gradient goes to x", 0.0)] if tie else []})
    passed("max_backward")


def check_circuit_forward_backward(circuit_forward_backward) -> None:
    """f = (x + y) z at (-2, 5, -4) is -12 with gradients (-4, -4, 3)."""
    result = call(circuit_forward_backward, "circuit_forward_backward", (-2.0, 5.0, -4.0), ("x", "y", "z"))
    expect_close(result, (-12.0, (-4.0, -4.0, 3.0)), name="circuit_forward_backward(-2, 5, -4)",
                 output_names=("f", "(dx, dy, dz)"))
    passed("circuit_forward_backward")


def check_neuron_forward_backward(neuron_forward_backward) -> None:
    """w = [2, -3, -3], x = [-1, -2]: f = sigmoid(1); dw and dx against central differences of your f."""
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    f, dw, dx = _tuple(call(neuron_forward_backward, "neuron_forward_backward", (w, x), ("w", "x")),
                       "neuron_forward_backward", 3)
    expect_close(f, 0.7310586, name="f", rtol=1e-6)

    def forward(w_, x_):
        return _tuple(call(neuron_forward_backward, "neuron_forward_backward", (w_, x_), ("w", "x")),
                      "neuron_forward_backward", 3)[0]
    expect_close(dw, num_grad(lambda v: forward(v, x), w), name="dw", rtol=1e-6, atol=1e-9)
    expect_close(dx, num_grad(lambda v: forward(w, v), x), name="dx", rtol=1e-6, atol=1e-9)
    passed("neuron_forward_backward")


def check_squared_error_forward_backward(squared_error_forward_backward) -> None:
    """w = 2, x = 3, b = 1, y = 4: L = 9, dL/dw = 18, dL/db = 6."""
    result = call(squared_error_forward_backward, "squared_error_forward_backward", (2.0, 3.0, 1.0, 4.0),
                  ("w", "x", "b", "y"))
    expect_close(result, (9.0, 18.0, 6.0), name="squared_error_forward_backward(2, 3, 1, 4)",
                 output_names=("L", "dw", "db"),
                 mistakes={"dw": [("the factor x of d(wx)/dw is missing", 6.0)],
                           "db": [("db should be dL/dp = 2d", 18.0)]})
    passed("squared_error_forward_backward")


def check_fanout_forward_backward(fanout_forward_backward) -> None:
    """At x = 1.5: f against its value, df/dx against central differences of your own f."""
    f, dfdx = _tuple(call(fanout_forward_backward, "fanout_forward_backward", (1.5,), ("x",)),
                     "fanout_forward_backward", 2)
    expect_close(f, 3.4763617, name="f at x = 1.5", rtol=1e-6)
    numeric = num_derivative(lambda v: _tuple(call(fanout_forward_backward, "fanout_forward_backward",
                                                    (float(v),), ("x",)), "fanout_forward_backward", 2)[0], 1.5)
    expect_close(dfdx, numeric, name="df/dx at x = 1.5", rtol=1e-6, atol=1e-9,
                 mistakes={"df/dx at x = 1.5": [("only the last path's gradient survived: accumulate with +=",
                                                 3.0)]})
    passed("fanout_forward_backward")
