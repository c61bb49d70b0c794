"""Hidden tests of notebook 01, scalar derivatives."""
from __future__ import annotations

import numpy as np

from chainrule.visible.scalar_derivatives import COMPOSITE_MISTAKES, activation_mistakes, denominator_mistake

from .. import scalar_derivatives as ref
from ..spec import Case, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "01-scalar-derivatives"


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
                       ("this is the backward difference (f(x) - f(x - h)) / h, not the one asked for",
                        (f(x) - f(x - h)) / h),
                       ("the step h passed in was ignored (h = 1e-5 was used instead)", right(f, x, 1e-5)),
                       denominator_mistake(name, right(f, x, h))]}
    return mistakes


def _errors_mistakes(inputs):
    f, df, x, hs = inputs["f"], inputs["df"], inputs["x"], inputs["hs"]
    forward, central = ref.difference_errors(f, df, x, hs)
    fwd = np.array([(f(x + h) - f(x)) / h - df(x) for h in hs])
    cen = np.array([(f(x + h) - f(x - h)) / (2 * h) - df(x) for h in hs])
    swapped = "the two arrays are swapped: return (forward_errors, central_errors)"
    relative = "these are relative errors: return the absolute errors |estimate - df(x)|"
    exact = abs(df(x))
    return {"forward_errors": [("the error is signed: take the absolute value", fwd), (swapped, central),
                               (relative, forward / exact)],
            "central_errors": [("the error is signed: take the absolute value", cen), (swapped, forward),
                               (relative, central / exact)]}


def _activation_cases(kinks):
    return (
        Case("an array of shape (4, 3)", lambda rng: {"z": rng.normal(0, 2, (4, 3))}),
        Case("a float", lambda rng: {"z": float(rng.uniform(-3, 3))}),
        Case(f"values at and around the kink, {kinks}", lambda rng: {"z": np.array(kinks, dtype=np.float64)}),
        Case("float32 values of shape (5,)", lambda rng: {"z": rng.normal(0, 3, 5).astype(np.float32)},
             rtol=1e-4, atol=1e-6),
        Case("large values +-40", lambda rng: {"z": np.array([-40.0, -25.0, 25.0, 40.0])}, atol=1e-12),
    )


def _activation_mistakes(name):
    def mistakes(inputs):
        return {name: activation_mistakes(name, inputs["z"], inputs.get("alpha", 0.01))}
    return mistakes


def _composite_mistakes(inputs):
    x = inputs["x"]
    u2 = np.exp(x ** 2)
    u3 = x ** 2 + u2
    via_u4, via_u5 = 1 / (2 * np.sqrt(u3)), -np.sin(u3)   # the two paths from u3, per unit of du3
    wrong = {
        "no_2x": (1 + u2) * (via_u4 + via_u5),
        "no_path_u2": 2 * x * (via_u4 + via_u5),
        "no_direct_u1": 2 * x * u2 * (via_u4 + via_u5),
        "no_path_u5": 2 * x * (1 + u2) * via_u4,
        "no_path_u4": 2 * x * (1 + u2) * via_u5,
        "sin_sign": 2 * x * (1 + u2) * (via_u4 - via_u5),
        "no_half": 2 * x * (1 + u2) * (2 * via_u4 + via_u5),
    }
    return {"dfdx": [(COMPOSITE_MISTAKES[key], value) for key, value in wrong.items()]}


TESTS = [
    HiddenTest(
        "forward_difference", ("forward_difference",), _difference_cases(),
        mistakes=_difference_mistakes("forward_difference", ref.forward_difference, ref.central_difference,
                                      "central"),
        rtol=1e-6, atol=1e-8),
    HiddenTest(
        "central_difference", ("central_difference",), _difference_cases(),
        mistakes=_difference_mistakes("central_difference", ref.central_difference, ref.forward_difference,
                                      "forward"),
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
        outputs=("forward_errors", "central_errors"), mistakes=_errors_mistakes, rtol=1e-5, atol=1e-9,
        points=2),
    HiddenTest("sigmoid_grad", ("sigmoid_grad",), _activation_cases([-1.0, 0.0, 1.0]),
               mistakes=_activation_mistakes("sigmoid_grad")),
    HiddenTest("tanh_grad", ("tanh_grad",), _activation_cases([-1.0, 0.0, 1.0]),
               mistakes=_activation_mistakes("tanh_grad")),
    HiddenTest("relu_grad", ("relu_grad",), _activation_cases([-1e-3, 0.0, 1e-3, 0.0]),
               mistakes=_activation_mistakes("relu_grad")),
    HiddenTest(
        "leaky_relu_grad", ("leaky_relu_grad",),
        _activation_cases([-1e-3, 0.0, 1e-3]) + (
            Case("alpha = 0.2 passed in", lambda rng: {"z": rng.normal(0, 1, (2, 3)), "alpha": 0.2}),
            Case("alpha = 0.1 at the kink", lambda rng: {"z": np.array([-2.0, 0.0, 2.0]), "alpha": 0.1})),
        mistakes=_activation_mistakes("leaky_relu_grad")),
    HiddenTest(
        "composite_and_grad", ("composite_and_grad",),
        tuple(Case(f"x drawn from {lo, hi}", lambda rng, lo=lo, hi=hi: {"x": float(rng.uniform(lo, hi))})
              for lo, hi in [(-1.5, -0.5), (0.2, 1.0), (1.0, 1.6)]) + (Case("x = 0", lambda rng: {"x": 0.0}),),
        outputs=("f", "dfdx"), mistakes=_composite_mistakes, rtol=1e-7, points=3),
]
