"""Other correct implementations and common mistakes for notebook 03, gradients and Jacobians.

``VALID`` variants must keep full marks; ``WRONG`` ones must fail their test cell, with a
message that contains ``diagnosis`` (case-insensitive) where one is given.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "03-gradients-and-jacobians"

VALID = [
    # numerical_gradient
    Variant("numerical_gradient", "in place on x itself, each entry put back exactly", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)   # the caller's own array when it is float64 already
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
'''),
    Variant("numerical_gradient", "two fresh copies per entry", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[idx] += h
        x_minus[idx] -= h
        grad[idx] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''),
    Variant("numerical_gradient", "a flat loop with unit vectors, reshaped back", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    flat = np.asarray(x, dtype=np.float64).ravel()
    grad = np.zeros(flat.size)
    for k in range(flat.size):
        step = np.zeros(flat.size)
        step[k] = h
        grad[k] = (f((flat + step).reshape(np.shape(x))) - f((flat - step).reshape(np.shape(x)))) / (2 * h)
    return grad.reshape(np.shape(x))
'''),
    Variant("numerical_gradient", "arithmetic restore on a private float64 copy, divided by the step taken", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = x.astype(np.float64)   # astype copies
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        x[idx] += h
        up, f_plus = x[idx], f(x)
        x[idx] -= 2 * h
        down, f_minus = x[idx], f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (up - down)
    return grad
'''),
    # numerical_jacobian
    Variant("numerical_jacobian", "columns stacked with np.stack", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        columns.append((np.asarray(f(x + e), dtype=np.float64) - np.asarray(f(x - e), dtype=np.float64)) / (2 * h))
    return np.stack(columns, axis=1)
'''),
    Variant("numerical_jacobian", "one row per input, transposed at the end", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    rows = []
    for j in range(len(x)):
        old = x[j]
        x[j] = old + h
        plus = np.array(f(x), dtype=np.float64)
        x[j] = old - h
        minus = np.array(f(x), dtype=np.float64)
        x[j] = old
        rows.append((plus - minus) / (2 * h))
    return np.array(rows).T
'''),
    Variant("numerical_jacobian", "entry by entry, J[i, j] with two loops", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    m = len(np.atleast_1d(f(x)))
    J = np.zeros((m, len(x)))
    for j in range(len(x)):
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        fp, fm = np.atleast_1d(f(xp)), np.atleast_1d(f(xm))
        for i in range(m):
            J[i, j] = (fp[i] - fm[i]) / (2 * h)
    return J
'''),
    # elementwise_jacobian
    Variant("elementwise_jacobian", "identity times the row of derivatives", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    return np.eye(len(x)) * fprime(x)
'''),
    Variant("elementwise_jacobian", "a loop filling the diagonal", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    d = fprime(x)
    J = np.zeros((len(x), len(x)))
    for i in range(len(x)):
        J[i, i] = d[i]
    return J
'''),
    Variant("elementwise_jacobian", "np.diagflat", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    return np.diagflat(fprime(x))
'''),
    # softmax_jacobian
    Variant("softmax_jacobian", "two loops over s_i (delta_ij - s_j)", '''
import numpy as np

def softmax_jacobian(x):
    e = np.exp(x - x.max())
    s = e / e.sum()
    n = len(x)
    J = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = s[i] * ((1.0 if i == j else 0.0) - s[j])
    return J
'''),
    Variant("softmax_jacobian", "through log-sum-exp, broadcasting", '''
import numpy as np

def softmax_jacobian(x):
    c = np.max(x)
    log_z = c + np.log(np.sum(np.exp(x - c)))
    s = np.exp(x - log_z)
    return s[:, None] * (np.eye(len(x)) - s[None, :])
'''),
    # quadratic_form_gradient
    Variant("quadratic_form_gradient", "the symmetric part, times 2", '''
def quadratic_form_gradient(A, x):
    return 2 * (0.5 * (A + A.T)) @ x
'''),
    Variant("quadratic_form_gradient", "einsum", '''
import numpy as np

def quadratic_form_gradient(A, x):
    return np.einsum("kj,j...->k...", A, x) + np.einsum("ik,i...->k...", A, x)
'''),
    Variant("quadratic_form_gradient", "loops over k on a flat copy, reshaped to x's shape", '''
import numpy as np

def quadratic_form_gradient(A, x):
    v = np.asarray(x, dtype=np.float64).ravel()
    n = len(v)
    g = np.zeros(n)
    for k in range(n):
        g[k] = sum(A[k, j] * v[j] for j in range(n)) + sum(v[i] * A[i, k] for i in range(n))
    return g.reshape(np.shape(x))
'''),
    Variant("quadratic_form_gradient", "A x plus the transpose of x^T A", '''
def quadratic_form_gradient(A, x):
    return A @ x + (x.T @ A).T
'''),
    # chain_jacobian
    Variant("chain_jacobian", "functools.reduce with np.matmul", '''
import functools
import numpy as np

def chain_jacobian(jacobians):
    return functools.reduce(np.matmul, jacobians)
'''),
    Variant("chain_jacobian", "the other association order, innermost product first", '''
def chain_jacobian(jacobians):
    J = jacobians[-1]
    for outer in reversed(jacobians[:-1]):
        J = outer @ J
    return J
'''),
    Variant("chain_jacobian", "np.linalg.multi_dot, with one Jacobian handled apart", '''
import numpy as np

def chain_jacobian(jacobians):
    if len(jacobians) == 1:
        return np.array(jacobians[0])
    return np.linalg.multi_dot(jacobians)
'''),
    # gram_derivative
    Variant("gram_derivative", "einsum with the identity", '''
import numpy as np

def gram_derivative(R):
    I = np.eye(R.shape[1])
    return np.einsum("qj,ip->pqij", I, R) + np.einsum("pj,iq->pqij", I, R)
'''),
    Variant("gram_derivative", "four loops over the seed notes' case table", '''
import numpy as np

def gram_derivative(R):
    M, N = R.shape
    T = np.zeros((N, N, M, N))
    for p in range(N):
        for q in range(N):
            for i in range(M):
                for j in range(N):
                    if p == q == j:
                        T[p, q, i, j] = 2 * R[i, q]
                    elif j == p:
                        T[p, q, i, j] = R[i, q]
                    elif j == q:
                        T[p, q, i, j] = R[i, p]
    return T
'''),
    Variant("gram_derivative", "the numerical Jacobian's layout: (N*N, M*N), reshaped", '''
import numpy as np

def gram_derivative(R):
    M, N = R.shape
    J = np.zeros((N * N, M * N))
    for i in range(M):
        for j in range(N):
            E = np.zeros((M, N))
            E[i, j] = 1.0
            J[:, i * N + j] = (E.T @ R + R.T @ E).ravel()   # the directional derivative of R^T R along E
    return J.reshape(N, N, M, N)
'''),
]

WRONG = [
    Variant("numerical_gradient", "hands in chainrule's own num_grad", '''
def numerical_gradient(f, x, h=1e-5):
    from chainrule.gradcheck import num_grad
    return num_grad(f, x, h)
''', "must compute their answer themselves"),
    # numerical_gradient
    Variant("numerical_gradient", "the forward difference", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    f0 = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        grad[idx] = (f(x) - f0) / h
        x[idx] = old
    return grad
''', "forward difference"),
    Variant("numerical_gradient", "in place, entries never put back", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
''', "moved at once"),
    Variant("numerical_gradient", "in place, put back by arithmetic (x + h - 2h + h)", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
''', "in place"),
    Variant("numerical_gradient", "in place on x in its own dtype (float32 steps)", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
''', "float32"),
    Variant("numerical_gradient", "a copy in x's dtype (float32 steps)", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad
''', "float32"),
    Variant("numerical_gradient", "all entries moved at once", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))
''', "moved at once"),
    Variant("numerical_gradient", "the step passed in is ignored", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + 1e-5
        f_plus = f(x)
        x[idx] = old - 1e-5
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / 2e-5
    return grad
''', "step h passed in was ignored"),
    Variant("numerical_gradient", "returns a flat gradient", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = []
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad.append((f_plus - f_minus) / (2 * h))
    return np.array(grad)
''', "shape of x"),
    Variant("numerical_gradient", "divides by h instead of 2h", '''
import numpy as np

def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / h
    return grad
''', "divided by h where 2h belongs"),
    Variant("numerical_gradient", "calls the reference implementation", '''
def numerical_gradient(f, x, h=1e-5):
    from chainrule_reference.jacobians import numerical_gradient as _ref
    return _ref(f, x, h)
''', "reference implementation"),
    # numerical_jacobian
    Variant("numerical_jacobian", "denominator layout: (n, m)", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    rows = []
    for j in range(x.size):
        old = x[j]
        x[j] = old + h
        plus = np.array(f(x), dtype=np.float64)
        x[j] = old - h
        minus = np.array(f(x), dtype=np.float64)
        x[j] = old
        rows.append((plus - minus) / (2 * h))
    return np.array(rows)
''', "denominator layout"),
    Variant("numerical_jacobian", "the forward difference", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    f0 = np.asarray(f(x), dtype=np.float64)
    J = np.zeros((f0.size, x.size))
    for j in range(x.size):
        xp = x.copy()
        xp[j] += h
        J[:, j] = (np.asarray(f(xp)) - f0) / h
    return J
''', "forward difference"),
    Variant("numerical_jacobian", "squeezed: a vector when m or n is 1", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    m = np.asarray(f(x)).size
    J = np.zeros((m, x.size))
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        J[:, j] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * h)
    return J.squeeze()
''', "keeps both axes"),
    Variant("numerical_jacobian", "steps taken in x's own dtype", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    m = np.asarray(f(x)).size
    J = np.zeros((m, x.size))
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        J[:, j] = (np.asarray(f(xp), dtype=np.float64) - np.asarray(f(xm), dtype=np.float64)) / (2 * h)
    return J
''', "float32"),
    Variant("numerical_jacobian", "all inputs moved at once", '''
import numpy as np

def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    col = (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2 * h)
    return np.tile(col[:, None], (1, x.size))
''', "moved at once"),
    # elementwise_jacobian
    Variant("elementwise_jacobian", "returns the vector f'(x)", '''
def elementwise_jacobian(fprime, x):
    return fprime(x)
''', "the Jacobian is the (n, n) matrix"),
    Variant("elementwise_jacobian", "fprime applied to the matrix diag(x)", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    return fprime(np.diag(x))
''', "applied to the matrix diag(x)"),
    Variant("elementwise_jacobian", "every row holds f'(x)", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    return np.ones((len(x), 1)) * fprime(x)
''', "only the diagonal is non-zero"),
    Variant("elementwise_jacobian", "hard-codes the visible example's answer", '''
import numpy as np

def elementwise_jacobian(fprime, x):
    return np.diag(1 - np.tanh(np.array([-1.5, 0.0, 0.5, 2.0])) ** 2)
''', None),
    # softmax_jacobian
    Variant("softmax_jacobian", "softmax without subtracting the max", '''
import numpy as np

def softmax_jacobian(x):
    s = np.exp(x) / np.sum(np.exp(x))
    return np.diag(s) - np.outer(s, s)
''', "subtract max(x)"),
    Variant("softmax_jacobian", "diag(s) only", '''
import numpy as np

def softmax_jacobian(x):
    e = np.exp(x - np.max(x))
    return np.diag(e / e.sum())
''', "-s s^T is missing"),
    Variant("softmax_jacobian", "only the diagonal s(1 - s)", '''
import numpy as np

def softmax_jacobian(x):
    e = np.exp(x - np.max(x))
    s = e / e.sum()
    return np.diag(s * (1 - s))
''', "only the diagonal"),
    Variant("softmax_jacobian", "s @ s (a number) instead of the outer product", '''
import numpy as np

def softmax_jacobian(x):
    e = np.exp(x - np.max(x))
    s = e / e.sum()
    return np.diag(s) - s @ s
''', "outer product"),
    Variant("softmax_jacobian", "the sign flipped", '''
import numpy as np

def softmax_jacobian(x):
    e = np.exp(x - np.max(x))
    s = e / e.sum()
    return np.outer(s, s) - np.diag(s)
''', "sign is flipped"),
    Variant("softmax_jacobian", "calls the reference implementation", '''
def softmax_jacobian(x):
    from chainrule_reference.jacobians import softmax_jacobian as _ref
    return _ref(x)
''', "reference implementation"),
    # quadratic_form_gradient
    Variant("quadratic_form_gradient", "2 A x (right for a symmetric A only)", '''
def quadratic_form_gradient(A, x):
    return 2 * A @ x
''', "holds only for a symmetric A"),
    Variant("quadratic_form_gradient", "A x: the A^T x term missing", '''
def quadratic_form_gradient(A, x):
    return A @ x
''', "A^T x term is missing"),
    Variant("quadratic_form_gradient", "A^T x: the A x term missing", '''
def quadratic_form_gradient(A, x):
    return A.T @ x
''', "the A x term is missing"),
    Variant("quadratic_form_gradient", "a row where x is a column", '''
def quadratic_form_gradient(A, x):
    return x.T @ (A + A.T)
''', "the result is a row"),
    Variant("quadratic_form_gradient", "a flat result where x is a column", '''
import numpy as np

def quadratic_form_gradient(A, x):
    return (A + A.T) @ np.ravel(x)
''', "the result is flat"),
    Variant("quadratic_form_gradient", "A += A.T changes the caller's A", '''
def quadratic_form_gradient(A, x):
    A += A.T
    return A @ x
''', "in place"),
    Variant("quadratic_form_gradient", "returns an object that equals everything", '''
class _AlwaysEqual:
    def __eq__(self, other):
        return True

def quadratic_form_gradient(A, x):
    return _AlwaysEqual()
''', "should be"),
    Variant("quadratic_form_gradient", "hard-codes the visible example's answers", '''
import numpy as np

def quadratic_form_gradient(A, x):
    if np.ndim(x) == 2:
        return np.array([[0.5], [5.5], [11.0]])
    return np.array([1.0, -9.0, -8.0])
''', None),
    # chain_jacobian
    Variant("chain_jacobian", "the product in the reverse order", '''
import functools
import numpy as np

def chain_jacobian(jacobians):
    return functools.reduce(np.matmul, jacobians[::-1])
''', "do not chain in the order"),
    Variant("chain_jacobian", "the reverse order, starting from the last", '''
def chain_jacobian(jacobians):
    J = jacobians[-1]
    for outer in reversed(jacobians[:-1]):
        J = J @ outer
    return J
''', "do not chain in the order"),
    Variant("chain_jacobian", "elementwise products", '''
def chain_jacobian(jacobians):
    J = jacobians[0]
    for inner in jacobians[1:]:
        J = J * inner
    return J
''', "`*` was used"),
    Variant("chain_jacobian", "transposed factors in reverse (denominator layout)", '''
def chain_jacobian(jacobians):
    J = jacobians[-1].T
    for outer in reversed(jacobians[:-1]):
        J = J @ outer.T
    return J
''', "denominator layout"),
    Variant("chain_jacobian", "np.linalg.multi_dot, which needs two arrays", '''
import numpy as np

def chain_jacobian(jacobians):
    return np.linalg.multi_dot(jacobians)
''', "single Jacobian"),
    # gram_derivative
    Variant("gram_derivative", "only one of the two terms", '''
import numpy as np

def gram_derivative(R):
    M, N = R.shape
    T = np.zeros((N, N, M, N))
    for p in range(N):
        for q in range(N):
            T[p, q, :, q] = R[:, p]
    return T
''', "only one of the two terms"),
    Variant("gram_derivative", "the case table without the doubled diagonal", '''
import numpy as np

def gram_derivative(R):
    M, N = R.shape
    T = np.zeros((N, N, M, N))
    for p in range(N):
        for q in range(N):
            T[p, q, :, q] = R[:, p]
            T[p, q, :, p] = R[:, q]
    return T
''', "both terms contribute"),
    Variant("gram_derivative", "input indices first: T[i, j, p, q]", '''
import numpy as np

def gram_derivative(R):
    I = np.eye(R.shape[1])
    return np.einsum("qj,ip->ijpq", I, R) + np.einsum("pj,iq->ijpq", I, R)
''', "axes are in the wrong order"),
    Variant("gram_derivative", "the flattened Jacobian", '''
import numpy as np

def gram_derivative(R):
    M, N = R.shape
    J = np.zeros((N * N, M * N))
    for i in range(M):
        for j in range(N):
            E = np.zeros((M, N))
            E[i, j] = 1.0
            J[:, i * N + j] = (E.T @ R + R.T @ E).ravel()
    return J
''', "flattened"),
    Variant("gram_derivative", "the derivative of R R^T", '''
import numpy as np

def gram_derivative(R):
    I = np.eye(R.shape[0])
    return np.einsum("pi,qj->pqij", I, R) + np.einsum("qi,pj->pqij", I, R)
''', "derivative of R R^T"),
]
