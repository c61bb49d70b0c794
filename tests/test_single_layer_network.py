"""Notebook 07's reference functions against two independent witnesses, central
differences (chainrule.gradcheck) and automatic differentiation (autograd), on
randomized shapes and values, in float64 and float32; plus the edge cases the
notebook cares about (the kink at 0, one example, large scores) and the
machinery of the graded training run.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule import CheckFailure
from chainrule.gradcheck import num_grad, num_vjp
from chainrule.visible import single_layer_network as vis
from chainrule_reference import single_layer_network as ref

from .nbtools import read, solution_path

pytestmark = pytest.mark.nb07

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
# float32 keeps about 7 digits; the loss and the gradients lose one or two of them on the way.
TOL = {np.float64: dict(rtol=1e-7, atol=1e-10), np.float32: dict(rtol=1e-3, atol=1e-5)}
SEEDS = st.integers(0, 2 ** 32 - 1)
DIMS = st.integers(1, 5)


def _one_hot(rng, classes):
    y = np.zeros((classes, 1))
    y[rng.integers(classes)] = 1.0
    return y


def _single_params(rng, Dx, Dh, Nc, dtype=np.float64):
    return {"W": rng.normal(size=(Dh, Dx)).astype(dtype), "b1": rng.normal(size=(Dh, 1)).astype(dtype),
            "U": rng.normal(size=(Nc, Dh)).astype(dtype), "b2": rng.normal(size=(Nc, 1)).astype(dtype)}


def _batch_params(rng, D, H, C, dtype=np.float64):
    return {"W1": rng.normal(size=(D, H)).astype(dtype), "b1": rng.normal(size=H).astype(dtype),
            "W2": rng.normal(size=(H, C)).astype(dtype), "b2": rng.normal(size=C).astype(dtype)}


def _log_softmax(s, axis):
    shifted = s - anp.max(s, axis=axis, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=axis, keepdims=True))


def single_J(W, b1, U, b2, x, y):
    """The column-form network's loss, written with autograd.numpy (the oracle)."""
    h = anp.maximum(anp.dot(W, x) + b1, 0.0)
    return -anp.sum(y * _log_softmax(anp.dot(U, h) + b2, axis=0))


def batch_loss(W1, b1, W2, b2, X, y, reg):
    """The row-form network's loss, written with autograd.numpy (the oracle)."""
    h = anp.maximum(anp.dot(X, W1) + b1, 0.0)
    log_p = _log_softmax(anp.dot(h, W2) + b2, axis=1)
    return -anp.mean(log_p[np.arange(X.shape[0]), y]) + 0.5 * reg * (anp.sum(W1 ** 2) + anp.sum(W2 ** 2))


# ---- ReLU ------------------------------------------------------------------------------------------

@given(seed=SEEDS, shape=st.lists(DIMS, min_size=1, max_size=3), dtype=st.sampled_from(DTYPES))
def test_relu_layer_matches_autograd_and_central_differences(seed, shape, dtype):
    """Do relu_forward and relu_backward agree with autograd and central differences, keeping the dtype?"""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, shape)
    x = np.where(np.abs(x) < 1e-3, 1e-3, x).astype(dtype)       # off the kink
    dout = rng.uniform(0.5, 2.5, shape).astype(dtype) * rng.choice([-1, 1], shape).astype(dtype)
    out, cache = ref.relu_forward(x)
    dx = ref.relu_backward(dout, cache)
    assert out.dtype == dx.dtype == np.dtype(dtype) and out.shape == dx.shape == x.shape
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    oracle = autograd.grad(lambda v: anp.sum(anp.maximum(v, 0.0) * d64))(x64)
    np.testing.assert_allclose(dx, oracle, **TOL[dtype])
    np.testing.assert_allclose(dx, num_vjp(lambda v: ref.relu_forward(v)[0], x64, d64), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_at_the_kink_is_zero(dtype):
    """Does ReLU pass no gradient at exactly x = 0, and all of dout just beside it?"""
    x = np.array([-1e-7, 0.0, -0.0, 1e-7], dtype=dtype)
    dx = ref.relu_backward(np.full(4, 2.5, dtype=dtype), ref.relu_forward(x)[1])
    assert dx.tolist() == [0.0, 0.0, 0.0, 2.5] and dx.dtype == np.dtype(dtype)


# ---- the single-layer network, column form -----------------------------------------------------------

@given(seed=SEEDS, Dx=DIMS, Dh=DIMS, Nc=st.integers(2, 5), dtype=st.sampled_from(DTYPES))
def test_single_layer_grads_match_autograd_and_central_differences(seed, Dx, Dh, Nc, dtype):
    """Are J and the five gradients of the column-form network those of autograd and of central differences?"""
    rng = np.random.default_rng(seed)
    params = _single_params(rng, Dx, Dh, Nc, dtype)
    x, y = rng.normal(size=(Dx, 1)).astype(dtype), _one_hot(rng, Nc).astype(dtype)
    J, grads = ref.single_layer_loss_and_grads(x, y, params)
    assert set(grads) == {"W", "b1", "U", "b2", "x"}
    inputs = {k: v.astype(np.float64) for k, v in {**params, "x": x}.items()}
    args = [inputs[k] for k in ("W", "b1", "U", "b2", "x")]
    assert J == pytest.approx(single_J(*args, y.astype(np.float64)), rel=TOL[dtype]["rtol"], abs=TOL[dtype]["atol"])
    for i, key in enumerate(("W", "b1", "U", "b2", "x")):
        assert grads[key].shape == inputs[key].shape
        oracle = autograd.grad(single_J, i)(*args, y.astype(np.float64))
        np.testing.assert_allclose(grads[key], oracle, **TOL[dtype])
        if dtype is np.float64:
            numeric = num_grad(lambda v: single_J(*[v if j == i else a for j, a in enumerate(args)], y), args[i])
            np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-7)


def test_single_layer_error_signals_are_yhat_minus_y_and_masked():
    """Is delta2 = dL/dtheta = yhat - y (summing to 0), and delta1 = dL/dz zero exactly where z <= 0, including z = 0?"""
    rng = np.random.default_rng(5)
    params = _single_params(rng, 3, 4, 3)
    params["W"][0], params["b1"][0] = 0.0, 0.0          # unit 0 at the kink
    x, y = rng.normal(size=(3, 1)), _one_hot(rng, 3)
    parts = ref.single_layer_parts(x, y, params)
    np.testing.assert_allclose(parts["delta2"], parts["yhat"] - y)
    assert abs(parts["delta2"].sum()) < 1e-12
    assert np.all(parts["delta1"][parts["z"] <= 0] == 0) and parts["z"][0, 0] == 0
    _, grads = ref.single_layer_loss_and_grads(x, y, params)
    assert np.all(grads["W"][0] == 0) and grads["b1"][0, 0] == 0


def test_single_layer_is_stable_for_large_scores():
    """With every score shifted by 1000, are J and the gradients finite and unchanged?"""
    rng = np.random.default_rng(6)
    params = _single_params(rng, 3, 4, 3)
    x, y = rng.normal(size=(3, 1)), _one_hot(rng, 3)
    J, grads = ref.single_layer_loss_and_grads(x, y, params)
    J_big, grads_big = ref.single_layer_loss_and_grads(x, y, {**params, "b2": params["b2"] + 1000.0})
    assert J_big == pytest.approx(J, rel=1e-9)
    for key in grads:
        np.testing.assert_allclose(grads_big[key], grads[key], rtol=1e-9, atol=1e-12)


# ---- the two-layer network, row form ----------------------------------------------------------------

@given(seed=SEEDS, N=DIMS, D=DIMS, H=DIMS, C=st.integers(2, 5), reg=st.sampled_from([0.0, 0.05, 0.7]),
       dtype=st.sampled_from(DTYPES))
def test_two_layer_loss_matches_autograd_and_central_differences(seed, N, D, H, C, reg, dtype):
    """Are the batch loss and its four gradients those of autograd and of central differences?"""
    rng = np.random.default_rng(seed)
    params = _batch_params(rng, D, H, C, dtype)
    X, y = rng.normal(size=(N, D)).astype(dtype), rng.integers(0, C, N)
    loss, grads = ref.two_layer_loss(params, X, y, reg)
    assert set(grads) == set(params)
    args = [params[k].astype(np.float64) for k in ("W1", "b1", "W2", "b2")]
    X64 = X.astype(np.float64)
    assert loss == pytest.approx(batch_loss(*args, X64, y, reg), rel=TOL[dtype]["rtol"], abs=TOL[dtype]["atol"])
    for i, key in enumerate(("W1", "b1", "W2", "b2")):
        assert grads[key].shape == params[key].shape
        oracle = autograd.grad(batch_loss, i)(*args, X64, y, reg)
        np.testing.assert_allclose(grads[key], oracle, **TOL[dtype])
        if dtype is np.float64:
            numeric = num_grad(lambda v: batch_loss(*[v if j == i else a for j, a in enumerate(args)], X64, y, reg),
                               args[i])
            np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-7)


def test_two_layer_loss_is_the_mean_over_the_batch():
    """Does repeating the batch three times leave the loss and every gradient unchanged (a mean, not a sum)?"""
    rng = np.random.default_rng(7)
    params = _batch_params(rng, 3, 4, 3)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, 5)
    loss, grads = ref.two_layer_loss(params, X, y, 0.1)
    loss3, grads3 = ref.two_layer_loss(params, np.tile(X, (3, 1)), np.tile(y, 3), 0.1)
    assert loss3 == pytest.approx(loss, rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads3[key], grads[key], rtol=1e-10, atol=1e-13)


def test_two_layer_with_one_example_is_the_column_form_transposed():
    """With N = 1, is the row-form network the column-form one with W1 = W^T, W2 = U^T (loss and gradients)?"""
    rng = np.random.default_rng(8)
    col = _single_params(rng, 3, 5, 4)
    x, c = rng.normal(size=(3, 1)), 2
    y = np.zeros((4, 1))
    y[c] = 1.0
    J, g = ref.single_layer_loss_and_grads(x, y, col)
    row = {"W1": col["W"].T, "b1": col["b1"][:, 0], "W2": col["U"].T, "b2": col["b2"][:, 0]}
    loss, grads = ref.two_layer_loss(row, x.T, np.array([c]))
    assert loss == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(grads["W1"], g["W"].T, rtol=1e-12)
    np.testing.assert_allclose(grads["W2"], g["U"].T, rtol=1e-12)
    np.testing.assert_allclose(grads["b1"], g["b1"][:, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["b2"], g["b2"][:, 0], rtol=1e-12)


def test_two_layer_unit_at_the_kink_gets_no_gradient():
    """Does a hidden unit with z = 0 on every example (zero weights and bias) get exactly zero gradients?"""
    rng = np.random.default_rng(9)
    params = _batch_params(rng, 3, 4, 3)
    params["W1"][:, 1], params["b1"][1] = 0.0, 0.0
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    _, grads = ref.two_layer_loss(params, X, y, 0.3)
    assert np.all(grads["W1"][:, 1] == 0) and grads["b1"][1] == 0


def test_two_layer_loss_is_stable_for_large_scores():
    """With every score shifted by 1000, is the loss finite and unchanged?"""
    rng = np.random.default_rng(10)
    params = _batch_params(rng, 2, 3, 3)
    X, y = rng.normal(size=(4, 2)), rng.integers(0, 3, 4)
    loss, _ = ref.two_layer_loss(params, X, y, 0.2)
    big, _ = ref.two_layer_loss({**params, "b2": params["b2"] + 1000.0}, X, y, 0.2)
    assert big == pytest.approx(loss, rel=1e-9)


# ---- gradient descent and the graded run ---------------------------------------------------------------

@given(seed=SEEDS, lr=st.floats(1e-4, 3.0), dtype=st.sampled_from(DTYPES))
def test_sgd_step_returns_new_arrays_and_leaves_inputs_alone(seed, lr, dtype):
    """Is sgd_step params - lr * grads, in new arrays, with its inputs unchanged?"""
    rng = np.random.default_rng(seed)
    params = _batch_params(rng, 2, 3, 2, dtype)
    grads = _batch_params(rng, 2, 3, 2, dtype)
    before = {k: v.copy() for k, v in params.items()}
    new = ref.sgd_step(params, grads, lr)
    assert set(new) == set(params)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
        assert new[key] is not params[key] and not np.shares_memory(new[key], params[key])
        np.testing.assert_allclose(new[key], before[key] - lr * grads[key], **TOL[dtype])


def test_reference_training_run_reaches_the_bar():
    """Does the graded run, with the reference functions, clear the bar by a wide margin?"""
    inputs = vis.spiral_run_inputs()
    run = vis.train_two_layer(ref.two_layer_loss, ref.sgd_step, inputs["X"], inputs["y"], inputs["hidden"],
                              inputs["lr"], inputs["reg"], inputs["iters"], np.random.default_rng(inputs["seed"]))
    assert run["accuracy"] >= vis.SPIRAL_RUN["bar"] + 0.05
    assert len(run["losses"]) == inputs["iters"] and run["losses"][-1] < run["losses"][0] / 3
    vis.judge_spiral_run(run, vis.SPIRAL_RUN["bar"], inputs)


@pytest.mark.parametrize("losses, phrase", [([1.5, 3.0, np.inf], "NaN or infinite"), ([1.1, 1.2, 1.3], "went up"),
                                            ([1.1, 1.0, 0.9], "fell only")])
def test_judge_training_explains_a_failed_run(losses, phrase):
    """Does a run below the bar fail with a message that says what the loss did?"""
    run = {"accuracy": 0.5, "losses": np.array(losses)}
    with pytest.raises(CheckFailure, match=phrase):
        vis.judge_spiral_run(run, 0.9, {"iters": 3, "hidden": 4, "lr": 1.0, "reg": 0.0})


def test_notebook_trains_with_the_graded_settings():
    """Does the notebook's training cell use exactly the settings that the graded run uses?"""
    s = vis.SPIRAL_RUN
    sources = [c.source for c in read(solution_path("07-single-layer-network")).cells if c.cell_type == "code"]
    cell = next(src for src in sources if "for step in range(STEPS)" in src)
    assert f"spiral({s['n_per_class']}, {s['n_classes']}, np.random.default_rng({s['data_seed']}))" in cell
    assert f"H, LR, REG, STEPS = {s['hidden']}, {s['lr']!r}, {s['reg']!r}, {s['iters']}" in cell
    assert f"init_two_layer(X.shape[1], H, {s['n_classes']}, np.random.default_rng({s['init_seed']}))" in cell


def test_visible_examples_match_the_reference(capsys):
    """Are the visible checks' fixed numbers the reference's, and do the checks accept the reference?"""
    x, y, params = vis._single_example()
    assert ref.single_layer_loss_and_grads(x, y, params)[0] == pytest.approx(vis._SINGLE_J, rel=1e-12)
    X, yb, bparams = vis._batch_example()
    assert ref.two_layer_parts(bparams, X, yb, 0.0)["data_loss"] == pytest.approx(vis._BATCH_DATA_LOSS, rel=1e-12)
    vis.check_relu_forward(ref.relu_forward)
    vis.check_relu_backward(ref.relu_backward, ref.relu_forward)
    vis.check_single_layer_loss_and_grads(ref.single_layer_loss_and_grads)
    vis.check_two_layer_loss(ref.two_layer_loss)
    vis.check_sgd_step(ref.sgd_step)
    assert capsys.readouterr().out.count("[ok]") == 5


@pytest.mark.parametrize("label, phrase", [
    ("z >= 0 at the kink", "not z >= 0"),
    ("softmax without subtracting the max", "not shifted by their largest value"),
])
def test_visible_check_catches_the_kink_and_large_scores(label, phrase, capsys):
    """Does the visible check fail, with a named mistake, what only the hidden test's kink and large-score
    cases caught before?"""
    from .variants import variant_function
    with pytest.raises(CheckFailure, match=phrase):
        vis.check_single_layer_loss_and_grads(variant_function("07-single-layer-network", label))


@pytest.mark.parametrize("label, phrase", [
    ("Z >= 0 at the kink", "not z >= 0"),
    ("softmax without subtracting the max, on a batch", "not shifted by their largest value"),
])
def test_two_layer_visible_check_catches_the_kink_and_large_scores(label, phrase, capsys):
    """Does two_layer_loss's visible check name the mask z >= 0 (a unit exactly at the kink) and the unshifted
    softmax (scores near 1000), as the hidden test does?"""
    from .variants import variant_function
    variant = variant_function("07-single-layer-network", label, "two_layer_loss")
    with pytest.raises(CheckFailure, match=phrase):
        vis.check_two_layer_loss(variant)


def test_hidden_test_names_the_unshifted_softmax():
    """Does the hidden test of single_layer_loss_and_grads name the unshifted softmax on its large-score case,
    instead of reporting only that the result contains NaN?"""
    from chainrule_reference.grading import compare_case
    from chainrule_reference.hidden.single_layer_network import TESTS
    from chainrule_reference.spec import draw_inputs
    from .variants import variant_function
    for name, label in (("single_layer_loss_and_grads", "softmax without subtracting the max"),
                        ("two_layer_loss", "softmax without subtracting the max, on a batch")):
        test = next(t for t in TESTS if t.name == name)
        wrong = variant_function("07-single-layer-network", label, name)
        index = next(i for i, case in enumerate(test.cases) if "1000" in case.label)
        inputs = draw_inputs(test)[index]
        with np.errstate(all="ignore"), pytest.raises(CheckFailure, match="not shifted by their largest value"):
            compare_case(test, index, inputs, test.run({name: wrong}, inputs))


# ---- the graded run on the digits -------------------------------------------------------------------

def _digits_run(loss_fn, step_fn, seed):
    i = vis.digits_run_inputs()
    return vis.train_two_layer_batches(loss_fn, step_fn, i["X"], i["y"], i["X_val"], i["y_val"], i["hidden"], i["lr"],
                                       i["reg"], i["epochs"], i["batch_size"], np.random.default_rng(seed))


def test_reference_digits_run_clears_the_bar_on_every_seed():
    """Does the digits run, with the reference functions, clear the validation bar with a margin on seeds 0-4,
    so that the bar the notebook states holds whatever the seed?"""
    for seed in range(5):
        run = _digits_run(ref.two_layer_loss, ref.sgd_step, seed)
        assert run["val_accuracy"] >= vis.DIGITS_RUN["bar"] + 0.05
        assert len(run["losses"]) == vis.DIGITS_RUN["epochs"] * 20 and len(run["val_accuracies"]) == 10
    vis.judge_digits_run(run, vis.DIGITS_RUN["bar"], vis.digits_run_inputs())


def test_digits_run_fails_a_missing_1_over_n_with_a_reason():
    """Does a two_layer_loss without 1/N in its gradients fall below the bar, and does the judge say why?"""
    from .variants import variant_function
    wrong = variant_function("07-single-layer-network", "gradients without 1/N")
    with np.errstate(all="ignore"):
        run = _digits_run(wrong, ref.sgd_step, vis.DIGITS_RUN["seed"])
    with pytest.raises(CheckFailure, match="Likely mistake"):
        vis.judge_digits_run(run, vis.DIGITS_RUN["bar"], vis.digits_run_inputs())


def test_notebook_trains_on_the_digits_with_the_graded_settings():
    """Does the notebook's digits cell use exactly the settings that the graded digits run uses?"""
    s = vis.DIGITS_RUN
    sources = [c.source for c in read(solution_path("07-single-layer-network")).cells if c.cell_type == "code"]
    cell = next(src for src in sources if "for epoch in range(EPOCHS)" in src)
    assert (f"H, LR, REG, EPOCHS, BATCH = {s['hidden']}, {s['lr']!r}, {s['reg']!r}, {s['epochs']}, "
            f"{s['batch_size']}") in cell
    assert f"init_two_layer(X_train.shape[1], H, 10, rng)" in cell and f"np.random.default_rng({s['seed']})" in cell


def test_first_layer_weights_figure_has_one_image_per_unit():
    """Does plot_first_layer_weights put each unit's weights, scaled by their largest, at the unit's place in the mosaic,
    and refuse a W1 that is not (64, H)?"""
    from chainrule.plots import plot_first_layer_weights
    W1 = np.random.default_rng(0).normal(size=(64, 12))
    fig = plot_first_layer_weights(W1, columns=8)
    mosaic = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)
    assert mosaic.shape == (2 * 9 + 1, 8 * 9 + 1)
    np.testing.assert_allclose(mosaic[1:9, 1 + 9 * 3:9 + 9 * 3], W1[:, 3].reshape(8, 8) / np.abs(W1[:, 3]).max())
    np.testing.assert_allclose(mosaic[10:18, 1 + 9 * 3:9 + 9 * 3], W1[:, 11].reshape(8, 8) / np.abs(W1[:, 11]).max())
    assert np.all(np.isnan(mosaic[10:18, 1 + 9 * 4:9 + 9 * 4]))          # no unit 12
    with pytest.raises(ValueError):
        plot_first_layer_weights(np.zeros((10, 3)))



# ---- the checkpoint: the delta recursion by hand ----------------------------------------------------

def test_checkpoint_is_the_hidden_error_signal_of_its_example():
    """Is the checkpoint's delta1 autograd's dL/dz (away from the kink) for its delta2, U and z, with 0 at z = 0,
    and delta2 a possible yhat - y (its entries sum to 0)?"""
    delta2, U, z = ref.CHECKPOINT_DELTA2, ref.CHECKPOINT_U, ref.CHECKPOINT_Z
    assert delta2.sum() == 0
    loss = lambda v: anp.sum(delta2 * anp.dot(U, anp.maximum(v, 0.0)))   # noqa: E731 - dL/dtheta is delta2
    oracle = autograd.grad(loss)(z)
    answer = ref.delta1_by_hand()
    off_kink = z != 0
    np.testing.assert_allclose(answer[off_kink], oracle[off_kink], rtol=1e-12)
    assert answer[~off_kink].tolist() == [0.0]
    np.testing.assert_allclose(answer, (U.T @ delta2) * (z > 0))


@pytest.mark.parametrize("answer", [[1.5, 0.0, 1.5, -1.5], [1.0, 1.0, 1.0, 1.0], [-1.5, -1.5, 0.5], [1.0, 2.0]])
def test_checkpoint_messages_never_show_the_answer(answer):
    """Does a wrong delta1_by_hand fail, in the visible check and the hidden test, without printing the answer?"""
    from chainrule.visible import check_delta1_by_hand
    from chainrule_reference.grading import grade

    def delta1_by_hand():
        return np.array(answer)

    for run in (lambda: check_delta1_by_hand(delta1_by_hand),
                lambda: grade("delta1_by_hand", {"delta1_by_hand": delta1_by_hand})):
        with pytest.raises(CheckFailure) as failure:
            run()
        text = str(failure.value)
        assert "1.5, 0, 0, -1.5" not in text and "1.5, 0.0, 0.0, -1.5" not in text and "[ 1.5" not in text, text
