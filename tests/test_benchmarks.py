"""The benchmark runs end to end (on a small class here; `python3 course.py bench` grades 40 students).

Its figures are printed, not asserted: a timed test would fail on a slow machine. What is checked
is that both ways of grading graded the same class and that every figure was measured.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .nbtools import ROOT, isolated_env

pytestmark = pytest.mark.slow


def test_benchmark_grades_a_small_class_both_ways(tmp_path):
    results = tmp_path / "latest.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--students", "5", "--notebooks", "2",
                           "--repeat", "1", "--results", str(results)], env=isolated_env(), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for phrase in ("chainrule grade, ", "serial nbgrader autograde", "speed-up of chainrule grade",
                   "autograde cost per notebook", "learner process: start and imports", "gradebook database", "nbgrader start-up"):
        assert phrase in proc.stdout, phrase
    figures = json.loads(results.read_text())
    c = figures["class"]
    assert c["kinds"] == {"complete": 2, "partial": 2, "wrong": 2, "blank": 2, "broken": 2}
    assert c["notebooks"] == 10 and c["graded"] == 8  # the broken student's files are not JSON
    assert all(v > 0 for v in (c["chainrule_grade_seconds"], c["serial_autograde_seconds"],
                               c["serial_feedback_seconds"], figures["bare_mean_seconds"],
                               c["nbgrader_startup_seconds"]))
    assert 0 < c["database_share"] < 1
