"""The grader cannot be turned against itself: what a learner's process sends, returns, raises, warns
and costs in time is bounded on the grader's side, with real sandboxes and real notebooks.

- the wire refuses an oversized or over-detailed message before reading or parsing it, and the
  grader's memory stays near the limits (tracemalloc);
- proxy classes are bounded per sandbox and die with it;
- learner text reaches verdicts, the autograded notebook and its metadata cut short, and a passing
  test never echoes its hidden inputs through warnings;
- a result the comparison cannot handle fails its own test only;
- a process that dies in every test costs only the cells each test needs, under a notebook time budget.
"""
from __future__ import annotations

import gc
import json
import logging
import re
import time
import tracemalloc

import nbformat
import pytest

from chainrule_reference import nbgrader_plugin
from chainrule_reference.sandbox import process, wire
from chainrule_reference.sandbox.grader import MAX_PROBLEM, MAX_VERDICT, grade_notebook
from chainrule_reference.sandbox.process import PROCESS_LEVEL_WARNING, Sandbox, SandboxDied
from chainrule_reference.sandbox.proxies import MAX_PROXIES, MAX_PROXY_TYPES

from .nbtools import (ASSIGNMENTS, autograded, cells_by_id, gradebook_scores, lean, make_course, nbgrader,
                      output_text, read, solution_cells, solution_path, submit, with_bodies)

ASSIGNMENT = ASSIGNMENTS[0]
MB = 1 << 20


def _lean_solution() -> nbformat.NotebookNode:
    return lean(read(solution_path(ASSIGNMENT)))


def _with_bodies(nb, bodies: dict[str, str]) -> nbformat.NotebookNode:
    """nbtools.with_bodies, for bodies written with the indentation of their first line too."""
    return with_bodies(nb, {gid: body.removeprefix("    ") for gid, body in bodies.items()})


def _define(box: Sandbox, source: str, name: str):
    box.request("exec", timeout=20, source=source, cell=name)
    return box.request("lookup", timeout=20, name=name)


def _peak_bytes(action) -> int:
    """The grader's peak of traced memory above where it started, while ``action()`` runs."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# ---- the limits come from the course's own messages --------------------------------------------

def test_the_course_own_messages_are_ten_times_under_the_limits(monkeypatch):
    """Grade every solution notebook, recording each message's JSON bytes, array bytes and values, and
    the objects each sandbox hands over: each limit is at least ten times the biggest seen."""
    biggest = {"json": 0, "payload": 0, "values": 0, "proxies": 0}
    measure = wire.size_problem

    def recording(json_bytes, payload_bytes, values=0):
        for key, seen in (("json", json_bytes), ("payload", payload_bytes), ("values", values)):
            biggest[key] = max(biggest[key], seen)
        return measure(json_bytes, payload_bytes, values)

    make_proxy = process.proxy_for

    def counting(sandbox, *args):
        biggest["proxies"] = max(biggest["proxies"], len(sandbox.proxies) + 1)
        return make_proxy(sandbox, *args)

    monkeypatch.setattr(wire, "size_problem", recording)
    monkeypatch.setattr(process, "proxy_for", counting)
    longest_cell = 0
    for assignment in ASSIGNMENTS:
        nb = read(solution_path(assignment))
        result = grade_notebook(nb)
        assert all(v.passed for v in result.tests.values()), (assignment, result.problems)
        longest_cell = max([longest_cell] + [len(s) for s in solution_cells(nb).values()])
    assert biggest["json"] * 10 <= wire.MAX_HEADER, biggest
    assert biggest["payload"] * 10 <= wire.MAX_PAYLOAD, biggest
    assert biggest["values"] * 10 <= wire.MAX_VALUES, biggest
    assert biggest["proxies"] * 10 <= MAX_PROXIES, biggest
    assert longest_cell * 10 <= wire.MAX_STRING, longest_cell


# ---- the wire -------------------------------------------------------------------------------------

RAW_WRITER = """
import os, struct, sys

def send_raw(json_bytes, payload_bytes, head, unit, repeat, tail):
    fd = int(sys.argv[2])  # the child's end of the pipe to the grader
    data = memoryview(struct.pack(">IQ", json_bytes, payload_bytes) + (head + unit * repeat + tail).encode())
    while data:
        data = data[os.write(fd, data):]
"""


@pytest.mark.parametrize("json_bytes, payload_bytes, says", [
    (33 * MB, 0, "bytes of JSON"),
    (2, 33 * MB, "bytes of arrays"),
])
def test_an_oversized_raw_message_is_refused_unread(json_bytes, payload_bytes, says):
    """A learner writing a 33 MiB message straight onto its pipe: refused from its 12-byte header,
    the sandbox is killed, and the grader reads (and allocates) next to nothing."""
    with Sandbox() as box:
        send_raw = _define(box, RAW_WRITER, "send_raw")

        def attack():
            with pytest.raises(SandboxDied, match=f"cannot read.*{says}"):
                send_raw(json_bytes, payload_bytes, "", "x", json_bytes + payload_bytes, "")

        assert _peak_bytes(attack) < MB


def test_a_message_of_many_tiny_items_is_refused_before_it_is_parsed():
    """``[[],[],...]`` just under the JSON limit (about 87,000 values; parsed, some 24 times its bytes):
    refused by counting, the grader's memory stays within a few times the JSON limit."""
    items = (wire.MAX_HEADER - 2) // 3
    length = 1 + 3 * (items - 1) + 3  # [ then [], items - 1 times, then []]
    assert length <= wire.MAX_HEADER
    with Sandbox() as box:
        send_raw = _define(box, RAW_WRITER, "send_raw")

        def attack():
            with pytest.raises(SandboxDied, match=f"cannot read.*values \\(the limit is {wire.MAX_VALUES}\\)"):
                send_raw(length, 0, "[", "[],", items - 1, "[]]")

        assert _peak_bytes(attack) < 3 * wire.MAX_HEADER + MB


def test_an_array_up_to_the_limit_crosses_in_place_and_a_bigger_one_is_refused_where_it_is_made():
    """An 8 MiB array comes through with no second copy in the grader; one more element and the
    learner's process refuses to send it, with an error the learner can read (the sandbox lives on)."""
    with Sandbox() as box:
        big = _define(box, "import numpy as np\ndef big(n):\n    return np.ones(n)\n", "big")
        received = []
        peak = _peak_bytes(lambda: received.append(big(wire.MAX_PAYLOAD // 8)))
        assert received[0].shape == (wire.MAX_PAYLOAD // 8,) and received[0].sum() == wire.MAX_PAYLOAD // 8
        assert peak < wire.MAX_PAYLOAD + 2 * MB, peak
        with pytest.raises(ValueError, match="too big to pass between the grader and the submission"):
            big(wire.MAX_PAYLOAD // 8 + 1)
        assert big(3).tolist() == [1.0, 1.0, 1.0]


# ---- proxies ----------------------------------------------------------------------------------------

MANY_CLASSES = """
def fresh_objects(start, n):
    return [type(f"Kind{start + i}", (), {})() for i in range(n)]

def fresh_classes(n):
    return [type(f"Class{i}", (), {}) for i in range(n)]
"""


def test_proxy_classes_are_bounded_and_die_with_their_sandbox():
    """Objects of 60,000 distinct classes, 1,000 per call: the proxy classes stop at MAX_PROXY_TYPES, the
    sandbox is refused past MAX_PROXIES objects, the grader's memory stays bounded all along, and
    nothing is left once the sandbox is closed."""
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        box = Sandbox()
        fresh_objects = _define(box, MANY_CLASSES, "fresh_objects")
        taken = 0
        with pytest.raises(SandboxDied, match=f"more than {MAX_PROXIES} of its objects"):
            for start in range(0, 60_000, 1000):
                taken += len(fresh_objects(start, 1000))
                assert len(box.proxy_types) <= MAX_PROXY_TYPES + 1  # the names, and one generic class
        assert MAX_PROXIES - 1000 <= taken < MAX_PROXIES
        assert tracemalloc.get_traced_memory()[1] - before < 12 * MB
        box.close()
        assert not box.proxy_types and not box.proxies
        gc.collect()
        assert tracemalloc.get_traced_memory()[0] - before < MB
    finally:
        tracemalloc.stop()


def test_more_classes_than_the_bound_are_refused():
    with Sandbox() as box:
        fresh_classes = _define(box, MANY_CLASSES, "fresh_classes")
        assert all(isinstance(c, type) for c in fresh_classes(10))
        with pytest.raises(SandboxDied, match=f"more than {MAX_PROXY_TYPES} classes"):
            fresh_classes(MAX_PROXY_TYPES + 1)


# ---- learner text, and results the comparison cannot handle --------------------------------------

# The last function forges the reply of the learner's process: an exception with 60,000-character type
# name, message and origin (the child cuts its own, a forged reply does not), then ends the process.
FORGER = """    import json, os, struct, sys
    frame = sys._getframe()
    while frame.f_code.co_name != "_answer":
        frame = frame.f_back
    error = {"type": "E" * 60000, "message": "M" * 60000, "raised_in": "R" * 60000}
    data = json.dumps({"re": frame.f_locals["message"]["id"], "error": error, "values": {}, "buffers": []}).encode()
    os.write(frame.f_locals["self"].write_fd, struct.pack(">IQ", len(data), 0) + data)
    os._exit(0)
"""
# answer cell -> lines put before its solution's body (None: the body is replaced by FORGER)
HOSTILE = {
    "central_difference": "    return 10 ** 400\n",
    "sigmoid_grad": "    import warnings\n    warnings.warn('w' * 40_000_000)\n",
    "tanh_grad": "    raise ValueError('x' * 40_000_000)\n",
    "relu_grad": "    import warnings\n    warnings.warn('SECRET ' + repr(z))\n",
    "leaky_relu_grad": "    np.exp(np.float64(1000.0))\n",
    "composite_and_grad": None,
}
KEEPS = {"forward_difference", "difference_errors", "sigmoid_grad", "relu_grad", "leaky_relu_grad"}


def _hostile_text_notebook() -> nbformat.NotebookNode:
    nb = _lean_solution()
    bodies = {gid: "    ### BEGIN SOLUTION" + source.split("### BEGIN SOLUTION")[1]
              for gid, source in solution_cells(nb).items()}
    return _with_bodies(nb, {gid: FORGER if lines is None else lines + bodies[gid] for gid, lines in HOSTILE.items()})


def _longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


def _check_text_verdicts(messages: dict[str, str], passed: dict[str, bool]) -> None:
    """The verdicts of the hostile-text notebook, as grade_notebook or nbgrader wrote them."""
    assert {gid for gid, ok in passed.items() if ok} == {f"test_{n}" for n in KEEPS}, passed
    for gid, message in messages.items():
        assert len(message) <= MAX_VERDICT, (gid, len(message))
        for char in "wxEMR":
            assert _longest_run(message, char) <= 2 * 200, (gid, char)
    assert "could not be compared: OverflowError" in messages["test_central_difference"]
    assert "tanh_grad raised ValueError: xxx" in messages["test_tanh_grad"]
    assert "EEE" in messages["test_composite_and_grad"] and "MMM" in messages["test_composite_and_grad"]
    relu = messages["test_relu_grad"]
    assert "SECRET" not in relu and "array" not in relu and not re.search(r"\d\.\d", relu), relu
    assert "UserWarning (" in relu and "not shown" in relu
    assert "RuntimeWarning: overflow encountered in exp" in messages["test_leaky_relu_grad"]


def test_learner_text_is_cut_and_hidden_inputs_are_not_echoed():
    """A 40 MB warning, a 40 MB exception, an echo of the hidden inputs, a forged exception, 10**400:
    each verdict is short, the echo is not there, and each fault costs its own test only."""
    result = grade_notebook(_hostile_text_notebook())
    _check_text_verdicts({g: v.message for g, v in result.tests.items()},
                         {g: v.passed for g, v in result.tests.items()})
    assert all(len(line) <= MAX_PROBLEM + 10 for line in result.problems)
    assert any("could not be compared (OverflowError" in line for line in result.problems)


@pytest.mark.slow
def test_learner_text_stays_out_of_the_autograded_notebook(tmp_path):
    """The same through a real ``nbgrader autograde``: the autograded notebook, its verdicts and
    ``metadata.chainrule_grading`` hold no more than a few kB of learner text."""
    course = make_course(tmp_path, [ASSIGNMENT])
    submit(course, "texter", ASSIGNMENT, _hostile_text_notebook())
    submit(course, "neighbour", ASSIGNMENT, read(solution_path(ASSIGNMENT)))
    nbgrader("autograde", ASSIGNMENT, "--force", "--create", cwd=course)
    scores = gradebook_scores(course, ASSIGNMENT)
    assert all(s == m for s, m in scores["neighbour"].values())
    assert {gid for gid, (s, m) in scores["texter"].items() if s == m} == {f"test_{n}" for n in KEEPS}
    nb = autograded(course, "texter", ASSIGNMENT)
    tests = [f"test_{name}" for name in set(HOSTILE) | KEEPS]
    _check_text_verdicts({gid: output_text(cells_by_id(nb)[gid]) for gid in tests},
                         {gid: scores["texter"][gid][0] > 0 for gid in tests})
    meta = json.dumps(nb.metadata["chainrule_grading"])
    assert len(meta) < 20_000, len(meta)
    whole = nbformat.writes(nb)
    for char in "wxEMR":
        assert _longest_run(whole, char) <= 2 * 200, char
    assert len(whole) - len(nbformat.writes(autograded(course, "neighbour", ASSIGNMENT))) < 20_000


# ---- restarts and the notebook's time budget ------------------------------------------------------

def _dying_notebook(pause: float) -> nbformat.NotebookNode:
    """Every answer cell sleeps ``pause`` s as it runs; every function ends the process.
    ``difference_errors`` calls ``forward_difference`` first, so its test needs both cells."""
    dies = "    import os\n    os._exit(3)\n"
    tail = f"\n\nimport time\ntime.sleep({pause})\n"
    bodies = {gid: dies + tail for gid in solution_cells(_lean_solution())}
    bodies["difference_errors"] = "    forward_difference(f, x)\n" + dies + tail
    return _with_bodies(_lean_solution(), bodies)


def test_a_restart_reruns_only_the_cells_the_next_test_needs():
    """Eight tests, each killing its process: seven restarts, each running the one cell its test needs
    (two for difference_errors), instead of all eight cells each time."""
    began = time.monotonic()
    result = grade_notebook(_dying_notebook(0.3))
    assert all(not v.passed and "exited with code 3" in v.message for v in result.tests.values()), result.tests
    assert len(result.tests) == 8
    assert result.restarts == 7
    assert result.cells_rerun == 7 + 1
    assert not result.out_of_time
    assert time.monotonic() - began < 60


def test_the_notebook_time_budget_ends_the_run():
    """Sleeping cells and dying functions under a 4 s budget: every test gets a verdict, those left when
    the time is spent say so, and the run ends near the budget."""
    began = time.monotonic()
    result = grade_notebook(_dying_notebook(0.5), notebook_timeout=4)
    elapsed = time.monotonic() - began
    budget = [g for g, v in result.tests.items() if "time budget (4 s" in v.message]
    assert len(result.tests) == 8 and budget and result.out_of_time
    assert all("exited with code 3" in v.message for g, v in result.tests.items() if g not in budget)
    assert any("time budget (4 s) ran out" in line for line in result.problems)
    assert elapsed < 4 + 20, elapsed


def test_a_hanging_function_cannot_outlast_the_budget():
    """A function that never returns, with a 60 s test limit and a 3 s budget: cut at the budget; the
    tests before it were graded, those after it fail saying the time ran out."""
    nb = _with_bodies(_lean_solution(), {"sigmoid_grad": "    while True:\n        pass\n"})
    began = time.monotonic()
    result = grade_notebook(nb, test_timeout=60, notebook_timeout=3)
    assert time.monotonic() - began < 3 + 20
    order = list(result.tests)
    hang = order.index("test_sigmoid_grad")
    assert all(result.tests[g].passed for g in order[:hang])
    assert all("time budget" in result.tests[g].message for g in order[hang:])


# ---- the weak isolation level is said loudly -------------------------------------------------------

def test_the_process_level_is_warned_once(monkeypatch, caplog):
    monkeypatch.setattr(nbgrader_plugin, "isolation_level", lambda: "process")
    monkeypatch.setattr(nbgrader_plugin, "_WARNED", False)
    log = logging.getLogger("chainrule-test")
    with caplog.at_level(logging.WARNING, logger="chainrule-test"):
        nbgrader_plugin._warn_at_process_level(log)
        nbgrader_plugin._warn_at_process_level(log)
    assert [r.getMessage() for r in caplog.records] == [PROCESS_LEVEL_WARNING]
