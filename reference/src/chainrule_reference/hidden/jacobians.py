"""Hidden tests of notebook 03, gradients and Jacobians.

Every test is judged by :func:`chainrule.visible.jacobians.expect_close_with_hints`, so that
besides the known mistakes of each function (the same texts as the visible checks) a failure
can name what only shows in the answer itself: NaNs from an unstable softmax, the small errors
of float32 arithmetic in the numerical helpers. Tolerances depend on the dtype of the inputs.

The function handed to the numerical helpers is an :class:`EntryWatcher`: a helper that leaves
an entry of ``x`` perturbed, or moves all entries at once, fails with a message that says so;
one that perturbs ``x`` in place and puts every entry back exactly passes.
"""
from __future__ import annotations

import numpy as np

from chainrule.checking import CheckFailure
from chainrule.visible.jacobians import (EntryWatcher, chain_jacobian_mistakes, chain_order_hint,
                                         elementwise_jacobian_mistakes, expect_close_with_hints, float32_hint,
                                         gram_derivative_mistakes, numerical_gradient_mistakes,
                                         numerical_jacobian_mistakes, polar_jacobian_mistakes,
                                         quadratic_form_mistakes, softmax_hints,
                                         softmax_jacobian_mistakes)

from ..spec import Case, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "03-gradients-and-jacobians"


# ---- functions handed to the numerical helpers (module-level classes: picklable) ----------------

class _SameArrays:
    """Value equality for the function objects below, so two draws of a case compare equal."""

    def __eq__(self, other):
        return type(other) is type(self) and all(np.array_equal(a, b) for a, b in
                                                 zip(vars(self).values(), vars(other).values()))

    __hash__ = None


class JacobianList(list):
    """A plain list of arrays that compares by value (``==`` of two lists of arrays is ambiguous)."""

    def __eq__(self, other):
        return (isinstance(other, list) and len(self) == len(other)
                and all(np.array_equal(a, b) for a, b in zip(self, other)))

    __hash__ = None


class LogSumExpCubic(_SameArrays):
    """f(x) = log(sum(exp(C * x))) + sum(x^3) / 3 for x of C's shape: every entry couples to every other."""

    __name__ = "logsumexp_cubic"

    def __init__(self, C):
        self.C = np.asarray(C, dtype=np.float64)

    def __call__(self, x):
        z = self.C * x
        top = np.max(z)
        return float(top + np.log(np.sum(np.exp(z - top))) + np.sum(x ** 3) / 3)


class TanhLayer(_SameArrays):
    """f(x) = tanh(W x + b) + (W x)^2 / 4 for a 1-D x of length n; W is (m, n)."""

    __name__ = "tanh_layer"

    def __init__(self, W, b):
        self.W = np.asarray(W, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)

    def __call__(self, x):
        z = self.W @ x
        return np.tanh(z + self.b) + 0.25 * z ** 2


def _watched(fn, x, h=None):
    """The inputs of a numerical helper's case: f watched around x; h left out for the default."""
    inputs = {"f": EntryWatcher(fn, x, 1e-5 if h is None else h, name=fn.__name__), "x": x}
    if h is not None:
        inputs["h"] = h
    return inputs


def _gradient_case(shape, h=None, dtype=np.float64, dyadic=False):
    def draw(rng):
        if dyadic:  # multiples of 1/32: x + h - 2h + h is exactly x for a power-of-two h
            x = rng.integers(-48, 48, shape) / 32.0
        else:
            x = rng.uniform(-1.5, 1.5, shape)
        return _watched(LogSumExpCubic(rng.uniform(-2, 2, shape)), x.astype(dtype), h)
    return draw


def _jacobian_case(n, m, h=None, dtype=np.float64, dyadic=False):
    def draw(rng):
        x = rng.integers(-48, 48, n) / 32.0 if dyadic else rng.uniform(-1.5, 1.5, n)
        return _watched(TanhLayer(rng.normal(0, 1, (m, n)), rng.normal(0, 0.5, m)), x.astype(dtype), h)
    return draw


# ---- judging -----------------------------------------------------------------------------------

def _is_float32(inputs) -> bool:
    def f32(v):
        if isinstance(v, (list, tuple)):
            return any(f32(u) for u in v)
        return isinstance(v, np.ndarray) and v.dtype == np.float32
    return any(f32(v) for v in inputs.values())


def _judge(name, mistakes, hints=lambda inputs, expected: (), tol64=(1e-9, 1e-12), tol32=(1e-5, 1e-6)):
    """A judge: expect_close_with_hints with the known mistakes, tolerances by dtype."""
    def judge(actual, expected, inputs):
        rtol, atol = tol32 if _is_float32(inputs) else tol64
        expect_close_with_hints(actual, expected, name=name, rtol=rtol, atol=atol, mistakes=mistakes(inputs),
                                hints=list(hints(inputs, expected)))
    return judge


def _numerical_mistakes(which):
    def mistakes(inputs):
        fn, x, h = inputs["f"].fn, inputs["x"], inputs.get("h", 1e-5)
        return (numerical_gradient_mistakes if which == "gradient" else numerical_jacobian_mistakes)(fn, x, h)
    return mistakes


def _float32_hints(inputs, expected):
    return [float32_hint(inputs["x"], expected)]


def _chain_call(impl, inputs):
    """chain_jacobian on the list; an error about shapes gets the hint about the order of the product."""
    try:
        return impl["chain_jacobian"](inputs["jacobians"])
    except CheckFailure as failure:
        if "raised ValueError" in str(failure):
            raise CheckFailure(f"{failure}\n  Likely mistake: {chain_order_hint(inputs['jacobians'])}.") \
                from failure.__cause__
        raise


def tanh_prime(x):
    """tanh'(x) = 1 - tanh(x)^2."""
    return 1 - np.tanh(x) ** 2


def sigmoid_prime(x):
    """sigmoid'(x) = s (1 - s)."""
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return s * (1 - s)


def _square_chain(rng, k, n, dtype=np.float64):
    return [rng.normal(0, 1, (n, n)).astype(dtype) for _ in range(k)]


TESTS = [
    HiddenTest(
        "numerical_gradient", ("numerical_gradient",),
        (Case("x of shape (3, 4), h = 2**-10", _gradient_case((3, 4), h=2.0 ** -10, dyadic=True)),
         Case("x of shape (2, 3, 2), the default h", _gradient_case((2, 3, 2))),
         Case("x of shape (1,), h = 1e-3", _gradient_case((1,), h=1e-3)),
         Case("x of shape (1, 1), h = 1e-4", _gradient_case((1, 1), h=1e-4)),
         Case("a float32 x of shape (4,), the default h", _gradient_case((4,), dtype=np.float32)),
         Case("x of shape (5,), a large h = 0.1", _gradient_case((5,), h=0.1))),
        judge=_judge("numerical_gradient", _numerical_mistakes("gradient"), _float32_hints,
                     tol64=(1e-6, 1e-8), tol32=(1e-6, 1e-8)),
        points=2),
    HiddenTest(
        "polar_jacobian", ("polar_jacobian",),
        (Case("r = 1.7, phi = 0.9", lambda rng: {"r": 1.7, "phi": 0.9}),
         Case("a random point, r in [0.5, 3], phi in [-pi, pi]",
              lambda rng: {"r": float(rng.uniform(0.5, 3.0)), "phi": float(rng.uniform(-np.pi, np.pi))}),
         Case("a negative radius r = -1.2, phi = 2.5", lambda rng: {"r": -1.2, "phi": 2.5}),
         Case("the origin r = 0, phi = 1", lambda rng: {"r": 0.0, "phi": 1.0}),
         Case("a large angle phi = 10, r = 3", lambda rng: {"r": 3.0, "phi": 10.0})),
        judge=_judge("polar_jacobian", lambda i: polar_jacobian_mistakes(i["r"], i["phi"]),
                     tol64=(1e-9, 1e-12))),
    HiddenTest(
        "numerical_jacobian", ("numerical_jacobian",),
        (Case("n = 3 inputs, m = 2 outputs, h = 2**-12", _jacobian_case(3, 2, h=2.0 ** -12, dyadic=True)),
         Case("n = 2, m = 4, the default h", _jacobian_case(2, 4)),
         Case("n = 1 input, m = 3", _jacobian_case(1, 3, h=1e-4)),
         Case("n = 4, m = 1 output", _jacobian_case(4, 1)),
         Case("n = m = 3, h = 1e-3", _jacobian_case(3, 3, h=1e-3)),
         Case("a float32 x, n = 3, m = 2, the default h", _jacobian_case(3, 2, dtype=np.float32))),
        judge=_judge("numerical_jacobian", _numerical_mistakes("jacobian"), _float32_hints,
                     tol64=(1e-6, 1e-8), tol32=(1e-6, 1e-8)),
        points=2),
    HiddenTest(
        "elementwise_jacobian", ("elementwise_jacobian",),
        (Case("tanh' at x of length 5", lambda rng: {"fprime": tanh_prime, "x": rng.normal(0, 1.5, 5)}),
         Case("np.cos at x of length 1", lambda rng: {"fprime": np.cos, "x": rng.uniform(-2, 2, 1)}),
         Case("sigmoid' at a float32 x of length 4",
              lambda rng: {"fprime": sigmoid_prime, "x": rng.normal(0, 2, 4).astype(np.float32)}),
         Case("np.cos at x = [0, -1, 2.5]", lambda rng: {"fprime": np.cos, "x": np.array([0.0, -1.0, 2.5])})),
        judge=_judge("elementwise_jacobian", lambda i: elementwise_jacobian_mistakes(i["fprime"], i["x"]),
                     tol64=(1e-9, 1e-12), tol32=(1e-5, 1e-7))),
    HiddenTest(
        "softmax_jacobian", ("softmax_jacobian",),
        (Case("x of length 4", lambda rng: {"x": rng.normal(0, 2, 4)}),
         Case("x of length 1", lambda rng: {"x": rng.normal(0, 1, 1)}),
         Case("large logits around +1000", lambda rng: {"x": 1000 + rng.uniform(-2, 2, 4)}),
         Case("very negative logits around -1000", lambda rng: {"x": -1000 + rng.uniform(-2, 2, 3)}),
         Case("a float32 x of length 3", lambda rng: {"x": rng.normal(0, 1, 3).astype(np.float32)}),
         Case("x of length 6 with one dominant logit",
              lambda rng: {"x": np.concatenate([[8.0], rng.normal(0, 1, 5)])})),
        judge=_judge("softmax_jacobian", lambda i: softmax_jacobian_mistakes(i["x"]), lambda i, e: softmax_hints(),
                     tol64=(1e-7, 1e-12), tol32=(1e-5, 1e-7)),
        points=2),
    HiddenTest(
        "quadratic_form_gradient", ("quadratic_form_gradient",),
        (Case("non-symmetric A (4, 4), x of shape (4,)",
              lambda rng: {"A": rng.normal(0, 1, (4, 4)), "x": rng.normal(0, 1, 4)}),
         Case("non-symmetric A (3, 3), a column x of shape (3, 1)",
              lambda rng: {"A": rng.normal(0, 1, (3, 3)), "x": rng.normal(0, 1, (3, 1))}),
         Case("n = 1", lambda rng: {"A": rng.normal(0, 1, (1, 1)), "x": rng.normal(0, 1, 1)}),
         Case("float32 A (3, 3) and x (3,)",
              lambda rng: {"A": rng.normal(0, 1, (3, 3)).astype(np.float32),
                           "x": rng.normal(0, 1, 3).astype(np.float32)}),
         Case("a symmetric A (3, 3)", lambda rng: {"A": (lambda B: B + B.T)(rng.normal(0, 1, (3, 3))),
                                                   "x": rng.normal(0, 1, 3)}),
         Case("a nearly antisymmetric A (5, 5)",
              lambda rng: {"A": (lambda B: B - B.T + 0.1 * np.eye(5))(rng.normal(0, 1, (5, 5))),
                           "x": rng.normal(0, 1, 5)})),
        judge=_judge("quadratic_form_gradient", lambda i: quadratic_form_mistakes(i["A"], i["x"]),
                     tol64=(1e-9, 1e-12), tol32=(1e-4, 1e-5))),
    HiddenTest(
        "chain_jacobian", ("chain_jacobian",),
        (Case("Jacobians of shapes (2, 3), (3, 4), (4, 5)",
              lambda rng: {"jacobians": JacobianList(rng.normal(0, 1, s) for s in [(2, 3), (3, 4), (4, 5)])}),
         Case("three square 3 x 3 Jacobians", lambda rng: {"jacobians": JacobianList(_square_chain(rng, 3, 3))}),
         Case("one Jacobian of shape (2, 3)", lambda rng: {"jacobians": JacobianList([rng.normal(0, 1, (2, 3))])}),
         Case("R -> R^3 -> R: shapes (1, 3), (3, 1)",
              lambda rng: {"jacobians": JacobianList([rng.normal(0, 1, (1, 3)), rng.normal(0, 1, (3, 1))])}),
         Case("four Jacobians of shapes (1, 2), (2, 2), (2, 3), (3, 2)",
              lambda rng: {"jacobians": JacobianList(rng.normal(0, 1, s) for s in [(1, 2), (2, 2), (2, 3), (3, 2)])}),
         Case("float32 Jacobians of shapes (3, 2), (2, 2)",
              lambda rng: {"jacobians": JacobianList(rng.normal(0, 1, s).astype(np.float32)
                                                     for s in [(3, 2), (2, 2)])})),
        call=_chain_call,
        judge=_judge("chain_jacobian", lambda i: chain_jacobian_mistakes(i["jacobians"]),
                     tol64=(1e-9, 1e-12), tol32=(1e-5, 1e-6)),
        points=2),
    HiddenTest(
        "gram_derivative", ("gram_derivative",),
        (Case("R of shape (3, 2)", lambda rng: {"R": rng.normal(0, 1, (3, 2))}),
         Case("R of shape (2, 3)", lambda rng: {"R": rng.normal(0, 1, (2, 3))}),
         Case("R of shape (1, 3), M = 1", lambda rng: {"R": rng.normal(0, 1, (1, 3))}),
         Case("a square R (3, 3)", lambda rng: {"R": rng.normal(0, 1, (3, 3))}),
         Case("R of shape (4, 1), N = 1", lambda rng: {"R": rng.normal(0, 1, (4, 1))}),
         Case("a float32 R (2, 2)", lambda rng: {"R": rng.normal(0, 1, (2, 2)).astype(np.float32)})),
        judge=_judge("gram_derivative", lambda i: gram_derivative_mistakes(i["R"]),
                     tol64=(1e-9, 1e-12), tol32=(1e-6, 1e-7)),
        points=3),
]
