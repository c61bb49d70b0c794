r"""Reference implementations for notebook 07, a single-layer network.

The network, for one example in column form (``x`` of shape ``(Dx, 1)``)::

    z = W x + b1,  h = ReLU(z),  theta = U h + b2,  yhat = softmax(theta),  L = CE(y, yhat)

with the error signals of its two layers, counted from the input (docs/notation.md):
:math:`\delta_2 = \partial L/\partial\theta = \hat y - y` (output layer) and
:math:`\delta_1 = \partial L/\partial z = (U^T \delta_2) \odot 1[z > 0]` (hidden layer), both
columns (shape convention). The function keeps the name ``J`` for the loss it returns first,
as in the CS224n notes (which also number the two error signals the other way round). The same network on a batch in row form (``X`` of shape
``(N, D)``) averages the loss over the batch and adds an L2 penalty on the weights.
ReLU's derivative at the kink ``z = 0`` is taken as 0.
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["CHECKPOINT_DELTA2", "CHECKPOINT_U", "CHECKPOINT_Z", "delta1_by_hand", "relu_backward", "relu_forward",
           "sgd_step", "single_layer_loss_and_grads", "single_layer_parts", "two_layer_loss", "two_layer_parts"]


def _log_softmax(scores, axis):
    """log(softmax(scores)) along ``axis``, stable for large scores (the max is subtracted first)."""
    shifted = scores - np.max(scores, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@reference_impl
def relu_forward(x):
    """out = max(x, 0) elementwise; the cache is the input ``x``. Keeps the dtype of ``x``."""
    return np.maximum(x, 0), x


@reference_impl
def relu_backward(dout, cache):
    """dx = dout * 1[x > 0]: no gradient where x <= 0 (0 at the kink x = 0)."""
    x = cache
    return dout * (x > 0)


def single_layer_parts(x, y, params):
    """Every intermediate of the column-form network's forward and backward pass, by name.

    Keys: ``z, h, theta, yhat, J`` (the loss L), ``delta2`` (dL/dtheta, output layer) and ``delta1``
    (dL/dz, hidden layer), columns; used by the reference and by the hidden tests to build the known
    wrong answers.
    """
    W, b1, U, b2 = params["W"], params["b1"], params["U"], params["b2"]
    z = W @ x + b1
    h = np.maximum(z, 0)
    theta = U @ h + b2
    log_yhat = _log_softmax(theta, axis=0)
    yhat = np.exp(log_yhat)
    J = float(-np.sum(y * log_yhat))
    delta2 = yhat - y                    # dL/dtheta, (Nc, 1): the output layer's error signal
    delta1 = (U.T @ delta2) * (z > 0)    # dL/dz, (Dh, 1): the hidden layer's
    return {"z": z, "h": h, "theta": theta, "yhat": yhat, "J": J, "delta1": delta1, "delta2": delta2}


@reference_impl
def single_layer_loss_and_grads(x, y, params):
    r"""Loss and the five gradients of the single-layer network, one example, column form.

    Args:
        x: input, (Dx, 1).
        y: one-hot label, (Nc, 1).
        params: ``W (Dh, Dx)``, ``b1 (Dh, 1)``, ``U (Nc, Dh)``, ``b2 (Nc, 1)``.
    Returns:
        ``(J, grads)``: the cross-entropy loss L (float) and a dict with keys ``W, b1, U, b2, x``,
        each gradient with the shape of its parameter: dW = delta1 x^T, db1 = delta1,
        dU = delta2 h^T, db2 = delta2, dx = W^T delta1.
    """
    p = single_layer_parts(x, y, params)
    d2, d1 = p["delta2"], p["delta1"]
    grads = {"W": d1 @ x.T, "b1": d1, "U": d2 @ p["h"].T, "b2": d2, "x": params["W"].T @ d1}
    return p["J"], grads


def two_layer_parts(params, X, y, reg=0.0):
    """The row-form network's intermediates: ``z, h, probs, data_loss, reg_loss, dscores, dz`` (N rows)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z = X @ W1 + b1
    h = np.maximum(z, 0)
    scores = h @ W2 + b2
    log_probs = _log_softmax(scores, axis=1)
    probs = np.exp(log_probs)
    rows = np.arange(N)
    data_loss = float(-np.mean(log_probs[rows, y]))
    reg_loss = float(0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2)))
    dscores = probs.copy()
    dscores[rows, y] -= 1
    dscores /= N                          # the mean over the batch
    dz = (dscores @ W2.T) * (z > 0)
    return {"z": z, "h": h, "probs": probs, "data_loss": data_loss, "reg_loss": reg_loss,
            "dscores": dscores, "dz": dz}


@reference_impl
def two_layer_loss(params, X, y, reg=0.0):
    r"""Mean softmax loss of the two-layer ReLU network on a batch (row form), with L2 on the weights.

    loss = mean_n CE(y_n, softmax(ReLU(X W1 + b1) W2 + b2)_n) + 0.5 reg (sum W1^2 + sum W2^2).

    Args:
        params: ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, C)``, ``b2 (C,)``.
        X: inputs, (N, D).
        y: integer labels in [0, C), (N,).
        reg: regularization strength.
    Returns:
        ``(loss, grads)``: a float and a dict with keys ``W1, b1, W2, b2`` (shapes of the parameters).
    """
    p = two_layer_parts(params, X, y, reg)
    ds, dz = p["dscores"], p["dz"]
    grads = {"W1": X.T @ dz + reg * params["W1"], "b1": dz.sum(axis=0),
             "W2": p["h"].T @ ds + reg * params["W2"], "b2": ds.sum(axis=0)}
    return p["data_loss"] + p["reg_loss"], grads


@reference_impl
def sgd_step(params, grads, lr):
    """One step of gradient descent: a new dict ``{k: params[k] - lr * grads[k]}``; the inputs are left alone."""
    return {key: value - lr * grads[key] for key, value in params.items()}


#: The checkpoint of notebook 07 (the delta recursion by hand): the output layer's error signal
#: delta2 = yhat - y for yhat = [0.5, 0, 0.5] and the true class 1, a score layer U (3, 4) and the hidden
#: pre-activations z (4,), one of them exactly at the kink.
CHECKPOINT_DELTA2 = np.array([0.5, -1.0, 0.5])
CHECKPOINT_U = np.array([[1.0, 2.0, 0.0, -1.0], [0.0, 1.0, -1.0, 1.0], [2.0, 1.0, 1.0, 0.0]])
CHECKPOINT_Z = np.array([2.0, -1.0, 0.0, 0.5])


@reference_impl
def delta1_by_hand():
    """The checkpoint of notebook 07: the hidden layer's error signal delta1 = dL/dz, (4,), for
    :data:`CHECKPOINT_DELTA2`, :data:`CHECKPOINT_U` and :data:`CHECKPOINT_Z` (0 at the kink z = 0).

    Returns:
        delta1, shape (4,) (one entry per hidden unit), float64.
    """
    return np.array([1.5, 0.0, 0.0, -1.5])
