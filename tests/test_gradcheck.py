"""The numerical-differentiation helpers learners and checks rely on."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from chainrule.gradcheck import num_derivative, num_grad, num_jacobian, num_vjp


def f_scalar(x):
    return anp.sum(anp.sin(x) * x ** 2)


def test_num_grad_matches_autograd_and_leaves_x_alone():
    """Is num_grad autograd's gradient, with the input unchanged afterwards?"""
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    np.testing.assert_allclose(num_grad(f_scalar, x), autograd.grad(f_scalar)(x), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_num_grad_works_in_float64_for_float32_input():
    """Does a float32 input get a float64 gradient of float64 accuracy?"""
    x = np.linspace(-1, 1, 5, dtype=np.float32)
    g = num_grad(lambda v: np.sum(v ** 3), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x.astype(np.float64) ** 2, rtol=1e-8, atol=1e-9)


def test_num_jacobian_is_numerator_layout():
    """Is the Jacobian (m, n) with J[i, j] = df_i/dx_j, matching autograd's?"""
    W = np.random.default_rng(1).normal(size=(2, 3))
    x = np.array([0.3, -0.2, 0.5])
    f = lambda v: anp.tanh(anp.dot(W, v))  # noqa: E731
    J = num_jacobian(f, x)
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, autograd.jacobian(f)(x), rtol=1e-7, atol=1e-10)


def test_num_vjp_pulls_back_the_upstream_gradient():
    """Is num_vjp(f, x, dout) the gradient of sum(f(x) * dout)?"""
    rng = np.random.default_rng(2)
    x, w, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(num_vjp(lambda v: v @ w, x, dout), dout @ w.T, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("h", [1e-3, 1e-5])
def test_num_derivative_scalar_and_array(h):
    """Does num_derivative return a float for a float and an array for an array?"""
    assert isinstance(num_derivative(np.sin, 0.5, h), float)
    assert num_derivative(np.sin, 0.5, h) == pytest.approx(np.cos(0.5), rel=h)
    np.testing.assert_allclose(num_derivative(np.exp, np.zeros(3), h), np.ones(3), rtol=h)


def test_numerical_tools_refuse_to_answer_for_graded_code():
    """Do the course's numerical tools refuse to run as a learner's graded answer?"""
    from chainrule.checking import CheckFailure, learner_code

    with learner_code(), pytest.raises(CheckFailure, match="compute their answer themselves"):
        num_grad(np.sum, np.ones(2))
    np.testing.assert_allclose(num_grad(np.sum, np.ones(2)), [1.0, 1.0], rtol=1e-9)
