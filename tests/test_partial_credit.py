"""Partial credit through real nbgrader: each hidden case earns its share of a test cell's points, and
style (an input changed in place) costs a fixed small share once, named; the gradebook, the export and
the feedback show the partial scores (chainrule_reference.grading.TestReport)."""
from __future__ import annotations

import csv

import pytest

from chainrule_reference.grading import STYLE_COST
from chainrule_reference.hidden import HIDDEN_TESTS

from .nbtools import (autograded, gradebook_scores, graded_cells, make_course, nbgrader, output_text, read,
                      solution_cells, solution_path, submit, with_sources)

pytestmark = pytest.mark.slow

ASSIGNMENT = "07-single-layer-network"

# The cs231n idiom: right values (0 at the kink too), but the caller's dout is changed.
IN_PLACE_RELU = """\
def relu_backward(dout, cache):
    x = cache
    dout[x <= 0] = 0
    return dout
"""
# The same idiom with the kink wrong: values first, the side effect as well.
IN_PLACE_RELU_WRONG_KINK = IN_PLACE_RELU.replace("x <= 0", "x < 0")


def _naive_softmax(source: str) -> str:
    """The solution's single-layer network without the max shift: right unless the scores are huge."""
    shifted = "    shifted = theta - np.max(theta)             # stable softmax: subtract the largest score\n"
    assert shifted in source
    return source.replace(shifted, "    shifted = theta\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("partial")
    course = make_course(tmp / "course", [ASSIGNMENT])
    solution = read(solution_path(ASSIGNMENT))
    answers = solution_cells(solution)
    submit(course, "style", ASSIGNMENT, with_sources(solution, {
        "relu_backward": IN_PLACE_RELU,
        "single_layer_loss_and_grads": _naive_softmax(answers["single_layer_loss_and_grads"])}))
    submit(course, "kink", ASSIGNMENT, with_sources(solution, {"relu_backward": IN_PLACE_RELU_WRONG_KINK}))
    nbgrader("autograde", ASSIGNMENT, "--create", cwd=course)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    nbgrader("export", "--to", str(tmp / "grades.csv"), cwd=course)
    return course, tmp / "grades.csv"


def _message(course, student, grade_id) -> str:
    nb = autograded(course, student, ASSIGNMENT)
    return output_text(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id))


def test_right_values_with_dout_changed_in_place_lose_only_the_style_share(course):
    course, _ = course
    score, points = gradebook_scores(course, ASSIGNMENT)["style"]["test_relu_backward"]
    assert score == pytest.approx(points * (1 - STYLE_COST))
    message = _message(course, "style", "test_relu_backward")
    assert f"all {len(HIDDEN_TESTS['relu_backward'].cases)} cases passed" in message, message
    assert "changed its input dout in place" in message and "Style" in message, message


def test_a_case_the_code_gets_wrong_costs_only_its_share(course):
    """The naive softmax overflows only on the case with scores near 1000: that case's share is lost."""
    course, _ = course
    test = HIDDEN_TESTS["single_layer_loss_and_grads"]
    huge = [i for i, case in enumerate(test.cases) if "1000" in case.label]
    assert len(huge) == 1
    score, points = gradebook_scores(course, ASSIGNMENT)["style"]["test_single_layer_loss_and_grads"]
    right = len(test.cases) - 1
    assert score == pytest.approx(points * right / len(test.cases))
    message = _message(course, "style", "test_single_layer_loss_and_grads")
    assert f"{right} of {len(test.cases)} cases passed" in message and test.cases[huge[0]].label in message, message


def test_the_value_mistake_comes_first_and_the_side_effect_is_named_too(course):
    course, _ = course
    score, points = gradebook_scores(course, ASSIGNMENT)["kink"]["test_relu_backward"]
    assert 0 <= score < points * (1 - STYLE_COST)
    message = _message(course, "kink", "test_relu_backward")
    first_failure = message.split("case", 1)[1]
    assert "is wrong" in first_failure and "Also: relu_backward changed its input dout in place" in message, message
    assert message.index("is wrong") < message.index("in place"), message


def test_export_and_feedback_show_the_partial_scores(course):
    course, grades = course
    scores = gradebook_scores(course, ASSIGNMENT)
    rows = {r["student_id"]: r for r in csv.DictReader(open(grades)) if r["assignment"] == ASSIGNMENT}
    for student in ("style", "kink"):
        assert float(rows[student]["score"]) == pytest.approx(sum(s for s, _ in scores[student].values()))
    total = sum(c.metadata.nbgrader["points"] for c in graded_cells(read(solution_path(ASSIGNMENT))).values())
    assert total - 2 < float(rows["style"]["score"]) < total
    earned, points = scores["style"]["test_single_layer_loss_and_grads"]
    feedback = (course / "autograde" / "feedback" / "style" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert f"Points: {earned:g} of {points:g}" in feedback, feedback[:2000]
