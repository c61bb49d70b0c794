"""Grade a submitted notebook outside the learner's kernel.

:func:`grade_notebook` takes the answer cells (nbgrader solution cells, by
grade id) of a submission, runs them in a :class:`~.process.Sandbox`, and runs
each graded test cell's hidden test (grade id ``test_<name>``) in this
process, with proxies of the learner's functions: the inputs are drawn here,
the learner's outputs come back as plain data, and the reference's answers
never leave this process. The same :func:`~chainrule_reference.grading.run_hidden_test`
serves the notebook's own test cells.

A cell or a test that hangs, crashes or exhausts memory costs what depends on
it: the process is restarted without the cell that killed it, and the other
tests are graded as usual.
"""
from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from chainrule.checking import CheckFailure

from ..grading import argument_names, run_hidden_test, warnings_note
from ..hidden import HIDDEN_TESTS
from .copies import copies_of_reference
from .process import Limits, Sandbox, SandboxDied, isolation_level
from .proxies import RemoteObject, remote_values

__all__ = ["NotebookResult", "TestResult", "grade_notebook"]


@dataclass
class TestResult:
    """The verdict on one graded test cell."""
    grade_id: str
    passed: bool
    message: str
    seconds: float = 0.0


@dataclass
class NotebookResult:
    """The verdicts on a notebook's test cells, and what went wrong on the way."""
    tests: dict[str, TestResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # one line each: a cell that failed, a process that died
    isolation: str = ""  # the level the learner's process ran at (see process.isolation_level)
    seconds: float = 0.0  # in all; of which:
    start_seconds: float = 0.0  # starting the learner's process and running the notebook's imports
    cells_seconds: float = 0.0  # running the answer cells


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _imports(source: str) -> str:
    """Only the import statements of a cell (the setup cell's ``import numpy as np``, say)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


class _Session:
    """A sandbox with the notebook's cells run in it, restarted when the learner's code kills it."""

    def __init__(self, prelude: list[str], cells: list[tuple[str, str]], limits: Limits, hidden: list[Path],
                 cell_timeout: float, problems: list[str]):
        self.prelude, self.cells = prelude, cells
        self.limits, self.hidden, self.cell_timeout = limits, hidden, cell_timeout
        self.problems = problems
        self.broken: dict[str, str] = {}  # answer cell -> why it was left out
        self.errors: dict[str, str] = {}  # answer cell -> the exception it raised
        self.sandbox: Sandbox | None = None
        self.start_seconds = self.cells_seconds = 0.0

    def ready(self) -> Sandbox:
        attempts = len(self.cells) + 2  # each failed start leaves out one more cell
        while self.sandbox is None:
            attempts -= 1
            if attempts < 0:
                raise RuntimeError("the learner's process could not be started; see the log above")
            began = time.monotonic()
            sandbox = Sandbox(self.limits, self.hidden)
            try:
                for source in self.prelude:
                    try:
                        sandbox.request("exec", timeout=self.cell_timeout, source=source, cell="setup")
                    except SandboxDied:
                        self.prelude = []
                        self.problems.append("the notebook's imports killed the process; graded without them")
                        raise
                    except Exception:  # matplotlib and chainrule.plots are not in the sandbox: answers need neither
                        pass
                middle = time.monotonic()
                self.start_seconds += middle - began
                for grade_id, source in self.cells:
                    if grade_id in self.broken:
                        continue
                    try:
                        sandbox.request("exec", timeout=self.cell_timeout, source=source, cell=grade_id)
                    except SandboxDied as died:
                        self.broken[grade_id] = f"the process running it {died}"
                        self.problems.append(f"answer cell {grade_id}: the process running it {died}; "
                                             "graded without this cell")
                        raise
                    except Exception as err:  # the learner's cell raised: its names stay undefined
                        self.errors[grade_id] = f"{type(err).__name__}: {err}"
                self.cells_seconds += time.monotonic() - middle
                self.sandbox = sandbox
            except SandboxDied:
                sandbox.close()
        return self.sandbox

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def why_missing(self, name: str) -> str:
        reasons = [f"cell {gid} was not graded: {why}" for gid, why in self.broken.items()]
        reasons += [f"cell {gid} raised {err}" for gid, err in self.errors.items()]
        where = f" ({'; '.join(reasons)})" if reasons else ""
        return f"{name} is not defined: define it in its answer cell{where}."


def _learner_impl(session: _Session, names: Iterable[str], warnings_seen: list[str]) -> dict[str, Any]:
    sandbox = session.ready()
    impl: dict[str, Any] = {}
    for name in names:
        try:
            value = sandbox.request("lookup", name=name)
        except NameError:
            raise CheckFailure(session.why_missing(name)) from None
        if isinstance(value, type):  # a class: its proxy, used as the learner's class would be
            impl[name] = value
            continue
        if not isinstance(value, RemoteObject) or not callable(value):
            raise CheckFailure(f"{name} should be a function, but it is {type(value).__name__}.")
        arg_names = argument_names(name)

        def call(*args, _name=name, _arg_names=arg_names):
            result, seen = sandbox.request("call_graded", name=_name, args=list(args), arg_names=_arg_names)
            warnings_seen.extend(str(w) for w in seen)
            return result

        impl[name] = call
    return impl


def _plain_only(actual: Any) -> None:
    found = remote_values(actual)
    if found:
        raise CheckFailure(f"the result should be numbers or NumPy arrays, but it holds an object of your own type "
                           f"{found[0]}: return floats, arrays, or tuples and dicts of them.")


def grade_notebook(nb, *, limits: Limits = Limits(), hidden: Iterable[Path] = (), cell_timeout: float = 10.0,
                   test_timeout: float = 30.0, log: Callable[[str], None] = lambda line: None) -> NotebookResult:
    """Grade every test cell of ``nb`` (an nbformat notebook) whose grade id names a hidden test.

    Args:
        limits: resource limits of the learner's process.
        hidden: folders the learner's process must not see (the course folder).
        cell_timeout: seconds each answer cell may take to run.
        test_timeout: seconds each hidden test may take, all its cases together.
        log: receives one line per problem (for the grading run's summary).
    """
    start = time.monotonic()
    result = NotebookResult(isolation=isolation_level())
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    answers = [(_nbgrader(c)["grade_id"], c.source) for c in code_cells
               if _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")]
    prelude = [_imports(c.source) for c in code_cells if not _nbgrader(c).get("grade_id")]
    tests = [_nbgrader(c)["grade_id"] for c in code_cells
             if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")]
    session = _Session([p for p in prelude if p], answers, limits, list(hidden), cell_timeout, result.problems)
    copied = copies_of_reference([source for _, source in answers])
    try:
        for grade_id in tests:
            name = grade_id.removeprefix("test_")
            test = HIDDEN_TESTS.get(name)
            began = time.monotonic()
            if test is None:
                verdict = TestResult(grade_id, False, f"no hidden test is named {name}: ask your instructor.")
            elif copied & set(test.functions):
                copy = sorted(copied & set(test.functions))[0]
                verdict = TestResult(grade_id, False, f"Hidden test '{name}': your {copy} is the reference "
                                     "implementation copied line for line. Graded code must be your own.")
                result.problems.append(f"{copy} is a copy of the reference implementation")
            else:
                verdict = _grade_one(session, test, grade_id, test_timeout, result.problems)
            verdict.seconds = time.monotonic() - began
            result.tests[grade_id] = verdict
        result.start_seconds, result.cells_seconds = session.start_seconds, session.cells_seconds
    finally:
        session.close()
    for line in result.problems:
        log(line)
    result.seconds = time.monotonic() - start
    return result


def _grade_one(session: _Session, test, grade_id: str, test_timeout: float, problems: list[str]) -> TestResult:
    warnings_seen: list[str] = []
    try:
        session.ready().set_deadline(test_timeout)
        impl = _learner_impl(session, test.functions, warnings_seen)
        run_hidden_test(test, impl, warnings_seen, accept=_plain_only)
    except CheckFailure as failure:
        return TestResult(grade_id, False, str(failure))
    except SandboxDied as died:
        session.close()
        line = f"hidden test '{test.name}': the process running your code {died}"
        problems.append(line)
        return TestResult(grade_id, False, f"{line}. The other tests were graded in a new process.")
    finally:
        if session.sandbox is not None:
            session.sandbox.set_deadline(None)
    note = f"\n{warnings_note(warnings_seen)}" if warnings_seen else ""
    return TestResult(grade_id, True, f"Hidden test '{test.name}': all {len(test.cases)} cases passed.{note}")
