"""Benchmarks of the course, printed as figures (not timed tests).

1. Wall time to execute each solution notebook top to bottom (nbclient,
   fresh kernel each time, best of --repeat runs).
2. Grading overhead: wall time to autograde one student's notebooks (every
   notebook of the course) with a real `nbgrader autograde`, against bare
   execution of the same notebooks with nbclient, measured in the same run.

Run it with `python3 course.py bench` (or `python benchmarks/run.py` inside the
course's environment). Results also go to benchmarks/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nbtools import ASSIGNMENTS, execute, make_course, nbgrader, read, solution_path, submit  # noqa: E402


def notebook_times(repeat: int) -> dict[str, float]:
    times = {}
    for assignment in ASSIGNMENTS:
        nb = read(solution_path(assignment))
        times[assignment] = min(execute(nb, solution_path(assignment).parent)[1] for _ in range(repeat))
    return times


def grading_overhead() -> tuple[float, float]:
    """(seconds for nbgrader autograde of one student's notebooks, seconds to execute them bare)."""
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), ASSIGNMENTS)
        for assignment in ASSIGNMENTS:
            submit(course, "student", assignment, read(solution_path(assignment)))
        start = time.perf_counter()
        nbgrader("autograde", "*", "--student", "student", "--force", "--create", cwd=course)
        graded = time.perf_counter() - start
        start = time.perf_counter()
        for assignment in ASSIGNMENTS:
            execute(read(solution_path(assignment)), solution_path(assignment).parent)
        bare = time.perf_counter() - start
    return graded, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the best is kept")
    args = parser.parse_args()
    print(f"chainrule benchmarks on {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}\n")
    times = notebook_times(args.repeat)
    print(f"{'solution notebook':32s} {'seconds':>8s}   (goal: under 10 s)")
    for assignment, seconds in times.items():
        print(f"{assignment:32s} {seconds:8.2f}")
    graded, bare = grading_overhead()
    print(f"\nOne student's {len(ASSIGNMENTS)} notebooks:")
    print(f"  nbgrader autograde       {graded:8.2f} s")
    print(f"  bare nbclient execution  {bare:8.2f} s")
    print(f"  grading overhead ratio   {graded / bare:8.2f} x")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(
        {"notebook_seconds": times, "autograde_seconds": graded, "bare_seconds": bare,
         "ratio": graded / bare}, indent=2))


if __name__ == "__main__":
    main()
