"""Hidden tests of notebook 01, scalar derivatives."""
from __future__ import annotations

import numpy as np

from .. import scalar_derivatives as ref
from ..spec import Case, HiddenTest

__all__ = ["TESTS"]


def wave(x):
    """A smooth test function the learner has not seen: sin(3x) exp(x/2)."""
    return np.sin(3 * x) * np.exp(x / 2)


def wave_prime(x):
    """The exact derivative of :func:`wave`."""
    return (3 * np.cos(3 * x) + 0.5 * np.sin(3 * x)) * np.exp(x / 2)


def cubic(x):
    """x^3 - 2x, whose forward difference has a large truncation error."""
    return x ** 3 - 2 * x


def cubic_prime(x):
    """The exact derivative of :func:`cubic`."""
    return 3 * x ** 2 - 2


def _difference_cases():
    return (
        Case("a float x, h = 1e-3", lambda rng: {"f": cubic, "x": float(rng.uniform(0.5, 2)), "h": 1e-3}),
        Case("an array x of shape (3, 4), h = 1e-4",
             lambda rng: {"f": wave, "x": rng.uniform(-2, 2, (3, 4)), "h": 1e-4}),
        Case("an array x of shape (1,), h = 0.1", lambda rng: {"f": np.exp, "x": rng.uniform(-1, 1, 1), "h": 0.1}),
        Case("a float x, large h = 0.5", lambda rng: {"f": cubic, "x": float(rng.uniform(-2, -1)), "h": 0.5}),
    )


def _difference_mistakes(name, right, other, other_name):
    def mistakes(inputs):
        f, x, h = inputs["f"], inputs["x"], inputs["h"]
        return {name: [(f"this is the {other_name} difference, not the one asked for", other(f, x, h)),
                       ("the step h passed in was ignored (h = 1e-5 was used instead)", right(f, x, 1e-5))]}
    return mistakes


def _errors_mistakes(inputs):
    f, df, x, hs = inputs["f"], inputs["df"], inputs["x"], inputs["hs"]
    forward, central = ref.difference_errors(f, df, x, hs)
    fwd = np.array([(f(x + h) - f(x)) / h - df(x) for h in hs])
    cen = np.array([(f(x + h) - f(x - h)) / (2 * h) - df(x) for h in hs])
    swapped = "the two arrays are swapped: return (forward_errors, central_errors)"
    return {"forward_errors": [("the error is signed: take the absolute value", fwd), (swapped, central)],
            "central_errors": [("the error is signed: take the absolute value", cen), (swapped, forward)]}


def _activation_cases(kinks):
    return (
        Case("an array of shape (4, 3)", lambda rng: {"z": rng.normal(0, 2, (4, 3))}),
        Case("a float", lambda rng: {"z": float(rng.uniform(-3, 3))}),
        Case(f"values at and around the kink, {kinks}", lambda rng: {"z": np.array(kinks, dtype=np.float64)}),
        Case("float32 values of shape (5,)", lambda rng: {"z": rng.normal(0, 3, 5).astype(np.float32)},
             rtol=1e-4, atol=1e-6),
        Case("large values +-40", lambda rng: {"z": np.array([-40.0, -25.0, 25.0, 40.0])}, atol=1e-12),
    )


def _z(inputs):
    return np.asarray(inputs["z"], dtype=np.float64)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


TESTS = [
    HiddenTest(
        "forward_difference", ("forward_difference",), _difference_cases(),
        mistakes=_difference_mistakes("forward_difference", ref.forward_difference,
                                                 ref.central_difference, "central"),
        rtol=1e-6, atol=1e-8),
    HiddenTest(
        "central_difference", ("central_difference",), _difference_cases(),
        mistakes=_difference_mistakes("central_difference", ref.central_difference,
                                                 ref.forward_difference, "forward"),
        rtol=1e-6, atol=1e-8),
    HiddenTest(
        "difference_errors", ("difference_errors",),
        (Case("f = wave at a random x, six steps",
              lambda rng: {"f": wave, "df": wave_prime, "x": float(rng.uniform(-1, 1)),
                           "hs": [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]}),
         Case("f = cubic, steps given as an array",
              lambda rng: {"f": cubic, "df": cubic_prime, "x": float(rng.uniform(1, 2)),
                           "hs": np.logspace(-1, -4, 4)}),
         Case("a single step", lambda rng: {"f": np.exp, "df": np.exp, "x": 0.3, "hs": [0.05]})),
        outputs=("forward_errors", "central_errors"), mistakes=_errors_mistakes, rtol=1e-5, atol=1e-9),
    HiddenTest(
        "sigmoid_grad", ("sigmoid_grad",), _activation_cases([-1.0, 0.0, 1.0]),
        mistakes=lambda i: {"sigmoid_grad": [
            ("the formula s(1 - s) was applied to z itself: s must be sigmoid(z)", _z(i) * (1 - _z(i))),
            ("this is sigmoid(z), not its derivative", _sigmoid(_z(i))),
            ("the factor (1 - sigmoid(z)) is missing", _sigmoid(_z(i)))]}),
    HiddenTest(
        "tanh_grad", ("tanh_grad",), _activation_cases([-1.0, 0.0, 1.0]),
        mistakes=lambda i: {"tanh_grad": [
            ("1 - t^2 was applied to z itself: t must be tanh(z)", 1 - _z(i) ** 2),
            ("this is tanh(z), not its derivative", np.tanh(_z(i))),
            ("the square is missing: the derivative is 1 - tanh(z)**2", 1 - np.tanh(_z(i)))]}),
    HiddenTest(
        "relu_grad", ("relu_grad",), _activation_cases([-1e-3, 0.0, 1e-3, 0.0]),
        mistakes=lambda i: {"relu_grad": [
            ("at the kink z = 0 the derivative is taken as 0 in this course: use z > 0, not z >= 0",
             (_z(i) >= 0).astype(float)),
            ("this is relu(z) = max(0, z), not its derivative", np.maximum(_z(i), 0))]}),
    HiddenTest(
        "leaky_relu_grad", ("leaky_relu_grad",),
        _activation_cases([-1e-3, 0.0, 1e-3]) + (
            Case("alpha = 0.2 passed in", lambda rng: {"z": rng.normal(0, 1, (2, 3)), "alpha": 0.2}),
            Case("alpha = 0.1 at the kink", lambda rng: {"z": np.array([-2.0, 0.0, 2.0]), "alpha": 0.1})),
        mistakes=lambda i: {"leaky_relu_grad": [
            ("at the kink z = 0 the slope should be alpha: use z > 0, not z >= 0",
             np.where(_z(i) >= 0, 1.0, i.get("alpha", 0.01))),
            ("the alpha passed in was ignored (0.01 was used)", np.where(_z(i) > 0, 1.0, 0.01)),
            ("the slope for z <= 0 should be alpha, not 0", (_z(i) > 0).astype(float))]}),
    HiddenTest(
        "composite_and_grad", ("composite_and_grad",),
        tuple(Case(f"x drawn from {lo, hi}", lambda rng, lo=lo, hi=hi: {"x": float(rng.uniform(lo, hi))})
              for lo, hi in [(-1.5, -0.5), (0.2, 1.0), (1.0, 1.6)]) + (Case("x = 0", lambda rng: {"x": 0.0}),),
        outputs=("f", "dfdx"),
        mistakes=lambda i: {"dfdx": [
            ("the factor 2x of d(x^2)/dx is missing", ref.composite_and_grad(i["x"])[1] / (2 * i["x"] or 1)),
            ("the path through exp(x^2) was not added (gradients from two paths must be summed)",
             (1 / (2 * np.sqrt(i["x"] ** 2 + np.exp(i["x"] ** 2))) - np.sin(i["x"] ** 2 + np.exp(i["x"] ** 2)))
             * 2 * i["x"]),
        ]}, rtol=1e-7),
]
