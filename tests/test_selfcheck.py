"""`python3 course.py check`: a self-study learner grades their own workspace with the hidden tests.

Run through the real course.py in a temporary copy of the course (set up to use this
checkout's venv): notebook 01 solved gets full marks, notebook 02 left blank gets
none, the report is written, and not one byte of workspace/ or notebooks/ changes.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .nbtools import graded_cells, isolated_env, make_course, nbgrader_meta, read, solution_path
from .test_workspace import _course_module, _set_up_copy

pytestmark = [pytest.mark.slow, pytest.mark.nb01]

SOLVED, BLANK = "01-scalar-derivatives", "02-computational-graphs"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    return make_course(tmp_path_factory.mktemp("released") / "course", [SOLVED, BLANK])


@pytest.fixture
def course(released, tmp_path) -> Path:
    """A set-up course copy whose workspace holds notebook 01 solved and notebook 02 as released."""
    course = _set_up_copy(released, tmp_path)
    venv = Path(sys.executable).parents[1]  # the copy runs its .venv/bin/python: it needs the venv's packages
    for name in ("pyvenv.cfg", "lib"):
        (course / ".venv" / name).symlink_to(venv / name)
    _course_module().update_workspace(course)
    nbformat.write(read(solution_path(SOLVED)), course / "workspace" / SOLVED / f"{SOLVED}.ipynb")
    return course


def _hashes(course: Path) -> dict[str, str]:
    """Every file under workspace/ and notebooks/, with the SHA-256 of its bytes."""
    return {str(path.relative_to(course)): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in ("workspace", "notebooks") for path in sorted((course / folder).rglob("*"))
            if path.is_file()}


def _check(course: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "course.py", "check", *args], cwd=course, env=isolated_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def _total_points(assignment: str) -> float:
    return sum(float(nbgrader_meta(cell)["points"]) for cell in graded_cells(read(solution_path(assignment))).values())


def _total_line(output: str, assignment: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.startswith(assignment) and " TOTAL " in line)


def test_check_grades_the_workspace_and_changes_nothing(course):
    before = _hashes(course)
    output = _check(course)
    assert _total_line(output, SOLVED)[2:5] == [f"{_total_points(SOLVED):g}", "/", f"{_total_points(SOLVED):g}"]
    assert _total_line(output, BLANK)[2:5] == ["0", "/", f"{_total_points(BLANK):g}"]  # then "and N points by hand"
    assert f"{BLANK} add_backward" in " ".join(output.split())
    report = course / ".chainrule" / "check-report.html"
    assert str(report) in output
    page = report.read_text()
    assert "<script" not in page and "add_backward is not implemented yet" in page
    assert _hashes(course) == before


def test_check_reports_a_broken_notebook_and_checks_the_others(course):
    broken = course / "workspace" / BLANK / f"{BLANK}.ipynb"
    broken.write_text("{this is not JSON")
    before = _hashes(course)
    output = _check(course)
    complaint = [line for line in output.splitlines() if line.startswith(BLANK)]
    assert len(complaint) == 1 and "is not a readable notebook" in complaint[0]
    assert _total_line(output, SOLVED)[2] == f"{_total_points(SOLVED):g}"
    assert _hashes(course) == before


def test_check_names_the_notebooks_and_a_missing_one(course):
    """A deleted test cell is graded from the release; a missing notebook says to run lab first."""
    solved = course / "workspace" / SOLVED / f"{SOLVED}.ipynb"
    nb = read(solved)
    first_test = next(iter(graded_cells(nb).values()))
    nb.cells.remove(first_test)
    nbformat.write(nb, solved)
    shutil.rmtree(course / "workspace" / BLANK)
    output = _check(course, "01", "computational")
    assert _total_line(output, SOLVED)[2] == f"{_total_points(SOLVED):g}"
    missing = course / "workspace" / BLANK / f"{BLANK}.ipynb"
    assert [line for line in output.splitlines() if line.startswith(BLANK)] == [
        f"{BLANK:30s} {missing} does not exist: run `python3 course.py lab` first, which copies the released "
        "notebooks into workspace/."]
    only = _check(course, "01")
    assert SOLVED in only and BLANK not in only
