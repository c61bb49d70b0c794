"""Many machines, one gradebook: `chainrule grade --shard K/N --db-url postgresql://...`, against a real
PostgreSQL server started here (Debian's postgresql; .ci/run installs it), never a stand-in.

Each shard works in its own copy of the course (its own machine), grades its share of one LMS export
into the shared gradebook, and reports its own students. Together the shards must give what one
machine gives with its SQLite gradebook: the same grades in `nbgrader export`, the same per-cell
scores and verdicts, the same feedback pages. A shard killed half-way and run again completes the class,
without a duplicate or a loss.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from chainrule_reference.classgrade import shard_of

from .nbtools import ASSIGNMENTS, isolated_env, make_course, nbgrader, partial, read, release_path, solution_path

pytestmark = pytest.mark.slow

ASSIGNMENT = ASSIGNMENTS[0]
SHARDS = 3
# Nine students: three complete, three half done, three blank; sharding must not change a grade.
KINDS = {"complete": lambda: read(solution_path(ASSIGNMENT)), "partial": lambda: partial(read(solution_path(ASSIGNMENT))),
         "blank": lambda: read(release_path(ASSIGNMENT))}
STUDENTS = [f"{kind}{i}_{100 + 10 * i + n}" for n, kind in enumerate(KINDS) for i in range(3)]


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is missing: install Debian's postgresql (.ci/run does)"
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server on 127.0.0.1 in a temporary folder, run as the 'postgres' user when we are
    root (the server refuses root); yields a function that creates a database and returns its URL."""
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="chainrule-pg-"))
    user = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    port = _free_port()
    subprocess.run([bin_dir / "initdb", "-D", folder / "data", "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True, **user)
    server = subprocess.Popen([bin_dir / "postgres", "-D", folder / "data", "-p", str(port), "-k", folder,
                               "-c", "listen_addresses=127.0.0.1"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, **user)
    psql = [bin_dir / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
    for _ in range(100):
        if subprocess.run([*psql, "-c", "SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)

    def database(name: str) -> str:
        subprocess.run([*psql, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield database
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The course, released (one notebook), and an LMS export of the class; the shards copy the course."""
    root = tmp_path_factory.mktemp("shards")
    course = make_course(root / "course", [ASSIGNMENT])
    export = root / "export"
    export.mkdir()
    for student in STUDENTS:
        kind = student.split("_")[0].rstrip("0123456789")
        (export / f"{student}_{ASSIGNMENT}.ipynb").write_text(nbformat.writes(KINDS[kind]()))
    return root, course, export


def _copy(released, name: str) -> Path:
    """A machine of its own: a copy of the released course, without the release's SQLite gradebook."""
    root, course, _ = released
    copy = root / name
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("gradebook.db"))
    return copy


def _grade(course: Path, export: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "chainrule"), "grade", str(export), "--out",
                             "results", "--jobs", "1", *args], cwd=course, env=isolated_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, out + err
    return out


def _export(course: Path, *args: str) -> dict[tuple[str, str], tuple[float, float]]:
    """`nbgrader export` of the course's gradebook (or the one ``args`` name): (student, assignment) -> scores.
    Two rows for one student and assignment would be a duplicate: refused."""
    nbgrader("export", "--to", "export.csv", *args, cwd=course)
    rows: dict[tuple[str, str], tuple[float, float]] = {}
    with open(course / "export.csv") as f:
        for r in csv.DictReader(f):
            key = (r["student_id"], r["assignment"])
            assert key not in rows, f"{key} twice in the export"
            rows[key] = (float(r["raw_score"]), float(r["max_score"]))
    return rows


def _submitted(url: str) -> list[str]:
    """The students with a graded submission in the gradebook at ``url`` (once per submission)."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        return [sub.student.id for sub in gb.assignment_submissions(ASSIGNMENT)]


def _reports(course: Path) -> dict[str, dict]:
    """Per student: score, and each cell's score and verdict, from the shard's students/*.json."""
    found = {}
    for path in (course / "results" / "students").glob("*.json"):
        record = json.loads(path.read_text())
        entry = record["assignments"][ASSIGNMENT]
        found[record["student"]] = {"score": entry["score"], "cells": entry["cells"]}
    return found


def _feedback(course: Path) -> dict[str, bytes]:
    return {p.name + "/" + p.parent.name: p.read_bytes()
            for p in (course / "results" / "feedback").glob("*/*.html")}


@pytest.fixture(scope="module")
def single(released):
    """The whole class graded on one machine, into its own SQLite gradebook."""
    _, _, export = released
    course = _copy(released, "single")
    _finish(_grade(course, export))
    return course, _export(course), _reports(course), _feedback(course)


def test_the_shards_partition_the_class():
    """Every student belongs to exactly one share, the same whatever the class around them."""
    shares = {student: shard_of(student, SHARDS) for student in STUDENTS}
    assert set(shares.values()) <= set(range(1, SHARDS + 1))
    assert len(set(shares.values())) > 1, shares  # nine students do not all land in one share
    assert {s: shard_of(s, SHARDS) for s in STUDENTS + ["newcomer_999"]} == {**shares, "newcomer_999":
                                                                               shard_of("newcomer_999", SHARDS)}


def test_three_shards_at_once_equal_one_machine(released, postgres, single):
    _, _, export = released
    url = postgres("class_a")
    courses = [_copy(released, f"machine{k}") for k in range(1, SHARDS + 1)]
    running = [_grade(course, export, "--shard", f"{k}/{SHARDS}", "--db-url", url)
               for k, course in enumerate(courses, start=1)]
    outputs = [_finish(proc) for proc in running]
    counts = [sum(shard_of(s, SHARDS) == k for s in STUDENTS) for k in range(1, SHARDS + 1)]
    for k, (out, count) in enumerate(zip(outputs, counts), start=1):
        assert f"shard {k}/{SHARDS}: {count} students, {count} notebooks: {count} graded" in out, out

    one_course, one_export, one_reports, one_feedback = single
    assert len(one_export) == len(STUDENTS)
    assert _export(courses[0], f"--CourseDirectory.db_url={url}") == one_export
    reports, feedback = {}, {}
    for course in courses:
        reports.update(_reports(course))
        feedback.update(_feedback(course))
    assert reports == one_reports
    assert feedback.keys() == one_feedback.keys()
    differ = [name for name in feedback if feedback[name] != one_feedback[name]]
    assert not differ, differ


def test_a_shard_killed_half_way_and_run_again_completes_the_class(released, postgres, single):
    _, _, export = released
    url = postgres("class_b")
    first, second = _copy(released, "kill1"), _copy(released, "kill2")
    mine = [s for s in STUDENTS if shard_of(s, 2) == 1]
    assert len(mine) >= 2
    doomed = _grade(first, export, "--shard", "1/2", "--db-url", url)
    other = _grade(second, export, "--shard", "2/2", "--db-url", url)
    for line in doomed.stderr:  # the bar's line after the first graded notebook: kill the shard there
        if f"1/{len(mine)} notebooks" in line:
            os.killpg(doomed.pid, signal.SIGKILL)
            break
    doomed.wait(timeout=60)
    assert doomed.returncode == -signal.SIGKILL
    _finish(other)
    assert len(_submitted(url)) < len(STUDENTS)  # the killed shard left students ungraded

    _finish(_grade(first, export, "--shard", "1/2", "--db-url", url))
    _, one_export, _, _ = single
    assert sorted(_submitted(url)) == sorted(STUDENTS)  # one submission each: none lost, none twice
    assert _export(second, f"--CourseDirectory.db_url={url}") == one_export
