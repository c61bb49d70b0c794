"""Benchmarks of the course, printed as figures (not timed tests).

1. Wall time to execute each solution notebook top to bottom (nbclient,
   fresh kernel each time, best of --repeat runs): what a learner waits for,
   and the "bare execution" the grading cost is compared with.
2. Grading a synthetic class (--students, every notebook; complete, partial,
   wrong, blank and broken submissions) two ways, in the same run, each in its
   own fresh copy of the course: `chainrule grade` (parallel, one worker per
   core, feedback and reports included) and plain serial `nbgrader autograde`
   followed by serial `nbgrader generate_feedback` (the same work products).
   Prints both times, the speed-up, the cost per notebook against bare
   execution, and where the autograde time goes.
3. Seconds per notebook of `course.py check` on the solution notebooks (the
   median, in the same run).

Run it with `python3 course.py bench` (or `python benchmarks/run.py` inside the
course's environment). Results also go to benchmarks/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from chainrule_reference.selfcheck import check_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nbtools import (ASSIGNMENTS, execute, isolated_env, lean, make_course, partial, read,  # noqa: E402
                           release_path, solution_cells, solution_path, with_bodies, with_sources)
from tests.variants import variants_for  # noqa: E402

KINDS = ("complete", "partial", "wrong", "blank", "broken", "complete", "complete", "partial", "wrong", "complete")
"""The class's mix, student by student (cycled): 40% complete, 20% partial, 20% wrong, 10% blank, 10% broken."""


def notebook_times(assignments: list[str], repeat: int) -> dict[str, float]:
    times = {}
    for assignment in assignments:
        nb = read(solution_path(assignment))
        times[assignment] = min(execute(nb, solution_path(assignment).parent)[1] for _ in range(repeat))
    return times


def check_seconds(assignments: list[str]) -> float:
    """Median seconds of `course.py check` grading one solution notebook (as a learner's workspace copy)."""
    times = []
    for assignment in assignments:
        start = time.perf_counter()
        check_notebook(assignment, release_path(assignment), solution_path(assignment))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def submission(kind: str, assignment: str, index: int) -> str:
    """One synthetic submission of ``kind`` as notebook JSON (or not, for a broken one)."""
    solution = read(solution_path(assignment))
    if kind == "complete":
        return nbformat.writes(solution)
    if kind == "blank":
        return nbformat.writes(read(release_path(assignment)))
    if kind == "partial":
        return nbformat.writes(partial(solution))
    if kind == "wrong":
        wrong = variants_for(assignment)[1]
        chosen = {}
        for v in wrong[index % len(wrong)::max(1, len(wrong) // 3)]:
            chosen.setdefault(v.cell, v.source)
        return nbformat.writes(with_sources(lean(solution), chosen))
    if (index // len(KINDS)) % 2 == 0:  # broken students alternate: not JSON, then a process killer
        return "{this is not JSON"
    first = next(iter(solution_cells(solution)))
    return nbformat.writes(with_bodies(solution, {first: "import os\n    os._exit(1)"}))


def make_class(folder: Path, students: int, assignments: list[str]) -> dict[str, int]:
    """An LMS-style export (``<student>_<id>_<assignment>.ipynb``) of the synthetic class."""
    folder.mkdir(parents=True)
    kinds: dict[str, int] = {}
    for s in range(students):
        kind = KINDS[s % len(KINDS)]
        kinds[kind] = kinds.get(kind, 0) + len(assignments)
        for assignment in assignments:
            (folder / f"student{s:03d}_{1000 + s}_{assignment}.ipynb").write_text(submission(kind, assignment, s))
    return kinds


def _run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=isolated_env(), capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # nbgrader exits with 1 when some submissions could not be graded
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def database_share(course: Path, assignment: str) -> float:
    """Share of nbgrader's autograde time spent in the gradebook (SQLAlchemy and SQLite code, self time),
    from a profile of a second autograde of one notebook's submissions."""
    profile = course / "autograde.prof"
    _run([sys.executable, "-m", "cProfile", "-o", str(profile), str(Path(sys.executable).parent / "nbgrader"),
          "autograde", assignment, "--force"], cwd=course)
    stats = pstats.Stats(str(profile)).stats
    total = sum(entry[2] for entry in stats.values())
    database = sum(entry[2] for (filename, _, name), entry in stats.items()
                   if "sqlalchemy" in filename or "sqlite3" in filename or "sqlite3" in name)
    return database / total


def grade_class(students: int, assignments: list[str], workers: int) -> dict:
    """Time `chainrule grade` and serial nbgrader on the same class; gather the sandbox's own timings."""
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kinds = make_class(tmp / "export", students, assignments)
        parallel = make_course(tmp / "parallel", assignments)
        chainrule = _run([str(bin_dir / "chainrule"), "grade", str(tmp / "export"), "--jobs", str(workers),
                          "--no-progress", "--out", "results"], cwd=parallel)
        serial = make_course(tmp / "serial", assignments)
        shutil.copytree(parallel / "autograde" / "submitted", serial / "autograde" / "submitted")
        autograde = _run([str(bin_dir / "nbgrader"), "autograde", "*", "--force", "--create"], cwd=serial)
        feedback = _run([str(bin_dir / "nbgrader"), "generate_feedback", "*", "--force"], cwd=serial)
        startup = _run([str(bin_dir / "nbgrader"), "autograde", "--help"], cwd=serial)
        database = database_share(serial, assignments[0])
        parts = {"start": 0.0, "cells": 0.0, "tests": 0.0, "sandbox": 0.0}
        graded = 0
        for path in (serial / "autograde" / "autograded").glob("*/*/*.ipynb"):
            meta = json.loads(path.read_text())["metadata"].get("chainrule_grading")
            if meta:
                graded += 1
                parts["start"] += meta["start_seconds"]
                parts["cells"] += meta["cells_seconds"]
                parts["tests"] += meta["seconds"] - meta["start_seconds"] - meta["cells_seconds"]
                parts["sandbox"] += meta["seconds"]
    notebooks = students * len(assignments)
    return {"students": students, "notebooks": notebooks, "graded": graded, "kinds": kinds, "workers": workers,
            "chainrule_grade_seconds": chainrule, "serial_autograde_seconds": autograde,
            "serial_feedback_seconds": feedback, "sandbox_parts_seconds": parts,
            "nbgrader_startup_seconds": startup, "database_share": database}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the best is kept")
    parser.add_argument("--students", type=int, default=40, help="size of the synthetic class")
    parser.add_argument("--notebooks", type=int, default=len(ASSIGNMENTS), help="grade the first N notebooks")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers of chainrule grade")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json",
                        help="where the figures go as JSON")
    args = parser.parse_args()
    assignments = ASSIGNMENTS[:args.notebooks]
    print(f"chainrule benchmarks on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    times = notebook_times(assignments, args.repeat)
    print(f"{'solution notebook':32s} {'seconds':>8s}   (goal: under 10 s)")
    for assignment, seconds in times.items():
        print(f"{assignment:32s} {seconds:8.2f}")
    bare = sum(times.values()) / len(times)
    check = check_seconds(assignments)
    print(f"\ncourse.py check, per solution notebook (median) {check:6.2f} s  (goal: under 2 s)")

    c = grade_class(args.students, assignments, args.jobs)
    serial = c["serial_autograde_seconds"] + c["serial_feedback_seconds"]
    n = c["notebooks"]
    mix = ", ".join(f"{count} {kind}" for kind, count in sorted(c["kinds"].items()))
    print(f"\nA class of {c['students']} students x {len(assignments)} notebooks ({n} submissions: {mix}):")
    print(f"  chainrule grade, {c['workers']} workers       {c['chainrule_grade_seconds']:8.1f} s  "
          f"({c['chainrule_grade_seconds'] / n:.2f} s per notebook, feedback and reports included)")
    print(f"  serial nbgrader autograde          {c['serial_autograde_seconds']:8.1f} s")
    print(f"  serial nbgrader generate_feedback  {c['serial_feedback_seconds']:8.1f} s")
    print(f"  speed-up of chainrule grade        {serial / c['chainrule_grade_seconds']:8.2f} x  "
          f"(serial autograde + feedback / chainrule grade; goal: at least 1.8 x)")
    per_notebook = c["serial_autograde_seconds"] / n
    print(f"  autograde cost per notebook        {per_notebook:8.2f} s  against {bare:.2f} s to execute a solution "
          f"notebook bare: {per_notebook / bare:.2f} x (goal: at most 1.5 x)")
    parts = c["sandbox_parts_seconds"]
    g = max(c["graded"], 1)
    print(f"\nWhere serial autograde's time goes, per graded notebook ({c['graded']} of {n} graded):")
    nbgrader_part = (c["serial_autograde_seconds"] - parts["sandbox"] - c["nbgrader_startup_seconds"]) / g
    rows = [("learner process: start and imports", parts["start"] / g),
            ("learner's answer cells", parts["cells"] / g),
            ("hidden tests: learner code and comparison", parts["tests"] / g),
            ("nbgrader: gradebook database (SQLAlchemy, SQLite)", nbgrader_part * c["database_share"]),
            ("nbgrader: sanitizing, scoring, files", nbgrader_part * (1 - c["database_share"]))]
    for label, seconds in rows:
        print(f"  {label:50s} {seconds:6.3f} s")
    print(f"  {'Jupyter kernel start':50s} none (answer cells run in the sandbox, not in a kernel)")
    print(f"  {'nbgrader start-up and imports, once per run':50s} {c['nbgrader_startup_seconds']:6.3f} s")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(
        {"notebook_seconds": times, "bare_mean_seconds": bare, "class": c,
         "speed_up": serial / c["chainrule_grade_seconds"], "cost_ratio": per_notebook / bare,
         "check_median_seconds": check}, indent=2))


if __name__ == "__main__":
    main()
