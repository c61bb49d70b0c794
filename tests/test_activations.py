"""The reference of notebook 08 (activation functions) against two independent witnesses:
central differences (chainrule.gradcheck) and automatic differentiation (autograd), on
randomized shapes and values, in float64 and float32; plus the notebook's edge cases (large
|x|, the kink of leaky ReLU, exact ties in maxout), the protocol of the gradient-norm
experiment, the statistical safety of its judge, and the experiment runners and figures.
"""
from __future__ import annotations

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from chainrule import CheckFailure
from chainrule.data import spiral
from chainrule.gradcheck import num_vjp
from chainrule.plots import (init_activation_mlp, plot_activation_race, plot_activation_saturation, plot_dead_units,
                             plot_gradient_norms_by_layer, plot_gradient_sign_patterns, plot_maxout_parameters,
                             race_activation, settling_step, time_activation_layers, train_activation_mlp,
                             train_activation_mlps)
from chainrule.visible import activations as visible
from chainrule_reference import activations as ref
from chainrule_reference.hidden import activations as hidden
from chainrule_reference.spec import draw_inputs

pytestmark = pytest.mark.nb08

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-4, atol=1e-6)}


def float_arrays(low=-8.0, high=8.0):
    return st.sampled_from(DTYPES).flatmap(
        lambda dt: arrays(dt, array_shapes(min_dims=1, max_dims=3, max_side=5),
                          elements=st.floats(low, high, width=32)))


def upstream(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def away_from_zero(x, gap=1e-3):
    return np.where(np.abs(x) < gap, gap, x).astype(x.dtype)


ELEMENTWISE = [
    ("sigmoid", ref.sigmoid_forward, ref.sigmoid_backward, lambda v: 1 / (1 + anp.exp(-v))),
    ("tanh", ref.tanh_forward, ref.tanh_backward, anp.tanh),
    ("leaky_relu", ref.leaky_relu_forward, ref.leaky_relu_backward, lambda v: anp.where(v > 0, v, 0.01 * v)),
]


@pytest.mark.parametrize("name, forward, backward, formula", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@given(x=float_arrays())
def test_elementwise_forward_matches_the_formula_and_keeps_the_dtype(name, forward, backward, formula, x):
    """Does each elementwise forward pass equal its formula, in the input's dtype and shape, leaving x untouched?"""
    saved = x.copy()
    out, _ = forward(x)
    assert out.dtype == x.dtype and out.shape == x.shape
    np.testing.assert_allclose(out, formula(x.astype(np.float64)), **TOL[x.dtype.type])
    np.testing.assert_array_equal(x, saved)


@pytest.mark.parametrize("name, forward, backward, formula", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@given(x=float_arrays())
def test_elementwise_backward_matches_autograd_and_central_differences(name, forward, backward, formula, x):
    """Does each elementwise backward pass equal autograd's and the central-difference gradient of sum(dout * out)?"""
    x = away_from_zero(x)
    dout = upstream(x.shape, x.dtype)
    _, cache = forward(x)
    dx = backward(dout, cache)
    assert dx.dtype == x.dtype and dx.shape == x.shape
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    np.testing.assert_allclose(dx, d64 * autograd.elementwise_grad(formula)(x64), **TOL[x.dtype.type])
    np.testing.assert_allclose(dx, num_vjp(lambda v: forward(v)[0], x64, d64), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype, values", [(np.float64, [-800.0, -40.0, 40.0, 800.0]),
                                           (np.float32, [-100.0, -30.0, 30.0, 100.0])])
def test_sigmoid_and_tanh_are_stable_for_large_inputs(dtype, values):
    """Do sigmoid and tanh, forward and backward, stay finite and warning-free at large |x|, with the right limits?"""
    x = np.array(values, dtype=dtype)
    dout = upstream(x.shape, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, s_cache = ref.sigmoid_forward(x)
        t, t_cache = ref.tanh_forward(x)
        ds, dt = ref.sigmoid_backward(dout, s_cache), ref.tanh_backward(dout, t_cache)
    np.testing.assert_allclose(s, [0, 0, 1, 1], atol=1e-12)
    np.testing.assert_allclose(t, [-1, -1, 1, 1], atol=0)
    assert np.all(np.isfinite(ds)) and np.all(np.abs(ds) < 1e-12)
    assert np.all(np.isfinite(dt)) and np.all(np.abs(dt) < 1e-12)
    assert s.dtype == t.dtype == ds.dtype == dt.dtype == dtype


def test_sigmoid_keeps_relative_precision_on_the_left_tail():
    """Is sigmoid(-30) computed to full relative precision (no 1 - (1 - tiny) cancellation)?"""
    out, _ = ref.sigmoid_forward(np.array([-30.0, -60.0]))
    np.testing.assert_allclose(out, np.exp([-30.0, -60.0]) / (1 + np.exp([-30.0, -60.0])), rtol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.01, 0.2, 0.0])
def test_leaky_relu_takes_alpha_at_the_kink(dtype, alpha):
    """Is the slope alpha at x = 0 (and alpha = 0 plain ReLU), with alpha carried by the cache and the dtype kept?"""
    x = np.array([-2.0, -1e-3, 0.0, 1e-3, 3.0], dtype=dtype)
    dout = upstream(x.shape, dtype)
    out, cache = ref.leaky_relu_forward(x, alpha)
    dx = ref.leaky_relu_backward(dout, cache)
    np.testing.assert_allclose(out, np.where(x > 0, x, alpha * x), rtol=0, atol=0)
    np.testing.assert_allclose(dx, np.where(x > 0, dout, alpha * dout), rtol=1e-7)
    assert out.dtype == dx.dtype == dtype
    if alpha == 0.0:
        np.testing.assert_array_equal(out, np.maximum(x, 0))


# ---- maxout --------------------------------------------------------------------------------------

@st.composite
def maxout_layers(draw):
    """x (N, D), w (D, M, K), b (M, K), dout (N, M) of one dtype, K in 1..3."""
    dtype = draw(st.sampled_from(DTYPES))
    n, d, m, k = (draw(st.integers(1, 4)) for _ in range(4))
    k = min(k, 3)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return (rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(d, m, k)).astype(dtype),
            rng.normal(size=(m, k)).astype(dtype), upstream((n, m), dtype, draw(st.integers(0, 1000))))


def maxout_loss(x, w, b, dout):
    """sum(dout * out) for the maxout layer, in autograd's numpy."""
    z = anp.einsum("nd,dmk->nmk", x, w) + b
    return anp.sum(dout * anp.max(z, axis=2))


@given(layer=maxout_layers())
def test_maxout_forward_matches_the_formula_and_keeps_the_dtype(layer):
    """Is out[n, m] the max over k of the affine pieces, (N, M), in the input's dtype?"""
    x, w, b, _ = layer
    out, _ = ref.maxout_forward(x, w, b)
    z = np.einsum("nd,dmk->nmk", *(a.astype(np.float64) for a in (x, w))) + b.astype(np.float64)
    assert out.shape == (x.shape[0], w.shape[1]) and out.dtype == x.dtype
    np.testing.assert_allclose(out, z.max(axis=2), **TOL[x.dtype.type])


@given(layer=maxout_layers())
def test_maxout_backward_matches_autograd_and_central_differences(layer):
    """Do dx, dw, db equal autograd's gradients and central differences, with the parameters' shapes and dtype?"""
    x, w, b, dout = layer
    _, cache = ref.maxout_forward(x, w, b)
    grads = ref.maxout_backward(dout, cache)
    x64, w64, b64, d64 = (a.astype(np.float64) for a in (x, w, b, dout))
    oracle = autograd.grad(maxout_loss, (0, 1, 2))(x64, w64, b64, d64)
    numeric = (num_vjp(lambda v: ref.maxout_forward(v, w64, b64)[0], x64, d64),
               num_vjp(lambda v: ref.maxout_forward(x64, v, b64)[0], w64, d64),
               num_vjp(lambda v: ref.maxout_forward(x64, w64, v)[0], b64, d64))
    for got, want, approx, param in zip(grads, oracle, numeric, (x, w, b)):
        assert got.shape == param.shape and got.dtype == param.dtype
        np.testing.assert_allclose(got, want, **TOL[x.dtype.type])
        np.testing.assert_allclose(got, approx, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_maxout_ties_send_the_gradient_to_the_smallest_k_only(dtype):
    """On exact ties, does the whole gradient go to the smallest tied k, and nothing to the other tied pieces?"""
    inputs = hidden._maxout_ties(5, 3, dtype, backward=True)(np.random.default_rng(0))
    x, w, b, dout = inputs["x"], inputs["w"], inputs["b"], inputs["dout"]
    z = np.einsum("nd,dmk->nmk", x.astype(np.float64), w.astype(np.float64)) + b
    assert np.all(z[:, 0, 0] == z[:, 0, 1]) and np.all(z[:, 1, 1] == z[:, 1, 2]) and np.all(z[:, 2, 0] == z[:, 2, 2])
    _, cache = ref.maxout_forward(x, w, b)
    dx, dw, db = ref.maxout_backward(dout, cache)
    np.testing.assert_array_equal(db[0], [dout[:, 0].sum(), 0, 0])       # unit 0: pieces 0 and 1 tie
    np.testing.assert_array_equal(db[1], [0, dout[:, 1].sum(), 0])       # unit 1: pieces 1 and 2 tie
    np.testing.assert_array_equal(db[2], [dout[:, 2].sum(), 0, 0])       # unit 2: all three tie
    assert not np.any(dw[:, 0, 1:]) and not np.any(dw[:, 1, [0, 2]]) and not np.any(dw[:, 2, 1:])
    # the same gradients as with the tied pieces pulled apart in favour of the smallest k
    apart = b.astype(np.float64) - 1e-3 * np.arange(3)
    numeric = num_vjp(lambda v: ref.maxout_forward(x.astype(np.float64), v, apart)[0], w.astype(np.float64),
                      dout.astype(np.float64))
    np.testing.assert_allclose(dw, numeric, rtol=1e-5, atol=1e-5)


def test_maxout_generalizes_relu_and_leaky_relu_and_affine():
    """Is maxout with pieces (W, 0) ReLU, with (W, alpha W) leaky ReLU, and with K = 1 an affine layer?"""
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    z = x @ W + b
    relu, _ = ref.maxout_forward(x, np.stack([W, 0 * W], axis=2), np.stack([b, 0 * b], axis=1))
    leaky, _ = ref.maxout_forward(x, np.stack([W, 0.1 * W], axis=2), np.stack([b, 0.1 * b], axis=1))
    affine, _ = ref.maxout_forward(x, W[:, :, None], b[:, None])
    np.testing.assert_allclose(relu, np.maximum(z, 0), rtol=1e-12)
    np.testing.assert_allclose(leaky, np.where(z > 0, z, 0.1 * z), rtol=1e-12)
    np.testing.assert_allclose(affine, z, rtol=1e-12)


# ---- the gradient-norm experiment ----------------------------------------------------------------

def autograd_norms(activation, depth, width, seed):
    """The protocol's norms with the same draws, differentiated by autograd instead of by hand."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, width))
    Ws = [rng.standard_normal((width, width)) * ref.weight_scale(activation, width) for _ in range(depth)]
    r = rng.standard_normal((64, width))
    g = {"sigmoid": lambda z: 1 / (1 + anp.exp(-z)), "tanh": anp.tanh, "relu": lambda z: anp.maximum(z, 0.0),
         "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z)}[activation]

    def loss(weights):
        h = x
        for W in weights:
            h = g(anp.dot(h, W))
        return anp.sum(h * r) / 64

    return [float(np.linalg.norm(dW)) for dW in autograd.grad(loss)(Ws)]


@pytest.mark.parametrize("activation", ref.ACTIVATION_NAMES)
@pytest.mark.parametrize("depth, width", [(1, 8), (4, 16), (10, 32)])
def test_gradient_norms_match_autograd(activation, depth, width):
    """Does the protocol's hand-written backward pass give autograd's gradient norms, layer by layer?"""
    got = ref.gradient_norms_by_layer(activation, depth, width, np.random.default_rng(7))
    assert len(got) == depth and all(isinstance(v, float) for v in got)
    np.testing.assert_allclose(got, autograd_norms(activation, depth, width, 7), rtol=1e-9)


def test_gradient_norms_show_vanishing_for_sigmoid_only():
    """At depth 10 and width 64, do the sigmoid's norms shrink towards the input by over 1e4, and ReLU's not?"""
    ratios = {a: [] for a in ref.ACTIVATION_NAMES}
    for seed in range(5):
        for a in ref.ACTIVATION_NAMES:
            norms = ref.gradient_norms_by_layer(a, 10, 64, np.random.default_rng(seed))
            ratios[a].append(norms[0] / norms[-1])
    assert max(ratios["sigmoid"]) < 1e-4
    for a in ("relu", "leaky_relu", "tanh"):
        assert 0.2 < min(ratios[a]) and max(ratios[a]) < 5


def test_gradient_norms_refuse_an_unknown_activation():
    """Is an unknown activation name an error rather than a silent default?"""
    with pytest.raises(ValueError, match="activation"):
        ref.gradient_norms_by_layer("softplus", 3, 8, np.random.default_rng(0))


def test_visible_numbers_are_the_protocols():
    """Are the fixed numbers of the visible check the protocol's mean log norms for its seeds?"""
    for activation, values in visible._VISIBLE_MEAN_LOGS.items():
        for key, mistake in [("right", None), ("no_slope", "no_slope"), ("init", "init")]:
            logs = np.mean([np.log10(ref.gradient_norms_protocol(activation, 10, 64, np.random.default_rng(s), mistake))
                            for s in visible.GRADIENT_NORM_SEEDS], axis=0)
            np.testing.assert_allclose(logs, values[key], atol=2e-3)


@pytest.mark.parametrize("case", range(len(hidden.TESTS[-1].cases)))
def test_the_judge_accepts_other_draws_of_the_protocol(case):
    """Does every hidden case accept the protocol on 12 other sets of 8 seeds (a learner drawing in another order)?"""
    test = hidden.TESTS[-1]
    inputs = draw_inputs(test)[case]
    expected = test.run({"gradient_norms_by_layer": ref.gradient_norms_by_layer}, inputs)
    for trial in range(12):
        seeds = tuple(range(1000 + 8 * trial, 1008 + 8 * trial))
        runs = visible.gradient_norm_runs(ref.gradient_norms_by_layer, inputs["activation"], inputs["depth"],
                                          inputs["width"], seeds)
        test.judge(runs, expected, inputs)


def test_the_judge_rejects_a_reversed_list_with_its_name():
    """Does the judge reject the sigmoid's norms listed last layer first, naming the mistake?"""
    test = hidden.TESTS[-1]
    inputs = draw_inputs(test)[0]
    expected = test.run({"gradient_norms_by_layer": ref.gradient_norms_by_layer}, inputs)
    with pytest.raises(CheckFailure, match="reversed"):
        test.judge([list(r)[::-1] for r in expected], expected, inputs)


def test_visible_checks_accept_the_reference():
    """Do the notebook's visible checks pass the reference implementations?"""
    visible.check_sigmoid_forward(ref.sigmoid_forward)
    visible.check_sigmoid_backward(ref.sigmoid_backward, ref.sigmoid_forward)
    visible.check_tanh_forward(ref.tanh_forward)
    visible.check_tanh_backward(ref.tanh_backward, ref.tanh_forward)
    visible.check_leaky_relu_forward(ref.leaky_relu_forward)
    visible.check_leaky_relu_backward(ref.leaky_relu_backward, ref.leaky_relu_forward)
    visible.check_maxout_forward(ref.maxout_forward)
    visible.check_maxout_backward(ref.maxout_backward, ref.maxout_forward)
    visible.check_gradient_norms_by_layer(ref.gradient_norms_by_layer)


def test_mistake_tables_raise_no_warnings_at_large_inputs():
    """Are the known-mistake tables warning-free at +-800 (they run outside the learner's warning capture)?"""
    x = np.array(hidden._LARGE)
    d = upstream(x.shape, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mistakes in (visible.sigmoid_layer_mistakes, visible.tanh_layer_mistakes):
            mistakes(x)
            mistakes(x, dout=d)
        visible.leaky_relu_layer_mistakes(x, 0.2)
        visible.leaky_relu_layer_mistakes(x, 0.2, dout=d)


# ---- experiment runners and figures --------------------------------------------------------------

def test_init_activation_mlp_shapes_and_maxout_doubles_hidden_parameters():
    """Do the parameter arrays have the documented shapes, with twice the hidden parameters for K = 2?"""
    plain = init_activation_mlp((2, 5, 4, 3), np.random.default_rng(0))
    maxout = init_activation_mlp((2, 5, 4, 3), np.random.default_rng(0), pieces=2)
    assert [W.shape for W, _ in plain] == [(2, 5), (5, 4), (4, 3)]
    assert [W.shape for W, _ in maxout] == [(2, 5, 2), (5, 4, 2), (4, 3)]
    assert [b.shape for _, b in maxout] == [(5, 2), (4, 2), (3,)]
    for (W, b), (Wm, bm) in zip(plain[:-1], maxout[:-1]):
        assert Wm.size + bm.size == 2 * (W.size + b.size)


@pytest.mark.parametrize("pieces", [None, 2])
def test_train_activation_mlp_learns_the_spiral(pieces):
    """Does the training runner bring the spiral's loss down, recording one loss, error and silent share per step?"""
    X, y = spiral(40, 3, np.random.default_rng(0))
    if pieces:
        forward, backward = ref.maxout_forward, ref.maxout_backward
    else:
        forward, backward = (lambda z: ref.leaky_relu_forward(z, 0.0)), ref.leaky_relu_backward
    run = train_activation_mlp(X, y, forward, backward, hidden=[16, 16], lr=1.0, steps=150,
                               rng=np.random.default_rng(1), pieces=pieces)
    assert run["loss"].shape == run["error"].shape == run["silent"].shape == (150,)
    assert run["loss"][-1] < 0.5 * run["loss"][0] and run["error"][-1] < 0.3
    assert np.all(np.isnan(run["silent"])) if pieces else np.all((0 <= run["silent"]) & (run["silent"] <= 1))


def test_train_activation_mlp_stops_at_the_target_and_on_divergence():
    """Does training stop at the target error, and stop (without warnings) when the loss blows up?"""
    X, y = spiral(40, 3, np.random.default_rng(0))
    relu = (lambda z: ref.leaky_relu_forward(z, 0.0)), ref.leaky_relu_backward
    early = train_activation_mlp(X, y, *relu, hidden=[16], lr=1.0, steps=500, rng=np.random.default_rng(1),
                                 stop_at_error=0.5)
    assert early["error"][-1] <= 0.5 and early["error"].size < 500 and np.all(early["error"][:-1] > 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wild = train_activation_mlp(X, y, *relu, hidden=[16], lr=1e6, steps=50, rng=np.random.default_rng(1))
    assert wild["loss"].size < 50 and np.all(np.isfinite(wild["loss"]))


def test_train_activation_mlps_matches_one_run_at_a_time_and_freezes_diverged_runs():
    """Do runs trained side by side record what train_activation_mlp records, with NaN after a divergence?"""
    X, y = spiral(30, 3, np.random.default_rng(0))
    tanh = ref.tanh_forward, ref.tanh_backward
    many = train_activation_mlps(X, y, *tanh, hidden=[8, 8], runs=[(1, 0.5), (2, 1.0), (1, 1e6)], steps=40)
    for r, (seed, lr) in enumerate([(1, 0.5), (2, 1.0)]):
        one = train_activation_mlp(X, y, *tanh, hidden=[8, 8], lr=lr, steps=40, rng=np.random.default_rng(seed))
        np.testing.assert_allclose(many["loss"][r], one["loss"], rtol=1e-9)
        np.testing.assert_array_equal(many["error"][r], one["error"])
        np.testing.assert_allclose(many["params"][r][0][0], one["params"][0][0], rtol=1e-9)
    assert np.isnan(many["loss"][2, -1]) and np.isfinite(many["loss"][2, 0])


def test_settling_step_ignores_a_bounce_and_refuses_unsettled_runs():
    """Is the settling step the first step of the last stretch below the bar, and NaN if the run ends above it?"""
    assert settling_step([0.5, 0.2, 0.4, 0.2, 0.1], 0.25) == 3
    assert settling_step([0.2, 0.1], 0.25) == 0
    assert np.isnan(settling_step([0.5, 0.2, 0.3], 0.25))
    assert np.isnan(settling_step([0.5, np.nan], 0.25))


@pytest.mark.parametrize("pieces", [None, 2])
def test_race_activation_tunes_on_the_first_seed_and_runs_every_seed(pieces):
    """Does the race pick the rate that settles soonest on the first seed, and run every seed at it?"""
    X, y = spiral(30, 3, np.random.default_rng(0))
    if pieces:
        layer = ref.maxout_forward, ref.maxout_backward
    else:
        layer = (lambda z: ref.leaky_relu_forward(z, 0.0)), ref.leaky_relu_backward
    race = race_activation(X, y, *layer, hidden=[16, 16], rates=[0.1, 1.0], seeds=[1, 2], steps=60,
                           target_error=0.5, pieces=pieces)
    settled = {lr: step for lr, step in race["tuning"].items() if np.isfinite(step)}
    assert settled and race["rate"] == min(settled, key=settled.get)
    assert race["settled"][0] == race["tuning"][race["rate"]] and len(race["curves"]) == 2
    one = train_activation_mlp(X, y, *layer, hidden=[16, 16], lr=race["rate"], steps=60,
                               rng=np.random.default_rng(2), pieces=pieces)
    assert race["settled"][1] == settling_step(one["error"], 0.5)


def test_time_activation_layers_returns_positive_times():
    """Does the timer return one positive median per layer?"""
    z = np.random.default_rng(0).normal(size=(8, 8))
    times = time_activation_layers({"tanh": (ref.tanh_forward, ref.tanh_backward, (z,))}, repeats=3)
    assert set(times) == {"tanh"} and times["tanh"] > 0


def test_figures_have_titles_labels_and_legends():
    """Does every figure of the notebook come with titles, labelled axes and legends?"""
    scales = np.logspace(-1, 1, 3)
    figures = [
        plot_activation_saturation(scales, {"a": [1, 0.5, 0.1], "b": [0.5] * 3}, {"a": [0, 0.2, 0.9], "b": [0.5] * 3}),
        plot_gradient_sign_patterns({"one": np.ones((3, 2)), "two": -np.ones((3, 2))},
                                    {"p": np.zeros((4, 2)), "q": np.ones((4, 2))}, [1, -1]),
        plot_dead_units({"a": [0, 0.5, 0.9]}, {"a": [1.0, 2.0, 1.5]}, burst=(1, 2)),
        plot_maxout_parameters({"net": {"ReLU": [10, 20], "maxout": [20, 40]}}, {"net": ["h1", "out"]}),
        plot_gradient_norms_by_layer({"a": [1e-3, 1e-1, 1.0], "b": [1.0, 1.0, 1.0]}, [2, 3], {"a": [0.1, 0.01],
                                                                                               "b": [1.0, 1.0]}),
        plot_activation_race({"a": {"loss": [1.0, 0.5], "error": [0.5, 0.2]}}, threshold=0.25, times={"a": 1e-3}),
    ]
    for fig in figures:
        assert fig._suptitle is not None and fig._suptitle.get_text()
        for ax in fig.axes:
            assert ax.get_title()
            assert ax.get_xlabel() or ax.images
            if len(ax.get_lines()) > 1:
                assert ax.get_legend() is not None


@pytest.mark.parametrize("layer, formula", [("tanh", lambda x: 1 - x ** 2), ("sigmoid", lambda x: x * (1 - x))])
def test_derivative_formula_on_the_input_is_described_the_right_way_round(layer, formula):
    """Is the output's formula applied to the input named so (not as "the derivative taken at the input")?"""
    activation = np.tanh if layer == "tanh" else (lambda x: 0.5 * (1 + np.tanh(0.5 * x)))

    def forward(x):          # caches the input x instead of the output
        return activation(x), x

    def backward(dout, cache):
        return dout * formula(cache)

    with pytest.raises(CheckFailure) as failure:
        getattr(visible, f"check_{layer}_backward")(backward, forward)
    assert "was applied to the input x itself" in str(failure.value)
    assert "derivative was taken at the input" not in str(failure.value)
