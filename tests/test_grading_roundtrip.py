"""Grading round trips through real nbgrader: each notebook is released, then a
batch of synthetic submissions (the solution, the blank release, every wrong
and every valid variant) is autograded in one `nbgrader autograde` run, and
the scores are read back from the gradebook.

Wrong variants of different functions go into the same submission (each test
cell is scored on its own), so a notebook needs as many submissions as its
function with the most variants, not one per variant.
"""
from __future__ import annotations

import pytest

from .conftest import notebook_marker
from .nbtools import (ASSIGNMENTS, autograded, gradebook_scores, lean, make_course, nbgrader, output_text, read,
                      release_path, solution_path, submit, graded_cells, with_sources)
from .variants import variants_for

pytestmark = pytest.mark.slow


def _batches(variants):
    """Split variants into submissions: at most one variant per solution cell, and no
    variant beside one whose test cell it affects (or that affects its own)."""
    batches: list[list] = []
    for v in variants:
        for batch in batches:
            tests = {u.test for u in batch}
            affected = {gid for u in batch for gid in u.affects}
            if v.test not in tests | affected and not set(v.affects) & tests:
                batch.append(v)
                break
        else:
            batches.append([v])
    return batches


class Graded:
    """One notebook's released course and its autograded synthetic class."""

    def __init__(self, tmp, assignment):
        self.assignment = assignment
        self.course = make_course(tmp, [assignment])
        solution = read(solution_path(assignment))
        valid, wrong = variants_for(assignment)
        self.tests = graded_cells(solution)
        # The solution and the blank release are graded whole; the variants go into lean copies
        # (setup and nbgrader cells only), with the lean solution as their control.
        self.submissions = {"solution": solution, "lean": lean(solution),
                            "blank": read(self.course / "notebooks" / assignment / f"{assignment}.ipynb")}
        self.planted = {}
        for kind, variants in (("wrong", wrong), ("valid", valid)):
            for i, batch in enumerate(_batches(variants)):
                student = f"{kind}{i}"
                self.submissions[student] = with_sources(lean(solution), {v.cell: v.source for v in batch})
                self.planted[student] = batch
        for student, nb in self.submissions.items():
            submit(self.course, student, assignment, nb)
        nbgrader("autograde", assignment, "--force", "--create", cwd=self.course)
        # Autograded test cells only: a written answer waits for a human grader.
        self.scores = {student: {gid: grade for gid, grade in grades.items() if gid in self.tests}
                       for student, grades in gradebook_scores(self.course, assignment).items()}

    def message(self, student, test_id):
        nb = autograded(self.course, student, self.assignment)
        return output_text(next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {})
                                .get("grade_id") == test_id))


def _variant_problems(graded, kind):
    problems = []
    for student, batch in graded.planted.items():
        if not student.startswith(kind):
            continue
        planted = {v.test: v for v in batch}
        affected = {gid for v in batch for gid in v.affects}
        for gid, (score, max_score) in graded.scores[student].items():
            v = planted.get(gid)
            if v is None and gid in affected:
                continue
            if v is None or kind == "valid":
                if score != max_score:
                    what = f"valid variant '{v.label}' of {v.cell}" if v else f"{gid}, which has no planted mistake,"
                    problems.append(f"{student}: {what} lost points:\n{graded.message(student, gid)}")
            elif score >= max_score:
                problems.append(f"{student}: wrong variant '{v.label}' of {v.cell} kept all {score} points")
            elif v.score is not None and abs(score - v.score * max_score) > 5e-4:  # scores are kept to 3 decimals
                problems.append(f"{student}: wrong variant '{v.label}' of {v.cell} got {score} of {max_score} "
                                f"points, not {v.score:.0%} of them:\n{graded.message(student, gid)}")
            elif v.diagnosis and v.diagnosis.lower() not in graded.message(student, gid).lower():
                problems.append(f"{student}: wrong variant '{v.label}' of {v.cell}: the message lacks "
                                f"'{v.diagnosis}':\n{graded.message(student, gid)}")
    return problems


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory):
    """The notebook of the requesting test class, released and autograded once for the whole class."""
    assignment = request.cls.assignment
    return Graded(tmp_path_factory.mktemp(assignment), assignment)


class RoundTrip:
    """The round-trip tests of one notebook; one subclass per notebook below."""

    assignment: str

    def test_release_matches_generate_assignment(self, graded):
        """Is notebooks/ exactly what `nbgrader generate_assignment` makes from solutions/?"""
        made = read(graded.course / "notebooks" / graded.assignment / f"{graded.assignment}.ipynb")
        stored = read(release_path(graded.assignment))
        assert len(made.cells) == len(stored.cells), "regenerate notebooks/ with nbgrader generate_assignment"
        for i, (a, b) in enumerate(zip(made.cells, stored.cells)):
            assert a == b, f"cell {i} differs from what nbgrader generates:\n{b.source[:300]}"
        assert made.metadata == stored.metadata

    @pytest.mark.parametrize("student", ["solution", "lean"])
    def test_solution_gets_full_marks(self, graded, student):
        """Does the solution notebook, whole and lean, score every point of every test cell?"""
        scores = graded.scores[student]
        assert set(scores) == set(graded.tests)
        lost = {gid: graded.message(student, gid) for gid, (s, m) in scores.items() if s != m}
        assert not lost, f"{student} lost points: {lost}"

    def test_blank_release_scores_zero(self, graded):
        """Does the unchanged learner notebook score zero, with a 'not implemented yet' message per test?"""
        scores = graded.scores["blank"]
        assert scores and all(s == 0 for s, _ in scores.values()), scores
        for gid in scores:
            assert "not implemented yet" in graded.message("blank", gid)

    def test_wrong_implementations_lose_their_points_with_a_diagnosis(self, graded):
        """Does every planted mistake cost points of its test cell (its share, where known), and only
        that cell's, with the right message?"""
        assert any(s.startswith("wrong") for s in graded.planted), "no wrong variants"
        problems = _variant_problems(graded, "wrong")
        assert not problems, "\n\n".join(problems)

    def test_valid_variants_keep_full_marks(self, graded):
        """Do other correct ways of writing each function keep every point?"""
        assert any(s.startswith("valid") for s in graded.planted), "no valid variants"
        problems = _variant_problems(graded, "valid")
        assert not problems, "\n\n".join(problems)


# One test class per notebook: pytest-xdist (--dist loadscope) keeps a class on
# one worker, so each notebook's class is autograded once, in parallel with the others.
for _assignment in ASSIGNMENTS:
    _name = f"TestNotebook{_assignment[:2]}"
    globals()[_name] = type(_name, (RoundTrip,), {"assignment": _assignment,
                                                 "pytestmark": [notebook_marker(_assignment)]})
