"""Learner-style implementations for notebook 05, vectorized affine layers.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain).

The backward variants read the cache of the solution's ``affine_forward``,
``(x, w, b)``; the forward variants keep that cache. A forward variant that
raises on some input (before it can return a cache) breaks the backward tests
too: those list them in ``affects``.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "05-vectorized-affine-layers"

_BACKWARD_TESTS = ("test_affine_backward", "test_affine_backward_via_jacobian")


def _cases(right: int, of: int, points: int) -> float:
    """The share of a test cell's points that ``right`` of its ``of`` cases earn, as nbgrader records it
    (the points rounded to 3 decimals), for ``Variant.score``."""
    return round(points * round(right / of, 4), 3) / points


VALID = [
    # ---- affine_forward
    Variant("affine_forward", "np.dot, flattened with -1 on the feature side", '''
import numpy as np

def affine_forward(x, w, b):
    x_flat = x.reshape(-1, w.shape[0])
    return np.dot(x_flat, w) + b, (x, w, b)
'''),
    Variant("affine_forward", "einsum over the flat features", '''
import numpy as np

def affine_forward(x, w, b):
    x_flat = x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
    out = np.einsum("nd,dm->nm", x_flat, w) + b[None, :]
    return out, (x, w, b)
'''),
    Variant("affine_forward", "a loop over the examples, output in x's dtype", '''
import numpy as np

def affine_forward(x, w, b):
    N = x.shape[0]
    out = np.empty((N, w.shape[1]), dtype=x.dtype)
    for n in range(N):
        out[n] = x[n].ravel() @ w + b
    return out, (x, w, b)
'''),
    # ---- affine_backward_via_jacobian
    Variant("affine_backward_via_jacobian", "np.kron and np.tile, J^T times a column", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.kron(np.eye(N, dtype=x.dtype), w.T)          # (N*M, N*D), block diagonal
    J_w = np.kron(x_flat, np.eye(M, dtype=x.dtype))       # (N*M, D*M)
    J_b = np.tile(np.eye(M, dtype=x.dtype), (N, 1))       # (N*M, M)
    g = dout.reshape(-1, 1)
    return ((J_x.T @ g).reshape(x.shape), (J_w.T @ g).reshape(w.shape), (J_b.T @ g).reshape(b.shape))
'''),
    Variant("affine_backward_via_jacobian", "every entry of the Jacobians by nested loops", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.zeros((N * M, N * D), dtype=x.dtype)
    J_w = np.zeros((N * M, D * M), dtype=x.dtype)
    J_b = np.zeros((N * M, M), dtype=x.dtype)
    for n in range(N):
        for m in range(M):
            row = n * M + m
            for d in range(D):
                J_x[row, n * D + d] = w[d, m]
                J_w[row, d * M + m] = x_flat[n, d]
            J_b[row, m] = 1
    g = dout.ravel()
    return (g @ J_x).reshape(x.shape), (g @ J_w).reshape(D, M), g @ J_b
'''),
    # ---- dw_by_hand (the checkpoint)
    Variant("dw_by_hand", "nested lists of integers", '''
def dw_by_hand():
    return [[7, 3], [0, -1]]
'''),
    Variant("dw_by_hand", "computed with NumPy from the example", '''
import numpy as np

def dw_by_hand():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    dout = np.array([[1.0, 0.0], [2.0, 1.0]])
    return x.T @ dout
'''),
    # ---- jacobian_memory_bytes
    Variant("jacobian_memory_bytes", "math.prod", '''
import math

def jacobian_memory_bytes(N, D, M, itemsize=4):
    return math.prod([N, M, N, D, itemsize])
'''),
    Variant("jacobian_memory_bytes", "NumPy int64 from the shape of the Jacobian", '''
import numpy as np

def jacobian_memory_bytes(N, D, M, itemsize=4):
    shape = np.array([N * M, N * D], dtype=np.int64)
    return np.prod(shape) * itemsize
'''),
    Variant("jacobian_memory_bytes", "a float: N squared first", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return float(N) ** 2 * D * M * itemsize
'''),
    # ---- affine_backward
    Variant("affine_backward", "einsum, db by a product with ones in dout's dtype", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
    dw = np.einsum("nd,nm->dm", x_flat, dout)
    db = np.ones(N, dtype=dout.dtype) @ dout
    return dx, dw, db
'''),
    Variant("affine_backward", "a loop over the examples, accumulating dw and db with +=", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    dx = np.zeros_like(x_flat)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        dx[n] = w @ dout[n]
        dw += np.outer(x_flat[n], dout[n])
        db += dout[n]
    return dx.reshape(x.shape), dw, db
'''),
    Variant("affine_backward", "transposed products and np.tensordot", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    dx = (w @ dout.T).T.reshape(x.shape)
    dw = np.tensordot(x.reshape(len(x), -1), dout, axes=([0], [0]))
    db = np.add.reduce(dout, axis=0)
    return dx, dw, db
'''),
    # ---- gallery: real-world styles
    Variant("affine_forward", "cs231n: x.reshape(N, -1).dot(w) + b", '''
import numpy as np

def affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b
    cache = (x, w, b)
    return out, cache
'''),
    Variant("affine_forward", "deep learning from scratch: an Affine class wrapped as a function", '''
import numpy as np

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.original_x_shape = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b

def affine_forward(x, w, b):
    layer = Affine(w, b)
    return layer.forward(x), (x, w, b)
'''),
    Variant("affine_forward", "np.matmul and np.add, b broadcast by b[np.newaxis, :]", '''
import numpy as np

def affine_forward(x, w, b):
    x2d = np.reshape(x, (len(x), np.size(x) // len(x)))
    return np.add(np.matmul(x2d, w), b[np.newaxis, :]), (x, w, b)
'''),
    Variant("affine_backward", "cs231n: .dot chains and np.sum(dout, axis=0)", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
'''),
    Variant("affine_backward", "np.tensordot over the batch axis of the unflattened x", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    dw = np.tensordot(x, dout, axes=(0, 0)).reshape(w.shape)
    dx = np.tensordot(dout, w, axes=(1, 1)).reshape(x.shape)
    return dx, dw, dout.sum(0)
'''),
    Variant("affine_backward", "deep learning from scratch: an Affine class with original_x_shape", '''
import numpy as np

class Affine:
    def __init__(self, W, b, x):
        self.W, self.b = W, b
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)

def affine_backward(dout, cache):
    x, w, b = cache
    layer = Affine(w, b, x)
    dx = layer.backward(dout)
    return dx, layer.dW, layer.db
'''),
    Variant("affine_backward", "einsum on the unflattened x with an ellipsis", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
    dw = np.einsum("n...,nm->...m", x, dout).reshape(w.shape)
    db = np.einsum("nm->m", dout)
    return dx, dw, db
'''),
    Variant("affine_backward", "loops over examples with np.zeros(..., dtype=dout.dtype) and np.outer", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    dx = np.zeros(x_flat.shape, dtype=dout.dtype)
    dw = np.zeros(w.shape, dtype=dout.dtype)
    db = np.zeros(b.shape, dtype=dout.dtype)
    for i in range(N):
        dx[i, :] = np.dot(w, dout[i, :])
        dw += np.outer(x_flat[i, :], dout[i, :])
        db += dout[i, :]
    return dx.reshape(x.shape), dw, db
'''),
    Variant("affine_backward_via_jacobian", "a 4-index Jacobian from einsum with the identity, then reshaped", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    I_N = np.eye(N, dtype=x.dtype)
    I_M = np.eye(M, dtype=x.dtype)
    J_x = np.einsum("ab,dm->ambd", I_N, w).reshape(N * M, N * D)      # d out[a, m] / d x[b, d]
    J_w = np.einsum("ad,mk->amdk", x_flat, I_M).reshape(N * M, D * M)  # d out[a, m] / d w[d, k]
    J_b = np.einsum("a,mk->amk", np.ones(N, dtype=x.dtype), I_M).reshape(N * M, M)
    g = dout.reshape(1, -1)
    return (g @ J_x).reshape(x.shape), (g @ J_w).reshape(w.shape), (g @ J_b).reshape(b.shape)
'''),
]

WRONG = [
    Variant("affine_backward_via_jacobian", "numerical Jacobians from chainrule instead of built ones", '''
def affine_backward_via_jacobian(dout, cache):
    import numpy as np
    from chainrule.gradcheck import num_jacobian
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    jx = num_jacobian(lambda v: v @ w + b, x2)
    jw = num_jacobian(lambda v: x2 @ v + b, w)
    jb = num_jacobian(lambda v: x2 @ w + v, b)
    g = dout.reshape(-1)
    return ((g @ jx).reshape(x.shape).astype(x.dtype), (g @ jw).reshape(w.shape).astype(w.dtype),
            (g @ jb).reshape(b.shape).astype(b.dtype))
''', "must compute their answer themselves"),
    # ---- affine_forward
    Variant("affine_forward", "the bias is missing", '''
def affine_forward(x, w, b):
    x_flat = x.reshape(x.shape[0], -1)
    return x_flat @ w, (x, w, b)
''', diagnosis="the bias b is missing"),
    Variant("affine_forward", "flattened in Fortran order", '''
def affine_forward(x, w, b):
    x_flat = x.reshape(x.shape[0], -1, order="F")
    return x_flat @ w + b, (x, w, b)
''', diagnosis="Fortran (column-major) order"),
    Variant("affine_forward", "w transposed", '''
def affine_forward(x, w, b):
    x_flat = x.reshape(x.shape[0], -1)
    return x_flat @ w.T + b, (x, w, b)
''', diagnosis="w is transposed", affects=_BACKWARD_TESTS),   # crashes before the cache when D != M
    Variant("affine_forward", "float64 output for float32 input", '''
import numpy as np

def affine_forward(x, w, b):
    x_flat = np.asarray(x.reshape(x.shape[0], -1), dtype=float)
    return x_flat @ w + b, (x, w, b)
''', diagnosis="expected float32"),
    Variant("affine_forward", "x not flattened", '''
def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)
''', affects=_BACKWARD_TESTS),
    Variant("affine_forward", "calls the reference implementation", '''
def affine_forward(x, w, b):
    from chainrule_reference.affine_layers import affine_forward as _ref
    return _ref(x, w, b)
''', diagnosis="reference implementation", affects=_BACKWARD_TESTS),
    # ---- affine_backward_via_jacobian
    Variant("affine_backward_via_jacobian", "J @ dout instead of dout @ J", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.kron(np.eye(N, dtype=x.dtype), w.T)
    J_w = np.kron(x_flat, np.eye(M, dtype=x.dtype))
    J_b = np.tile(np.eye(M, dtype=x.dtype), (N, 1))
    g = dout.ravel()
    return (J_x @ g).reshape(x.shape), (g @ J_w).reshape(w.shape), (g @ J_b).reshape(b.shape)
''', diagnosis="not dout @ J"),
    Variant("affine_backward_via_jacobian", "Jacobian w.r.t. w with columns in the wrong order", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.kron(np.eye(N, dtype=x.dtype), w.T)
    J_w = np.zeros((N, M, M, D), dtype=x.dtype)     # columns ordered (m, d): w's entries in F order
    for m in range(M):
        J_w[:, m, m, :] = x_flat
    J_w = J_w.reshape(N * M, M * D)
    J_b = np.tile(np.eye(M, dtype=x.dtype), (N, 1))
    g = dout.ravel()
    return (g @ J_x).reshape(x.shape), (g @ J_w).reshape(D, M), g @ J_b
''', diagnosis="transposed"),
    Variant("affine_backward_via_jacobian", "Jacobians built in float64", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.kron(np.eye(N), w.T)
    J_w = np.kron(x_flat, np.eye(M))
    J_b = np.tile(np.eye(M), (N, 1))
    g = dout.ravel()
    return (g @ J_x).reshape(x.shape), (g @ J_w).reshape(w.shape), (g @ J_b).reshape(b.shape)
''', diagnosis="expected float32"),
    Variant("affine_backward_via_jacobian", "products left flat, not reshaped", '''
import numpy as np

def affine_backward_via_jacobian(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    D, M = w.shape
    J_x = np.kron(np.eye(N, dtype=x.dtype), w.T)
    J_w = np.kron(x_flat, np.eye(M, dtype=x.dtype))
    J_b = np.tile(np.eye(M, dtype=x.dtype), (N, 1))
    g = dout.ravel()
    return g @ J_x, g @ J_w, g @ J_b
''', diagnosis="reshape the vector-Jacobian product"),
    # ---- dw_by_hand (the checkpoint)
    Variant("dw_by_hand", "transposed", '''
import numpy as np

def dw_by_hand():
    return np.array([[7.0, 0.0], [3.0, -1.0]])
''', "transpose of dw"),
    Variant("dw_by_hand", "x @ dout", '''
import numpy as np

def dw_by_hand():
    return np.array([[5.0, 2.0], [1.0, -1.0]])
''', "x @ dout"),
    Variant("dw_by_hand", "averaged over the batch", '''
import numpy as np

def dw_by_hand():
    return np.array([[3.5, 1.5], [0.0, -0.5]])
''', "extra factor 1/N"),
    Variant("dw_by_hand", "the first example only", '''
import numpy as np

def dw_by_hand():
    return np.array([[1.0, 0.0], [2.0, 0.0]])
''', "first example's share"),
    # ---- jacobian_memory_bytes
    Variant("jacobian_memory_bytes", "entries, not bytes", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return (N * M) * (N * D)
''', diagnosis="counts entries, not bytes"),
    Variant("jacobian_memory_bytes", "N counted once", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return N * M * D * itemsize
''', diagnosis="N appears once"),
    Variant("jacobian_memory_bytes", "bits instead of bytes", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return (N * M) * (N * D) * itemsize * 8
''', diagnosis="in bits"),
    Variant("jacobian_memory_bytes", "one example's Jacobian", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return M * D * itemsize
''', diagnosis="Jacobian of one example"),
    Variant("jacobian_memory_bytes", "returned in GiB", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return (N * M) * (N * D) * itemsize / 2 ** 30
''', diagnosis="in GiB"),
    Variant("jacobian_memory_bytes", "default itemsize 8", '''
def jacobian_memory_bytes(N, D, M, itemsize=8):
    return (N * M) * (N * D) * itemsize
''', diagnosis="default to 4 bytes"),
    Variant("jacobian_memory_bytes", "hard-codes the visible example", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    return 288 if itemsize == 4 else 576
'''),
    Variant("jacobian_memory_bytes", "calls the reference implementation", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    from chainrule_reference.affine_layers import jacobian_memory_bytes as _ref
    return _ref(N, D, M, itemsize)
''', diagnosis="reference implementation"),
    Variant("jacobian_memory_bytes", "an object equal to everything", '''
def jacobian_memory_bytes(N, D, M, itemsize=4):
    class AlwaysEqual:
        def __eq__(self, other):
            return True
    return AlwaysEqual()
''', diagnosis="should be"),
    # ---- affine_backward
    Variant("affine_backward", "dx not reshaped to x's shape", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return dout @ w.T, x_flat.T @ dout, dout.sum(axis=0)
''', diagnosis="dx must have the shape of the original x"),
    Variant("affine_backward", "dw transposed", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), dout.T @ x_flat, dout.sum(axis=0)
''', diagnosis="dw is transposed"),
    Variant("affine_backward", "db not summed", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x_flat.T @ dout, dout
''', diagnosis="db must be summed over the batch"),
    Variant("affine_backward", "db averaged instead of summed", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x_flat.T @ dout, dout.mean(axis=0)
''', diagnosis="db was averaged"),
    Variant("affine_backward", "db with keepdims", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x_flat.T @ dout, dout.sum(axis=0, keepdims=True)
''', diagnosis="keepdims=True"),
    Variant("affine_backward", "dx = dout @ w, a transpose missing", '''
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ w).reshape(x.shape), x_flat.T @ dout, dout.sum(axis=0)
''', diagnosis="missing a transpose"),
    Variant("affine_backward", "an extra 1/N everywhere", '''
def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    return (dout @ w.T).reshape(x.shape) / N, x_flat.T @ dout / N, dout.sum(axis=0) / N
''', diagnosis="extra factor 1/N"),
    Variant("affine_backward", "an extra 1/N in dw only", '''
def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    return (dout @ w.T).reshape(x.shape), x_flat.T @ dout / N, dout.sum(axis=0)
''', diagnosis="extra factor 1/N"),
    Variant("affine_backward", "float64 output for float32 input", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = np.zeros((N, w.shape[0]))
    dx += dout @ w.T
    return dx.reshape(x.shape), x.reshape(N, -1).T @ dout, dout.sum(axis=0)
''', diagnosis="expected float32"),
    Variant("affine_backward", "dw from the unflattened x", '''
def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.T @ dout, dout.sum(axis=0)
''', diagnosis="x was not flattened"),
    Variant("affine_backward", "dx without the upstream gradient", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = np.ones_like(dout) @ w.T
    return dx.reshape(x.shape), x_flat.T @ dout, dout.sum(axis=0)
''', diagnosis="ignores the upstream gradient"),
    Variant("affine_backward", "db accumulated in a view of dout (changes dout in place)", '''
def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T @ dout
    db = dout[0]
    for n in range(1, N):
        db += dout[n]
    return dx, dw, db
''', diagnosis="in place"),
    # ---- gallery: real-world styles
    Variant("affine_forward", "a loop over the examples into np.zeros((N, M)) without dtype", '''
import numpy as np

def affine_forward(x, w, b):
    N = x.shape[0]
    out = np.zeros((N, w.shape[1]))
    for i in range(N):
        out[i] = x[i].reshape(-1).dot(w) + b
    return out, (x, w, b)
''', diagnosis="expected float32", score=0.9),
    Variant("affine_backward", "np.zeros accumulators without dtype, a loop over the examples", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    dw = np.zeros(w.shape)
    db = np.zeros(b.shape)
    for i in range(N):
        dw += np.outer(x_flat[i], dout[i])
        db += dout[i]
    dx = (dout @ w.T).reshape(x.shape)
    return dx, dw, db
''', diagnosis="dtype", score=0.9),
    Variant("affine_backward", "dw and db averaged over the batch (dw / N, db.mean)", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout) / N
    db = np.mean(dout, axis=0)
    return dx, dw, db
''', diagnosis="extra factor 1/N", score=_cases(2, 7, points=3)),
    Variant("affine_backward", "db by np.add.at into a float64 np.zeros", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    db = np.zeros(dout.shape[1])
    np.add.at(db, np.arange(dout.shape[1]), dout.sum(axis=0))
    return (dout @ w.T).reshape(x.shape), x.reshape(N, -1).T @ dout, db
''', diagnosis="db has dtype float64", score=0.9),
    Variant("affine_backward", "the cs231n scale-in-place habit: dout /= N before the products", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dout /= N
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
''', diagnosis="extra factor 1/N", score=_cases(2, 7, points=3)),
    Variant("affine_backward", "db summed over the features (axis=1)", '''
import numpy as np

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    return dout.dot(w.T).reshape(x.shape), x.reshape(N, -1).T.dot(dout), np.sum(dout, axis=1)
''', diagnosis="summed over the wrong axis", score=0.0),
]
