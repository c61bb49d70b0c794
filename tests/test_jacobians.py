"""Notebook 03's reference functions against two independent witnesses: central differences
(chainrule.gradcheck) and automatic differentiation (autograd), on randomized shapes and values, in
float64 and float32; plus the edge cases the notebook cares about (one entry, M = 1 or N = 1, huge
scores, an x that must come back untouched) and the EntryWatcher that its checks rely on.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from chainrule.checking import CheckFailure
from chainrule.gradcheck import num_grad, num_jacobian
from chainrule.visible.jacobians import EntryWatcher
from chainrule_reference import jacobians as jac

pytestmark = pytest.mark.nb03

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-9, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-6)}
# Central differences (h = 1e-5) against an exact derivative: truncation and round-off error.
NUMERIC = dict(rtol=1e-6, atol=1e-8)


def numeric_tol(dtype):
    """Tolerance against central differences for a result computed in ``dtype``."""
    return NUMERIC if dtype == np.float64 else TOL[np.float32]


def float_arrays(shapes, low=-2.0, high=2.0, dtypes=DTYPES):
    return st.sampled_from(dtypes).flatmap(
        lambda dt: shapes.flatmap(lambda shape: arrays(dt, shape, elements=st.floats(low, high, width=32))))


def vectors(min_side=1, max_side=5, **kwargs):
    return float_arrays(st.integers(min_side, max_side).map(lambda n: (n,)), **kwargs)


def coupled(x):
    """A smooth scalar function in which every entry of x meets every other one."""
    return anp.log(anp.sum(anp.exp(anp.sin(x) + 0.5 * x))) + anp.sum(x ** 3) / 3


# ---- numerical_gradient and numerical_jacobian --------------------------------------------------

@given(x=float_arrays(array_shapes(min_dims=1, max_dims=3, max_side=4)))
def test_numerical_gradient_matches_autograd_any_shape(x):
    """Is numerical_gradient autograd's gradient, in float64 and with x's shape, for x of any shape and dtype?"""
    before = x.copy()
    got = jac.numerical_gradient(coupled, x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, autograd.grad(coupled)(x.astype(np.float64)), **NUMERIC)
    np.testing.assert_array_equal(x, before)
    assert x.dtype == before.dtype


@given(x=vectors(max_side=4), h=st.sampled_from([1e-2, 1e-3, 2.0 ** -10]))
def test_numerical_gradient_uses_the_given_step(x, h):
    """With a large step, is the result the central difference for that step (not for 1e-5)?"""
    cubic = lambda v: float(np.sum(v ** 3))  # noqa: E731 - central differences of v^3: 3v^2 + h^2 exactly
    np.testing.assert_allclose(jac.numerical_gradient(cubic, x, h), 3 * x.astype(np.float64) ** 2 + h ** 2,
                               rtol=1e-7, atol=1e-9)


@given(data=st.data(), n=st.integers(1, 5), m=st.integers(1, 4))
def test_numerical_jacobian_matches_autograd_and_is_m_by_n(data, n, m):
    """Is numerical_jacobian the (m, n) Jacobian of autograd, for one input or one output too?"""
    x = data.draw(vectors(n, n))
    W = data.draw(arrays(np.float64, (m, n), elements=st.floats(-1.5, 1.5)))

    def layer(v):
        return anp.tanh(anp.dot(W, v)) + 0.25 * anp.dot(W, v) ** 2

    before = x.copy()
    got = jac.numerical_jacobian(layer, x)
    assert got.shape == (m, n) and got.dtype == np.float64
    np.testing.assert_allclose(got, autograd.jacobian(layer)(x.astype(np.float64)), **NUMERIC)
    np.testing.assert_allclose(got, num_jacobian(layer, x), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, before)


def test_numerical_helpers_leave_a_float32_x_untouched_and_work_in_float64():
    """Does a float32 x come back unchanged, with a result as precise as from its float64 copy?"""
    x = np.array([0.3, -1.1, 0.7], dtype=np.float32)
    before = x.copy()
    g32 = jac.numerical_gradient(coupled, x)
    g64 = jac.numerical_gradient(coupled, x.astype(np.float64))
    np.testing.assert_array_equal(g32, g64)
    np.testing.assert_array_equal(jac.numerical_jacobian(np.sin, x),
                                  jac.numerical_jacobian(np.sin, x.astype(np.float64)))
    np.testing.assert_array_equal(x, before)


def test_entry_watcher_names_an_entry_left_moved():
    """Does the checks' EntryWatcher stop a helper that leaves one entry moved, and let a correct one through?"""
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    watcher = EntryWatcher(lambda v: float(np.sum(v ** 2)), x, 1e-5)
    np.testing.assert_allclose(jac.numerical_gradient(watcher, x), 2 * x, **NUMERIC)
    moved = x.copy()
    moved[0, 0] += 1e-5
    moved[1, 1] -= 1e-5
    with pytest.raises(CheckFailure, match="2 entries of x moved at once"):
        watcher(moved)
    with pytest.raises(CheckFailure, match="shape"):
        watcher(x.ravel())


# ---- elementwise and softmax Jacobians ----------------------------------------------------------

@given(x=vectors())
def test_elementwise_jacobian_matches_autograd(x):
    """Is elementwise_jacobian(tanh') the Jacobian of tanh by autograd and by central differences?"""
    got = jac.elementwise_jacobian(lambda v: 1 - np.tanh(v) ** 2, x)
    assert got.shape == (x.size, x.size)
    tol = TOL[x.dtype.type]
    np.testing.assert_allclose(got, autograd.jacobian(anp.tanh)(x.astype(np.float64)), **tol)
    np.testing.assert_allclose(got, num_jacobian(np.tanh, x), **numeric_tol(x.dtype))


def softmax(x):
    e = anp.exp(x - anp.max(x))
    return e / anp.sum(e)


@given(x=vectors(max_side=6, low=-8.0, high=8.0))
def test_softmax_jacobian_matches_autograd(x):
    """Is diag(s) - s s^T the softmax Jacobian by autograd and by central differences, in both dtypes?"""
    got = jac.softmax_jacobian(x)
    assert got.shape == (x.size, x.size) and got.dtype == x.dtype
    np.testing.assert_allclose(got, autograd.jacobian(softmax)(x.astype(np.float64)), **TOL[x.dtype.type])
    np.testing.assert_allclose(got, num_jacobian(softmax, x), **numeric_tol(x.dtype))
    np.testing.assert_allclose(got.sum(axis=0), 0.0, atol=1e-6)


@pytest.mark.parametrize("shift", [1000.0, -1000.0, 1e5])
def test_softmax_jacobian_is_stable_for_huge_scores(shift):
    """With scores around +-1000 (or 1e5), is the Jacobian finite and that of the unshifted scores?"""
    x = np.array([0.5, -1.0, 2.0, 0.0])
    got = jac.softmax_jacobian(x + shift)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, jac.softmax_jacobian(x), rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_of_one_score_is_zero():
    """Is the softmax of a single score constant (1), so its Jacobian [[0]]?"""
    assert jac.softmax_jacobian(np.array([3.7])).tolist() == [[0.0]]


# ---- quadratic form and chain rule --------------------------------------------------------------

@given(data=st.data(), n=st.integers(1, 5), column=st.booleans())
def test_quadratic_form_gradient_matches_autograd(data, n, column):
    """Is (A + A^T) x the gradient of x^T A x for a non-symmetric A, with x's shape (vector or column)?"""
    dtype = data.draw(st.sampled_from(DTYPES))
    A = data.draw(arrays(dtype, (n, n), elements=st.floats(-2, 2, width=32)))
    x = data.draw(arrays(dtype, (n, 1) if column else (n,), elements=st.floats(-2, 2, width=32)))
    got = jac.quadratic_form_gradient(A, x)
    assert got.shape == x.shape
    A64, x64 = A.astype(np.float64), x.astype(np.float64)
    expected = autograd.grad(lambda v: anp.sum(v * anp.dot(A64, v)))(x64)
    np.testing.assert_allclose(got, expected, **TOL[dtype])
    np.testing.assert_allclose(got, num_grad(lambda v: float(np.sum(v * (A64 @ v))), x64), rtol=1e-6, atol=1e-7)


def test_quadratic_form_gradient_is_not_2Ax_for_a_non_symmetric_A():
    """For a non-symmetric A, does the gradient differ from 2 A x (and equal it for the symmetric part)?"""
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    x = np.array([1.0, 1.0])
    assert not np.allclose(jac.quadratic_form_gradient(A, x), 2 * A @ x)
    np.testing.assert_allclose(jac.quadratic_form_gradient(A, x), 2 * ((A + A.T) / 2) @ x)


@given(data=st.data(), dims=st.lists(st.integers(1, 4), min_size=2, max_size=5))
def test_chain_jacobian_is_the_jacobian_of_the_composition(data, dims):
    """Is the product of the pieces' Jacobians (outermost first) autograd's Jacobian of the composition?"""
    # dims = [n, d1, ..., m]: layers x -> tanh(W x) from dims[k] to dims[k + 1], applied in that order
    Ws = [data.draw(arrays(np.float64, (dims[k + 1], dims[k]), elements=st.floats(-1.5, 1.5)))
          for k in range(len(dims) - 1)]
    x = data.draw(arrays(np.float64, dims[0], elements=st.floats(-1.5, 1.5)))

    def piece(W):
        return lambda v: anp.tanh(anp.dot(W, v))

    points, v = [], x
    for W in Ws:  # the point each piece receives
        points.append(v)
        v = piece(W)(v)
    jacobians = [autograd.jacobian(piece(W))(p) for W, p in zip(Ws, points)][::-1]   # outermost first

    def whole(v):
        for W in Ws:
            v = piece(W)(v)
        return v

    got = jac.chain_jacobian(jacobians)
    assert got.shape == (dims[-1], dims[0])
    np.testing.assert_allclose(got, autograd.jacobian(whole)(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, num_jacobian(whole, x), **NUMERIC)


def test_chain_jacobian_edge_cases():
    """One Jacobian is returned as it is; float32 stays float32; the order is outermost first."""
    J = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(jac.chain_jacobian([J]), J)
    J32 = [np.ones((3, 2), np.float32), np.eye(2, dtype=np.float32)]
    assert jac.chain_jacobian(J32).dtype == np.float32
    square = [np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]),
              np.array([[2.0, 0.0], [1.0, 3.0]])]
    assert jac.chain_jacobian(square).tolist() == [[5.0, 3.0], [2.0, 0.0]]


# ---- derivatives with respect to a matrix -------------------------------------------------------

@given(R=float_arrays(st.tuples(st.integers(1, 4), st.integers(1, 4))))
def test_gram_derivative_matches_autograd_and_central_differences(R):
    """Is T[p, q, i, j] = dK[p, q]/dR[i, j] for K = R^T R, with shape (N, N, M, N) and R's dtype?"""
    M, N = R.shape
    got = jac.gram_derivative(R)
    assert got.shape == (N, N, M, N) and got.dtype == R.dtype
    R64 = R.astype(np.float64)
    np.testing.assert_allclose(got, autograd.jacobian(lambda r: anp.dot(r.T, r))(R64), **TOL[R.dtype.type])
    np.testing.assert_allclose(got, num_jacobian(lambda r: r.T @ r, R64).reshape(N, N, M, N),
                               **numeric_tol(R.dtype))


def test_gram_derivative_case_table():
    """Does T follow the case table: R[i, q] at j = p != q, R[i, p] at j = q != p, 2 R[i, p] at j = p = q, else 0?"""
    R = np.arange(1.0, 13.0).reshape(4, 3)
    T = jac.gram_derivative(R)
    M, N = R.shape
    for p, q, i, j in np.ndindex(N, N, M, N):
        if j == p == q:
            expected = 2 * R[i, p]
        elif j == p:
            expected = R[i, q]
        elif j == q:
            expected = R[i, p]
        else:
            expected = 0.0
        assert T[p, q, i, j] == expected


def test_gram_derivative_contracts_to_the_backward_pass():
    """Does contracting T with an upstream G = dL/dK give dL/dR = R (G + G^T)?"""
    rng = np.random.default_rng(0)
    R, G = rng.normal(size=(3, 2)), rng.normal(size=(2, 2))
    np.testing.assert_allclose(np.tensordot(G, jac.gram_derivative(R), axes=2), R @ (G + G.T), rtol=1e-12)


def test_visible_checks_name_a_flat_column_and_the_h_denominator():
    """Is a flat result for a column x named, and a central difference divided by h?"""
    from chainrule.visible.jacobians import check_numerical_gradient, check_quadratic_form_gradient

    from .variants import variant_function
    notebook = "03-gradients-and-jacobians"
    with pytest.raises(CheckFailure, match=r"the result is flat, of shape \(3,\)"):
        check_quadratic_form_gradient(variant_function(notebook, "a flat result where x is a column"))
    with pytest.raises(CheckFailure, match="divided by h where 2h belongs"):
        check_numerical_gradient(variant_function(notebook, "divides by h instead of 2h"))


# ---- polar_jacobian (the checkpoint of Part B) ---------------------------------------------------

@given(r=st.floats(-3, 3), phi=st.floats(-10, 10))
def test_polar_jacobian_matches_autograd_and_central_differences(r, phi):
    """Is polar_jacobian the (2, 2) numerator-layout Jacobian of (r, phi) -> (r cos phi, r sin phi)?"""
    def polar(v):
        return anp.array([v[0] * anp.cos(v[1]), v[0] * anp.sin(v[1])])
    got = jac.polar_jacobian(r, phi)
    assert got.shape == (2, 2) and got.dtype == np.float64
    point = np.array([r, phi])
    np.testing.assert_allclose(got, autograd.jacobian(polar)(point), **TOL[np.float64])
    np.testing.assert_allclose(got, num_jacobian(polar, point), **NUMERIC)
