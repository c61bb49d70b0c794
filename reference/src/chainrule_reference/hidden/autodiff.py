"""Hidden tests of notebook 10, automatic differentiation.

The graded objects include two classes, so each test's ``call`` is a scenario:
build expressions from the implementation's ``Dual`` or ``Value`` on drawn
numbers (for ``Value``: call ``backward()``), and return plain numbers and
arrays. The same scenario run with the reference classes gives the expected
answer.

Known mistakes of the reverse-mode engine depend on the whole expression, so
they are computed by running the scenario with small engines that each break
one rule (:func:`_broken_value`): the gradients a learner gets who overwrites
instead of accumulating, takes the wrong derivative of tanh, and so on.
"""
from __future__ import annotations

import math

import numpy as np

from chainrule.visible.autodiff import (VALUE_DIV_SIGN, VALUE_EXP, VALUE_LOG, VALUE_MUL_SWAP, VALUE_NO_SEED,
                                        VALUE_NO_UPSTREAM, VALUE_ORDER, VALUE_OVERWRITE, VALUE_POW, VALUE_RELU_ZERO,
                                        VALUE_RSUB, VALUE_RTRUEDIV, VALUE_SUB_SIGN, VALUE_TOPOLOGICAL, VALUE_TANH_AT_OUTPUT, VALUE_TANH_INPUT,
                                        VALUE_TANH_SQUARE, dual_function_mistakes, dual_mistakes, dual_outputs,
                                        dual_parts, expecting_duals, forward_gradient_mistakes,
                                        judge_diamond_gradients_by_hand, run_dual_expressions, run_value_scenario)

from ..spec import Case, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "10-automatic-differentiation"


def _away(rng, low, high, size=None):
    """Uniform magnitudes in [low, high] with random signs: away from 0 and from +-1 when low > 1."""
    value = rng.uniform(low, high, size) * rng.choice([-1.0, 1.0], size)
    return float(value) if size is None else value


# ---- Dual ----------------------------------------------------------------------------------------

def _dual_case(label, a_value, b_value, c, p, **tolerances):
    def draw(rng):
        return {"a_value": a_value(rng), "a_derivative": _away(rng, 1.5, 3.0), "b_value": b_value(rng),
                "b_derivative": _away(rng, 1.5, 3.0), "c": c(rng), "p": p}
    return Case(label, draw, **tolerances)


_DUAL_CASES = (
    _dual_case("random Duals, a float constant, p = 3", lambda r: _away(r, 0.5, 3.0), lambda r: _away(r, 0.5, 3.0),
               lambda r: _away(r, 1.5, 4.0), 3),
    _dual_case("a positive base, p = 0.5", lambda r: float(r.uniform(0.5, 4.0)), lambda r: _away(r, 0.5, 3.0),
               lambda r: _away(r, 1.5, 4.0), 0.5),
    _dual_case("a negative exponent p = -2", lambda r: _away(r, 0.5, 2.0), lambda r: _away(r, 0.5, 3.0),
               lambda r: _away(r, 1.5, 4.0), -2),
    Case("integers everywhere", lambda rng: {"a_value": 2, "a_derivative": 3, "b_value": -4, "b_derivative": 5,
                                             "c": 3, "p": 2}),
    Case("b is a constant (derivative 0)", lambda rng: {"a_value": _away(rng, 0.5, 3.0), "a_derivative": _away(rng, 1.5, 3.0),
                                                        "b_value": _away(rng, 0.5, 3.0), "b_derivative": 0.0,
                                                        "c": _away(rng, 1.5, 4.0), "p": 4}),
)


def _dual_call(impl, inputs):
    return run_dual_expressions(impl["Dual"], **inputs)


# ---- dual_sin, dual_exp, dual_log ----------------------------------------------------------------

def _dual_function_test(name, values):
    def call(impl, inputs):
        x = impl["Dual"](inputs["value"], inputs["derivative"])
        return dual_parts(impl[name](x), f"{name}(x)")

    cases = tuple(Case(label, lambda rng, draw=draw: {"value": draw(rng), "derivative": _away(rng, 1.5, 3.0)})
                  for label, draw in values) + (
        Case("a constant: derivative 0", lambda rng: {"value": values[0][1](rng), "derivative": 0.0}),)
    return HiddenTest(name, (name, "Dual"), cases, outputs=(f"{name}(x).value", f"{name}(x).derivative"),
                      call=call, mistakes=lambda i: dual_function_mistakes(name, i["value"], i["derivative"]),
                      rtol=1e-9, atol=1e-12)


# ---- forward_mode_gradient -----------------------------------------------------------------------

def _named(text):
    def mark(fn):
        fn.__name__ = text
        return fn
    return mark


@_named("f(x) = x0 x1 x2 - x1 / (1 + x0^2)")
def _product(xs):
    return xs[0] * xs[1] * xs[2] - xs[1] / (1 + xs[0] ** 2)


@_named("f(x) = x0^3 - 2 x0 + 1 / x0")
def _one_input(xs):
    return xs[0] ** 3 - 2 * xs[0] + 1 / xs[0]


@_named("f(x) = sum over i of x_i x_(i+1) / (1 + x_i^2)")
def _chain(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + xs[i] * xs[i + 1] / (1 + xs[i] ** 2)
    return total


@_named("f(x) = 2.5 x1 - x3^2 (x0, x2, x4 unused)")
def _sparse(xs):
    return 2.5 * xs[1] - xs[3] ** 2


_PRODUCT, _ONE, _CHAIN7, _SPARSE = (expecting_duals(_product, 3), expecting_duals(_one_input, 1),
                                    expecting_duals(_chain, 7), expecting_duals(_sparse, 5))

_FORWARD_CASES = (
    Case("three inputs", lambda rng: {"f": _PRODUCT, "x": _away(rng, 0.5, 2.5, 3)}),
    Case("one input", lambda rng: {"f": _ONE, "x": _away(rng, 0.5, 2.0, 1)}),
    Case("seven inputs in a chain", lambda rng: {"f": _CHAIN7, "x": rng.normal(0, 1.5, 7)}),
    Case("inputs f does not use", lambda rng: {"f": _SPARSE, "x": rng.normal(0, 1.5, 5)}),
    Case("an integer array x", lambda rng: {"f": _PRODUCT, "x": np.array([2, -1, 3])}),
)


# ---- Value: scenarios ----------------------------------------------------------------------------

@_named("L = a * b + a (a used twice)")
def _reuse(a, b):
    return a * b + a


@_named("q = a * a, L = q * b - q (q used twice, a twice in one product)")
def _reuse_twice(a, b):
    q = a * a
    return q * b - q


@_named("L = (a - b) / c + 2 / a - (3 - b) / (c * c)")
def _division(a, b, c):
    return (a - b) / c + 2 / a - (3 - b) / (c * c)


@_named("L = 1 + a ** 3 + b ** 0.5 - 2 * c ** -2 + (a * b) ** 2")
def _powers(a, b, c):
    return 1 + a ** 3 + b ** 0.5 - 2 * c ** -2 + (a * b) ** 2


@_named("L = c * (a.exp() + b).log() - (-a).exp() / 2")
def _exp_log(a, b, c):
    return c * (a.exp() + b).log() - (-a).exp() / 2


@_named("L = 2.5 * (a * b + c).tanh() - a.tanh() * b")
def _tanh(a, b, c):
    return 2.5 * (a * b + c).tanh() - a.tanh() * b


@_named("L = 3 * (a * b).relu() + (b + c).relu() * c + (b - c).relu() - a, with a * b exactly 0")
def _relu(a, b, c):
    return 3 * (a * b).relu() + (b + c).relu() * c + (b - c).relu() - a


@_named("L = a * 3 - 2 * b + a ** 2 - 7 / b on integers")
def _integers(a, b):
    return a * 3 - 2 * b + a ** 2 - 7 / b


def _affine(W, x, b):
    """Rows of W times x, plus b: lists of scalar nodes."""
    out = []
    for row, bias in zip(W, b):
        total = bias
        for w, xi in zip(row, x):
            total = total + w * xi
        out.append(total)
    return out


@_named("mini network: h = tanh(W x + b1), y = v . h + b2, L = (y - t) ** 2")
def _tanh_net(x, W, b1, v, b2, t):
    h = [z.tanh() for z in _affine(W, x, b1)]
    y = _affine([v], h, [b2])[0]
    return (y - t) ** 2


@_named("notebook 07's network: h = relu(W x + b1), theta = U h + b2, L = -sum(y * log(softmax(theta)))")
def _softmax_net(x, W, b1, U, b2, y):
    h = [z.relu() for z in _affine(W, x, b1)]
    theta = _affine(U, h, b2)
    exps = [t.exp() for t in theta]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    loss = 0.0
    for yc, e in zip(y, exps):
        loss = loss - yc * (e / total).log()
    return loss


def _value_case(label, build, draw):
    return Case(label, lambda rng: {"expression": build, **draw(rng)})


_VALUE_CASES = (
    _value_case("a node used twice", _reuse, lambda r: {"a": _away(r, 0.5, 3.0), "b": _away(r, 1.5, 3.0)}),
    _value_case("nodes used twice, one of them in a single product", _reuse_twice,
                lambda r: {"a": _away(r, 0.5, 2.0), "b": _away(r, 1.5, 3.0)}),
    _value_case("division and subtraction, numbers on both sides", _division,
                lambda r: {"a": _away(r, 0.5, 2.0), "b": _away(r, 0.5, 2.0), "c": _away(r, 0.7, 2.0)}),
    _value_case("powers 3, 0.5 and -2", _powers,
                lambda r: {"a": _away(r, 0.5, 1.5), "b": float(r.uniform(0.5, 3.0)), "c": _away(r, 0.7, 2.0)}),
    _value_case("exp and log", _exp_log,
                lambda r: {"a": _away(r, 0.2, 1.5), "b": float(r.uniform(0.5, 2.0)), "c": _away(r, 1.5, 3.0)}),
    _value_case("tanh", _tanh, lambda r: {"a": _away(r, 0.2, 1.2), "b": _away(r, 0.3, 1.0), "c": _away(r, 0.1, 0.8)}),
    _value_case("relu at exactly 0, above and below", _relu,
                lambda r: {"a": 0.0, "b": float(r.uniform(0.5, 2.0)), "c": float(r.uniform(2.5, 4.0))}),
    _value_case("integers", _integers, lambda r: {"a": 2, "b": -3}),
    _value_case("a mini network (tanh, squared error)", _tanh_net,
                lambda r: {"x": r.normal(0, 1, 3), "W": r.normal(0, 0.8, (2, 3)), "b1": r.normal(0, 0.3, 2),
                           "v": r.normal(0, 1, 2), "b2": float(r.normal(0, 0.3)), "t": float(r.normal(0, 1))}),
    _value_case("notebook 07's network (ReLU, softmax cross-entropy)", _softmax_net,
                lambda r: {"x": r.normal(0, 1, 3), "W": r.normal(0, 1, (4, 3)), "b1": r.normal(0, 0.3, 4),
                           "U": r.normal(0, 1, (3, 4)), "b2": r.normal(0, 0.3, 3), "y": np.eye(3)[r.integers(3)]}),
)


def _value_call(impl, inputs):
    numbers = {k: v for k, v in inputs.items() if k != "expression"}
    return run_value_scenario(impl["Value"], inputs["expression"], numbers)


def _broken_value(*, overwrite=False, seed=1.0, forward_order=False, recursive=False, tanh="ok", relu_zero=0.0, div_sign=1.0,
                  sub_sign=1.0, pow_rule="ok", mul_swap=True, rsub_swapped=False, rtruediv_swapped=False,
                  log_rule="ok", exp_rule="ok", no_upstream=()):
    """A reverse-mode engine with one rule broken: the answers of a learner who made that mistake."""

    class Broken:
        def __init__(self, data, parents=()):
            self.data, self.grad, self._parents = data, 0.0, parents
            self._backward = lambda: None

        @staticmethod
        def _lift(other):
            return other if isinstance(other, Broken) else Broken(other)

        @staticmethod
        def _send(node, amount):
            if overwrite:
                node.grad = amount
            else:
                node.grad += amount

        def _up(self, op, out):
            return 1.0 if op in no_upstream else out.grad

        def _unary(self, data, local, op):
            out = Broken(data, (self,))
            out._backward = lambda: Broken._send(self, local(out) * self._up(op, out))
            return out

        def __add__(self, other):
            other = Broken._lift(other)
            out = Broken(self.data + other.data, (self, other))

            def backward():
                Broken._send(self, out.grad)
                Broken._send(other, out.grad)
            out._backward = backward
            return out

        def __radd__(self, other):
            return Broken._lift(other) + self

        def __sub__(self, other):
            other = Broken._lift(other)
            out = Broken(self.data - other.data, (self, other))

            def backward():
                Broken._send(self, out.grad)
                Broken._send(other, -sub_sign * out.grad)
            out._backward = backward
            return out

        def __rsub__(self, other):
            return self - other if rsub_swapped else Broken._lift(other) - self

        def __mul__(self, other):
            other = Broken._lift(other)
            out = Broken(self.data * other.data, (self, other))

            def backward():
                if mul_swap:
                    Broken._send(self, other.data * out.grad)
                    Broken._send(other, self.data * out.grad)
                else:
                    Broken._send(self, self.data * out.grad)
                    Broken._send(other, other.data * out.grad)
            out._backward = backward
            return out

        def __rmul__(self, other):
            return Broken._lift(other) * self

        def __truediv__(self, other):
            other = Broken._lift(other)
            out = Broken(self.data / other.data, (self, other))

            def backward():
                Broken._send(self, out.grad / other.data)
                Broken._send(other, -div_sign * self.data / other.data ** 2 * out.grad)
            out._backward = backward
            return out

        def __rtruediv__(self, other):
            return self / other if rtruediv_swapped else Broken._lift(other) / self

        def __pow__(self, p):
            rules = {"ok": lambda x: p * x ** (p - 1), "p x^p": lambda x: p * x ** p,
                     "x^(p-1)": lambda x: x ** (p - 1)}
            return self._unary(self.data ** p, lambda out: rules[pow_rule](self.data), "**")

        def __neg__(self):
            return self._unary(-self.data, lambda out: -1.0, "neg")

        def exp(self):
            local = {"ok": lambda out: out.data, "input": lambda out: self.data}[exp_rule]
            return self._unary(math.exp(self.data), local, "exp")

        def log(self):
            local = {"ok": lambda out: 1 / self.data, "output": lambda out: 1 / out.data}[log_rule]
            return self._unary(math.log(self.data), local, "log")

        def tanh(self):
            rules = {"ok": lambda out: 1 - out.data ** 2, "square": lambda out: 1 - out.data,
                     "input": lambda out: 1 - self.data ** 2, "at_output": lambda out: 1 - math.tanh(out.data) ** 2}
            return self._unary(math.tanh(self.data), rules[tanh], "tanh")

        def relu(self):
            local = 1.0 if self.data > 0 else (relu_zero if self.data == 0 else 0.0)
            return self._unary(max(self.data, 0.0), lambda out: local, "relu")

        def backward(self):
            if recursive:   # no topological order: each node passes its grad on as soon as it is reached
                self.grad = seed

                def push(node):
                    node._backward()
                    for parent in node._parents:
                        push(parent)
                push(self)
                return
            order, seen = [], set()

            def visit(node):
                if id(node) not in seen:
                    seen.add(id(node))
                    for parent in node._parents:
                        visit(parent)
                    order.append(node)
            visit(self)
            self.grad = seed
            for node in (order if forward_order else reversed(order)):
                node._backward()

    Broken.__name__ = "Value"
    return Broken


_BROKEN_ENGINES = [
    (VALUE_OVERWRITE, _broken_value(overwrite=True)),
    (VALUE_NO_SEED, _broken_value(seed=0.0)),
    (VALUE_ORDER, _broken_value(forward_order=True)),
    (VALUE_TOPOLOGICAL, _broken_value(recursive=True)),
    (VALUE_TANH_SQUARE, _broken_value(tanh="square")),
    (VALUE_TANH_INPUT, _broken_value(tanh="input")),
    (VALUE_TANH_AT_OUTPUT, _broken_value(tanh="at_output")),
    (VALUE_RELU_ZERO, _broken_value(relu_zero=1.0)),
    (VALUE_DIV_SIGN, _broken_value(div_sign=-1.0)),
    (VALUE_SUB_SIGN, _broken_value(sub_sign=-1.0)),
    (VALUE_MUL_SWAP, _broken_value(mul_swap=False)),
    (VALUE_POW, _broken_value(pow_rule="p x^p")),
    (VALUE_POW, _broken_value(pow_rule="x^(p-1)")),
    (VALUE_RSUB, _broken_value(rsub_swapped=True)),
    (VALUE_RTRUEDIV, _broken_value(rtruediv_swapped=True)),
    (VALUE_LOG + " (x the input, not the output log(x))", _broken_value(log_rule="output")),
    (VALUE_EXP, _broken_value(exp_rule="input")),
] + [(VALUE_NO_UPSTREAM.format(op), _broken_value(no_upstream=(op,))) for op in ("exp", "log", "tanh", "relu", "**")]


def _value_mistakes(inputs):
    """For every output of the scenario, what each broken engine answers."""
    numbers = {k: v for k, v in inputs.items() if k != "expression"}
    found: dict[str, list] = {}
    for text, engine in _BROKEN_ENGINES:
        try:
            result = run_value_scenario(engine, inputs["expression"], numbers)
        except Exception:  # a broken rule can make the expression undefined (log of a negative number)
            continue
        for key, value in result.items():
            found.setdefault(f"Value[{key!r}]", []).append((text, value))
    return found


TESTS = [
    HiddenTest("Dual", ("Dual",), _DUAL_CASES, outputs=dual_outputs(), call=_dual_call,
               mistakes=lambda i: dual_mistakes(**i), rtol=1e-9, atol=1e-12, points=3),
    _dual_function_test("dual_sin", [("a random value", lambda r: _away(r, 0.2, 3.0)),
                                     ("a random value", lambda r: _away(r, 0.2, 3.0))]),
    _dual_function_test("dual_exp", [("a random value", lambda r: _away(r, 0.2, 2.0)),
                                     ("a random value", lambda r: _away(r, 0.2, 2.0))]),
    _dual_function_test("dual_log", [("a value in (0.1, 1)", lambda r: float(r.uniform(0.1, 1.0))),
                                     ("a value in (1, 5)", lambda r: float(r.uniform(1.0, 5.0)))]),
    HiddenTest("forward_mode_gradient", ("forward_mode_gradient",), _FORWARD_CASES,
               mistakes=lambda i: forward_gradient_mistakes(i["f"].plain, i["x"]), rtol=1e-9, atol=1e-12, points=2),
    HiddenTest("diamond_gradients_by_hand", ("diamond_gradients_by_hand",),
               (Case("the checkpoint's diamond: d = a * b, L = (d * c) * 2 + d at a = 3, b = -1, c = 1.5",
                     lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_diamond_gradients_by_hand(actual), points=1),
    HiddenTest("Value", ("Value",), _VALUE_CASES, call=_value_call, mistakes=_value_mistakes,
               rtol=1e-7, atol=1e-10, points=5),
]
