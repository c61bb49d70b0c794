r"""Reference implementations for notebook 02, computational graphs.

Gates take the upstream gradient ``dout`` (df/dout for the graph's output f,
or dL/dout when the graph ends in a loss L; the shape of the gate's output) and return the gradient for each input: the local gradient times
``dout``. Inputs may be floats or arrays of one shape (elementwise gates).
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["DIVISION_CHECKPOINT", "add_backward", "circuit_forward_backward", "division_gate_by_hand",
           "fanout_forward_backward", "max_backward",
           "mul_backward", "neuron_forward_backward", "squared_error_forward_backward", "staged_backward",
           "staged_forward"]


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


@reference_impl
def add_backward(dout):
    """out = x + y: both local gradients are 1, so both inputs get ``dout``."""
    return dout * 1.0, dout * 1.0


@reference_impl
def mul_backward(dout, x, y):
    """out = x * y: dx = dout * y, dy = dout * x (each input gets the other one)."""
    return dout * y, dout * x


@reference_impl
def max_backward(dout, x, y):
    """out = max(x, y): the whole gradient goes to the larger input; on a tie, to x."""
    to_x = np.asarray(x) >= np.asarray(y)
    return np.where(to_x, dout, 0.0) * 1.0, np.where(to_x, 0.0, dout) * 1.0


@reference_impl
def circuit_forward_backward(x, y, z):
    """f = (x + y) z staged as q = x + y, f = q z; returns ``(f, (dx, dy, dz))``."""
    q = x + y
    f = q * z
    dq, dz = z, q
    dx, dy = dq, dq
    return f, (dx, dy, dz)


@reference_impl
def neuron_forward_backward(w, x):
    """f = sigmoid(w0 x0 + w1 x1 + w2) for ``w`` of length 3, ``x`` of length 2.

    Returns:
        ``(f, dw, dx)`` with ``dw`` of shape (3,) and ``dx`` of shape (2,).
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    f = _sigmoid(z)
    dz = f * (1 - f)
    dw = np.array([x[0] * dz, x[1] * dz, dz])
    dx = np.array([w[0] * dz, w[1] * dz])
    return float(f), dw, dx


@reference_impl
def squared_error_forward_backward(w, x, b, y):
    """L = (w x + b - y)^2 staged as a = w x, p = a + b, d = p - y, L = d^2.

    Returns:
        ``(L, dw, db)``.
    """
    a = w * x
    p = a + b
    d = p - y
    loss = d ** 2
    dd = 2 * d
    dp = dd
    da, db = dp, dp
    dw = da * x
    return loss, dw, db


@reference_impl
def fanout_forward_backward(x):
    """f = x * sigmoid(x) + x^2, where x feeds three places; returns ``(f, dfdx)``.

    The three paths' gradients are accumulated: s = sigmoid(x), m = x s,
    q = x^2, f = m + q; dx = s (from m through x) + x s (1 - s) (from m through s)
    + 2x (from q).
    """
    s = _sigmoid(x)
    m = x * s
    q = x * x
    f = m + q
    dm = dq = 1.0
    dx = dm * s
    ds = dm * x
    dx += ds * s * (1 - s)
    dx += dq * 2 * x
    return f, dx


@reference_impl
def staged_forward(x, y):
    r"""Forward pass of f(x, y) = (x + sigmoid(x y)) / (1 + (x - y)^2), staged.

    Stages: a = x y, s = sigmoid(a), p = x + s, d = x - y, q = 1 + d^2, f = p / q.
    ``x`` and ``y`` are floats or arrays of one shape (entry by entry).

    Returns:
        ``(f, cache)``: f with the shape of x; cache the tuple ``(x, y, s, p, d, q)``.
    """
    a = x * y
    s = _sigmoid(a)
    p = x + s
    d = x - y
    q = 1 + d * d
    f = p / q
    return f, (x, y, s, p, d, q)


@reference_impl
def staged_backward(cache):
    r"""Backward pass of :func:`staged_forward`: ``(dx, dy)`` = (df/dx, df/dy), each with the shape of x.

    In reverse order from df = 1: the division gives dp = 1/q and dq = -p/q^2; the square
    dd = 2 d dq; the subtract gate hands dd to x and -dd to y; the add gate hands dp to x and
    to s; the sigmoid da = s (1 - s) ds; the mul gate y da to x and x da to y. x receives three
    terms (through a, p and d) and y two (through a and d): they are added.
    """
    x, y, s, p, d, q = cache
    dp = 1 / q
    dq = -p / (q * q)
    dd = 2 * d * dq
    ds = dp
    da = s * (1 - s) * ds
    dx = dd + dp + y * da
    dy = -dd + x * da
    return dx, dy


#: The checkpoint of Part F's written derivation: the division gate out = p / q at p = 3, q = 2, with dout = 4.
DIVISION_CHECKPOINT = {"p": 3.0, "q": 2.0, "dout": 4.0}


@reference_impl
def division_gate_by_hand():
    r"""The checkpoint of notebook 02, Part F: the division gate's backward pass worked by hand.

    For out = p / q at p = 3, q = 2 with dout = 4: dp = dout / q = 2 and dq = -dout p / q^2 = -3.

    Returns:
        ``(dp, dq)``, two floats.
    """
    return 2.0, -3.0
