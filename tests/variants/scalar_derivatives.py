"""Other correct implementations and common mistakes for notebook 01, scalar derivatives.

``VALID`` variants must keep full marks; ``WRONG`` ones must fail their test cell, with a
message that contains ``diagnosis`` (case-insensitive) where one is given.
"""
from __future__ import annotations

from . import Variant

__all__ = ["NOTEBOOK", "VALID", "WRONG"]

NOTEBOOK = "01-scalar-derivatives"

VALID = [
    # forward_difference
    Variant("forward_difference", "f(x) evaluated once into a variable", '''
def forward_difference(f, x, h=1e-5):
    fx = f(x)
    return (f(x + h) - fx) / h
'''),
    Variant("forward_difference", "divides by the step actually taken, (x + h) - x", '''
def forward_difference(f, x, h=1e-5):
    x_plus = x + h
    step = x_plus - x
    return (f(x_plus) - f(x)) / step
'''),
    Variant("forward_difference", "a loop over the entries with np.ndindex", '''
import numpy as np

def forward_difference(f, x, h=1e-5):
    if np.ndim(x) == 0:
        return (f(x + h) - f(x)) / h
    out = np.empty(np.shape(x))
    for index in np.ndindex(np.shape(x)):
        out[index] = (f(x[index] + h) - f(x[index])) / h
    return out
'''),
    # central_difference
    Variant("central_difference", "half of the quotient by h", '''
def central_difference(f, x, h=1e-5):
    return 0.5 * (f(x + h) - f(x - h)) / h
'''),
    Variant("central_difference", "the mean of the forward and backward differences", '''
def central_difference(f, x, h=1e-5):
    forward = (f(x + h) - f(x)) / h
    backward = (f(x) - f(x - h)) / h
    return (forward + backward) / 2
'''),
    # difference_errors
    Variant("difference_errors", "a loop over the steps into preallocated arrays", '''
import numpy as np

def difference_errors(f, df, x, hs):
    exact = df(x)
    forward, central = np.empty(len(hs)), np.empty(len(hs))
    for i, h in enumerate(hs):
        forward[i] = abs((f(x + h) - f(x)) / h - exact)
        central[i] = abs((f(x + h) - f(x - h)) / (2 * h) - exact)
    return forward, central
'''),
    Variant("difference_errors", "a loop with append, the math module's fabs", '''
import math
import numpy as np

def difference_errors(f, df, x, hs):
    forward, central = [], []
    for h in hs:
        forward.append(math.fabs((f(x + h) - f(x)) / h - df(x)))
        central.append(math.fabs((f(x + h) - f(x - h)) / (2 * h) - df(x)))
    return np.array(forward), np.array(central)
'''),
    # sigmoid_grad
    Variant("sigmoid_grad", "stable sigmoid through tanh", '''
import numpy as np

def sigmoid_grad(z):
    s = 0.5 * (1 + np.tanh(0.5 * z))
    return s * (1 - s)
'''),
    Variant("sigmoid_grad", "the quotient e^-z / (1 + e^-z)^2", '''
import numpy as np

def sigmoid_grad(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2
'''),
    Variant("sigmoid_grad", "s - s**2 with the sign of the exponent flipped (symmetric)", '''
import numpy as np

def sigmoid_grad(z):
    s = 1 / (1 + np.exp(z))
    return s - s ** 2
'''),
    # tanh_grad
    Variant("tanh_grad", "1 / cosh^2", '''
import numpy as np

def tanh_grad(z):
    return 1 / np.cosh(z) ** 2
'''),
    Variant("tanh_grad", "(1 - t)(1 + t)", '''
import numpy as np

def tanh_grad(z):
    t = np.tanh(z)
    return (1 - t) * (1 + t)
'''),
    Variant("tanh_grad", "through the sigmoid: tanh(z) = 2 sigmoid(2z) - 1", '''
import numpy as np

def tanh_grad(z):
    s = 1 / (1 + np.exp(-2 * z))
    return 4 * s * (1 - s)
'''),
    # relu_grad
    Variant("relu_grad", "boolean mask cast to float", '''
import numpy as np

def relu_grad(z):
    return (np.asarray(z) > 0).astype(np.float64)
'''),
    Variant("relu_grad", "np.heaviside with 0 at the kink", '''
import numpy as np

def relu_grad(z):
    return np.heaviside(z, 0.0)
'''),
    Variant("relu_grad", "in-place work on a copy", '''
import numpy as np

def relu_grad(z):
    grad = np.array(z, dtype=np.float64)
    grad[grad <= 0] = 0.0
    grad[grad > 0] = 1.0
    return grad
'''),
    Variant("relu_grad", "np.vectorize of a Python conditional", '''
import numpy as np

def relu_grad(z):
    return np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[np.float64])(z)
'''),
    # leaky_relu_grad
    Variant("leaky_relu_grad", "alpha plus (1 - alpha) times the mask", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    return alpha + (1 - alpha) * (np.asarray(z) > 0)
'''),
    Variant("leaky_relu_grad", "in-place work on a copy", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    grad = np.ones_like(np.asarray(z, dtype=np.float64))
    grad[np.asarray(z) <= 0] = alpha
    return grad
'''),
    # composite_and_grad
    Variant("composite_and_grad", "the closed form", '''
import numpy as np

def composite_and_grad(x):
    c = x ** 2 + np.exp(x ** 2)
    f = np.sqrt(c) + np.cos(c)
    return f, 2 * x * (1 + np.exp(x ** 2)) * (1 / (2 * np.sqrt(c)) - np.sin(c))
'''),
    Variant("composite_and_grad", "staged with the math module, other association order", '''
import math

def composite_and_grad(x):
    u1 = x * x
    u2 = math.exp(u1)
    u3 = u1 + u2
    u4 = math.sqrt(u3)
    u5 = math.cos(u3)
    u6 = u4 + u5
    du3 = 0.5 / u4 - math.sin(u3)
    du1 = du3 * (1 + u2)
    return u6, 2 * x * du1
'''),
]

WRONG = [
    # forward_difference
    Variant("forward_difference", "the central difference instead", '''
def forward_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)
''', "this is the central difference"),
    Variant("forward_difference", "the backward difference", '''
def forward_difference(f, x, h=1e-5):
    return (f(x) - f(x - h)) / h
''', "backward difference"),
    Variant("forward_difference", "the step passed in is ignored", '''
def forward_difference(f, x, h=1e-5):
    return (f(x + 1e-5) - f(x)) / 1e-5
''', "step h passed in was ignored"),
    Variant("forward_difference", "divides by 2h", '''
def forward_difference(f, x, h=1e-5):
    return (f(x + h) - f(x)) / (2 * h)
''', "divided by 2h where h belongs"),
    Variant("forward_difference", "calls the reference implementation", '''
def forward_difference(f, x, h=1e-5):
    from chainrule_reference.scalar_derivatives import forward_difference as _ref
    return _ref(f, x, h)
''', "reference implementation"),
    # central_difference
    Variant("central_difference", "the forward difference instead", '''
def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h
''', "this is the forward difference"),
    Variant("central_difference", "divides by h instead of 2h", '''
def central_difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / h
''', "divided by h where 2h belongs"),
    Variant("central_difference", "the step passed in is ignored", '''
def central_difference(f, x, h=1e-5):
    return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5
''', "step h passed in was ignored"),
    Variant("central_difference", "hard-codes the visible example", '''
import numpy as np

def central_difference(f, x, h=1e-5):
    if np.ndim(x) == 0 and x == 1.0 and h == 0.1:
        return 3.01
    return np.cos(x)
''', None),
    # difference_errors
    Variant("difference_errors", "signed errors", '''
import numpy as np

def difference_errors(f, df, x, hs):
    hs = np.asarray(hs, dtype=np.float64)
    forward = (f(x + hs) - f(x)) / hs - df(x)
    central = (f(x + hs) - f(x - hs)) / (2 * hs) - df(x)
    return forward, central
''', "take the absolute value"),
    Variant("difference_errors", "the two arrays swapped", '''
import numpy as np

def difference_errors(f, df, x, hs):
    hs = np.asarray(hs, dtype=np.float64)
    forward = np.abs((f(x + hs) - f(x)) / hs - df(x))
    central = np.abs((f(x + hs) - f(x - hs)) / (2 * hs) - df(x))
    return central, forward
''', "swapped"),
    Variant("difference_errors", "relative errors", '''
import numpy as np

def difference_errors(f, df, x, hs):
    hs = np.asarray(hs, dtype=np.float64)
    exact = df(x)
    forward = np.abs((f(x + hs) - f(x)) / hs - exact) / abs(exact)
    central = np.abs((f(x + hs) - f(x - hs)) / (2 * hs) - exact) / abs(exact)
    return forward, central
''', "relative errors"),
    Variant("difference_errors", "lists instead of arrays", '''
def difference_errors(f, df, x, hs):
    forward = [abs((f(x + h) - f(x)) / h - df(x)) for h in hs]
    central = [abs((f(x + h) - f(x - h)) / (2 * h) - df(x)) for h in hs]
    return forward, central
''', "should be a NumPy array"),
    Variant("difference_errors", "hard-codes the visible example's answer", '''
import numpy as np

def difference_errors(f, df, x, hs):
    return (np.array([4.29386e-02, 4.21632e-03, 4.20826e-04]),
            np.array([9.00054e-04, 9.00499e-06, 9.00505e-08]))
''', None),
    # sigmoid_grad
    Variant("sigmoid_grad", "s(1 - s) applied to z itself", '''
def sigmoid_grad(z):
    return z * (1 - z)
''', "applied to z itself"),
    Variant("sigmoid_grad", "returns the sigmoid", '''
import numpy as np

def sigmoid_grad(z):
    return 1 / (1 + np.exp(-z))
''', "this is sigmoid(z)"),
    Variant("sigmoid_grad", "the square in the denominator is missing", '''
import numpy as np

def sigmoid_grad(z):
    return np.exp(-z) / (1 + np.exp(-z))
''', "square in the denominator is missing"),
    Variant("sigmoid_grad", "wrong sign", '''
import numpy as np

def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))
    return s * (s - 1)
''', "sign is flipped"),
    Variant("sigmoid_grad", "calls the reference implementation", '''
def sigmoid_grad(z):
    from chainrule_reference.scalar_derivatives import sigmoid_grad as _ref
    return _ref(z)
''', "reference implementation"),
    # tanh_grad
    Variant("tanh_grad", "1 - z^2, the derivative taken at the output's formula", '''
def tanh_grad(z):
    return 1 - z ** 2
''', "applied to z itself"),
    Variant("tanh_grad", "returns tanh", '''
import numpy as np

def tanh_grad(z):
    return np.tanh(z)
''', "this is tanh(z)"),
    Variant("tanh_grad", "the square is missing", '''
import numpy as np

def tanh_grad(z):
    return 1 - np.tanh(z)
''', "the square is missing"),
    Variant("tanh_grad", "returns an object that equals everything", '''
class _AlwaysEqual:
    def __eq__(self, other):
        return True

def tanh_grad(z):
    return _AlwaysEqual()
''', "should be"),
    # relu_grad
    Variant("relu_grad", "1 at the kink (z >= 0)", '''
import numpy as np

def relu_grad(z):
    return np.where(z >= 0, 1.0, 0.0)
''', "use z > 0, not z >= 0"),
    Variant("relu_grad", "returns relu itself", '''
import numpy as np

def relu_grad(z):
    return np.maximum(z, 0.0)
''', "this is relu(z)"),
    Variant("relu_grad", "the two sides swapped", '''
import numpy as np

def relu_grad(z):
    return np.where(z > 0, 0.0, 1.0)
''', "two sides are swapped"),
    Variant("relu_grad", "modifies its input in place", '''
import numpy as np

def relu_grad(z):
    z[z <= 0] = 0.0
    z[z > 0] = 1.0
    return z
''', "in place"),
    Variant("relu_grad", "returns booleans", '''
import numpy as np

def relu_grad(z):
    return np.asarray(z) > 0
''', "real numbers"),
    # leaky_relu_grad
    Variant("leaky_relu_grad", "1 at the kink (z >= 0)", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    return np.where(z >= 0, 1.0, alpha)
''', "use z > 0, not z >= 0"),
    Variant("leaky_relu_grad", "alpha passed in is ignored", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.01)
''', "alpha passed in was ignored"),
    Variant("leaky_relu_grad", "slope 0 on the left, as for ReLU", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.0)
''', "should be alpha, not 0"),
    Variant("leaky_relu_grad", "alpha times z on the left", '''
import numpy as np

def leaky_relu_grad(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha * z)
''', "alpha was multiplied by z"),
    # composite_and_grad
    Variant("composite_and_grad", "the factor 2x missing", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = 1 / (2 * u4) - np.sin(u3)
    du1 = du3 + du3 * u2
    return u6, du1
''', "factor 2x"),
    Variant("composite_and_grad", "the path through u2 = exp(u1) not added", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = 1 / (2 * u4) - np.sin(u3)
    du1 = du3
    return u6, du1 * 2 * x
''', "path through u2 = exp(u1) was not added"),
    Variant("composite_and_grad", "the direct path u1 -> u3 overwritten by the path through u2", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = 1 / (2 * u4) - np.sin(u3)
    du1 = du3
    du1 = du3 * u2
    return u6, du1 * 2 * x
''', "direct path from u1"),
    Variant("composite_and_grad", "the path through u5 = cos(u3) overwritten", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = -np.sin(u3)
    du3 = 1 / (2 * u4)
    du1 = du3 + du3 * u2
    return u6, du1 * 2 * x
''', "path through u5 = cos(u3)"),
    Variant("composite_and_grad", "d cos(u3)/du3 taken as +sin(u3)", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = 1 / (2 * u4) + np.sin(u3)
    du1 = du3 + du3 * u2
    return u6, du1 * 2 * x
''', "sign of the sin term"),
    Variant("composite_and_grad", "d sqrt(u3)/du3 taken as 1 / sqrt(u3)", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.cos(u3); u6 = u4 + u5
    du3 = 1 / u4 - np.sin(u3)
    du1 = du3 + du3 * u2
    return u6, du1 * 2 * x
''', "factor 1/2"),
    Variant("composite_and_grad", "f computed with sin instead of cos", '''
import numpy as np

def composite_and_grad(x):
    u1 = x ** 2; u2 = np.exp(u1); u3 = u1 + u2; u4 = np.sqrt(u3); u5 = np.sin(u3); u6 = u4 + u5
    du3 = 1 / (2 * u4) + np.cos(u3)
    du1 = du3 + du3 * u2
    return u6, du1 * 2 * x
''', None),
    Variant("composite_and_grad", "calls the reference implementation", '''
def composite_and_grad(x):
    from chainrule_reference.scalar_derivatives import composite_and_grad as _ref
    return _ref(x)
''', "reference implementation"),
]
