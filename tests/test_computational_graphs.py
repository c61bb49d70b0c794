"""Notebook 02's staged exercise (Part F), f(x, y) = (x + sigmoid(x y)) / (1 + (x - y)^2): the reference
against central differences and autograd, its visible check against the known mistakes, and the
mistakes' texts against what they claim.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from chainrule import CheckFailure
from chainrule.gradcheck import num_grad
from chainrule.visible.computational_graphs import (STAGED_EXAMPLE, check_staged_backward, check_staged_forward,
                                                   staged_backward_mistakes)
from chainrule_reference import computational_graphs as cg

from .conftest import notebook_marker
from .variants import variant_function, variants_for

pytestmark = notebook_marker("02-computational-graphs")

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

NOTEBOOK = "02-computational-graphs"


def closed_form(v):
    """f(x, y) for v = [x, y], written for autograd."""
    x, y = v[0], v[1]
    return (x + 1 / (1 + anp.exp(-x * y))) / (1 + (x - y) ** 2)


@given(v=arrays(np.float64, 2, elements=st.floats(-4, 4)))
def test_staged_reference_matches_autograd_and_central_differences(v):
    """Are the reference's f and (dx, dy) those of the closed form, by autograd and by central differences?"""
    f, cache = cg.staged_forward(v[0], v[1])
    dx, dy = cg.staged_backward(cache)
    assert f == pytest.approx(closed_form(v), rel=1e-12)
    np.testing.assert_allclose([dx, dy], autograd.grad(closed_form)(v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([dx, dy], num_grad(lambda a: cg.staged_forward(a[0], a[1])[0], v.copy()),
                               rtol=1e-6, atol=1e-8)


@given(x=arrays(st.sampled_from([np.float64, np.float32]), array_shapes(min_dims=1, max_dims=3, max_side=4),
                elements=st.floats(-3, 3, width=32)),
       seed=st.integers(0, 2 ** 16))
def test_staged_reference_works_entry_by_entry_and_keeps_inputs(x, seed):
    """On arrays, is each entry's gradient autograd's for that entry, with x's dtype, and are x and y unchanged?"""
    y = np.random.default_rng(seed).uniform(-3, 3, x.shape).astype(x.dtype)
    x0, y0 = x.copy(), y.copy()
    f, cache = cg.staged_forward(x, y)
    dx, dy = cg.staged_backward(cache)
    assert f.shape == dx.shape == dy.shape == x.shape and dx.dtype == dy.dtype == x.dtype
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    tol = dict(rtol=1e-4, atol=1e-6) if x.dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    grad = autograd.grad(closed_form)
    for i in np.ndindex(x.shape):
        np.testing.assert_allclose([dx[i], dy[i]], grad(np.array([x[i], y[i]], dtype=np.float64)), **tol)


def test_every_path_counts_at_the_example():
    """At the notebook's example, does each of x's three paths and y's two carry a clearly non-zero term?"""
    from chainrule.visible.computational_graphs import _staged_parts
    parts = _staged_parts(*STAGED_EXAMPLE)
    for key in ("x_via_a", "x_via_p", "x_via_d", "y_via_a", "y_via_d"):
        assert abs(float(parts[key])) > 0.02, key
    dx, dy = cg.staged_backward(cg.staged_forward(*STAGED_EXAMPLE)[1])
    assert dx == pytest.approx(parts["x_via_a"] + parts["x_via_p"] + parts["x_via_d"])
    assert dy == pytest.approx(parts["y_via_a"] + parts["y_via_d"])


def test_staged_mistakes_are_wrong_answers():
    """Is every named mistake of the backward pass a value other than the right one, at the example?"""
    dx, dy = cg.staged_backward(cg.staged_forward(*STAGED_EXAMPLE)[1])
    for name, right in (("dx", dx), ("dy", dy)):
        for text, value in staged_backward_mistakes(*STAGED_EXAMPLE)[name]:
            assert abs(float(value) - right) > 1e-3, text


def test_visible_checks_pass_the_solution_and_valid_variants():
    """Do the visible checks of Part F pass the reference-like solution and every valid variant?"""
    valid, _ = variants_for(NOTEBOOK)
    for variant in valid:
        if variant.cell in ("staged_forward", "staged_backward"):
            forward = variant_function(NOTEBOOK, variant.label, "staged_forward")
            check_staged_forward(forward)
            if variant.cell == "staged_backward":
                check_staged_backward(forward, variant_function(NOTEBOOK, variant.label, "staged_backward"))


@pytest.mark.parametrize("label, phrase", [
    ("= instead of += in the reverse order of the stages: only the path through a",
     "only the path through a = x y is left in dx"),
    ("= instead of +=, the subtract gate last: only the path through d", "only the path through d = x - y"),
    ("the direct use of x in p = x + s dropped", "its direct use) is missing"),
    ("the quotient rule's sign flipped", "the wrong sign"),
    ("the sigmoid's local gradient missing", "the sigmoid gate's local gradient is missing"),
    ("the square gate's factor 2 missing", "factor 2 is missing"),
    ("the division's 1 / q missing for p", "the factor 1 / q is"),
])
def test_visible_staged_check_names_the_mistake(label, phrase):
    """Does the visible check of staged_backward fail a known mistake with its name?"""
    forward = variant_function(NOTEBOOK, label, "staged_forward")
    backward = variant_function(NOTEBOOK, label, "staged_backward")
    with pytest.raises(CheckFailure) as failure:
        check_staged_backward(forward, backward)
    assert phrase in str(failure.value), str(failure.value)


def test_visible_staged_forward_check_names_a_lost_one():
    """Does the visible check of staged_forward name a denominator that lost its 1?"""
    forward = variant_function(NOTEBOOK, "the denominator without its 1", "staged_forward")
    with pytest.raises(CheckFailure, match="the denominator lost its 1"):
        check_staged_forward(forward)


def test_division_checkpoint_is_the_gate_backward_pass():
    """Is the checkpoint's (dp, dq) autograd's gradient of dout * p / q at p = 3, q = 2, dout = 4?"""
    point = cg.DIVISION_CHECKPOINT
    grad = autograd.grad(lambda v: point["dout"] * v[0] / v[1])(np.array([point["p"], point["q"]]))
    np.testing.assert_allclose(cg.division_gate_by_hand(), grad, rtol=1e-12)
    np.testing.assert_allclose(num_grad(lambda v: point["dout"] * v[0] / v[1], np.array([point["p"], point["q"]])),
                               grad, rtol=1e-8)


@pytest.mark.parametrize("answer", [(2.0, 3.0), (0.5, -0.75), (1.0, -1.5), (2.0,), [[2.0, -3.0]]])
def test_division_checkpoint_messages_never_show_the_answer(answer):
    """Does a wrong checkpoint fail, in the visible check and the hidden test, without printing (2, -3)?"""
    from chainrule.visible.computational_graphs import check_division_gate_by_hand
    from chainrule_reference.grading import grade

    def division_gate_by_hand():
        return answer

    for run in (lambda: check_division_gate_by_hand(division_gate_by_hand),
                lambda: grade("division_gate_by_hand", {"division_gate_by_hand": division_gate_by_hand})):
        with pytest.raises(CheckFailure) as failure:
            run()
        text = str(failure.value)
        if np.shape(answer) == (2,):   # a wrong shape may quote what came back
            assert "-3" not in text and "2.0" not in text, text
