r"""Reference implementations for notebook 10, automatic differentiation.

Forward mode: a :class:`Dual` number :math:`a + b\,\varepsilon` with
:math:`\varepsilon^2 = 0` carries a value and its derivative along one seeded
direction through every operation; :func:`forward_mode_gradient` needs one such
pass per input.

Reverse mode: a :class:`Value` records the computational graph while the
forward pass runs (each node keeps its parents and a closure that pushes its
gradient to them); :meth:`Value.backward` sorts the graph topologically and
runs the closures from the output back to the leaves, accumulating with
``+=``. One backward pass gives the gradient with respect to every leaf.

Both classes are registered with :func:`reference_impl`: they stay ordinary
classes, and their ``__init__`` refuses to run while learner code is graded.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._registry import reference_impl

__all__ = ["Dual", "Value", "diamond_gradients_by_hand", "dual_exp", "dual_log", "dual_sin", "forward_mode_gradient"]


def _is_plain_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@reference_impl
class Dual:
    r"""A dual number ``value + derivative * eps`` with ``eps**2 = 0``.

    Arithmetic with another Dual or with a plain number (on either side)
    follows the rules of differentiation: the ``derivative`` part of the result
    is the derivative of the result along the direction that was seeded.

    Args:
        value: the value part (a float).
        derivative: the derivative part (a float); 0 for a constant.
    """

    def __init__(self, value, derivative=0.0):
        self.value = value
        self.derivative = derivative

    @staticmethod
    def _lift(other) -> "Dual":
        """A plain number is a constant: derivative part 0."""
        return other if isinstance(other, Dual) else Dual(other, 0.0)

    def __add__(self, other):
        other = Dual._lift(other)
        return Dual(self.value + other.value, self.derivative + other.derivative)

    def __radd__(self, other):
        return Dual._lift(other) + self

    def __sub__(self, other):
        other = Dual._lift(other)
        return Dual(self.value - other.value, self.derivative - other.derivative)

    def __rsub__(self, other):
        return Dual._lift(other) - self

    def __mul__(self, other):
        other = Dual._lift(other)
        return Dual(self.value * other.value,
                    self.derivative * other.value + self.value * other.derivative)

    def __rmul__(self, other):
        return Dual._lift(other) * self

    def __truediv__(self, other):
        other = Dual._lift(other)
        return Dual(self.value / other.value,
                    (self.derivative * other.value - self.value * other.derivative) / other.value ** 2)

    def __rtruediv__(self, other):
        return Dual._lift(other) / self

    def __pow__(self, exponent):
        if not _is_plain_number(exponent):
            return NotImplemented
        return Dual(self.value ** exponent, exponent * self.value ** (exponent - 1) * self.derivative)

    def __neg__(self):
        return Dual(-self.value, -self.derivative)

    def __repr__(self):
        return f"Dual({self.value!r}, {self.derivative!r})"


@reference_impl
def dual_sin(x):
    r"""sin of a Dual: sin(a + b eps) = sin(a) + cos(a) b eps (a plain number is a constant)."""
    x = Dual._lift(x)
    return Dual(math.sin(x.value), math.cos(x.value) * x.derivative)


@reference_impl
def dual_exp(x):
    r"""exp of a Dual: exp(a + b eps) = exp(a) + exp(a) b eps."""
    x = Dual._lift(x)
    e = math.exp(x.value)
    return Dual(e, e * x.derivative)


@reference_impl
def dual_log(x):
    r"""Natural log of a Dual with a positive value: log(a + b eps) = log(a) + (b / a) eps."""
    x = Dual._lift(x)
    return Dual(math.log(x.value), x.derivative / x.value)


@reference_impl
def forward_mode_gradient(f, x):
    r"""Gradient of a scalar function by forward mode: one pass of Duals per input.

    Args:
        f: ``f(xs)`` takes a list of n Duals (one per entry of x) and returns one
            Dual, using only Dual-aware operations (``+ - * / **``, ``dual_sin``, ...).
        x: 1-D array of length n, the point.
    Returns:
        (n,) float64 array: entry i is the derivative part of ``f`` when input i
        is seeded with derivative 1 and every other input with 0.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        xs = [Dual(float(x[j]), 1.0 if j == i else 0.0) for j in range(x.shape[0])]
        out = f(xs)
        grad[i] = out.derivative if isinstance(out, Dual) else 0.0
    return grad


@reference_impl
def diamond_gradients_by_hand():
    r"""The checkpoint of notebook 10: the reverse sweep through a diamond, by hand.

    For :math:`d = a b` and :math:`L = 2 c d + d` at :math:`a = 3`, :math:`b = -1`, :math:`c = 1.5`, the node
    :math:`d` is used twice, so :math:`\partial L/\partial d = 2c + 1 = 4` (the sum of both shares); then
    :math:`\partial L/\partial a = b \cdot 4`, :math:`\partial L/\partial b = a \cdot 4` and
    :math:`\partial L/\partial c = 2d = 2ab`.

    Returns:
        ``(dL/dd, dL/da, dL/db, dL/dc)``, a tuple of four floats.
    """
    a, b, c = 3.0, -1.0, 1.5
    dd = 2 * c + 1
    return (dd, b * dd, a * dd, 2 * a * b)


@reference_impl
class Value:
    r"""A scalar node of a computational graph, recorded while it is computed.

    Every operation returns a new Value that remembers its parents and a
    closure ``_backward`` that adds (local gradient x ``out.grad``) to each
    parent's ``grad``. :meth:`backward` seeds the output's grad with 1 and runs
    the closures in reversed topological order.

    Args:
        data: the value (a float).
    """

    def __init__(self, data, _parents=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._parents = tuple(_parents)
        self._op = _op
        self._backward = _no_backward

    @staticmethod
    def _lift(other) -> "Value":
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = Value._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return Value._lift(other) + self

    def __sub__(self, other):
        other = Value._lift(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __rsub__(self, other):
        return Value._lift(other) - self

    def __mul__(self, other):
        other = Value._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return Value._lift(other) * self

    def __truediv__(self, other):
        other = Value._lift(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    def __rtruediv__(self, other):
        return Value._lift(other) / self

    def __pow__(self, exponent):
        if not _is_plain_number(exponent):
            return NotImplemented
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():
            self.grad -= out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad   # 0 at exactly 0
        out._backward = _backward
        return out

    def backward(self):
        """Fill ``grad`` of every node this one depends on: seed 1, then reversed topological order."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:  # iterative depth-first post-order: no recursion limit on long chains
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node._parents if id(parent) not in seen)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"


def _no_backward():
    """A leaf has no parents to pass its gradient to."""
