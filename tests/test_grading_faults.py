"""Faults a grading run must survive, through real `nbgrader autograde`."""
from __future__ import annotations

import pytest

from .nbtools import (ASSIGNMENTS, autograded, gradebook_scores, make_course, nbgrader, output_text, read,
                      solution_cells, solution_path, submit, graded_cells, with_sources)

pytestmark = [pytest.mark.slow, pytest.mark.nb01]

ASSIGNMENT = ASSIGNMENTS[0]


def test_endless_loop_costs_only_its_own_cell(tmp_path):
    """Is a function that never returns cut off by nbgrader's timeout, costing only its own test cell?"""
    solution = read(solution_path(ASSIGNMENT))
    cell = next(iter(solution_cells(solution)))
    header = solution_cells(solution)[cell].split("### BEGIN SOLUTION")[0]
    looping = with_sources(solution, {cell: header + "while True:\n        pass\n"})
    course = make_course(tmp_path, [ASSIGNMENT])
    submit(course, "looper", ASSIGNMENT, looping)
    submit(course, "neighbour", ASSIGNMENT, solution)
    nbgrader("autograde", ASSIGNMENT, "--force", "--create", "--Execute.timeout=5", cwd=course)
    scores = gradebook_scores(course, ASSIGNMENT)
    looped = f"test_{cell}"
    assert scores["looper"][looped][0] == 0
    assert all(s == m for gid, (s, m) in scores["looper"].items() if gid != looped), scores["looper"]
    assert all(s == m for s, m in scores["neighbour"].values()), "another student's grade changed"
    text = output_text(next(c for c in autograded(course, "looper", ASSIGNMENT).cells
                            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == looped))
    assert "Timeout" in text or "KeyboardInterrupt" in text or "Interrupt" in text, text
    assert set(scores["looper"]) == set(graded_cells(solution))
