"""Notebook 04, layout conventions: every reference function against central
differences (chainrule.gradcheck) and autograd, on random shapes (m != n, m = 1,
n = 1, square) in float64 and float32; the seven identities of the notebook; and
the named mistakes of the visible checks and hidden tests.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chainrule import CheckFailure
from chainrule.checking import expect_close
from chainrule.gradcheck import num_grad, num_jacobian
from chainrule.visible.layouts import layout_mistakes
from chainrule_reference import layouts as L
from chainrule_reference.hidden import TESTS_BY_NOTEBOOK
from chainrule_reference.spec import draw_inputs

pytestmark = pytest.mark.nb04

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-4, atol=1e-4)}
NUM = dict(rtol=1e-5, atol=1e-7)
sides = st.integers(1, 5)


def draw_array(data, dtype, shape, low=-3.0, high=3.0):
    return data.draw(arrays(dtype, shape, elements=st.floats(low, high, width=32)))


def f64(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


@given(data=st.data(), m=sides, n=sides, dtype=st.sampled_from(DTYPES))
def test_column_form_gradients_match_autograd_and_central_differences(data, m, n, dtype):
    """For z = W x, are dL/dx (n, 1) and dL/dW (m, n) the gradients of L = delta z, in the inputs' dtype?"""
    W, x, delta = (draw_array(data, dtype, s) for s in [(m, n), (n, 1), (1, m)])
    W64, x64, d64 = f64(W, x, delta)

    def loss(W_, x_):
        return anp.sum(anp.dot(d64, anp.dot(W_, x_)))

    dx, dW = L.column_dJ_dx(W, delta), L.column_dJ_dW(delta, x)
    assert (dx.shape, dx.dtype, dW.shape, dW.dtype) == ((n, 1), dtype, (m, n), dtype)
    np.testing.assert_allclose(dx, autograd.grad(loss, 1)(W64, x64), **TOL[dtype])
    np.testing.assert_allclose(dW, autograd.grad(loss, 0)(W64, x64), **TOL[dtype])
    if dtype == np.float64:
        np.testing.assert_allclose(dx, num_grad(lambda v: loss(W64, v), x64), **NUM)
        np.testing.assert_allclose(dW, num_grad(lambda v: loss(v, x64), W64), **NUM)


@given(data=st.data(), m=sides, n=sides, dtype=st.sampled_from(DTYPES))
def test_row_form_gradients_match_autograd_and_central_differences(data, m, n, dtype):
    """For z = x W, are dL/dx (1, n) and dL/dW (n, m) the gradients of L = z delta^T, in the inputs' dtype?"""
    W, x, delta = (draw_array(data, dtype, s) for s in [(n, m), (1, n), (1, m)])
    W64, x64, d64 = f64(W, x, delta)

    def loss(W_, x_):
        return anp.sum(anp.dot(anp.dot(x_, W_), d64.T))

    dx, dW = L.row_dJ_dx(W, delta), L.row_dJ_dW(x, delta)
    assert (dx.shape, dx.dtype, dW.shape, dW.dtype) == ((1, n), dtype, (n, m), dtype)
    np.testing.assert_allclose(dx, autograd.grad(loss, 1)(W64, x64), **TOL[dtype])
    np.testing.assert_allclose(dW, autograd.grad(loss, 0)(W64, x64), **TOL[dtype])
    if dtype == np.float64:
        np.testing.assert_allclose(dx, num_grad(lambda v: loss(W64, v), x64), **NUM)
        np.testing.assert_allclose(dW, num_grad(lambda v: loss(v, x64), W64), **NUM)


@given(data=st.data(), m=sides, n=sides)
def test_row_form_is_the_column_form_transposed(data, m, n):
    """Is z = x W the column form with W^T, so that its gradients are the column form's, transposed?"""
    W, x, delta = (draw_array(data, np.float64, s) for s in [(m, n), (n, 1), (1, m)])
    np.testing.assert_allclose(L.row_dJ_dx(W.T, delta), L.column_dJ_dx(W, delta).T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(L.row_dJ_dW(x.T, delta), L.column_dJ_dW(delta, x).T, rtol=1e-12, atol=1e-14)


def test_one_input_and_one_output():
    """With n = 1 or m = 1 (rows and columns of one entry), are the shapes and values still right?"""
    W = np.array([[2.0], [-1.0], [0.5]])               # m = 3, n = 1
    delta = np.array([[1.5, -2.0, 3.0]])
    assert L.column_dJ_dx(W, delta).shape == (1, 1)
    assert L.column_dJ_dx(W, delta)[0, 0] == pytest.approx(1.5 * 2 + 2.0 + 1.5)
    W1 = np.array([[2.0, -1.0, 0.5]])                  # m = 1, n = 3
    d1 = np.array([[-2.5]])
    np.testing.assert_allclose(L.column_dJ_dx(W1, d1), -2.5 * W1.T)
    np.testing.assert_allclose(L.column_dJ_dW(d1, np.array([[1.0], [2.0], [3.0]])), [[-2.5, -5.0, -7.5]])
    np.testing.assert_allclose(L.row_dJ_dW(np.array([[4.0]]), delta), 4.0 * delta)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@given(data=st.data(), shape=shapes, dtype=st.sampled_from(DTYPES))
def test_to_shape_convention_matches_autograd_gradient(data, shape, dtype):
    """Does the (1, k) Jacobian of a scalar, put back into the parameter's shape, equal autograd's gradient?"""
    p = draw_array(data, np.float64, shape)
    c = np.arange(1.0, p.size + 1).reshape(shape)

    def loss(v):
        return anp.sum(c * anp.sin(v) + 0.5 * v ** 2)

    row = autograd.grad(lambda flat: loss(anp.reshape(flat, shape)))(p.ravel())[None, :]   # C order, (1, k)
    out = L.to_shape_convention(row.astype(dtype), shape)
    assert out.shape == shape and out.dtype == dtype
    np.testing.assert_allclose(out, autograd.grad(loss)(p), **TOL[dtype])
    if dtype == np.float64:
        np.testing.assert_allclose(L.to_shape_convention(num_jacobian(loss, p), shape), num_grad(loss, p), **NUM)


def test_to_shape_convention_uses_c_order():
    """Does column i * cols + j of the Jacobian land at (i, j), not where Fortran order would put it?"""
    row = np.array([[11.0, 12.0, 13.0, 21.0, 22.0, 23.0]])
    np.testing.assert_array_equal(L.to_shape_convention(row, (2, 3)), [[11, 12, 13], [21, 22, 23]])
    np.testing.assert_array_equal(L.to_shape_convention(row, [3, 2]), [[11, 12], [13, 21], [22, 23]])


@given(data=st.data(), N=sides, M=sides, keepdims=st.booleans(), dtype=st.sampled_from(DTYPES))
def test_bias_gradient_matches_autograd_and_central_differences(data, N, M, keepdims, dtype):
    """Is the gradient of a bias broadcast over N rows the sum of dout over axis 0, shaped (M,) or (1, M)?"""
    dout = draw_array(data, dtype, (N, M))
    z = draw_array(data, np.float64, (N, M))
    (d64,) = f64(dout)
    b = np.zeros((1, M) if keepdims else (M,))

    def loss(b_):
        return anp.sum(d64 * (z + b_))

    db = L.bias_gradient(dout, keepdims)
    assert db.shape == b.shape and db.dtype == dtype
    np.testing.assert_allclose(db, autograd.grad(loss)(b), **TOL[dtype])
    np.testing.assert_allclose(db, num_grad(loss, b), rtol=1e-5, atol=1e-6)


def test_bias_gradient_default_and_single_example():
    """Is keepdims False by default, and with N = 1 is the answer dout's only row?"""
    dout = np.array([[1.0, -2.0, 0.5]])
    assert L.bias_gradient(dout).shape == (3,)
    np.testing.assert_array_equal(L.bias_gradient(dout), dout[0])
    np.testing.assert_array_equal(L.bias_gradient(dout, keepdims=True), dout)


# ---- the identities the notebook verifies ------------------------------------------------------

@given(data=st.data(), m=sides, n=sides)
def test_identities_one_to_four_match_autograd(data, m, n):
    """Are dz/dx = W (z = W x), W^T (z = x W), I (z = x) and diag(f'(x)) the Jacobians autograd finds?"""
    W = draw_array(data, np.float64, (m, n))
    x = draw_array(data, np.float64, (n,))
    np.testing.assert_allclose(autograd.jacobian(lambda v: anp.dot(W, v))(x), W, atol=1e-14)
    np.testing.assert_allclose(autograd.jacobian(lambda v: anp.dot(v, W.T))(x), W, atol=1e-14)   # z = x W', W' = W^T
    np.testing.assert_allclose(autograd.jacobian(lambda v: 1.0 * v)(x), np.eye(n), atol=1e-14)
    np.testing.assert_allclose(autograd.jacobian(anp.tanh)(x), np.diag(1 - np.tanh(x) ** 2), atol=1e-14)
    np.testing.assert_allclose(num_jacobian(lambda v: v @ W.T, x[None, :]), W, rtol=1e-6, atol=1e-8)


@given(theta=arrays(np.float64, st.integers(2, 6), elements=st.floats(-5, 5)), data=st.data())
def test_softmax_cross_entropy_gradient_is_yhat_minus_y(theta, data):
    """Identity 7: is the gradient of CE(y, softmax(theta)) with respect to theta equal to yhat - y?"""
    label = data.draw(st.integers(0, theta.size - 1))
    y = np.eye(theta.size)[label]

    def loss(v):
        return -anp.sum(y * (v - anp.max(v) - anp.log(anp.sum(anp.exp(v - anp.max(v))))))

    y_hat = np.exp(theta - theta.max()) / np.sum(np.exp(theta - theta.max()))
    np.testing.assert_allclose(autograd.grad(loss)(theta), y_hat - y, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(num_grad(loss, theta), y_hat - y, rtol=1e-5, atol=1e-8)


# ---- the named mistakes --------------------------------------------------------------------------

def _hidden_cases():
    for test in TESTS_BY_NOTEBOOK["04-layout-conventions"]:
        for index, inputs in enumerate(draw_inputs(test)):
            yield pytest.param(test, inputs, id=f"{test.name}-case{index + 1}")


@pytest.mark.parametrize("test, inputs", list(_hidden_cases()))
def test_every_named_mistake_is_recognised(test, inputs):
    """Does each known wrong answer on a hidden input fail with its own diagnosis (or that of an equal one)?"""
    name = test.functions[0]
    expected = test.run({name: getattr(L, name)}, inputs)
    mistakes = layout_mistakes(name, **inputs)
    assert mistakes, "every case should have some named mistakes"
    for text, value in mistakes:
        wrong = np.asarray(value).astype(expected.dtype)
        assert not (wrong.shape == expected.shape and np.allclose(wrong, expected)), text
        with pytest.raises(CheckFailure) as failure:
            expect_close(wrong, expected, name=name, rtol=test.rtol, atol=test.atol, same_dtype=True,
                         mistakes={name: mistakes})
        first_equal = next(t for t, v in mistakes
                           if np.shape(v) == wrong.shape and np.allclose(v, wrong, rtol=1e-5, atol=1e-8))
        assert first_equal in str(failure.value)
