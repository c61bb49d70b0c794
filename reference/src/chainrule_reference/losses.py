r"""Reference implementations for notebook 06, losses.

Scores are in row form: ``x`` has shape ``(N, C)``, one row of ``C`` class
scores (logits) per example. Losses average over the batch of ``N`` rows and
return ``(loss, grad)``, the gradient with the shape of the scored input.

Numerical stability. Every function subtracts each row's maximum before it
exponentiates, which changes nothing mathematically
(:math:`\mathrm{softmax}(x - c) = \mathrm{softmax}(x)`,
:math:`\mathrm{LSE}(x) = c + \mathrm{LSE}(x - c)`) and everything numerically:
the largest exponent is 0, so no ``exp`` overflows, and every row's sum of
exponentials is at least 1, so there is no ``0 / 0`` and no ``log 0``. The
functions go one step further than the notebook's solutions: exponents so
negative that ``exp`` would underflow (to a subnormal number or to 0) are set
to exactly 0 without calling ``exp``. So they raise no floating-point flag at
all, even under ``np.errstate(all="raise")``, for logits of any size that
fits the dtype (the package tests prove it for logits of +-1000).

Each function computes in the dtype of its input (float32 in, float32 out).
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["CHECKPOINT_LABELS", "CHECKPOINT_SCORES", "ce_gradient_by_hand", "log_sum_exp", "mse_loss", "softmax",
           "softmax_loss"]


def _floating(x) -> np.ndarray:
    """``x`` as a floating-point array (integers become float64)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _exp_nonpositive(z: np.ndarray, divisor: float = 1.0) -> np.ndarray:
    """``exp(z)`` for ``z <= 0``, with no underflow even after a division by up to ``divisor``.

    Entries whose exponential, divided by ``divisor``, would fall below the
    smallest normal number of the dtype are set to exactly 0 (their true value
    is below the dtype's resolution next to the row's largest entry, exp(0) = 1).
    """
    floor = np.log(np.finfo(z.dtype).tiny) + np.log(divisor) + 1.0
    keep = z >= floor
    return np.where(keep, np.exp(np.where(keep, z, 0)), np.zeros((), dtype=z.dtype))


@reference_impl
def softmax(x):
    r"""Softmax over the last axis, stable for logits of any size.

    .. math:: \mathrm{softmax}(x)_j = \frac{e^{x_j - m}}{\sum_k e^{x_k - m}}, \quad m = \max_k x_k

    Args:
        x: scores ``(N, C)``, one row per example (any shape works: the last
            axis is normalized; a 1-D ``x`` is one row).
    Returns:
        probabilities, the shape and dtype of ``x``; every row sums to 1.
    """
    x = _floating(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    exps = _exp_nonpositive(shifted, divisor=x.shape[-1])
    return exps / np.sum(exps, axis=-1, keepdims=True)


@reference_impl
def log_sum_exp(x):
    r"""Log-sum-exp over the last axis, stable: :math:`m + \log \sum_k e^{x_k - m}`, ``m`` the row maximum.

    Args:
        x: scores ``(N, C)`` (any shape: the last axis is reduced).
    Returns:
        ``(N,)`` array of the dtype of ``x`` (``x.shape[:-1]`` in general).
    """
    x = _floating(x)
    m = np.max(x, axis=-1)
    exps = _exp_nonpositive(x - m[..., None])
    return m + np.log(np.sum(exps, axis=-1))


@reference_impl
def softmax_loss(x, y):
    r"""Mean softmax cross-entropy loss over a batch, and its gradient.

    .. math:: L = -\frac{1}{N} \sum_i \log \mathrm{softmax}(x_i)_{y_i},
              \qquad \frac{\partial L}{\partial x} = \frac{\hat{Y} - Y}{N}

    where :math:`\hat{Y}` holds the softmax probabilities and :math:`Y` the
    one-hot labels, row by row.

    Args:
        x: scores ``(N, C)``, row form.
        y: integer labels ``(N,)``, each in ``0 .. C-1``.
    Returns:
        ``(loss, dx)``: the loss (a float) and dL/dx ``(N, C)``, the dtype of ``x``.
    """
    x = _floating(x)
    y = np.asarray(y)
    n, c = x.shape
    rows = np.arange(n)
    shifted = x - np.max(x, axis=1, keepdims=True)
    exps = _exp_nonpositive(shifted, divisor=c * n)
    sums = np.sum(exps, axis=1, keepdims=True)          # each at least 1
    loss = -np.mean(shifted[rows, y] - np.log(sums[:, 0]))
    dx = exps / sums                                    # yhat
    dx[rows, y] -= 1                                    # yhat - one-hot
    dx /= n                                             # the batch mean
    return float(loss), dx


#: The written checkpoint of notebook 06: one example, three classes, scores [0, ln 2, 0], true class 2.
CHECKPOINT_SCORES = np.array([[0.0, np.log(2.0), 0.0]])
CHECKPOINT_LABELS = np.array([2])


@reference_impl
def ce_gradient_by_hand():
    r"""The checkpoint of notebook 06: dL/dx of the mean softmax cross-entropy for one example.

    The scores :data:`CHECKPOINT_SCORES` are :math:`(0, \ln 2, 0)`, so the probabilities are exactly
    :math:`(1/4, 1/2, 1/4)`; with the true class 2, :math:`\hat{y} - y = (1/4, 1/2, -3/4)`.

    Returns:
        dL/dx, shape ``(1, 3)``, float64 (the shape of the scores).
    """
    return np.array([[0.25, 0.5, -0.75]])


@reference_impl
def mse_loss(pred, target):
    r"""Mean squared error over a batch, :math:`L = \frac{1}{2N} \sum (\text{pred} - \text{target})^2`.

    Args:
        pred: predictions ``(N, D)`` (or ``(N,)``, one output per example).
        target: targets, the shape of ``pred``.
    Returns:
        ``(loss, dpred)``: the loss (a float) and dL/dpred = (pred - target) / N,
        the shape and dtype of ``pred``.
    """
    pred = _floating(pred)
    target = np.asarray(target, dtype=pred.dtype)
    n = pred.shape[0]
    diff = pred - target
    loss = 0.5 * np.sum(diff ** 2) / n
    return float(loss), diff / n
