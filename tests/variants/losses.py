"""Learner-style implementations for notebook 06, losses.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain).
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "06-losses"


def _cases(right: int, of: int, points: int) -> float:
    """The share of a test cell's points that ``right`` of its ``of`` cases earn, as nbgrader records it
    (the points rounded to 3 decimals), for ``Variant.score``."""
    return round(points * round(right / of, 4), 3) / points


VALID = [
    # ---- softmax
    Variant("softmax", "a loop over the rows", '''
import numpy as np

def softmax(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        exps = np.exp(x[i] - x[i].max())
        out[i] = exps / exps.sum()
    return out
'''),
    Variant("softmax", "in place on a copy, with np.exp(out=)", '''
import numpy as np

def softmax(x):
    z = x.copy()
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
'''),
    Variant("softmax", "exp of the log-probabilities, with [:, None]", '''
import numpy as np

def softmax(x):
    m = x.max(axis=1)
    lse = m + np.log(np.exp(x - m[:, None]).sum(axis=1))
    return np.exp(x - lse[:, None])
'''),
    Variant("softmax", "1 / sum_k exp(x_k - x_j): right values, a harmless overflow in exp on the way", '''
import numpy as np

def softmax(x):
    gaps = x[:, None, :] - x[:, :, None]          # gaps[n, j, k] = x[n, k] - x[n, j]
    return 1.0 / np.sum(np.exp(gaps), axis=-1)    # exp(2000) = inf gives 1 / inf = 0, the right probability
'''),
    # ---- ce_gradient_by_hand (the checkpoint)
    Variant("ce_gradient_by_hand", "the fractions in a flat list", '''
def ce_gradient_by_hand():
    return [1 / 4, 1 / 2, -3 / 4]
'''),
    Variant("ce_gradient_by_hand", "computed with NumPy from the scores", '''
import numpy as np

def ce_gradient_by_hand():
    x = np.array([[0.0, np.log(2.0), 0.0]])
    p = np.exp(x) / np.exp(x).sum()
    p[0, 2] -= 1
    return p
'''),
    # ---- log_sum_exp
    Variant("log_sum_exp", "np.logaddexp.reduce", '''
import numpy as np

def log_sum_exp(x):
    return np.logaddexp.reduce(x, axis=-1)
'''),
    Variant("log_sum_exp", "the math module, row by row", '''
import math
import numpy as np

def log_sum_exp(x):
    values = []
    for row in x.tolist():
        m = max(row)
        values.append(m + math.log(sum(math.exp(v - m) for v in row)))
    return np.array(values, dtype=x.dtype)
'''),
    Variant("log_sum_exp", "keepdims, then the column dropped", '''
import numpy as np

def log_sum_exp(x):
    m = np.max(x, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)))[:, 0]
'''),
    # ---- softmax_loss
    Variant("softmax_loss", "a one-hot matrix", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    one_hot = np.zeros_like(x)
    one_hot[np.arange(n), y] = 1
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(one_hot * log_probs) / n
    return loss, (np.exp(log_probs) - one_hot) / n
'''),
    Variant("softmax_loss", "log-sum-exp per row, then probabilities from it", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    rows = np.arange(n)
    m = x.max(axis=1)
    lse = m + np.log(np.sum(np.exp(x - m[:, None]), axis=1))
    loss = np.mean(lse - x[rows, y])
    dx = np.exp(x - lse[:, None])
    dx[rows, y] -= 1
    return loss, dx / n
'''),
    Variant("softmax_loss", "a loop over the examples", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    loss = 0.0
    dx = np.zeros_like(x)
    for i in range(n):
        shifted = x[i] - x[i].max()
        total = np.exp(shifted).sum()
        loss += np.log(total) - shifted[y[i]]
        dx[i] = np.exp(shifted) / total
        dx[i, y[i]] -= 1
    return loss / n, dx / n
'''),
    # ---- mse_loss
    Variant("mse_loss", "per-example sums, then their mean", '''
import numpy as np

def mse_loss(pred, target):
    n = pred.shape[0]
    diff = pred - target
    per_example = np.sum(diff.reshape(n, -1) ** 2, axis=1)
    return 0.5 * np.mean(per_example), diff / n
'''),
    Variant("mse_loss", "the math module on floats", '''
import math

def mse_loss(pred, target):
    n = len(pred)
    diff = pred - target
    total = math.fsum(float(d) ** 2 for d in diff.ravel())
    return total / (2 * n), diff * (1.0 / n)
'''),
    Variant("mse_loss", "np.dot of the flattened errors", '''
import numpy as np

def mse_loss(pred, target):
    diff = (pred - target).ravel()
    n = pred.shape[0]
    return np.dot(diff, diff) / (2 * n), (pred - target) / n
'''),
    # ---- gallery: real-world styles
    Variant("softmax", "cs231n: np.max(..., axis=1, keepdims=True), then np.sum(..., keepdims=True)", '''
import numpy as np

def softmax(x):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    return np.exp(shifted_logits) / Z
'''),
    Variant("softmax", "d2l: X_exp / partition, with the max shift and [:, None]", '''
import numpy as np

def softmax(X):
    X_exp = np.exp(X - X.max(1)[:, None])
    partition = X_exp.sum(1)[:, None]
    return X_exp / partition
'''),
    Variant("softmax", "exp(x - log_sum_exp(x)), a scipy-free logsumexp", '''
import numpy as np

def softmax(x):
    m = np.amax(x, axis=-1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.exp(x - lse)
'''),
    Variant("log_sum_exp", "np.amax and a [:, None] column, sum over axis -1", '''
import numpy as np

def log_sum_exp(x):
    c = np.amax(x, axis=-1)
    return c + np.log(np.sum(np.exp(x - c[:, None]), axis=-1))
'''),
    Variant("log_sum_exp", "np.logaddexp folded over the columns in a loop", '''
import numpy as np

def log_sum_exp(x):
    acc = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        acc = np.logaddexp(acc, x[:, j])
    return acc
'''),
    Variant("softmax_loss", "cs231n softmax_loss: log_probs, -np.sum(...)/N, dx = probs.copy()", '''
import numpy as np

def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
'''),
    Variant("softmax_loss", "np.take_along_axis for the true class, np.eye(C)[y] in x's dtype", '''
import numpy as np

def softmax_loss(x, y):
    N, C = x.shape
    z = x - x.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -np.take_along_axis(log_probs, y[:, None], axis=1).mean()
    dx = (np.exp(log_probs) - np.eye(C, dtype=x.dtype)[y]) / N
    return loss, dx
'''),
    Variant("softmax_loss", "range(N) indexing of the log-probabilities and np.where for the one-hot", '''
import numpy as np

def softmax_loss(x, y):
    N = len(x)
    z = x - x.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    loss = -logp[range(N), y].sum() / N
    onehot = np.where(np.arange(x.shape[1])[None, :] == y[:, None], 1, 0).astype(x.dtype)
    return loss, (np.exp(logp) - onehot) / N
'''),
    Variant("mse_loss", "np.square and a sum over 2N", '''
import numpy as np

def mse_loss(pred, target):
    N = pred.shape[0]
    diff = pred - target
    return np.sum(np.square(diff)) / (2 * N), diff / N
'''),
    Variant("mse_loss", "np.linalg.norm of the errors, squared", '''
import numpy as np

def mse_loss(pred, target):
    N = len(pred)
    err = np.subtract(pred, target)
    return 0.5 * np.linalg.norm(err.ravel()) ** 2 / N, np.divide(err, N)
'''),
]

WRONG = [
    # ---- ce_gradient_by_hand (the checkpoint)
    Variant("ce_gradient_by_hand", "the probabilities alone", '''
import numpy as np

def ce_gradient_by_hand():
    return np.array([[0.25, 0.5, 0.25]])
''', "probabilities alone"),
    Variant("ce_gradient_by_hand", "y - p, the sign flipped", '''
import numpy as np

def ce_gradient_by_hand():
    return np.array([[-0.25, -0.5, 0.75]])
''', "sign is flipped"),
    Variant("ce_gradient_by_hand", "the label counted from 1 (class 2 taken as the second score)", '''
import numpy as np

def ce_gradient_by_hand():
    return np.array([[0.25, -0.5, 0.25]])
''', "labels count from 0"),
    Variant("ce_gradient_by_hand", "a guess that sums to 1", '''
import numpy as np

def ce_gradient_by_hand():
    return np.array([[0.2, 0.5, 0.3]])
''', "add up to 0"),
    # ---- softmax
    Variant("softmax", "naive: no shift", '''
import numpy as np

def softmax(x):
    exps = np.exp(x)
    return exps / exps.sum(axis=1, keepdims=True)
''', "overflow: exp of large logits gives inf/NaN; subtract the row maximum first"),
    Variant("softmax", "naive, with the warnings silenced", '''
import numpy as np

def softmax(x):
    with np.errstate(all="ignore"):
        exps = np.exp(x)
        return exps / exps.sum(axis=1, keepdims=True)
''', "subtract the row maximum first"),
    Variant("softmax", "one maximum for the whole batch", '''
import numpy as np

def softmax(x):
    exps = np.exp(x - x.max())
    return exps / exps.sum(axis=1, keepdims=True)
''', "each row's own maximum"),
    Variant("softmax", "normalized over the batch axis", '''
import numpy as np

def softmax(x):
    exps = np.exp(x - x.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)
''', "wrong axis"),
    Variant("softmax", "row maxima without keepdims", '''
import numpy as np

def softmax(x):
    exps = np.exp(x - x.max(axis=1))
    return exps / exps.sum(axis=1)
''', "keepdims=True"),
    Variant("softmax", "not normalized", '''
import numpy as np

def softmax(x):
    return np.exp(x - x.max(axis=1, keepdims=True))
''', "not normalized"),
    Variant("softmax", "float64 output for float32 input", '''
import numpy as np

def softmax(x):
    out = np.zeros(x.shape)
    shifted = x - x.max(axis=1, keepdims=True)
    out[:] = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return out
''', "expected float32"),
    Variant("softmax", "hard-codes the visible example", '''
import numpy as np

def softmax(x):
    return np.array([[0.09003057317038046, 0.24472847105479764, 0.6652409557748218],
                     [0.4878555511603684, 0.4878555511603684, 0.024288897679263205]])
'''),
    Variant("softmax", "calls the reference", '''
def softmax(x):
    from chainrule_reference.losses import softmax as _ref
    return _ref(x)
''', "reference implementation"),
    Variant("softmax", "shifts its input in place", '''
import numpy as np

def softmax(x):
    x -= x.max(axis=1, keepdims=True)
    exps = np.exp(x)
    return exps / exps.sum(axis=1, keepdims=True)
''', "in place"),
    Variant("softmax", "returns an object equal to anything", '''
class _Anything:
    def __eq__(self, other):
        return True

def softmax(x):
    return _Anything()
''', "should be"),
    # ---- log_sum_exp
    Variant("log_sum_exp", "naive: no shift", '''
import numpy as np

def log_sum_exp(x):
    return np.log(np.sum(np.exp(x), axis=1))
''', "subtract the row maximum first"),
    Variant("log_sum_exp", "the maximum not added back", '''
import numpy as np

def log_sum_exp(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=1))
''', "not added back"),
    Variant("log_sum_exp", "keeps the reduced axis", '''
import numpy as np

def log_sum_exp(x):
    m = x.max(axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
''', "keepdims"),
    Variant("log_sum_exp", "reduces over the batch axis", '''
import numpy as np

def log_sum_exp(x):
    m = x.max(axis=0)
    return m + np.log(np.sum(np.exp(x - m), axis=0))
''', "wrong axis"),
    Variant("log_sum_exp", "log of the mean", '''
import numpy as np

def log_sum_exp(x):
    m = x.max(axis=1)
    return m + np.log(np.mean(np.exp(x - m[:, None]), axis=1))
''', "log of the mean"),
    Variant("log_sum_exp", "one maximum for the whole batch", '''
import numpy as np

def log_sum_exp(x):
    m = x.max()
    return m + np.log(np.sum(np.exp(x - m), axis=1))
''', "each row's own maximum"),
    Variant("log_sum_exp", "hard-codes the visible example", '''
import numpy as np

def log_sum_exp(x):
    return np.array([3.4076059644443806, 2.7177359186667025])
'''),
    # ---- softmax_loss
    Variant("softmax_loss", "dx without 1/N", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return -np.mean(log_probs[np.arange(n), y]), dx
''', "1/N"),
    Variant("softmax_loss", "sum over the batch instead of the mean", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return -np.sum(log_probs[np.arange(n), y]), dx
''', "summed over the batch"),
    Variant("softmax_loss", "dx = softmax / N, one-hot not subtracted", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(n), y]), np.exp(log_probs) / n
''', "true-class entry"),
    Variant("softmax_loss", "softmax over the batch axis", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=0, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return -np.mean(log_probs[np.arange(n), y]), dx / n
''', "wrong axis"),
    Variant("softmax_loss", "dx with the sign flipped", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = -np.exp(log_probs)
    dx[np.arange(n), y] += 1
    return -np.mean(log_probs[np.arange(n), y]), dx / n
''', "sign is flipped"),
    Variant("softmax_loss", "the loss with the sign flipped", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return np.mean(log_probs[np.arange(n), y]), dx / n
''', "sign is flipped"),
    Variant("softmax_loss", "np.log of the softmax probabilities", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    exps = np.exp(x - x.max(axis=1, keepdims=True))
    probs = exps / exps.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(n), y]))
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return loss, dx / n
''', "subtracting the maximum is not enough here"),
    Variant("softmax_loss", "naive: no shift", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    exps = np.exp(x)
    probs = exps / exps.sum(axis=1, keepdims=True)
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return -np.mean(np.log(probs[np.arange(n), y])), dx / n
''', "subtract the row maximum first"),
    Variant("softmax_loss", "dx[:, y] -= 1", '''
import numpy as np

def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[:, y] -= 1
    return -np.mean(log_probs[np.arange(n), y]), dx / n
''', "dx[:, y]"),
    Variant("softmax_loss", "calls the reference", '''
def softmax_loss(x, y):
    from chainrule_reference.losses import softmax_loss as _ref
    return _ref(x, y)
''', "reference implementation"),
    # ---- mse_loss
    Variant("mse_loss", "no 0.5 anywhere", '''
import numpy as np

def mse_loss(pred, target):
    n = pred.shape[0]
    diff = pred - target
    return np.sum(diff ** 2) / n, 2 * diff / n
''', "factor 0.5 is missing"),
    Variant("mse_loss", "the 0.5 in the loss, the 2 still in dpred", '''
import numpy as np

def mse_loss(pred, target):
    n = pred.shape[0]
    diff = pred - target
    return 0.5 * np.sum(diff ** 2) / n, 2 * diff / n
''', "extra factor 2"),
    Variant("mse_loss", "summed, not averaged", '''
import numpy as np

def mse_loss(pred, target):
    diff = pred - target
    return 0.5 * np.sum(diff ** 2), diff
''', "summed over the batch"),
    Variant("mse_loss", "dpred without 1/N", '''
import numpy as np

def mse_loss(pred, target):
    diff = pred - target
    return 0.5 * np.sum(diff ** 2) / pred.shape[0], diff
''', "missing the factor 1/N"),
    Variant("mse_loss", "np.mean over every entry", '''
import numpy as np

def mse_loss(pred, target):
    diff = pred - target
    return 0.5 * np.mean(diff ** 2), diff / diff.size
''', "np.mean divides by every entry"),
    Variant("mse_loss", "dpred with the sign flipped", '''
import numpy as np

def mse_loss(pred, target):
    n = pred.shape[0]
    diff = pred - target
    return 0.5 * np.sum(diff ** 2) / n, (target - pred) / n
''', "sign is flipped"),
    Variant("mse_loss", "hard-codes the visible example", '''
import numpy as np

def mse_loss(pred, target):
    return 35.0 / 24.0, (pred - target) / 3
'''),
    Variant("mse_loss", "returns objects equal to anything", '''
class _Anything:
    def __eq__(self, other):
        return True

def mse_loss(pred, target):
    return _Anything(), _Anything()
''', "should be"),
    # ---- gallery: real-world styles
    Variant("softmax_loss", "the N x N block x[:, y], summed and divided by N", '''
import numpy as np

def softmax_loss(x, y):
    N = x.shape[0]
    z = x - x.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    loss = -np.sum(log_probs[:, y]) / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', diagnosis="N x N block", score=_cases(1, 11, points=3)),
    Variant("softmax_loss", "the N x N block x[:, y], averaged", '''
import numpy as np

def softmax_loss(x, y):
    N = x.shape[0]
    z = x - x.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    loss = -np.mean(log_probs[:, y])
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', diagnosis="N x N block", score=_cases(3, 11, points=3)),
    Variant("softmax_loss", "-np.log(probs[range(N), y]) of a stable softmax (probabilities underflow)", '''
import numpy as np

def softmax_loss(x, y):
    N = x.shape[0]
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs = e / np.sum(e, axis=1, keepdims=True)
    loss = np.sum(-np.log(probs[range(N), y])) / N
    dx = probs.copy()
    dx[range(N), y] -= 1
    return loss, dx / N
''', diagnosis="subtracting the maximum is not enough here", score=_cases(7, 11, points=3)),
    Variant("softmax_loss", "deep learning from scratch: -log(p + 1e-7)", '''
import numpy as np

def softmax_loss(x, y):
    N = x.shape[0]
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs = e / np.sum(e, axis=1, keepdims=True)
    delta = 1e-7
    loss = -np.sum(np.log(probs[np.arange(N), y] + delta)) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', diagnosis="an epsilon (1e-07) was added inside the log"),
    Variant("softmax_loss", "the max shift done in place on x (x -= x.max(...))", '''
import numpy as np

def softmax_loss(x, y):
    N = x.shape[0]
    x -= np.max(x, axis=1, keepdims=True)
    log_probs = x - np.log(np.sum(np.exp(x), axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(N), y])
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', diagnosis="in place", score=0.9),
    Variant("softmax_loss", "a float64 one-hot from np.zeros((N, C)) for float32 scores", '''
import numpy as np

def softmax_loss(x, y):
    N, C = x.shape
    one_hot = np.zeros((N, C))
    one_hot[np.arange(N), y] = 1
    z = x - x.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.sum(one_hot * log_probs) / N, (np.exp(log_probs) - one_hot) / N
''', diagnosis="dtype", score=0.9),
    Variant("softmax", "np.clip of the logits to [-500, 500] instead of the max shift", '''
import numpy as np

def softmax(x):
    e = np.exp(np.clip(x, -500, 500))
    return e / e.sum(axis=1, keepdims=True)
''', score=0.5),
    Variant("log_sum_exp", "log(sum(exp)) of the clipped logits", '''
import numpy as np

def log_sum_exp(x):
    return np.log(np.sum(np.exp(np.clip(x, -80, 80)), axis=1))
''', score=0.5),
    Variant("mse_loss", "deep learning from scratch: 0.5 * np.sum((y - t) ** 2), no 1/N", '''
import numpy as np

def mse_loss(pred, target):
    return 0.5 * np.sum((pred - target) ** 2), pred - target
''', diagnosis="summed over the batch", score=0.2),
    Variant("mse_loss", "the error computed in place in pred (pred -= target)", '''
import numpy as np

def mse_loss(pred, target):
    N = pred.shape[0]
    pred -= target
    return 0.5 * np.sum(pred ** 2) / N, pred / N
''', diagnosis="in place", score=0.9),
    Variant("mse_loss", "target - pred, the gradient's sign flipped", '''
import numpy as np

def mse_loss(pred, target):
    N = pred.shape[0]
    diff = target - pred
    return 0.5 * np.sum(diff * diff) / N, diff / N
''', diagnosis="sign is flipped", score=0.0),
]
