"""Learner-style implementations for notebook 07, a single-layer network.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain). A wrong
relu_forward can break the relu_backward test (which takes its cache from the
learner's forward), and a wrong two_layer_loss or sgd_step the graded training
run: those variants name the other test cell in ``affects``.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "07-single-layer-network"

_BACKWARD = ("test_relu_backward",)
_TRAIN = ("test_train_spiral", "test_train_digits")

# The column-form forward pass shared by the single-layer variants (pasted into each source).
_SINGLE_FORWARD = '''
    W, b1, U, b2 = params["W"], params["b1"], params["U"], params["b2"]
    z = W @ x + b1
    h = np.maximum(z, 0)
    theta = U @ h + b2
    e = np.exp(theta - theta.max())
    yhat = e / e.sum()
    J = float(-np.sum(y * np.log(yhat)))
'''

# The row-form forward pass shared by the two-layer variants.
_BATCH_FORWARD = '''
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    Z = X @ W1 + b1
    Hd = np.maximum(Z, 0)
    S = Hd @ W2 + b2
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    data_loss = -np.mean(np.log(P[np.arange(N), y]))
    reg_loss = 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    Y = np.zeros_like(P)
    Y[np.arange(N), y] = 1.0
'''


def _cases(right: int, of: int, points: int) -> float:
    """The share of a test cell's points that ``right`` of its ``of`` cases earn, as nbgrader records it
    (the points rounded to 3 decimals), for ``Variant.score``."""
    return round(points * round(right / of, 4), 3) / points


def _single(body: str) -> str:
    return "import numpy as np\n\ndef single_layer_loss_and_grads(x, y, params):" + _SINGLE_FORWARD + body


def _batch(body: str) -> str:
    return "import numpy as np\n\ndef two_layer_loss(params, X, y, reg=0.0):" + _BATCH_FORWARD + body


VALID = [
    # ---- delta1_by_hand (the checkpoint)
    Variant("delta1_by_hand", "a column of integers and halves", '''
import numpy as np

def delta1_by_hand():
    return np.array([[3 / 2], [0], [0], [-3 / 2]])
'''),
    Variant("delta1_by_hand", "computed with NumPy from the example", '''
import numpy as np

def delta1_by_hand():
    delta2 = np.array([0.5, -1.0, 0.5])
    U = np.array([[1.0, 2.0, 0.0, -1.0], [0.0, 1.0, -1.0, 1.0], [2.0, 1.0, 1.0, 0.0]])
    z = np.array([2.0, -1.0, 0.0, 0.5])
    return (U.T @ delta2) * (z > 0)
'''),
    # ---- relu_forward
    Variant("relu_forward", "x times its own mask", '''
def relu_forward(x):
    return x * (x > 0), x
'''),
    Variant("relu_forward", "np.where, caches the output instead of the input", '''
import numpy as np

def relu_forward(x):
    out = np.where(x > 0, x, 0)
    return out, out
'''),
    Variant("relu_forward", "in place on a copy", '''
def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0
    return out, x
'''),
    # ---- relu_backward
    Variant("relu_backward", "np.where on the mask", '''
import numpy as np

def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0)
'''),
    Variant("relu_backward", "np.heaviside with value 0 at the kink", '''
import numpy as np

def relu_backward(dout, cache):
    return dout * np.heaviside(cache, 0)
'''),
    Variant("relu_backward", "zeroes a copy of dout where x <= 0", '''
def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx
'''),
    # ---- single_layer_loss_and_grads
    Variant("single_layer_loss_and_grads", "np.outer and a mask from h > 0", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (h > 0)
    grads = {"W": np.outer(delta1, x), "b1": delta1.copy(), "U": np.outer(delta2, h),
             "b2": delta2.copy(), "x": W.T @ delta1}
    return J, grads
''')),
    Variant("single_layer_loss_and_grads", "row-vector error signals (numerator layout), transposed at the end", '''
import numpy as np

def single_layer_loss_and_grads(x, y, params):
    W, b1, U, b2 = params["W"], params["b1"], params["U"], params["b2"]
    z = W @ x + b1
    h = np.maximum(z, 0)
    theta = U @ h + b2
    m = theta.max()
    log_yhat = theta - m - np.log(np.sum(np.exp(theta - m)))
    J = -float(log_yhat[y.astype(bool)][0])
    d1 = (np.exp(log_yhat) - y).T               # (1, Nc), a row
    d2 = (d1 @ U) * (z.T > 0)                   # (1, Dh)
    return J, {"U": d1.T @ h.T, "b2": d1.T, "W": d2.T @ x.T, "b1": d2.T, "x": (d2 @ W).T}
'''),
    Variant("single_layer_loss_and_grads", "einsum and explicit loops over the hidden units", _single('''
    delta2 = yhat - y
    delta1 = np.zeros_like(z)
    for j in range(z.shape[0]):
        if z[j, 0] > 0:
            delta1[j, 0] = np.sum(U[:, j] * delta2[:, 0])
    grads = {"W": np.einsum("i,j->ij", delta1[:, 0], x[:, 0]), "b1": delta1,
             "U": np.einsum("i,j->ij", delta2[:, 0], h[:, 0]), "b2": delta2,
             "x": np.einsum("ji,j->i", W, delta1[:, 0])[:, None]}
    return J, grads
''')),
    # ---- two_layer_loss
    Variant("two_layer_loss", "one-hot matrix, einsum, mask from the activations", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Hd > 0)
    grads = {"W1": np.einsum("nd,nh->dh", X, dZ) + reg * W1, "b1": np.einsum("nh->h", dZ),
             "W2": np.einsum("nh,nc->hc", Hd, dS) + reg * W2, "b2": np.einsum("nc->c", dS)}
    return float(data_loss + reg_loss), grads
''')),
    Variant("two_layer_loss", "the mean taken at the end, np.where for the mask", _batch('''
    dS = P - Y
    dZ = np.where(Z > 0, dS @ W2.T, 0.0)
    grads = {"W1": (X.T @ dZ) / N + reg * W1, "b1": dZ.mean(axis=0),
             "W2": (Hd.T @ dS) / N + reg * W2, "b2": dS.mean(axis=0)}
    return float(data_loss + reg_loss), grads
''')),
    Variant("two_layer_loss", "in place on a copy of the probabilities, the loss as a NumPy scalar", _batch('''
    dS = P.copy()
    dS[np.arange(N), y] -= 1
    dS /= N
    dH = dS @ W2.T
    dH[Z <= 0] = 0
    grads = {"W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0), "W1": X.T @ dH + reg * W1, "b1": dH.sum(axis=0)}
    return data_loss + reg_loss, grads
''')),
    # ---- sgd_step
    Variant("sgd_step", "in place on a deep copy", '''
import copy

def sgd_step(params, grads, lr):
    new = copy.deepcopy(params)
    for key in new:
        new[key] -= lr * grads[key]
    return new
'''),
    Variant("sgd_step", "np.subtract in a loop over items", '''
import numpy as np

def sgd_step(params, grads, lr):
    new = {}
    for name, value in params.items():
        new[name] = np.subtract(value, np.multiply(lr, grads[name]))
    return new
'''),
    # ---- gallery: real-world styles
    Variant("relu_forward", "cs231n: out = np.maximum(0, x), cache = x", '''
import numpy as np

def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache
'''),
    Variant("relu_forward", "np.clip(x, 0, None)", '''
import numpy as np

def relu_forward(x):
    return np.clip(x, 0, None), x
'''),
    Variant("relu_forward", "deep learning from scratch: a Relu class with self.mask, wrapped", '''
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

def relu_forward(x):
    return Relu().forward(x), x
'''),
    Variant("relu_backward", "cs231n: dx = dout * (x > 0)", '''
def relu_backward(dout, cache):
    x = cache
    dx = dout * (x > 0)
    return dx
'''),
    Variant("relu_backward", "np.multiply with a mask cast to dout's dtype", '''
import numpy as np

def relu_backward(dout, cache):
    return np.multiply(dout, np.greater(cache, 0).astype(dout.dtype))
'''),
    Variant("single_layer_loss_and_grads", "J as log-sum-exp minus the true score, the mask np.sign(h)", _single('''
    m = theta.max()
    J = float(m + np.log(np.sum(np.exp(theta - m))) - theta[np.argmax(y), 0])
    delta2 = yhat - y
    delta1 = np.dot(U.T, delta2) * np.sign(h)
    grads = {"W": np.dot(delta1, x.T), "b1": delta1, "U": np.dot(delta2, h.T), "b2": delta2, "x": np.dot(W.T, delta1)}
    return J, grads
''')),
    Variant("two_layer_loss", "cs231n: scores, dscores[range(N), y] -= 1, dhidden[hidden <= 0] = 0", _batch('''
    dscores = P.copy()
    dscores[range(N), y] -= 1
    dscores /= N
    grads = {}
    grads["W2"] = np.dot(Hd.T, dscores) + reg * W2
    grads["b2"] = np.sum(dscores, axis=0)
    dhidden = np.dot(dscores, W2.T)
    dhidden[Hd <= 0] = 0
    grads["W1"] = np.dot(X.T, dhidden) + reg * W1
    grads["b1"] = np.sum(dhidden, axis=0)
    return data_loss + reg_loss, grads
''')),
    Variant("two_layer_loss", "a loop over the examples, np.outer accumulators in float64", _batch('''
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(N):
        ds = P[i] - Y[i]
        dz = (W2 @ ds) * (Z[i] > 0)
        grads["W2"] += np.outer(Hd[i], ds) / N
        grads["b2"] += ds / N
        grads["W1"] += np.outer(X[i], dz) / N
        grads["b1"] += dz / N
    grads["W1"] += reg * W1
    grads["W2"] += reg * W2
    return float(data_loss + reg_loss), grads
''')),
    Variant("sgd_step", "a dict comprehension over params.items()", '''
def sgd_step(params, grads, lr):
    return {name: value - lr * grads[name] for name, value in params.items()}
'''),
]

WRONG = [
    # ---- relu_forward
    Variant("relu_forward", "returns the mask", '''
def relu_forward(x):
    return (x > 0).astype(x.dtype), x
''', "this is the mask 1[x > 0]"),
    Variant("relu_forward", "absolute value", '''
import numpy as np

def relu_forward(x):
    return np.abs(x), x
''', "|x|"),
    Variant("relu_forward", "makes float64 from a float32 input", '''
import numpy as np

def relu_forward(x):
    return np.maximum(x, np.zeros(x.shape)), x
''', "has dtype float64"),
    Variant("relu_forward", "no cache", '''
import numpy as np

def relu_forward(x):
    return np.maximum(x, 0)
''', "tuple (out, cache)", _BACKWARD),
    Variant("relu_forward", "in place on the input", '''
def relu_forward(x):
    x[x < 0] = 0
    return x, x
''', "in place", _BACKWARD),
    Variant("relu_forward", "hard-codes the visible example", '''
import numpy as np

def relu_forward(x):
    out = np.array([[0.0, 0.0, 0.0, 0.5], [1.5, 0.0, 2.0, 0.0], [0.25, 3.0, 0.0, 0.0]], dtype=x.dtype)
    return out, out
''', None, _BACKWARD),
    Variant("relu_forward", "calls the reference", '''
def relu_forward(x):
    from chainrule_reference.single_layer_network import relu_forward as _ref
    return _ref(x)
''', "reference implementation", _BACKWARD),
    # ---- relu_backward
    Variant("relu_backward", "x >= 0 at the kink", '''
def relu_backward(dout, cache):
    return dout * (cache >= 0)
''', "use x > 0, not x >= 0"),
    Variant("relu_backward", "the mask tested on the output, out >= 0", '''
import numpy as np

def relu_backward(dout, cache):
    out = np.maximum(cache, 0)
    return dout * (out >= 0)
''', "the mask 1[x > 0] is missing"),
    Variant("relu_backward", "local gradient only", '''
def relu_backward(dout, cache):
    return (cache > 0).astype(dout.dtype)
''', "multiply it by the upstream gradient dout"),
    Variant("relu_backward", "multiplies by relu(x)", '''
import numpy as np

def relu_backward(dout, cache):
    return dout * np.maximum(cache, 0)
''', "multiplied by relu(x) itself"),
    Variant("relu_backward", "a float64 mask", '''
def relu_backward(dout, cache):
    return dout * (cache > 0).astype(float)
''', "has dtype float64"),
    Variant("relu_backward", "an object equal to everything", '''
class _Anything:
    def __eq__(self, other):
        return True

def relu_backward(dout, cache):
    return _Anything()
''', "should be"),
    # ---- delta1_by_hand (the checkpoint)
    Variant("delta1_by_hand", "the mask z >= 0 at the kink, by hand", '''
def delta1_by_hand():
    return [1.5, 0.0, 1.5, -1.5]
''', "z >= 0"),
    Variant("delta1_by_hand", "no ReLU mask", '''
def delta1_by_hand():
    return [1.5, 0.5, 1.5, -1.5]
''', "mask is missing"),
    Variant("delta1_by_hand", "U delta2 instead of U^T delta2", '''
import numpy as np

def delta1_by_hand():
    return np.array([-1.5, -1.5, 0.5])
''', "transpose"),
    # ---- single_layer_loss_and_grads
    Variant("single_layer_loss_and_grads", "transposed dW", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (z > 0)
    return J, {"W": x @ delta1.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "transposed"),
    Variant("single_layer_loss_and_grads", "delta1 = dL/dz without the ReLU mask", _single('''
    delta2 = yhat - y
    delta1 = U.T @ delta2
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "missing the ReLU mask"),
    Variant("single_layer_loss_and_grads", "the mask tested on h >= 0", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (h >= 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "missing the ReLU mask"),
    Variant("single_layer_loss_and_grads", "z >= 0 at the kink", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (z >= 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "not z >= 0"),
    Variant("single_layer_loss_and_grads", "multiplies by h instead of the mask", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * h
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "instead of the 0/1 mask"),
    Variant("single_layer_loss_and_grads", "delta2 = yhat, the - y forgotten", _single('''
    delta2 = yhat
    delta1 = (U.T @ delta2) * (z > 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "the - y is missing"),
    Variant("single_layer_loss_and_grads", "delta2 = y - yhat", _single('''
    delta2 = y - yhat
    delta1 = (U.T @ delta2) * (z > 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
'''), "sign is flipped"),
    Variant("single_layer_loss_and_grads", "dU from z instead of h", _single('''
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (z > 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ z.T, "b2": delta2, "x": W.T @ delta1}
'''), "uses z"),
    Variant("single_layer_loss_and_grads", "softmax without subtracting the max", '''
import numpy as np

def single_layer_loss_and_grads(x, y, params):
    W, b1, U, b2 = params["W"], params["b1"], params["U"], params["b2"]
    z = W @ x + b1
    h = np.maximum(z, 0)
    theta = U @ h + b2
    yhat = np.exp(theta) / np.sum(np.exp(theta))
    J = float(-np.sum(y * np.log(yhat)))
    delta2 = yhat - y
    delta1 = (U.T @ delta2) * (z > 0)
    return J, {"W": delta1 @ x.T, "b1": delta1, "U": delta2 @ h.T, "b2": delta2, "x": W.T @ delta1}
''', "not shifted by their largest value"),
    Variant("two_layer_loss", "softmax without subtracting the max, on a batch", '''
import numpy as np

def two_layer_loss(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    Z = X @ W1 + b1
    Hd = np.maximum(Z, 0)
    S = Hd @ W2 + b2
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(P[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dS = P.copy()
    dS[np.arange(N), y] -= 1
    dS /= N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(loss), grads
''', "not shifted by their largest value"),
    # ---- two_layer_loss
    Variant("two_layer_loss", "gradients without 1/N", _batch('''
    dS = P - Y
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "1/N is missing", _TRAIN),
    Variant("two_layer_loss", "summed loss and gradients", _batch('''
    dS = P - Y
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(N * data_loss + reg_loss), grads
'''), "1/N is missing", _TRAIN),
    Variant("two_layer_loss", "no regularization term in the loss", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss), grads
'''), "missing from the loss", _TRAIN),
    Variant("two_layer_loss", "no regularization gradient", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "regularization gradient is missing", _TRAIN),
    Variant("two_layer_loss", "regularization gradient 2 reg W", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + 2 * reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + 2 * reg * W2,
             "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "not 2 reg * W", _TRAIN),
    Variant("two_layer_loss", "regularizes the biases too", _batch('''
    reg_loss = reg_loss + 0.5 * reg * (np.sum(b1 ** 2) + np.sum(b2 ** 2))
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0) + reg * b1, "W2": Hd.T @ dS + reg * W2,
             "b2": dS.sum(axis=0) + reg * b2}
    return float(data_loss + reg_loss), grads
'''), "biases are not regularized", _TRAIN),
    Variant("two_layer_loss", "the mask tested on the activations, H >= 0", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Hd >= 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "missing the ReLU mask", _TRAIN),
    Variant("two_layer_loss", "Z >= 0 at the kink", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z >= 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "not z >= 0", _TRAIN),
    Variant("two_layer_loss", "transposed dW1", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": dZ.T @ X + reg * W1.T, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "transposed", _TRAIN),
    Variant("two_layer_loss", "dS with the wrong sign", _batch('''
    dS = (Y - P) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), "sign", _TRAIN),
    Variant("two_layer_loss", "bias gradients with keepdims", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0, keepdims=True), "W2": Hd.T @ dS + reg * W2,
             "b2": dS.sum(axis=0, keepdims=True)}
    return float(data_loss + reg_loss), grads
'''), "keepdims", _TRAIN),
    Variant("two_layer_loss", "calls the reference", '''
def two_layer_loss(params, X, y, reg=0.0):
    from chainrule_reference.single_layer_network import two_layer_loss as _ref
    return _ref(params, X, y, reg)
''', "reference implementation", _TRAIN),
    # ---- sgd_step
    Variant("sgd_step", "updates params in place", '''
def sgd_step(params, grads, lr):
    for key in params:
        params[key] -= lr * grads[key]
    return params
''', "in place", _TRAIN),
    Variant("sgd_step", "shallow copy of the dict, arrays updated in place", '''
def sgd_step(params, grads, lr):
    new = dict(params)
    for key in new:
        new[key] -= lr * grads[key]
    return new
''', "in place", _TRAIN),
    Variant("sgd_step", "goes uphill", '''
def sgd_step(params, grads, lr):
    return {key: value + lr * grads[key] for key, value in params.items()}
''', "goes uphill", _TRAIN),
    Variant("sgd_step", "ignores the learning rate", '''
def sgd_step(params, grads, lr):
    return {key: value - grads[key] for key, value in params.items()}
''', "learning rate lr was not used", _TRAIN),
    Variant("sgd_step", "returns the step only", '''
def sgd_step(params, grads, lr):
    return {key: -lr * grads[key] for key in params}
''', "the step - lr * grads alone", _TRAIN),
    Variant("sgd_step", "hard-codes the two-layer network's keys", '''
def sgd_step(params, grads, lr):
    return {key: params[key] - lr * grads[key] for key in ("W1", "b1", "W2", "b2")}
''', "KeyError"),
    Variant("sgd_step", "hard-codes the visible example", '''
import numpy as np

def sgd_step(params, grads, lr):
    return {"W1": np.array([[0.95, -2.1, 0.7], [-0.4, 3.05, -1.15]]), "b1": np.array([0.6, -0.7, -0.05]),
            "W2": np.array([[2.3], [-1.05], [0.4]]), "b2": np.array([0.05])}
''', None, _TRAIN),
    Variant("sgd_step", "an object equal to everything", '''
class _Anything:
    def __eq__(self, other):
        return True

def sgd_step(params, grads, lr):
    return _Anything()
''', "should be", _TRAIN),
    # ---- gallery: real-world styles
    Variant("relu_backward", "the cs231n idiom: dout[x <= 0] = 0; return dout", '''
def relu_backward(dout, cache):
    x = cache
    dout[x <= 0] = 0
    return dout
''', diagnosis="in place", score=0.9),
    Variant("relu_backward", "deep learning from scratch: dout[self.mask] = 0 in a Relu class", '''
class Relu:
    def __init__(self, x):
        self.mask = (x <= 0)

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx

def relu_backward(dout, cache):
    return Relu(cache).backward(dout)
''', diagnosis="in place", score=0.9),
    Variant("relu_backward", "np.where(x > 0, dout, 0.0) with a float64 zeros array", '''
import numpy as np

def relu_backward(dout, cache):
    return np.where(cache > 0, dout, np.zeros(dout.shape))
''', diagnosis="dtype", score=0.9),
    Variant("two_layer_loss", "cs231n 2017: reg * np.sum(W * W) in the loss, 2 * reg * W in the gradient", _batch('''
    reg_loss = reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + 2 * reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + 2 * reg * W2,
             "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), diagnosis="factor 0.5 of the regularization term", affects=_TRAIN,
            score=_cases(2, 6, points=3)),
    Variant("two_layer_loss", "dW and db averaged again after dscores /= N", _batch('''
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ / N + reg * W1, "b1": dZ.mean(axis=0), "W2": Hd.T @ dS / N + reg * W2,
             "b2": dS.mean(axis=0)}
    return float(data_loss + reg_loss), grads
'''), diagnosis="extra factor 1/N", affects=_TRAIN, score=_cases(1, 6, points=3)),
    Variant("two_layer_loss", "the loss from the N x N block P[:, y]", _batch('''
    data_loss = -np.mean(np.log(P[:, y]))
    dS = (P - Y) / N
    dZ = (dS @ W2.T) * (Z > 0)
    grads = {"W1": X.T @ dZ + reg * W1, "b1": dZ.sum(axis=0), "W2": Hd.T @ dS + reg * W2, "b2": dS.sum(axis=0)}
    return float(data_loss + reg_loss), grads
'''), diagnosis="N x N block", affects=_TRAIN, score=_cases(1, 6, points=3)),
    Variant("sgd_step", "cs231n: params[p] = w - lr * grads[p] in the caller's dict", '''
def sgd_step(params, grads, lr):
    for p, w in params.items():
        params[p] = w - lr * grads[p]
    return params
''', diagnosis="in place", score=0.9),
]
