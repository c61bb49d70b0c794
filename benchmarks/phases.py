"""Where a graded notebook's core-seconds go: `chainrule grade`'s two steps, run in this one process.

    python benchmarks/phases.py COURSE [--students N]

COURSE is a course folder whose submissions are filed and graded once already (the
benchmark's serial course). This process autogrades the first N students' notebooks
again, one after the other, as one worker of `chainrule grade` does, then makes the
feedback pages of their assignments (every student's), and prints JSON: CPU seconds per notebook of each nbgrader
preprocessor, of nbgrader's other work (reading, writing, the gradebook lookups
before the preprocessors), of this course's own steps, and of the whole process.
The learners' processes (the sandboxes) are not this process: the benchmark runs
this script in a cgroup of its own and counts them as the rest.

Each phase is timed by wrapping the function that does it (a preprocessor's
``__call__``, nbgrader's ``init_assignment``, ...) with ``time.process_time``; the
wrapping changes no result.
"""
from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import time
from pathlib import Path

SPENT: collections.Counter = collections.Counter()


def timed(phase, function):
    """``function``, adding the CPU time of each call to ``SPENT[phase]`` (``phase(args)`` when callable)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        began = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[phase(args) if callable(phase) else phase] += time.process_time() - began
    return wrapper


def instrument() -> None:
    """Wrap the phases of autograde and feedback. A phase inside another ("autograde: all" holds the
    preprocessors) is counted in both: benchmarks/run.py's ``phase_profile`` subtracts it."""
    import nbconvert.preprocessors.base as preprocessors
    from nbgrader.converters.autograde import Autograde

    from chainrule_reference import classgrade
    from chainrule_reference.sandbox import grader
    preprocessors.Preprocessor.__call__ = timed(lambda args: f"preprocessor {type(args[0]).__name__}",
                                                preprocessors.Preprocessor.__call__)
    Autograde.init_assignment = timed("nbgrader: gradebook lookups before grading", Autograde.init_assignment)
    Autograde.convert_single_notebook = timed("autograde: all", Autograde.convert_single_notebook)
    grader._Session._start = timed("sandbox: starting it (grader's side)", grader._Session._start)
    classgrade._feedback_job = timed("feedback: all", classgrade._feedback_job)
    classgrade._reviewed_by_hand = timed("chainrule grade: hand grades kept", classgrade._reviewed_by_hand)
    classgrade._keep_hand_grades = timed("chainrule grade: hand grades kept", classgrade._keep_hand_grades)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args()
    from chainrule_reference import classgrade
    instrument()
    classgrade._start_worker(str(args.course))
    submitted = Path(args.course, "autograde", "submitted")
    students = sorted(p.name for p in submitted.iterdir())[:args.students]
    jobs = [(s, a.name) for s in students for a in sorted((submitted / s).iterdir())]
    began = time.process_time()
    graded = sum(classgrade._grade_job(job)["success"] for job in jobs)
    autograde = time.process_time() - began
    for assignment in sorted({a for _, a in jobs}):
        classgrade._feedback_job(assignment)  # every page of the assignment, the other students' too
    pages = sum(1 for _ in Path(args.course, "autograde", "feedback").glob("*/*/*.html"))
    print(json.dumps({"notebooks": len(jobs), "graded": graded, "pages": pages, "autograde_seconds": autograde,
                      "process_seconds": time.process_time(), "phases": dict(SPENT)}))


if __name__ == "__main__":
    main()
