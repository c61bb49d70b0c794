"""Learner-style implementations for notebook 10, automatic differentiation.

``VALID``: other correct ways to write each graded class or function (they keep
full marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain).

The two classes are long, so most of their variants are made from one correct
class source (``_DUAL``, ``_VALUE``) by replacing a few lines: :func:`_edit`
insists that every replaced piece is really there.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "10-automatic-differentiation"

_DUAL = '''
class Dual:
    def __init__(self, value, derivative=0.0):
        self.value = value
        self.derivative = derivative

    def __repr__(self):
        return f"Dual({self.value!r}, {self.derivative!r})"

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(self.value + other.value, self.derivative + other.derivative)

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(self.value - other.value, self.derivative - other.derivative)

    def __rsub__(self, other):
        return Dual(other, 0.0) - self

    def __mul__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(self.value * other.value, self.derivative * other.value + self.value * other.derivative)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(self.value / other.value,
                    (self.derivative * other.value - self.value * other.derivative) / other.value ** 2)

    def __rtruediv__(self, other):
        return Dual(other, 0.0) / self

    def __pow__(self, exponent):
        return Dual(self.value ** exponent, exponent * self.value ** (exponent - 1) * self.derivative)

    def __neg__(self):
        return Dual(-self.value, -self.derivative)
'''

_VALUE = '''
import math


class Value:
    def __init__(self, data, _parents=()):
        self.data = data
        self.grad = 0.0
        self._parents = _parents
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __rsub__(self, other):
        return Value(other) - self

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other))

        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    def __rtruediv__(self, other):
        return Value(other) / self

    def __pow__(self, exponent):
        out = Value(self.data ** exponent, (self,))

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,))

        def _backward():
            self.grad -= out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,))

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,))

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,))

        def _backward():
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,))

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
'''


def _edit(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced (every occurrence); each ``old`` must occur."""
    for old, new in replacements:
        if old not in source:
            raise ValueError(f"variant edit: {old!r} is not in the source")
        source = source.replace(old, new)
    return source


_DUAL_ARITHMETIC = ("test_forward_mode_gradient",)  # its f runs on the learner's Duals

VALID = [
    # ---- Dual
    Variant("Dual", "the notebook's class, written compactly", _DUAL),
    Variant("Dual", "subtraction and division built from +, negation and ** -1", '''
class Dual:
    __slots__ = ("value", "derivative")

    def __init__(self, value, derivative=0.0):
        self.value = value
        self.derivative = derivative

    @staticmethod
    def lift(x):
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, other):
        other = Dual.lift(other)
        return Dual(self.value + other.value, self.derivative + other.derivative)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.derivative)

    def __sub__(self, other):
        return self + (-Dual.lift(other))

    def __rsub__(self, other):
        return Dual.lift(other) + (-self)

    def __mul__(self, other):
        other = Dual.lift(other)
        return Dual(self.value * other.value, self.value * other.derivative + other.value * self.derivative)

    __rmul__ = __mul__

    def __pow__(self, p):
        return Dual(self.value ** p, p * self.value ** (p - 1) * self.derivative)

    def __truediv__(self, other):
        return self * Dual.lift(other) ** -1

    def __rtruediv__(self, other):
        return Dual.lift(other) * self ** -1
'''),
    Variant("Dual", "plain numbers handled by their own formulas, no wrapping", '''
import numbers

class Dual:
    def __init__(self, value, derivative=0.0):
        self.value, self.derivative = value, derivative

    def __add__(self, other):
        if isinstance(other, numbers.Real):
            return Dual(self.value + other, self.derivative)
        return Dual(self.value + other.value, self.derivative + other.derivative)

    def __radd__(self, other):
        return Dual(other + self.value, self.derivative)

    def __sub__(self, other):
        if isinstance(other, numbers.Real):
            return Dual(self.value - other, self.derivative)
        return Dual(self.value - other.value, self.derivative - other.derivative)

    def __rsub__(self, other):
        return Dual(other - self.value, -self.derivative)

    def __mul__(self, other):
        if isinstance(other, numbers.Real):
            return Dual(self.value * other, self.derivative * other)
        return Dual(self.value * other.value, self.derivative * other.value + self.value * other.derivative)

    def __rmul__(self, other):
        return Dual(other * self.value, other * self.derivative)

    def __truediv__(self, other):
        if isinstance(other, numbers.Real):
            return Dual(self.value / other, self.derivative / other)
        q = self.value / other.value
        return Dual(q, (self.derivative - q * other.derivative) / other.value)

    def __rtruediv__(self, other):
        q = other / self.value
        return Dual(q, -q * self.derivative / self.value)

    def __pow__(self, p):
        return Dual(self.value ** p, p * self.value ** (p - 1) * self.derivative)

    def __neg__(self):
        return Dual(-self.value, -self.derivative)
'''),
    # ---- dual_sin, dual_exp, dual_log
    Variant("dual_sin", "NumPy functions, converted to floats", '''
import numpy as np

def dual_sin(x):
    return Dual(float(np.sin(x.value)), float(np.cos(x.value)) * x.derivative)
'''),
    Variant("dual_sin", "a constant plus a scaled Dual, with the class's arithmetic", '''
import math

def dual_sin(x):
    return Dual(math.sin(x.value), 0.0) + math.cos(x.value) * Dual(0.0, x.derivative)
'''),
    Variant("dual_exp", "NumPy exp, scaled by the class's __rmul__", '''
import numpy as np

def dual_exp(x):
    e = float(np.exp(x.value))
    return e * Dual(1.0, x.derivative)
'''),
    Variant("dual_log", "NumPy log and reciprocal", '''
import numpy as np

def dual_log(x):
    return Dual(float(np.log(x.value)), float(np.reciprocal(float(x.value))) * x.derivative)
'''),
    # ---- forward_mode_gradient
    Variant("forward_mode_gradient", "the rows of an identity matrix as seeds", '''
import numpy as np

def forward_mode_gradient(f, x):
    x = np.asarray(x, dtype=float)
    seeds = np.eye(len(x))
    return np.array([f([Dual(v, s) for v, s in zip(x, seed)]).derivative for seed in seeds])
'''),
    Variant("forward_mode_gradient", "a NumPy object array of Duals, updated in place on a copy", '''
import numpy as np

def forward_mode_gradient(f, x):
    xs = np.array([Dual(float(v), 0.0) for v in x], dtype=object)
    grad = np.empty(len(xs))
    for i in range(len(xs)):
        xs[i] = Dual(xs[i].value, 1.0)
        grad[i] = f(xs).derivative
        xs[i] = Dual(xs[i].value, 0.0)
    return grad
'''),
    # ---- Value
    # ---- diamond_gradients_by_hand (the checkpoint)
    Variant("diamond_gradients_by_hand", "a list of the four numbers, as integers", '''
def diamond_gradients_by_hand():
    return [4, -4, 12, -6]
'''),
    Variant("diamond_gradients_by_hand", "the sweep written out with NumPy", '''
import numpy as np

def diamond_gradients_by_hand():
    a, b, c = 3.0, -1.0, 1.5
    d = a * b
    dd = 2 * c + 1.0
    return np.array([dd, b * dd, a * dd, 2 * d])
'''),
    Variant("Value", "the notebook's class, written compactly", _VALUE),
    Variant("Value", "micrograd style: -, / and reflected operations built from +, *, ** and negation", _edit(
        _VALUE,
        ('''    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out
''', '''    def __sub__(self, other):
        return self + (-other)
'''),
        ("        return Value(other) - self\n", "        return other + (-self)\n"),
        ('''    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other))

        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out
''', '''    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self * other ** -1
'''),
        ("        return Value(other) / self\n", "        return other * self ** -1\n"),
        ('''        out = Value(-self.data, (self,))

        def _backward():
            self.grad -= out.grad
        out._backward = _backward
        return out
''', "        return self * -1\n"))),
    Variant("Value", "Kahn's algorithm for the order, local gradients stored with each node", '''
import numpy as np


class Value:
    def __init__(self, data, _parents=(), _local=()):
        self.data = data
        self.grad = 0.0
        self._parents = _parents
        self._local = _local          # d self / d parent, one per parent

    @staticmethod
    def wrap(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.wrap(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __radd__(self, other):
        return Value.wrap(other) + self

    def __sub__(self, other):
        other = Value.wrap(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0))

    def __rsub__(self, other):
        return Value.wrap(other) - self

    def __mul__(self, other):
        other = Value.wrap(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __rmul__(self, other):
        return Value.wrap(other) * self

    def __truediv__(self, other):
        other = Value.wrap(other)
        return Value(self.data / other.data, (self, other), (1.0 / other.data, -self.data / other.data ** 2))

    def __rtruediv__(self, other):
        return Value.wrap(other) / self

    def __pow__(self, p):
        return Value(self.data ** p, (self,), (p * self.data ** (p - 1),))

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,))

    def exp(self):
        e = float(np.exp(self.data))
        return Value(e, (self,), (e,))

    def log(self):
        return Value(float(np.log(self.data)), (self,), (1.0 / self.data,))

    def tanh(self):
        t = float(np.tanh(self.data))
        return Value(t, (self,), (1.0 - t * t,))

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        # count, for every node, how many uses (children) it has in the graph of self
        users, stack, seen = {}, [self], {id(self)}
        while stack:
            node = stack.pop()
            for parent in node._parents:
                users[id(parent)] = users.get(id(parent), 0) + 1
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        # Kahn: a node is ready once all of its users have passed their gradient to it
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            for parent, local in zip(node._parents, node._local):
                parent.grad += local * node.grad
                users[id(parent)] -= 1
                if users[id(parent)] == 0:
                    ready.append(parent)
'''),
    # ---- gallery: real-world styles
    Variant("Dual", "division as a product with the reciprocal, other ** -1", _edit(
        _DUAL, ("""        return Dual(self.value / other.value,
                    (self.derivative * other.value - self.value * other.derivative) / other.value ** 2)""",
                """        return self * other ** -1"""))),
    Variant("dual_exp", "math.exp computed once and reused", """
import math

def dual_exp(x):
    e = math.exp(x.value)
    return Dual(e, e * x.derivative)
"""),
    Variant("dual_log", "the chain rule as derivative * (1 / value)", """
import math

def dual_log(x):
    return Dual(math.log(x.value), x.derivative * (1.0 / x.value))
"""),
    Variant("forward_mode_gradient", "float(i == j) seeds in a comprehension, np.fromiter", """
import numpy as np

def forward_mode_gradient(f, x):
    n = len(x)
    return np.fromiter((f([Dual(float(v), float(i == j)) for j, v in enumerate(x)]).derivative
                        for i in range(n)), dtype=float, count=n)
"""),
    Variant("forward_mode_gradient", "a float gradient array from np.zeros(len(x)), filled in a loop", """
import numpy as np

def forward_mode_gradient(f, x):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        inputs = [Dual(float(x[j]), 1.0 if j == i else 0.0) for j in range(len(x))]
        grad[i] = f(inputs).derivative
    return grad
"""),
    Variant("Value", "micrograd verbatim: _prev as a set, _op labels, __truediv__ as self * other**-1", _edit(
        _VALUE,
        ("    def __init__(self, data, _parents=()):\n        self.data = data\n        self.grad = 0.0\n"
         "        self._parents = _parents\n",
         "    def __init__(self, data, _parents=(), _op=''):\n        self.data = data\n        self.grad = 0\n"
         "        self._prev = set(_parents)\n        self._op = _op\n"),
        ("                for parent in node._parents:", "                for parent in node._prev:"),
        ("""        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other))

        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out""", """        return self * other ** -1"""),
        ("""    def __rtruediv__(self, other):
        return Value(other) / self""", """    def __rtruediv__(self, other):
        return other * self ** -1"""),
        ("""    def __pow__(self, exponent):
""", """    def __pow__(self, exponent):
        assert isinstance(exponent, (int, float)), "only supporting int/float powers for now"
"""))),
    Variant("Value", "an iterative topological sort with an explicit stack", _edit(
        _VALUE, ("""        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
""", """        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                for parent in node._parents:
                    if parent not in visited:
                        stack.append((parent, False))
"""))),
    Variant("Value", "relu micrograd-style: Value(0 if data < 0 else data), gradient (out.data > 0)", _edit(
        _VALUE, ("out = Value(self.data if self.data > 0 else 0.0, (self,))",
                 "out = Value(0 if self.data < 0 else self.data, (self,))"),
        ("self.grad += (1.0 if self.data > 0 else 0.0) * out.grad", "self.grad += (out.data > 0) * out.grad"))),
]

_ANYTHING = '''
class _Anything:
    def __eq__(self, other):
        return True
    value = derivative = None
'''

WRONG = [
    # ---- Dual
    Variant("Dual", "product rule: derivatives multiplied", _edit(
        _DUAL, ("self.derivative * other.value + self.value * other.derivative", "self.derivative * other.derivative")),
            "product rule", _DUAL_ARITHMETIC),
    Variant("Dual", "product rule: one term missing", _edit(
        _DUAL, ("self.derivative * other.value + self.value * other.derivative", "self.derivative * other.value")),
            "product rule", _DUAL_ARITHMETIC),
    Variant("Dual", "division rule with the wrong sign", _edit(
        _DUAL, ("(self.derivative * other.value - self.value * other.derivative)",
                "(self.derivative * other.value + self.value * other.derivative)")),
            "division rule's sign", _DUAL_ARITHMETIC),
    Variant("Dual", "__rsub__ computes self - other", _edit(_DUAL, ("return Dual(other, 0.0) - self", "return self - other")),
            "__rsub__ computes other - self", _DUAL_ARITHMETIC),
    Variant("Dual", "__rtruediv__ computes self / other", _edit(_DUAL, ("return Dual(other, 0.0) / self",
                                                                     "return self / other")),
            "__rtruediv__ computes other / self", _DUAL_ARITHMETIC),
    Variant("Dual", "a plain number wrapped with derivative 1", _edit(_DUAL, ("Dual(other, 0.0)", "Dual(other, 1.0)")),
            "a plain number is a constant", _DUAL_ARITHMETIC),
    Variant("Dual", "no reflected methods", _edit(
        _DUAL, ("    def __radd__(self, other):\n        return self + other\n", ""),
        ("    def __rsub__(self, other):\n        return Dual(other, 0.0) - self\n", ""),
        ("    def __rmul__(self, other):\n        return self * other\n", ""),
        ("    def __rtruediv__(self, other):\n        return Dual(other, 0.0) / self\n", "")),
            "reflected", _DUAL_ARITHMETIC),
    Variant("Dual", "power rule without the chain-rule factor", _edit(
        _DUAL, ("exponent * self.value ** (exponent - 1) * self.derivative", "exponent * self.value ** (exponent - 1)")),
            "chain-rule factor", _DUAL_ARITHMETIC),
    Variant("Dual", "negation keeps the derivative", _edit(_DUAL, ("Dual(-self.value, -self.derivative)",
                                                                "Dual(-self.value, self.derivative)")),
            "negation flips the derivative", _DUAL_ARITHMETIC),
    Variant("Dual", "subclasses the reference class", '''
from chainrule_reference.autodiff import Dual as _Reference

class Dual(_Reference):
    pass
''', "reference implementation", ("test_dual_sin", "test_dual_exp", "test_dual_log", "test_forward_mode_gradient")),
    # ---- dual_sin
    Variant("dual_sin", "no chain-rule factor", '''
import math

def dual_sin(x):
    return Dual(math.sin(x.value), math.cos(x.value))
''', "chain rule"),
    Variant("dual_sin", "sin where cos belongs", '''
import math

def dual_sin(x):
    return Dual(math.sin(x.value), math.sin(x.value) * x.derivative)
''', "derivative of sin is cos"),
    Variant("dual_sin", "returns a tuple, not a Dual", '''
import math

def dual_sin(x):
    return math.sin(x.value), math.cos(x.value) * x.derivative
''', "should give a Dual"),
    Variant("dual_sin", "hard-codes the visible check's answers", '''
def dual_sin(x):
    known = {(0.7, 2.5): (0.644217687237691, 1.9121054682112213),
             (-2.0, -1.5): (-0.9092974268256817, 0.6242202548207136),
             (1.0, 0.0): (0.8414709848078965, 0.0)}
    return Dual(*known.get((x.value, x.derivative), (0.0, 0.0)))
''', None),
    # ---- dual_exp
    Variant("dual_exp", "no chain-rule factor", '''
import math

def dual_exp(x):
    return Dual(math.exp(x.value), math.exp(x.value))
''', "chain rule"),
    Variant("dual_exp", "an object equal to everything", _ANYTHING + '''
def dual_exp(x):
    out = _Anything()
    out.value, out.derivative = _Anything(), _Anything()
    return out
''', "should be"),
    # ---- dual_log
    Variant("dual_log", "no chain-rule factor", '''
import math

def dual_log(x):
    return Dual(math.log(x.value), 1.0 / x.value)
''', "chain rule"),
    Variant("dual_log", "divides by the value squared", '''
import math

def dual_log(x):
    return Dual(math.log(x.value), x.derivative / x.value ** 2)
''', "not 1 / x^2"),
    Variant("dual_log", "calls the reference", '''
def dual_log(x):
    from chainrule_reference.autodiff import Dual as _RefDual, dual_log as _ref
    out = _ref(_RefDual(x.value, x.derivative))
    return Dual(out.value, out.derivative)
''', "reference implementation"),
    # ---- forward_mode_gradient
    Variant("forward_mode_gradient", "seeds never reset to 0", '''
import numpy as np

def forward_mode_gradient(f, x):
    seeds = np.zeros(len(x))
    grad = np.zeros(len(x))
    for i in range(len(x)):
        seeds[i] = 1.0
        grad[i] = f([Dual(v, s) for v, s in zip(x, seeds)]).derivative
    return grad
''', "was not reset"),
    Variant("forward_mode_gradient", "every input seeded in one pass", '''
import numpy as np

def forward_mode_gradient(f, x):
    total = f([Dual(v, 1.0) for v in x]).derivative
    return np.full(len(x), total)
''', "same pass"),
    Variant("forward_mode_gradient", "returns the value parts", '''
import numpy as np

def forward_mode_gradient(f, x):
    return np.array([f([Dual(v, 1.0 if j == i else 0.0) for j, v in enumerate(x)]).value for i in range(len(x))])
''', "not the derivative part"),
    Variant("forward_mode_gradient", "seeds x[i] instead of 1", '''
import numpy as np

def forward_mode_gradient(f, x):
    return np.array([f([Dual(v, v if j == i else 0.0) for j, v in enumerate(x)]).derivative for i in range(len(x))])
''', "should be 1, not x[i]"),
    Variant("forward_mode_gradient", "stores the gradient in x itself", '''
import numpy as np

def forward_mode_gradient(f, x):
    xs = [Dual(float(v), 0.0) for v in x]
    for i in range(len(x)):
        xs[i].derivative = 1.0
        x[i] = f(xs).derivative
        xs[i].derivative = 0.0
    return x
''', "in place"),
    Variant("forward_mode_gradient", "calls the reference", '''
def forward_mode_gradient(f, x):
    from chainrule_reference.autodiff import forward_mode_gradient as _ref
    return _ref(f, x)
''', "reference implementation"),
    Variant("forward_mode_gradient", "hard-codes the visible check's answer", '''
import numpy as np

def forward_mode_gradient(f, x):
    return np.array([-5.0, -7.0, -16.0])
''', None),
    # ---- diamond_gradients_by_hand (the checkpoint)
    Variant("diamond_gradients_by_hand", "only the direct use of d counted", '''
def diamond_gradients_by_hand():
    return (1.0, -1.0, 3.0, -6.0)
''', "sum of the shares of both uses"),
    Variant("diamond_gradients_by_hand", "only the use through c counted", '''
def diamond_gradients_by_hand():
    return (3.0, -3.0, 9.0, -6.0)
''', "the direct use"),
    Variant("diamond_gradients_by_hand", "each factor of a * b given its own value", '''
def diamond_gradients_by_hand():
    return (4.0, 12.0, -4.0, -6.0)
''', "the OTHER factor"),
    Variant("diamond_gradients_by_hand", "dL/dc without the factor 2", '''
def diamond_gradients_by_hand():
    return (4.0, -4.0, 12.0, -3.0)
''', "passes through the * 2"),
    Variant("diamond_gradients_by_hand", "three numbers only", '''
def diamond_gradients_by_hand():
    return (-4.0, 12.0, -6.0)
''', "should return 4 numbers"),
    # ---- Value
    Variant("Value", "gradients overwritten instead of accumulated", _edit(
        _VALUE, ("self.grad += ", "self.grad = "), ("other.grad += ", "other.grad = "),
        ("other.grad -= out.grad", "other.grad = -out.grad"), ("self.grad -= out.grad", "self.grad = -out.grad")),
            "instead of accumulated"),
    Variant("Value", "tanh: 1 - t instead of 1 - t^2", _edit(_VALUE, ("(1.0 - out.data ** 2)", "(1.0 - out.data)")),
            "1 - tanh(x)^2 (squared)"),
    Variant("Value", "tanh: derivative from the input", _edit(_VALUE, ("(1.0 - out.data ** 2)", "(1.0 - self.data ** 2)")),
            "uses the input"),
    Variant("Value", "tanh: local gradient not multiplied by out.grad", _edit(
        _VALUE, ("self.grad += (1.0 - out.data ** 2) * out.grad", "self.grad += 1.0 - out.data ** 2")),
            "was not multiplied by out.grad"),
    Variant("Value", "relu passes the gradient at exactly 0", _edit(_VALUE, ("(1.0 if self.data > 0 else 0.0)",
                                                                         "(1.0 if self.data >= 0 else 0.0)")),
            "relu's gradient at exactly 0 is 0"),
    Variant("Value", "division: the wrong sign for the denominator", _edit(
        _VALUE, ("other.grad += -self.data / other.data ** 2 * out.grad", "other.grad += self.data / other.data ** 2 * out.grad")),
            "the sign of d(a / b)/db"),
    Variant("Value", "subtraction: the second operand gets +out.grad", _edit(
        _VALUE, ("other.grad -= out.grad", "other.grad += out.grad")), "d(a - b)/db is -1"),
    Variant("Value", "product: each factor gets its own data", _edit(
        _VALUE, ("self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
                 "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad")),
            "OTHER factor"),
    Variant("Value", "power rule without lowering the exponent", _edit(
        _VALUE, ("exponent * self.data ** (exponent - 1) * out.grad", "exponent * self.data ** exponent * out.grad")),
            "power rule"),
    Variant("Value", "__rsub__ computes self - other", _edit(_VALUE, ("return Value(other) - self", "return self - other")),
            "__rsub__ computes other - self"),
    Variant("Value", "output's grad not seeded", _edit(_VALUE, ("        self.grad = 1.0\n", "")), "seeded with 1"),
    Variant("Value", "backward sweep in forward order", _edit(_VALUE, ("for node in reversed(order):",
                                                                     "for node in order:")),
            "reversed topological order"),
    Variant("Value", "no topological order: each node passes its grad on as soon as it is reached", _edit(
        _VALUE, ("""        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
""", """        self.grad = 1.0

        def push(node):
            node._backward()
            for parent in node._parents:
                push(parent)

        push(self)
""")), "backward needs a topological order"),
    Variant("Value", "breadth-first sweep from the output (a visited set, no topological order)", _edit(
        _VALUE, ("""        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
""", """        self.grad = 1.0
        queue, seen = [self], {self}
        while queue:
            node = queue.pop(0)
            node._backward()
            for parent in node._parents:
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
""")), None),
    Variant("Value", "no __radd__", _edit(_VALUE, ("    def __radd__(self, other):\n        return self + other\n", "")),
            "reflected"),
    Variant("Value", "a number not wrapped in Value", _edit(
        _VALUE, ("        other = other if isinstance(other, Value) else Value(other)\n"
                 "        out = Value(self.data * other.data, (self, other))",
                 "        out = Value(self.data * other.data, (self, other))")),
            "wrap it first"),
    Variant("Value", "no visited set: shared nodes are swept twice", _edit(
        _VALUE, ("            if node not in visited:\n", "            if True:\n")), None),
    Variant("Value", "subclasses the reference class", '''
from chainrule_reference.autodiff import Value as _Reference

class Value(_Reference):
    pass
''', "reference implementation"),
    # ---- gallery: real-world styles
    Variant("forward_mode_gradient", "grad = np.zeros_like(x): an integer array for an integer x", '''
import numpy as np

def forward_mode_gradient(f, x):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        grad[i] = f([Dual(v, 1.0 if j == i else 0.0) for j, v in enumerate(x)]).derivative
    return grad
''', diagnosis="cut to integers", score=0.8),
    Variant("Value", "log: out.grad / out.data instead of / self.data", _edit(
        _VALUE, ("self.grad += out.grad / self.data", "self.grad += out.grad / out.data")),
            diagnosis="not the output log(x)", score=0.8),
    Variant("Value", "exp: the local gradient from self.data (exp'(x) taken as x)", _edit(
        _VALUE, ("self.grad += out.data * out.grad", "self.grad += self.data * out.grad")),
            diagnosis="the derivative of exp(x) is exp(x) itself", score=0.8),
]
