"""The benchmark runs end to end (on a small class here; `python3 course.py bench` grades 40 students).

Its figures are printed, not asserted: a timed test would fail on a slow machine. What is checked
is that the three ways of grading (chainrule grade, serial nbgrader with the course's config, stock
nbgrader with tests in the kernel) graded the same class, agree on the grades, and that every figure
was measured.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .nbtools import ROOT, isolated_env

pytestmark = pytest.mark.slow


def test_benchmark_grades_a_small_class_three_ways(tmp_path):
    results = tmp_path / "latest.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--students", "5", "--notebooks", "2",
                           "--repeat", "1", "--results", str(results)], env=isolated_env(), capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for phrase in ("chainrule grade, ", "serial nbgrader, course config", "stock nbgrader (tests in the kernel)",
                   "against stock nbgrader", "core-s per notebook",
                   "chainrule grade = serial course config", "course config = stock nbgrader",
                   "Where chainrule grade's core-seconds go", "learner's process (sandbox)",
                   "hidden tests, the grader's side", "nbgrader: gradebook lookups", "feedback page: rendering",
                   "nbgrader start-up", "container running an empty interpreter", "fork in the learner's warm container",
                   "fork of a process", "a fixed workload"):
        assert phrase in proc.stdout, phrase
    figures = json.loads(results.read_text())
    c = figures["class"]
    assert c["kinds"] == {"complete": 2, "partial": 2, "wrong": 2, "blank": 2, "broken": 2}
    assert c["notebooks"] == 10 and c["graded"] == 8  # the broken student's files are not JSON
    runs = c["runs"]
    assert all(runs[name]["seconds"] > 0 and runs[name]["cpu"] > 0 for name in ("chainrule", "serial", "stock", "fixed"))
    assert all(v > 0 for v in (figures["bare_mean_seconds"], c["nbgrader_startup_seconds"],
                               figures["core_seconds_per_notebook"], figures["speed_up_stock"]))
    phases = c["phases"]
    assert all(0 < s < 60 for s in figures["workload_seconds"])
    assert phases["notebooks"] == 10 and phases["pages"] == 8 and phases["worker_start"] > 0
    assert all(v is None or v >= 0 for v in phases["per_notebook"].values())
    assert sum(v for v in phases["per_notebook"].values() if v) > 0.01
    # The course's two ways grade alike; stock nbgrader differs only where the course gives partial credit.
    same = c["agreement"]["chainrule_vs_serial"]
    assert same["identical"] == 10 and not same["other"] and not same["missing"], same
    stock = c["agreement"]["serial_vs_stock"]
    assert stock["identical"] + stock["partial_credit_only"] == 10 and not stock["other"], stock
