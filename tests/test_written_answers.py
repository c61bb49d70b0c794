"""Hand-graded written answers, end to end, with real nbgrader, a real gradebook and the real Formgrader.

A written answer is a markdown cell marked graded and an answer (nbgrader's "manually graded answer"):
its solution text, a model answer followed by a **Rubric**, is replaced by "YOUR ANSWER HERE" in the
release. The course here is a copy of notebook 01 (its graded cells only) with one written answer
added, so that these tests do not depend on the notebooks' own questions. They check that

- the released notebook, here and in notebooks/, holds no rubric and no model answer;
- `chainrule grade` leaves a written answer to a human, says how many wait and where to grade them,
  and `nbgrader export` holds the autograded part meanwhile;
- the Formgrader lists it under Manual Grading with the model answer and rubric beside it; a score and a
  comment given through the Formgrader's own HTTP API reach the gradebook, the learner's feedback page
  (without the rubric) and `nbgrader export`;
- a second `chainrule grade` of the same export keeps every hand grade, and an answer changed since
  it was graded waits for a grader again, its old score and comment kept;
- `course.py check` shows a written answer as "- / 2 (by hand)", and what_is_left() lists one still
  holding "YOUR ANSWER HERE" as not written yet.
"""
from __future__ import annotations

import csv
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .nbtools import ASSIGNMENTS, ROOT, execute, isolated_env, lean, nbgrader, nbgrader_meta, output_text, read, \
    solution_path
from .test_workspace import _course_module, _free_port, _set_up_copy, _wait_for_server

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-scalar-derivatives"
QUESTION = "why_multiply"
POINTS = 2
HEADING = "### Question W1: why the chain rule multiplies (2 points, graded by hand)"
MODEL = ("**Model answer.** A small change in x moves u by about u'(x) times as much, and that change in u moves "
         "y by about y'(u) times as much again: the factors of a chain of small changes multiply.\n\n"
         "**Rubric** (2 points)\n"
         "- **1 point:** the change in x passes through u, each step scaling it by its local derivative.\n"
         "- **1 point:** scalings in a chain multiply (not add).")
MODEL_PHRASE = "the factors of a chain of small changes multiply"
RUBRIC_PHRASE = "scalings in a chain multiply (not add)"
ALICE = "A nudge of x is scaled by du/dx on its way to u, then by dy/du on its way to y: scalings compose by product."
ALICE_AGAIN = ALICE + " Also the sum rule."
COMMENT = "Right: each local derivative scales the nudge. Say *why* scalings compose by product."
TOKEN = "chainrule-written-answers-token"


def written_cell(source: str = MODEL):
    return nbformat.v4.new_markdown_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": True, "locked": False, "points": POINTS, "grade_id": QUESTION,
        "schema_version": 3, "task": False}})


def source_notebook():
    """Notebook 01's graded cells with a written answer (its heading, then the answer cell) at the end."""
    nb = lean(read(solution_path(ASSIGNMENT)))
    nb.cells += [nbformat.v4.new_markdown_cell(HEADING + "\n\nExplain in two sentences why the chain rule "
                                               "multiplies local derivatives.\n\nWrite your answer below."),
                 written_cell()]
    return nb


def _answered(release, text: str | None):
    """A learner's notebook: the release with the solution's code answers, and ``text`` as the written
    answer (None: left as released)."""
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source_notebook().cells
               if c.cell_type == "code" and nbgrader_meta(c).get("solution")}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid == QUESTION and text is not None:
            cell.source = text
        elif gid in answers:
            cell.source = answers[gid]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course copy with the one assignment, released by nbgrader, set up for `course.py lab`."""
    base = tmp_path_factory.mktemp("written")
    released = base / "released"
    (released / "autograde").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", released)
    (released / "solutions" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_notebook(), released / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=released)
    return _set_up_copy(released, base)


def _release(course: Path):
    return read(course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def _chainrule_grade(course: Path, export: Path) -> str:
    proc = subprocess.run([str(Path(sys.executable).parent / "chainrule"), "grade", str(export), "--jobs", "1",
                           "--no-progress", "--out", "results"], cwd=course, env=isolated_env(),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _export(course: Path) -> dict[str, float]:
    nbgrader("export", "--to", "export.csv", cwd=course)
    with open(course / "export.csv") as f:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}


def _grade(course: Path, student: str):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        grade = gb.find_grade(QUESTION, ASSIGNMENT, ASSIGNMENT, student)
        comment = gb.find_comment(QUESTION, ASSIGNMENT, ASSIGNMENT, student)
        return grade.manual_score, grade.needs_manual_grade, comment.manual_comment


def _request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"token {TOKEN}", "Content-Type": "application/json"}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _autograded_points(release) -> float:
    return sum(float(nbgrader_meta(c)["points"]) for c in release.cells
               if nbgrader_meta(c).get("grade") and c.cell_type == "code")


# ---- the release --------------------------------------------------------------------------------

def test_the_release_holds_no_rubric_and_no_model_answer(course):
    release = _release(course)
    text = json.dumps(release)
    assert "Rubric" not in text and MODEL_PHRASE not in text and RUBRIC_PHRASE not in text
    [cell] = [c for c in release.cells if nbgrader_meta(c).get("grade_id") == QUESTION]
    assert cell.source == "YOUR ANSWER HERE" and nbgrader_meta(cell)["points"] == POINTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_course_notebooks_hold_no_rubric_and_no_model_answer(assignment):
    """notebooks/ is made from solutions/: no written answer's model answer or rubric reaches it."""
    released = json.dumps(read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb"))
    assert "**Rubric**" not in released
    for cell in read(solution_path(assignment)).cells:
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("grade") and nbgrader_meta(cell).get("solution"):
            model = cell.source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0]
            lines = [line.strip() for line in model.splitlines() if len(line.strip()) > 40]
            assert lines and not [line for line in lines if line in released], nbgrader_meta(cell)["grade_id"]


# ---- chainrule grade, the Formgrader, and a second run -----------------------------------------

def _submit(export: Path, student: str, nb) -> None:
    export.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, export / f"{student}_{ASSIGNMENT}.ipynb")


@pytest.fixture(scope="module")
def graded(course):
    """alice wrote the answer, bob left it as released; both solved the code. One `chainrule grade`."""
    export = course / "export"
    _submit(export, "alice", _answered(_release(course), ALICE))
    _submit(export, "bob", _answered(_release(course), None))
    return course, export, _chainrule_grade(course, export)


def test_a_written_answer_waits_for_a_human(graded):
    course, _, summary = graded
    assert "1 answer in 1 notebook waits for hand grading" in summary, summary
    assert "Formgrader" in summary and "Manual Grading" in summary, summary
    assert _grade(course, "alice") == (None, True, None)
    assert _grade(course, "bob")[1] is False  # nothing written: nothing to grade, 0 points
    alice = json.loads((course / "results" / "students" / "alice.json").read_text())["assignments"][ASSIGNMENT]
    assert alice["waiting_for_hand_grading"] == [QUESTION] and alice["cells"][QUESTION]["max_score"] == POINTS
    auto = _autograded_points(_release(course))
    assert _export(course) == {"alice": auto, "bob": auto}  # the autograded part, until a grader scores it


def test_the_autograded_notebook_shows_the_grader_the_model_answer_and_rubric(graded):
    course, _, _ = graded
    nb = read(course / "autograde" / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    where = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == QUESTION)
    assert nb.cells[where].source == ALICE
    note = nb.cells[where + 1]
    assert note.metadata.get("chainrule_grader_note") and RUBRIC_PHRASE in note.source and MODEL_PHRASE in note.source
    assert [c for c in nb.cells if c.metadata.get("chainrule_grader_note")] == [note]


class _Lab:
    """`course.py lab` on the course copy (the learners' and instructors' JupyterLab, with the Formgrader)."""

    def __init__(self, course: Path):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "course.py", "lab", "--no-browser", f"--port={self.port}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={TOKEN}"], cwd=course, env=isolated_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def __enter__(self):
        _wait_for_server(self.port, TOKEN, self.process)
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()

    def get(self, path: str):
        status, body = _request(self.port, "GET", path)
        assert status == 200, (path, status, body[:500])
        return body

    def put(self, path: str, data: dict) -> dict:
        status, body = _request(self.port, "PUT", path, data)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)


def test_a_hand_grade_from_the_formgrader_reaches_feedback_and_export_and_survives_regrading(graded):
    course, export, _ = graded
    auto = _autograded_points(_release(course))
    with _Lab(course) as lab:
        # Manual Grading: the notebook's submissions, alice's waiting for a grader
        listed = json.loads(lab.get(f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}"))
        alice = next(s for s in listed if s["student"] == "alice")
        assert alice["needs_manual_grade"] and not next(s for s in listed if s["student"] == "bob")["needs_manual_grade"]
        page = lab.get(f"/formgrader/submissions/{alice['id']}/").decode()
        assert ALICE in page and RUBRIC_PHRASE in page and MODEL_PHRASE in page  # the grader sees the rubric
        grade = next(g for g in json.loads(lab.get(f"/formgrader/api/grades?submission_id={alice['id']}"))
                     if g["name"] == QUESTION)
        comment = next(c for c in json.loads(lab.get(f"/formgrader/api/comments?submission_id={alice['id']}"))
                       if c["name"] == QUESTION)
        assert lab.put(f"/formgrader/api/grade/{grade['id']}", {"manual_score": 1.5})["needs_manual_grade"] is False
        lab.put(f"/formgrader/api/comment/{comment['id']}", {"manual_comment": COMMENT})
        # what chainrule grade prevents: nbgrader's own re-autograde keeps the score and comment, but asks
        # for every hand grade again (needs_manual_grade); the grader resolves it with the score kept
        nbgrader("autograde", ASSIGNMENT, "--student", "alice", "--force", cwd=course)
        assert _grade(course, "alice") == (1.5, True, COMMENT)
        assert lab.put(f"/formgrader/api/grade/{grade['id']}", {"manual_score": 1.5})["needs_manual_grade"] is False
    assert _grade(course, "alice") == (1.5, False, COMMENT)
    assert _export(course)["alice"] == auto + 1.5

    nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    page = (course / "autograde" / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    _feedback_shows_the_hand_grade(page)

    # a late submission arrives: the same export, with carol's, graded again
    _submit(export, "carol", _answered(_release(course), None))
    summary = _chainrule_grade(course, export)
    assert _grade(course, "alice") == (1.5, False, COMMENT), summary
    assert "wait for hand grading" not in summary and "waits for hand grading" not in summary, summary
    assert _export(course) == {"alice": auto + 1.5, "bob": auto, "carol": auto}
    _feedback_shows_the_hand_grade((course / "results" / "feedback" / "alice" / f"{ASSIGNMENT}.html").read_text())

    # alice resubmits a changed answer: the old score and comment stay, and it waits for a grader again
    _submit(export, "alice", _answered(_release(course), ALICE_AGAIN))
    summary = _chainrule_grade(course, export)
    assert _grade(course, "alice") == (1.5, True, COMMENT), summary
    assert f"1 answer graded by hand before changed in the new submission and waits for a grader again" in summary
    assert f"alice/{ASSIGNMENT}/{QUESTION}" in summary and "1 answer in 1 notebook waits for hand grading" in summary
    assert _export(course)["alice"] == auto + 1.5


def _feedback_shows_the_hand_grade(page: str) -> None:
    """The learner's page: her answer, its score and the grader's comment; no model answer, no rubric."""
    assert ALICE in page and "Say <em>why</em> scalings compose by product" in page, page[-3000:]
    assert re.search(r"Score: 1\.5 / 2", page), re.findall(r"Score:[^<]*", page)
    assert "Rubric" not in page and RUBRIC_PHRASE not in page and MODEL_PHRASE not in page
    assert "chainrule_grader_note" not in page and "For the grader" not in page


# ---- self-study -----------------------------------------------------------------------------------

def _check(course: Path) -> str:
    proc = subprocess.run([sys.executable, "course.py", "check"], cwd=course, env=isolated_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture
def workspace(course, tmp_path) -> Path:
    """A set-up copy of the course whose workspace holds the notebook with the code solved."""
    copy = shutil.copytree(course, tmp_path / "course", symlinks=True)
    venv = Path(sys.executable).parents[1]  # the copy runs its .venv/bin/python: it needs the venv's packages
    for name in ("pyvenv.cfg", "lib"):
        (copy / ".venv" / name).symlink_to(venv / name)
    _course_module().update_workspace(copy)
    return copy


@pytest.mark.parametrize("text", [None, ALICE], ids=["blank", "written"])
def test_check_shows_a_written_answer_as_graded_by_hand(workspace, text):
    nbformat.write(_answered(_release(workspace), text), workspace / "workspace" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    output = _check(workspace)
    [row] = [line for line in output.splitlines() if line.startswith(ASSIGNMENT) and f" {QUESTION} " in line]
    assert f"- / {POINTS} (by hand)" in row and f"compare with the model answer in solutions/{ASSIGNMENT}/" in row
    assert row.split("(by hand)")[1].strip().startswith("not written yet") == (text is None), row
    auto = f"{_autograded_points(_release(workspace)):g}"
    [total] = [line for line in output.splitlines() if line.startswith(ASSIGNMENT) and " TOTAL " in line]
    assert total.split()[2:] == [auto, "/", auto, "and", f"{POINTS}", "points", "graded", "by", "hand"], total
    assert f"{auto} / {auto} points, and {POINTS} points of written answers graded by hand" in output
    page = (workspace / ".chainrule" / "check-report.html").read_text()
    assert f"- / {POINTS} (by hand)" in page and "class='hand'" in page


@pytest.mark.parametrize("text", ["YOUR ANSWER HERE", ALICE], ids=["blank", "written"])
def test_what_is_left_lists_a_written_answer_not_written_yet(tmp_path, text):
    """what_is_left() reads the notebook as saved (here the only one in the kernel's folder): a written
    answer still holding "YOUR ANSWER HERE" is not written yet, and no failed check; a written one is done."""
    folder = tmp_path / "01-notes"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from chainrule.visible import check_sigmoid_grad\n"
                                  "from chainrule.progress import what_is_left\nimport numpy as np"),
        nbformat.v4.new_code_cell("def sigmoid_grad(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)\n"
                                  "check_sigmoid_grad(sigmoid_grad)"),
        written_cell(text), nbformat.v4.new_code_cell("what_is_left()")])
    nbformat.write(nb, folder / "01-notes.ipynb")
    done, _ = execute(nb, folder)
    summary = output_text(done.cells[-1])
    assert summary.startswith("1 of 8 exercises pass"), summary
    assert ("Written answers, graded by hand" in summary) == (text != ALICE), summary
    assert (f"  {QUESTION}  not written yet" in summary) == (text != ALICE), summary
    assert "check failed" not in summary


def test_grader_notes_quote_the_model_answer_and_replace_any_the_submission_brought():
    """A note goes right after its written answer, quoting the model answer without nbgrader's solution
    marks; a cell the learner marked as a grader's note herself is dropped."""
    from chainrule_reference.nbgrader_plugin import GRADER_NOTE, add_grader_notes

    forged = nbformat.v4.new_markdown_cell("For the grader: give full marks", metadata={GRADER_NOTE: True})
    nb = nbformat.v4.new_notebook(cells=[written_cell(ALICE), forged, nbformat.v4.new_markdown_cell("after")])
    model = "Some question text\n### BEGIN SOLUTION\n" + MODEL + "\n### END SOLUTION"
    assert add_grader_notes(nb, {QUESTION: model}, "solutions/x/x.ipynb") == 1
    assert [c.source for c in nb.cells][::2] == [ALICE, "after"]
    note = nb.cells[1].source
    assert nb.cells[1].metadata[GRADER_NOTE] and "solutions/x/x.ipynb" in note
    assert f"> - **1 point:** {RUBRIC_PHRASE}" in note and "BEGIN SOLUTION" not in note
    assert "give full marks" not in json.dumps(nb)


def test_the_model_answers_are_read_again_when_the_source_notebook_changes(tmp_path):
    """The grader's notes of a class come from one source notebook, read once per version of it: an
    instructor who edits a model answer between two runs of one process gets the new one."""
    from traitlets.config import Config

    from chainrule_reference.nbgrader_plugin import RestoreCells

    source = tmp_path / "source" / "x" / "x.ipynb"
    source.parent.mkdir(parents=True)
    notes = []
    for model in ("The first model answer.", "The model answer, edited at length."):
        nbformat.write(nbformat.v4.new_notebook(cells=[written_cell(model)]), source)
        nb = nbformat.v4.new_notebook(cells=[written_cell(ALICE)])
        restore = RestoreCells(config=Config({"CourseDirectory": {"root": str(tmp_path), "source_directory": "source"}}))
        restore._add_grader_notes(nb, {"nbgrader": {"assignment": "x", "notebook": "x"}})
        notes.append(nb.cells[1].source)
    assert "The first model answer." in notes[0] and "edited at length" in notes[1]

