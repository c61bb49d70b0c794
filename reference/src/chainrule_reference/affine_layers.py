r"""Reference implementations for notebook 05, vectorized affine layers.

The affine layer in row form, on a batch:

.. math:: \text{out} = x_{\text{flat}}\, w + b, \qquad
          x_{\text{flat}} \in \mathbb{R}^{N \times D},\ w \in \mathbb{R}^{D \times M},\ b \in \mathbb{R}^{M}

where an input ``x`` of shape ``(N, d1, ..., dk)`` is flattened (C order) to ``(N, D)`` with
``D = d1 * ... * dk``. Its backward pass, with ``dout`` = dL/dout of shape ``(N, M)``:

.. math:: dx = \text{dout}\, w^T \ (\text{reshaped to } x\text{'s shape}), \qquad
          dw = x_{\text{flat}}^T\, \text{dout}, \qquad db = \textstyle\sum_n \text{dout}_{n,:}

The cache of :func:`affine_forward` is ``(x, w, b)``, as in the solution notebook.
Every function keeps the dtype of its inputs (float32 in, float32 out).
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["CHECKPOINT_DOUT", "CHECKPOINT_X", "affine_backward", "affine_backward_via_jacobian", "affine_forward",
           "affine_jacobians", "dw_by_hand", "jacobian_memory_bytes"]


def _flat(x: np.ndarray) -> np.ndarray:
    """``x`` of shape (N, d1, ..., dk) as (N, D), C order."""
    return x.reshape(x.shape[0], -1)


@reference_impl
def affine_forward(x, w, b):
    """out = x_flat @ w + b.

    Args:
        x: (N, d1, ..., dk), flattened to (N, D).
        w: (D, M).
        b: (M,).
    Returns:
        (out, cache): out of shape (N, M); cache = (x, w, b).
    """
    out = _flat(x) @ w + b
    return out, (x, w, b)


@reference_impl
def affine_backward(dout, cache):
    """Gradients of the affine layer, without Jacobians.

    Args:
        dout: (N, M), dL/dout.
        cache: (x, w, b) from :func:`affine_forward`.
    Returns:
        (dx, dw, db): shapes of x (the original, unflattened shape), w (D, M) and b (M,).
    """
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = _flat(x).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def affine_jacobians(x, w):
    r"""The three Jacobians of out = x_flat @ w + b, numerator layout, entries in C order.

    Built as 4-index (3-index for b) tensors of partial derivatives, then flattened:

    * ``d out[n, m] / d x[p, d] = 1[n = p] w[d, m]``: (N*M, N*D), block diagonal, N copies of w^T;
    * ``d out[n, m] / d w[d, q] = x[n, d] 1[m = q]``: (N*M, D*M);
    * ``d out[n, m] / d b[q] = 1[m = q]``: (N*M, M), N identity matrices stacked.

    (``1[i = j]`` is 1 if i = j, else 0.)

    Args:
        x: (N, d1, ..., dk), flattened to (N, D).
        w: (D, M).
    Returns:
        (J_x, J_w, J_b), in the dtype of x.
    """
    xf = _flat(x)
    N, D = xf.shape
    M = w.shape[1]
    J_x = np.zeros((N, M, N, D), dtype=x.dtype)
    J_w = np.zeros((N, M, D, M), dtype=x.dtype)
    J_b = np.zeros((N, M, M), dtype=x.dtype)
    eye = np.eye(M, dtype=x.dtype)
    for n in range(N):
        J_x[n, :, n, :] = w.T
        J_b[n] = eye
    for m in range(M):
        J_w[:, m, :, m] = xf
    return J_x.reshape(N * M, N * D), J_w.reshape(N * M, D * M), J_b.reshape(N * M, M)


@reference_impl
def affine_backward_via_jacobian(dout, cache):
    """The gradients of :func:`affine_backward`, as vector-Jacobian products with explicit Jacobians.

    For small shapes only: the Jacobian with respect to x alone has (N*M)*(N*D) entries.

    Args:
        dout: (N, M), dL/dout.
        cache: (x, w, b) from :func:`affine_forward`.
    Returns:
        (dx, dw, db): shapes of x, w and b.
    """
    x, w, b = cache
    J_x, J_w, J_b = affine_jacobians(x, w)
    dout_row = dout.reshape(-1)         # dL/dout as a row of N*M entries (C order)
    dx = (dout_row @ J_x).reshape(x.shape)
    dw = (dout_row @ J_w).reshape(w.shape)
    db = (dout_row @ J_b).reshape(b.shape)
    return dx, dw, db


@reference_impl
def jacobian_memory_bytes(N, D, M, itemsize=4):
    """Bytes of the Jacobian of the (N, M) output with respect to the (N, D) input.

    Args:
        N, D, M: batch size, input features, output features.
        itemsize: bytes per entry (4 for float32).
    Returns:
        (N*M) * (N*D) * itemsize, an int.
    """
    return (N * M) * (N * D) * itemsize


#: The checkpoint of notebook 05: a batch of N = 2 examples, D = M = 2, in small integers.
CHECKPOINT_X = np.array([[1.0, 2.0], [3.0, -1.0]])
CHECKPOINT_DOUT = np.array([[1.0, 0.0], [2.0, 1.0]])


@reference_impl
def dw_by_hand():
    """The checkpoint of notebook 05: dL/dw of the affine layer for :data:`CHECKPOINT_X` and :data:`CHECKPOINT_DOUT`.

    It does not depend on w or b. Entry (d, m) sums x[n, d] * dout[n, m] over the two examples.

    Returns:
        dL/dw, shape (2, 2) (the shape of w), float64.
    """
    return np.array([[7.0, 3.0], [0.0, -1.0]])
