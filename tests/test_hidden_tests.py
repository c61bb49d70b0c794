"""The hidden tests, run in this process on the solutions and on every variant:
fast feedback that the real nbgrader round trip (test_grading_roundtrip) repeats.
"""
from __future__ import annotations

import pytest

from chainrule import CheckFailure
from chainrule.checking import same_value
from chainrule_reference import REFERENCE
from chainrule_reference.grading import grade
from chainrule_reference.hidden import HIDDEN_TESTS, TESTS_BY_NOTEBOOK
from chainrule_reference.spec import draw_inputs

from .nbtools import ASSIGNMENTS, read, solution_cells, solution_path, graded_cells
from .variants import variants_for


def solution_namespace(assignment: str) -> dict:
    """The solution notebook's setup cell and solution cells, run in a fresh namespace."""
    nb = read(solution_path(assignment))
    namespace: dict = {}
    setup = next(c for c in nb.cells if c.cell_type == "code")
    exec(setup.source, namespace)
    for source in solution_cells(nb).values():
        exec(source, namespace)
    return namespace


def _variant_cases(kind):
    return [pytest.param(a, v, id=f"{a[:2]}-{v.cell}-{v.label}") for a in ASSIGNMENTS
            for v in variants_for(a)[0 if kind == "valid" else 1]]


def test_every_notebook_has_hidden_tests():
    """Is each notebook's list of hidden tests the list of its test cells?"""
    assert sorted(TESTS_BY_NOTEBOOK) == ASSIGNMENTS
    for assignment, tests in TESTS_BY_NOTEBOOK.items():
        cells = graded_cells(read(solution_path(assignment)))
        assert sorted(cells) == sorted(f"test_{t.name}" for t in tests)
        for t in tests:
            assert f'grade("{t.name}", globals())' in cells[f"test_{t.name}"].source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_pass_every_hidden_test(assignment):
    """Do the solution notebook's functions pass their notebook's hidden tests?"""
    namespace = solution_namespace(assignment)
    for test in TESTS_BY_NOTEBOOK[assignment]:
        grade(test.name, namespace)


@pytest.mark.parametrize("assignment, variant", _variant_cases("valid"))
def test_valid_variant_passes(assignment, variant):
    """Does another correct implementation pass the hidden test?"""
    namespace = solution_namespace(assignment)
    exec(variant.source, namespace)
    grade(variant.test.removeprefix("test_"), namespace)


@pytest.mark.parametrize("assignment, variant", _variant_cases("wrong"))
def test_wrong_variant_fails_with_diagnosis(assignment, variant):
    """Does a known mistake fail the hidden test, with a message that names it?"""
    namespace = solution_namespace(assignment)
    exec(variant.source, namespace)
    with pytest.raises(CheckFailure) as failure:
        grade(variant.test.removeprefix("test_"), namespace)
    if variant.diagnosis:
        assert variant.diagnosis.lower() in str(failure.value).lower()
    if variant.score is not None:
        assert f"Score: {variant.score:.0%} of the points" in str(failure.value), str(failure.value)


@pytest.mark.parametrize("name", sorted(HIDDEN_TESTS))
def test_reference_object_is_refused(name):
    """Is handing in the reference's own function caught and named?"""
    namespace = {fn: REFERENCE[fn] for fn in HIDDEN_TESTS[name].functions}
    with pytest.raises(CheckFailure, match="reference implementation"):
        grade(name, namespace)


@pytest.mark.parametrize("name", sorted(HIDDEN_TESTS))
def test_hidden_inputs_are_the_same_on_every_draw(name):
    """Does a regrade draw exactly the same hidden inputs?"""
    first, second = draw_inputs(HIDDEN_TESTS[name]), draw_inputs(HIDDEN_TESTS[name])
    assert len(first) == len(second) == len(HIDDEN_TESTS[name].cases)
    for a, b in zip(first, second):
        assert a.keys() == b.keys()
        for key in a:
            assert same_value(a[key], b[key]), f"input {key} differs between two draws"


@pytest.mark.parametrize("name", sorted(HIDDEN_TESTS))
def test_the_reference_answer_kept_for_a_class_is_the_one_each_submission_would_get(name):
    """The grader computes each case's reference answer once per process (reference_answer): is it what the
    reference gives on a fresh draw after the others, with the reference's code run again?"""
    from chainrule_reference.grading import reference_answer
    test = HIDDEN_TESTS[name]
    kept = [reference_answer(test, index) for index in range(len(test.cases))]
    for index, inputs in enumerate(draw_inputs(test)):
        expected, mistakes = kept[index]
        assert same_value(test.run(REFERENCE, inputs), expected), f"case {index + 1}"
        fresh = test.mistakes(inputs) if test.mistakes else {}
        assert fresh.keys() == mistakes.keys(), f"case {index + 1}"
        for path in fresh:
            assert [label for label, _ in fresh[path]] == [label for label, _ in mistakes[path]]
            assert all(same_value(a, b) for (_, a), (_, b) in zip(fresh[path], mistakes[path])), f"case {index + 1}"
    assert reference_answer(test, 0) is kept[0]


def test_missing_function_is_reported():
    """Does a test cell run before its function's cell say which cell to run?"""
    with pytest.raises(CheckFailure, match="not defined"):
        grade("central_difference", {})


def test_a_verdict_lists_the_inputs_only_when_the_case_has_some():
    """Does a failed case of a test with inputs say them, and a by-hand checkpoint (no inputs) print no empty line?"""
    from chainrule.checking import CheckFailure
    from chainrule_reference.grading import compare_case
    from chainrule_reference.hidden import HIDDEN_TESTS
    from chainrule_reference.spec import draw_inputs

    def verdict(name, answer):
        test = HIDDEN_TESTS[name]
        inputs = draw_inputs(test)[0]
        with pytest.raises(CheckFailure) as failure:
            compare_case(test, 0, inputs, answer(inputs))
        return str(failure.value)

    assert "  inputs: x" in verdict("relu_forward", lambda inputs: inputs["x"] * 0 + 7.0)
    assert "inputs:" not in verdict("division_gate_by_hand", lambda inputs: (0.0, 0.0))
