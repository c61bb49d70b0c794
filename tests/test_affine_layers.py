"""The reference of notebook 05 (vectorized affine layers) against two independent witnesses:
central differences (chainrule.gradcheck) and automatic differentiation (autograd), on
randomized shapes and values, in float64 and float32; plus the notebook's edge cases
and its measurement helpers.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.gradcheck import num_jacobian, num_vjp
from chainrule.plots import measure_backward_costs, plot_affine_jacobians, plot_backward_costs
from chainrule.visible import peak_memory_bytes
from chainrule_reference import affine_layers as al

pytestmark = pytest.mark.nb05

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


@st.composite
def layers(draw):
    """x of shape (N, d1, ..., dk) with k in 1..3, w (D, M), b (M,), dout (N, M), one dtype."""
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, 4))
    feature_shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    d = int(np.prod(feature_shape))
    x = rng.normal(size=(n,) + feature_shape).astype(dtype)
    w = rng.normal(size=(d, m)).astype(dtype)
    b = rng.normal(size=m).astype(dtype)
    dout = (rng.uniform(0.5, 2.0, (n, m)) * rng.choice([-1.0, 1.0], (n, m))).astype(dtype)
    return x, w, b, dout


def loss(x, w, b, dout):
    """sum(dout * out) for out = x_flat @ w + b, in autograd's numpy: its gradients are the backward pass."""
    return anp.sum(dout * (anp.dot(anp.reshape(x, (x.shape[0], -1)), w) + b))


def as64(*arrays):
    return tuple(np.asarray(a, dtype=np.float64) for a in arrays)


@given(layer=layers())
def test_forward_matches_the_formula_and_keeps_the_dtype(layer):
    """Is out = x_flat @ w + b, of shape (N, M), in the input's dtype, with the inputs untouched?"""
    x, w, b, _ = layer
    saved = x.copy()
    out, _ = al.affine_forward(x, w, b)
    assert out.shape == (x.shape[0], w.shape[1]) and out.dtype == x.dtype
    x64, w64, b64 = as64(x, w, b)
    np.testing.assert_allclose(out, x64.reshape(len(x64), -1) @ w64 + b64, **TOL[x.dtype.type])
    np.testing.assert_array_equal(x, saved)


@pytest.mark.parametrize("backward", [al.affine_backward, al.affine_backward_via_jacobian],
                         ids=["direct", "via_jacobian"])
@given(layer=layers())
def test_backward_matches_autograd_and_central_differences(backward, layer):
    """Do both backward passes equal autograd's gradients and central differences, with the inputs' shapes and dtype?"""
    x, w, b, dout = layer
    _, cache = al.affine_forward(x, w, b)
    grads = backward(dout, cache)
    x64, w64, b64, d64 = as64(x, w, b, dout)
    oracle = autograd.grad(loss, (0, 1, 2))(x64, w64, b64, d64)
    numeric = (num_vjp(lambda v: al.affine_forward(v, w64, b64)[0], x64, d64),
               num_vjp(lambda v: al.affine_forward(x64, v, b64)[0], w64, d64),
               num_vjp(lambda v: al.affine_forward(x64, w64, v)[0], b64, d64))
    for got, want, approx, param in zip(grads, oracle, numeric, (x, w, b)):
        assert got.shape == param.shape and got.dtype == param.dtype
        np.testing.assert_allclose(got, want, **TOL[x.dtype.type])
        np.testing.assert_allclose(approx, want, rtol=1e-6, atol=1e-7)


@given(layer=layers())
def test_jacobians_match_autograd_and_central_differences(layer):
    """Are the explicit Jacobians those of autograd and of central differences, numerator layout, C order?"""
    x, w, b, _ = layer
    x64, w64, b64 = as64(x, w, b)
    J_x, J_w, J_b = al.affine_jacobians(x64, w64)
    n, m = x.shape[0], w.shape[1]

    def out_flat(x_, w_, b_):
        return anp.reshape(anp.dot(anp.reshape(x_, (n, -1)), w_) + b_, (-1,))

    for index, J, param in ((0, J_x, x64), (1, J_w, w64), (2, J_b, b64)):
        auto = autograd.jacobian(out_flat, index)(x64, w64, b64).reshape(n * m, -1)
        np.testing.assert_allclose(J, auto, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(J_x, num_jacobian(lambda v: al.affine_forward(v, w64, b64)[0], x64), atol=1e-7)
    np.testing.assert_allclose(J_w, num_jacobian(lambda v: al.affine_forward(x64, v, b64)[0], w64), atol=1e-7)
    assert al.affine_jacobians(x, w)[0].dtype == x.dtype


@given(n=st.integers(1, 6), d=st.integers(1, 6), m=st.integers(1, 6), itemsize=st.sampled_from([2, 4, 8]))
def test_jacobian_memory_is_the_size_of_the_built_jacobian(n, d, m, itemsize):
    """Does jacobian_memory_bytes give the nbytes of the Jacobian of out with respect to x?"""
    x = np.zeros((n, d), dtype=f"f{itemsize}")
    J_x = al.affine_jacobians(x, np.ones((d, m), dtype=x.dtype))[0]
    assert al.jacobian_memory_bytes(n, d, m, itemsize) == J_x.nbytes


def test_jacobian_memory_of_the_notebooks_example_is_256_gib():
    """Is the Jacobian of a float32 layer with N = 64, D = M = 4096 exactly 256 GiB (not 256 GB)?"""
    size = al.jacobian_memory_bytes(64, 4096, 4096)
    assert size == 64 * 4096 * 64 * 4096 * 4 == 256 * 2 ** 30
    assert isinstance(size, int) and size > 256 * 10 ** 9


@pytest.mark.parametrize("shape", [(1, 5), (3, 2, 4), (2, 3, 2, 2), (1, 2, 1, 3)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: t.__name__)
def test_backward_keeps_tensor_shapes_for_one_and_many_examples(shape, dtype):
    """For N = 1 and tensor inputs with k = 2 and 3, is dx shaped like x and equal for both backward passes?"""
    rng = np.random.default_rng(7)
    x = rng.normal(size=shape).astype(dtype)
    w = rng.normal(size=(int(np.prod(shape[1:])), 3)).astype(dtype)
    b = rng.normal(size=3).astype(dtype)
    dout = rng.uniform(0.5, 2.0, (shape[0], 3)).astype(dtype)
    _, cache = al.affine_forward(x, w, b)
    direct = al.affine_backward(dout, cache)
    via = al.affine_backward_via_jacobian(dout, cache)
    assert direct[0].shape == shape
    for a, c in zip(direct, via):
        assert a.dtype == c.dtype == dtype
        np.testing.assert_allclose(a, c, **TOL[dtype])


def test_peak_memory_sees_numpy_allocations():
    """Does peak_memory_bytes count an array made inside the call, but not the inputs made before it?"""
    big = np.ones(10 ** 5)
    result, peak = peak_memory_bytes(lambda a: float((a * 2).sum()), big)
    assert result == 2 * 10 ** 5
    assert 8 * 10 ** 5 <= peak < 2 * 8 * 10 ** 5


def test_measure_backward_costs_shows_the_quadratic_jacobian():
    """Does the Jacobian route's peak memory grow like N^2 (at least the Jacobian's size) and the direct one's stay small?"""
    costs = measure_backward_costs(al.affine_forward, {"jacobian": al.affine_backward_via_jacobian,
                                                       "direct": al.affine_backward},
                                   [4, 16, 64], D=4, M=3, rng=np.random.default_rng(0), repeats=1)
    predicted = np.array([al.jacobian_memory_bytes(n, 4, 3) for n in costs["N"]])
    assert np.all(costs["jacobian"]["peak_bytes"] >= predicted)
    assert costs["jacobian"]["peak_bytes"][-1] > 10 * costs["direct"]["peak_bytes"][-1]
    assert np.all(costs["direct"]["seconds"] > 0)
    fig = plot_backward_costs(costs, predicted)
    assert len(fig.axes) == 2 and all(ax.get_title() for ax in fig.axes)


def test_measure_backward_costs_stops_a_slow_method():
    """Is a backward pass that exceeds max_seconds left out (NaN) for the larger batches?"""
    import time

    def slow(dout, cache):
        time.sleep(0.02)
        return al.affine_backward(dout, cache)

    costs = measure_backward_costs(al.affine_forward, {"slow": slow}, [1, 2, 4], D=2, M=2,
                                   rng=np.random.default_rng(0), repeats=1, max_seconds=0.01)
    assert not np.isnan(costs["slow"]["seconds"][0]) and np.all(np.isnan(costs["slow"]["seconds"][1:]))


def test_plot_affine_jacobians_draws_one_panel_per_jacobian():
    """Does the Jacobian figure get one titled panel per Jacobian (plus the colour bar)?"""
    x, w = np.arange(6.0).reshape(3, 2) - 2, np.ones((2, 2))
    fig = plot_affine_jacobians(dict(zip("xwb", al.affine_jacobians(x, w))), row_block=2, column_blocks=(2, 2, 2))
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 3 and "zeros" in panels[0].get_title()


def test_checkpoint_is_the_gradient_of_the_layer_at_its_example():
    """Is the checkpoint's dw autograd's (and central differences') dL/dw for its x and dout, whatever w and b?"""
    x, dout = al.CHECKPOINT_X, al.CHECKPOINT_DOUT
    rng = np.random.default_rng(5)
    for _ in range(3):
        w, b = rng.normal(size=(2, 2)), rng.normal(size=2)
        loss = lambda v: anp.sum(dout * (anp.dot(x, v) + b))   # noqa: E731 - dL/dout is exactly dout
        np.testing.assert_allclose(autograd.grad(loss)(w), al.dw_by_hand(), rtol=1e-12)
        np.testing.assert_allclose(num_vjp(lambda v: x @ v + b, w, dout), al.dw_by_hand(), atol=1e-8)


@pytest.mark.parametrize("answer", [[[7.0, 0.0], [3.0, -1.0]], [[1.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 3.0]])
def test_checkpoint_messages_never_show_the_answer(answer):
    """Does a wrong dw_by_hand fail, in the visible check and the hidden test, without printing the right numbers?"""
    from chainrule import CheckFailure
    from chainrule.visible import check_dw_by_hand
    from chainrule_reference.grading import grade

    def dw_by_hand():
        return np.array(answer)

    for run in (lambda: check_dw_by_hand(dw_by_hand), lambda: grade("dw_by_hand", {"dw_by_hand": dw_by_hand})):
        with pytest.raises(CheckFailure) as failure:
            run()
        text = str(failure.value)
        assert "[[7" not in text and "7., 3." not in text and "[ 7" not in text, text
