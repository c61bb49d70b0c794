"""Visible checks of notebook 01, scalar derivatives.

They need no reference implementation: finite differences are checked against
exact derivatives of textbook functions, activation derivatives against
central differences of the activations, and the composite's backward pass
against central differences of the learner's own forward pass.
"""
from __future__ import annotations

import numpy as np

from ..checking import CheckFailure, expect_close
from ..gradcheck import num_derivative
from ._common import call, passed

__all__ = ["check_central_difference", "check_composite_and_grad", "check_difference_errors",
           "check_forward_difference", "check_leaky_relu_grad", "check_relu_grad", "check_sigmoid_grad",
           "check_tanh_grad"]


def _cube(x):
    return x ** 3


def _check_difference(fn, name, at_tenth, other_value, other_name):
    # x^3 at x = 1 with h = 0.1: forward gives 3.31, central 3.01 (exact: 3).
    value = call(fn, name, (_cube, 1.0, 0.1), ("f", "x", "h"))
    expect_close(value, at_tenth, name=f"{name}(cube, 1.0, h=0.1)", rtol=1e-9,
                 mistakes={f"{name}(cube, 1.0, h=0.1)": [
                     (f"this is the {other_name} difference", other_value),
                     ("the step h passed in was ignored", 3.0)]})
    x = np.array([0.0, 1.0, 2.0])
    value = call(fn, name, (np.sin, x, 1e-5), ("f", "x", "h"))
    expect_close(value, np.cos(x), name=f"{name}(np.sin, [0, 1, 2])", rtol=1e-4, atol=1e-4)
    passed(name)


def check_forward_difference(forward_difference) -> None:
    """Check (f(x + h) - f(x)) / h on x^3 at 1 with h = 0.1, and on sin over an array."""
    _check_difference(forward_difference, "forward_difference", 3.31, 3.01, "central")


def check_central_difference(central_difference) -> None:
    """Check (f(x + h) - f(x - h)) / 2h on x^3 at 1 with h = 0.1, and on sin over an array."""
    _check_difference(central_difference, "central_difference", 3.01, 3.31, "forward")


def check_difference_errors(difference_errors) -> None:
    """Check the errors of both differences for sin at x = 1 with steps 0.1, 0.01, 0.001."""
    result = call(difference_errors, "difference_errors", (np.sin, np.cos, 1.0, [0.1, 0.01, 0.001]),
                  ("f", "df", "x", "hs"))
    # |(sin(1 + h) - sin(1)) / h - cos(1)| and |(sin(1 + h) - sin(1 - h)) / 2h - cos(1)|
    forward = np.array([4.29386e-02, 4.21632e-03, 4.20826e-04])
    central = np.array([9.00054e-04, 9.00499e-06, 9.00505e-08])
    expect_close(result, (forward, central), name="difference_errors(np.sin, np.cos, 1.0, [0.1, 0.01, 0.001])",
                 output_names=("forward_errors", "central_errors"), rtol=1e-4, atol=1e-12,
                 mistakes={"forward_errors": [("forward and central errors are swapped", central)],
                           "central_errors": [("forward and central errors are swapped", forward)]})
    passed("difference_errors")


_Z = np.array([-3.0, -0.5, 0.5, 2.0])


def _check_activation_grad(fn, name, activation, extra=()):
    value = call(fn, name, (_Z.copy(),), ("z",))
    expect_close(value, num_derivative(activation, _Z), name=f"{name}({_Z.tolist()})", rtol=1e-6, atol=1e-9)
    for z, expected in extra:
        value = call(fn, name, (z,), ("z",))
        expect_close(value, expected, name=f"{name}({z})", atol=0, rtol=0)
    passed(name)


def check_sigmoid_grad(sigmoid_grad) -> None:
    """Compare sigmoid_grad with central differences of the sigmoid at four points."""
    _check_activation_grad(sigmoid_grad, "sigmoid_grad", lambda z: 1 / (1 + np.exp(-z)))


def check_tanh_grad(tanh_grad) -> None:
    """Compare tanh_grad with central differences of tanh at four points."""
    _check_activation_grad(tanh_grad, "tanh_grad", np.tanh)


def check_relu_grad(relu_grad) -> None:
    """Compare relu_grad with central differences away from 0, and check relu_grad(0.0) == 0."""
    _check_activation_grad(relu_grad, "relu_grad", lambda z: np.maximum(z, 0), extra=[(0.0, 0.0)])


def check_leaky_relu_grad(leaky_relu_grad) -> None:
    """Compare leaky_relu_grad with central differences away from 0, and check the value alpha at 0."""
    _check_activation_grad(leaky_relu_grad, "leaky_relu_grad", lambda z: np.where(z > 0, z, 0.01 * z),
                           extra=[(0.0, 0.01)])


def check_composite_and_grad(composite_and_grad) -> None:
    """Check f at x = 1 and x = -0.5, and df/dx against central differences of your own f."""
    for x, f_expected in [(1.0, 1.0900122), (-0.5, 1.2753204)]:
        f, dfdx = _pair(call(composite_and_grad, "composite_and_grad", (x,), ("x",)))
        expect_close(f, f_expected, name=f"f at x = {x}", rtol=1e-6)

        def learner_f(v):
            return _pair(call(composite_and_grad, "composite_and_grad", (float(v),), ("x",)))[0]
        expect_close(dfdx, num_derivative(learner_f, x), name=f"df/dx at x = {x}", rtol=1e-6, atol=1e-8,
                     mistakes={f"df/dx at x = {x}": [("the factor 2x of d(x^2)/dx is missing",
                                                      num_derivative(learner_f, x) / (2 * x))]})
    passed("composite_and_grad")


def _pair(result):
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"composite_and_grad should return a tuple (f, dfdx), but it returned {result!r}.")
    return result
