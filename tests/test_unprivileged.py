"""The ordinary-user harness (tests/unprivileged.py) works: a command really runs without root's
rights, and the real grader (`nbgrader autograde`, `chainrule grade`) grades a class as that user."""
from __future__ import annotations

import csv
import re

import nbformat
import pytest

from .nbtools import ASSIGNMENTS, gradebook_scores, make_course, read, release_path, solution_path, submit
from .unprivileged import (BIN, GID, UID, chainrule_as_user, give_to_user, nbgrader_as_user, ordinary_env,
                           ordinary_user_available, run_as_user)

ASSIGNMENT = ASSIGNMENTS[0]

WHO_AND_WHAT = """
import os, sys
print("ids", os.getuid(), os.geteuid(), os.getgid(), os.getegid(), sorted(os.getgroups()))
for path in sys.argv[1:]:
    try:
        print(path, "read", len(open(path).read()))
    except OSError as err:
        print(path, type(err).__name__)
"""


@pytest.fixture(autouse=True)
def ordinary_user():
    reason = ordinary_user_available()
    if reason:
        pytest.skip(reason)


def _lines(proc) -> dict[str, str]:
    """The probe's output: first word -> the rest of the line."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines())


def test_a_command_runs_as_the_ordinary_user_and_cannot_read_a_root_only_file(tmp_path):
    """Non-zero uid and gid, no groups; a 0600 root file beside a readable one is refused."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    secret, note = shared / "secret", shared / "note"
    secret.write_text("root only")
    secret.chmod(0o600)
    note.write_text("for everyone")
    note.chmod(0o644)
    home = tmp_path / "home"
    proc = run_as_user([str(BIN / "python"), "-c", WHO_AND_WHAT, str(secret), str(note)], cwd=home, env=ordinary_env(home), reachable=[shared], timeout=120)
    seen = _lines(proc)
    assert seen["ids"] == f"{UID} {UID} {GID} {GID} []"
    assert seen[str(secret)] == "PermissionError"
    assert seen[str(note)] == f"read {len('for everyone')}"
    assert secret.read_text() == "root only"


def test_the_namespace_does_not_leak_into_the_machine(tmp_path):
    """The tmpfs over closed folders lives in the child's own mount namespace only."""
    home = tmp_path / "home"
    before = open("/proc/self/mountinfo").read()
    run_as_user(["true"], cwd=home, env=ordinary_env(home), timeout=60)
    assert open("/proc/self/mountinfo").read() == before


@pytest.mark.slow
@pytest.mark.nb01
def test_nbgrader_autograde_as_the_ordinary_user(tmp_path):
    """A real `nbgrader autograde` run by the ordinary user: the solution full marks, the blank release
    zero, read from the gradebook as root; the grader had no root (no namespaces isolation)."""
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    submit(course, "complete", ASSIGNMENT, read(solution_path(ASSIGNMENT)))
    submit(course, "blank", ASSIGNMENT, read(release_path(ASSIGNMENT)))
    give_to_user(course)
    home = tmp_path / "home"
    proc = nbgrader_as_user("autograde", ASSIGNMENT, "--create", "--force", cwd=course, env=ordinary_env(home))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    scores = gradebook_scores(course, ASSIGNMENT)
    assert scores["complete"] and all(s == m for s, m in scores["complete"].values()), (scores, log)
    assert scores["blank"] and all(s == 0 for s, _ in scores["blank"].values()), (scores, log)
    levels = set(re.findall(r"\((\w+) isolation", log))
    assert levels and "namespaces" not in levels, log
    assert (course / "autograde" / "gradebook.db").stat().st_uid == UID


@pytest.mark.slow
@pytest.mark.nb01
def test_chainrule_grade_as_the_ordinary_user(tmp_path):
    """`chainrule grade` of an export folder, run by the ordinary user, writes the grades."""
    course = make_course(tmp_path / "course", [ASSIGNMENT])
    export = course / "export"
    export.mkdir()
    nbformat.write(read(solution_path(ASSIGNMENT)), export / f"complete_1_{ASSIGNMENT}.ipynb")
    nbformat.write(read(release_path(ASSIGNMENT)), export / f"blank_2_{ASSIGNMENT}.ipynb")
    give_to_user(course)
    proc = chainrule_as_user("grade", "export", "--jobs", "1", "--no-progress", cwd=course,
                             env=ordinary_env(tmp_path / "home"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(course / "autograde" / "results" / "grades.csv") as f:
        grades = {r["student"]: r for r in csv.DictReader(f)}
    complete, blank = grades["complete_1"], grades["blank_2"]  # the LMS's participant id is kept
    assert float(complete["score"]) == float(complete["max_score"]) > 0
    assert float(blank["score"]) == 0


WARM = """
from chainrule_reference.sandbox.process import Sandbox, isolation_level
print("level", isolation_level())
source = "import os\\ndef look():\\n    return sorted(int(p) for p in os.listdir('/proc') if p.isdigit()), os.getuid()\\n"
for notebook in range(2):
    with Sandbox(tenant="ann") as box:
        box.request("exec", timeout=20, source=source, cell="a")
        seen, uid = box.request("call", timeout=20, target=box.request("lookup", name="look"), args=[], kwargs={})
        print(f"notebook{notebook}", box.warm is not None, len(seen), uid)
"""


def test_a_learners_notebooks_are_forked_in_her_warm_container_as_the_ordinary_user(tmp_path):
    """Without root, bubblewrap makes a user namespace: the warm process is still process 2 of its own PID
    namespace, so it forks each notebook (and kills what the last one left: three processes in all)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "warm.py").write_text(WARM)
    proc = run_as_user([str(BIN / "python"), str(home / "warm.py")], cwd=home, env=ordinary_env(home))
    lines = _lines(proc)
    assert lines["level"] == "bubblewrap"
    first, second = lines["notebook0"].split(), lines["notebook1"].split()
    assert first[:2] == second[:2] == ["True", "3"], proc.stdout  # init, the warm process, the notebook's
    assert first[2] == second[2] != "0"  # the same user (the learner's container), not root
