r"""Reference implementations for notebook 01, scalar derivatives.

All functions are elementwise: ``x`` or ``z`` may be a float or an array of
any shape, and the result has its shape.
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["central_difference", "composite_and_grad", "difference_errors", "forward_difference",
           "leaky_relu_grad", "relu_grad", "sigmoid_grad", "tanh_grad"]


@reference_impl
def forward_difference(f, x, h=1e-5):
    r"""Forward difference :math:`(f(x + h) - f(x)) / h`, error of order h."""
    return (f(x + h) - f(x)) / h


@reference_impl
def central_difference(f, x, h=1e-5):
    r"""Central difference :math:`(f(x + h) - f(x - h)) / 2h`, error of order h^2."""
    return (f(x + h) - f(x - h)) / (2 * h)


@reference_impl
def difference_errors(f, df, x, hs):
    """Absolute errors of both differences against the exact derivative ``df(x)``.

    Returns:
        ``(forward_errors, central_errors)``, two float arrays of ``len(hs)``.
    """
    exact = df(x)
    forward = np.array([abs((f(x + h) - f(x)) / h - exact) for h in hs], dtype=np.float64)
    central = np.array([abs((f(x + h) - f(x - h)) / (2 * h) - exact) for h in hs], dtype=np.float64)
    return forward, central


@reference_impl
def sigmoid_grad(z):
    r""":math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, computed without overflow."""
    s = 0.5 * (1 + np.tanh(0.5 * np.asarray(z)))  # sigmoid, stable for any z
    return s * (1 - s)


@reference_impl
def tanh_grad(z):
    r""":math:`\tanh'(z) = 1 - \tanh^2(z)`, computed without cancellation.

    Written as :math:`4u / (1 + u)^2` with :math:`u = e^{-2|z|}`: where
    :math:`\tanh(z)` is close to :math:`\pm 1`, ``1 - tanh(z)**2`` loses most
    of its digits (in float32, all of them beyond about :math:`10^{-7}`).
    """
    u = np.exp(-2 * np.abs(np.asarray(z)))
    return 4 * u / (1 + u) ** 2


@reference_impl
def relu_grad(z):
    """1 where z > 0, else 0 (0 at the kink z = 0); dtype of a float z."""
    z = np.asarray(z)
    return (z > 0).astype(z.dtype if z.dtype.kind == "f" else np.float64)


@reference_impl
def leaky_relu_grad(z, alpha=0.01):
    """1 where z > 0, ``alpha`` where z <= 0."""
    z = np.asarray(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype if z.dtype.kind == "f" else np.float64)


@reference_impl
def composite_and_grad(x):
    r"""f(x) = sqrt(x^2 + exp(x^2)) + cos(x^2 + exp(x^2)) and df/dx, by staged passes.

    Forward: u1 = x^2, u2 = exp(u1), u3 = u1 + u2, u4 = sqrt(u3), u5 = cos(u3), u6 = u4 + u5 = f(x).
    Backward, in reverse from du6 = 1: du4 = du5 = 1; du3 = 1/(2 u4) - sin(u3) (two paths);
    du2 = du3; du1 = du3 + du2 * u2 (two paths); df/dx = du1 * 2x.
    """
    u1 = x ** 2
    u2 = np.exp(u1)
    u3 = u1 + u2
    u4 = np.sqrt(u3)
    u5 = np.cos(u3)
    u6 = u4 + u5
    du3 = 1 / (2 * u4) - np.sin(u3)
    du1 = du3 + du3 * u2
    dx = du1 * 2 * x
    return u6, dx
