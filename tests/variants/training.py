"""Learner-style implementations for notebook 09, training and stability.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain).

Dropout variants keep the solution's cache format (a dict with ``mask`` and
``keep_prob``) unless they say which other test cell they affect: the backward
test runs the notebook's forward to get its cache.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "09-training-and-stability"

_MLP_HEAD = '''
import numpy as np

def mlp_loss(params, X, y, activation="relu", reg=0.0):
    acts = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))}
    grads_of = {"relu": lambda z, h: (z > 0) * 1.0, "tanh": lambda z, h: 1.0 - h * h,
                "sigmoid": lambda z, h: h * (1.0 - h)}
    f, fp = acts[activation], grads_of[activation]
    L = len(params) // 2
    N = X.shape[0]
'''

_MLP_FORWARD = '''
    hs, zs = [X], []
    for l in range(1, L + 1):
        z = hs[-1] @ params[f"W{l}"] + params[f"b{l}"]
        zs.append(z)
        if l < L:
            hs.append(f(z))
    s = zs[-1] - zs[-1].max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
'''


def _cases(right: int, of: int, points: int) -> float:
    """The share of a test cell's points that ``right`` of its ``of`` cases earn, as nbgrader records it
    (the points rounded to 3 decimals), for ``Variant.score``."""
    return round(points * round(right / of, 4), 3) / points


def _mlp(body: str) -> str:
    """An mlp_loss made of the common head and forward pass, then ``body``."""
    return _MLP_HEAD + _MLP_FORWARD + body


_MLP_RIGHT_BACKWARD = '''
    loss = -logp[np.arange(N), y].mean() + 0.5 * reg * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
    delta = np.exp(logp)
    delta[np.arange(N), y] -= 1.0
    delta /= N
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = hs[l - 1].T @ delta + reg * params[f"W{l}"]
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * fp(zs[l - 2], hs[l - 1])
    return float(loss), grads
'''

VALID = [
    # ---- sgd_momentum
    Variant("sgd_momentum", "a new dict built with **, no setdefault", '''
import numpy as np

def sgd_momentum(w, dw, config):
    lr = config.get("learning_rate", 1e-2)
    mu = config.get("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = mu * v - lr * dw
    return w + v, {**config, "learning_rate": lr, "momentum": mu, "velocity": v}
'''),
    Variant("sgd_momentum", "deep copy, then in-place work on the copies", '''
import copy
import numpy as np

def sgd_momentum(w, dw, config):
    config = copy.deepcopy(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    if "velocity" not in config:
        config["velocity"] = np.zeros(w.shape, dtype=w.dtype)
    v = config["velocity"]
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    next_w = w.copy()
    next_w += v
    return next_w, config
'''),
    # ---- clip_grad_value
    Variant("clip_grad_value", "np.minimum of np.maximum, in a loop", '''
import numpy as np

def clip_grad_value(grads, clip):
    out = {}
    for name in grads:
        out[name] = np.minimum(np.maximum(grads[name], -clip), clip)
    return out
'''),
    Variant("clip_grad_value", "np.where on a copy", '''
import numpy as np

def clip_grad_value(grads, clip):
    out = {}
    for name, g in grads.items():
        g = g.copy()
        g[g > clip] = clip
        g[g < -clip] = -clip
        out[name] = g
    return out
'''),
    # ---- clip_grad_norm
    Variant("clip_grad_norm", "one concatenated vector and np.linalg.norm", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads.values()]))
    factor = min(1.0, max_norm / total)
    return {k: g * factor for k, g in grads.items()}, float(total)
'''),
    Variant("clip_grad_norm", "PyTorch's tiny epsilon in the denominator, math.sqrt", '''
import math
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values()))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        return {k: g * coef for k, g in grads.items()}, total
    return dict((k, g.copy()) for k, g in grads.items()), total
'''),
    # ---- xavier_init
    Variant("xavier_init", "standard_normal times the standard deviation", '''
import math

def xavier_init(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / (fan_in + fan_out))
'''),
    Variant("xavier_init", "drawn transposed, then transposed back", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    return rng.normal(size=(fan_out, fan_in), scale=np.sqrt(2 / (fan_in + fan_out))).T.copy()
'''),
    # ---- he_init
    Variant("he_init", "standard_normal and np.sqrt", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return np.sqrt(2.0 / fan_in) * rng.standard_normal(size=(fan_in, fan_out))
'''),
    Variant("he_init", "a flat draw with keywords, reshaped", '''
import math

def he_init(fan_in, fan_out, rng):
    return rng.normal(loc=0.0, scale=math.sqrt(2 / fan_in), size=fan_in * fan_out).reshape(fan_in, fan_out)
'''),
    # ---- dropout_forward
    Variant("dropout_forward", "rng.uniform and np.where", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x, {"mask": None, "keep_prob": keep_prob}
    mask = rng.uniform(0.0, 1.0, size=x.shape) < keep_prob
    out = np.where(mask, x / keep_prob, 0).astype(x.dtype)
    return out, {"mask": mask, "keep_prob": keep_prob}
'''),
    Variant("dropout_forward", "rng.binomial mask of 0/1 in x's dtype", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    if train:
        mask = rng.binomial(1, keep_prob, size=x.shape).astype(x.dtype)
        return x * mask / x.dtype.type(keep_prob), {"mask": mask, "keep_prob": keep_prob}
    return x.copy(), {"mask": None, "keep_prob": keep_prob}
'''),
    # ---- dropout_backward
    Variant("dropout_backward", "np.where, and the mask as given", '''
import numpy as np

def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout
    return np.where(cache["mask"], dout / cache["keep_prob"], 0).astype(dout.dtype)
'''),
    # ---- mlp_loss
    Variant("mlp_loss", "a one-hot matrix, the penalty's gradient added last", _mlp('''
    onehot = np.zeros_like(logp)
    onehot[np.arange(N), y] = 1.0
    loss = -(onehot * logp).sum() / N
    delta = (np.exp(logp) - onehot) / N
    grads = {}
    for l in reversed(range(1, L + 1)):
        grads[f"W{l}"] = hs[l - 1].T @ delta
        grads[f"b{l}"] = np.sum(delta, axis=0)
        if l > 1:
            delta = delta @ params[f"W{l}"].T * fp(zs[l - 2], hs[l - 1])
    for l in range(1, L + 1):
        loss += 0.5 * reg * np.sum(params[f"W{l}"] * params[f"W{l}"])
        grads[f"W{l}"] = grads[f"W{l}"] + reg * params[f"W{l}"]
    return loss, grads
''')),
    Variant("mlp_loss", "layer caches as tuples, relu by np.where, 1/(1+exp) sigmoid", '''
import numpy as np

def mlp_loss(params, X, y, activation="relu", reg=0.0):
    L = sum(1 for k in params if k.startswith("W"))
    caches, h = [], X
    for l in range(1, L + 1):
        W, b = params["W%d" % l], params["b%d" % l]
        z = h @ W + b
        caches.append((h, z))
        if l < L:
            if activation == "relu":
                h = np.where(z > 0, z, 0.0)
            elif activation == "tanh":
                h = np.tanh(z)
            else:
                h = 1.0 / (1.0 + np.exp(-z))
    scores = caches[-1][1]
    m = scores.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(scores - m).sum(axis=1))
    N = len(y)
    loss = np.mean(lse - scores[np.arange(N), y])
    loss += reg / 2 * sum((params["W%d" % l] ** 2).sum() for l in range(1, L + 1))
    dz = np.exp(scores - lse[:, None])
    dz[np.arange(N), y] -= 1
    dz /= N
    grads = {}
    for l in range(L, 0, -1):
        h_prev, _ = caches[l - 1]
        grads["W%d" % l] = h_prev.T @ dz + reg * params["W%d" % l]
        grads["b%d" % l] = dz.sum(axis=0)
        if l > 1:
            dh = dz @ params["W%d" % l].T
            z_prev = caches[l - 2][1]
            if activation == "relu":
                dz = dh * (z_prev > 0)
            elif activation == "tanh":
                dz = dh * (1 - np.tanh(z_prev) ** 2)
            else:
                s = 1.0 / (1.0 + np.exp(-z_prev))
                dz = dh * s * (1 - s)
    return float(loss), grads
'''),
    # ---- gallery: real-world styles
    Variant("sgd_momentum", "cs231n's body on a copy: config = dict(config), setdefault, config['velocity'] = v", '''
import numpy as np

def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config = dict(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
'''),
    Variant("sgd_momentum", "explicit .get with defaults, a velocity of None replaced by zeros_like", '''
import numpy as np

def sgd_momentum(w, dw, config):
    lr = config.get("learning_rate", 1e-2)
    mu = config.get("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = mu * v - lr * dw
    return w + v, {"learning_rate": lr, "momentum": mu, "velocity": v}
'''),
    Variant("clip_grad_value", "np.clip(g, -clip, clip) in a dict comprehension", '''
import numpy as np

def clip_grad_value(grads, clip):
    return {k: np.clip(g, -clip, clip) for k, g in grads.items()}
'''),
    Variant("clip_grad_norm", "np.clip of the scale factor to at most 1", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    scale = np.clip(max_norm / total_norm, None, 1.0)
    return {k: (g * scale).astype(g.dtype) for k, g in grads.items()}, float(total_norm)
'''),
    Variant("dropout_forward", "cs231n: mask = (rng.random(x.shape) < p) / p, cast to x's dtype", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    p = keep_prob
    if train:
        mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)
        out = x * mask
        return out, {"mask": mask != 0, "keep_prob": keep_prob}
    return x.copy(), {"mask": None, "keep_prob": keep_prob}
'''),
    Variant("dropout_forward", "d2l's dropout_layer with dropout = 1 - keep_prob", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    dropout = 1 - keep_prob
    if not train:
        return x, {"mask": None, "keep_prob": keep_prob}
    if dropout == 1:
        return np.zeros_like(x), {"mask": np.zeros(x.shape, dtype=bool), "keep_prob": keep_prob}
    mask = (rng.uniform(0, 1, x.shape) > dropout)
    out = (mask.astype(x.dtype) * x / x.dtype.type(1.0 - dropout)).astype(x.dtype)
    return out, {"mask": mask, "keep_prob": keep_prob}
'''),
    Variant("dropout_backward", "cs231n: dx = dout * mask, then / keep_prob, in dout's dtype", '''
def dropout_backward(dout, cache):
    mask, keep_prob = cache["mask"], cache["keep_prob"]
    if mask is None:
        return dout.copy()
    dx = dout * mask
    dx = dx / keep_prob
    return dx.astype(dout.dtype)
'''),
    Variant("mlp_loss", "np.add.at for the one-hot, einsum for the weight gradients", _mlp('''
    loss = -np.mean(logp[np.arange(N), y])
    loss += 0.5 * reg * np.sum([np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1)])
    delta = np.exp(logp)
    np.add.at(delta, (np.arange(N), y), -1.0)
    delta = delta / N
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = np.einsum("ni,nj->ij", hs[l - 1], delta) + reg * params[f"W{l}"]
        grads[f"b{l}"] = np.einsum("nj->j", delta)
        if l > 1:
            delta = np.einsum("nj,ij->ni", delta, params[f"W{l}"]) * fp(zs[l - 2], hs[l - 1])
    return float(loss), grads
''')),
    # ---- early_stopping
    Variant("early_stopping", "indices into a float array, returning from inside the loop", '''
import numpy as np

def early_stopping(val_losses, patience):
    v = np.array(val_losses, dtype=float)
    best, since = None, 0
    for t in range(len(v)):
        if not np.isnan(v[t]) and (best is None or v[t] < v[best]):
            best, since = t, 0
        elif best is not None:
            since += 1
            if since >= patience:
                return int(best)
    return best
'''),
    Variant("early_stopping", "the best of each prefix, by argmin of a copy with NaN as inf", '''
import numpy as np

def early_stopping(val_losses, patience):
    v = np.asarray(val_losses, dtype=float).copy()
    if v.size == 0 or np.all(np.isnan(v)):
        return None
    v[np.isnan(v)] = np.inf
    first = int(np.argmax(np.isfinite(v)))
    for t in range(first, v.size):
        best = int(np.argmin(v[:t + 1]))
        if t - best >= patience:
            return best
    return int(np.argmin(v))
'''),
    # ---- delta_by_hand
    Variant("delta_by_hand", "lists of numbers, worked with numpy as a calculator", '''
import numpy as np

def delta_by_hand():
    z1 = np.array([[1.0, 2.0]]) @ np.array([[1.0, -1.0], [2.0, 1.0]]) + np.array([0.0, -2.0])
    h1 = np.maximum(z1, 0.0)
    W2, d2 = np.array([[1.0, 3.0], [-2.0, 1.0]]), np.array([[0.5, -1.0]])
    return ((d2 @ W2.T) * (z1 > 0)).tolist(), (h1.T @ d2).tolist()
'''),
]

WRONG = [
    # ---- sgd_momentum
    Variant("sgd_momentum", "velocity never carried over (plain SGD)", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * np.zeros_like(w) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
''', "was not carried"),
    Variant("sgd_momentum", "gradient term with the wrong sign", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) + lr * dw
    config["velocity"] = v
    return w + v, config
''', "wrong sign"),
    Variant("sgd_momentum", "returns a config with the velocity only", '''
import numpy as np

def sgd_momentum(w, dw, config):
    lr = config.get("learning_rate", 1e-2)
    mu = config.get("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) - lr * dw
    return w + v, {"velocity": v}
''', "lost learning_rate or momentum"),
    Variant("sgd_momentum", "PyTorch's convention: the velocity sums gradients", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) + dw
    config["velocity"] = v
    return w - lr * v, config
''', "not a running sum of gradients"),
    Variant("sgd_momentum", "stores the step with the opposite sign", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) + lr * dw
    config["velocity"] = v
    return w - v, config
''', "your weights are right, but the stored velocity has the opposite sign"),
    Variant("sgd_momentum", "updates w in place", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) - lr * dw
    config["velocity"] = v
    w += v
    return w, config
''', "in place"),
    Variant("sgd_momentum", "the cs231n habit: fills in the caller's config", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
''', "in place"),
    Variant("sgd_momentum", "a float64 velocity for float32 weights", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros(w.shape)
    v = mu * v - lr * dw.astype(np.float64)
    config["velocity"] = v
    return w + v, config
''', "expected float32"),
    Variant("sgd_momentum", "a wrong default learning rate", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-3)
    mu = config.setdefault("momentum", 0.9)
    v = mu * config.get("velocity", np.zeros_like(w)) - lr * dw
    config["velocity"] = v
    return w + v, config
''', "learning_rate defaults to 1e-2", score=0.8),
    Variant("sgd_momentum", "hard-codes the visible example", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config, learning_rate=0.2, momentum=0.9, velocity=np.array([-0.1, 0.2, -0.4]))
    return np.array([0.9, -1.8, 0.1]), config
''', None),
    Variant("sgd_momentum", "calls the reference", '''
def sgd_momentum(w, dw, config):
    from chainrule_reference.training import sgd_momentum as _ref
    return _ref(w, dw, config)
''', "reference implementation"),
    # ---- clip_grad_value
    Variant("clip_grad_value", "upper bound only", '''
import numpy as np

def clip_grad_value(grads, clip):
    return {k: np.minimum(g, clip) for k, g in grads.items()}
''', "only the upper bound"),
    Variant("clip_grad_value", "clips to [0, clip]", '''
import numpy as np

def clip_grad_value(grads, clip):
    return {k: np.clip(g, 0, clip) for k, g in grads.items()}
''', "[0, clip]"),
    Variant("clip_grad_value", "clips the given arrays in place", '''
import numpy as np

def clip_grad_value(grads, clip):
    for g in grads.values():
        np.clip(g, -clip, clip, out=g)
    return grads
''', "in place"),
    Variant("clip_grad_value", "an object equal to everything", '''
class _Anything:
    def __eq__(self, other):
        return True

def clip_grad_value(grads, clip):
    return {k: _Anything() for k in grads}
''', "should be"),
    # ---- clip_grad_norm
    Variant("clip_grad_norm", "each array clipped by its own norm", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    out, total = {}, 0.0
    for k, g in grads.items():
        n = np.linalg.norm(g)
        total += n ** 2
        out[k] = g * (max_norm / n) if n > max_norm else g.copy()
    return out, float(np.sqrt(total))
''', "by its own norm"),
    Variant("clip_grad_norm", "scales even when the norm is below max_norm", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    return {k: g * (max_norm / total) for k, g in grads.items()}, total
''', "not above max_norm"),
    Variant("clip_grad_norm", "returns the norm after clipping", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    scale = min(1.0, max_norm / total)
    return {k: g * scale for k, g in grads.items()}, total * scale
''', "norm after clipping"),
    Variant("clip_grad_norm", "total norm as the sum of the arrays' norms", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads.values()))
    scale = min(1.0, max_norm / total)
    return {k: g * scale for k, g in grads.items()}, total
''', "not the sum of the arrays' norms"),
    Variant("clip_grad_norm", "no square root", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / total)
    return {k: g * scale for k, g in grads.items()}, total
''', "square root is missing"),
    Variant("clip_grad_norm", "scale factor upside down", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if total > max_norm:
        return {k: g * (total / max_norm) for k, g in grads.items()}, total
    return {k: g.copy() for k, g in grads.items()}, total
''', "upside down"),
    Variant("clip_grad_norm", "scales the given arrays in place", '''
import numpy as np

def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return dict(grads), total
''', "in place"),
    # ---- xavier_init
    Variant("xavier_init", "the variance used as the standard deviation", '''
def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))
''', "which is the variance"),
    Variant("xavier_init", "LeCun's 1 / fan_in", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''', "LeCun"),
    Variant("xavier_init", "uniform with the right variance (Glorot's paper)", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''', "normally distributed"),
    Variant("xavier_init", "three values -a, 0, a: the normal's mean, variance and kurtosis", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    a = np.sqrt(3 * 2.0 / (fan_in + fan_out))
    return rng.choice([-a, 0.0, a], size=(fan_in, fan_out), p=[1 / 6, 2 / 3, 1 / 6])
''', "only 3 distinct values"),
    Variant("xavier_init", "shape (fan_out, fan_in)", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))
''', "(fan_out, fan_in)"),
    Variant("xavier_init", "np.random's global state", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / (fan_in + fan_out))
''', "global state"),
    Variant("xavier_init", "a generator of its own", '''
import numpy as np

def xavier_init(fan_in, fan_out, rng):
    return np.random.default_rng(0).normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))
''', "different seeds"),
    Variant("xavier_init", "calls the reference", '''
def xavier_init(fan_in, fan_out, rng):
    from chainrule_reference.training import xavier_init as _ref
    return _ref(fan_in, fan_out, rng)
''', "reference implementation"),
    # ---- he_init
    Variant("he_init", "fan_out where fan_in belongs", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
''', "fan_out was used"),
    Variant("he_init", "the factor 2 missing", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''', "factor 2 is missing"),
    Variant("he_init", "the variance used as the standard deviation", '''
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
''', "which is the variance"),
    Variant("he_init", "Xavier's variance", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''', "Xavier's variance"),
    Variant("he_init", "uniform with the right variance (PyTorch's kaiming_uniform_)", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))
''', "normally distributed"),
    Variant("he_init", "random signs times the standard deviation (two values)", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return np.sqrt(2.0 / fan_in) * rng.choice([-1.0, 1.0], size=(fan_in, fan_out))
''', "normally distributed"),
    Variant("he_init", "sparse random projection: std * sqrt(3) * {-1, 0, 1}", '''
import numpy as np

def he_init(fan_in, fan_out, rng):
    return np.sqrt(3 * 2.0 / fan_in) * rng.choice([-1.0, 0.0, 1.0], size=(fan_in, fan_out), p=[1 / 6, 2 / 3, 1 / 6])
''', "a normal law was asked for"),
    # ---- dropout_forward
    Variant("dropout_forward", "not scaled (plain dropout)", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < keep_prob
    return x * mask, {"mask": mask, "keep_prob": keep_prob}
''', "not scaled"),
    Variant("dropout_forward", "multiplied by keep_prob", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < keep_prob
    return x * mask * keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "multiplied by keep_prob"),
    Variant("dropout_forward", "keep_prob taken as the drop probability", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < 1 - keep_prob
    return x * mask / keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "probability of KEEPING"),
    Variant("dropout_forward", "scales by keep_prob at test time", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x * keep_prob, {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < keep_prob
    return x * mask / keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "non-inverted"),
    Variant("dropout_forward", "drops at test time too", '''
def dropout_forward(x, keep_prob, train, rng):
    mask = rng.random(x.shape) < keep_prob
    return x * mask / keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "dropout is the identity", ("test_dropout_backward",)),
    Variant("dropout_forward", "one mask shared by every row", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape[1:]) < keep_prob
    return x * mask / keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "same mask"),
    Variant("dropout_forward", "a float64 mask", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = (rng.random(x.shape) < keep_prob) / keep_prob
    return x * mask, {"mask": mask * keep_prob, "keep_prob": keep_prob}
''', "dtype float64", ("test_dropout_backward",)),
    Variant("dropout_forward", "np.random's global state", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = np.random.rand(*x.shape) < keep_prob
    return x * mask / keep_prob, {"mask": mask, "keep_prob": keep_prob}
''', "global state"),
    Variant("dropout_forward", "multiplies x in place", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x, {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < keep_prob
    x *= mask
    x /= keep_prob
    return x, {"mask": mask, "keep_prob": keep_prob}
''', "in place", ("test_dropout_backward",)),
    # ---- dropout_backward
    Variant("dropout_backward", "the 1 / keep_prob scaling forgotten", '''
def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout.copy()
    return dout * cache["mask"]
''', "scaling is missing"),
    Variant("dropout_backward", "non-inverted dropout in both passes (the forward does not divide either)", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = rng.random(x.shape) < keep_prob
    return x * mask, {"mask": mask, "keep_prob": keep_prob}


def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout.copy()
    return dout * cache["mask"]
''', "your dropout_forward did not divide the kept units by keep_prob either",
        affects=("test_dropout_forward",)),   # the cell redefines dropout_forward, which the grader runs first
    Variant("dropout_backward", "draws a new mask", '''
import numpy as np

def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout.copy()
    mask = np.random.default_rng(12345).random(dout.shape) < cache["keep_prob"]
    return dout * mask / cache["keep_prob"]
''', "reuse the mask"),
    Variant("dropout_backward", "no mask at all", '''
def dropout_backward(dout, cache):
    return dout / cache["keep_prob"]
''', "reuse the mask"),
    Variant("dropout_backward", "test time scaled by keep_prob", '''
def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout * cache["keep_prob"]
    return dout * cache["mask"] / cache["keep_prob"]
''', "its backward pass is too"),
    Variant("dropout_backward", "forgets that the mask is None at test time", '''
def dropout_backward(dout, cache):
    return dout * cache["mask"] / cache["keep_prob"]
''', "raised TypeError"),
    # ---- mlp_loss
    Variant("mlp_loss", "no reg * W in dW", _mlp(_MLP_RIGHT_BACKWARD.replace(
        ' + reg * params[f"W{l}"]\n', '\n')), "reg * W, is missing"),
    Variant("mlp_loss", "biases regularised too", _mlp(_MLP_RIGHT_BACKWARD.replace(
        "    delta = np.exp(logp)\n",
        '    loss += 0.5 * reg * sum(np.sum(params[f"b{l}"] ** 2) for l in range(1, L + 1))\n'
        "    delta = np.exp(logp)\n").replace(
        'grads[f"b{l}"] = delta.sum(axis=0)', 'grads[f"b{l}"] = delta.sum(axis=0) + reg * params[f"b{l}"]')),
        "biases are not regularised"),
    Variant("mlp_loss", "reg * sum(W**2) without the 1/2", _mlp(_MLP_RIGHT_BACKWARD.replace(
        "+ 0.5 * reg * sum(", "+ reg * sum(").replace('+ reg * params[f"W{l}"]', '+ 2 * reg * params[f"W{l}"]')),
        "not reg * sum(W**2)"),
    Variant("mlp_loss", "sum over the batch instead of the mean", _mlp(_MLP_RIGHT_BACKWARD.replace(
        "-logp[np.arange(N), y].mean()", "-logp[np.arange(N), y].sum()").replace("    delta /= N\n", "")),
        "factor 1/N is missing"),
    Variant("mlp_loss", "divides by N twice in the backward pass", _mlp(_MLP_RIGHT_BACKWARD.replace(
        "    delta /= N\n", "    delta /= N * N\n")), "extra factor 1/N"),
    Variant("mlp_loss", "the activation's derivative taken at its output", _mlp(_MLP_RIGHT_BACKWARD.replace(
        "fp(zs[l - 2], hs[l - 1])", "fp(hs[l - 1], f(hs[l - 1]))")), "taken at its output"),
    Variant("mlp_loss", "no activation derivative in the recursion", _mlp(_MLP_RIGHT_BACKWARD.replace(
        " * fp(zs[l - 2], hs[l - 1])", "")), "delta recursion"),
    Variant("mlp_loss", "ReLU mask z >= 0", _mlp(_MLP_RIGHT_BACKWARD).replace(
        '"relu": lambda z, h: (z > 0) * 1.0', '"relu": lambda z, h: (z >= 0) * 1.0'), "not z >= 0"),
    Variant("mlp_loss", "the activation applied to the scores too", _MLP_HEAD + '''
    hs, zs = [X], []
    for l in range(1, L + 1):
        z = hs[-1] @ params[f"W{l}"] + params[f"b{l}"]
        zs.append(z)
        hs.append(f(z))
    s = hs[-1] - hs[-1].max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + 0.5 * reg * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
    delta = np.exp(logp)
    delta[np.arange(N), y] -= 1.0
    delta = delta / N * fp(zs[-1], hs[-1])
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = hs[l - 1].T @ delta + reg * params[f"W{l}"]
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * fp(zs[l - 2], hs[l - 1])
    return float(loss), grads
''', "the last layer has no activation"),
    Variant("mlp_loss", "log of the softmax probabilities (unstable)", _MLP_HEAD + '''
    hs, zs = [X], []
    for l in range(1, L + 1):
        z = hs[-1] @ params[f"W{l}"] + params[f"b{l}"]
        zs.append(z)
        if l < L:
            hs.append(f(z))
    e = np.exp(zs[-1])
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean()
    loss += 0.5 * reg * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
    delta = probs.copy()
    delta[np.arange(N), y] -= 1.0
    delta /= N
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = hs[l - 1].T @ delta + reg * params[f"W{l}"]
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * fp(zs[l - 2], hs[l - 1])
    return float(loss), grads
''', "NaN or infinity"),
    Variant("mlp_loss", "a two-layer network only", '''
import numpy as np

def mlp_loss(params, X, y, activation="relu", reg=0.0):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    h = np.maximum(z1, 0.0)
    s = h @ params["W2"] + params["b2"]
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    d = np.exp(logp)
    d[np.arange(N), y] -= 1
    d /= N
    dh = d @ params["W2"].T * (z1 > 0)
    return float(loss), {"W1": X.T @ dh + reg * params["W1"], "b1": dh.sum(0),
                         "W2": h.T @ d + reg * params["W2"], "b2": d.sum(0)}
''', "raised KeyError"),
    Variant("mlp_loss", "dW transposed", _mlp(_MLP_RIGHT_BACKWARD.replace(
        'grads[f"W{l}"] = hs[l - 1].T @ delta + reg * params[f"W{l}"]',
        'grads[f"W{l}"] = delta.T @ hs[l - 1] + reg * params[f"W{l}"].T')), "transposed"),
    Variant("mlp_loss", "adds the penalty's gradient into params", _mlp(_MLP_RIGHT_BACKWARD.replace(
        'grads[f"W{l}"] = hs[l - 1].T @ delta + reg * params[f"W{l}"]',
        'W = params[f"W{l}"]\n        W *= reg\n        grads[f"W{l}"] = hs[l - 1].T @ delta + W')), "in place"),
    # ---- gallery: real-world styles
    Variant("dropout_forward", "divides by the drop probability p = 1 - keep_prob", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    p = 1 - keep_prob
    mask = rng.random(x.shape) > p
    return x * mask / p, {"mask": mask, "keep_prob": keep_prob}
''', diagnosis="divided by the drop probability", score=0.4),
    Variant("dropout_forward", "np.random.rand(*x.shape) > p with p the drop probability", '''
import numpy as np

def dropout_forward(x, keep_prob, train, rng):
    p = keep_prob
    if not train:
        return x, {"mask": None, "keep_prob": keep_prob}
    mask = (np.random.rand(*x.shape) > p) / p
    return (x * mask).astype(x.dtype), {"mask": mask != 0, "keep_prob": keep_prob}
''', diagnosis="global state", score=0.2),
    Variant("dropout_forward", "cs231n's float64 mask (rng.random(x.shape) < p) / p, not cast", '''
def dropout_forward(x, keep_prob, train, rng):
    if not train:
        return x.copy(), {"mask": None, "keep_prob": keep_prob}
    mask = (rng.random(x.shape) < keep_prob) / keep_prob
    return x * mask, {"mask": mask != 0, "keep_prob": keep_prob}
''', diagnosis="has dtype float64", score=0.9),
    Variant("dropout_backward", "the inverted mask (dout * ~mask)", '''
def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout.copy()
    return dout * ~cache["mask"] / cache["keep_prob"]
''', diagnosis="the mask is inverted", score=0.2),
    Variant("dropout_backward", "the inverted mask as a float (1 - mask)", '''
def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout.copy()
    return (dout * (1 - cache["mask"]) / cache["keep_prob"]).astype(dout.dtype)
''', diagnosis="the mask is inverted", score=0.2),
    Variant("dropout_backward", "dout[~mask] = 0; dout /= keep_prob; return dout", '''
def dropout_backward(dout, cache):
    if cache["mask"] is None:
        return dout
    dout[~cache["mask"]] = 0
    dout /= cache["keep_prob"]
    return dout
''', diagnosis="in place", score=0.9),
    Variant("sgd_momentum", "cs231n verbatim: config.setdefault on the caller's dict, config['velocity'] = v", '''
import numpy as np

def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    next_w = None
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
''', diagnosis="in place", score=0.9),
    Variant("sgd_momentum", "the velocity from np.zeros(w.shape) without dtype", '''
import numpy as np

def sgd_momentum(w, dw, config):
    config = dict(config)
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = config["velocity"] if "velocity" in config else np.zeros(w.shape)
    v = mu * v - lr * dw
    config["velocity"] = v
    return w + v, config
''', diagnosis="expected float32", score=0.9),
    Variant("clip_grad_value", "np.clip(g, -clip, clip, out=g) on the given arrays", '''
import numpy as np

def clip_grad_value(grads, clip):
    for g in grads.values():
        np.clip(g, -clip, clip, out=g)
    return grads
''', diagnosis="in place", score=0.9),
    Variant("mlp_loss", "dW averaged again: hs.T @ delta / N after delta /= N", _mlp(_MLP_RIGHT_BACKWARD.replace(
        'grads[f"W{l}"] = hs[l - 1].T @ delta + reg', 'grads[f"W{l}"] = hs[l - 1].T @ delta / N + reg').replace(
        'grads[f"b{l}"] = delta.sum(axis=0)', 'grads[f"b{l}"] = delta.mean(axis=0)')),
        diagnosis="extra factor 1/N", score=_cases(1, 8, points=4)),
    # ---- early_stopping
    Variant("early_stopping", "waits one epoch too many (waited > patience)", '''
import math

def early_stopping(val_losses, patience):
    best, best_loss, waited = None, math.inf, 0
    for t, loss in enumerate(val_losses):
        if loss < best_loss:
            best, best_loss, waited = t, loss, 0
        elif best is not None:
            waited += 1
            if waited > patience:
                break
    return best
''', "one epoch too long"),
    Variant("early_stopping", "returns the epoch where it stopped", '''
import math

def early_stopping(val_losses, patience):
    best, best_loss, waited, t = None, math.inf, 0, None
    for t, loss in enumerate(val_losses):
        if loss < best_loss:
            best, best_loss, waited = t, loss, 0
        elif best is not None:
            waited += 1
            if waited >= patience:
                break
    return t if best is not None else None
''', "the epoch where training stopped"),
    Variant("early_stopping", "np.nanargmin of the whole list", '''
import numpy as np

def early_stopping(val_losses, patience):
    v = np.asarray(val_losses, dtype=float)
    if v.size == 0 or np.all(np.isnan(v)):
        return None
    return int(np.nanargmin(v))
''', "WHOLE list"),
    Variant("early_stopping", "a tie counts as an improvement (<=)", '''
import math

def early_stopping(val_losses, patience):
    best, best_loss, waited = None, math.inf, 0
    for t, loss in enumerate(val_losses):
        if loss <= best_loss:
            best, best_loss, waited = t, loss, 0
        elif best is not None:
            waited += 1
            if waited >= patience:
                break
    return best
''', "a tie counted as an improvement"),
    Variant("early_stopping", "returns 0 instead of None when there is no number", '''
import math

def early_stopping(val_losses, patience):
    best, best_loss, waited = 0, math.inf, 0
    for t, loss in enumerate(val_losses):
        if loss < best_loss:
            best, best_loss, waited = t, loss, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best
''', "return None"),
    # ---- delta_by_hand
    Variant("delta_by_hand", "W_2 not transposed", '''
import numpy as np

def delta_by_hand():
    return np.array([[2.5, 0.0]]), np.array([[2.5, -5.0], [0.0, 0.0]])
''', "W_2 is not transposed"),
    Variant("delta_by_hand", "dW2 transposed", '''
import numpy as np

def delta_by_hand():
    return np.array([[-2.5, 0.0]]), np.array([[2.5, 0.0], [-5.0, 0.0]])
''', "dW2 is transposed"),
]
