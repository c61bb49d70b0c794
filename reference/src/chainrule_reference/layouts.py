r"""Reference implementations for notebook 04, layout conventions.

A scalar loss :math:`L` depends on a linear map's output :math:`z`; the
upstream gradient ``delta`` :math:`= \partial L / \partial z` is given as a
**row** vector ``(1, m)``, the numerator-layout Jacobian of a scalar. The
names ``column_dJ_dx``, ``row_dJ_dW``, ... keep CS224n's letter :math:`J` for
this loss :math:`L` (docs/notation.md). Every
function here returns a gradient in the **shape convention**: the array has
the shape of the variable it belongs to, ready for ``param -= lr * grad``.

* Column form, :math:`z = W x` with ``W (m, n)``, ``x (n, 1)``:
  :math:`\partial L/\partial x = W^T \delta^T` ``(n, 1)`` and
  :math:`\partial L/\partial W = \delta^T x^T` ``(m, n)``.
* Row form, :math:`z = x W` with ``x (1, n)``, ``W (n, m)``:
  :math:`\partial L/\partial x = \delta W^T` ``(1, n)`` and
  :math:`\partial L/\partial W = x^T \delta` ``(n, m)``.

Matrix products keep the inputs' dtype (float32 in, float32 out).
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["bias_gradient", "column_dJ_dW", "column_dJ_dx", "row_dJ_dW", "row_dJ_dx", "to_shape_convention"]


@reference_impl
def column_dJ_dx(W, delta):
    r"""Column form z = W x: dL/dx = (delta W)^T = W^T delta^T, shape convention.

    Args:
        W: (m, n).
        delta: dL/dz, a (1, m) row (numerator layout).
    Returns:
        dL/dx with x's shape (n, 1).
    """
    return W.T @ delta.T


@reference_impl
def column_dJ_dW(delta, x):
    r"""Column form z = W x: dL/dW = delta^T x^T (an outer product), shape convention.

    Args:
        delta: dL/dz, a (1, m) row (numerator layout).
        x: (n, 1) column.
    Returns:
        dL/dW with W's shape (m, n).
    """
    return delta.T @ x.T


@reference_impl
def row_dJ_dx(W, delta):
    r"""Row form z = x W: dL/dx = delta W^T, shape convention (here also numerator layout).

    Args:
        W: (n, m).
        delta: dL/dz, a (1, m) row (numerator layout).
    Returns:
        dL/dx with x's shape (1, n).
    """
    return delta @ W.T


@reference_impl
def row_dJ_dW(x, delta):
    r"""Row form z = x W: dL/dW = x^T delta (an outer product), shape convention.

    Args:
        x: (1, n) row.
        delta: dL/dz, a (1, m) row (numerator layout).
    Returns:
        dL/dW with W's shape (n, m).
    """
    return x.T @ delta


@reference_impl
def to_shape_convention(jacobian_row, param_shape):
    r"""A (1, k) numerator-layout Jacobian of a scalar, laid out in its parameter's shape.

    Column ``c`` of the Jacobian belongs to entry ``c`` of the parameter
    flattened in C (row-major) order, so a C-order reshape puts every entry
    back where it came from.

    Args:
        jacobian_row: (1, k), dL/d(vec p) with vec in C order.
        param_shape: the parameter's shape, a tuple of ints whose product is k.
    Returns:
        dL/dp with shape ``param_shape`` (shape convention), the input's dtype.
    """
    return np.reshape(jacobian_row, tuple(param_shape))


@reference_impl
def bias_gradient(dout, keepdims=False):
    r"""Gradient of a bias broadcast over a batch: out = x W + b, b added to every row.

    Args:
        dout: dL/dout, (N, M), one row per example.
        keepdims: if True return (1, M), else (M,).
    Returns:
        dL/db, the sum of ``dout`` over the batch axis 0: (M,) or (1, M).
    """
    return np.sum(dout, axis=0, keepdims=keepdims)
