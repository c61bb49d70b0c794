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

__all__ = ["COMPOSITE_MISTAKES", "activation_mistakes", "denominator_mistake", "check_central_difference", "check_composite_and_grad",
           "check_difference_errors", "check_forward_difference", "check_leaky_relu_grad", "check_relu_grad",
           "check_sigmoid_grad", "check_tanh_grad"]


def _cube(x):
    return x ** 3


def denominator_mistake(name: str, right):
    """The wrong denominator of a difference quotient: h where 2h belongs (central) or 2h where h belongs."""
    if name == "central_difference":
        return ("the difference was divided by h where 2h belongs: an extra factor 2", 2 * np.asarray(right))
    return ("the difference was divided by 2h where h belongs: a factor 2 is missing", np.asarray(right) / 2)


def _check_difference(fn, name, at_tenth, other_value, other_name, h_ignored):
    # x^3 at x = 1 with h = 0.1: forward gives 3.31, central 3.01, backward 2.71 (exact: 3);
    # with h = 1e-5 instead, forward gives 3.0000300001 and central 3.0000000001.
    value = call(fn, name, (_cube, 1.0, 0.1), ("f", "x", "h"))
    expect_close(value, at_tenth, name=f"{name}(cube, 1.0, h=0.1)", rtol=1e-9,
                 mistakes={f"{name}(cube, 1.0, h=0.1)": [
                     (f"this is the {other_name} difference", other_value),
                     ("this is the backward difference (f(x) - f(x - h)) / h", 2.71),
                     ("the step h passed in was ignored", h_ignored),
                     denominator_mistake(name, at_tenth)]})
    x = np.array([0.0, 1.0, 2.0])
    value = call(fn, name, (np.sin, x, 1e-5), ("f", "x", "h"))
    expect_close(value, np.cos(x), name=f"{name}(np.sin, [0, 1, 2])", rtol=1e-4, atol=1e-4,
                 mistakes={f"{name}(np.sin, [0, 1, 2])": [denominator_mistake(name, np.cos(x))]})
    passed(name)


def check_forward_difference(forward_difference) -> None:
    """Check (f(x + h) - f(x)) / h on x^3 at 1 with h = 0.1, and on sin over an array."""
    _check_difference(forward_difference, "forward_difference", 3.31, 3.01, "central", 3.0000300001)


def check_central_difference(central_difference) -> None:
    """Check (f(x + h) - f(x - h)) / 2h on x^3 at 1 with h = 0.1, and on sin over an array."""
    _check_difference(central_difference, "central_difference", 3.01, 3.31, "forward", 3.0000000001)


def check_difference_errors(difference_errors) -> None:
    """Check the errors of both differences for sin at x = 1 with steps 0.1, 0.01, 0.001."""
    result = call(difference_errors, "difference_errors", (np.sin, np.cos, 1.0, [0.1, 0.01, 0.001]),
                  ("f", "df", "x", "hs"))
    # |(sin(1 + h) - sin(1)) / h - cos(1)| and |(sin(1 + h) - sin(1 - h)) / 2h - cos(1)|
    forward = np.array([4.29386e-02, 4.21632e-03, 4.20826e-04])
    central = np.array([9.00054e-04, 9.00499e-06, 9.00505e-08])

    def others(errors):  # both estimates lie below cos(1) here, so the signed errors are negative
        return [("the error is signed: take the absolute value", -errors),
                ("these are relative errors: return the absolute errors |estimate - df(x)|", errors / np.cos(1.0))]
    expect_close(result, (forward, central), name="difference_errors(np.sin, np.cos, 1.0, [0.1, 0.01, 0.001])",
                 output_names=("forward_errors", "central_errors"), rtol=1e-4, atol=1e-12,
                 mistakes={"forward_errors": [("forward and central errors are swapped", central), *others(forward)],
                           "central_errors": [("forward and central errors are swapped", forward), *others(central)]})
    passed("difference_errors")


_Z = np.array([-3.0, -0.5, 0.5, 2.0])


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def activation_mistakes(name: str, z, alpha: float = 0.01) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of the activation derivative ``name`` at ``z``, as (description, value).

    Shared by these visible checks and the hidden tests; they are wrong answers only.
    """
    z = np.asarray(z, dtype=np.float64)
    kink = "use z > 0, not z >= 0"
    return {
        "sigmoid_grad": [
            ("the formula s(1 - s) was applied to z itself: s must be sigmoid(z)", z * (1 - z)),
            ("this is sigmoid(z), not its derivative (or the factor (1 - sigmoid(z)) is missing)", _sigmoid(z)),
            ("the square in the denominator is missing: the derivative is e^-z / (1 + e^-z)**2", 1 - _sigmoid(z))],
        "tanh_grad": [
            ("1 - t^2 was applied to z itself: t must be tanh(z)", 1 - z ** 2),
            ("this is tanh(z), not its derivative", np.tanh(z)),
            ("the square is missing: the derivative is 1 - tanh(z)**2", 1 - np.tanh(z))],
        "relu_grad": [
            (f"at the kink z = 0 the derivative is taken as 0 in this course: {kink}", (z >= 0).astype(float)),
            ("this is relu(z) = max(0, z), not its derivative", np.maximum(z, 0)),
            ("the two sides are swapped: the derivative is 1 for z > 0 and 0 for z <= 0", (z <= 0).astype(float))],
        "leaky_relu_grad": [
            (f"at the kink z = 0 the slope should be alpha: {kink}", np.where(z >= 0, 1.0, alpha)),
            ("the alpha passed in was ignored (0.01 was used)", np.where(z > 0, 1.0, 0.01)),
            ("the slope for z <= 0 should be alpha, not 0", (z > 0).astype(float)),
            ("alpha was multiplied by z: for z <= 0 the derivative of alpha * z is alpha itself",
             np.where(z > 0, 1.0, alpha * z))],
    }[name]


def _check_activation_grad(fn, name, activation, extra=()):
    label = f"{name}({_Z.tolist()})"
    value = call(fn, name, (_Z.copy(),), ("z",))
    expect_close(value, num_derivative(activation, _Z), name=label, rtol=1e-6, atol=1e-9,
                 mistakes={label: activation_mistakes(name, _Z)})
    for args, expected in extra:
        label = f"{name}({', '.join(map(repr, args))})"
        value = call(fn, name, args, ("z", "alpha")[:len(args)])
        expect_close(value, expected, name=label, atol=0, rtol=0,
                     mistakes={label: activation_mistakes(name, args[0], *args[1:])})
    passed(name)


def check_sigmoid_grad(sigmoid_grad) -> None:
    """Compare sigmoid_grad with central differences of the sigmoid at four points."""
    _check_activation_grad(sigmoid_grad, "sigmoid_grad", _sigmoid)


def check_tanh_grad(tanh_grad) -> None:
    """Compare tanh_grad with central differences of tanh at four points."""
    _check_activation_grad(tanh_grad, "tanh_grad", np.tanh)


def check_relu_grad(relu_grad) -> None:
    """Compare relu_grad with central differences away from 0, and check relu_grad(0.0) == 0."""
    _check_activation_grad(relu_grad, "relu_grad", lambda z: np.maximum(z, 0), extra=[((0.0,), 0.0)])


def check_leaky_relu_grad(leaky_relu_grad) -> None:
    """Compare leaky_relu_grad with central differences away from 0; check alpha at 0 and a given alpha."""
    _check_activation_grad(leaky_relu_grad, "leaky_relu_grad", lambda z: np.where(z > 0, z, 0.01 * z),
                           extra=[((0.0,), 0.01), ((np.array([-2.0, 0.0, 2.0]), 0.2), np.array([0.2, 0.2, 1.0]))])


_TWO_PATHS = "(gradients from two paths must be summed)"
#: The known mistakes in df/dx of the composite, by a short key (the hidden tests use the same texts). The stages
#: are u1 = x^2, u2 = exp(u1), u3 = u1 + u2, u4 = sqrt(u3), u5 = cos(u3), u6 = u4 + u5 = f(x).
COMPOSITE_MISTAKES = {
    "no_2x": "the factor 2x of d(x^2)/dx is missing",
    "no_path_u2": f"the path through u2 = exp(u1) was not added {_TWO_PATHS}",
    "no_direct_u1": f"the direct path from u1 to u3 = u1 + u2 was not added {_TWO_PATHS}",
    "no_path_u5": f"the path through u5 = cos(u3) was not added {_TWO_PATHS}",
    "no_path_u4": f"the path through u4 = sqrt(u3) was not added {_TWO_PATHS}",
    "sin_sign": "the sign of the sin term is wrong: the derivative of cos is minus sin",
    "no_half": "the factor 1/2 of the square root's derivative is missing",
}
# The wrong df/dx that each mistake gives at the two visible points (fixed numbers, no formulas).
_COMPOSITE_WRONG_VALUES = {
    "no_path_u2": {1.0: 1.609098738, -0.5: 0.5956286951},
    "no_direct_u1": {1.0: 4.373983858, -0.5: 0.7648023835},
    "no_path_u5": {1.0: 1.928284686, -0.5: -0.9220503969},
    "no_path_u4": {1.0: 4.05479791, -0.5: 2.282481475},
    "sin_sign": {1.0: -2.126513225, -0.5: -3.204531872},
    "no_half": {1.0: 7.911367281, -0.5: 0.4383806817},
}


def check_composite_and_grad(composite_and_grad) -> None:
    """Check f at x = 1 and x = -0.5, and df/dx against central differences of your own f."""
    for x, f_expected in [(1.0, 1.0900122), (-0.5, 1.2753204)]:
        f, dfdx = _pair(call(composite_and_grad, "composite_and_grad", (x,), ("x",)))
        expect_close(f, f_expected, name=f"f at x = {x}", rtol=1e-6)

        def learner_f(v):
            return _pair(call(composite_and_grad, "composite_and_grad", (float(v),), ("x",)))[0]
        numerical = num_derivative(learner_f, x)
        mistakes = [(COMPOSITE_MISTAKES["no_2x"], numerical / (2 * x))]
        mistakes += [(COMPOSITE_MISTAKES[key], values[x]) for key, values in _COMPOSITE_WRONG_VALUES.items()]
        expect_close(dfdx, numerical, name=f"df/dx at x = {x}", rtol=1e-6, atol=1e-8,
                     mistakes={f"df/dx at x = {x}": mistakes})
    passed("composite_and_grad")


def _pair(result):
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"composite_and_grad should return a tuple (f, dfdx), but it returned {result!r}.")
    return result
