r"""Numerical differentiation by central differences, in float64.

Every helper takes the step ``h`` and returns numbers (it never raises because
an answer looks wrong: judging is :mod:`chainrule.checking`'s job). Inputs are
never modified: the helpers perturb a float64 copy, one entry at a time, and
put each entry back before moving on.

The central difference

.. math:: f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}

has a truncation error of order :math:`h^2`, against order :math:`h` for the
forward difference, so ``h = 1e-5`` gives about ten correct digits in float64.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from .checking import CheckFailure, in_learner_code

__all__ = ["num_derivative", "num_grad", "num_jacobian", "num_vjp"]


def _course_tool(fn: Callable) -> Callable:
    """The course's own numerical differentiation: not to be handed in as a graded answer
    (notebook 03 asks the learner to write it; notebook 05 to build Jacobians analytically)."""
    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if in_learner_code():
            raise CheckFailure(f"the code under test called chainrule's {fn.__name__}: graded "
                               "functions must compute their answer themselves.")
        return fn(*args, **kwargs)
    return guarded


@_course_tool
def num_derivative(f: Callable, x, h: float = 1e-5):
    """Derivative of an elementwise function ``f`` at every entry of ``x``.

    Args:
        f: elementwise function, ``f(x)`` has the shape of ``x``.
        x: scalar or array, any shape.
    Returns:
        ``f'(x)``, the shape of ``x`` (a float for a scalar ``x``).
    """
    x = np.asarray(x, dtype=np.float64)
    out = (np.asarray(f(x + h), dtype=np.float64) - np.asarray(f(x - h), dtype=np.float64)) / (2 * h)
    return float(out) if out.ndim == 0 else out


@_course_tool
def num_vjp(f: Callable, x, dout, h: float = 1e-5) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a backward pass computes: the upstream gradient ``dout``
    (the shape of ``f(x)``) pulled back through ``f``.

    Args:
        f: function of one array, any output shape.
        x: input array, any shape.
        dout: upstream gradient, the shape of ``f(x)``.
    Returns:
        array of the shape of ``x`` (shape convention), float64.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return num_grad(lambda v: float(np.sum(np.asarray(f(v), dtype=np.float64) * dout)), x, h)


@_course_tool
def num_grad(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Gradient of a scalar function ``f`` at ``x``, entry by entry.

    Args:
        f: scalar-valued function of one array.
        x: array, any shape (a scalar gives a 0-d array).
    Returns:
        ``df/dx``, float64 array with the shape of ``x`` (shape convention).
    """
    x = np.asarray(x, dtype=np.float64)
    return num_jacobian(f, x, h).reshape(x.shape)  # the one row of a scalar's Jacobian, in x's shape


@_course_tool
def num_jacobian(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """Jacobian of ``f`` at ``x`` in numerator layout.

    Args:
        f: function of one array; its output is flattened (C order) to ``m`` entries.
        x: array of ``n`` entries, any shape (flattened in C order).
    Returns:
        ``J`` of shape ``(m, n)`` with ``J[i, j] = d f_i / d x_j``, float64.
    """
    x = np.array(x, dtype=np.float64)
    columns = []
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = np.array(f(x), dtype=np.float64).ravel()
        x[idx] = old - h
        f_minus = np.array(f(x), dtype=np.float64).ravel()
        x[idx] = old
        columns.append((f_plus - f_minus) / (2 * h))
    return np.stack(columns, axis=1)
