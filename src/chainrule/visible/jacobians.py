r"""Visible checks of notebook 03, gradients and Jacobians.

They need no reference implementation: the numerical helpers are checked
against exact derivatives of small polynomials, every analytic Jacobian against
central differences (:func:`chainrule.gradcheck.num_jacobian`), and the chain
rule against central differences of the whole composition.

The known mistakes of each exercise are named once, here, by the functions
``*_mistakes``: the visible checks and the hidden tests (which import them)
use the same words, so a learner sees the same diagnosis from both.
:class:`EntryWatcher` wraps the function handed to the numerical helpers and
stops a helper that moves several entries of ``x`` at once (an entry left
perturbed, or all entries moved together).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from ..checking import CheckFailure, call_learner, expect_close
from ..gradcheck import num_grad, num_jacobian
from ._common import call, passed

__all__ = ["EntryWatcher", "chain_jacobian_mistakes", "chain_order_hint", "check_chain_jacobian",
           "check_elementwise_jacobian", "check_gram_derivative", "check_numerical_gradient",
           "check_numerical_jacobian", "check_polar_jacobian", "check_quadratic_form_gradient",
           "check_softmax_jacobian", "elementwise_jacobian_mistakes", "expect_close_with_hints", "float32_hint",
           "gram_derivative_mistakes", "numerical_gradient_mistakes", "numerical_jacobian_mistakes",
           "polar_jacobian_mistakes", "quadratic_form_mistakes", "softmax_hints", "softmax_jacobian_mistakes"]


# ---- the function handed to the numerical helpers ------------------------------------------------

class EntryWatcher:
    """A function of ``x`` that refuses to be evaluated with several entries of ``x`` moved.

    A central difference moves ONE entry by +-h and puts it back before moving
    the next. If ``f`` is called with two or more entries more than h/2 away
    from the point ``x``, an entry was left perturbed (or all were moved at
    once): a :class:`CheckFailure` says so. Called with another shape than
    ``x``'s, it says that too.
    """

    def __init__(self, fn: Callable, x, h: float, name: str | None = None):
        self.fn = fn
        self.base = np.array(x, dtype=np.float64)
        self.h = float(h)
        self.__name__ = name or getattr(fn, "__name__", "f")

    def __eq__(self, other):
        """Equal watchers watch equal functions around the same point with the same step (a regrade's draw)."""
        return (type(other) is type(self) and self.fn == other.fn and self.h == other.h
                and np.array_equal(self.base, other.base))

    __hash__ = None

    def __call__(self, v):
        arr = np.asarray(v)
        if arr.shape != self.base.shape:
            raise CheckFailure(
                f"f was called with an array of shape {arr.shape}, but x has shape {self.base.shape}: "
                "hand f an array of x's own shape (perturb a copy of x, not a flattened or reshaped one).")
        moved = np.argwhere(np.abs(arr.astype(np.float64) - self.base) > 0.5 * self.h)
        if len(moved) > 1:
            shown = ", ".join(str(tuple(int(i) for i in idx)) for idx in moved[:3])
            raise CheckFailure(
                f"f was called with {len(moved)} entries of x moved at once (entries {shown}"
                f"{', ...' if len(moved) > 3 else ''} differ from x by about h or more). Move one entry at a "
                "time, and put it back exactly (old = x[idx]; ...; x[idx] = old) before moving the next: "
                "an entry that is not put back shifts every later difference.")
        return self.fn(v)


# ---- known mistakes, as (description, wrong value) per output name ------------------------------

def _differences(f: Callable, x, h: float, kind: str) -> np.ndarray:
    """Finite differences of ``f`` (any output shape) entry by entry, in float64: (x.size, output.size)."""
    x = np.array(x, dtype=np.float64)
    rows = []
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.array(f(x), dtype=np.float64).ravel()
        x[idx] = old - h
        minus = np.array(f(x), dtype=np.float64).ravel()
        x[idx] = old
        centre = np.array(f(x), dtype=np.float64).ravel()
        rows.append({"forward": (plus - centre) / h, "backward": (centre - minus) / h,
                     "central": (plus - minus) / (2 * h), "no_brackets": plus - minus / (2 * h),
                     "over_h": (plus - minus) / h}[kind])
    return np.array(rows)


_FORWARD = "this is the forward difference (f(x + h) - f(x)) / h: use the central one, (f(x + h) - f(x - h)) / (2h)"
_BACKWARD = "this is the backward difference (f(x) - f(x - h)) / h: use the central one"
_IGNORED_H = "the step h passed in was ignored (h = 1e-5 was used instead)"
_NO_BRACKETS = "brackets are missing: (f(x + h) - f(x - h)) / (2 * h)"
_OVER_H = "the difference was divided by h where 2h belongs: an extra factor 2 ((f(x + h) - f(x - h)) / (2h))"
_FLOAT32 = ("the differences were taken in float32, the dtype of x: x + h cannot be stored precisely in "
            "float32 (its spacing near 1 is about 1e-7). Work on a float64 copy, np.array(x, dtype=np.float64)")


def numerical_gradient_mistakes(f: Callable, x, h: float = 1e-5) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``numerical_gradient(f, x, h)``."""
    x64 = np.array(x, dtype=np.float64)
    shape = x64.shape
    found = [(_FORWARD, _differences(f, x64, h, "forward").reshape(shape)),
             (_BACKWARD, _differences(f, x64, h, "backward").reshape(shape)),
             (_NO_BRACKETS, _differences(f, x64, h, "no_brackets").reshape(shape)),
             (_OVER_H, _differences(f, x64, h, "over_h").reshape(shape))]
    if h != 1e-5:
        found.append((_IGNORED_H, _differences(f, x64, 1e-5, "central").reshape(shape)))
    if x64.ndim != 1:
        found.append(("the gradient must have the shape of x: reshape the result to x.shape",
                      _differences(f, x64, h, "central").ravel()))
    return found


def numerical_jacobian_mistakes(f: Callable, x, h: float = 1e-5) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``numerical_jacobian(f, x, h)`` (x 1-D of length n, f of length m)."""
    central = _differences(f, x, h, "central")      # (n, m): one row per input
    m, n = central.shape[1], central.shape[0]
    found = [("this is the transpose of the Jacobian (n, m), the denominator layout: in numerator layout "
              f"row i holds the derivatives of output f_i, so J has shape (m, n) = ({m}, {n})", central),
             (_FORWARD, _differences(f, x, h, "forward").T),
             (_BACKWARD, _differences(f, x, h, "backward").T),
             (_NO_BRACKETS, _differences(f, x, h, "no_brackets").T),
             (_OVER_H, _differences(f, x, h, "over_h").T)]
    if h != 1e-5:
        found.append((_IGNORED_H, _differences(f, x, 1e-5, "central").T))
    if m == 1 or n == 1:
        found.append((f"J keeps both axes even when m or n is 1: its shape is (m, n) = ({m}, {n})", central.ravel()))
    return found


def elementwise_jacobian_mistakes(fprime: Callable, x) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``elementwise_jacobian(fprime, x)``."""
    x = np.asarray(x, dtype=np.float64)
    d = np.asarray(fprime(x), dtype=np.float64)
    n = x.size
    with np.errstate(all="ignore"):
        on_matrix = np.asarray(fprime(np.diag(x)), dtype=np.float64)
    return [("this is the vector f'(x): the Jacobian is the (n, n) matrix diag(f'(x)), np.diag(...)", d),
            ("fprime was applied to the matrix diag(x): its zeros became f'(0) off the diagonal. "
             "Apply fprime to x, then build diag(fprime(x))", on_matrix),
            ("only the diagonal is non-zero: output i depends on x_i alone, so dy_i/dx_j = 0 for i != j",
             np.tile(d, (n, 1))),
            ("only the diagonal is non-zero: output i depends on x_i alone, so dy_i/dx_j = 0 for i != j",
             np.tile(d[:, None], (1, n))),
            ("fprime was not applied: the diagonal holds f'(x_i), not x_i", np.diag(x))]


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_jacobian_mistakes(x) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``softmax_jacobian(x)``."""
    s = _softmax(np.asarray(x, dtype=np.float64))
    outer = np.outer(s, s)
    return [("the term -s s^T is missing: off the diagonal the entries are -s_i s_j", np.diag(s)),
            ("the term diag(s) is missing: on the diagonal the entries are s_i - s_i^2", -outer),
            ("only the diagonal s_i (1 - s_i) is there: every softmax output depends on every input, "
             "so the off-diagonal entries -s_i s_j belong too", np.diag(s * (1 - s))),
            ("s^T s (a number) was used where the outer product s s^T (a matrix, np.outer(s, s)) belongs",
             np.diag(s) - s @ s),
            ("the softmax's own output was returned, not its Jacobian", s)]


def _nonfinite_softmax_hint(actual: Any) -> str | None:
    arr = np.asarray(actual, dtype=np.float64) if isinstance(actual, np.ndarray) else None
    if arr is not None and not np.all(np.isfinite(arr)):
        return ("np.exp overflowed (or 0/0 happened) for large logits: subtract max(x) from x before "
                "exponentiating; softmax(x - c) = softmax(x) for any number c")
    return None


def quadratic_form_mistakes(A, x) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``quadratic_form_gradient(A, x)``."""
    A = np.asarray(A, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    two = ("2 A x holds only for a symmetric A: for a general A the gradient of x^T A x is (A + A^T) x "
           "(x appears twice; each occurrence gives one term)")
    found = [(two, 2 * A @ x), (two, 2 * A.T @ x),
             ("the A^T x term is missing: x appears twice in x^T A x, and each occurrence gives one term; "
              "the gradient is A x + A^T x", A @ x),
             ("the A x term is missing: x appears twice in x^T A x; the gradient is A x + A^T x", A.T @ x)]
    if x.ndim == 2:
        found.append(("the result is a row: the gradient has the shape of x, a column (n, 1)", ((A + A.T) @ x).T))
        found.append((f"the result is flat, of shape ({x.shape[0]},): the gradient has the shape of x, a column "
                      f"{x.shape} (work on x as given, not on x.ravel() or x[:, 0])", ((A + A.T) @ x).ravel()))
    return found


def chain_jacobian_mistakes(jacobians: Sequence) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``chain_jacobian(jacobians)`` (only those whose shapes allow them)."""
    js = [np.asarray(j, dtype=np.float64) for j in jacobians]
    found = []

    def product(mats):
        out = mats[0]
        for m in mats[1:]:
            if out.shape[1] != m.shape[0]:
                return None
            out = out @ m
        return out

    reverse = product(js[::-1])
    if reverse is not None and len(js) > 1:
        found.append(("the Jacobians were multiplied in the reverse order: the list is outermost first, so the "
                      "product is J[0] @ J[1] @ ... @ J[-1]", reverse))
    transposed = product([j.T for j in js][::-1])
    if transposed is not None and len(js) > 1:
        found.append(("this is the transpose of the right product (denominator layout): keep every Jacobian "
                      "(m, n) and multiply J[0] @ J[1] @ ... @ J[-1]", transposed))
    if len(js) > 1 and all(j.shape == js[0].shape for j in js):
        elementwise = js[0].copy()
        for j in js[1:]:
            elementwise = elementwise * j
        found.append(("this is the elementwise product: the chain rule multiplies matrices, with @", elementwise))
    if len(js) > 1:
        found.append(("only the first Jacobian was returned: multiply all of them", js[0]))
        found.append(("only the last Jacobian was returned: multiply all of them", js[-1]))
    return found


def chain_order_hint(jacobians: Sequence) -> str:
    """What to say when the learner's product raised an error about shapes."""
    if len(jacobians) == 1:
        return ("with a single Jacobian the product is that Jacobian itself (np.linalg.multi_dot, for one, "
                "needs at least two arrays)")
    shapes = ", ".join(str(np.shape(j)) for j in jacobians)
    return ("the shapes do not chain in the order your code multiplies them (or `*` was used where the matrix "
            f"product `@` belongs). The shapes are {shapes}, outermost first: only J[0] @ J[1] @ ... @ J[-1] fits, "
            "each Jacobian's number of columns matching the next one's number of rows")


def gram_derivative_mistakes(R) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``gram_derivative(R)`` for K = R^T R."""
    R = np.asarray(R, dtype=np.float64)
    M, N = R.shape
    eye_n, eye_m = np.eye(N), np.eye(M)
    first = np.einsum("qj,ip->pqij", eye_n, R)    # 1[q = j] R[i, p]
    second = np.einsum("pj,iq->pqij", eye_n, R)   # 1[p = j] R[i, q]
    right = first + second
    one_term = ("only one of the two terms: K[p, q] = sum_m R[m, p] R[m, q] has R in both factors, so the "
                "product rule gives two terms, one from each factor")
    undoubled = right.copy()
    for p in range(N):
        undoubled[p, p, :, p] = R[:, p]
    rrt = np.einsum("pi,qj->pqij", eye_m, R) + np.einsum("qi,pj->pqij", eye_m, R)  # d(R R^T)/dR
    return [(one_term, first), (one_term, second),
            ("at p = q = j both terms contribute: dK[p, p]/dR[i, p] = 2 R[i, p] (the case table's doubled entry)",
             undoubled),
            ("the axes are in the wrong order: output indices first, T[p, q, i, j] = dK[p, q]/dR[i, j], "
             f"shape (N, N, M, N) = ({N}, {N}, {M}, {N})", right.transpose(2, 3, 0, 1)),
            (f"this is the flattened ({N * N}, {M * N}) Jacobian: return the 4-index tensor, "
             f"reshaped to (N, N, M, N) = ({N}, {N}, {M}, {N})", right.reshape(N * N, M * N)),
            ("this is the derivative of R R^T, not of K = R^T R", rrt)]


# ---- comparison with extra hints -------------------------------------------------------------------

def expect_close_with_hints(actual: Any, expected: Any, *, name: str, rtol: float, atol: float,
                            mistakes: Sequence[tuple[str, Any]] = (),
                            hints: Sequence[Callable[[Any], str | None]] = ()) -> None:
    """:func:`chainrule.checking.expect_close` on one array; when no known mistake is named,
    the first hint that has something to say (NaNs from an overflow, float32 arithmetic) is added."""
    try:
        expect_close(actual, expected, name=name, rtol=rtol, atol=atol, mistakes={name: list(mistakes)})
    except CheckFailure as failure:
        text = str(failure)
        if "Likely mistake" not in text:
            for hint in hints:
                said = hint(actual)
                if said:
                    text += f"\n  Likely mistake: {said}."
                    break
        raise CheckFailure(text) from None


def float32_hint(x, expected) -> Callable[[Any], str | None]:
    """A hint for a float32 ``x``: an answer a little off (not wildly) comes from float32 arithmetic."""
    def hint(actual):
        if (np.asarray(x).dtype != np.float32 or not isinstance(actual, np.ndarray)
                or actual.shape != np.shape(expected)):
            return None
        e = np.asarray(expected, dtype=np.float64)
        a = np.asarray(actual, dtype=np.float64)
        scale = max(float(np.max(np.abs(e), initial=0.0)), 1e-3)
        return _FLOAT32 if np.all(np.isfinite(a)) and np.max(np.abs(a - e)) < 0.1 * scale else None
    return hint


def softmax_hints() -> list[Callable[[Any], str | None]]:
    """Hints for softmax_jacobian: NaN or infinity from an unstable softmax."""
    return [_nonfinite_softmax_hint]


# ---- the checks ----------------------------------------------------------------------------------

def _visible(example: str, check: Callable[[], None]) -> None:
    try:
        check()
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


def _cubic(W):
    """0.5 sum(W^2) + sum(B W^3) / 3 for the fixed B below; gradient W + B W^2."""
    return 0.5 * np.sum(W ** 2) + np.sum(_B * W ** 3) / 3


_B = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
_W = np.array([[0.3, -1.2, 0.7], [1.1, -0.4, 0.9]])


def _explain_change(fn, name, args, arg_names) -> None:
    """The learner's function changed x in place: run it again on a copy and say how x changed."""
    x = args[1]
    mine = x.copy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(args[0], mine, *args[2:])
    except Exception:  # noqa: BLE001 - cannot rerun it: keep the generic message
        return
    diff = np.abs(np.asarray(mine, dtype=np.float64) - x)
    if mine.shape != x.shape or not np.any(diff):
        return
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), x.shape))
    if np.max(diff) < 1e-12 * max(1.0, float(np.max(np.abs(x)))):
        why = ("a round-off difference: the entry was put back by arithmetic (x[idx] += h, then -= 2h, then += h), "
               "and x + h - 2h + h is not always exactly x in floating point. Save the entry and put it back "
               "exactly (old = x[idx]; ...; x[idx] = old), or work on a float64 copy of x")
    else:
        why = ("x was left perturbed: put each entry back (x[idx] = old) after its two evaluations, "
               "or work on a float64 copy of x")
    raise CheckFailure(f"{name} changed its input x in place: on return, x{list(idx)} is {float(mine[idx])!r} "
                       f"instead of {float(x[idx])!r} ({why}).")


def _call_numerical(fn, name, args, arg_names):
    try:
        return call(fn, name, args, arg_names)
    except CheckFailure as failure:
        if "changed its input x in place" in str(failure):
            _explain_change(fn, name, args, arg_names)
        raise


def check_numerical_gradient(numerical_gradient) -> None:
    """Check central differences on f(W) = 0.5 sum(W^2) + sum(B W^3)/3 for a (2, 3) W: default h,
    h = 0.1 (central differences of a cubic are off by exactly h^2 B / 3), and a float32 W; and that W is left alone."""
    name = "numerical_gradient"
    exact = _W + _B * _W ** 2
    for h, expected in [(None, exact), (0.1, exact + _B * 0.1 ** 2 / 3)]:
        h_used = 1e-5 if h is None else h
        f = EntryWatcher(_cubic, _W, h_used, name="cubic")
        args, arg_names = ((f, _W.copy()), ("f", "x")) if h is None else ((f, _W.copy(), h), ("f", "x", "h"))
        result = _call_numerical(numerical_gradient, name, args, arg_names)
        example = f"{name}(cubic, W{'' if h is None else f', h={h}'})"
        _visible(example, lambda: expect_close_with_hints(
            result, expected, name=example, rtol=1e-6, atol=1e-8,
            mistakes=numerical_gradient_mistakes(_cubic, _W, h_used)))
    W32 = _W.astype(np.float32)
    f = EntryWatcher(_cubic, W32, 1e-5, name="cubic")
    result = _call_numerical(numerical_gradient, name, (f, W32.copy()), ("f", "x"))
    W64 = W32.astype(np.float64)
    expected = W64 + _B * W64 ** 2
    example = f"{name}(cubic, W as float32)"
    _visible(example, lambda: expect_close_with_hints(
        result, expected, name=example, rtol=1e-6, atol=1e-8,
        mistakes=numerical_gradient_mistakes(_cubic, W64), hints=[float32_hint(W32, expected)]))
    passed(name)


def polar(v):
    """The polar map (r, phi) -> (r cos(phi), r sin(phi))."""
    return np.array([v[0] * np.cos(v[1]), v[0] * np.sin(v[1])])


def polar_jacobian_mistakes(r, phi) -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of ``polar_jacobian(r, phi)``."""
    r, phi = float(r), float(phi)
    c, s = np.cos(phi), np.sin(phi)
    right = np.array([[c, -r * s], [s, r * c]])
    return [("this is the transpose, the denominator layout: row i belongs to output i (r cos(phi), then "
             "r sin(phi)), column j to input j (r, then phi)", right.T),
            ("the columns are swapped: column 0 belongs to the first input r, column 1 to phi", right[:, ::-1]),
            ("the sign of entry (0, 1) is wrong: the derivative of cos is -sin", np.array([[c, r * s], [s, r * c]])),
            ("both signs of the phi column are flipped: the derivative of cos is -sin, that of sin is +cos",
             np.array([[c, r * s], [s, -r * c]])),
            ("the factor r is missing in the phi column: with r held fixed, r is a constant factor of "
             "r cos(phi) and r sin(phi)", np.array([[c, -s], [s, c]]))]


def check_polar_jacobian(polar_jacobian) -> None:
    """Check the (2, 2) Jacobian of (r, phi) -> (r cos(phi), r sin(phi)) at (2, pi/6) and at (0.5, 2)
    against central differences."""
    name = "polar_jacobian"
    for r, phi in ((2.0, np.pi / 6), (0.5, 2.0)):
        result = call(polar_jacobian, name, (r, phi), ("r", "phi"))
        example = f"{name}({r}, {phi:.4f})"
        _visible(example, lambda: expect_close_with_hints(
            result, num_jacobian(polar, np.array([r, phi])), name=example, rtol=1e-6, atol=1e-8,
            mistakes=polar_jacobian_mistakes(r, phi)))
    passed(name)


def two_outputs(x):
    """f: R^3 -> R^2, f(x) = [x0 x1 + sin(x2), x0^2 - 3 x2]."""
    return np.array([x[0] * x[1] + np.sin(x[2]), x[0] ** 2 - 3 * x[2]])


def one_output(x):
    """f: R^4 -> R^1, f(x) = [sum(x^2)] (an array of length 1)."""
    return np.array([np.sum(x ** 2)])


def three_outputs(x):
    """f: R^1 -> R^3, f(x) = [x0, x0^2, exp(x0)]."""
    return np.array([x[0], x[0] ** 2, np.exp(x[0])])


def check_numerical_jacobian(numerical_jacobian) -> None:
    """Check the (m, n) Jacobian of f(x) = [x0 x1 + sin x2, x0^2 - 3 x2] at x = [0.7, -1.3, 0.4], then of an
    f with one output, of an f of one input, and of the first f at a float32 x."""
    name = "numerical_jacobian"
    x = np.array([0.7, -1.3, 0.4])
    examples = [
        ("f(x) = [x0 x1 + sin(x2), x0^2 - 3 x2]", two_outputs, x,
         np.array([[x[1], x[0], np.cos(x[2])], [2 * x[0], 0.0, -3.0]])),
        ("f(x) = [sum(x^2)], one output", one_output, np.array([0.5, -1.0, 2.0, 0.25]),
         2 * np.array([[0.5, -1.0, 2.0, 0.25]])),
        ("f(x) = [x0, x0^2, exp(x0)], one input", three_outputs, np.array([0.3]),
         np.array([[1.0], [0.6], [np.exp(0.3)]])),
    ]
    x32 = x.astype(np.float32)
    x64 = x32.astype(np.float64)
    examples.append(("f(x) = [x0 x1 + sin(x2), x0^2 - 3 x2], x as float32", two_outputs, x32,
                     np.array([[x64[1], x64[0], np.cos(x64[2])], [2 * x64[0], 0.0, -3.0]])))
    for label, fn, x0, expected in examples:
        f = EntryWatcher(fn, x0, 1e-5, name=fn.__name__)
        result = _call_numerical(numerical_jacobian, name, (f, x0.copy()), ("f", "x"))
        example = f"{name}({label}, x={x0.tolist()})"
        _visible(example, lambda: expect_close_with_hints(
            result, expected, name=example, rtol=1e-6, atol=1e-8,
            mistakes=numerical_jacobian_mistakes(fn, x0), hints=[float32_hint(x0, expected)]))
    passed(name)


def tanh_prime(x):
    """tanh'(x) = 1 - tanh(x)^2."""
    return 1 - np.tanh(x) ** 2


def check_elementwise_jacobian(elementwise_jacobian) -> None:
    """Check the Jacobian of tanh at x = [-1.5, 0, 0.5, 2] (fprime = 1 - tanh^2) against central differences."""
    name = "elementwise_jacobian"
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    result = call(elementwise_jacobian, name, (tanh_prime, x.copy()), ("fprime", "x"))
    example = f"{name}(tanh', {x.tolist()})"
    _visible(example, lambda: expect_close_with_hints(
        result, num_jacobian(np.tanh, x), name=example, rtol=1e-6, atol=1e-9,
        mistakes=elementwise_jacobian_mistakes(tanh_prime, x)))
    passed(name)


def check_softmax_jacobian(softmax_jacobian) -> None:
    """Check the softmax Jacobian at x = [1, 2, 0.5, -1] against central differences, then at x + 1000
    (the same Jacobian: softmax does not change when a constant is added to every logit)."""
    name = "softmax_jacobian"
    x = np.array([1.0, 2.0, 0.5, -1.0])
    expected = num_jacobian(_softmax, x)
    for shift in (0.0, 1000.0):
        xs = x + shift
        result = call(softmax_jacobian, name, (xs.copy(),), ("x",))
        example = f"{name}({xs.tolist()})"
        _visible(example, lambda: expect_close_with_hints(
            result, expected, name=example, rtol=1e-6, atol=1e-9,
            mistakes=softmax_jacobian_mistakes(xs), hints=softmax_hints()))
    passed(name)


_A = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0], [2.0, 0.0, -2.0]])


def check_quadratic_form_gradient(quadratic_form_gradient) -> None:
    """Check the gradient of x^T A x for a non-symmetric 3 x 3 A against central differences, for a 1-D x
    and for a column x of shape (3, 1)."""
    name = "quadratic_form_gradient"
    for x in (np.array([1.0, -2.0, 0.5]), np.array([[0.5], [1.5], [-1.0]])):
        expected = num_grad(lambda v: float(np.sum(v * (_A @ v))), x)
        result = call(quadratic_form_gradient, name, (_A.copy(), x.copy()), ("A", "x"))
        example = f"{name}(A, x of shape {x.shape})"
        _visible(example, lambda: expect_close_with_hints(
            result, expected, name=example, rtol=1e-6, atol=1e-8, mistakes=quadratic_form_mistakes(_A, x)))
    passed(name)


def _inner(x):
    """R^2 -> R^4."""
    return np.array([x[0] * x[1], np.sin(x[0]), x[1] ** 2, x[0] - x[1]])


def _middle(u):
    """R^4 -> R^3."""
    return np.tanh(np.array([[1.0, -0.5, 0.2, 0.0], [0.3, 0.8, -1.0, 0.5], [0.0, 0.4, 0.6, -0.7]]) @ u)


def _outer(v):
    """R^3 -> R^2."""
    return np.array([v[0] * v[2], np.exp(v[1]) + v[2]])


def _chain_call(fn, name, jacobians, example):
    """Call chain_jacobian; an error about shapes gets the hint about the order of the product."""
    try:
        return call_learner(fn, (jacobians,), name=name, arg_names=("jacobians",)).result
    except CheckFailure as failure:
        hint = f"\n  Likely mistake: {chain_order_hint(jacobians)}." if "raised ValueError" in str(failure) else ""
        raise CheckFailure(f"Visible check, {example}:\n  {failure}{hint}") from failure.__cause__


def check_chain_jacobian(chain_jacobian) -> None:
    """Check the product on h = outer(middle(inner(x))) at x = [0.5, -1] (Jacobians (2, 3), (3, 4), (4, 2))
    against central differences of h, then on three square 2 x 2 Jacobians whose product is [[5, 3], [2, 0]]."""
    name = "chain_jacobian"
    x = np.array([0.5, -1.0])
    u = _inner(x)
    v = _middle(u)
    jacobians = [num_jacobian(_outer, v), num_jacobian(_middle, u), num_jacobian(_inner, x)]
    example = f"{name}([J_outer (2, 3), J_middle (3, 4), J_inner (4, 2)])"
    result = _chain_call(chain_jacobian, name, [j.copy() for j in jacobians], example)
    expected = num_jacobian(lambda z: _outer(_middle(_inner(z))), x)
    _visible(example, lambda: expect_close_with_hints(
        result, expected, name=example, rtol=1e-6, atol=1e-8, mistakes=chain_jacobian_mistakes(jacobians)))
    square = [np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]),
              np.array([[2.0, 0.0], [1.0, 3.0]])]
    example = f"{name}([[[1, 2], [0, 1]], [[0, 1], [1, 0]], [[2, 0], [1, 3]]])"
    result = _chain_call(chain_jacobian, name, [j.copy() for j in square], example)
    _visible(example, lambda: expect_close_with_hints(
        result, np.array([[5.0, 3.0], [2.0, 0.0]]), name=example, rtol=1e-12, atol=1e-12,
        mistakes=chain_jacobian_mistakes(square)))
    passed(name)


def check_gram_derivative(gram_derivative) -> None:
    """Check dK/dR for K = R^T R at a (3, 2) R against central differences of R^T R (reshaped to (2, 2, 3, 2))."""
    name = "gram_derivative"
    R = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    M, N = R.shape
    expected = num_jacobian(lambda r: r.T @ r, R).reshape(N, N, M, N)
    result = call(gram_derivative, name, (R.copy(),), ("R",))
    example = f"{name}(R of shape {R.shape})"
    _visible(example, lambda: expect_close_with_hints(
        result, expected, name=example, rtol=1e-6, atol=1e-8, mistakes=gram_derivative_mistakes(R)))
    passed(name)
