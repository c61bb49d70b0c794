r"""Visible checks of notebook 10, automatic differentiation.

The graded objects here are two classes (``Dual`` and ``Value``) and
functions that work with them, so every check runs a small *scenario* with the
learner's own class: build an expression from the learner's objects on fixed
numbers, run it (and, for ``Value``, call ``backward()``), and read back plain
numbers. No reference implementation is needed: values are compared with the
same expression computed on plain floats, derivatives with central
differences of plain-float versions of the expression or of the learner's own
forward values.

The helpers that run a scenario (:func:`run_dual_expressions`,
:func:`run_value_scenario`, :func:`dual_parts`) and the known mistakes
(:func:`dual_mistakes`, :func:`dual_function_mistakes`,
:func:`forward_gradient_mistakes` and the ``VALUE_*`` descriptions) are shared
with the hidden tests, so a learner sees the same words from both.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Mapping

import numpy as np

from ..checking import CheckFailure, call_learner, describe, expect_close, frame_name
from ..gradcheck import num_derivative, num_grad
from ._common import call, passed

__all__ = ["DUAL_EXPRESSIONS", "VALUE_DIV_SIGN", "VALUE_EXP",
           "VALUE_LOG", "VALUE_MUL_SWAP", "VALUE_NO_SEED", "VALUE_NO_UPSTREAM",
           "VALUE_ORDER", "VALUE_OVERWRITE", "VALUE_POW", "VALUE_RELU_ZERO", "VALUE_RSUB", "VALUE_RTRUEDIV",
           "VALUE_SUB_SIGN", "VALUE_TANH_AT_OUTPUT", "VALUE_TANH_INPUT", "VALUE_TANH_SQUARE", "VALUE_TOPOLOGICAL",
           "DIAMOND_POINT", "check_Dual",
           "check_Value", "check_diamond_gradients_by_hand", "check_dual_exp", "check_dual_log", "check_dual_sin", "check_forward_mode_gradient",
           "diamond_gradients_mistakes", "dual_function_mistakes", "dual_mistakes", "dual_outputs", "dual_parts", "expecting_duals",
           "forward_gradient_mistakes", "judge_diamond_gradients_by_hand",
           "run_dual_expressions", "run_value_scenario"]

# ---- how learner code is run: exceptions become explanations ------------------------------------

_REFLECTED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}


def _raising_method(err: BaseException) -> str | None:
    """``Class.method`` of the innermost frame of ``err``'s traceback, if it is a method.

    An error that was raised in another process (the out-of-kernel grader's)
    carries that name as ``err.raised_in``.
    """
    if getattr(err, "raised_in", None):
        return err.raised_in
    tb = err.__traceback__
    frame = None
    while tb is not None:
        frame, tb = tb.tb_frame, tb.tb_next
    return None if frame is None else frame_name(frame)


def _explain(owner: str, what: str, err: Exception) -> CheckFailure:
    """A CheckFailure that says what went wrong while ``what`` ran with the learner's ``owner``."""
    if isinstance(err, NotImplementedError):
        where = _raising_method(err)
        return CheckFailure(f"{owner} is not implemented yet ({where + ': ' if where else ''}{err}).")
    text = f"{what} raised {type(err).__name__}: {err}"
    message = str(err)
    if isinstance(err, TypeError) and "unsupported operand" in message:
        op = message.split("for ")[-1].split(":")[0].strip()
        if op in _REFLECTED and (": 'float'" in message or ": 'int'" in message):
            text += (f"\n  A plain number on the left of `{op}` calls the reflected method "
                     f"{owner}.{_REFLECTED[op]}: define it (operations with plain numbers must work on both sides).")
        else:
            text += ("\n  Operations with plain numbers must work on both sides: wrap the number in your class "
                     "in the method, and define the reflected methods __radd__, __rsub__, __rmul__, __rtruediv__.")
    elif isinstance(err, AttributeError) and ("'float' object" in message or "'int' object" in message):
        text += (f"\n  A plain number reached code that expects a {owner}: wrap it first, e.g. "
                 f"`other = other if isinstance(other, {owner}) else {owner}(other)`.")
    elif isinstance(err, RecursionError):
        text += "\n  The graph walk never ends: keep a set of visited nodes in the topological sort."
    return CheckFailure(text)


def _guarded(owner: str, what: str, thunk: Callable[[], Any]) -> Any:
    """Run ``thunk``; turn any exception of the learner's code into a CheckFailure that explains it."""
    try:
        return thunk()
    except CheckFailure:
        raise
    except Exception as err:  # the learner's class raised: explain it
        raise _explain(owner, what, err) from err


def _number(x: Any, path: str) -> float:
    """``x`` as a float, or a CheckFailure that says what it is instead."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (numbers.Real, np.floating, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return float(x)
    raise CheckFailure(f"{path} should be a number, but it is {describe(x)}.")


# ---- forward mode: Dual --------------------------------------------------------------------------

def dual_parts(out: Any, what: str) -> tuple[Any, Any]:
    """``(out.value, out.derivative)`` of a learner's Dual; a CheckFailure if ``out`` is not one."""
    if not (hasattr(out, "value") and hasattr(out, "derivative")):
        raise CheckFailure(f"{what} should give a Dual (an object with .value and .derivative), "
                           f"but it gave {describe(out)}.")
    return out.value, out.derivative


DUAL_EXPRESSIONS: tuple[tuple[str, Callable], ...] = (
    ("a + b", lambda a, b, c, p: a + b),
    ("a - b", lambda a, b, c, p: a - b),
    ("a * b", lambda a, b, c, p: a * b),
    ("a / b", lambda a, b, c, p: a / b),
    ("a + c", lambda a, b, c, p: a + c),
    ("c + a", lambda a, b, c, p: c + a),
    ("a - c", lambda a, b, c, p: a - c),
    ("c - a", lambda a, b, c, p: c - a),
    ("a * c", lambda a, b, c, p: a * c),
    ("c * a", lambda a, b, c, p: c * a),
    ("a / c", lambda a, b, c, p: a / c),
    ("c / a", lambda a, b, c, p: c / a),
    ("a ** p", lambda a, b, c, p: a ** p),
    ("-a", lambda a, b, c, p: -a),
)
"""The expressions a Dual is tried on: ``a`` and ``b`` Duals, ``c`` a plain number, ``p`` a number exponent."""


def dual_outputs() -> tuple[str, ...]:
    """Names of the numbers :func:`run_dual_expressions` returns, in order."""
    return tuple(f"({label}).{part}" for label, _ in DUAL_EXPRESSIONS for part in ("value", "derivative"))


def run_dual_expressions(Dual: type, a_value, a_derivative, b_value, b_derivative, c, p) -> tuple:
    """Every expression of :data:`DUAL_EXPRESSIONS` with ``a = Dual(a_value, a_derivative)``, ...

    Returns the value and derivative of each, in the order of :func:`dual_outputs`.
    """
    a = _guarded("Dual", f"Dual({a_value!r}, {a_derivative!r})", lambda: Dual(a_value, a_derivative))
    b = _guarded("Dual", f"Dual({b_value!r}, {b_derivative!r})", lambda: Dual(b_value, b_derivative))
    results = []
    for label, op in DUAL_EXPRESSIONS:
        out = _guarded("Dual", f"computing {label}", lambda op=op: op(a, b, c, p))
        value, derivative = dual_parts(out, label)
        results += [value, derivative]
    return tuple(results)


def dual_mistakes(a_value, a_derivative, b_value, b_derivative, c, p) -> dict[str, list[tuple[str, float]]]:
    """Known wrong answers of the Dual arithmetic, by output name (see :func:`dual_outputs`)."""
    av, ad, bv, bd = a_value, a_derivative, b_value, b_derivative
    product = "the product rule: (a b)' = a' b + a b'"
    constant = "a plain number is a constant: wrap it as Dual(c, 0), not Dual(c, 1)"
    found = {
        "(a - b).derivative": [("(a - b)' = a' - b': the derivative of b is subtracted too", ad + bd)],
        "(a * b).derivative": [(product + ", not a' b'", ad * bd), (product + "; the term a b' is missing", ad * bv),
                               (product + "; the term a' b is missing", av * bd)],
        "(a / b).derivative": [("the division rule's sign: (a / b)' = (a' b - a b') / b^2",
                                (ad * bv + av * bd) / bv ** 2),
                               ("the division rule divides by b^2, not by b", (ad * bv - av * bd) / bv),
                               ("the division rule: (a / b)' = (a' b - a b') / b^2, not a' / b'", ad / bd if bd else None)],
        "(a + c).derivative": [(constant, ad + 1)],
        "(c + a).derivative": [(constant, ad + 1)],
        "(a * c).derivative": [(constant, ad * c + av)],
        "(c * a).derivative": [(constant, ad * c + av)],
        "(a - c).derivative": [(constant, ad - 1)],
        "(c - a).value": [("__rsub__ computes other - self (here c - a), not self - other", av - c)],
        "(c - a).derivative": [("__rsub__ computes other - self (here c - a), not self - other", ad),
                               (constant, 1 - ad)],
        "(c / a).value": [("__rtruediv__ computes other / self (here c / a), not self / other", av / c)],
        "(c / a).derivative": [("__rtruediv__ computes other / self (here c / a), not self / other", ad / c),
                               ("the sign of (c / a)' = -c a' / a^2", c * ad / av ** 2)],
        "(a ** p).derivative": [("the power rule (a^p)' = p a^(p-1) a' is missing the chain-rule factor a'",
                                 p * av ** (p - 1)),
                                ("the power rule: (a^p)' = p a^(p-1) a', the exponent drops by one",
                                 p * av ** p * ad),
                                ("the power rule: (a^p)' = p a^(p-1) a', the factor p is missing",
                                 av ** (p - 1) * ad)],
        "(-a).derivative": [("negation flips the derivative too: (-a)' = -a'", ad)],
    }
    return {path: [(text, value) for text, value in items if value is not None] for path, items in found.items()}


def check_Dual(Dual) -> None:
    """Dual arithmetic at a = Dual(1.5, 2.5), b = Dual(-0.8, -1.5), c = 2.0, with p = 3 and p = 0.5.

    Values against the same expressions on plain floats; derivatives against
    central differences of those expressions along the seeded direction
    (a = 1.5 + 2.5 t, b = -0.8 - 1.5 t, at t = 0).
    """
    if not isinstance(Dual, type):
        raise CheckFailure(f"Dual should be a class, but it is {describe(Dual)}.")
    av, ad, bv, bd, c = 1.5, 2.5, -0.8, -1.5, 2.0
    for p in (3, 0.5):
        result = run_dual_expressions(Dual, av, ad, bv, bd, c, p)
        expected = []
        for _, op in DUAL_EXPRESSIONS:
            expected.append(op(av, bv, c, p))
            expected.append(num_derivative(lambda t, op=op: op(av + ad * t, bv + bd * t, c, p), 0.0))
        try:
            expect_close(result, tuple(expected), name="the result", output_names=dual_outputs(),
                         mistakes=dual_mistakes(av, ad, bv, bd, c, p), rtol=1e-6, atol=1e-8)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, a = Dual({av}, {ad}), b = Dual({bv}, {bd}), c = {c}, p = {p}:\n"
                               f"  {failure}") from None
    passed("Dual")


_DUAL_FUNCTIONS = {"dual_sin": math.sin, "dual_exp": math.exp, "dual_log": math.log}


def dual_function_mistakes(name: str, value, derivative) -> dict[str, list[tuple[str, float]]]:
    """Known wrong answers of ``dual_sin``, ``dual_exp``, ``dual_log`` on ``Dual(value, derivative)``."""
    v, d = value, derivative
    chain = "the chain rule: multiply the local derivative by x.derivative"
    if name == "dual_sin":
        wrong = [(chain, math.cos(v)), ("the derivative of sin is cos (not sin)", math.sin(v) * d)]
    elif name == "dual_exp":
        wrong = [(chain, math.exp(v)), ("the local derivative of exp is exp(x.value) itself", d)]
    elif name == "dual_log":
        wrong = [(chain, 1 / v), ("the derivative of log(x) is 1 / x, times x.derivative", d * math.log(v)),
                 ("the derivative of log(x) is 1 / x, not 1 / x^2", d / v ** 2), ("the derivative of log(x) is "
                                                                                  "1 / x: divide by x.value", d * v)]
    else:
        raise ValueError(f"unknown dual function {name!r}")
    return {f"{name}(x).derivative": wrong}


def _check_dual_function(fn, name: str, Dual, points) -> None:
    if not isinstance(Dual, type):
        raise CheckFailure(f"Dual should be your class from Part A, but it is {describe(Dual)}.")
    f = _DUAL_FUNCTIONS[name]
    for v, d in points:
        x = _guarded("Dual", f"Dual({v}, {d})", lambda: Dual(v, d))
        try:
            learner = call_learner(fn, (x,), name=name, arg_names=("x",))
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check of {name}(Dual({v}, {d})):\n  {failure}") from failure.__cause__
        out = learner.result
        result = dual_parts(out, f"{name}(Dual({v}, {d}))")
        expected = (f(v), num_derivative(lambda t: f(v + d * t), 0.0))
        try:
            expect_close(result, expected, name="the result", output_names=(f"{name}(x).value", f"{name}(x).derivative"),
                         mistakes=dual_function_mistakes(name, v, d), rtol=1e-6, atol=1e-8)
        except CheckFailure as failure:
            raise CheckFailure(f"Visible check, {name}(Dual({v}, {d})):\n  {failure}") from None
    passed(name)


def check_dual_sin(dual_sin, Dual) -> None:
    """dual_sin at Dual(0.7, 2.5), Dual(-2.0, -1.5) and the constant Dual(1.0, 0.0)."""
    _check_dual_function(dual_sin, "dual_sin", Dual, [(0.7, 2.5), (-2.0, -1.5), (1.0, 0.0)])


def check_dual_exp(dual_exp, Dual) -> None:
    """dual_exp at Dual(0.7, 2.5), Dual(-2.0, -1.5) and the constant Dual(1.0, 0.0)."""
    _check_dual_function(dual_exp, "dual_exp", Dual, [(0.7, 2.5), (-2.0, -1.5), (1.0, 0.0)])


def check_dual_log(dual_log, Dual) -> None:
    """dual_log at Dual(1.8, -1.5), Dual(0.3, 2.5) and the constant Dual(2.0, 0.0)."""
    _check_dual_function(dual_log, "dual_log", Dual, [(1.8, -1.5), (0.3, 2.5), (2.0, 0.0)])


def forward_gradient_mistakes(f: Callable, x) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``forward_mode_gradient(f, x)`` (``f`` must also work on plain floats)."""
    x = np.asarray(x, dtype=np.float64)
    grad = num_grad(lambda v: f(list(v)), x)
    value = f(list(x))
    return {"forward_mode_gradient": [
        ("the seed of an earlier input was not reset to 0: in pass i only input i gets derivative 1", np.cumsum(grad)),
        ("all inputs were seeded with derivative 1 in the same pass: that gives the sum of the partial "
         "derivatives; seed one input per pass", np.full(x.shape, grad.sum())),
        ("the seed of input i should be 1, not x[i]", grad * x),
        ("this is the value f(x) (.value), not the derivative part", np.full(x.shape, value)),
        ("the derivatives were cut to integers: the gradient went into an integer array (np.zeros_like(x) of an "
         "integer x keeps its dtype); make it a float array, np.zeros(len(x))", np.trunc(grad)),
    ]}


def _example_f(xs):
    """f(x) = x0 x1 + x1^2 / x2 - 3 x0: written with + - * / ** only, so Duals and floats both work."""
    return xs[0] * xs[1] + xs[1] ** 2 / xs[2] - 3 * xs[0]


def expecting_duals(f: Callable, n: int) -> Callable:
    """``f`` wrapped so that it first checks it receives a list of n Dual-like objects.

    The wrapper keeps the plain function as ``.plain`` (for known mistakes, which
    evaluate it on floats) and its ``__name__`` (shown in messages).
    """
    def checked(xs):
        try:
            items = list(xs)
        except TypeError:
            raise CheckFailure(f"f should receive a list of {n} Duals, but it received {describe(xs)}.") from None
        if len(items) != n or not all(hasattr(v, "value") and hasattr(v, "derivative") for v in items):
            raise CheckFailure(f"f should receive a list of {n} Duals (one per entry of x), but it received "
                               f"{[describe(v) for v in items][:5]}.")
        return f(items)
    checked.__name__ = getattr(f, "__name__", "f")
    checked.plain = f
    return checked


def check_forward_mode_gradient(forward_mode_gradient) -> None:
    """f(x) = x0 x1 + x1^2 / x2 - 3 x0 at x = [1, -2, 0.5]: the gradient is [-5, -7, -16]."""
    x = np.array([1.0, -2.0, 0.5])
    result = call(forward_mode_gradient, "forward_mode_gradient", (expecting_duals(_example_f, 3), x), ("f", "x"))
    try:
        expect_close(result, np.array([-5.0, -7.0, -16.0]), name="forward_mode_gradient", rtol=1e-9,
                     mistakes=forward_gradient_mistakes(_example_f, x))
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, f(x) = x0 x1 + x1^2 / x2 - 3 x0 at x = [1, -2, 0.5]:\n  {failure}") from None
    passed("forward_mode_gradient")


# ---- reverse mode: Value -------------------------------------------------------------------------

VALUE_OVERWRITE = ("the gradient was overwritten (=) instead of accumulated (+=): a node used twice must add up "
                   "the gradients from every use")
VALUE_TANH_SQUARE = "the derivative of tanh is 1 - tanh(x)^2 (squared), not 1 - tanh(x)"
VALUE_TANH_INPUT = "the derivative of tanh is 1 - t^2 with t = tanh(x), the output; 1 - x^2 uses the input"
VALUE_TANH_AT_OUTPUT = "the derivative of tanh was taken at the output t: it is 1 - t^2, not 1 - tanh(t)^2"
VALUE_RELU_ZERO = "relu's gradient at exactly 0 is 0 in this course (1[x > 0], not 1[x >= 0])"
VALUE_DIV_SIGN = "the sign of d(a / b)/db: it is -a / b^2"
VALUE_SUB_SIGN = "d(a - b)/db is -1: the second operand of a subtraction gets -out.grad"
VALUE_NO_SEED = "the output's grad must be seeded with 1 before the backward sweep"
VALUE_ORDER = ("the backward sweep must run in reversed topological order (from the output back to the leaves), "
               "so that a node's grad is complete before it is passed on")
VALUE_TOPOLOGICAL = ("a node's gradient was passed on to its inputs before every node that uses it had added its "
                     "share (or it was passed on more than once): backward needs a topological order. Call each "
                     "node's _backward once, after all the nodes that use it: build the topological order first "
                     "(each node after its inputs), then sweep it reversed")
VALUE_POW = "the power rule: d(x^p)/dx = p x^(p-1)"
VALUE_NO_UPSTREAM = "the local gradient of {} was not multiplied by out.grad (the chain rule)"
VALUE_MUL_SWAP = "each factor of a product gets the OTHER factor's data times out.grad"
VALUE_RSUB = "__rsub__ computes other - self (for 2 - a: 2 minus a), not self - other"
VALUE_RTRUEDIV = "__rtruediv__ computes other / self (for 2 / a: 2 divided by a), not self / other"
VALUE_LOG = "the derivative of log(x) is 1 / x"
VALUE_EXP = "the derivative of exp(x) is exp(x) itself, the output out.data, not the input x"


def _leaves(Value: type, value: Any) -> Any:
    """The learner's Value for a number, or nested lists of them for an array."""
    if isinstance(value, np.ndarray):
        return [_leaves(Value, v) for v in value] if value.ndim > 1 else [Value(float(v)) for v in value]
    return Value(value)


def _grads(node: Any, path: str) -> Any:
    if isinstance(node, list):
        return np.array([_grads(n, path) for n in node], dtype=np.float64)
    return _number(node.grad, path)


def run_value_scenario(Value: type, build: Callable, numbers: Mapping[str, Any]) -> dict[str, Any]:
    """Build ``L = build(**leaves)`` with the learner's ``Value``, call ``L.backward()``, read the numbers.

    Args:
        Value: the learner's class.
        build: ``build(**leaves) -> L``; a leaf is a ``Value`` for a number in
            ``numbers`` and nested lists of Values for an array.
        numbers: leaf name -> number or array.
    Returns:
        ``{"L.data": float, "<leaf>.grad": float or array of the leaf's shape, ...}``.
    """
    if not isinstance(Value, type):
        raise CheckFailure(f"Value should be a class, but it is {describe(Value)}.")

    def run():
        leaves = {name: _leaves(Value, v) for name, v in numbers.items()}
        out = build(**leaves)
        if not hasattr(out, "backward"):
            raise CheckFailure(f"the expression should give a Value, but it gave {describe(out)}.")
        out.backward()
        result = {"L.data": _number(out.data, "L.data")}
        for name, leaf in leaves.items():
            result[f"{name}.grad"] = _grads(leaf, f"{name}.grad")
        return result

    return _guarded("Value", "building the expression and calling backward()", run)


def _build_everything(a, b, c):
    """Every operation once, numbers on both sides, a reused, relu on both sides of its kink."""
    d = a * b + a
    e = d / c - b ** 2 + 1 / c - (2 - a) * 0.5
    u = (1 + e.exp()).log()
    return (u * 2 - 1).tanh() + (c - a).relu() * b + (a - c).relu() - (-b)


def _diamond(a, b, c):
    """d = a * b used by two later nodes: L = (d * c) * 2 + d."""
    d = a * b
    return (d * c) * 2 + d


def _everything_on_floats(a, b, c):
    d = a * b + a
    e = d / c - b ** 2 + 1 / c - (2 - a) * 0.5
    u = math.log(1 + math.exp(e))
    return math.tanh(u * 2 - 1) + max(c - a, 0.0) * b + max(a - c, 0.0) + b


def _value_example(Value, description, build, numbers, expected, mistakes):
    result = run_value_scenario(Value, build, numbers)
    try:
        expect_close(result, expected, name="Value", mistakes={f"Value[{k!r}]": v for k, v in mistakes.items()},
                     rtol=1e-6, atol=1e-9)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {description}:\n  {failure}") from None


def check_Value(Value) -> None:
    """The reverse-mode engine on small expressions, one rule at a time, then all operations together.

    1. L = (a * b) * c at (2, -3, 4): the chain, c.grad = a b = -6, a.grad = b c = -12, b.grad = a c = 8.
    2. L = a * b + a at (2, -3): a is used twice, a.grad = b + 1 = -2, b.grad = a = 2.
    3. L = a * a at 3: one operation uses a twice, a.grad = 6.
    4. L = a - b, 2 - a, a / b and 2 / a: signs and reflected operations.
    5. L = 2 * a ** 3, 3 * a.exp(), 3 * a.log(), 2 * a.tanh(), 3 * a.relu() (relu at 2, -1 and exactly 0).
    6. a diamond, d = a * b used by two later nodes: L = (d * c) * 2 + d at (2, -3, 4), a.grad = 9 b = -27,
       b.grad = 9 a = 18, c.grad = 2 d = -12 (d's grad is passed on only once it is complete).
    7. every operation in one expression, gradients against central differences of your own L.data.
    """
    _value_example(Value, "L = (a * b) * c at a = 2, b = -3, c = 4", lambda a, b, c: (a * b) * c,
                   {"a": 2.0, "b": -3.0, "c": 4.0}, {"L.data": -24.0, "c.grad": -6.0, "a.grad": -12.0, "b.grad": 8.0},
                   {"c.grad": [(VALUE_NO_SEED, 0.0), (VALUE_MUL_SWAP, 4.0)],
                    "a.grad": [(VALUE_ORDER, 0.0), (VALUE_MUL_SWAP, 8.0)],
                    "b.grad": [(VALUE_ORDER, 0.0), (VALUE_MUL_SWAP, -12.0)]})
    _value_example(Value, "L = a * b + a at a = 2, b = -3", lambda a, b: a * b + a, {"a": 2.0, "b": -3.0},
                   {"L.data": -4.0, "a.grad": -2.0, "b.grad": 2.0},
                   {"a.grad": [(VALUE_OVERWRITE, -3.0), (VALUE_OVERWRITE, 1.0)]})
    _value_example(Value, "L = a * a at a = 3", lambda a: a * a, {"a": 3.0}, {"L.data": 9.0, "a.grad": 6.0},
                   {"a.grad": [(VALUE_OVERWRITE, 3.0)]})
    _value_example(Value, "L = a - b at a = 3, b = -2", lambda a, b: a - b, {"a": 3.0, "b": -2.0},
                   {"L.data": 5.0, "a.grad": 1.0, "b.grad": -1.0}, {"b.grad": [(VALUE_SUB_SIGN, 1.0)]})
    _value_example(Value, "L = 2 - a at a = 3", lambda a: 2 - a, {"a": 3.0}, {"L.data": -1.0, "a.grad": -1.0},
                   {"L.data": [(VALUE_RSUB, 1.0)], "a.grad": [(VALUE_RSUB, 1.0), (VALUE_SUB_SIGN, 1.0)]})
    _value_example(Value, "L = a / b at a = 3, b = -2", lambda a, b: a / b, {"a": 3.0, "b": -2.0},
                   {"L.data": -1.5, "a.grad": -0.5, "b.grad": -0.75}, {"b.grad": [(VALUE_DIV_SIGN, 0.75)]})
    _value_example(Value, "L = 2 / a at a = 4", lambda a: 2 / a, {"a": 4.0}, {"L.data": 0.5, "a.grad": -0.125},
                   {"L.data": [(VALUE_RTRUEDIV, 2.0)], "a.grad": [(VALUE_RTRUEDIV, 0.5), (VALUE_DIV_SIGN, 0.125)]})
    _value_example(Value, "L = 2 * a ** 3 at a = 2", lambda a: 2 * a ** 3, {"a": 2.0}, {"L.data": 16.0, "a.grad": 24.0},
                   {"a.grad": [(VALUE_POW, 48.0), (VALUE_POW, 8.0), (VALUE_NO_UPSTREAM.format("**"), 12.0)]})
    e = math.exp(0.5)
    _value_example(Value, "L = 3 * a.exp() at a = 0.5", lambda a: 3 * a.exp(), {"a": 0.5},
                   {"L.data": 3 * e, "a.grad": 3 * e}, {"a.grad": [(VALUE_NO_UPSTREAM.format("exp"), e),
                                                                     (VALUE_EXP, 3 * 0.5)]})
    _value_example(Value, "L = 3 * a.log() at a = 2", lambda a: 3 * a.log(), {"a": 2.0},
                   {"L.data": 3 * math.log(2.0), "a.grad": 1.5},
                   {"a.grad": [(VALUE_NO_UPSTREAM.format("log"), 0.5),
                               (VALUE_LOG + " (x the input, not the output log(x))", 3 / math.log(2.0))]})
    t = math.tanh(0.5)
    _value_example(Value, "L = 2 * a.tanh() at a = 0.5", lambda a: 2 * a.tanh(), {"a": 0.5},
                   {"L.data": 2 * t, "a.grad": 2 * (1 - t ** 2)},
                   {"a.grad": [(VALUE_TANH_SQUARE, 2 * (1 - t)), (VALUE_TANH_INPUT, 2 * (1 - 0.25)),
                               (VALUE_TANH_AT_OUTPUT, 2 * (1 - math.tanh(t) ** 2)),
                               (VALUE_NO_UPSTREAM.format("tanh"), 1 - t ** 2)]})
    for a, grad in ((2.0, 3.0), (-1.0, 0.0), (0.0, 0.0)):
        _value_example(Value, f"L = 3 * a.relu() at a = {a}", lambda a: 3 * a.relu(), {"a": a},
                       {"L.data": 3 * max(a, 0.0), "a.grad": grad},
                       {"a.grad": [(VALUE_RELU_ZERO, 3.0)] if a == 0 else [(VALUE_NO_UPSTREAM.format("relu"), 1.0)]})
    # A diamond: d = a * b is used by two later nodes, m = d * c (through n = m * 2) and L = n + d itself.
    # dL/dd = 1 + 2c = 9 is complete only once both have added their share; a sweep that passes d's grad on
    # earlier (with 1 or 8 of the 9 in it), or twice, gives a.grad = b k and b.grad = a k for another k.
    pushed = [1.0, 8.0, 1.0 + 9.0, 8.0 + 9.0, 18.0]
    _value_example(Value, "a diamond: d = a * b is used by two later nodes, L = (d * c) * 2 + d at a = 2, b = -3, c = 4",
                   _diamond, {"a": 2.0, "b": -3.0, "c": 4.0},
                   {"L.data": -54.0, "a.grad": -27.0, "b.grad": 18.0, "c.grad": -12.0},
                   {"a.grad": [(VALUE_TOPOLOGICAL, -3.0 * k) for k in pushed],
                    "b.grad": [(VALUE_TOPOLOGICAL, 2.0 * k) for k in pushed]})
    point = {"a": 1.5, "b": -0.8, "c": 2.0}
    result = run_value_scenario(Value, _build_everything, point)

    def own_data(v):
        return run_value_scenario(Value, _build_everything, dict(zip(point, map(float, v))))["L.data"]

    numeric = num_grad(own_data, np.array(list(point.values())))
    expected = {"L.data": _everything_on_floats(**point), **{f"{k}.grad": float(g) for k, g in zip(point, numeric)}}
    try:
        expect_close(result, expected, name="Value", rtol=1e-6, atol=1e-8)
    except CheckFailure as failure:
        raise CheckFailure(
            "Visible check, every operation at a = 1.5, b = -0.8, c = 2 (gradients: central differences of your own "
            f"L.data):\n  L = tanh(2 log(1 + exp((a b + a) / c - b**2 + 1 / c - (2 - a) * 0.5)) - 1) "
            f"+ relu(c - a) b + relu(a - c) - (-b)\n  {failure}") from None
    passed("Value")


# ---- the checkpoint: the diamond by hand ---------------------------------------------------------

DIAMOND_POINT = {"a": 3.0, "b": -1.0, "c": 1.5}  # d = a * b, L = (d * c) * 2 + d
_DIAMOND_NAMES = ("dL/dd", "dL/da", "dL/db", "dL/dc")


def _diamond_numbers(share_of_d: float, *, swap: bool = False, c_factor: float = 2.0) -> np.ndarray:
    """(dL/dd, dL/da, dL/db, dL/dc) at DIAMOND_POINT when dL/dd is ``share_of_d`` (the sweep's other rules kept)."""
    a, b, c = DIAMOND_POINT["a"], DIAMOND_POINT["b"], DIAMOND_POINT["c"]
    da, db = (a, b) if swap else (b, a)
    return np.array([share_of_d, da * share_of_d, db * share_of_d, c_factor * a * b])


def diamond_gradients_mistakes() -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of the checkpoint, named without giving the right one."""
    c = DIAMOND_POINT["c"]
    return {"diamond_gradients_by_hand": [
        ("dL/dd holds only the share of the direct use (the '+ d'); d is used twice, so its gradient is the "
         "sum of the shares of both uses", _diamond_numbers(1.0)),
        ("dL/dd holds only the share that comes through d * c; the direct use '+ d' adds a share too",
         _diamond_numbers(2 * c)),
        ("the factor 2 of (d * c) * 2 is missing on the path through c", _diamond_numbers(c + 1)),
        ("each factor of d = a * b gets the OTHER factor times dL/dd, not its own value",
         _diamond_numbers(2 * c + 1, swap=True)),
        ("dL/dc: the path from c to L passes through the * 2 as well", _diamond_numbers(2 * c + 1, c_factor=1.0)),
    ]}


def judge_diamond_gradients_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` holds the checkpoint's four gradients, without printing them.

    Four numbers in any reasonable container pass: a tuple, a list or an array of shape (4,). A known
    mistake is named; otherwise the message says what to check.
    """
    name = "diamond_gradients_by_hand()"
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should return 4 numbers ({', '.join(_DIAMOND_NAMES)}), but it returned "
                           f"{describe(result)}.") from None
    if values.size != 4 or values.ndim > 1:
        raise CheckFailure(f"{name} should return 4 numbers ({', '.join(_DIAMOND_NAMES)}, in that order), but it "
                           f"returned {describe(result)}.")
    if not np.all(np.isfinite(values)):
        raise CheckFailure(f"{name} contains NaN or infinity.")
    c = DIAMOND_POINT["c"]
    right = _diamond_numbers(2 * c + 1)
    if np.allclose(values, right, rtol=1e-6, atol=1e-9):
        return
    for description, wrong in diamond_gradients_mistakes()["diamond_gradients_by_hand"]:
        if np.allclose(values, wrong, rtol=1e-6, atol=1e-6):
            raise CheckFailure(f"{name} is not right yet.\n  Likely mistake: {description}.")
    wrong_at = [n for n, v, r in zip(_DIAMOND_NAMES, values, right) if not np.isclose(v, r, rtol=1e-6, atol=1e-9)]
    raise CheckFailure(f"{name} is not right yet (the values are not shown here: the checkpoint is yours to work "
                       f"out).\n  Not right yet: {', '.join(wrong_at)}. Name the nodes m = d * c, n = m * 2 and "
                       "L = n + d, and sweep back from dL/dL = 1, one node at a time.")


def check_diamond_gradients_by_hand(diamond_gradients_by_hand) -> None:
    """The checkpoint: the gradients of the diamond d = a * b, L = (d * c) * 2 + d at a = 3, b = -1, c = 1.5."""
    result = call(diamond_gradients_by_hand, "diamond_gradients_by_hand", (), ())
    try:
        judge_diamond_gradients_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure("Visible check, diamond_gradients_by_hand() for d = a * b, L = (d * c) * 2 + d at "
                           f"a = 3, b = -1, c = 1.5:\n  {failure}") from None
    print("[ok] diamond_gradients_by_hand is right. The hidden test checks the same four numbers.")
