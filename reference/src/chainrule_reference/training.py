r"""Reference implementations for notebook 09, training and stability.

* :func:`sgd_momentum`: the 1986 update :math:`\Delta w(t) = -\eta\,\partial L/\partial w
  + \mu\,\Delta w(t-1)` (the paper writes :math:`\varepsilon` for the learning rate :math:`\eta`,
  :math:`\alpha` for the momentum :math:`\mu` and :math:`E` for the loss :math:`L`), with the step
  :math:`\Delta w` kept as the ``velocity``;
* :func:`clip_grad_value` and :func:`clip_grad_norm` (the global norm over every array);
* :func:`xavier_init` and :func:`he_init` (normal draws);
* :func:`dropout_forward` and :func:`dropout_backward` (inverted dropout, layer API);
* :func:`mlp_loss`: softmax loss and gradients of a fully connected network of any depth,
  row form, with L2 weight decay;
* :func:`delta_by_hand`: the checkpoint of the delta recursion, one small example's numbers;
* :func:`early_stopping`: the epoch whose weights to keep, from a list of validation losses
  and a patience.

No function changes its inputs. Private helpers (leading underscore) serve the
hidden tests' diagnoses.
"""
from __future__ import annotations

import numpy as np

from ._registry import reference_impl

__all__ = ["clip_grad_norm", "clip_grad_value", "delta_by_hand", "dropout_backward", "dropout_forward", "early_stopping",
           "he_init", "mlp_loss", "sgd_momentum", "xavier_init"]

DEFAULT_LEARNING_RATE = 1e-2
DEFAULT_MOMENTUM = 0.9


@reference_impl
def sgd_momentum(w, dw, config):
    r"""One step of SGD with momentum: v = momentum * v - learning_rate * dw; next_w = w + v.

    Args:
        w: parameter array, any shape.
        dw: dL/dw, the shape of ``w``.
        config: dict with optional ``learning_rate`` (default 1e-2), ``momentum`` (default 0.9)
            and ``velocity`` (default zeros with the shape and dtype of ``w``).
    Returns:
        ``(next_w, next_config)``: new arrays; ``next_config`` is a new dict holding all three keys.
        Neither ``w`` nor ``config`` is changed.
    """
    config = dict(config)
    config.setdefault("learning_rate", DEFAULT_LEARNING_RATE)
    config.setdefault("momentum", DEFAULT_MOMENTUM)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


@reference_impl
def clip_grad_value(grads, clip):
    """Every array of ``grads`` clipped entrywise to ``[-clip, clip]``; a new dict, same keys."""
    return {name: np.clip(g, -clip, clip) for name, g in grads.items()}


def _global_norm(grads) -> float:
    """sqrt of the sum of squares of every entry of every array, in float64."""
    return float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads.values())))


@reference_impl
def clip_grad_norm(grads, max_norm):
    r"""Scale all gradients by ``max_norm / total_norm`` when their global norm exceeds ``max_norm``.

    Returns:
        ``(clipped, total_norm)``: a new dict (same keys, shapes and dtypes) and the global norm
        :math:`\sqrt{\sum_k \|g_k\|^2}` *before* clipping, a float.
    """
    total = _global_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        return {name: (g * scale).astype(np.asarray(g).dtype) for name, g in grads.items()}, total
    return {name: np.array(g, copy=True) for name, g in grads.items()}, total


@reference_impl
def xavier_init(fan_in, fan_out, rng):
    """Normal draws with mean 0 and variance 2 / (fan_in + fan_out), shape (fan_in, fan_out)."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


@reference_impl
def he_init(fan_in, fan_out, rng):
    """Normal draws with mean 0 and variance 2 / fan_in, shape (fan_in, fan_out)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


@reference_impl
def dropout_forward(x, keep_prob, train, rng):
    """Inverted dropout: keep each entry with probability ``keep_prob`` and divide it by ``keep_prob``.

    At test time (``train`` False) the layer is the identity. Returns ``(out, cache)``,
    ``out`` with the shape and dtype of ``x``; the cache holds the scaled mask (None at test time).
    """
    if not train:
        return x.copy(), None
    mask = (rng.random(x.shape) < keep_prob) / x.dtype.type(keep_prob)
    mask = mask.astype(x.dtype)
    return x * mask, mask


@reference_impl
def dropout_backward(dout, cache):
    """dx = dout times the forward's scaled mask (dout itself at test time)."""
    mask = cache
    if mask is None:
        return dout.copy()
    return dout * mask


_ACTIVATIONS = ("relu", "tanh", "sigmoid")


def _activate(z, activation):
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    raise ValueError(f"activation must be one of {_ACTIVATIONS}, not {activation!r}")


def _activation_grad(z, h, activation):
    """g'(z) of the activation g, written with the cached output h where that is cheaper; ReLU'(0) = 0."""
    if activation == "relu":
        return (z > 0).astype(z.dtype)
    if activation == "tanh":
        return 1.0 - h * h
    return h * (1.0 - h)


def _depth(params) -> int:
    depth = 0
    while f"W{depth + 1}" in params:
        depth += 1
    if depth == 0:
        raise ValueError("params holds no W1")
    return depth


def _mlp_loss(params, X, y, activation="relu", reg=0.0, mistake=None):
    """:func:`mlp_loss`, or one known mistake of it (``mistake`` names it; None: the right answer).

    Mistakes: ``no_reg_grad``, ``reg_biases``, ``reg_no_half``, ``sum_not_mean``, ``double_mean``,
    ``grad_at_output``, ``no_act_grad``, ``relu_ge``, ``act_on_scores``.
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, not {activation!r}")
    depth = _depth(params)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    N = X.shape[0]
    # forward: h_0 = X, z_l = h_{l-1} W_l + b_l, h_l = g(z_l) for hidden layers, scores on top
    hs, zs = [X.reshape(N, -1)], []
    for layer in range(1, depth + 1):
        z = hs[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        zs.append(z)
        if layer < depth or mistake == "act_on_scores":
            hs.append(_activate(z, activation))
    scores = hs[-1] if mistake == "act_on_scores" else zs[-1]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    per_example = -log_probs[np.arange(N), y]
    data_loss = per_example.sum() if mistake == "sum_not_mean" else per_example.mean()
    half = 1.0 if mistake == "reg_no_half" else 0.5
    reg_loss = half * reg * sum(np.sum(params[f"W{k}"] ** 2) for k in range(1, depth + 1))
    if mistake == "reg_biases":
        reg_loss += 0.5 * reg * sum(np.sum(params[f"b{k}"] ** 2) for k in range(1, depth + 1))
    loss = float(data_loss + reg_loss)

    # backward: delta of the scores is (softmax - onehot) / N, then the delta recursion
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    if mistake != "sum_not_mean":
        dscores /= N
    if mistake == "double_mean":
        dscores /= N
    if mistake == "act_on_scores":
        dscores = dscores * _activation_grad(zs[-1], hs[-1], activation)
    delta = dscores
    grads = {}
    for layer in range(depth, 0, -1):
        h_prev = hs[layer - 1]
        W = params[f"W{layer}"]
        grads[f"W{layer}"] = h_prev.T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if mistake != "no_reg_grad":
            grads[f"W{layer}"] = grads[f"W{layer}"] + 2 * half * reg * W
        if mistake == "reg_biases":
            grads[f"b{layer}"] = grads[f"b{layer}"] + reg * params[f"b{layer}"]
        if layer > 1:
            dh = delta @ W.T
            z, h = zs[layer - 2], hs[layer - 1]
            if mistake == "no_act_grad":
                local = 1.0
            elif mistake == "grad_at_output":
                local = _activation_grad(h, _activate(h, activation), activation)
            elif mistake == "relu_ge" and activation == "relu":
                local = (z >= 0).astype(z.dtype)
            else:
                local = _activation_grad(z, h, activation)
            delta = dh * local
    return loss, {key: grads[key] for key in sorted(grads, key=lambda k: (int(k[1:]), k[0] != "W"))}


@reference_impl
def mlp_loss(params, X, y, activation="relu", reg=0.0):
    r"""Softmax loss and gradients of a fully connected network of any depth, row form.

    The network: :math:`h_0 = X`, :math:`z_l = h_{l-1} W_l + b_l`, :math:`h_l = g(z_l)` for
    :math:`l < n` (:math:`n` layers, counted from the input), scores :math:`s = z_n`, loss :math:`L` = mean
    softmax cross-entropy
    :math:`+ \tfrac12\,\mathrm{reg} \sum_l \|W_l\|^2` (biases are not regularised).

    Args:
        params: dict ``W1 (D, H1), b1 (H1,), ..., Wn (H_{n-1}, C), bn (C,)``, n >= 1.
        X: inputs, shape (N, D).
        y: integer labels in ``0..C-1``, shape (N,).
        activation: ``"relu"`` (derivative 0 at 0), ``"tanh"`` or ``"sigmoid"``.
        reg: L2 regularisation strength.
    Returns:
        ``(loss, grads)``: a float and a dict with the keys of ``params``, each gradient with the
        shape of its parameter.
    """
    return _mlp_loss(params, X, y, activation, reg)


@reference_impl
def early_stopping(val_losses, patience):
    """The epoch whose weights early stopping keeps.

    Training watches the validation loss after every epoch (``val_losses[t]`` after epoch ``t``) and
    stops as soon as ``patience`` epochs in a row have not improved on the best loss seen so far (an
    improvement is a strictly lower loss: a tie keeps the earlier epoch; NaN never improves). The
    epoch kept is the best one seen up to that stop; losses after the stop are never looked at. If
    the list ends first, the best epoch of the whole list is kept.

    Args:
        val_losses: a sequence (list, tuple or 1-D array) of floats, possibly empty or with NaN.
        patience: an integer >= 1.
    Returns:
        the index of the epoch to keep (an int), or None when no loss is a number (an empty or
        all-NaN list). ``val_losses`` is not changed.
    """
    best, best_loss, waited = None, np.inf, 0
    for epoch, loss in enumerate(np.asarray(val_losses, dtype=np.float64).ravel()):
        if loss < best_loss:          # NaN < x is False: a NaN never improves
            best, best_loss, waited = epoch, loss, 0
        elif best is not None:
            waited += 1
            if waited >= patience:
                break
    return best


@reference_impl
def delta_by_hand():
    r"""The checkpoint of notebook 09: :math:`\delta_1` and :math:`\partial L/\partial W_2` for one example.

    Row form, :math:`h_0 = (1, 2)`, :math:`W_1 = ((1, -1), (2, 1))`, :math:`b_1 = (0, -2)`, ReLU, then
    :math:`W_2 = ((1, 3), (-2, 1))`, with :math:`\delta_2 = (0.5, -1)` given. So :math:`z_1 = (5, -1)`,
    :math:`h_1 = (5, 0)`, :math:`\delta_1 = (\delta_2 W_2^\top) \odot \mathbb 1[z_1 > 0] = (-2.5, 0)` and
    :math:`\partial L/\partial W_2 = h_1^\top \delta_2`.

    Returns:
        ``(delta_1, dW2)``: shapes ``(1, 2)`` and ``(2, 2)``, float64.
    """
    return np.array([[-2.5, 0.0]]), np.array([[2.5, -5.0], [0.0, 0.0]])
