"""Notebook 07's graded training runs happen in the learner's process (``spec.compose``): one request for
600 steps instead of 1,200 round trips. The run's numbers are the same as when the grader drives every
call, the learner's code gains nothing by tampering with the loop (the grader computes the accuracy
itself, from the parameters, on its own copy of the data), and a changed input still gets its note.
"""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.visible.single_layer_network import spiral_run_inputs, train_two_layer
from chainrule_reference.grading import WarningTally
from chainrule_reference.sandbox.grader import _LearnerImpl, grade_notebook
from chainrule_reference.sandbox.process import Sandbox

from .nbtools import lean, read, solution_cells, solution_path, with_sources

pytestmark = [pytest.mark.slow, pytest.mark.nb07]

ASSIGNMENT = "07-single-layer-network"
SOLUTION = lean(read(solution_path(ASSIGNMENT)))
TRAINING = ("test_train_spiral", "test_train_digits")


def _learner_functions(box: Sandbox) -> _LearnerImpl:
    """The solution's two_layer_loss and sgd_step, defined in ``box``, as the grader holds them."""
    cells = solution_cells(SOLUTION)
    box.request("exec", timeout=20, source="import numpy as np\n" + cells["two_layer_loss"], cell="loss")
    box.request("exec", timeout=20, source=cells["sgd_step"], cell="step")
    impl = _LearnerImpl(box, WarningTally())
    for name in ("two_layer_loss", "sgd_step"):
        impl[name] = impl.function(name)
    return impl


def test_a_run_in_the_learner_process_equals_one_the_grader_drives_call_by_call():
    inputs = spiral_run_inputs()
    with Sandbox() as box:
        impl = _learner_functions(box)
        driven = train_two_layer(impl["two_layer_loss"], impl["sgd_step"], inputs["X"], inputs["y"], inputs["hidden"],
                                 inputs["lr"], inputs["reg"], 60, np.random.default_rng(inputs["seed"]))
        composed = impl.compose(train_two_layer, ("two_layer_loss", "sgd_step"),
                                (inputs["X"], inputs["y"], inputs["hidden"], inputs["lr"], inputs["reg"], 60,
                                 np.random.default_rng(inputs["seed"])))
    assert len(composed["losses"]) == 60 and composed["losses"][-1] < composed["losses"][0]
    np.testing.assert_array_equal(composed["losses"], driven["losses"])
    for key, value in driven["params"].items():
        np.testing.assert_array_equal(composed["params"][key], value)


def test_the_solution_passes_the_graded_runs():
    result = grade_notebook(SOLUTION)
    assert all(result.tests[t].passed for t in TRAINING), {t: result.tests[t].message for t in TRAINING}


# What a learner's notebook may do to the loop in its own process, and what each earns.
PATCHES = {
    "a perfect run reported with untrained parameters": (
        "_s.train_two_layer = lambda *a, **k: {'params': {'W1': np.zeros((2, 100)), 'b1': np.zeros(100), "
        "'W2': np.zeros((100, 3)), 'b2': np.zeros(3)}, 'losses': np.array([1e-3]), 'accuracy': 1.0}",
        "reached a training accuracy of 0.333"),
    "no run at all": ("_s.train_two_layer = lambda *a, **k: 'done'", "the training run ended with parameters"),
    "parameters of the wrong shape": (
        "_s.train_two_layer = lambda *a, **k: {'params': {'W1': np.ones(3), 'b1': np.ones(3), 'W2': np.ones(3), "
        "'b2': np.ones(3)}, 'losses': np.ones(5)}", "not real arrays of the shapes"),
    "an object of its own": (
        "class Run(dict):\n    pass\n_s.train_two_layer = lambda *a, **k: Run()", "the training run ended with"),
    "losses that are no losses": (
        "_good = _s.train_two_layer\n"
        "_s.train_two_layer = lambda *a, **k: dict(_good(*a, **k), losses='low')", "not one number per step"),
}


@pytest.fixture(scope="module")
def patched():
    results = {}
    cells = solution_cells(SOLUTION)
    for label, (patch, _) in PATCHES.items():
        source = cells["sgd_step"] + "\nimport numpy as np\nimport chainrule.visible.single_layer_network as _s\n" + patch
        results[label] = grade_notebook(with_sources(SOLUTION, {"sgd_step": source}))
    return results


@pytest.mark.parametrize("label", PATCHES)
def test_tampering_with_the_loop_earns_nothing(patched, label):
    result = patched[label]
    spiral = result.tests["test_train_spiral"]
    assert not spiral.passed and spiral.score == 0, spiral.message
    assert PATCHES[label][1] in spiral.message, spiral.message
    assert result.tests["test_two_layer_loss"].passed and result.tests["test_sgd_step"].passed


def test_an_input_changed_in_place_during_the_run_gets_its_note():
    in_place = ("def sgd_step(params, grads, lr):\n    for key in params:\n        params[key] -= lr * grads[key]\n"
                "    return {key: value.copy() for key, value in params.items()}\n")
    result = grade_notebook(with_sources(SOLUTION, {"sgd_step": in_place}))
    spiral = result.tests["test_train_spiral"]
    assert "sgd_step changed its input params in place: build a new dict of new arrays" in spiral.message, \
        spiral.message
    assert spiral.score == pytest.approx(0.9)


def test_warnings_raised_during_the_run_reach_the_verdict_by_category():
    loss = solution_cells(SOLUTION)["two_layer_loss"]
    warning = loss.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n    import warnings\n"
                                                       "    warnings.warn(f'my secret {X.shape}')\n", 1)
    assert warning != loss
    spiral = grade_notebook(with_sources(SOLUTION, {"two_layer_loss": warning})).tests["test_train_spiral"]
    assert spiral.passed and "UserWarning (once)" in spiral.message and "secret" not in spiral.message, \
        spiral.message
