"""Tests of the helpers of chainrule.plots.training that compute what notebook 09 prints."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.plots.training import (
    format_layer_table,
    init_statistics_report,
    xor_long_run,
)

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
D_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_xor_run(params, epsilon, epochs):
    """Notebook 09's xor_error_and_grads and update, on arrays: (E, outputs, |w|, |g|) per epoch."""
    params = {name: value.copy() for name, value in params.items()}
    history = []
    for _ in range(epochs + 1):
        H = _sigmoid(X_XOR @ params["W1"] + params["b1"])
        Y = _sigmoid(H @ params["W2"] + params["b2"])
        delta2 = (Y - D_XOR) * Y * (1 - Y)
        delta1 = (delta2 @ params["W2"].T) * H * (1 - H)
        grads = {"W1": X_XOR.T @ delta1, "b1": delta1.sum(axis=0), "W2": H.T @ delta2, "b2": delta2.sum(axis=0)}
        history.append((0.5 * np.sum((Y - D_XOR) ** 2), Y.ravel(),
                        np.sqrt(sum(np.sum(v ** 2) for v in params.values())),
                        np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))))
        params = {name: params[name] - epsilon * grads[name] for name in params}
    return history


def _xor_params(seed):
    rng = np.random.default_rng(seed)
    return {"W1": rng.uniform(-1, 1, (2, 2)), "b1": rng.uniform(-1, 1, 2),
            "W2": rng.uniform(-1, 1, (2, 1)), "b2": rng.uniform(-1, 1, 1)}


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_xor_long_run_is_the_notebooks_gradient_descent(seed):
    """Does xor_long_run report the error, outputs and norms of the numpy run of notebook 09 at its checkpoints?"""
    params = _xor_params(seed)
    checkpoints = [0, 1, 17, 300]
    history = _numpy_xor_run(params, 0.5, max(checkpoints))
    reports = xor_long_run(params, 0.5, checkpoints[::-1])
    assert [r["epoch"] for r in reports] == checkpoints
    for report in reports:
        E, outputs, weight_norm, grad_norm = history[report["epoch"]]
        np.testing.assert_allclose(report["L"], E, rtol=1e-12)
        np.testing.assert_allclose(report["outputs"], outputs, rtol=1e-12)
        np.testing.assert_allclose(report["weight_norm"], weight_norm, rtol=1e-12)
        np.testing.assert_allclose(report["grad_norm"], grad_norm, rtol=1e-10)


def test_xor_long_run_leaves_its_params_alone():
    """Does xor_long_run keep the starting weights it is given?"""
    params = _xor_params(1)
    before = {name: value.copy() for name, value in params.items()}
    xor_long_run(params, 0.5, [50])
    assert all(np.array_equal(params[name], before[name]) for name in params)


def test_format_layer_table_aligns_one_column_per_layer():
    """Does format_layer_table give a header naming every layer and one aligned row per label?"""
    text = format_layer_table({"a": [1.0, 2e-5, 3.0], "longer label": [1e4, 2.0]})
    lines = text.split("\n")
    assert len(lines) == 3
    assert "layer 1" in lines[0] and "layer 3" in lines[0] and "layer 4" not in lines[0]
    assert lines[1].startswith("a ") and "2e-05" in lines[1] and "1e+04" in lines[2]
    assert len(lines[0]) == len(lines[1])


def test_init_statistics_report_gives_the_ranges_over_the_seeds():
    """Does init_statistics_report summarise per-layer factors and ratios as ranges over the seeds?"""
    def run(scale):
        return {"activations": [1.0, 2.0 * scale, 4.0 * scale ** 2], "backward": [4.0, 4.0, 0.5],
                "dW": [1.0, 10.0], "db": [8.0 * scale, 2.0, 1.0]}
    stats = {seed: {"tanh": {"big": run(scale)}} for seed, scale in ((1, 1.0), (2, 1.5))}
    text = init_statistics_report(stats, tables=("db",))
    assert "seed 1" in text and "over seeds 1, 2" in text
    assert "h_l std x 2 to 3 per layer" in text
    assert "n sigma^2 E[g'^2] = 4;" in text
    assert "db_1 / db_last = 8 to 12" in text
    assert "largest / smallest dW_l = 10" in text


# ---- the generalization experiment (chainrule.plots.generalization) ------------------------------------

def _stacked_problem(seed, K=3, B=4, D=5, H=6, C=10):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 0.7, (K, D, H)), "b1": rng.normal(0, 0.3, (K, 1, H)),
              "W2": rng.normal(0, 0.7, (K, H, C)), "b2": rng.normal(0, 0.3, (K, 1, C))}
    return params, rng.normal(0, 1, (K, B, D)), rng.integers(0, C, (K, B)), np.array([0.0, 0.1, 0.5])[:K, None, None]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generalization_gradients_match_autograd(seed):
    """Are the experiment's stacked gradients those autograd finds for the sum of the networks' losses?"""
    import autograd
    import autograd.numpy as anp
    from chainrule.plots.generalization import _loss_and_grads
    params, xb, yb, reg = _stacked_problem(seed)

    def total(p):
        h = anp.maximum(anp.matmul(xb, p["W1"]) + p["b1"], 0.0)
        s = anp.matmul(h, p["W2"]) + p["b2"]
        m = anp.max(s, axis=-1, keepdims=True)
        log_probs = s - m - anp.log(anp.sum(anp.exp(s - m), axis=-1, keepdims=True))
        picked = anp.sum(log_probs * (np.arange(10) == yb[..., None]), axis=-1)
        penalty = 0.5 * reg[:, 0, 0] * (anp.sum(p["W1"] ** 2, axis=(1, 2)) + anp.sum(p["W2"] ** 2, axis=(1, 2)))
        return anp.sum(-anp.mean(picked, axis=1) + penalty)

    loss, grads = _loss_and_grads(params, xb, yb, reg)
    np.testing.assert_allclose(loss.sum(), total(params), rtol=1e-12)
    expected = autograd.grad(total)(params)
    for name in params:
        assert grads[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-12)


def test_generalization_gradients_with_dropout_match_central_differences():
    """With the dropout mask fixed by a seeded generator, do the gradients match central differences?"""
    from chainrule.gradcheck import num_grad
    from chainrule.plots.generalization import _loss_and_grads
    from chainrule_reference.training import dropout_backward, dropout_forward
    params, xb, yb, reg = _stacked_problem(5)

    def dropouts():
        return [(slice(1, 3), 0.5, dropout_forward, dropout_backward, np.random.default_rng(7))]

    _, grads = _loss_and_grads(params, xb, yb, reg, dropouts())
    for name in params:
        def loss_of(value, name=name):
            return _loss_and_grads({**params, name: value}, xb, yb, reg, dropouts())[0].sum()
        np.testing.assert_allclose(grads[name], num_grad(loss_of, params[name]), rtol=1e-6, atol=1e-8)


def test_train_digits_networks_shapes_start_and_determinism():
    """Do the runs have one row per seed, a shared start per seed, the same numbers on a second call?"""
    from chainrule.plots.generalization import generalization_report, train_digits_networks
    from chainrule_reference.training import dropout_backward, dropout_forward
    configs = {"none": {}, "decay": {"reg": 1e-2}, "dropout": {"keep_prob": 0.5}}
    kwargs = dict(dropout_forward=dropout_forward, dropout_backward=dropout_backward, n_train=30, hidden=16,
                  epochs=3, batch_size=10)
    runs = train_digits_networks(configs, [0, 1], **kwargs)
    assert list(runs["epochs"]) == [0, 1, 2, 3]
    for name in configs:
        for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
            assert runs[name][key].shape == (2, 4)
            np.testing.assert_array_equal(runs[name][key][:, 0], runs["none"][key][:, 0])   # same start
    assert not np.array_equal(runs["none"]["val_loss"][0], runs["none"]["val_loss"][1])       # seeds differ
    again = train_digits_networks(configs, [0, 1], **kwargs)
    for name in configs:
        np.testing.assert_array_equal(again[name]["val_loss"], runs[name]["val_loss"])
    report = generalization_report(runs, np.array([1, 2]))
    assert "median [min to max] over 2 seeds" in report and "early stopping on 'none'" in report


def test_train_digits_networks_overfits_a_small_subset():
    """Does a short run fit its 100 training images far better than the validation images?"""
    from chainrule.plots.generalization import train_digits_networks
    runs = train_digits_networks({"none": {}}, [0], epochs=30)
    assert runs["none"]["train_acc"][0, -1] == 1.0
    assert runs["none"]["val_acc"][0, -1] < 0.95
    assert runs["none"]["val_loss"][0, -1] > 5 * runs["none"]["train_loss"][0, -1]


def test_train_digits_networks_needs_the_dropout_layer():
    """Is a dropout configuration without the learner's layer refused with a clear error?"""
    from chainrule.plots.generalization import train_digits_networks
    with pytest.raises(ValueError, match="dropout_forward"):
        train_digits_networks({"dropout": {"keep_prob": 0.5}}, [0], epochs=1)
