r"""Reference implementations for notebook 08, activation functions.

Every layer follows the course's layer API: ``name_forward(...) -> (out, cache)`` and
``name_backward(dout, cache)`` returning the gradients in the order of the forward's
inputs; outputs keep the dtype of the inputs (float32 in, float32 out).

* sigmoid, tanh and leaky ReLU are elementwise: ``x`` has any shape;
* maxout takes ``x (N, D)``, ``w (D, M, K)``, ``b (M, K)`` and returns
  ``out[n, m] = max_k (x @ w[:, :, k] + b[:, k])[n, m]``; on a tie the smallest ``k`` wins
  (the whole gradient goes to it);
* :func:`gradient_norms_by_layer` measures the gradient of every weight matrix of a freshly
  initialised deep network, for the vanishing-gradient experiment (its protocol is in its
  docstring).
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["ACTIVATION_NAMES", "BATCH_SIZE", "gradient_norms_by_layer", "gradient_norms_protocol",
           "leaky_relu_backward", "leaky_relu_forward", "maxout_backward", "maxout_forward", "maxout_pieces",
           "sigmoid_backward", "sigmoid_forward", "tanh_backward", "tanh_forward", "weight_scale"]

#: The activations :func:`gradient_norms_by_layer` knows.
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
#: The number of examples in the input batch of :func:`gradient_norms_by_layer`.
BATCH_SIZE = 64


def _sigmoid(x):
    r""":math:`\sigma(x)`, without overflow and with full relative precision on both tails.

    With :math:`e = e^{-|x|} \le 1`: :math:`\sigma(x) = 1/(1 + e)` for :math:`x \ge 0` and
    :math:`e/(1 + e)` for :math:`x < 0`. Keeps the dtype of a float array.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@reference_impl
def sigmoid_forward(x):
    r"""out = 1 / (1 + exp(-x)) elementwise, computed without overflow; the cache is ``out``.

    Args:
        x: any shape.
    Returns:
        ``(out, cache)``: out with the shape and dtype of x; cache = out (the derivative is
        written in terms of the output).
    """
    out = _sigmoid(x)
    return out, out


@reference_impl
def sigmoid_backward(dout, cache):
    r"""dx = dout * s (1 - s) with s = sigmoid(x), the output kept in the cache.

    Args:
        dout: upstream gradient, the shape of out.
        cache: from :func:`sigmoid_forward`.
    Returns:
        dx, the shape and dtype of x.
    """
    s = cache
    return dout * s * (1 - s)


@reference_impl
def tanh_forward(x):
    """out = tanh(x) elementwise; the cache is ``x``.

    Args:
        x: any shape.
    Returns:
        ``(out, cache)``: out with the shape and dtype of x; cache = x.
    """
    return np.tanh(x), x


@reference_impl
def tanh_backward(dout, cache):
    r"""dx = dout * (1 - tanh(x)^2), computed without cancellation.

    Written as :math:`4u / (1 + u)^2` with :math:`u = e^{-2|x|}`: where tanh(x) is close
    to +-1, ``1 - tanh(x)**2`` loses its digits (in float32, all of them below about 1e-7).

    Args:
        dout: upstream gradient, the shape of out.
        cache: from :func:`tanh_forward` (the input x).
    Returns:
        dx, the shape and dtype of x.
    """
    x = cache
    u = np.exp(-2 * np.abs(x))
    return dout * (4 * u / (1 + u) ** 2)


@reference_impl
def leaky_relu_forward(x, alpha=0.01):
    """out = x where x > 0, alpha * x where x <= 0; the cache is ``(x, alpha)``.

    Args:
        x: any shape.
        alpha: the slope for x <= 0, a float (0 gives ReLU).
    Returns:
        ``(out, cache)``: out with the shape and dtype of x.
    """
    return np.where(x > 0, x, alpha * x), (x, alpha)


@reference_impl
def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, alpha * dout where x <= 0 (alpha at the kink x = 0).

    Args:
        dout: upstream gradient, the shape of out.
        cache: from :func:`leaky_relu_forward`.
    Returns:
        dx, the shape and dtype of x.
    """
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def maxout_pieces(x, w, b):
    """The K affine pieces of a maxout layer, z[n, m, k] = (x @ w[:, :, k] + b[:, k])[n, m]; (N, M, K).

    One matrix product: w reshaped (C order) to (D, M*K) holds piece k of unit m in column m*K + k.
    """
    D, M, K = w.shape
    return (x @ w.reshape(D, M * K)).reshape(x.shape[0], M, K) + b


@reference_impl
def maxout_forward(x, w, b):
    r"""Maxout layer: out[n, m] = max over k of z[n, m, k], z = the K affine pieces.

    Args:
        x: (N, D).
        w: (D, M, K), the weights of the K pieces of each of the M units.
        b: (M, K).
    Returns:
        ``(out, cache)``: out (N, M); cache = ``(x, w, winner)`` with ``winner`` (N, M) the
        index of the winning piece, the smallest k on a tie (``np.argmax`` returns the first
        maximum).
    """
    z = maxout_pieces(x, w, b)
    winner = np.argmax(z, axis=2)
    out = np.take_along_axis(z, winner[:, :, None], axis=2)[:, :, 0]
    return out, (x, w, winner)


@reference_impl
def maxout_backward(dout, cache):
    r"""Gradients of the maxout layer: only the winning piece of each output receives ``dout``.

    With dz[n, m, k] = dout[n, m] if k is the winner of (n, m), else 0:
    dx = sum_{m,k} dz[n, m, k] w[:, m, k], dw[:, m, k] = x^T dz[:, m, k], db = sum_n dz[n].

    Args:
        dout: (N, M).
        cache: from :func:`maxout_forward`.
    Returns:
        ``(dx, dw, db)`` with the shapes of x (N, D), w (D, M, K) and b (M, K).
    """
    x, w, winner = cache
    D, M, K = w.shape
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(K))   # (N, M, K), one piece per output
    flat = dz.reshape(-1, M * K)                                     # column m*K + k, as in maxout_pieces
    dx = flat @ w.reshape(D, M * K).T
    dw = (x.T @ flat).reshape(D, M, K)
    db = dz.sum(axis=0)
    return dx, dw, db


def _activate(z, activation):
    """h = g(z) and g'(z) for one of :data:`ACTIVATION_NAMES` (ReLU: 0 at z = 0; leaky ReLU: alpha = 0.01)."""
    if activation == "sigmoid":
        h = _sigmoid(z)
        return h, h * (1 - h)
    if activation == "tanh":
        h = np.tanh(z)
        return h, 1 - h ** 2
    if activation == "relu":
        return np.maximum(z, 0), (z > 0).astype(z.dtype)
    if activation == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z), np.where(z > 0, 1.0, 0.01)
    raise ValueError(f"activation must be one of {ACTIVATION_NAMES}, not {activation!r}")


def weight_scale(activation, fan_in):
    """Standard deviation of the initial weights: He, sqrt(2 / fan_in), for ReLU and leaky ReLU;
    LeCun, sqrt(1 / fan_in) (variance 1 / fan_in), for sigmoid and tanh."""
    return np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / fan_in)


def gradient_norms_protocol(activation, depth, width, rng, mistake=None):
    """:func:`gradient_norms_by_layer`, or with a known ``mistake`` for the hidden test's diagnoses:
    ``"no_slope"`` (the activation's derivative left out of the backward pass) or ``"init"`` (He and
    LeCun swapped)."""
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"activation must be one of {ACTIVATION_NAMES}, not {activation!r}")
    x = rng.standard_normal((BATCH_SIZE, width))
    other = {"relu": "sigmoid", "leaky_relu": "sigmoid", "sigmoid": "relu", "tanh": "relu"}[activation]
    std = weight_scale(other if mistake == "init" else activation, width)
    weights = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in weights:
        h, slope = _activate(hs[-1] @ W, activation)   # biases are zero
        hs.append(h)
        slopes.append(np.ones_like(slope) if mistake == "no_slope" else slope)
    dh = rng.standard_normal((BATCH_SIZE, width)) / BATCH_SIZE
    norms = [0.0] * depth
    for layer in reversed(range(depth)):
        dz = dh * slopes[layer]
        norms[layer] = float(np.linalg.norm(hs[layer].T @ dz))
        dh = dz @ weights[layer].T
    return norms


@reference_impl
def gradient_norms_by_layer(activation, depth, width, rng):
    r"""The Frobenius norm of dL/dW_l for every layer l of a freshly initialised deep network.

    Protocol (the notebook's Part D):

    1. Input batch: ``x`` of shape (64, width), standard normal entries.
    2. Network: ``depth`` layers ``z_l = h_{l-1} W_l + b_l``, ``h_l = g(z_l)``, h_0 = x; every
       W_l is (width, width) with normal entries of mean 0 and standard deviation
       sqrt(2 / width) (He) for "relu" and "leaky_relu", sqrt(1 / width) (LeCun) for "sigmoid"
       and "tanh"; every b_l is zero.
    3. Loss: L = sum(h_depth * r) / N with N = 64 and r (N, width) standard normal, so the
       upstream gradient at the top is dL/dh_depth = r / N.
    4. Backward: dz_l = dh_l * g'(z_l), dW_l = h_{l-1}^T dz_l, dh_{l-1} = dz_l W_l^T.

    Draws, in this order from ``rng``: x, then W_1, ..., W_depth, then r.

    Args:
        activation: "sigmoid", "tanh", "relu" or "leaky_relu" (alpha = 0.01).
        depth: number of layers, at least 1.
        width: units per layer (and input features).
        rng: a numpy.random.Generator.
    Returns:
        list of ``depth`` floats, ||dL/dW_1||_F first (the layer next to the input).
    """
    return gradient_norms_protocol(activation, depth, width, rng)
