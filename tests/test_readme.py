"""The README's commands work as written.

Every line of the README's fenced ```bash blocks names a program that exists
as written in a checkout set up by ``python3 course.py``: a ``course.py``
command, a program of ``.venv/bin`` (an nbgrader subcommand for nbgrader), or
``pip install`` of extras and folders the project has. The instructor's
commands then run exactly as written, without activating anything (PATH is
``/usr/bin:/bin``), in a temporary copy of the course.
"""
from __future__ import annotations

import csv
import importlib.util
import os
import pwd
import re
import shlex
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from .nbtools import ASSIGNMENTS, ROOT, isolated_env, lean, read, solution_path

README = ROOT / "README.md"
VENV_BIN = ".venv/bin"
BARE_PATH = "/usr/bin:/bin"
EXCHANGE_COMMANDS = {"release_assignment", "collect"}  # these need an exchange: one in a temporary folder
NEEDED = ["generate_assignment", "autograde", "generate_feedback", "export"]  # what the README must show


def commands() -> list[list[str]]:
    """Every command of the README's ```bash blocks as its words, comments left out, ``&&`` split."""
    found = []
    for block in re.findall(r"^```bash\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words:
                cut = words.index("&&") if "&&" in words else len(words)
                found.append(words[:cut])
                words = words[cut + 1:]
    return found


def _course_module():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _extras(folder: Path) -> set[str]:
    return set(tomllib.loads((folder / "pyproject.toml").read_text())["project"].get("optional-dependencies", {}))


def _check_course_py(words: list[str]) -> None:
    assert words[1:2] == ["course.py"], f"python3 runs only course.py in the README: {words}"
    known = set(_course_module().EXTRAS)
    assert words[2:3] and words[2] in known, f"course.py has no command {words[2:3]} (it has {sorted(known)})"


def _check_venv_program(words: list[str]) -> None:
    name = words[0].removeprefix(f"{VENV_BIN}/")
    assert (Path(sys.executable).parent / name).is_file(), f"the course's venv has no {name}"
    if name == "nbgrader":
        from nbgrader.apps import NbGraderApp

        assert words[1:2] and words[1] in NbGraderApp.subcommands, f"nbgrader has no subcommand {words[1:2]}"
    elif name == "chainrule":
        assert words[1:2] == ["grade"], f"chainrule has only the grade command: {words}"


def _check_pip_install(words: list[str]) -> None:
    assert words[1:2] == ["install"], f"pip is only used to install: {words}"
    for target in words[2:]:
        match = re.fullmatch(r"([^\[\]]+)(?:\[([^\]]*)\])?", target)
        folder = ROOT / match.group(1)
        assert (folder / "pyproject.toml").is_file(), f"pip install {target}: {folder} is not a project"
        wanted = set(filter(None, (match.group(2) or "").split(",")))
        assert wanted <= _extras(folder), f"pip install {target}: no extra {sorted(wanted - _extras(folder))}"


@pytest.mark.parametrize("words", commands(), ids=" ".join)
def test_every_readme_command_exists_as_written(words):
    """Does each README command name a program, subcommand, extra or folder that this checkout has?"""
    if words[0] == "conda":
        pytest.skip("conda commands need conda; test_environment.py keeps environment.yml in step")
    if words[0] == "python3":
        _check_course_py(words)
    elif words[0].startswith(f"{VENV_BIN}/"):
        _check_venv_program(words)
    elif words[0] == "pip":
        _check_pip_install(words)
    else:
        pytest.fail(f"the README runs {words[0]!r}, which a fresh checkout does not have as written "
                    f"(write .venv/bin/{words[0]} or a course.py command)")


def test_readme_shows_the_instructor_commands():
    """Does the README show the nbgrader steps and chainrule grade that the slow tests below run?"""
    nbgrader = [words[1] for words in commands() if words[0] == f"{VENV_BIN}/nbgrader"]
    assert all(step in nbgrader for step in NEEDED), nbgrader
    assert [words for words in commands() if words[0] == f"{VENV_BIN}/chainrule"]


# ---- running them ---------------------------------------------------------------------------------

def _bare_env() -> dict[str, str]:
    """The tests' environment with nothing activated: only /usr/bin and /bin on PATH."""
    env = dict(isolated_env(), PATH=BARE_PATH)
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(words: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(words, cwd=cwd, env=_bare_env(), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, f"{' '.join(words)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def _fresh_course(folder: Path, assignment: str) -> Path:
    """A course as a fresh clone has it (config, the instructor's notebook and an ``autograde`` folder
    without a gradebook), with its ``.venv`` this test's virtual environment."""
    (folder / "solutions").mkdir(parents=True)
    (folder / "autograde").mkdir()
    (folder / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    (folder / "solutions" / assignment).mkdir()
    nbformat.write(read(solution_path(assignment)), folder / "solutions" / assignment / f"{assignment}.ipynb")
    (folder / ".venv").symlink_to(sys.prefix)
    return folder


def _readme_assignment(words: list[str]) -> list[str]:
    """The command with the README's example notebook replaced by the one this test uses, ASSIGNMENTS[0]."""
    return [ASSIGNMENTS[0] if word in ASSIGNMENTS else word for word in words]


def _learner_submits(exchange: Path, home: Path, assignment: str) -> str:
    """The OS user, as a learner, fetches ``assignment`` and submits the solution; returns the learner's id."""
    home.mkdir()
    learner = ["--course=chainrule", f"--Exchange.root={exchange}"]
    _run([f"{sys.prefix}/bin/nbgrader", "fetch_assignment", assignment, *learner], home)
    nbformat.write(lean(read(solution_path(assignment))), home / assignment / f"{assignment}.ipynb")
    _run([f"{sys.prefix}/bin/nbgrader", "submit", assignment, *learner], home)
    return pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.slow
def test_instructor_nbgrader_commands_run_as_written(tmp_path):
    """Do the README's nbgrader lines run as written on a fresh course, nothing activated, and grade a
    learner's solution (submitted through an exchange) with full marks?"""
    assignment = ASSIGNMENTS[0]
    course = _fresh_course(tmp_path / "course", assignment)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    learner = None
    for words in commands():
        if words[0] != f"{VENV_BIN}/nbgrader":
            continue
        words = _readme_assignment(words)
        _run(words + ([f"--Exchange.root={exchange}"] if words[1] in EXCHANGE_COMMANDS else []), course)
        if words[1] == "release_assignment":
            learner = _learner_submits(exchange, tmp_path / "learner", assignment)
    assert learner, "the README's nbgrader lines release no assignment"
    assert (course / "autograde" / "feedback" / learner / assignment / f"{assignment}.html").is_file()
    with open(course / "grades.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["student_id"] == learner and r["assignment"] == assignment)
    assert float(row["score"]) == float(row["max_score"]) > 0


@pytest.mark.slow
def test_chainrule_grade_runs_as_written(tmp_path):
    """Does the README's chainrule grade line grade a one-student export on a fresh course, nothing
    activated, with a progress bar that counts the notebooks and a line for the feedback?"""
    assignment = ASSIGNMENTS[0]
    course = _fresh_course(tmp_path / "course", assignment)
    words = next(w for w in commands() if w[0] == f"{VENV_BIN}/chainrule")
    with zipfile.ZipFile(course / words[2], "w") as archive:
        archive.writestr(f"smithjane_48213_90817_{assignment}.ipynb",
                         nbformat.writes(lean(read(solution_path(assignment)))))
    proc = _run(words, course)
    assert "1 students, 1 notebooks: 1 graded, 0 failed" in proc.stdout
    assert "1/1 notebooks, 0 failed" in proc.stderr and "feedback for 1 assignment: 0 failed" in proc.stderr
    with open(course / "autograde" / "results" / "grades.csv") as f:
        row = next(csv.DictReader(f))
    assert row["student"] == "smithjane_48213" and float(row["score"]) == float(row["max_score"]) > 0
