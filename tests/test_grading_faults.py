"""Hostile and broken submissions, graded through the instructor's path: real `nbgrader autograde`
with the course's nbgrader_config.py, so the answer cells run in the sandbox (SandboxedGrades).

One class of notebook 01 is autograded once: each student plants one fault in ``sigmoid_grad``
(or around it), the others stay the solution. Every fault must cost at most that test cell's
points, leave a clear line in the student's result, and leave a neighbour's grades untouched.
"""
from __future__ import annotations

import re
import socket

import nbformat
import pytest

from chainrule_reference.sandbox.process import isolation_level

from .nbtools import (ASSIGNMENTS, ROOT, autograded, cells_by_id, gradebook_scores, make_course, nbgrader,
                      output_text, read, solution_path, submit, with_sources)

pytestmark = [pytest.mark.slow, pytest.mark.nb01]

ASSIGNMENT = ASSIGNMENTS[0]
VICTIM = "sigmoid_grad"
HEADER = "import numpy as np\n\ndef sigmoid_grad(z):\n"
RIGHT = "    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)\n"
HIDDEN_FILE = ROOT / "reference" / "src" / "chainrule_reference" / "hidden" / "scalar_derivatives.py"

REFERENCE_TANH_GRAD = (ROOT / "reference" / "src" / "chainrule_reference" / "scalar_derivatives.py").read_text() \
    .split("@reference_impl\ndef tanh_grad")[1].split("@reference_impl")[0]
PRINTED = "HIDDEN-INPUT-SEEN:"

# student -> (body of sigmoid_grad, what the feedback of test_sigmoid_grad must say, does it keep the points?)
FAULTS = {
    "looper": ("    while True:\n        pass\n", "did not finish in time", False),
    "exiter": ("    import os\n    os._exit(7)\n", "exited with code 7", False),
    "crasher": ("    import ctypes\n    return ctypes.string_at(0)\n", "segmentation fault", False),
    "hog": ("    return bytearray(1 << 40)\n", "MemoryError", False),
    # The answer cell itself kills the process when it runs: graded again without that cell.
    "toplevel": (RIGHT + "\nimport os\nos._exit(9)\n", "cell sigmoid_grad was not graded: the process running it exited "
                 "with code 9", False),
    "chatty": ("    print('x' * 10_000_000)\n" + RIGHT, "all 5 cases passed", True),
    "asker": ("    return float(input('the derivative, please: '))\n", "EOFError", False),
    "copier": ("    from chainrule_reference.scalar_derivatives import sigmoid_grad as ref\n    return ref(z)\n",
               "reference implementation", False),
    "reader": (f"    source = open({str(HIDDEN_FILE)!r}).read()\n" + RIGHT, "No such file", False),
    "equal": ("    class Yes:\n        def __eq__(self, other):\n            return True\n"
              "        __array_priority__ = 1000\n    return Yes()\n", "your own type Yes", False),
    "printer": (f"    print({PRINTED!r}, repr(z))\n" + RIGHT, "all 5 cases passed", True),
    # Sends nothing, but passes only if it can reach a server the grader's machine runs (PORT is set below).
    "caller": ("    import socket\n    socket.create_connection(('127.0.0.1', PORT), timeout=2).close()\n" + RIGHT,
               "ConnectionRefusedError|Network is unreachable|OSError", False),
    # Redefines what an in-kernel test would rely on, then hands in a wrong answer.
    "patcher": ("    return z\n\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                "import chainrule.checking\nchainrule.checking.expect_close = lambda *a, **k: None\n"
                "def grade(*args, **kwargs):\n    pass\n", "sigmoid_grad", False),
    # Behaves well unless it finds itself graded; then tries to wreck the gradebook and other submissions.
    "vandal": ("    import os, shutil\n    for path in ['autograde/gradebook.db', '../autograde/gradebook.db']:\n"
               "        try:\n            open(path, 'w').close()\n        except OSError:\n            pass\n"
               "    shutil.rmtree('autograde', ignore_errors=True)\n    return z\n", "sigmoid_grad", False),
}


def _test_cell_text(course, student, grade_id):
    cell = cells_by_id(autograded(course, student, ASSIGNMENT))[grade_id]
    return output_text(cell)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class above, plus a neighbour (the solution), a numpy.py beside one submission and
    a learner who edited one test cell and deleted another, autograded in one run."""
    course = make_course(tmp_path_factory.mktemp("faults"), [ASSIGNMENT])
    solution = read(solution_path(ASSIGNMENT))
    listener = socket.create_server(("127.0.0.1", 0))  # what "caller" tries to reach
    port = str(listener.getsockname()[1])
    for student, (body, _, _) in FAULTS.items():
        submit(course, student, ASSIGNMENT, with_sources(solution, {VICTIM: HEADER + body.replace("PORT", port)}))
    submit(course, "paster", ASSIGNMENT,
           with_sources(solution, {"tanh_grad": "import numpy as np\n\ndef tanh_grad" + REFERENCE_TANH_GRAD}))
    reordered = nbformat.from_dict(solution)
    tests = [i for i, c in enumerate(reordered.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade")
             and not c["metadata"]["nbgrader"].get("solution")]
    first, last = tests[0], tests[-1]
    reordered.cells[first], reordered.cells[last] = reordered.cells[last], reordered.cells[first]
    submit(course, "reorderer", ASSIGNMENT, reordered)
    renamed = with_sources(solution, {VICTIM: HEADER + "    return z\n"})
    for cell in renamed.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_" + VICTIM:
            cell.metadata.nbgrader["grade_id"] = "test_free_points"
            cell.source = "pass\n"
    submit(course, "renamer", ASSIGNMENT, renamed)
    submit(course, "neighbour", ASSIGNMENT, solution)
    submit(course, "shadow", ASSIGNMENT, solution)
    (course / "autograde" / "submitted" / "shadow" / ASSIGNMENT / "numpy.py").write_text(
        "raise SystemExit('a numpy.py beside the notebook was imported')\n")
    tampered = with_sources(solution, {VICTIM: HEADER + "    return z\n", "test_sigmoid_grad": "pass\n"})
    tampered.cells = [c for c in tampered.cells
                      if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_tanh_grad"]
    submit(course, "tamperer", ASSIGNMENT, tampered)
    try:
        run = nbgrader("autograde", ASSIGNMENT, "--force", "--create", "--SandboxedGrades.test_timeout=5",
                       "--SandboxedGrades.cell_timeout=5", cwd=course)
    finally:
        listener.close()
    return course, gradebook_scores(course, ASSIGNMENT), run.stdout + run.stderr


@pytest.mark.parametrize("student", sorted(FAULTS))
def test_fault_costs_only_its_own_test(graded, student):
    """Does the fault cost test_sigmoid_grad (or nothing) with a clear message, and no other test?"""
    course, scores, _ = graded
    _, says, keeps = FAULTS[student]
    if student == "reader" and isolation_level() != "bubblewrap":
        pytest.skip("only bubblewrap isolation hides the grader's files from the learner's code")
    if student == "caller" and isolation_level() == "process":
        pytest.skip("this machine allows no network namespace for the learner's process")
    mine = scores[student]
    assert set(mine) == set(scores["neighbour"])
    target = "test_" + VICTIM
    assert (mine[target][0] == mine[target][1]) is keeps, mine[target]
    assert all(s == m for gid, (s, m) in mine.items() if gid != target), mine
    assert re.search(says, _test_cell_text(course, student, target), re.IGNORECASE), \
        _test_cell_text(course, student, target)


def test_neighbour_and_gradebook_survive(graded):
    """After all that, does the neighbour still have every point, read from an intact gradebook?"""
    _, scores, _ = graded
    assert scores["neighbour"] and all(s == m for s, m in scores["neighbour"].values())
    assert set(scores) >= set(FAULTS) | {"neighbour", "shadow", "tamperer", "paster", "reorderer", "renamer"}


def test_printed_inputs_do_not_reach_the_feedback(graded):
    """What the learner's code prints while graded (the hidden inputs, say) is thrown away."""
    course, _, log = graded
    assert PRINTED not in log
    assert not any(PRINTED in output_text(c) for c in autograded(course, "printer", ASSIGNMENT).cells)


def test_a_pasted_reference_loses_its_points(graded):
    course, scores, _ = graded
    assert scores["paster"]["test_tanh_grad"][0] == 0
    assert all(s == m for gid, (s, m) in scores["paster"].items() if gid != "test_tanh_grad")
    assert "copied line for line" in _test_cell_text(course, "paster", "test_tanh_grad")


def test_reordered_test_cells_are_graded_as_usual(graded):
    _, scores, _ = graded
    assert scores["reorderer"] == scores["neighbour"]


def test_a_renamed_test_cell_is_graded_under_its_own_id(graded):
    """A test cell given another grade id (and emptied) is put back; the wrong answer scores 0."""
    _, scores, _ = graded
    assert "test_free_points" not in scores["renamer"]
    assert scores["renamer"]["test_" + VICTIM][0] == 0
    assert all(s == m for gid, (s, m) in scores["renamer"].items() if gid != "test_" + VICTIM)


def test_numpy_py_beside_the_notebook_is_not_imported(graded):
    _, scores, _ = graded
    assert all(s == m for s, m in scores["shadow"].values())


def test_edited_and_deleted_test_cells_are_restored(graded):
    """An edited test cell and a deleted one come back from the gradebook and are graded as written."""
    course, scores, _ = graded
    assert scores["tamperer"]["test_" + VICTIM][0] == 0
    assert scores["tamperer"]["test_tanh_grad"] == scores["neighbour"]["test_tanh_grad"]
    assert "Hidden test 'sigmoid_grad'" in _test_cell_text(course, "tamperer", "test_" + VICTIM)


def test_run_summary_names_each_process_fault(graded):
    """Does the run's log name the students whose code hung or died?"""
    _, _, log = graded
    for student in ("looper", "exiter", "crasher", "toplevel"):
        lines = [line for line in log.splitlines() if f"{student}/{ASSIGNMENT}" in line and "process running" in line]
        assert lines, f"no line in the log names {student}'s fault"


def test_broken_files_do_not_stop_the_run(tmp_path):
    """Not JSON, an empty file, a misnamed notebook, one in the wrong folder, none at all: the run
    goes on, each is named in the log, and the neighbour is graded in full."""
    course = make_course(tmp_path, [ASSIGNMENT])
    submitted = course / "autograde" / "submitted"
    submit(course, "neighbour", ASSIGNMENT, read(solution_path(ASSIGNMENT)))
    for student, name, content in [("garbled", f"{ASSIGNMENT}.ipynb", "{not json"),
                                   ("empty", f"{ASSIGNMENT}.ipynb", ""),
                                   ("misnamed", "my-homework.ipynb", nbformat.writes(read(solution_path(ASSIGNMENT)))),
                                   ("nested", f"extra/{ASSIGNMENT}.ipynb",
                                    nbformat.writes(read(solution_path(ASSIGNMENT)))),
                                   ("absent", "notes.txt", "no notebook here")]:
        path = submitted / student / ASSIGNMENT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    run = nbgrader("autograde", ASSIGNMENT, "--force", "--create", cwd=course, check=False)
    scores = gradebook_scores(course, ASSIGNMENT)
    assert all(s == m for s, m in scores["neighbour"].values()), run.stdout + run.stderr
    log = run.stdout + run.stderr
    for student in ("garbled", "empty"):
        assert student in log, log
    for student in ("garbled", "empty", "misnamed", "nested", "absent"):
        assert sum(s for s, _ in scores.get(student, {}).values()) == 0, (student, scores.get(student))


def _verdict(validate) -> str:
    try:
        validate()
    except Exception as err:  # noqa: BLE001  (the kind of error is part of the verdict)
        return f"{type(err).__name__}: {err}"
    return "passed"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_metadata_check_gives_nbgraders_verdicts(assignment):
    """The course's CheckCellMetadata makes its schema's validator once: on each solution notebook, and on
    copies with a cell's nbgrader metadata corrupted one way or another, does it pass or refuse as
    nbgrader's own does, for the same reason (the validator's error, type and text)?"""
    import copy

    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import CheckCellMetadata as Theirs

    from chainrule_reference.nbgrader_plugin import CheckCellMetadata as Ours
    from chainrule_reference.nbgrader_plugin import _MetadataValidator
    solution = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    corruptions = [lambda m: m.update(points="three"), lambda m: m.pop("grade_id"), lambda m: m.pop("locked"),
                   lambda m: m.update(schema_version=2), lambda m: m.update(schema_version=9),
                   lambda m: m.update(grade_id=""), lambda m: m.update(grade=None), lambda m: None]
    reasons = []
    for corrupt in corruptions:
        nb = copy.deepcopy(solution)
        corrupt(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")).metadata.nbgrader)
        reason = _verdict(lambda: _MetadataValidator().validate_nb(nb))
        assert reason == _verdict(lambda: MetadataValidator().validate_nb(nb))
        assert _verdict(lambda: Ours().preprocess(nb, {})) == _verdict(lambda: Theirs().preprocess(nb, {}))
        reasons.append(reason)
    assert reasons[-1] == "passed" and all(r != "passed" for r in reasons[:-1])
    assert len(set(reasons)) == len(reasons)  # each corruption refused for a reason of its own
