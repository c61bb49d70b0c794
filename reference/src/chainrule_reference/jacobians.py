r"""Reference implementations for notebook 03, gradients and Jacobians.

Conventions (those of the whole course):

* the gradient of a scalar :math:`f` with respect to an array ``x`` has the
  shape of ``x`` (shape convention);
* the Jacobian of :math:`f: \mathbb{R}^n \to \mathbb{R}^m` is ``(m, n)`` with
  ``J[i, j] = d f_i / d x_j`` (numerator layout);
* the derivative of an array-valued function with respect to an array is a
  tensor whose axes are the output's axes followed by the input's axes:
  ``T[p, q, i, j] = d K[p, q] / d R[i, j]``.

The numerical helpers work in float64 whatever the dtype of ``x``: they perturb
a float64 copy, so the caller's ``x`` is never touched.
"""
from __future__ import annotations

import functools

import numpy as np

from ._registry import reference_impl

__all__ = ["chain_jacobian", "elementwise_jacobian", "gram_derivative", "numerical_gradient",
           "numerical_jacobian", "polar_jacobian", "quadratic_form_gradient", "softmax_jacobian"]


@reference_impl
def numerical_gradient(f, x, h=1e-5):
    r"""Gradient of a scalar ``f`` at ``x`` by central differences, one entry at a time.

    Returns:
        float64 array with the shape of ``x``: entry ``idx`` is
        :math:`(f(x + h e_{idx}) - f(x - h e_{idx})) / 2h`.
    """
    x = np.array(x, dtype=np.float64)  # a private float64 copy
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old  # put the entry back exactly before moving on
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


@reference_impl
def polar_jacobian(r, phi):
    r"""Jacobian ``(2, 2)`` of :math:`f(r, \varphi) = (r\cos\varphi, r\sin\varphi)` at ``(r, phi)``.

    Numerator layout: rows are the outputs (:math:`r\cos\varphi`, then :math:`r\sin\varphi`), columns
    the inputs (:math:`r`, then :math:`\varphi`); float64.
    """
    c, s = np.cos(phi), np.sin(phi)
    return np.array([[c, -r * s], [s, r * c]], dtype=np.float64)


@reference_impl
def numerical_jacobian(f, x, h=1e-5):
    r"""Jacobian ``(m, n)`` of ``f`` at the 1-D ``x`` of length n by central differences.

    Column ``j`` is :math:`(f(x + h e_j) - f(x - h e_j)) / 2h`, the response of all
    m outputs to a nudge of input ``j``.
    """
    x = np.array(x, dtype=np.float64)
    m = np.asarray(f(x)).size
    jac = np.zeros((m, x.size))
    for j in range(x.size):
        old = x[j]
        x[j] = old + h
        f_plus = np.array(f(x), dtype=np.float64).ravel()
        x[j] = old - h
        f_minus = np.array(f(x), dtype=np.float64).ravel()
        x[j] = old
        jac[:, j] = (f_plus - f_minus) / (2 * h)
    return jac


@reference_impl
def elementwise_jacobian(fprime, x):
    """Jacobian ``(n, n)`` of an elementwise function at the 1-D ``x``: ``diag(fprime(x))``."""
    return np.diag(fprime(np.asarray(x)))


@reference_impl
def softmax_jacobian(x):
    r"""Jacobian ``(n, n)`` of the softmax at the 1-D ``x``: :math:`\mathrm{diag}(s) - s s^T`.

    The softmax is computed from ``x - max(x)`` (the same softmax, no overflow).
    """
    x = np.asarray(x)
    e = np.exp(x - np.max(x))
    s = e / np.sum(e)
    return np.diag(s) - np.outer(s, s)


@reference_impl
def quadratic_form_gradient(A, x):
    r"""Gradient of :math:`f(x) = x^T A x`: :math:`(A + A^T) x`, with the shape of ``x``.

    ``x`` is ``(n,)`` or a column ``(n, 1)``; ``A`` is ``(n, n)``, not necessarily symmetric.
    """
    return (A + A.T) @ x


@reference_impl
def chain_jacobian(jacobians):
    r"""Jacobian of a composition from its factors' Jacobians, outermost first.

    For :math:`h = f_0 \circ f_1 \circ \dots \circ f_{k-1}` the list holds
    :math:`J_{f_0}, J_{f_1}, \dots, J_{f_{k-1}}` (each at the point its function sees),
    and the result is their matrix product in that order, ``(m_0, n_{k-1})``.
    """
    return functools.reduce(np.matmul, [np.asarray(j) for j in jacobians])


@reference_impl
def gram_derivative(R):
    r"""Derivative of :math:`K = R^T R` with respect to ``R`` of shape (M, N).

    Returns:
        ``T`` of shape (N, N, M, N) with
        :math:`T[p, q, i, j] = \partial K_{pq} / \partial R_{ij}
        = \mathbb{1}[q = j] R_{ip} + \mathbb{1}[p = j] R_{iq}` (:math:`\mathbb{1}[\cdot]`: the Kronecker delta).
    """
    R = np.asarray(R)
    eye = np.eye(R.shape[1], dtype=R.dtype)
    # first term: 1[q = j] R[i, p]; second: 1[p = j] R[i, q]
    return np.einsum("qj,ip->pqij", eye, R) + np.einsum("pj,iq->pqij", eye, R)
