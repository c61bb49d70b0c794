"""Benchmarks of the course, printed as figures (not timed tests).

1. Wall time to execute each solution notebook top to bottom (nbclient,
   fresh kernel each time, best of --repeat runs): what a learner waits for,
   and the "bare execution" the grading cost is compared with.
2. Grading a synthetic class (--students, every notebook; complete, partial,
   wrong, blank and broken submissions) three ways, in the same run, each in its
   own fresh copy of the course: `chainrule grade` (parallel, one worker per
   core, feedback and reports included); serial `nbgrader autograde` followed by
   serial `nbgrader generate_feedback` with the course's nbgrader_config.py (its
   sandboxed grader); and the same two commands with STOCK nbgrader (a course
   folder whose nbgrader_config.py names only the folders: nbgrader's default
   preprocessors, every submission executed in a Jupyter kernel, the hidden
   tests run there). Prints each time, the ratios, the cost per notebook in
   core-seconds (CPU time of every process of the run, sandboxes and kernels
   included: from a cpuacct cgroup of its own where the machine allows one,
   else getrusage of the waited-for children), whether the three agree on the
   grades, and where the time of a graded notebook goes.
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
import resource
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


STOCK_CONFIG = ('"""Stock nbgrader for the benchmark: the course\'s folders, nbgrader\'s default preprocessors."""\n'
                "c = get_config()  # noqa: F821\n"
                + "".join(line for line in (ROOT / "nbgrader_config.py").read_text().splitlines(keepends=True)
                          if line.startswith("c.CourseDirectory.")))
"""A course folder's whole nbgrader configuration for stock nbgrader: where the files are, and nothing of
the course's plugins (no sandbox, no RestoreCells, no feedback template)."""

CGROUP_V1 = Path("/sys/fs/cgroup/cpuacct")
_runs = iter(range(1 << 30))


class CpuMeter:
    """CPU seconds (user + system) of one command and every process it starts.

    Where this process may make a cgroup (cgroup v1's cpuacct controller, or a cgroup v2 folder it may
    write), the command runs in a fresh one and the kernel counts every process in it, the sandboxes
    killed by a signal and the Jupyter kernels included. Elsewhere getrusage(RUSAGE_CHILDREN) is used,
    which counts only processes that were waited for (a sandbox killed with its PID namespace is not):
    :attr:`how` says which.
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.how = "getrusage of waited-for children (undercounts killed sandboxes)"
        mine = Path("/proc/self/cgroup").read_text() if Path("/proc/self/cgroup").exists() else ""
        v2 = next((line.split("::", 1)[1] for line in mine.splitlines() if line.startswith("0::")), None)
        candidates = [(CGROUP_V1, "cpuacct.usage", 1e-9)]
        if v2 is not None and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            candidates.append((Path("/sys/fs/cgroup") / v2.strip().lstrip("/"), "cpu.stat", 1e-6))
        for base, counter, unit in candidates:
            folder = base / f"chainrule-bench-{os.getpid()}-{next(_runs)}"
            try:
                folder.mkdir()
                if (folder / counter).exists() and os.access(folder / "cgroup.procs", os.W_OK):
                    self.folder, self.counter, self.unit = folder, counter, unit
                    self.how = f"a cgroup of its own ({folder.parent}/..., {counter})"
                    return
                folder.rmdir()
            except OSError:
                continue

    def preexec(self) -> None:
        """Run in the child before exec: move it into the cgroup."""
        if self.folder is not None:
            (self.folder / "cgroup.procs").write_text(str(os.getpid()))

    def used(self) -> float:
        text = (self.folder / self.counter).read_text()
        if self.counter == "cpu.stat":
            return int(next(line.split()[1] for line in text.splitlines() if line.startswith("usage_usec"))) * self.unit
        return int(text) * self.unit

    def remove(self) -> None:
        for _ in range(50):  # processes leave a cgroup a moment after they end
            try:
                self.folder.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``args`` in ``cwd``; returns (wall seconds, CPU seconds of it and everything it started)."""
    meter = CpuMeter()
    before = _children_cpu()
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, cwd=cwd, env=env or isolated_env(), capture_output=True, text=True,
                              preexec_fn=meter.preexec if meter.folder else None)
        wall = time.perf_counter() - start
        cpu = meter.used() if meter.folder else _children_cpu() - before
    finally:
        if meter.folder:
            meter.remove()
    if proc.returncode not in (0, 1):  # nbgrader exits with 1 when some submissions could not be graded
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    _run.how = meter.how
    return wall, cpu


def make_stock_course(tmp: Path, assignments: list[str]) -> Path:
    """A course folder for stock nbgrader: the solution notebooks, released with a configuration that
    names only the folders (:data:`STOCK_CONFIG`)."""
    tmp.mkdir(parents=True)
    (tmp / "nbgrader_config.py").write_text(STOCK_CONFIG)
    (tmp / "autograde").mkdir()
    for a in assignments:
        shutil.copytree(ROOT / "solutions" / a, tmp / "solutions" / a)
    _run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", "*", "--force"], cwd=tmp)
    return tmp


def gradebook_grades(course: Path) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """(student, assignment) -> grade id -> (score, max score) of every autograded cell in the course's
    gradebook (a written answer, left to a person by autograde, is not compared)."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for sub in gb.assignment_submissions(assignment.name):
                for nb in sub.notebooks:
                    found[(sub.student.id, assignment.name)] = {
                        g.name: (g.score, g.max_score) for g in nb.grades if g.cell_type == "code"}
    return found


def compare_grades(ours: dict, theirs: dict) -> dict:
    """How two gradebooks of the same class agree, notebook by notebook: identical grades; or differing
    only in cells where ``ours`` gave a share of the points (strictly between 0 and all) and ``theirs``
    nothing (a test run in a kernel passes or fails whole); or otherwise (listed)."""
    same, partial_only, other, missing = 0, 0, [], []
    for key in sorted(set(ours) | set(theirs)):
        if key not in ours or key not in theirs:
            missing.append("/".join(key) + (" (only in the first)" if key in ours else " (only in the second)"))
            continue
        a, b = ours[key], theirs[key]
        if a == b:
            same += 1
            continue
        cells = [gid for gid in sorted(set(a) | set(b)) if a.get(gid) != b.get(gid)]
        if all(gid in a and gid in b and 0 < a[gid][0] < a[gid][1] and b[gid][0] == 0 for gid in cells):
            partial_only += 1
        else:
            other.append("/".join(key) + ": " + ", ".join(f"{gid} {a.get(gid, ('-',))[0]} vs {b.get(gid, ('-',))[0]}"
                                                          for gid in cells[:4]))
    return {"identical": same, "partial_credit_only": partial_only, "other": other, "missing": missing}


START_PARTS = """
import os, subprocess, sys, time
from chainrule_reference.sandbox import process
what, count, counter = sys.argv[1], int(sys.argv[2]), os.environ.get("CHAINRULE_BENCH_COUNTER")
def cpu():
    if counter:  # this process's cgroup: every process of the loop, killed sandboxes included
        text = open(counter).read()
        if "usage_usec" in text:
            return int(text.split("usage_usec")[1].split()[0]) * 1e-6
        return int(text) * 1e-9
    import resource
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
process.isolation_level()
if what == "warm":  # the learner's container is started before the loop: the loop measures her next notebooks
    with process.Sandbox(tenant="bench") as box:
        box.request("exec", timeout=30, source="pass", cell="bench")
used, start = cpu(), time.perf_counter()
for _ in range(count):
    if what == "warm":
        with process.Sandbox(tenant="bench") as box:
            box.request("exec", timeout=30, source="pass", cell="bench")
    elif what == "container":
        subprocess.run(process._bubblewrap_command({"PATH": "/usr/bin"}) + ["-c", "pass"], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    elif what == "sandbox":
        with process.Sandbox() as box:
            box.request("exec", timeout=30, source="pass", cell="bench")
    else:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
print(time.perf_counter() - start, cpu() - used)
"""
"""Starts ``argv[2]`` sandboxes (or containers, or forks) one after the other; prints the wall seconds and the
CPU seconds of the loop (from the cgroup's counter named by CHAINRULE_BENCH_COUNTER where there is one)."""


def sandbox_start_parts(samples: int = 10) -> dict[str, tuple[float, float]]:
    """What starting one sandbox costs, part by part, as (wall seconds, core-seconds), the mean of
    ``samples``: an empty bubblewrap container (its namespaces and file system, running ``python -c
    pass``); a whole sandbox ready for its first request (the container, the interpreter, NumPy and
    ``chainrule`` imported); a sandbox forked in a learner's warm container, as her later notebooks get
    (docs/grading.md, "Warm sandboxes"); and, as the floor, a bare fork of a process that has them loaded. Each loop runs in a process of its own (in a cgroup of its own
    where the machine allows: then the CPU of every process is counted, killed sandboxes included)."""
    from chainrule_reference.sandbox import process

    parts = {}
    level = process.isolation_level()
    kinds = [("container", "container running an empty interpreter")] if level == "bubblewrap" else []
    kinds += [("sandbox", f"whole sandbox ({level}): NumPy and chainrule imported")]
    if level == "bubblewrap":
        kinds.append(("warm", "fork in the learner's warm container (her next notebook)"))
    kinds.append(("fork", "fork of a process that has them loaded"))
    for what, label in kinds:
        meter = CpuMeter()
        env = isolated_env()
        if meter.folder:
            env["CHAINRULE_BENCH_COUNTER"] = str(meter.folder / meter.counter)
        try:
            out = subprocess.run([sys.executable, "-c", START_PARTS, what, str(samples)], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True,
                                 preexec_fn=meter.preexec if meter.folder else None).stdout
        finally:
            if meter.folder:
                meter.remove()
        wall, cpu = (float(word) for word in out.split()[-2:])
        parts[label] = (wall / samples, cpu / samples)
    return parts


FEEDBACK_PREPROCESSORS = ("GetGrades", "CSSHTMLHeaderPreprocessor", "ExerciseNames")


def phase_profile(course: Path, students: int) -> dict:
    """Core-seconds per notebook of each phase of `chainrule grade`, from benchmarks/phases.py grading the first
    ``students`` of ``course`` again in one process (in a cgroup of its own where the machine allows, so that
    its learner processes are counted as the rest of the cgroup's CPU)."""
    meter = CpuMeter()
    try:
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "phases.py"), str(course), "--students",
                              str(students)], cwd=course, env=isolated_env(), capture_output=True, text=True,
                             check=True, preexec_fn=meter.preexec if meter.folder else None).stdout
        total = meter.used() if meter.folder else None
    finally:
        if meter.folder:
            meter.remove()
    found = json.loads(out.splitlines()[-1])
    n, pages, spent = found["notebooks"], found["pages"], found["phases"]
    preprocessors = {k.removeprefix("preprocessor "): v for k, v in spent.items() if k.startswith("preprocessor ")}
    feedback_own = sum(preprocessors.pop(name, 0.0) for name in FEEDBACK_PREPROCESSORS)
    hidden = preprocessors.pop("SandboxedGrades", 0.0) - spent.get("sandbox: starting it (grader's side)", 0.0)
    named = {name: preprocessors.pop(name, 0.0) for name in ("RestoreCells", "SaveAutoGrades", "AssignLatePenalties")}
    rows = {
        "learner's process (sandbox): start, answer cells, its side of the hidden tests":
            (total - found["process_seconds"]) / n if total is not None else None,
        "hidden tests, the grader's side: reference, comparisons, wire": hidden / n,
        "sandbox start, the grader's side": spent.get("sandbox: starting it (grader's side)", 0.0) / n,
        "nbgrader: gradebook lookups before grading": spent.get("nbgrader: gradebook lookups before grading", 0.0) / n,
        "nbgrader: RestoreCells (test cells from the gradebook)": named["RestoreCells"] / n,
        "nbgrader: SaveAutoGrades (scores into the gradebook)": named["SaveAutoGrades"] / n,
        "nbgrader: AssignLatePenalties (reads the gradebook)": named["AssignLatePenalties"] / n,
        "nbgrader: its other preprocessors": sum(preprocessors.values()) / n,
        "nbgrader: reading, copying, writing the notebook":
            (spent["autograde: all"] - sum(v for k, v in spent.items()
                                           if k.startswith("preprocessor ") and k.removeprefix("preprocessor ")
                                           not in FEEDBACK_PREPROCESSORS)) / n,
        "chainrule grade: hand grades kept": spent.get("chainrule grade: hand grades kept", 0.0) / n,
        "feedback page: grades from the gradebook (GetGrades)": spent.get("preprocessor GetGrades", 0.0) / pages,
        "feedback page: rendering, and nbgrader's files":
            (spent["feedback: all"] - feedback_own) / pages,
    }
    once = found["process_seconds"] - found["autograde_seconds"] - spent["feedback: all"]
    return {"notebooks": n, "pages": pages, "per_notebook": rows, "worker_start": once,
            "measured_by": meter.how if total is not None else "no cgroup: learner processes not counted"}


def grade_class(students: int, assignments: list[str], workers: int, stock: bool = True) -> dict:
    """Grade the same class with `chainrule grade`, serial nbgrader with the course's config and (``stock``)
    stock nbgrader; time each, count its CPU, compare the grades, gather the sandbox's own timings."""
    bin_dir = Path(sys.executable).parent
    nbgrader = str(bin_dir / "nbgrader")
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kinds = make_class(tmp / "export", students, assignments)
        parallel = make_course(tmp / "parallel", assignments)
        wall, cpu = _run([str(bin_dir / "chainrule"), "grade", str(tmp / "export"), "--jobs", str(workers),
                          "--no-progress", "--out", "results"], cwd=parallel)
        runs["chainrule"] = {"seconds": wall, "cpu": cpu}
        one = make_course(tmp / "one", assignments[:1])  # a run's fixed cost: one student, one notebook
        single = tmp / "single"
        single.mkdir()
        shutil.copy(next((tmp / "export").glob(f"student000_*_{assignments[0]}.ipynb")), single)
        wall, cpu = _run([str(bin_dir / "chainrule"), "grade", str(single), "--jobs", "1", "--no-progress",
                          "--out", "results"], cwd=one)
        runs["fixed"] = {"seconds": wall, "cpu": cpu}
        serial = make_course(tmp / "serial", assignments)
        shutil.copytree(parallel / "autograde" / "submitted", serial / "autograde" / "submitted")
        courses = {"serial": serial}
        if stock:
            courses["stock"] = make_stock_course(tmp / "stock", assignments)
            shutil.copytree(parallel / "autograde" / "submitted", courses["stock"] / "autograde" / "submitted")
        for name, course in courses.items():
            wall, cpu = _run([nbgrader, "autograde", "*", "--force", "--create"], cwd=course)
            runs[name] = {"autograde_seconds": wall, "autograde_cpu": cpu}
            wall, cpu = _run([nbgrader, "generate_feedback", "*", "--force"], cwd=course)
            runs[name] |= {"feedback_seconds": wall, "feedback_cpu": cpu}
            runs[name]["seconds"] = runs[name]["autograde_seconds"] + runs[name]["feedback_seconds"]
            runs[name]["cpu"] = runs[name]["autograde_cpu"] + runs[name]["feedback_cpu"]
        grades = {name: gradebook_grades(course) for name, course in [("chainrule", parallel), *courses.items()]}
        agreement = {"chainrule_vs_serial": compare_grades(grades["chainrule"], grades["serial"])}
        if stock:
            agreement["serial_vs_stock"] = compare_grades(grades["serial"], grades["stock"])
        startup, _ = _run([nbgrader, "autograde", "--help"], cwd=serial)
        phases = phase_profile(serial, min(students, 10))
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
            "runs": runs, "agreement": agreement, "cpu_measured_by": _run.how,
            "chainrule_grade_seconds": runs["chainrule"]["seconds"],
            "serial_autograde_seconds": runs["serial"]["autograde_seconds"],
            "serial_feedback_seconds": runs["serial"]["feedback_seconds"], "sandbox_parts_seconds": parts,
            "nbgrader_startup_seconds": startup, "phases": phases}


def _agreement_lines(name: str, found: dict, total: int) -> list[str]:
    lines = [f"  {name:38s} identical grades on {found['identical']} of {total} notebooks"]
    if found["partial_credit_only"]:
        lines.append(f"  {'':38s} {found['partial_credit_only']} differ only where the course gives a share of a "
                     "test's points and a kernel test gives 0 (it passes or fails whole)")
    if found["other"]:
        lines.append(f"  {'':38s} {len(found['other'])} differ otherwise, e.g. " + "; ".join(found["other"][:3]))
    if found["missing"]:
        lines.append(f"  {'':38s} {len(found['missing'])} graded by one only, e.g. " + "; ".join(found["missing"][:3]))
    return lines


def workload_seconds() -> float:
    """CPU seconds of one fixed piece of work (Python loops, JSON, small NumPy operations: what grading does),
    the best of three: how fast this machine's cores are at the moment. A virtual machine's speed can
    change between runs, so core-seconds of two runs compare only through this figure."""
    import numpy as np

    def work() -> None:
        x = np.linspace(0.0, 1.0, 64)
        for i in range(20_000):
            json.loads(json.dumps({"i": i, "v": [i, i + 1.5, "x"]}))
            x = np.tanh(x + 1e-3) @ np.eye(64)

    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        work()
        best = min(best, time.process_time() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the best is kept (0: leave out the notebook and check times)")
    parser.add_argument("--students", type=int, default=40, help="size of the synthetic class")
    parser.add_argument("--notebooks", type=int, default=len(ASSIGNMENTS), help="grade the first N notebooks")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers of chainrule grade")
    parser.add_argument("--no-stock", action="store_true", help="leave out stock nbgrader (the slowest part)")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json",
                        help="where the figures go as JSON")
    args = parser.parse_args()
    assignments = ASSIGNMENTS[:args.notebooks]
    print(f"chainrule benchmarks on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    speed_before = workload_seconds()
    print(f"a fixed workload (benchmarks/run.py workload_seconds) took {speed_before:.3f} core-s at the start\n")
    times, bare, check = {}, float("nan"), float("nan")
    if args.repeat > 0:
        times = notebook_times(assignments, args.repeat)
        print(f"{'solution notebook':32s} {'seconds':>8s}   (goal: under 10 s)")
        for assignment, seconds in times.items():
            print(f"{assignment:32s} {seconds:8.2f}")
        bare = sum(times.values()) / len(times)
        check = check_seconds(assignments)
        print(f"\ncourse.py check, per solution notebook (median) {check:6.2f} s  (goal: under 2 s)")

    c = grade_class(args.students, assignments, args.jobs, stock=not args.no_stock)
    runs, n = c["runs"], c["notebooks"]
    chainrule = runs["chainrule"]
    mix = ", ".join(f"{count} {kind}" for kind, count in sorted(c["kinds"].items()))
    print(f"\nA class of {c['students']} students x {len(assignments)} notebooks ({n} submissions: {mix}),\n"
          f"graded three ways in this run (feedback included; core-seconds: CPU time of every process of the run, "
          f"counted by {c['cpu_measured_by']}):")
    print(f"  {'':38s} {'wall s':>8s} {'core-s':>8s} {'core-s per notebook':>20s}")
    rows = [(f"chainrule grade, {c['workers']} workers", chainrule["seconds"], chainrule["cpu"]),
            ("serial nbgrader, course config", runs["serial"]["seconds"], runs["serial"]["cpu"]),
            ("  of which autograde", runs["serial"]["autograde_seconds"], runs["serial"]["autograde_cpu"]),
            ("  of which generate_feedback", runs["serial"]["feedback_seconds"], runs["serial"]["feedback_cpu"])]
    if "stock" in runs:
        rows += [("stock nbgrader (tests in the kernel)", runs["stock"]["seconds"], runs["stock"]["cpu"]),
                 ("  of which autograde", runs["stock"]["autograde_seconds"], runs["stock"]["autograde_cpu"]),
                 ("  of which generate_feedback", runs["stock"]["feedback_seconds"], runs["stock"]["feedback_cpu"])]
    for label, wall, cpu in rows:
        print(f"  {label:38s} {wall:8.1f} {cpu:8.1f} {cpu / n:20.3f}")
    print(f"  {'a run of one notebook (fixed cost)':38s} {runs['fixed']['seconds']:8.1f} {runs['fixed']['cpu']:8.1f}")
    serial = runs["serial"]["seconds"]
    print(f"  chainrule grade against serial nbgrader with the course config: {serial / chainrule['seconds']:6.2f} x "
          f"wall, {runs['serial']['cpu'] / chainrule['cpu']:5.2f} x core-seconds")
    if "stock" in runs:
        stock = runs["stock"]["seconds"]
        print(f"  chainrule grade against stock nbgrader:                         {stock / chainrule['seconds']:6.2f} x "
              f"wall, {runs['stock']['cpu'] / chainrule['cpu']:5.2f} x core-seconds (goal: at least 15 x wall)")
    print(f"  chainrule grade's cost per notebook: {chainrule['cpu'] / n:.3f} core-seconds (goal: at most 0.25)")
    print("Grades:")
    for line in _agreement_lines("chainrule grade = serial course config", c["agreement"]["chainrule_vs_serial"], n):
        print(line)
    if "serial_vs_stock" in c["agreement"]:
        for line in _agreement_lines("course config = stock nbgrader", c["agreement"]["serial_vs_stock"], n):
            print(line)
    per_notebook = c["serial_autograde_seconds"] / n
    if times:
        print(f"  autograde cost per notebook        {per_notebook:8.2f} s  against {bare:.2f} s to execute a solution "
              f"notebook bare: {per_notebook / bare:.2f} x (goal: at most 1.5 x)")
    phases = c["phases"]
    print(f"\nWhere chainrule grade's core-seconds go, per notebook (benchmarks/phases.py: one process grading "
          f"{phases['notebooks']} notebooks again, then {phases['pages']} feedback pages; learner processes counted by "
          f"{phases['measured_by']}):")
    for label, seconds in phases["per_notebook"].items():
        print(f"  {label:80s} {seconds:6.3f}" if seconds is not None else f"  {label:80s}    n/a")
    known = [v for v in phases["per_notebook"].values() if v is not None]
    print(f"  {'total':80s} {sum(known):6.3f}")
    once = "a worker process's start (imports, the gradebook), once per worker"
    print(f"  {once:80s} {phases['worker_start']:6.3f}")
    parts = c["sandbox_parts_seconds"]
    g = max(c["graded"], 1)
    print(f"  The learner's process in wall seconds, per graded notebook (serial autograde, {c['graded']} of {n}): "
          f"start and imports {parts['start'] / g:.3f}, answer cells {parts['cells'] / g:.3f}, hidden tests "
          f"{parts['tests'] / g:.3f}")
    print(f"  {'Jupyter kernel start':50s} none (answer cells run in the sandbox, not in a kernel)")
    print(f"  {'nbgrader start-up and imports, once per run':50s} {c['nbgrader_startup_seconds']:6.3f} s")
    start_parts = sandbox_start_parts()
    c["sandbox_start_parts"] = start_parts
    print("\nStarting one sandbox, part by part (mean of 10):")
    print(f"  {'':55s} {'wall s':>8s} {'core-s':>8s}")
    for label, (wall, cpu) in start_parts.items():
        print(f"  {label:55s} {wall:8.3f} {cpu:8.3f}")
    speed_after = workload_seconds()
    print(f"\nThe fixed workload took {speed_before:.3f} core-s at the start and {speed_after:.3f} at the end: "
          f"core-seconds of runs whose workload times differ compare only in proportion to them.")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(
        {"notebook_seconds": times, "bare_mean_seconds": bare, "class": c,
         "speed_up": serial / c["chainrule_grade_seconds"],
         "speed_up_stock": runs["stock"]["seconds"] / chainrule["seconds"] if "stock" in runs else None,
         "core_seconds_per_notebook": chainrule["cpu"] / n, "cost_ratio": per_notebook / bare,
         "check_median_seconds": check, "workload_seconds": [speed_before, speed_after]}, indent=2))


if __name__ == "__main__":
    main()
