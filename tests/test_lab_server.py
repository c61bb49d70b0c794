"""One JupyterLab for learners and instructors: `python3 course.py lab`, on a temporary course copy.

The instructor's Formgrader lists the assignment, and the folders its assignment link and its
Preview link open (the source in solutions/, the release in notebooks/) exist on the server.
A learner working alone (no nbgrader exchange) gets no exchange errors in the server log, no
Assignment List or Course List, and no gradebook from merely opening the lab.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .nbtools import ROOT, isolated_env
from .test_workspace import (
    ASSIGNMENT,
    _course_module,
    _free_port,
    _get,
    _set_up_copy,
    _wait_for_server,
    released,  # noqa: F401  (the fixture: a released course copy)
)

pytestmark = pytest.mark.slow

TOKEN = "chainrule-test-token"
EXCHANGE_ERRORS = re.compile(r"Unwritable directory|exchange|Error fetching", re.IGNORECASE)


def _course(released_course: Path, tmp_path: Path) -> Path:
    """A set-up copy of ``released_course`` (see test_workspace) with the course's self-study Jupyter settings."""
    course = _set_up_copy(released_course, tmp_path)
    shutil.copytree(ROOT / "jupyter-self-study", course / "jupyter-self-study")
    return course


def _with_lab(course: Path, paths: list[str]) -> tuple[dict[str, tuple[int, bytes]], str]:
    """Start `course.py lab` in ``course``, GET each of ``paths``, stop it.

    Returns each path's status and body, and everything the server printed. It stops on SIGTERM
    (Ctrl+C is test_workspace's subject): a SIGINT this soon after start-up can be lost in
    jupyter_lsp's background probe of npm, and the server then keeps running.
    """
    port = _free_port()
    lab = subprocess.Popen([sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"],
                           cwd=course, env=isolated_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    answers = {}
    try:
        _wait_for_server(port, TOKEN, lab)
        for path in paths:
            response = _get(port, path, TOKEN)
            answers[path] = (response.status, response.read())
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            output, _ = lab.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            output, _ = lab.communicate()
            raise AssertionError(f"JupyterLab did not stop:\n{output}") from None
    return answers, output


def _contents_url(url_prefix: str, path: str) -> str:
    """The contents API URL of the folder a Formgrader link opens: JupyterLab's file browser goes to
    ``url_prefix/path``, normalised (url_prefix is the course root relative to the server root)."""
    return "/api/contents/" + posixpath.normpath(f"{url_prefix}/{path}")


def test_formgrader_links_open_the_assignment(released, tmp_path):  # noqa: F811
    course = _course(released, tmp_path)
    page = "/formgrader/manage_assignments"
    answers, output = _with_lab(course, ["/formgrader/api/assignments", page])
    status, body = answers["/formgrader/api/assignments"]
    assert status == 200, output
    [assignment] = [item for item in json.loads(body) if item["name"] == ASSIGNMENT]
    assert answers[page][0] == 200, output
    url_prefix = re.search(rb'var url_prefix = "([^"]*)";', answers[page][1]).group(1).decode()
    assert url_prefix == "."  # the lab is rooted at the course

    links = [_contents_url(url_prefix, assignment["source_path"]),   # the assignment's name
             _contents_url(url_prefix, assignment["release_path"])]  # Preview
    answers, output = _with_lab(course, links)
    source, release = (json.loads(answers[link][1]) for link in links)
    assert [answers[link][0] for link in links] == [200, 200], output
    assert source["path"] == f"solutions/{ASSIGNMENT}" and release["path"] == f"notebooks/{ASSIGNMENT}"
    for folder in (source, release):
        assert f"{ASSIGNMENT}.ipynb" in [item["name"] for item in folder["content"]]


def test_self_study_lab_is_quiet_and_makes_no_gradebook(released, tmp_path):  # noqa: F811
    course = _course(released, tmp_path)
    (course / "autograde" / "gradebook.db").unlink()  # a learner's copy: nbgrader never ran there
    paths = ["/lab", "/api/contents/workspace", "/assignments", "/courses"]
    answers, output = _with_lab(course, paths)
    assert answers["/lab"][0] == 200 and answers["/api/contents/workspace"][0] == 200, output
    page_config = json.loads(re.search(rb'id="jupyter-config-data"[^>]*>(.*?)</script>',
                                       answers["/lab"][1], re.DOTALL).group(1))
    disabled = page_config["disabledExtensions"]
    assert "@jupyter/nbgrader:assignment-list" in disabled and "@jupyter/nbgrader:course-list" in disabled
    assert "@jupyter/nbgrader:formgrader" not in disabled
    assert answers["/assignments"][0] == answers["/courses"][0] == 404  # their server extensions are off
    assert not (course / "autograde" / "gradebook.db").exists()
    assert not EXCHANGE_ERRORS.search(output), output


def test_an_existing_exchange_keeps_the_assignment_list(tmp_path, monkeypatch):
    """An exchange in nbgrader's default folder, or in the folder a user's nbgrader_config.py names,
    keeps nbgrader's assignment list on; only when neither exists do the self-study settings come in."""
    course = _course_module()
    monkeypatch.setattr(course, "EXCHANGE", tmp_path)
    assert "JUPYTER_CONFIG_PATH" not in course.lab_environment({"PATH": "/bin"})
    monkeypatch.setattr(course, "EXCHANGE", tmp_path / "missing")
    env = dict(isolated_env(), JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_CONFIG_PATH="/mine")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "nbgrader_config.py").write_text(f"c.Exchange.root = {str(tmp_path / 'class')!r}\n")
    assert course.lab_environment(env)["JUPYTER_CONFIG_PATH"] == os.pathsep.join(
        [str(course.SELF_STUDY_CONFIG), "/mine"])  # the configured exchange does not exist yet
    (tmp_path / "class").mkdir()
    assert course.lab_environment(env)["JUPYTER_CONFIG_PATH"] == "/mine"
