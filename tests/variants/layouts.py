"""Learner-style implementations for notebook 04, layout conventions.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make, most of them layout mistakes
(they lose the test cell's points; ``diagnosis`` is a phrase the failure
message must contain).
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "04-layout-conventions"

VALID = [
    # ---- column_dJ_dx
    Variant("column_dJ_dx", "W^T delta^T directly", '''
def column_dJ_dx(W, delta):
    return W.T @ delta.T
'''),
    Variant("column_dJ_dx", "np.dot, then a reshape to a column", '''
import numpy as np

def column_dJ_dx(W, delta):
    return np.dot(delta, W).reshape(-1, 1)
'''),
    Variant("column_dJ_dx", "einsum over the output index", '''
import numpy as np

def column_dJ_dx(W, delta):
    return np.einsum("ij,ki->jk", W, delta)
'''),
    Variant("column_dJ_dx", "loops, result in the inputs' dtype", '''
import numpy as np

def column_dJ_dx(W, delta):
    m, n = W.shape
    dx = np.zeros((n, 1), dtype=W.dtype)
    for j in range(n):
        for i in range(m):
            dx[j, 0] += delta[0, i] * W[i, j]
    return dx
'''),
    # ---- column_dJ_dW
    Variant("column_dJ_dW", "np.outer", '''
import numpy as np

def column_dJ_dW(delta, x):
    return np.outer(delta, x)
'''),
    Variant("column_dJ_dW", "broadcasting a column against a row", '''
def column_dJ_dW(delta, x):
    return delta.T * x.T
'''),
    Variant("column_dJ_dW", "row by row, delta_i x^T", '''
import numpy as np

def column_dJ_dW(delta, x):
    m, n = delta.shape[1], x.shape[0]
    dW = np.empty((m, n), dtype=x.dtype)
    for i in range(m):
        dW[i] = delta[0, i] * x[:, 0]
    return dW
'''),
    Variant("column_dJ_dW", "the transpose of x delta", '''
def column_dJ_dW(delta, x):
    return (x @ delta).T
'''),
    # ---- row_dJ_dx
    Variant("row_dJ_dx", "the transpose of W delta^T", '''
def row_dJ_dx(W, delta):
    return (W @ delta.T).T
'''),
    Variant("row_dJ_dx", "einsum", '''
import numpy as np

def row_dJ_dx(W, delta):
    return np.einsum("km,im->ki", delta, W)
'''),
    # ---- row_dJ_dW
    Variant("row_dJ_dW", "np.outer", '''
import numpy as np

def row_dJ_dW(x, delta):
    return np.outer(x, delta)
'''),
    Variant("row_dJ_dW", "broadcasting a column against a row", '''
def row_dJ_dW(x, delta):
    return x.T * delta
'''),
    Variant("row_dJ_dW", "the transpose of the column form's answer", '''
def row_dJ_dW(x, delta):
    return (delta.T @ x).T
'''),
    # ---- to_shape_convention
    Variant("to_shape_convention", "the method, on a flat copy", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.ravel().copy().reshape(param_shape)
'''),
    Variant("to_shape_convention", "reversed shape in Fortran order, then transposed (the same as C order)", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.reshape(tuple(param_shape)[::-1], order="F").T
'''),
    Variant("to_shape_convention", "entry by entry with np.ndindex", '''
import numpy as np

def to_shape_convention(jacobian_row, param_shape):
    out = np.empty(param_shape, dtype=jacobian_row.dtype)
    for c, idx in enumerate(np.ndindex(*param_shape)):
        out[idx] = jacobian_row[0, c]
    return out
'''),
    # ---- bias_gradient
    Variant("bias_gradient", "sum, then a reshape for keepdims", '''
def bias_gradient(dout, keepdims=False):
    db = dout.sum(0)
    return db.reshape(1, -1) if keepdims else db
'''),
    Variant("bias_gradient", "a row of ones times dout", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    ones = np.ones((1, dout.shape[0]), dtype=dout.dtype)
    db = ones @ dout
    return db if keepdims else db[0]
'''),
    Variant("bias_gradient", "accumulation with += into an array of dout's dtype", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    db = np.zeros(dout.shape[1], dtype=dout.dtype)
    for row in dout:
        db += row
    if keepdims:
        db = db[np.newaxis, :]
    return db
'''),
]

WRONG = [
    # ---- column_dJ_dx
    Variant("column_dJ_dx", "the numerator-layout row delta W", '''
def column_dJ_dx(W, delta):
    return delta @ W
''', diagnosis="that is the numerator-layout Jacobian; the shape convention asks for x's shape"),
    Variant("column_dJ_dx", "W where W^T belongs", '''
def column_dJ_dx(W, delta):
    return W @ delta.T
''', diagnosis="W where W^T belongs"),
    Variant("column_dJ_dx", "the local Jacobian only, no upstream gradient", '''
def column_dJ_dx(W, delta):
    return W.T
''', diagnosis="the local Jacobian alone"),
    Variant("column_dJ_dx", "hard-codes the visible example's answer", '''
import numpy as np

def column_dJ_dx(W, delta):
    return np.array([[1.0], [-5.0]], dtype=W.dtype)
'''),
    Variant("column_dJ_dx", "calls the reference implementation", '''
def column_dJ_dx(W, delta):
    from chainrule_reference.layouts import column_dJ_dx as _ref
    return _ref(W, delta)
''', diagnosis="reference implementation"),
    Variant("column_dJ_dx", "halves delta in place", '''
def column_dJ_dx(W, delta):
    delta /= 2
    return 2 * (W.T @ delta.T)
''', diagnosis="in place"),
    # ---- column_dJ_dW
    Variant("column_dJ_dW", "x delta, laid out like W^T", '''
def column_dJ_dW(delta, x):
    return x @ delta
''', diagnosis="laid out like W^T"),
    Variant("column_dJ_dW", "the flattened (1, m n) Jacobian row", '''
def column_dJ_dW(delta, x):
    return (delta.T @ x.T).reshape(1, -1)
''', diagnosis="numerator-layout Jacobian of L with respect to W flattened"),
    Variant("column_dJ_dW", "upstream gradient left out", '''
import numpy as np

def column_dJ_dW(delta, x):
    return np.ones((delta.shape[1], 1)) @ x.T
''', diagnosis="the upstream gradient delta is missing"),
    Variant("column_dJ_dW", "the inner product delta x (square case)", '''
def column_dJ_dW(delta, x):
    return delta @ x
''', diagnosis="inner product"),
    Variant("column_dJ_dW", "float64 result for float32 inputs", '''
import numpy as np

def column_dJ_dW(delta, x):
    return np.outer(delta, x).astype(np.float64)
''', diagnosis="expected float32"),
    Variant("column_dJ_dW", "an object equal to everything", '''
def column_dJ_dW(delta, x):
    class Anything:
        def __eq__(self, other):
            return True
    return Anything()
''', diagnosis="should be"),
    # ---- row_dJ_dx
    Variant("row_dJ_dx", "the denominator-layout column W delta^T", '''
def row_dJ_dx(W, delta):
    return W @ delta.T
''', diagnosis="that is the denominator layout"),
    Variant("row_dJ_dx", "delta W: W where W^T belongs", '''
def row_dJ_dx(W, delta):
    return delta @ W
''', diagnosis="W where W^T belongs"),
    Variant("row_dJ_dx", "the Jacobian W^T only, no upstream gradient", '''
def row_dJ_dx(W, delta):
    return W.T
''', diagnosis="the Jacobian dz/dx alone"),
    Variant("row_dJ_dx", "calls the reference implementation", '''
def row_dJ_dx(W, delta):
    from chainrule_reference.layouts import row_dJ_dx as _ref
    return _ref(W, delta)
''', diagnosis="reference implementation"),
    # ---- row_dJ_dW
    Variant("row_dJ_dW", "delta^T x, laid out like W^T", '''
def row_dJ_dW(x, delta):
    return delta.T @ x
''', diagnosis="laid out like W^T"),
    Variant("row_dJ_dW", "x delta: shapes that do not fit", '''
def row_dJ_dW(x, delta):
    return x @ delta
''', diagnosis="The only one that does is the answer"),
    Variant("row_dJ_dW", "x * delta entry by entry", '''
def row_dJ_dW(x, delta):
    return x * delta
''', diagnosis="multiplies entry by entry"),
    Variant("row_dJ_dW", "the inner product x delta^T", '''
def row_dJ_dW(x, delta):
    return x @ delta.T
''', diagnosis="inner product"),
    Variant("row_dJ_dW", "hard-codes the visible example's answer", '''
import numpy as np

def row_dJ_dW(x, delta):
    return np.array([[0.6, -0.3, 0.15], [-1.4, 0.7, -0.35]], dtype=x.dtype)
'''),
    # ---- to_shape_convention
    Variant("to_shape_convention", "Fortran order", '''
import numpy as np

def to_shape_convention(jacobian_row, param_shape):
    return np.reshape(jacobian_row, param_shape, order="F")
''', diagnosis="Fortran (column-major) order"),
    Variant("to_shape_convention", "reshaped to the reversed shape and transposed (Fortran order in disguise)", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.reshape(tuple(param_shape)[::-1]).T
''', diagnosis="Fortran (column-major) order"),
    Variant("to_shape_convention", "the Jacobian row unchanged", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row
''', diagnosis="numerator-layout Jacobian unchanged"),
    Variant("to_shape_convention", "the transposed Jacobian, a column", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.T
''', diagnosis="the denominator layout"),
    Variant("to_shape_convention", "the reversed shape", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.reshape(tuple(param_shape)[::-1])
''', diagnosis="reversed shape"),
    Variant("to_shape_convention", "only two-dimensional shapes handled", '''
def to_shape_convention(jacobian_row, param_shape):
    return jacobian_row.reshape(param_shape[0], param_shape[1])
''', diagnosis="both hold the same number of entries"),
    Variant("to_shape_convention", "an object equal to everything", '''
def to_shape_convention(jacobian_row, param_shape):
    class Anything:
        shape = tuple(param_shape)
        def __eq__(self, other):
            return True
    return Anything()
''', diagnosis="should be"),
    # ---- bias_gradient
    Variant("bias_gradient", "mean instead of sum", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    return np.mean(dout, axis=0, keepdims=keepdims)
''', diagnosis="np.mean divides by N"),
    Variant("bias_gradient", "sum over the wrong axis", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    return np.sum(dout, axis=1, keepdims=keepdims)
''', diagnosis="instead of axis 0"),
    Variant("bias_gradient", "keepdims ignored", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    return np.sum(dout, axis=0)
''', diagnosis="keepdims=True was ignored"),
    Variant("bias_gradient", "keepdims always on", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    return np.sum(dout, axis=0, keepdims=True)
''', diagnosis="keepdims=True was used although keepdims=False was asked"),
    Variant("bias_gradient", "no sum at all", '''
def bias_gradient(dout, keepdims=False):
    return dout
''', diagnosis="without a sum"),
    Variant("bias_gradient", "sum over every axis", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    return np.sum(dout)
''', diagnosis="should be a NumPy array"),
    Variant("bias_gradient", "accumulates into dout's first row, in place", '''
def bias_gradient(dout, keepdims=False):
    for r in range(1, dout.shape[0]):
        dout[0] += dout[r]
    return dout[:1].copy() if keepdims else dout[0].copy()
''', diagnosis="in place"),
    Variant("bias_gradient", "accumulates into a float64 array", '''
import numpy as np

def bias_gradient(dout, keepdims=False):
    db = np.zeros(dout.shape[1])
    for row in dout:
        db += row
    return db.reshape(1, -1) if keepdims else db
''', diagnosis="Avoid creating float64 arrays"),
]
