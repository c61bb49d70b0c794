"""Notebook 09's reference functions against independent witnesses: central
differences (chainrule.gradcheck) and automatic differentiation (autograd) for
the gradients, closed forms and properties for the optimizer, clipping,
initialisation and dropout; plus the statistical judges of the visible checks
and hidden tests (a correct draw passes for every seed tried, known mistakes fail).
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from chainrule import CheckFailure
from chainrule.gradcheck import num_grad, num_vjp
from chainrule.visible import training as visible
from chainrule_reference import training as tr
from chainrule_reference.hidden.training import _MLP_MISTAKES

pytestmark = pytest.mark.nb09

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=2e-4, atol=1e-6)}
ACTIVATIONS = {"relu": lambda z: anp.maximum(z, 0.0), "tanh": anp.tanh,
               "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z))}


# ---- mlp_loss -------------------------------------------------------------------------------------

def autograd_mlp_loss(params, X, y, activation, reg):
    """The same loss written with autograd.numpy, for autograd's gradients."""
    L = len(params) // 2
    h = X
    for l in range(1, L + 1):
        z = anp.dot(h, params[f"W{l}"]) + params[f"b{l}"]
        h = ACTIVATIONS[activation](z) if l < L else z
    m = anp.max(h, axis=1, keepdims=True)
    log_probs = h - m - anp.log(anp.sum(anp.exp(h - m), axis=1, keepdims=True))
    data = -anp.mean(log_probs[np.arange(X.shape[0]), y])
    return data + 0.5 * reg * sum(anp.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))


@st.composite
def mlp_problems(draw, dtype=None):
    """A network of depth 1 to 4 with sizes 1 to 5, N of 1 to 6, an activation, reg >= 0."""
    dtype = dtype or draw(st.sampled_from(DTYPES))
    depth = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    sizes[-1] = max(sizes[-1], 2)
    N = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    params = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0, 1.2, (a, b)).astype(dtype)
        params[f"b{l}"] = rng.normal(0, 0.5, b).astype(dtype)
    X = rng.normal(0, 1, (N, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], N)
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    reg = draw(st.sampled_from([0.0, 0.1, 0.7]))
    return params, X, y, activation, reg


def min_abs_preactivation(params, X, activation):
    """The smallest |z| of a hidden layer (where ReLU has its kink)."""
    L = len(params) // 2
    h, smallest = np.asarray(X, dtype=np.float64), np.inf
    for l in range(1, L):
        z = h @ params[f"W{l}"] + params[f"b{l}"]
        smallest = min(smallest, float(np.min(np.abs(z))))
        h = np.asarray(ACTIVATIONS[activation](z))
    return smallest


@given(problem=mlp_problems())
def test_mlp_loss_matches_autograd(problem):
    """Are mlp_loss's loss and gradients autograd's, for any depth, activation, N and reg, in float64 and float32?"""
    params, X, y, activation, reg = problem
    assume(activation != "relu" or min_abs_preactivation(params, X, activation) > 1e-6)
    loss, grads = tr.mlp_loss(params, X, y, activation, reg)
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    X64 = X.astype(np.float64)
    tol = TOL[X.dtype.type]
    assert loss == pytest.approx(autograd_mlp_loss(p64, X64, y, activation, reg), rel=tol["rtol"], abs=tol["atol"])
    expected = autograd.grad(autograd_mlp_loss)(p64, X64, y, activation, reg)
    assert set(grads) == set(params)
    for key in params:
        assert grads[key].shape == params[key].shape
        np.testing.assert_allclose(grads[key], expected[key], **tol)


@given(problem=mlp_problems(dtype=np.float64))
def test_mlp_loss_matches_central_differences(problem):
    """Does every gradient of mlp_loss agree with central differences of its loss?"""
    params, X, y, activation, reg = problem
    assume(activation != "relu" or min_abs_preactivation(params, X, activation) > 1e-3)
    _, grads = tr.mlp_loss(params, X, y, activation, reg)
    for key in params:
        def f(v, key=key):
            return tr.mlp_loss({**params, key: v}, X, y, activation, reg)[0]
        np.testing.assert_allclose(grads[key], num_grad(f, params[key]), rtol=1e-5, atol=1e-7)


def test_mlp_loss_relu_derivative_is_zero_at_zero():
    """With pre-activations exactly 0 (a zero input row, b1 = 0), does ReLU pass no gradient there?"""
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros(4), "W2": rng.normal(size=(4, 3)), "b2": np.zeros(3)}
    X = np.zeros((1, 3))
    _, grads = tr.mlp_loss(params, X, np.array([1]), "relu")
    assert np.all(grads["b1"] == 0.0) and np.all(grads["W1"] == 0.0)


def test_mlp_loss_is_finite_for_huge_scores():
    """Do scores near +-1000 give a finite loss and gradients (stable softmax and log-softmax)?"""
    params = {"W1": np.array([[1000.0, -1000.0, 0.0]]), "b1": np.zeros(3)}
    loss, grads = tr.mlp_loss(params, np.array([[1.0], [-1.0]]), np.array([1, 1]), "tanh")
    assert np.isfinite(loss) and loss == pytest.approx(1000.0, rel=1e-9)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_mlp_loss_leaves_its_inputs_alone():
    """Are params and X unchanged after a call with reg > 0?"""
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3), "W2": rng.normal(size=(3, 2)),
              "b2": rng.normal(size=2)}
    saved = {k: v.copy() for k, v in params.items()}
    X = rng.normal(size=(4, 2))
    tr.mlp_loss(params, X.copy(), np.array([0, 1, 1, 0]), "sigmoid", 0.5)
    assert all(np.array_equal(params[k], saved[k]) for k in params)


@pytest.mark.parametrize("mistake", sorted(_MLP_MISTAKES))
def test_mlp_loss_mistakes_are_wrong(mistake):
    """Does every named mistake of the hidden test give a wrong answer on a case that shows it?"""
    rng = np.random.default_rng(3)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros(4), "W2": rng.normal(size=(4, 3)),
              "b2": rng.normal(size=3)}
    X = rng.normal(size=(5, 3))
    X[0] = 0.0  # pre-activations exactly 0 in the first row, for relu_ge
    activation = "relu" if mistake == "relu_ge" else "tanh"
    right = tr._mlp_loss(params, X, np.array([0, 1, 2, 1, 0]), activation, 0.3)
    wrong = tr._mlp_loss(params, X, np.array([0, 1, 2, 1, 0]), activation, 0.3, mistake=mistake)
    assert not (np.isclose(right[0], wrong[0]) and all(np.allclose(right[1][k], wrong[1][k]) for k in params))


def test_visible_mlp_example_loss_is_the_references():
    """Is the loss written into the visible check the reference's loss on that example?"""
    params, X, y = visible.mlp_example()
    loss, _ = tr.mlp_loss(params, X, y, visible.MLP_EXAMPLE["activation"], visible.MLP_EXAMPLE["reg"])
    assert loss == pytest.approx(visible.MLP_EXAMPLE["loss"], rel=1e-12)


# ---- sgd_momentum -----------------------------------------------------------------------------------

@given(dtype=st.sampled_from(DTYPES), steps=st.integers(1, 6), lr=st.floats(1e-3, 1.0), mu=st.floats(0.0, 0.99),
       seed=st.integers(0, 1000))
def test_sgd_momentum_is_the_1986_rule(dtype, steps, lr, mu, seed):
    """Chained steps: is w(t) = w(t-1) + Delta w(t) with Delta w(t) = -lr dE/dw + mu Delta w(t-1), keeping the dtype?"""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(3, 2)).astype(dtype)
    config = {"learning_rate": lr, "momentum": mu}
    expected_w, delta = w.astype(np.float64), np.zeros((3, 2))
    for _ in range(steps):
        dw = rng.normal(size=(3, 2)).astype(dtype)
        w, config = tr.sgd_momentum(w, dw, config)
        delta = -lr * dw.astype(np.float64) + mu * delta
        expected_w = expected_w + delta
    assert w.dtype == dtype and config["velocity"].dtype == dtype
    np.testing.assert_allclose(w, expected_w, **TOL[dtype])
    np.testing.assert_allclose(config["velocity"], delta, **TOL[dtype])


def test_sgd_momentum_constant_gradient_reaches_lr_over_one_minus_mu():
    """With a constant gradient, does the step grow to learning_rate / (1 - momentum) times the gradient?"""
    w, config, g = np.zeros(2), {"learning_rate": 0.1, "momentum": 0.9}, np.array([1.0, -2.0])
    for _ in range(400):
        w, config = tr.sgd_momentum(w, g, config)
    np.testing.assert_allclose(config["velocity"], -0.1 * g / (1 - 0.9), rtol=1e-12)


def test_sgd_momentum_defaults_and_inputs():
    """Empty config: learning rate 1e-2 and momentum 0.9 are used and returned; w and config are unchanged."""
    w, dw, config = np.array([1.0, 2.0]), np.array([1.0, 1.0]), {}
    w1, c1 = tr.sgd_momentum(w, dw, config)
    w2, c2 = tr.sgd_momentum(w1, dw, c1)
    assert config == {} and w.tolist() == [1.0, 2.0]
    assert c1["learning_rate"] == 1e-2 and c1["momentum"] == 0.9
    np.testing.assert_allclose(w2, w - 0.01 * dw + (0.9 * -0.01 * dw - 0.01 * dw), rtol=1e-12)
    assert c1["velocity"] is not c2["velocity"]


def test_momentum_mistakes_do_not_include_the_right_answer():
    """On the visible example, is every listed sgd_momentum mistake different from the right trajectory?"""
    w = np.array([1.0, -2.0, 0.5])
    dws = [np.array([0.5, -1.0, 2.0]), np.array([0.5, -1.0, 2.0]), np.array([-1.0, 0.0, 1.0])]
    config = {"learning_rate": 0.2, "momentum": 0.9}
    right = visible.momentum_trajectory(tr.sgd_momentum, w, dws, config)
    for path, candidates in visible.sgd_momentum_mistakes(w, dws, config).items():
        index = visible.momentum_output_names(3).index(path)
        for text, value in candidates:
            assert not np.allclose(value, right[index]), (path, text)


# ---- clipping -------------------------------------------------------------------------------------------

grad_dicts = st.sampled_from(DTYPES).flatmap(lambda dt: st.dictionaries(
    st.sampled_from(["W1", "b1", "W2", "b2", "W3"]),
    arrays(dt, array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-50, 50, width=32)),
    min_size=1, max_size=4))


@given(grads=grad_dicts, clip=st.floats(0.01, 20.0))
def test_clip_grad_value_bounds_and_keeps(grads, clip):
    """Is every entry within [-clip, clip], unchanged where it already was, sign and dtype kept, inputs untouched?"""
    saved = {k: v.copy() for k, v in grads.items()}
    out = tr.clip_grad_value(grads, clip)
    assert set(out) == set(grads)
    for k, g in grads.items():
        assert np.array_equal(g, saved[k])
        assert out[k].dtype == g.dtype and out[k].shape == g.shape
        assert np.all(np.abs(out[k]) <= np.asarray(clip, dtype=g.dtype))
        inside = np.abs(g) <= clip
        assert np.array_equal(out[k][inside], g[inside])
        assert np.all(np.sign(out[k]) == np.sign(g))


@given(grads=grad_dicts, max_norm=st.floats(0.01, 100.0))
def test_clip_grad_norm_scales_all_by_one_factor(grads, max_norm):
    """Is the returned norm the global one, the result one common multiple of the input, of norm <= max_norm?"""
    saved = {k: v.copy() for k, v in grads.items()}
    out, total = tr.clip_grad_norm(grads, max_norm)
    g64 = {k: v.astype(np.float64) for k, v in grads.items()}
    flat = np.concatenate([v.ravel() for v in g64.values()])
    assert total == pytest.approx(np.linalg.norm(flat), rel=1e-12, abs=1e-300)
    assert all(np.array_equal(grads[k], saved[k]) for k in grads)
    factor = 1.0 if total <= max_norm else max_norm / total
    tol = TOL[next(iter(grads.values())).dtype.type]
    for k in grads:
        assert out[k].dtype == grads[k].dtype and out[k].shape == grads[k].shape
        np.testing.assert_allclose(out[k], g64[k] * factor, **tol)
    clipped_norm = np.linalg.norm(np.concatenate([v.astype(np.float64).ravel() for v in out.values()]))
    assert clipped_norm <= max_norm * (1 + 1e-6) or total <= max_norm


def test_clip_grad_norm_3_4_5():
    """W of norm 3 and b of norm 4: is the global norm 5, and are both scaled by 1/5 for max_norm 1?"""
    out, total = tr.clip_grad_norm({"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}, 1.0)
    assert total == 5.0
    np.testing.assert_allclose(out["W"], [[0.6, 0.0]])
    np.testing.assert_allclose(out["b"], [0.8])


@pytest.mark.parametrize("max_norm", [1.0, 50.0])
def test_clip_norm_mistakes_do_not_include_the_right_answer(max_norm):
    """Is every listed clip_grad_norm mistake different from the right answer, above and below the threshold?"""
    grads = {"W": np.random.default_rng(0).normal(size=(3, 2)), "b": np.array([0.5, -2.0])}
    right, total = tr.clip_grad_norm(grads, max_norm)
    for path, candidates in visible.clip_norm_mistakes(grads, max_norm).items():
        value_right = total if path == "total_norm" else right[path[len("clipped['"):-2]]
        for text, value in candidates:
            assert not np.allclose(value, value_right), (path, text)


# ---- initialisation -------------------------------------------------------------------------------------

SHAPES = [(300, 200), (100, 400), (784, 64), (400, 150), (2, 7)]


@pytest.mark.parametrize("kind", ["xavier", "he"])
@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_init_judge_accepts_the_reference_for_every_seed(kind, fan_in, fan_out):
    """Do the statistical judges accept the reference's draws for 40 seeds (no false failures)?"""
    init = tr.xavier_init if kind == "xavier" else tr.he_init
    for seed in range(40):
        draws = visible.init_draws(init, fan_in, fan_out, seed)
        visible.judge_init(kind, draws, fan_in, fan_out)
        visible.judge_normal(kind, draws[0], fan_in, fan_out)


@pytest.mark.parametrize("kind", ["xavier", "he"])
def test_init_has_the_stated_variance(kind):
    """Pooled over many draws, is the variance 2 / (fan_in + fan_out) (Xavier) or 2 / fan_in (He), mean 0?"""
    init = tr.xavier_init if kind == "xavier" else tr.he_init
    w = np.concatenate([init(50, 30, np.random.default_rng(s)).ravel() for s in range(200)])
    variance = 2 / 80 if kind == "xavier" else 2 / 50
    assert abs(np.mean(w)) < 5 * np.sqrt(variance / w.size)
    assert np.var(w) == pytest.approx(variance, rel=5 * np.sqrt(2 / w.size))


@pytest.mark.parametrize("kind", ["xavier", "he"])
@pytest.mark.parametrize("wrong", ["sqrt missing", "uniform", "other fan", "transposed"])
def test_init_judge_rejects_known_mistakes(kind, wrong):
    """Does the judge reject a missing square root, uniform draws, the other fan, and a transposed shape?"""
    fan_in, fan_out = 300, 200
    variance = 2 / (fan_in + fan_out) if kind == "xavier" else 2 / fan_in

    def init(a, b, rng):
        if wrong == "sqrt missing":
            return rng.normal(0, variance, (a, b))
        if wrong == "uniform":
            limit = np.sqrt(3 * variance)
            return rng.uniform(-limit, limit, (a, b))
        if wrong == "other fan":
            return rng.normal(0, np.sqrt(2 / b if kind == "he" else 1 / a), (a, b))
        return rng.normal(0, np.sqrt(variance), (b, a))

    with pytest.raises(CheckFailure):
        visible.judge_init(kind, visible.init_draws(init, fan_in, fan_out, 0), fan_in, fan_out)


def law_with_the_normals_variance(kind: str, law: str):
    """An initialiser with the right mean and variance but the wrong law.

    ``law`` is "three points" (-a, 0, a with probabilities 1/6, 2/3, 1/6: the normal's first four
    moments) or "uniform" (Glorot and Bengio's original).
    """
    def init(fan_in, fan_out, rng):
        std = np.sqrt(visible.init_variance(kind, fan_in, fan_out))
        if law == "three points":
            a = np.sqrt(3.0) * std
            return rng.choice([-a, 0.0, a], size=(fan_in, fan_out), p=[1 / 6, 2 / 3, 1 / 6])
        return rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, (fan_in, fan_out))
    return init


@pytest.mark.parametrize("kind", ["xavier", "he"])
@pytest.mark.parametrize("law, diagnosis", [("three points", "only 3 distinct values"),
                                            ("uniform", "normally distributed")])
def test_visible_init_check_rejects_other_laws_with_the_normals_variance(kind, law, diagnosis):
    """Does the visible check fail the laws the hidden test fails, with the same diagnosis?"""
    with pytest.raises(CheckFailure, match=diagnosis):
        getattr(visible, f"check_{kind}_init")(law_with_the_normals_variance(kind, law))


@pytest.mark.parametrize("kind", ["xavier", "he"])
@pytest.mark.parametrize("law", ["three points", "uniform"])
def test_normal_judge_rejects_other_laws_with_the_normals_variance(kind, law):
    """Does the normality judge alone reject them on the visible check's (400, 150) draw?"""
    weights = law_with_the_normals_variance(kind, law)(400, 150, np.random.default_rng(0))
    with pytest.raises(CheckFailure, match="a normal law was asked for"):
        visible.judge_normal(kind, weights, 400, 150)


@pytest.mark.parametrize("kind", ["xavier", "he"])
@pytest.mark.parametrize("skipped", range(5))
def test_visible_init_check_accepts_normal_draws_from_other_seeds(kind, skipped, capsys):
    """Does the visible check accept rng.normal(0, std, size) on samples other than the reference's?

    The check seeds its generators itself; throwing away ``skipped`` whole draws first gives the
    initialiser an independent sample for every value.
    """
    def init(fan_in, fan_out, rng):
        rng.standard_normal((skipped, fan_in, fan_out))
        return rng.normal(0.0, np.sqrt(visible.init_variance(kind, fan_in, fan_out)), (fan_in, fan_out))

    getattr(visible, f"check_{kind}_init")(init)
    assert "[ok]" in capsys.readouterr().out


# ---- dropout -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, keep_prob", [((50, 40), 0.5), ((20, 30), 0.8), ((10, 6, 5), 0.3), ((1, 500), 0.75)])
def test_dropout_judge_accepts_the_reference_for_every_seed(dtype, shape, keep_prob):
    """Does the property judge accept the reference's forward pass for 40 seeds, and its backward pass?"""
    rng = np.random.default_rng(0)
    x = visible._dropout_x(rng, shape, dtype)
    dout = rng.normal(size=shape).astype(dtype)
    for seed in range(40):
        visible.judge_dropout_forward(visible.dropout_draws(tr.dropout_forward, x, keep_prob, True, seed), x,
                                      keep_prob, True)
        out, cache = tr.dropout_forward(x, keep_prob, True, np.random.default_rng(seed))
        visible.judge_dropout_backward(out, tr.dropout_backward(dout, cache), x, keep_prob, True, dout,
                                       rtol=1e-5 if dtype == np.float32 else 1e-9)


@given(x=st.sampled_from(DTYPES).flatmap(lambda dt: arrays(dt, array_shapes(min_dims=1, max_dims=3, max_side=5),
                                                           elements=st.floats(-4, 4, width=32))),
       keep_prob=st.sampled_from([0.2, 0.5, 0.9, 1.0]), seed=st.integers(0, 1000))
def test_dropout_backward_is_the_vjp_of_the_forward(x, keep_prob, seed):
    """With the mask fixed by the seed, is dropout_backward autograd's and central differences' VJP of the forward?"""
    dout = np.random.default_rng(seed + 1).normal(size=x.shape).astype(x.dtype)
    out, cache = tr.dropout_forward(x, keep_prob, True, np.random.default_rng(seed))
    dx = tr.dropout_backward(dout, cache)
    assert out.dtype == x.dtype and dx.dtype == x.dtype
    mask = np.asarray(cache, dtype=np.float64)  # the reference caches the scaled mask
    expected = autograd.grad(lambda v: anp.sum(v * mask * dout.astype(np.float64)))(x.astype(np.float64))
    np.testing.assert_allclose(dx, expected, **TOL[x.dtype.type])
    forward = lambda v: tr.dropout_forward(v, keep_prob, True, np.random.default_rng(seed))[0]  # noqa: E731
    np.testing.assert_allclose(dx, num_vjp(forward, x.astype(np.float64), dout), rtol=1e-5, atol=1e-6)


def test_dropout_is_the_identity_at_test_time():
    """With train=False, is out equal to x and dx equal to dout, whatever keep_prob?"""
    x, dout = np.arange(6.0).reshape(2, 3) + 1, np.full((2, 3), 2.5)
    out, cache = tr.dropout_forward(x, 0.3, False, np.random.default_rng(0))
    assert np.array_equal(out, x) and np.array_equal(tr.dropout_backward(dout, cache), dout)


def test_dropout_preserves_the_expectation():
    """Averaged over many masks, is the output of inverted dropout its input?"""
    x = np.array([[1.0, -2.0, 3.0]])
    rng = np.random.default_rng(0)
    mean = np.mean([tr.dropout_forward(x, 0.3, True, rng)[0] for _ in range(20000)], axis=0)
    np.testing.assert_allclose(mean, x, rtol=0.05)


@pytest.mark.parametrize("wrong", ["not scaled", "drop probability", "shared rows", "float64 mask"])
def test_dropout_judge_rejects_known_mistakes(wrong):
    """Does the forward judge reject unscaled units, keep/drop confusion, one mask per batch and a float64 out?"""
    x = visible._dropout_x(np.random.default_rng(0), (50, 40), np.float32)

    def forward(x_, keep_prob, train, rng):
        if wrong == "not scaled":
            return x_ * (rng.random(x_.shape) < keep_prob), None
        if wrong == "drop probability":
            return x_ * (rng.random(x_.shape) < 1 - keep_prob) / keep_prob, None
        if wrong == "shared rows":
            return x_ * (rng.random(x_.shape[1:]) < keep_prob) / keep_prob, None
        return x_ * ((rng.random(x_.shape) < keep_prob) / keep_prob), None

    with pytest.raises(CheckFailure):
        visible.judge_dropout_forward(visible.dropout_draws(forward, x, 0.8, True, 0), x, 0.8, True)


# ---- early_stopping -------------------------------------------------------------------------------------

def brute_force_stop(losses, patience):
    """Early stopping by its definition, written another way: the first epoch t at which the best loss of
    epochs 0..t was reached `patience` epochs ago (or earlier); keep the best epoch up to there."""
    values = np.asarray(losses, dtype=np.float64)
    numbers = np.flatnonzero(~np.isnan(values))
    if numbers.size == 0:
        return None
    for t in range(numbers[0], values.size):
        seen = np.where(np.isnan(values[:t + 1]), np.inf, values[:t + 1])
        best = int(np.argmin(seen))            # argmin keeps the first of equal values: ties keep the earlier
        if t - best >= patience:
            return best
    seen = np.where(np.isnan(values), np.inf, values)
    return int(np.argmin(seen))


@given(st.lists(st.one_of(st.sampled_from([0.5, 1.0, 1.5, float("nan")]), st.floats(0.0, 3.0)), max_size=25),
       st.integers(1, 6))
def test_early_stopping_is_its_definition(losses, patience):
    """Does early_stopping keep the epoch its definition gives, ties, NaN and empty lists included?"""
    assert tr.early_stopping(losses, patience) == brute_force_stop(losses, patience)


def test_early_stopping_examples_and_inputs():
    """Do small hand-worked lists give the stated epochs, and are list and array inputs left alone?"""
    losses = [2.0, 1.4, 1.1, 1.3, 1.2, 1.25, 0.8]
    assert tr.early_stopping(losses, 2) == 2          # stops at epoch 4: 0.8 is never seen
    assert tr.early_stopping(losses, 4) == 6
    assert tr.early_stopping([1.0, 0.8, 0.8, 0.9], 3) == 1
    assert tr.early_stopping([], 1) is None and tr.early_stopping([np.nan, np.nan], 1) is None
    array = np.array(losses)
    tr.early_stopping(array, 2)
    assert losses == [2.0, 1.4, 1.1, 1.3, 1.2, 1.25, 0.8] and np.array_equal(array, losses)


@pytest.mark.parametrize("mistake", ["stops_early", "stops_late", "last_not_best", "ignores_patience", "ties_improve"])
def test_early_stopping_mistakes_are_wrong_on_some_hidden_case(mistake):
    """Does every named mistake give a wrong epoch on at least one hidden case, and is it named there?"""
    from chainrule_reference.hidden import HIDDEN_TESTS
    from chainrule_reference.spec import draw_inputs
    test = HIDDEN_TESTS["early_stopping"]
    named = False
    for inputs in draw_inputs(test):
        right = tr.early_stopping(inputs["val_losses"], inputs["patience"])
        wrong = visible._stop_rule(inputs["val_losses"], inputs["patience"], mistake)
        if wrong != right:
            with pytest.raises(CheckFailure) as failure:
                visible.judge_early_stopping(wrong, right, inputs["val_losses"], inputs["patience"])
            named = named or visible._STOP_MISTAKES[mistake] in str(failure.value)
    assert named


def test_early_stopping_judge_accepts_integer_types_and_rejects_others():
    """Is an epoch accepted as an int, a numpy integer or an integral float, and None or a bool refused?"""
    losses = [1.0, 0.5, 0.7, 0.8]
    for answer in (1, np.int64(1), 1.0):
        visible.judge_early_stopping(answer, 1, losses, 2)
    for answer in (None, True, "1", 1.5):
        with pytest.raises(CheckFailure):
            visible.judge_early_stopping(answer, 1, losses, 2)
    with pytest.raises(CheckFailure, match="return None"):
        visible.judge_early_stopping(0, None, [], 2)


# ---- the visible checks accept the reference ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["sgd_momentum", "clip_grad_value", "clip_grad_norm", "xavier_init", "he_init",
                                  "dropout_forward", "mlp_loss", "early_stopping", "delta_by_hand"])
def test_visible_checks_accept_the_reference(name, capsys):
    """Does each visible check pass the reference implementation?"""
    getattr(visible, f"check_{name}")(getattr(tr, name))
    assert "[ok]" in capsys.readouterr().out


def test_visible_dropout_backward_check_accepts_the_reference(capsys):
    """Does the dropout backward check pass the reference pair (its cache is the scaled mask)?"""
    visible.check_dropout_backward(tr.dropout_forward, tr.dropout_backward)
    assert "[ok]" in capsys.readouterr().out


def test_visible_momentum_check_says_the_weights_are_right():
    """Is momentum that stores +v and steps w - v told that its weights are right and its velocity flipped?"""
    from .variants import variant_function
    with pytest.raises(CheckFailure, match="your weights are right, but the stored velocity has the opposite sign"):
        visible.check_sgd_momentum(variant_function("09-training-and-stability",
                                                    "stores the step with the opposite sign"))


def test_visible_dropout_backward_says_what_the_forward_did():
    """Is a missing 1 / keep_prob explained by what the learner's own forward did with the kept units?"""
    from .variants import variant_function
    label = "non-inverted dropout in both passes (the forward does not divide either)"
    notebook = "09-training-and-stability"
    with pytest.raises(CheckFailure) as failure:
        visible.check_dropout_backward(variant_function(notebook, label, "dropout_forward"),
                                       variant_function(notebook, label))
    assert "did not divide the kept units by keep_prob either" in str(failure.value)
    assert "the forward divided the kept units" not in str(failure.value)
    with pytest.raises(CheckFailure, match="the forward divided the kept units by keep_prob"):
        visible.check_dropout_backward(
            variant_function(notebook, "rng.binomial mask of 0/1 in x's dtype"),
            variant_function(notebook, "the 1 / keep_prob scaling forgotten"))


# ---- the checkpoint of the delta recursion --------------------------------------------------------------

def test_delta_by_hand_answer_is_the_delta_recursion_and_autograd():
    """Are the checkpoint's delta_1 and dW2 those autograd finds for a loss whose dL/dz_2 is the given delta_2?"""
    ex = visible._BY_HAND

    def loss(z1, W2):          # L = sum(delta_2 * z_2) has dL/dz_2 = delta_2
        return anp.sum(ex["delta2"] * (anp.dot(anp.maximum(z1, 0.0), W2)))

    z1 = ex["h0"] @ ex["W1"] + ex["b1"]
    delta1, dW2 = autograd.grad(loss, 0)(z1, ex["W2"]), autograd.grad(loss, 1)(z1, ex["W2"])
    visible.judge_delta_by_hand((delta1, dW2))
    np.testing.assert_allclose(delta1, [[-2.5, 0.0]])
    np.testing.assert_allclose(dW2, [[2.5, -5.0], [0.0, 0.0]])


def test_delta_by_hand_judge_names_the_mistakes_and_accepts_other_containers():
    """Is each known slip named, a list of lists accepted, and a wrong shape refused?"""
    visible.judge_delta_by_hand(([-2.5, 0.0], [[2.5, -5.0], [0, 0]]))
    for key, found in visible.delta_by_hand_mistakes().items():
        for text, wrong in found:
            answer = (wrong, [[2.5, -5.0], [0.0, 0.0]]) if key == "delta_1" else ([[-2.5, 0.0]], wrong)
            with pytest.raises(CheckFailure, match="Likely mistake"):
                visible.judge_delta_by_hand(answer)
    with pytest.raises(CheckFailure, match="shape"):
        visible.judge_delta_by_hand(([[-2.5, 0.0, 1.0]], [[2.5, -5.0], [0.0, 0.0]]))
    with pytest.raises(CheckFailure, match="tuple"):
        visible.judge_delta_by_hand([[-2.5, 0.0]])
