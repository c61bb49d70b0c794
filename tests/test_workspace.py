"""Learners work in their own copies (``workspace/``), which nothing regenerates.

`python3 course.py lab` copies each released notebook into the workspace once and never
overwrites or deletes a file there; `nbgrader generate_assignment --force` replaces only the
release folder (``notebooks/``); `chainrule grade` writes neither, even for an assignment its
gradebook does not know yet. And `course.py lab` really serves the course root, and stops
cleanly on Ctrl+C. All in temporary copies of the course.
"""
from __future__ import annotations

import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from .nbtools import ROOT, isolated_env, make_course, nbgrader, read, solution_path

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-scalar-derivatives"
NOTES = "my notes.txt"


def _course_module(root: Path = ROOT):
    """course.py of the course copy in ``root``, as a module (its ROOT is that copy)."""
    spec = importlib.util.spec_from_file_location(f"course_{abs(hash(root))}", root / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _answer(folder: Path) -> dict[str, bytes]:
    """A learner's work in ``folder``: the notebook with every answer written (the solution's
    cells), and a notes file. Returns the files and their bytes, to be checked later."""
    notebook = folder / f"{ASSIGNMENT}.ipynb"
    answered = read(solution_path(ASSIGNMENT))
    answered.cells[0].source += f"\n# my answers, kept in {folder.parent.name}/"
    nbformat.write(answered, notebook)
    (folder / NOTES).write_text("the chain rule multiplies local derivatives\n")
    return {str(path): path.read_bytes() for path in (notebook, folder / NOTES)}


def _unchanged(files: dict[str, bytes]) -> bool:
    return all(Path(name).exists() and Path(name).read_bytes() == data for name, data in files.items())


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the course with one notebook, released by nbgrader; tests work on copies of it."""
    return make_course(tmp_path_factory.mktemp("released") / "course", [ASSIGNMENT])


@pytest.fixture
def course(released, tmp_path):
    """A released copy of the course whose learner has a workspace with answers and notes in it,
    and answers and notes in the release folder too (as the README once told them)."""
    course = shutil.copytree(released, tmp_path / "course")
    _course_module().update_workspace(course)
    kept = _answer(course / "workspace" / ASSIGNMENT) | _answer(course / "notebooks" / ASSIGNMENT)
    return course, kept


def test_workspace_setup_keeps_the_learners_files(course):
    course, kept = course
    update_workspace = _course_module().update_workspace
    assert update_workspace(course) == []
    assert update_workspace(course) == []
    assert _unchanged(kept)


def test_workspace_setup_adds_newly_released_notebooks(course):
    course, kept = course
    new = course / "notebooks" / "02-new" / "02-new.ipynb"
    new.parent.mkdir()
    shutil.copy(course / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", new)
    (course / "notebooks" / ASSIGNMENT / ".ipynb_checkpoints").mkdir()
    (course / "notebooks" / ASSIGNMENT / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    added = _course_module().update_workspace(course)
    assert added == [course / "workspace" / "02-new" / "02-new.ipynb"]
    assert added[0].read_bytes() == new.read_bytes()
    assert _unchanged(kept)


def test_generate_assignment_force_leaves_the_workspace(course):
    course, kept = course
    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
    assert _unchanged({name: data for name, data in kept.items() if "/workspace/" in name})
    assert not (course / "notebooks" / ASSIGNMENT / NOTES).exists()  # nbgrader's folder, regenerated


def test_chainrule_grade_writes_neither_release_nor_workspace(course):
    """The gradebook does not know the assignment: grading registers it from the source notebook
    and grades as before (the solution gets full marks), without regenerating notebooks/."""
    course, kept = course
    (course / "autograde" / "gradebook.db").unlink()
    export = course.parent / "export"
    export.mkdir()
    nbformat.write(read(solution_path(ASSIGNMENT)), export / f"complete_1_0_{ASSIGNMENT}.ipynb")
    proc = subprocess.run([str(Path(sys.executable).parent / "chainrule"), "grade", str(export), "--jobs", "1",
                           "--no-progress"], cwd=course, env=isolated_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 graded, 0 failed" in proc.stdout
    assert _unchanged(kept)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        submission = gb.find_submission(ASSIGNMENT, "complete_1")
        assert submission.max_score > 0 and submission.score == submission.max_score


# ---- course.py lab ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, token: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Authorization": f"token {token}"})
    return connection.getresponse()


def _wait_for_server(port: int, token: str, lab: subprocess.Popen, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and lab.poll() is None:
        try:
            if _get(port, "/api/status", token).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("JupyterLab did not start")


def _set_up_copy(released: Path, tmp_path: Path) -> Path:
    """A course copy whose set-up is done: it uses this checkout's venv (its bin folder) and says
    it is installed, so `course.py lab` starts JupyterLab at once and installs nothing."""
    course = shutil.copytree(released, tmp_path / "course")
    shutil.copy(ROOT / "course.py", course)
    shutil.copy(ROOT / "pyproject.toml", course)
    (course / "reference").mkdir()
    shutil.copy(ROOT / "reference" / "pyproject.toml", course / "reference")
    (course / ".venv").mkdir()
    (course / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    (course / ".venv" / ".chainrule-installed-course").write_text(_course_module(course)._stamp("course"))
    return course


def test_lab_serves_the_course_root_and_stops_on_ctrl_c(released, tmp_path):
    course = _set_up_copy(released, tmp_path)
    port, token = _free_port(), "chainrule-test-token"
    lab = subprocess.Popen([sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"],
                           cwd=course, env=isolated_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_for_server(port, token, lab)
        workspace = json.loads(_get(port, "/api/contents/workspace", token).read())
        solutions = json.loads(_get(port, "/api/contents/solutions", token).read())
        landing = _get(port, "/", token)
    finally:
        os.killpg(lab.pid, signal.SIGINT)  # what Ctrl+C in a terminal does: the whole process group
        try:
            output, _ = lab.communicate(timeout=15)
        except subprocess.TimeoutExpired:  # Jupyter can miss a Ctrl+C while it starts: press it again
            os.killpg(lab.pid, signal.SIGINT)
            output, _ = lab.communicate(timeout=30)
    assert [item["path"] for item in workspace["content"]] == [f"workspace/{ASSIGNMENT}"]
    assert [item["path"] for item in solutions["content"]] == [f"solutions/{ASSIGNMENT}"]
    assert landing.status == 302 and landing.getheader("Location").startswith("/lab/tree/workspace")
    assert lab.returncode == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert (course / "workspace" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()


def test_lab_arguments_let_the_user_choose_another_page():
    lab_arguments = _course_module().lab_arguments
    assert "--LabApp.default_url=/lab/tree/workspace" in lab_arguments(["--no-browser"])
    chosen = lab_arguments(["--LabApp.default_url=/lab"])
    assert [arg for arg in chosen if "default_url" in arg] == ["--LabApp.default_url=/lab"]
