"""Every reference function against two independent witnesses: central
differences (chainrule.gradcheck) and automatic differentiation (autograd),
on randomized shapes and values, in float64 and float32.
"""
from __future__ import annotations

import subprocess
import sys

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from chainrule.gradcheck import num_derivative, num_grad
from chainrule_reference import computational_graphs as cg
from chainrule_reference import scalar_derivatives as sd

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-4, atol=1e-6)}


def float_arrays(low=-6.0, high=6.0):
    return st.sampled_from(DTYPES).flatmap(
        lambda dt: arrays(dt, array_shapes(min_dims=1, max_dims=3, max_side=5),
                          elements=st.floats(low, high, width=32)))


def away_from_zero(z, gap=1e-3):
    return np.where(np.abs(z) < gap, gap, z).astype(z.dtype)


def elementwise(f):
    """autograd's derivative of an elementwise function, evaluated in float64."""
    grad = autograd.elementwise_grad(f)
    return lambda z: grad(np.asarray(z, dtype=np.float64))


ACTIVATIONS = [
    (sd.sigmoid_grad, lambda z: 1 / (1 + anp.exp(-z))),
    (sd.tanh_grad, anp.tanh),
    (sd.relu_grad, lambda z: anp.maximum(z, 0.0)),
    (sd.leaky_relu_grad, lambda z: anp.where(z > 0, z, 0.01 * z)),
]


@pytest.mark.parametrize("grad_fn, activation", ACTIVATIONS, ids=lambda f: getattr(f, "__name__", ""))
@given(z=float_arrays())
def test_activation_grads_match_autograd_and_central_differences(grad_fn, activation, z):
    """Do the activation derivatives agree with autograd and with central differences, keeping the dtype?"""
    z = away_from_zero(z)
    got = grad_fn(z)
    assert got.dtype == z.dtype and got.shape == z.shape
    np.testing.assert_allclose(got, elementwise(activation)(z), **TOL[z.dtype.type])
    np.testing.assert_allclose(got, num_derivative(activation, z.astype(np.float64)), rtol=1e-5, atol=1e-7)


def test_activation_grads_at_the_kink():
    """Is the course's convention at z = 0 kept: relu' = 0, leaky relu' = alpha?"""
    assert sd.relu_grad(np.array([0.0]))[0] == 0.0
    assert sd.leaky_relu_grad(np.array([0.0]), alpha=0.2)[0] == pytest.approx(0.2)
    assert sd.sigmoid_grad(np.array([-1000.0, 1000.0])).tolist() == [0.0, 0.0]


def composite(x):
    u = x ** 2 + anp.exp(x ** 2)
    return anp.sqrt(u) + anp.cos(u)


@given(x=st.floats(-1.8, 1.8))
def test_composite_matches_closed_form_and_autograd(x):
    """Is the staged backward pass of the composite equal to autograd's derivative of the closed form?"""
    f, dfdx = sd.composite_and_grad(x)
    assert f == pytest.approx(composite(x), rel=1e-12)
    assert dfdx == pytest.approx(autograd.grad(composite)(x), rel=1e-9, abs=1e-12)
    assert dfdx == pytest.approx(num_derivative(composite, x), rel=1e-5, abs=1e-7)


@given(x=st.floats(-2, 2), h=st.sampled_from([1e-2, 1e-3, 1e-4]))
def test_differences_converge_at_their_order(x, h):
    """Is the forward difference's error O(h) and the central one's O(h^2)?"""
    f, df = (lambda v: np.sin(3 * v)), (lambda v: 3 * np.cos(3 * v))
    assert abs(sd.forward_difference(f, x, h) - df(x)) <= 9 / 2 * h * 1.01 + 1e-9
    assert abs(sd.central_difference(f, x, h) - df(x)) <= 27 / 6 * h ** 2 * 1.01 + 1e-9


def test_difference_errors_slopes():
    """On log-log axes, do the forward and central errors fall with slopes 1 and 2?"""
    hs = np.logspace(-1, -3, 5)
    forward, central = sd.difference_errors(np.exp, np.exp, 0.5, hs)
    assert np.polyfit(np.log(hs), np.log(forward), 1)[0] == pytest.approx(1, abs=0.05)
    assert np.polyfit(np.log(hs), np.log(central), 1)[0] == pytest.approx(2, abs=0.05)


same_shape_pairs = st.sampled_from(DTYPES).flatmap(
    lambda dt: array_shapes(min_dims=1, max_dims=2, max_side=4).flatmap(
        lambda shape: st.tuples(*[arrays(dt, shape, elements=st.floats(-5, 5, width=32)) for _ in range(3)])))


@given(arrs=same_shape_pairs)
def test_gates_match_autograd(arrs):
    """Do add, mul and max backward equal autograd's vector-Jacobian products (ties: all to x)?"""
    dout, x, y = arrs
    tol = TOL[dout.dtype.type]
    loss = {"add": lambda a, b: anp.sum(dout * (a + b)), "mul": lambda a, b: anp.sum(dout * a * b),
            "max": lambda a, b: anp.sum(dout * anp.where(a >= b, a, b))}
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    for name, got in [("add", cg.add_backward(dout)), ("mul", cg.mul_backward(dout, x, y)),
                      ("max", cg.max_backward(dout, x, y))]:
        expected = autograd.grad(loss[name], (0, 1))(x64, y64)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, **tol)


def test_max_backward_tie_goes_to_x():
    """On a tie, does the whole gradient go to x and none to y?"""
    dx, dy = cg.max_backward(np.array([3.0]), np.array([1.0]), np.array([1.0]))
    assert dx.tolist() == [3.0] and dy.tolist() == [0.0]


def test_circuit_worked_example():
    """Does (x + y) z at (-2, 5, -4) give -12 and gradients (-4, -4, 3)?"""
    assert cg.circuit_forward_backward(-2.0, 5.0, -4.0) == (-12.0, (-4.0, -4.0, 3.0))


@given(v=arrays(np.float64, 3, elements=st.floats(-4, 4)))
def test_scalar_circuits_match_autograd(v):
    """Do the circuit, squared-error and fan-out backward passes equal autograd's gradients?"""
    x, y, z = v
    f, grads = cg.circuit_forward_backward(x, y, z)
    np.testing.assert_allclose(grads, autograd.grad(lambda a: (a[0] + a[1]) * a[2])(v), rtol=1e-12, atol=1e-12)
    w, b, t = v
    L, dw, db = cg.squared_error_forward_backward(w, 1.7, b, t)
    np.testing.assert_allclose([dw, db], autograd.grad(lambda a: (a[0] * 1.7 + a[1] - t) ** 2)(np.array([w, b])),
                               rtol=1e-10, atol=1e-10)
    f, dfdx = cg.fanout_forward_backward(x)
    expected = autograd.grad(lambda a: a / (1 + anp.exp(-a)) + a ** 2)(x)
    assert dfdx == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert dfdx == pytest.approx(num_derivative(lambda a: cg.fanout_forward_backward(a)[0], x), rel=1e-6, abs=1e-8)


@given(w=arrays(np.float64, 3, elements=st.floats(-3, 3)), x=arrays(np.float64, 2, elements=st.floats(-3, 3)))
def test_neuron_matches_autograd_and_central_differences(w, x):
    """Are the sigmoid neuron's dw and dx autograd's and central differences' gradients?"""
    def neuron(w_, x_):
        return 1 / (1 + anp.exp(-(w_[0] * x_[0] + w_[1] * x_[1] + w_[2])))
    f, dw, dx = cg.neuron_forward_backward(w, x)
    assert f == pytest.approx(neuron(w, x), rel=1e-12)
    np.testing.assert_allclose(dw, autograd.grad(neuron, 0)(w, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, autograd.grad(neuron, 1)(w, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, num_grad(lambda a: neuron(a, x), w), rtol=1e-5, atol=1e-8)


def test_the_package_registers_every_reference_function_without_the_grading_tools():
    """Does `import chainrule_reference` register every reference function, without loading nbgrader or nbconvert?

    A notebook's first test cell imports it, so nbconvert's seconds of start-up would be paid in every notebook.
    """
    code = ("import sys, importlib, pkgutil, chainrule_reference as c\n"
            "heavy = sorted(m for m in ('nbconvert', 'nbgrader', 'sqlalchemy') if m in sys.modules)\n"
            "n = len(c.REFERENCE)\n"
            "for i in pkgutil.iter_modules(c.__path__):\n"
            "    importlib.import_module('chainrule_reference.' + i.name)\n"
            "print(heavy, n, len(c.REFERENCE))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "[]", out
    assert out[1] == out[2] and int(out[1]) > 50
