"""Run All on an unfinished notebook (chainrule.progress), in a real kernel: cells that wait for an
unsolved exercise do not stop it, any other error does, and what_is_left() says what is left."""
from __future__ import annotations

import subprocess
import sys

import nbclient
import nbformat
import pytest

from .nbtools import execute, isolated_env, output_text

SETUP = "import numpy as np\nfrom chainrule.visible import check_sigmoid_grad\nfrom chainrule.progress import what_is_left"
STUB = 'def forward(x):\n    raise NotImplementedError("Write your implementation here.")'
WRONG = "def sigmoid_grad(z):\n    return 1 / (1 + np.exp(-z))"  # sigma(z), not its derivative
RIGHT = "def sigmoid_grad(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)"


def _run(tmp_path, *sources: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    done, _ = execute(nb, tmp_path)
    return [output_text(c) for c in done.cells]


def test_cells_waiting_for_an_unwritten_function_do_not_stop_run_all(tmp_path):
    """A cell calling an unwritten function, and a later cell using what it would have computed, show
    their errors and name the function; the cells after them run; the summary lists both cells."""
    out = _run(tmp_path, SETUP, STUB, "value = forward(2)", "print(value + 1)", "print('an independent cell ran')",
               "what_is_left()")
    assert "NotImplementedError" in out[2] and "[waits for forward: not written yet]" in out[2], out[2]
    assert "NameError" in out[3] and "[waits for forward" in out[3], out[3]
    assert "an independent cell ran" in out[4]
    assert "forward" in out[5] and "not written yet" in out[5] and "[3] [4]" in out[5], out[5]


def test_an_ordinary_error_still_stops_run_all(tmp_path):
    """A bug that no unsolved exercise explains stops the run at its cell, as Jupyter always does."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in
                                         (SETUP, STUB, "value = forward(2)", "1 / 0", "print('not reached')")])
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="ZeroDivisionError"):
        execute(nb, tmp_path)


def test_a_failed_check_is_listed_with_its_reason_until_it_passes(tmp_path):
    """A failed check lets the run go on and is listed as failed with the check's first line; once the
    answer is fixed and checked again, it is no longer listed, and the notebook's unchecked exercises are."""
    out = _run(tmp_path, SETUP, WRONG, "check_sigmoid_grad(sigmoid_grad)", "what_is_left()",
               RIGHT, "check_sigmoid_grad(sigmoid_grad)", "what_is_left()")
    assert "CheckFailure" in out[2] and "[waits for sigmoid_grad: check failed]" in out[2], out[2]
    failed = next(line for line in out[3].splitlines() if line.strip().startswith("sigmoid_grad"))
    assert "check failed: " in failed and "waiting: [3]" in failed, out[3]
    assert out[3].startswith("0 of 8 exercises pass") and "forward_difference  not checked yet" in out[3], out[3]
    assert "[ok]" in out[5]
    assert out[6].startswith("1 of 8 exercises pass") and "sigmoid_grad " not in out[6], out[6]


def test_a_solved_notebook_says_so(tmp_path):
    out = _run(tmp_path, SETUP, RIGHT, "check_sigmoid_grad(sigmoid_grad)", "what_is_left()")
    assert out[3].startswith("1 of 8 exercises pass"), out[3]  # the other seven of notebook 01 never ran


def test_outside_a_kernel_nothing_is_installed():
    """Plain Python (the grader's sandbox, a script) imports the checks without IPython."""
    code = "import sys, chainrule.visible; assert 'IPython' not in sys.modules, 'IPython was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, env=isolated_env())
