"""nbgrader's own classroom cycle on one machine, with a filesystem exchange in a
temporary folder: generate, release, three learners fetch and submit (complete,
partial, blank), collect, autograde, generate feedback, export grades. Every
step is the real `nbgrader` command an instructor or a learner types.
"""
from __future__ import annotations

import csv
import subprocess
import sys

import nbformat
import pytest

from .nbtools import (ASSIGNMENTS, graded_cells, isolated_env, make_course, nbgrader, read, solution_cells,
                      solution_path, with_sources)

pytestmark = [pytest.mark.slow, pytest.mark.nb01]

ASSIGNMENT = ASSIGNMENTS[0]


# On JupyterHub every learner's server runs as the OS user "jovyan" and nbgrader takes the
# learner's name from JUPYTERHUB_USER. One machine has one OS user, so the learners' commands run
# the real nbgrader with the OS user name reported as "jovyan": the rest is nbgrader's own code.
AS_HUB_USER = """
import sys
import nbgrader.utils
nbgrader.utils.get_osusername = lambda: "jovyan"
from nbgrader.apps.nbgraderapp import main
sys.argv[0] = "nbgrader"
main()
"""


def as_learner(name, *args, cwd, exchange):
    """Run an nbgrader command as the learner ``name``, as on JupyterHub."""
    env = dict(isolated_env(), JUPYTERHUB_USER=name)
    proc = subprocess.run([sys.executable, "-c", AS_HUB_USER, *args, "--course", "chainrule",
                           f"--Exchange.root={exchange}"], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} as {name} failed:\n{proc.stdout}\n{proc.stderr}"


def test_release_fetch_submit_collect_autograde_feedback_export(tmp_path):
    """Does the whole nbgrader cycle run, and do the exported grades match what each learner handed in?"""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = tmp_path / "course"
    course.mkdir()
    make_course(course, [ASSIGNMENT])
    nbgrader("release_assignment", ASSIGNMENT, f"--Exchange.root={exchange}", cwd=course)

    solutions = solution_cells(read(solution_path(ASSIGNMENT)))
    first = next(iter(solutions))
    work = {"alice": solutions, "bob": {first: solutions[first]}, "carol": {}}
    for learner, sources in work.items():
        home = tmp_path / learner
        home.mkdir()
        as_learner(learner, "fetch_assignment", ASSIGNMENT, cwd=home, exchange=exchange)
        path = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        nbformat.write(with_sources(read(path), sources), path)
        as_learner(learner, "submit", ASSIGNMENT, cwd=home, exchange=exchange)

    nbgrader("collect", ASSIGNMENT, f"--Exchange.root={exchange}", cwd=course)
    nbgrader("autograde", ASSIGNMENT, "--create", cwd=course)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    nbgrader("export", "--to", str(tmp_path / "grades.csv"), cwd=course)

    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))
            if r["assignment"] == ASSIGNMENT}
    total = sum(c.metadata.nbgrader["points"] for c in graded_cells(read(solution_path(ASSIGNMENT))).values())
    first_points = graded_cells(read(solution_path(ASSIGNMENT)))[f"test_{first}"].metadata.nbgrader["points"]
    assert float(rows["alice"]["score"]) == total
    assert float(rows["bob"]["score"]) == first_points
    assert float(rows["carol"]["score"]) == 0
    for learner in work:
        feedback = course / "autograde" / "feedback" / learner / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.exists() and "Check that" in feedback.read_text()
