"""Learner-style implementations for notebook 02, computational graphs.

``VALID``: other correct ways to write each graded function (they keep full
marks). ``WRONG``: the mistakes learners make (they lose the test cell's
points; ``diagnosis`` is a phrase the failure message must contain).
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "02-computational-graphs"

VALID = [
    # ---- add_backward
    Variant("add_backward", "returns dout itself, twice", '''
def add_backward(dout):
    return dout, dout
'''),
    Variant("add_backward", "ones_like times dout", '''
import numpy as np

def add_backward(dout):
    local = np.ones_like(dout)
    return local * dout, local * dout
'''),
    # ---- mul_backward
    Variant("mul_backward", "np.multiply, named local gradients", '''
import numpy as np

def mul_backward(dout, x, y):
    local_x, local_y = y, x
    return np.multiply(local_x, dout), np.multiply(local_y, dout)
'''),
    # ---- max_backward
    Variant("max_backward", "a 0/1 mask and its complement", '''
import numpy as np

def max_backward(dout, x, y):
    mask = (np.asarray(x) >= np.asarray(y)).astype(float)
    return dout * mask, dout * (1.0 - mask)
'''),
    Variant("max_backward", "np.vectorize over a scalar rule", '''
import numpy as np

def max_backward(dout, x, y):
    def one(d, a, b):
        return (d, 0.0) if a >= b else (0.0, d)
    return np.vectorize(one)(dout, x, y)
'''),
    Variant("max_backward", "the smaller-input condition, inverted", '''
import numpy as np

def max_backward(dout, x, y):
    to_y = np.less(x, y)
    return np.where(to_y, 0.0, dout), np.where(to_y, dout, 0.0)
'''),
    # ---- circuit_forward_backward
    Variant("circuit_forward_backward", "closed form, no staging", '''
def circuit_forward_backward(x, y, z):
    return (x + y) * z, (z, z, x + y)
'''),
    Variant("circuit_forward_backward", "gradients as a NumPy array unpacked into a tuple", '''
import numpy as np

def circuit_forward_backward(x, y, z):
    q = x + y
    grads = np.array([1.0, 1.0, 0.0]) * z + np.array([0.0, 0.0, 1.0]) * q
    return q * z, tuple(grads)
'''),
    # ---- neuron_forward_backward
    Variant("neuron_forward_backward", "a loop and the math module", '''
import math
import numpy as np

def neuron_forward_backward(w, x):
    z = w[2]
    for i in range(2):
        z += w[i] * x[i]
    f = 1.0 / (1.0 + math.exp(-z))
    dz = f * (1.0 - f)
    dw = np.zeros(3)
    dx = np.zeros(2)
    for i in range(2):
        dw[i] = x[i] * dz
        dx[i] = w[i] * dz
    dw[2] = dz
    return f, dw, dx
'''),
    Variant("neuron_forward_backward", "an augmented input [x0, x1, 1] and a dot product", '''
import numpy as np

def neuron_forward_backward(w, x):
    w = np.asarray(w, dtype=float)
    xa = np.append(np.asarray(x, dtype=float), 1.0)
    f = 0.5 * (1.0 + np.tanh(0.5 * (w @ xa)))
    dz = f * (1.0 - f)
    return float(f), dz * xa, dz * w[:2]
'''),
    Variant("neuron_forward_backward", "in-place work on copies", '''
import numpy as np

def neuron_forward_backward(w, x):
    dw = np.array(w, dtype=float)
    dx = np.array(x, dtype=float)
    f = 1.0 / (1.0 + np.exp(-(dw[0] * dx[0] + dw[1] * dx[1] + dw[2])))
    dz = f * (1.0 - f)
    w0, w1 = dw[0], dw[1]
    dw[0], dw[1], dw[2] = dx[0] * dz, dx[1] * dz, dz
    dx[0], dx[1] = w0 * dz, w1 * dz
    return float(f), dw, dx
'''),
    # ---- squared_error_forward_backward
    Variant("squared_error_forward_backward", "closed form", '''
def squared_error_forward_backward(w, x, b, y):
    d = w * x + b - y
    return d ** 2, 2 * d * x, 2 * d
'''),
    Variant("squared_error_forward_backward", "math.pow and the other association order", '''
import math

def squared_error_forward_backward(w, x, b, y):
    d = w * x + (b - y)
    return math.pow(d, 2), x * (2 * d), d + d
'''),
    # ---- fanout_forward_backward
    Variant("fanout_forward_backward", "closed form", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return x * s + x ** 2, s + x * s * (1.0 - s) + 2.0 * x
'''),
    Variant("fanout_forward_backward", "accumulated from zero, other path order", '''
import numpy as np

def fanout_forward_backward(x):
    s = 0.5 * (1.0 + np.tanh(0.5 * x))
    f = x * s + x * x
    dx = 0.0
    dx += s * (1.0 - s) * x
    dx += x + x
    dx += s
    return f, dx
'''),
    Variant("fanout_forward_backward", "in-place accumulation on a copy", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    f = x * s + x ** 2
    dx = np.array(x, dtype=float, copy=True)
    dx *= 2.0
    dx += s
    dx += x * s * (1.0 - s)
    return f, (float(dx) if dx.ndim == 0 else dx)
'''),
    # ---- staged_forward / staged_backward
    Variant("staged_forward", "np.multiply and np.square, the stages named differently", '''
import numpy as np

def staged_forward(x, y):
    prod = np.multiply(x, y)
    sig = 0.5 * (1.0 + np.tanh(0.5 * prod))
    num = np.add(x, sig)
    diff = np.subtract(x, y)
    den = 1.0 + np.square(diff)
    return num / den, (x, y, sig, num, diff, den)
'''),
    Variant("staged_backward", "a dict cache", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, {"x": x, "y": y, "s": s, "p": p, "d": d, "q": q}

def staged_backward(cache):
    dp = 1.0 / cache["q"]
    dd = 2.0 * cache["d"] * (-cache["p"] / cache["q"] ** 2)
    da = cache["s"] * (1.0 - cache["s"]) * dp
    return dd + dp + cache["y"] * da, -dd + cache["x"] * da
'''),
    Variant("staged_backward", "closed-form terms summed at once, from a cache of inputs only", '''
import numpy as np

def staged_forward(x, y):
    return (x + 1.0 / (1.0 + np.exp(-x * y))) / (1.0 + (x - y) ** 2), (x, y)

def staged_backward(cache):
    x, y = cache
    s = 1.0 / (1.0 + np.exp(-x * y))
    q = 1.0 + (x - y) ** 2
    common = 2.0 * (x - y) * (x + s) / q ** 2
    return (1.0 + y * s * (1.0 - s)) / q - common, x * s * (1.0 - s) / q + common
'''),
    Variant("staged_backward", "accumulated from zeros with +=, another path order", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 0.5 * (1.0 + np.tanh(0.5 * a))
    p = x + s
    d = x - y
    q = 1.0 + d * d
    return p / q, (x, y, a, s, p, d, q)

def staged_backward(cache):
    x, y, a, s, p, d, q = cache
    dx = np.zeros_like(np.asarray(x, dtype=float))
    dy = np.zeros_like(np.asarray(y, dtype=float))
    dp = 1.0 / q
    dq = -p / q ** 2
    ds = dp
    da = ds * s * (1.0 - s)
    dx += y * da
    dy += x * da
    dx += dp
    dd = 2.0 * d * dq
    dx += dd
    dy += -dd
    return dx, dy
'''),
    # ---- division_gate_by_hand (the checkpoint)
    Variant("division_gate_by_hand", "fractions in a list", '''
def division_gate_by_hand():
    return [4 / 2, -4 * 3 / 2 ** 2]
'''),
    Variant("division_gate_by_hand", "an array computed from the written derivation", '''
import numpy as np

def division_gate_by_hand():
    p, q, dout = 3.0, 2.0, 4.0
    return np.array([dout / q, -dout * p / q ** 2])
'''),
]

WRONG = [
    # ---- add_backward
    Variant("add_backward", "returns the local gradients 1", '''
def add_backward(dout):
    return 1.0, 1.0
''', "multiply it by the upstream gradient dout"),
    Variant("add_backward", "splits dout in half", '''
def add_backward(dout):
    return dout / 2, dout / 2
''', "does not split dout in half"),
    Variant("add_backward", "an object equal to everything", '''
class _Anything:
    def __eq__(self, other):
        return True

def add_backward(dout):
    return _Anything(), _Anything()
''', "should be"),
    # ---- mul_backward
    Variant("mul_backward", "local gradients only", '''
def mul_backward(dout, x, y):
    return y, x
''', "multiply it by the upstream gradient dout"),
    Variant("mul_backward", "no swap", '''
def mul_backward(dout, x, y):
    return dout * x, dout * y
''', "swapped"),
    Variant("mul_backward", "calls the reference", '''
def mul_backward(dout, x, y):
    from chainrule_reference.computational_graphs import mul_backward as _ref
    return _ref(dout, x, y)
''', "reference implementation"),
    # ---- max_backward
    Variant("max_backward", "indicator rule: double-counts at a tie", '''
import numpy as np

def max_backward(dout, x, y):
    return np.where(x >= y, dout, 0.0), np.where(y >= x, dout, 0.0)
''', "double-counts"),
    Variant("max_backward", "tie goes to y", '''
import numpy as np

def max_backward(dout, x, y):
    return np.where(x > y, dout, 0.0), np.where(x > y, 0.0, dout)
''', "the tie was sent to y"),
    Variant("max_backward", "tie goes to neither input", '''
import numpy as np

def max_backward(dout, x, y):
    return np.where(x > y, dout, 0.0), np.where(y > x, dout, 0.0)
''', "or to neither input"),
    Variant("max_backward", "routes to the smaller input", '''
import numpy as np

def max_backward(dout, x, y):
    return np.where(x <= y, dout, 0.0), np.where(x <= y, 0.0, dout)
''', "smaller input"),
    Variant("max_backward", "local gradients only", '''
import numpy as np

def max_backward(dout, x, y):
    to_x = np.asarray(x) >= np.asarray(y)
    return to_x.astype(float), (~to_x).astype(float)
''', "multiply it by the upstream gradient dout"),
    Variant("max_backward", "an if statement that works for floats only", '''
def max_backward(dout, x, y):
    if x >= y:
        return dout, 0.0
    return 0.0, dout
''', "truth value"),
    # ---- circuit_forward_backward
    Variant("circuit_forward_backward", "hard-codes the visible example", '''
def circuit_forward_backward(x, y, z):
    return -12.0, (-4.0, -4.0, 3.0)
''', None),
    Variant("circuit_forward_backward", "dz = z", '''
def circuit_forward_backward(x, y, z):
    q = x + y
    return q * z, (z, z, z)
''', "dz should be the value q = x + y"),
    Variant("circuit_forward_backward", "add gate's local gradient not multiplied by dq", '''
def circuit_forward_backward(x, y, z):
    q = x + y
    return q * z, (1.0, 1.0, q)
''', "multiply it by the gradient dq = z"),
    Variant("circuit_forward_backward", "a flat tuple of four", '''
def circuit_forward_backward(x, y, z):
    q = x + y
    return q * z, z, z, q
''', "tuple of 2 values"),
    # ---- neuron_forward_backward
    Variant("neuron_forward_backward", "sigmoid's derivative at the output", '''
import numpy as np

def neuron_forward_backward(w, x):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    f = sig(w[0] * x[0] + w[1] * x[1] + w[2])
    dz = sig(f) * (1.0 - sig(f))
    return float(f), np.array([x[0], x[1], 1.0]) * dz, w[:2] * dz
''', "taken at the output"),
    Variant("neuron_forward_backward", "no sigmoid local gradient", '''
import numpy as np

def neuron_forward_backward(w, x):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    f = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    return float(f), np.array([x[0], x[1], 1.0]), w[:2].copy()
''', "f (1 - f), is missing"),
    Variant("neuron_forward_backward", "dx uses x", '''
import numpy as np

def neuron_forward_backward(w, x):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    f = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    dz = f * (1.0 - f)
    return float(f), np.array([x[0], x[1], 1.0]) * dz, x * dz
''', "dx uses x instead of w"),
    Variant("neuron_forward_backward", "writes dw into the input w", '''
import numpy as np

def neuron_forward_backward(w, x):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    f = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    dz = f * (1.0 - f)
    dx = w[:2] * dz
    dw = w
    dw[:2] = x * dz
    dw[2] = dz
    return float(f), dw, dx
''', "in place"),
    Variant("neuron_forward_backward", "forgets the bias's gradient", '''
import numpy as np

def neuron_forward_backward(w, x):
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    f = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    dz = f * (1.0 - f)
    return float(f), x * dz, w[:2] * dz
''', "shape (2,), expected (3,)"),
    # ---- squared_error_forward_backward
    Variant("squared_error_forward_backward", "factor x missing in dw", '''
def squared_error_forward_backward(w, x, b, y):
    d = w * x + b - y
    return d ** 2, 2 * d, 2 * d
''', "the factor x of d(w x)/dw is missing"),
    Variant("squared_error_forward_backward", "dw uses w", '''
def squared_error_forward_backward(w, x, b, y):
    d = w * x + b - y
    return d ** 2, 2 * d * w, 2 * d
''', "dw uses w where x belongs"),
    Variant("squared_error_forward_backward", "square gate's factor 2 forgotten", '''
def squared_error_forward_backward(w, x, b, y):
    d = w * x + b - y
    return d ** 2, d * x, d
''', "a factor 2 is missing"),
    Variant("squared_error_forward_backward", "d = y - p without the subtract gate's -1", '''
def squared_error_forward_backward(w, x, b, y):
    d = y - (w * x + b)
    dd = 2 * d
    return d ** 2, dd * x, dd
''', "the sign is flipped"),
    Variant("squared_error_forward_backward", "db multiplied by x too", '''
def squared_error_forward_backward(w, x, b, y):
    d = w * x + b - y
    return d ** 2, 2 * d * x, 2 * d * x
''', "db should be dL/dp"),
    # ---- fanout_forward_backward
    Variant("fanout_forward_backward", "= instead of +=: only the last path is left", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    f = x * s + x ** 2
    dx = s
    dx = x * s * (1.0 - s)
    dx = 2.0 * x
    return f, dx
''', "only the last path's gradient is left"),
    Variant("fanout_forward_backward", "= instead of += in the taught reverse order: only the sigmoid path", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    m = x * s
    q = x ** 2
    f = m + q
    dm = 1.0
    dq = 1.0
    dfdx = 2.0 * x * dq
    ds = x * dm
    dfdx = s * dm
    dfdx = s * (1.0 - s) * ds
    return f, dfdx
''', "only the sigmoid path"),
    Variant("fanout_forward_backward", "= instead of +=, the direct path last", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    f = x * s + x ** 2
    dfdx = 2.0 * x
    dfdx = s * (1.0 - s) * x
    dfdx = s
    return f, dfdx
''', "only the direct path"),
    Variant("fanout_forward_backward", "drops the path through the sigmoid", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return x * s + x ** 2, s + 2.0 * x
''', "the path through sigmoid(x) was overwritten or dropped"),
    Variant("fanout_forward_backward", "drops the square's path", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return x * s + x ** 2, s + x * s * (1.0 - s)
''', "the path through x^2 was overwritten or dropped"),
    Variant("fanout_forward_backward", "forgets x's direct use in the product", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return x * s + x ** 2, x * s * (1.0 - s) + 2.0 * x
''', "the direct path"),
    Variant("fanout_forward_backward", "accumulates into the input array", '''
import numpy as np

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + np.exp(-x))
    f = x * s + x ** 2
    dx = x
    dx *= 2.0
    dx += s + x * s * (1.0 - s)
    return f, dx
''', "in place"),
    Variant("fanout_forward_backward", "the math module: floats only", '''
import math

def fanout_forward_backward(x):
    s = 1.0 / (1.0 + math.exp(-x))
    return x * s + x ** 2, s + x * s * (1.0 - s) + 2.0 * x
''', "raised TypeError"),
    # ---- staged_forward / staged_backward
    Variant("staged_forward", "the denominator without its 1", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = d ** 2 + 1e-300
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dx + dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "the denominator lost its 1",
            affects=("test_staged_backward",)),
    Variant("staged_backward", "= instead of += in the reverse order of the stages: only the path through a", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = y * da
    dy = x * da
    return dx, dy
''', "only the path through a = x y is left in dx"),
    Variant("staged_backward", "= instead of +=, the subtract gate last: only the path through d", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = y * da
    dy = x * da
    dx = dd
    dy = -dd
    return dx, dy
''', "only the path through d = x - y is left in dx"),
    Variant("staged_backward", "the direct use of x in p = x + s dropped", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dx
    ds = dp
    da = s * (1.0 - s) * ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "the path of x through p = x + s (its direct use) is missing"),
    Variant("staged_backward", "the quotient rule's sign flipped", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dx + dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "the wrong sign"),
    Variant("staged_backward", "the sigmoid's local gradient missing", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dx + dp
    ds = dp
    da = ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "the sigmoid gate's local gradient is missing"),
    Variant("staged_backward", "the square gate's factor 2 missing", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0 / q
    dq = -p / q ** 2
    dd = d * dq
    dx = dd
    dy = -dd
    dx = dx + dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "factor 2 is missing"),
    Variant("staged_backward", "the division's 1 / q missing for p", '''
import numpy as np

def staged_forward(x, y):
    a = x * y
    s = 1.0 / (1.0 + np.exp(-a))
    p = x + s
    d = x - y
    q = 1.0 + d ** 2
    return p / q, (x, y, s, p, d, q)

def staged_backward(cache):
    x, y, s, p, d, q = cache
    dp = 1.0
    dq = -p / q ** 2
    dd = 2.0 * d * dq
    dx = dd
    dy = -dd
    dx = dx + dp
    ds = dp
    da = s * (1.0 - s) * ds
    dx = dx + y * da
    dy = dy + x * da
    return dx, dy
''', "the factor 1 / q is"),
    # ---- division_gate_by_hand (the checkpoint)
    Variant("division_gate_by_hand", "dq with the wrong sign", '''
def division_gate_by_hand():
    return 2.0, 3.0
''', "wrong sign"),
    Variant("division_gate_by_hand", "local gradients without dout", '''
def division_gate_by_hand():
    return 0.5, -0.75
''', "multiply each by the upstream gradient dout"),
    Variant("division_gate_by_hand", "dq without the factor p", '''
def division_gate_by_hand():
    return 2.0, -1.0
''', "lacks the factor p"),
    Variant("division_gate_by_hand", "a guess", '''
def division_gate_by_hand():
    return 1.0, -1.5
''', "not shown"),
]
