"""Learner-style implementations for notebook 08, activation functions.

``VALID``: other correct ways to write each graded function (they keep full marks). ``WRONG``: the
mistakes learners make (they lose the test cell's points; ``diagnosis`` is a phrase the failure
message must contain). A backward test takes its cache from the learner's own forward pass, so a
forward variant that changes what the cache holds names the backward test in ``affects``.

Several backward mistakes belong to a *pair* of functions (a forward pass that caches ``x`` and a
backward pass that applies the output's formula to it, say). A variant replaces one cell only, so
those variants rebuild the wrong quantity from the solution's cache (``x`` from the cached output by
the inverse function, or the pieces of maxout from ``x`` and ``w``) and then make the mistake: the
numbers are exactly those of the learner's mistake.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "08-activation-functions"

_SIGMOID_BW = ("test_sigmoid_backward",)
_TANH_BW = ("test_tanh_backward",)
_LEAKY_BW = ("test_leaky_relu_backward",)
_MAXOUT_BW = ("test_maxout_backward",)

VALID = [
    # ---- sigmoid_forward
    Variant("sigmoid_forward", "the textbook formula (overflow warnings, right values)", '''
import numpy as np

def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out
'''),
    Variant("sigmoid_forward", "through tanh: (1 + tanh(x / 2)) / 2", '''
import numpy as np

def sigmoid_forward(x):
    out = 0.5 * (1 + np.tanh(0.5 * x))
    return out, out
'''),
    Variant("sigmoid_forward", "math.exp on each float, np.vectorize with the input's dtype", '''
import math
import numpy as np

def sigmoid_forward(x):
    def one(v):
        if v >= 0:
            return 1 / (1 + math.exp(-v))
        e = math.exp(v)
        return e / (1 + e)
    out = np.vectorize(one, otypes=[x.dtype])(x)
    return out, out
'''),
    Variant("sigmoid_forward", "in place on a new array, one mask per sign", '''
import numpy as np

def sigmoid_forward(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out, out
'''),
    # ---- sigmoid_backward
    Variant("sigmoid_backward", "s - s^2", '''
def sigmoid_backward(dout, cache):
    s = cache
    return dout * (s - s * s)
'''),
    Variant("sigmoid_backward", "a loop over the entries", '''
import numpy as np

def sigmoid_backward(dout, cache):
    dx = np.empty_like(dout)
    for idx in np.ndindex(dout.shape):
        s = cache[idx]
        dx[idx] = dout[idx] * s * (1 - s)
    return dx
'''),
    # ---- tanh_forward
    Variant("tanh_forward", "caches the input", '''
import numpy as np

def tanh_forward(x):
    return np.tanh(x), x
''', affects=_TANH_BW),   # the solution's tanh_backward reads the cache as tanh(x)
    Variant("tanh_forward", "2 sigmoid(2x) - 1 without overflow, odd by construction", '''
import numpy as np

def tanh_forward(x):
    e = np.exp(-2 * np.abs(x))
    out = np.sign(x) * (1 - e) / (1 + e)
    return out, out
'''),
    # ---- tanh_backward
    Variant("tanh_backward", "dout - dout t^2", '''
def tanh_backward(dout, cache):
    return dout - dout * cache ** 2
'''),
    Variant("tanh_backward", "(1 - t)(1 + t), in a loop", '''
import numpy as np

def tanh_backward(dout, cache):
    dx = np.zeros_like(dout)
    for idx in np.ndindex(dout.shape):
        t = cache[idx]
        dx[idx] = dout[idx] * (1 - t) * (1 + t)
    return dx
'''),
    # ---- leaky_relu_forward
    Variant("leaky_relu_forward", "np.maximum(x, alpha x)", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return np.maximum(x, alpha * x), (x, alpha)
'''),
    Variant("leaky_relu_forward", "in place on a copy", '''
def leaky_relu_forward(x, alpha=0.01):
    out = x.copy()
    out[out <= 0] *= alpha
    return out, (x, alpha)
'''),
    Variant("leaky_relu_forward", "x times its slope, cast to the input's dtype", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    slope = np.where(x > 0, 1.0, alpha).astype(x.dtype)
    return x * slope, (x, alpha)
'''),
    # ---- leaky_relu_backward
    Variant("leaky_relu_backward", "scales a copy of dout", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = dout.copy()
    dx[x <= 0] *= alpha
    return dx
'''),
    Variant("leaky_relu_backward", "a slope array cast to dout's dtype", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1, alpha).astype(dout.dtype)
'''),
    # ---- maxout_forward
    Variant("maxout_forward", "one matrix product with w reshaped to (D, M*K)", '''
import numpy as np

def maxout_forward(x, w, b):
    D, M, K = w.shape
    z = (x @ w.reshape(D, M * K)).reshape(x.shape[0], M, K) + b
    winner = z.argmax(axis=2)
    out = np.take_along_axis(z, winner[:, :, None], axis=2)[:, :, 0]
    return out, (x, w, winner)
'''),
    Variant("maxout_forward", "a loop over the pieces, keeping the first strict improvement", '''
import numpy as np

def maxout_forward(x, w, b):
    K = w.shape[2]
    out = x @ w[:, :, 0] + b[:, 0]
    winner = np.zeros(out.shape, dtype=int)
    for k in range(1, K):
        z = x @ w[:, :, k] + b[:, k]
        better = z > out
        out = np.where(better, z, out)
        winner[better] = k
    return out, (x, w, winner)
'''),
    # ---- maxout_backward
    Variant("maxout_backward", "one-hot rows of np.eye(K) and reshaped matrix products", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    D, M, K = w.shape
    onehot = np.eye(K, dtype=dout.dtype)[winner]          # (N, M, K)
    dz = (dout[:, :, None] * onehot).reshape(-1, M * K)
    dx = dz @ w.reshape(D, M * K).T
    dw = (x.T @ dz).reshape(D, M, K)
    db = dz.sum(axis=0).reshape(M, K)
    return dx, dw, db
'''),
    Variant("maxout_backward", "loops over examples and units, with +=", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    N, M = dout.shape
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros((M, w.shape[2]), dtype=w.dtype)
    for n in range(N):
        for m in range(M):
            k = winner[n, m]
            dx[n] += dout[n, m] * w[:, m, k]
            dw[:, m, k] += dout[n, m] * x[n]
            db[m, k] += dout[n, m]
    return dx, dw, db
'''),
    Variant("maxout_backward", "np.put_along_axis into zeros", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = np.zeros(dout.shape + (w.shape[2],), dtype=dout.dtype)
    np.put_along_axis(dz, winner[:, :, None], dout[:, :, None], axis=2)
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
'''),
    # ---- gradient_norms_by_layer
    Variant("gradient_norms_by_layer", "rng.normal with a scale, sqrt of sums of squares", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.normal(0.0, 1.0, (64, width))
    gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0
    Ws = [rng.normal(0.0, np.sqrt(gain / width), (width, width)) for _ in range(depth)]
    zs, hs = [], [x]
    for W in Ws:
        z = hs[-1] @ W
        zs.append(z)
        if activation == "sigmoid":
            hs.append(0.5 * (1 + np.tanh(0.5 * z)))
        elif activation == "tanh":
            hs.append(np.tanh(z))
        elif activation == "relu":
            hs.append(np.maximum(z, 0))
        else:
            hs.append(np.maximum(z, 0.01 * z))
    dh = rng.normal(0.0, 1.0, (64, width)) / 64
    norms = [0.0] * depth
    for l in range(depth - 1, -1, -1):
        z, h = zs[l], hs[l + 1]
        if activation == "sigmoid":
            dz = dh * h * (1 - h)
        elif activation == "tanh":
            dz = dh * (1 - h * h)
        elif activation == "relu":
            dz = dh * (z > 0)
        else:
            dz = dh * np.where(z > 0, 1.0, 0.01)
        norms[l] = np.sqrt(np.sum((hs[l].T @ dz) ** 2))
        dh = dz @ Ws[l].T
    return norms
'''),
    Variant("gradient_norms_by_layer", "another order of draws (r first), returns an array", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    r = rng.standard_normal((64, width))
    x = rng.standard_normal((64, width))
    scale = np.sqrt((2.0 if "relu" in activation else 1.0) / width)
    Ws = [scale * rng.standard_normal((width, width)) for _ in range(depth)]
    g = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}[activation]
    slope = {"sigmoid": lambda z, h: h * (1 - h), "tanh": lambda z, h: 1 - h ** 2,
             "relu": lambda z, h: (z > 0) * 1.0, "leaky_relu": lambda z, h: np.where(z > 0, 1.0, 0.01)}[activation]
    inputs, zs = [], []
    h = x
    for W in Ws:
        inputs.append(h)
        zs.append(h @ W)
        h = g(zs[-1])
    dh = r / 64
    norms = []
    for W, h_in, z in zip(Ws[::-1], inputs[::-1], zs[::-1]):
        dz = dh * slope(z, g(z))
        norms.insert(0, np.linalg.norm(h_in.T @ dz))
        dh = dz @ W.T
    return np.array(norms)
'''),
    # ---- gallery: real-world styles
    Variant("sigmoid_forward", "stable by log-sum-exp: exp(-logaddexp(0, -x))", '''
import numpy as np

def sigmoid_forward(x):
    out = np.exp(-np.logaddexp(0, -x))
    return out, out
'''),
    Variant("sigmoid_forward", "np.where over both branches (overflow warnings in the unused one)", '''
import numpy as np

def sigmoid_forward(x):
    out = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    return out, out
'''),
    Variant("sigmoid_backward", "deep learning from scratch: a Sigmoid class, dout * (1.0 - self.out) * self.out", '''
class Sigmoid:
    def __init__(self, out):
        self.out = out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out

def sigmoid_backward(dout, cache):
    return Sigmoid(cache).backward(dout)
'''),
    Variant("tanh_backward", "np.multiply and np.subtract with np.square", '''
import numpy as np

def tanh_backward(dout, cache):
    return np.multiply(dout, np.subtract(1, np.square(cache)))
'''),
    Variant("leaky_relu_forward", "np.where(x > 0, x, x * alpha)", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    out = np.where(x > 0, x, x * alpha)
    return out, (x, alpha)
'''),
    Variant("leaky_relu_backward", "np.where(x > 0, dout, alpha * dout)", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)
'''),
    Variant("maxout_forward", "einsum into (N, M, K), then max and argmax over k", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.max(axis=2), (x, w, z.argmax(axis=2))
'''),
    Variant("maxout_backward", "np.add.at into zeros of dout's dtype", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    N, M = dout.shape
    K = w.shape[2]
    dz = np.zeros((N, M, K), dtype=dout.dtype)
    n_idx, m_idx = np.indices((N, M))
    np.add.at(dz, (n_idx, m_idx, winner), dout)
    dx = np.einsum("nmk,dmk->nd", dz, w)
    dw = np.einsum("nd,nmk->dmk", x, dz)
    db = np.zeros((M, K), dtype=dout.dtype)
    np.add.at(db, (m_idx, winner), dout)
    return dx, dw, db
'''),
    Variant("sigmoid_forward", "np.clip(x, -500, 500) before the textbook formula (float32 kept)", '''
import numpy as np

def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))
    return out, out
'''),
]

WRONG = [
    # ---- sigmoid_forward
    Variant("sigmoid_forward", "the sign in the exponent flipped", '''
import numpy as np

def sigmoid_forward(x):
    out = 1 / (1 + np.exp(x))
    return out, out
''', "sign in the exponent is flipped", _SIGMOID_BW),
    Variant("sigmoid_forward", "tanh instead of the sigmoid", '''
import numpy as np

def sigmoid_forward(x):
    out = np.tanh(x)
    return out, out
''', "this is tanh(x)", _SIGMOID_BW),
    Variant("sigmoid_forward", "returns the derivative", '''
import numpy as np

def sigmoid_forward(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s), s
''', "not the sigmoid s itself"),
    Variant("sigmoid_forward", "float64 out of a float32 input", '''
import numpy as np

def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x.astype(np.float64)))
    return out, out
''', "expected float32", _SIGMOID_BW),
    Variant("sigmoid_forward", "no cache", '''
import numpy as np

def sigmoid_forward(x):
    return 1 / (1 + np.exp(-x))
''', "tuple (out, cache)", _SIGMOID_BW),
    Variant("sigmoid_forward", "calls the reference implementation", '''
def sigmoid_forward(x):
    from chainrule_reference.activations import sigmoid_forward as _ref
    return _ref(x)
''', "reference implementation", _SIGMOID_BW),
    Variant("sigmoid_forward", "negates its input in place", '''
import numpy as np

def sigmoid_forward(x):
    np.negative(x, out=x)
    out = 1 / (1 + np.exp(x))
    return out, out
''', "in place", _SIGMOID_BW),
    # ---- sigmoid_backward
    Variant("sigmoid_backward", "s (1 - s) taken at the input x (recovered from the cached output)", '''
import numpy as np

def sigmoid_backward(dout, cache):
    x = np.log(cache) - np.log1p(-cache)      # the input, as a forward pass that cached x would have it
    return dout * x * (1 - x)
''', "applied to the input x itself"),
    Variant("sigmoid_backward", "the sigmoid applied again to the cached output", '''
import numpy as np

def sigmoid_backward(dout, cache):
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)
''', "applied twice"),
    Variant("sigmoid_backward", "no upstream gradient", '''
def sigmoid_backward(dout, cache):
    return cache * (1 - cache)
''', "dout is missing"),
    Variant("sigmoid_backward", "the factor (1 - s) missing", '''
def sigmoid_backward(dout, cache):
    return dout * cache
''', "(1 - s) is missing"),
    Variant("sigmoid_backward", "tanh's formula 1 - s^2", '''
def sigmoid_backward(dout, cache):
    return dout * (1 - cache ** 2)
''', "tanh's formula"),
    # ---- tanh_forward
    Variant("tanh_forward", "2 sigmoid(x) - 1", '''
import numpy as np

def tanh_forward(x):
    out = 2 / (1 + np.exp(-x)) - 1
    return out, out
''', "tanh(x / 2)", _TANH_BW),
    Variant("tanh_forward", "the sigmoid instead of tanh", '''
import numpy as np

def tanh_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out
''', "this is the sigmoid", _TANH_BW),
    Variant("tanh_forward", "(e^x - e^-x) / (e^x + e^-x), which overflows", '''
import numpy as np

def tanh_forward(x):
    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return out, out
''', "NaN", _TANH_BW),
    Variant("tanh_forward", "float64 out of a float32 input", '''
import numpy as np

def tanh_forward(x):
    out = np.tanh(np.asarray(x, dtype=float))
    return out, out
''', "expected float32", _TANH_BW),
    # ---- tanh_backward
    Variant("tanh_backward", "1 - x^2 at the input x (recovered from the cached output)", '''
import numpy as np

def tanh_backward(dout, cache):
    x = np.arctanh(cache)           # the input, as a forward pass that cached x would have it
    return dout * (1 - x ** 2)
''', "applied to the input x itself"),
    Variant("tanh_backward", "tanh applied again to the cached output", '''
import numpy as np

def tanh_backward(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)
''', "applied twice"),
    Variant("tanh_backward", "no upstream gradient", '''
def tanh_backward(dout, cache):
    return 1 - cache ** 2
''', "dout is missing"),
    Variant("tanh_backward", "the square missing", '''
def tanh_backward(dout, cache):
    return dout * (1 - cache)
''', "square is missing"),
    Variant("tanh_backward", "the sigmoid's formula t (1 - t)", '''
def tanh_backward(dout, cache):
    return dout * cache * (1 - cache)
''', "sigmoid's formula"),
    # ---- leaky_relu_forward
    Variant("leaky_relu_forward", "plain ReLU, alpha ignored", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return np.maximum(x, 0), (x, alpha)
''', "this is ReLU"),
    Variant("leaky_relu_forward", "the alpha passed in ignored", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), (x, alpha)
''', "alpha passed in was ignored"),
    Variant("leaky_relu_forward", "alpha on the positive side", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, alpha * x, x), (x, alpha)
''', "wrong side"),
    Variant("leaky_relu_forward", "alpha instead of alpha * x", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, alpha).astype(x.dtype), (x, alpha)
''', "not alpha"),
    Variant("leaky_relu_forward", "a float64 slope array", '''
import numpy as np

def leaky_relu_forward(x, alpha=0.01):
    return x * np.where(x > 0, 1.0, alpha), (x, alpha)
''', "expected float32"),
    Variant("leaky_relu_forward", "returns an object that claims to equal anything", '''
def leaky_relu_forward(x, alpha=0.01):
    class Anything:
        def __eq__(self, other):
            return True
    return Anything(), (x, alpha)
''', "should be"),
    # ---- leaky_relu_backward
    Variant("leaky_relu_backward", "slope 1 at the kink (x >= 0)", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x >= 0, dout, alpha * dout)
''', "use x > 0, not x >= 0"),
    Variant("leaky_relu_backward", "the cached alpha ignored", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, 0.01 * dout)
''', "alpha passed in was ignored"),
    Variant("leaky_relu_backward", "ReLU's backward pass", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * (x > 0)
''', "not 0"),
    Variant("leaky_relu_backward", "alpha times x on the left", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * x * dout)
''', "multiplied by x"),
    Variant("leaky_relu_backward", "no upstream gradient", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, 1, alpha).astype(x.dtype)
''', "dout is missing"),
    Variant("leaky_relu_backward", "the slopes swapped", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, alpha * dout, dout)
''', "swapped"),
    Variant("leaky_relu_backward", "a float64 slope array", '''
import numpy as np

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)
''', "expected float32"),
    # ---- maxout_forward
    Variant("maxout_forward", "the minimum over the pieces", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.min(axis=2), (x, w, z.argmax(axis=2))
''', "minimum over the pieces"),
    Variant("maxout_forward", "the pieces summed", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.sum(axis=2), (x, w, z.argmax(axis=2))
''', "summed"),
    Variant("maxout_forward", "no bias", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w)
    return z.max(axis=2), (x, w, z.argmax(axis=2))
''', "bias b is missing", _MAXOUT_BW),
    Variant("maxout_forward", "returns the argmax, as floats", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.argmax(axis=2).astype(x.dtype), (x, w, z.argmax(axis=2))
''', "index of the winning piece"),
    Variant("maxout_forward", "returns the argmax (integers)", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.argmax(axis=2), (x, w, z.argmax(axis=2))
''', "has dtype int64"),
    Variant("maxout_forward", "the max over the units (axis 1)", '''
import numpy as np

def maxout_forward(x, w, b):
    z = np.einsum("nd,dmk->nmk", x, w) + b
    return z.max(axis=1), (x, w, z.argmax(axis=2))
''', "over the units"),
    Variant("maxout_forward", "hard-codes the worked example", '''
import numpy as np

def maxout_forward(x, w, b):
    out = np.array([[2.1, 2.8], [5.05, 0.55]], dtype=x.dtype)
    return out, (x, w, np.array([[0, 1], [1, 1]]))
''', None, _MAXOUT_BW),
    Variant("maxout_forward", "calls the reference implementation", '''
def maxout_forward(x, w, b):
    from chainrule_reference.activations import maxout_forward as _ref
    return _ref(x, w, b)
''', "reference implementation", _MAXOUT_BW),
    # ---- maxout_backward
    Variant("maxout_backward", "on a tie, every tied piece gets the gradient (mask z == max)", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    z = np.einsum("nd,dmk->nmk", x, w)      # the pieces (tied pieces have equal weights and biases)
    best = np.take_along_axis(z, winner[:, :, None], axis=2)
    dz = dout[:, :, None] * (z == best)
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', "every tied piece got it"),
    Variant("maxout_backward", "on a tie, the largest k gets the gradient", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    K = w.shape[2]
    z = np.einsum("nd,dmk->nmk", x, w)
    best = np.take_along_axis(z, winner[:, :, None], axis=2)
    last = K - 1 - np.argmax((z == best)[:, :, ::-1], axis=2)
    dz = dout[:, :, None] * (last[:, :, None] == np.arange(K))
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', "went to the largest k"),
    Variant("maxout_backward", "db assigned in a loop, not accumulated", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    K = w.shape[2]
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(K))
    db = np.zeros(w.shape[1:], dtype=dout.dtype)
    for n in range(dout.shape[0]):
        db[np.arange(dout.shape[1]), winner[n]] = dout[n]
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), db
''', "overwritten instead of accumulated"),
    Variant("maxout_backward", "db averaged over the batch", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(w.shape[2]))
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.mean(axis=0)
''', "averaged"),
    Variant("maxout_backward", "dw for the wrong k (the other piece)", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    K = w.shape[2]
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(K))
    wrong = dout[:, :, None] * (((winner + 1) % K)[:, :, None] == np.arange(K))
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, wrong), dz.sum(axis=0)
''', "went to a losing piece"),
    Variant("maxout_backward", "every piece gets the gradient in dw", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    K = w.shape[2]
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(K))
    dw = np.repeat((x.T @ dout)[:, :, None], K, axis=2)
    return np.einsum("nmk,dmk->nd", dz, w), dw, dz.sum(axis=0)
''', "every piece received the gradient"),
    Variant("maxout_backward", "dx through the first piece only", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(w.shape[2]))
    return dout @ w[:, :, 0].T, np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', "first piece's weights"),
    Variant("maxout_backward", "no upstream gradient", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = (winner[:, :, None] == np.arange(w.shape[2])).astype(x.dtype)
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', "dout is missing"),
    Variant("maxout_backward", "dw arranged as (D, K, M)", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(w.shape[2]))
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dkm", x, dz), dz.sum(axis=0)
''', "the pieces are the last axis"),
    Variant("maxout_backward", "a float64 mask", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    dz = dout[:, :, None] * (winner[:, :, None] == np.arange(w.shape[2])).astype(float)
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', "expected float32"),
    # ---- gradient_norms_by_layer
    Variant("gradient_norms_by_layer", "the list reversed (last layer first)", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = rng.standard_normal((64, width)) / 64
    norms = []
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms.append(float(np.linalg.norm(hs[l].T @ dz)))
        dh = dz @ Ws[l].T
    return norms
''', "the list is reversed"),
    Variant("gradient_norms_by_layer", "squared norms", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = rng.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms[l] = float(np.sum((hs[l].T @ dz) ** 2))
        dh = dz @ Ws[l].T
    return norms
''', "squared norms"),
    Variant("gradient_norms_by_layer", "no 1/N in the upstream gradient", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = rng.standard_normal((64, width))
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms[l] = float(np.linalg.norm(hs[l].T @ dz))
        dh = dz @ Ws[l].T
    return norms
''', "64 times too large"),
    Variant("gradient_norms_by_layer", "the activation's derivative left out", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    g = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
         "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}[activation]
    hs = [x]
    for W in Ws:
        hs.append(g(hs[-1] @ W))
    dh = rng.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        norms[l] = float(np.linalg.norm(hs[l].T @ dh))
        dh = dh @ Ws[l].T
    return norms
''', "derivative is missing"),
    Variant("gradient_norms_by_layer", "He and LeCun swapped", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((1.0 if activation in ("relu", "leaky_relu") else 2.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = rng.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms[l] = float(np.linalg.norm(hs[l].T @ dz))
        dh = dz @ Ws[l].T
    return norms
''', "wrong scale"),
    Variant("gradient_norms_by_layer", "draws from NumPy's global generator", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = np.random.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [np.random.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = np.random.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms[l] = float(np.linalg.norm(hs[l].T @ dz))
        dh = dz @ Ws[l].T
    return norms
''', "rng passed in"),
    Variant("gradient_norms_by_layer", "the norms of dL/dh instead of dL/dW", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-z)); s = h * (1 - h)
        elif activation == "tanh":
            h = np.tanh(z); s = 1 - h ** 2
        elif activation == "relu":
            h = np.maximum(z, 0); s = (z > 0) * 1.0
        else:
            h = np.where(z > 0, z, 0.01 * z); s = np.where(z > 0, 1.0, 0.01)
        hs.append(h); slopes.append(s)
    dh = rng.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        dh = dz @ Ws[l].T
        norms[l] = float(np.linalg.norm(dh))
    return norms
'''),
    Variant("gradient_norms_by_layer", "one norm too few (the last layer left out)", '''
import numpy as np

def gradient_norms_by_layer(activation, depth, width, rng):
    x = rng.standard_normal((64, width))
    std = np.sqrt((2.0 if activation in ("relu", "leaky_relu") else 1.0) / width)
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    hs, slopes = [x], []
    for W in Ws:
        z = hs[-1] @ W
        h = np.maximum(z, 0) if "relu" in activation else np.tanh(z)
        hs.append(h); slopes.append((z > 0) * 1.0 if "relu" in activation else 1 - h ** 2)
    dh = rng.standard_normal((64, width)) / 64
    norms = [0.0] * depth
    for l in reversed(range(depth)):
        dz = dh * slopes[l]
        norms[l] = float(np.linalg.norm(hs[l].T @ dz))
        dh = dz @ Ws[l].T
    return norms[:-1]
''', "expected"),
    # ---- gallery: real-world styles
    Variant("leaky_relu_backward", "the cs231n idiom: dout[x <= 0] *= alpha; return dout", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dout[x <= 0] *= alpha
    return dout
''', diagnosis="in place", score=0.9),
    Variant("sigmoid_backward", "a loop over the entries into np.zeros(dout.shape) without dtype", '''
import numpy as np

def sigmoid_backward(dout, cache):
    dx = np.zeros(dout.shape)
    for idx in np.ndindex(dout.shape):
        dx[idx] = dout[idx] * cache[idx] * (1 - cache[idx])
    return dx
''', diagnosis="dtype", score=0.9),
    Variant("tanh_backward", "dout *= 1 - t ** 2 in place", '''
def tanh_backward(dout, cache):
    dout *= 1 - cache ** 2
    return dout
''', diagnosis="in place", score=0.9),
    Variant("maxout_backward", "np.zeros accumulators without dtype (float64 for float32 inputs)", '''
import numpy as np

def maxout_backward(dout, cache):
    x, w, winner = cache
    N, M = dout.shape
    K = w.shape[2]
    dz = np.zeros((N, M, K))
    np.put_along_axis(dz, winner[:, :, None], dout[:, :, None], axis=2)
    return np.einsum("nmk,dmk->nd", dz, w), np.einsum("nd,nmk->dmk", x, dz), dz.sum(axis=0)
''', diagnosis="dtype", score=0.9),
]
