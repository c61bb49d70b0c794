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
        np.testing.assert_allclose(report["E"], E, rtol=1e-12)
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
    assert "n sigma^2 E[f'^2] = 4;" in text
    assert "db_1 / db_last = 8 to 12" in text
    assert "largest / smallest dW_l = 10" in text
