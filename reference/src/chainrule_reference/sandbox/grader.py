"""Grade a submitted notebook outside the learner's kernel.

:func:`grade_notebook` takes the answer cells (nbgrader solution cells, by
grade id) of a submission, runs them in a :class:`~.process.Sandbox`, and runs
each graded test cell's hidden test (grade id ``test_<name>``) in this
process, with proxies of the learner's functions: the inputs are drawn here,
the learner's outputs come back as plain data, and the reference's answers
never leave this process. The same :func:`~chainrule_reference.grading.run_hidden_test`
serves the notebook's own test cells.

A cell or a test that hangs, crashes or exhausts memory costs what depends on
it: the process is restarted, and the other tests are graded as usual. A
restarted process runs only the answer cells the next test needs (the cells
defining its functions and, transitively, the global names those use), never
the cell that killed a process; the learner's time over the whole notebook is
bounded by ``notebook_timeout``. What the learner's code writes into a verdict
is cut short (:data:`MAX_VERDICT`, :data:`MAX_PROBLEM`).

What runs is what the learner ran (docs/grading.md, "What the grader runs of a notebook"): cell
sources go through IPython's own input transformer here (magics and ``!`` commands become calls
of the child's inert ``get_ipython()``; the body of ``%%time``, ``%%timeit`` and ``%%capture`` is
run as plain code), and an ordinary cell runs whole, among the answer cells, when it defines a
name the answer cells use that none of them defines (a helper of the learner's own).
"""
from __future__ import annotations

import ast
import symtable
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from IPython.core.inputtransformer2 import TransformerManager

from chainrule.checking import CheckFailure, in_place_message, style_note

from ..grading import TestReport, WarningTally, argument_names, cut, run_hidden_test
from ..hidden import HIDDEN_TESTS
from .copies import copies_of_reference
from .process import Limits, Sandbox, SandboxDied, isolation_level
from .proxies import RemoteObject, remote_values

__all__ = ["MAX_PROBLEM", "MAX_PROBLEMS", "MAX_VERDICT", "NotebookResult", "TestResult", "grade_notebook"]

MAX_VERDICT = 3000  # characters of one test's verdict (the course's longest diagnosis is under 900)
MAX_PROBLEM = 300  # characters of one line of a notebook's problems
MAX_PROBLEMS = 40  # lines of problems kept per notebook


@dataclass
class TestResult:
    """The verdict on one graded test cell: ``score`` is the share of its points earned, 0 to 1
    (partial credit, :class:`~chainrule_reference.grading.TestReport`); ``passed`` means all of them."""
    grade_id: str
    passed: bool
    message: str
    score: float = 0.0
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
    restarts: int = 0  # learner's processes started after the first (one died, or a cell killed it)
    cells_rerun: int = 0  # answer cells run in those restarted processes
    out_of_time: bool = False  # the notebook's time budget ran out before every test was graded


def _verdict(grade_id: str, passed: bool, message: str, score: float | None = None) -> TestResult:
    return TestResult(grade_id, passed, cut(message, MAX_VERDICT), float(passed) if score is None else score)


def _add_problem(problems: list[str], line: str) -> None:
    """Record one problem line, cut short; past :data:`MAX_PROBLEMS` lines, one last line says more were left out."""
    if len(problems) < MAX_PROBLEMS:
        problems.append(cut(line, MAX_PROBLEM))
    elif len(problems) == MAX_PROBLEMS:
        problems.append("more problems were not listed")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


BODY_MAGICS = ("time", "timeit", "capture")  # cell magics whose body is run as plain code


def _python(source: str) -> str:
    """``source`` as IPython would run it: magics and ``!`` commands become ``get_ipython()`` calls (which
    do nothing in the learner's process), and a cell under ``%%time``, ``%%timeit`` or ``%%capture`` becomes
    its body, itself transformed (a few such magics deep). A source IPython cannot transform is left as
    it is (it fails as it would), and so is one that is Python already (IPython would not change it)."""
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    for _ in range(4):
        try:
            python = TransformerManager().transform_cell(source)
            tree = ast.parse(python)
        except Exception:  # noqa: BLE001 - any failure of the transformer: the cell fails when it runs
            return source
        match tree.body:
            case [ast.Expr(ast.Call(ast.Attribute(ast.Call(ast.Name("get_ipython"), []), "run_cell_magic"),
                                    [ast.Constant(str() as name), ast.Constant(str()), ast.Constant(str() as body)]))] \
                    if name in BODY_MAGICS:
                source = body
            case _:
                return python
    return python


def _imports(source: str) -> tuple[str, frozenset[str]]:
    """The top-level import statements of a cell (the setup cell's ``import numpy as np``, say), each
    guarded so that one that fails (matplotlib, in a sandbox made without it) does not stop the next, and the
    names they bind."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "", frozenset()
    found = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {(alias.asname or alias.name).split(".")[0] for node in found for alias in node.names}
    guarded = [f"try:\n    {ast.unparse(node)}\nexcept Exception:\n    pass" for node in found]
    return "\n".join(guarded), frozenset(names)


def _matplotlib_names(source: str) -> frozenset[str]:
    """The names a cell's top-level import lines bind to matplotlib (``plt`` of ``import matplotlib.pyplot as plt``)."""
    if "matplotlib" not in source:
        return frozenset()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset((alias.asname or alias.name).split(".")[0] for node in tree.body
                     if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.module)
                     for alias in node.names
                     if (alias.name if isinstance(node, ast.Import) else node.module).split(".")[0] == "matplotlib")


# ---- which answer cells a test needs ---------------------------------------------------------------

@dataclass(frozen=True)
class _Cell:
    """A cell the learner's process runs (an answer cell, or a helper cell named by its position in the
    notebook): its top-level import lines, the other global names it defines, the global names it uses."""
    grade_id: str
    source: str
    imports: str
    defines: frozenset[str]
    uses: frozenset[str]


def _cell(grade_id: str, source: str) -> _Cell:
    """Read a cell's global names from its symbol table: what its top level binds (assignments, ``def``,
    ``class``, imports other than its top-level import lines, and names its functions declare ``global``
    and assign), and every global name it reads, at top level or inside its functions and classes. A
    restarted process runs every cell's top-level import lines first, so those define nothing here
    (else every cell that imports NumPy would need every other). A cell that does not parse has no names."""
    imports, imported = _imports(source)
    try:
        table = symtable.symtable(source, f"<answer cell {grade_id}>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Cell(grade_id, source, imports, frozenset(), frozenset())
    defines = {s.get_name() for s in table.get_symbols()
               if s.is_assigned() or (s.is_imported() and s.get_name() not in imported)}
    uses = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    inner = list(table.get_children())
    while inner:
        scope = inner.pop()
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                uses.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                defines.add(symbol.get_name())
        inner.extend(scope.get_children())
    return _Cell(grade_id, source, imports, frozenset(defines), frozenset(uses))


def _learner_cells(nb) -> tuple[list[str], list[_Cell], bool]:
    """What the learner's process runs of ``nb``: the import lines of its ordinary code cells (the prelude),
    its answer cells with the helper cells among them, in notebook order, and whether those cells plot
    (name matplotlib, or use a name an import line of the notebook binds to it: the sandbox then has it).

    A helper cell is an ordinary code cell (no nbgrader grade id) that defines a global name an answer
    cell uses (directly, or through another helper cell) and no answer cell defines; it runs whole. The
    course's demo cells define nothing of the kind, so they do not run.
    """
    found: list[tuple[bool, _Cell]] = []  # (an answer cell?, the cell)
    for number, cell in enumerate(nb.cells, 1):
        grade_id = _nbgrader(cell).get("grade_id")
        if cell.get("cell_type") == "code" and (not grade_id or _nbgrader(cell).get("solution")):
            found.append((bool(grade_id), _cell(grade_id or str(number), _python(cell.source))))
    answers = [cell for is_answer, cell in found if is_answer]
    by_answers = frozenset().union(*(cell.defines for cell in answers))
    used = set().union(*(cell.uses for cell in answers))
    helpers: set[int] = set()
    while True:
        more = {i for i, (is_answer, cell) in enumerate(found)
                if not is_answer and i not in helpers and (cell.defines - by_answers) & used}
        if not more:
            break
        helpers |= more
        used = used.union(*(found[i][1].uses for i in more))
    prelude = [cell.imports for i, (is_answer, cell) in enumerate(found)
               if not is_answer and i not in helpers and cell.imports]
    run = [cell for i, (is_answer, cell) in enumerate(found) if is_answer or i in helpers]
    plotted = frozenset().union(*(_matplotlib_names(cell.source) for _, cell in found))
    return prelude, run, any("matplotlib" in cell.source or cell.uses & plotted for cell in run)


def _needed(cells: list[_Cell], names: Iterable[str]) -> list[int]:
    """The cells (indices, in notebook order) that define ``names``, and, transitively, the cells that
    define the global names those cells use."""
    wanted: set[int] = set()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for index, cell in enumerate(cells):
            if name in cell.defines and index not in wanted:
                wanted.add(index)
                todo.extend(cell.uses)
    return sorted(wanted)


# ---- the learner's process ---------------------------------------------------------------------------

class _OutOfTime(Exception):
    """The notebook's time budget ran out."""


class _Budget:
    """The learner's time for the whole notebook: its cells, its restarts and its tests."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.tests_refused = 0  # tests not graded for want of time

    def left(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def within(self, seconds: float) -> float:
        """``seconds``, or what is left of the budget if that is less; raises _OutOfTime if nothing is."""
        left = self.left()
        if left <= 0:
            raise _OutOfTime()
        return min(seconds, left)

    def verdict(self, grade_id: str, test_name: str) -> TestResult:
        """The verdict on a test that the budget left no time for."""
        self.tests_refused += 1
        return _verdict(grade_id, False, f"Hidden test '{test_name}': not graded, because the notebook's time "
                        f"budget ({self.seconds:g} s for all its answer cells and hidden tests) ran out. Make your "
                        "answer cells and functions faster (no long loops or sleeps).")


class _Session:
    """A sandbox with the notebook's answer cells (and helper cells) run in it, restarted when the
    learner's code kills it.

    The first sandbox runs every one of those cells, in notebook order. A restarted one runs only the cells
    the tests ask for (:meth:`ready`), in notebook order, and adds more when a later test needs them;
    a cell that killed a process is left out from then on. Every request is bounded by the budget.
    """

    def __init__(self, prelude: list[str], cells: list[_Cell], plotting: bool, limits: Limits,
                 cell_timeout: float, budget: _Budget, problems: list[str], tenant: str | None = None):
        self.prelude, self.cells, self.plotting, self.tenant = prelude, cells, plotting, tenant
        self.limits, self.cell_timeout, self.budget = limits, cell_timeout, budget
        self.problems = problems
        self.imports_work = True  # False once import lines killed a process: they are left out from then on
        self.broken: dict[int, str] = {}  # answer cell -> why it was left out
        self.errors: dict[int, str] = {}  # answer cell -> the exception it raised
        self.sandbox: Sandbox | None = None
        self.ran: set[int] = set()  # answer cells run in the current sandbox
        self.started = 0  # sandboxes started
        self.cells_rerun = 0  # answer cells run in sandboxes after the first
        self.start_seconds = self.cells_seconds = 0.0

    def ready(self, names: Iterable[str]) -> Sandbox:
        """The sandbox, with the answer cells that define ``names`` (and what they use) run in it.

        Raises _OutOfTime when the budget runs out on the way.
        """
        names = list(names)
        for _ in range(len(self.cells) + 2):  # each failed attempt leaves out one more cell, or the imports
            wanted = range(len(self.cells)) if self.started == 0 else _needed(self.cells, names)
            try:
                if self.sandbox is None:
                    self._start()
                for index in wanted:
                    if index not in self.ran and index not in self.broken:
                        self._run(index)
                return self.sandbox
            except SandboxDied:
                self.close()
        raise RuntimeError("the learner's process could not be started; see the log above")

    def _start(self) -> None:
        """A new sandbox, with the notebook's import lines run in it (and, in a restarted one, the import
        lines of the answer cells, which the cells it runs may rely on)."""
        began = time.monotonic()
        self.sandbox, self.ran = Sandbox(self.limits, plotting=self.plotting, tenant=self.tenant), set()
        self.started += 1
        imports = list(self.prelude)
        if self.started > 1:
            imports += [c.imports for i, c in enumerate(self.cells) if c.imports and i not in self.broken]
        for source in imports if self.imports_work else []:
            timeout = self.budget.within(self.cell_timeout)
            try:
                self.sandbox.request("exec", timeout=timeout, source=source, cell="setup")
            except SandboxDied:
                self.budget.within(self.cell_timeout)  # out of time: say that, not that the imports failed
                self.imports_work = False
                _add_problem(self.problems, "the notebook's imports killed the process; graded without them")
                raise
            except Exception:  # each import is guarded: whatever else fails leaves its names undefined
                pass
        self.start_seconds += time.monotonic() - began

    def _run(self, index: int) -> None:
        """Run answer cell ``index``; a cell that kills the process is left out from then on."""
        cell, timeout, began = self.cells[index], self.budget.within(self.cell_timeout), time.monotonic()
        if self.started > 1:
            self.cells_rerun += 1
        try:
            self.sandbox.request("exec", timeout=timeout, source=cell.source, cell=cell.grade_id)
        except SandboxDied as died:
            self.budget.within(self.cell_timeout)  # out of time: the cell is not to blame
            self.broken[index] = f"the process running it {died}"
            _add_problem(self.problems, f"cell {cell.grade_id}: the process running it {died}; "
                                        "graded without this cell")
            raise
        except Exception as err:  # the learner's cell raised: its names stay undefined
            self.errors[index] = f"{cut(type(err).__name__, 60)}: {cut(str(err))}"
        finally:
            self.cells_seconds += time.monotonic() - began
        self.ran.add(index)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    def why_missing(self, name: str) -> str:
        """Why ``name`` is not defined, from the cells that would define it (and those they need)."""
        needed = _needed(self.cells, [name])
        reasons = [f"cell {self.cells[i].grade_id} was not graded: {self.broken[i]}" for i in needed
                   if i in self.broken]
        reasons += [f"cell {self.cells[i].grade_id} raised {self.errors[i]}" for i in needed if i in self.errors]
        where = f" ({'; '.join(reasons)})" if reasons else ""
        return f"{name} is not defined: define it in its answer cell{where}."


class _LearnerImpl(dict):
    """The learner's functions by name, as callables that ask her process; :meth:`compose` runs a course
    function over them there (:func:`~chainrule_reference.spec.compose`)."""

    def __init__(self, sandbox: Sandbox, warnings_seen: WarningTally):
        super().__init__()
        self.sandbox, self.warnings_seen = sandbox, warnings_seen

    def function(self, name: str) -> Callable:
        arg_names = argument_names(name)

        def call(*args):
            reply = self.sandbox.request("call_graded", name=name, args=list(args), arg_names=arg_names)
            # The child names the inputs it changed; only this call's own argument names count.
            named = arg_names or [f"argument {i + 1}" for i in range(len(args))]
            return self._result(reply, lambda changed: [(name, arg_name, arg) for arg_name, arg in zip(named, args)
                                                        if arg_name in changed])
        return call

    def compose(self, runner: Callable, functions: Sequence[str], args: Sequence[Any]) -> Any:
        names = {name: argument_names(name) or [] for name in functions}
        reply = self.sandbox.request("call_composed", runner=f"{runner.__module__}.{runner.__name__}",
                                     names=list(functions), arg_names=names, args=list(args))

        def changed_inputs(changed: list) -> list:
            """The child names each input changed as [function, input, is it a dict]; only the graded
            functions' own parameter names count."""
            return [(item[0], item[1], {} if item[2] is True else None) for item in changed
                    if type(item) is list and len(item) == 3 and type(item[0]) is str
                    and item[1] in names.get(item[0], ())]
        return self._result(reply, changed_inputs)

    def _result(self, reply: Any, changed_inputs: Callable[[list], list]) -> Any:
        """The value of a reply ``(result, warnings, changed)``; the warnings are tallied and the grader
        writes the notes on changed inputs itself (no text of the learner's process reaches them)."""
        if type(reply) is not tuple or len(reply) != 3 or type(reply[1]) is not list or type(reply[2]) is not list:
            raise TypeError("the submission's process did not answer as the grader asked")
        self.warnings_seen.extend(reply[1])
        for name, arg_name, arg in changed_inputs(reply[2]):
            style_note(in_place_message(name, arg_name, arg))
        return reply[0]


def _learner_impl(session: _Session, sandbox: Sandbox, names: Iterable[str],
                  warnings_seen: WarningTally) -> dict[str, Any]:
    impl = _LearnerImpl(sandbox, warnings_seen)
    for name in names:
        try:
            value = sandbox.request("lookup", name=name)
        except NameError:
            raise CheckFailure(session.why_missing(name)) from None
        if isinstance(value, type):  # a class: its proxy, used as the learner's class would be
            impl[name] = value
            continue
        if not isinstance(value, RemoteObject) or not callable(value):
            raise CheckFailure(f"{name} should be a function, but it is {cut(type(value).__name__, 60)}.")
        impl[name] = impl.function(name)
    return impl


def _plain_only(actual: Any) -> None:
    found = remote_values(actual)
    if found:
        raise CheckFailure(f"the result should be numbers or NumPy arrays, but it holds an object of your own type "
                           f"{cut(found[0], 60)}: return floats, arrays, or tuples and dicts of them.")


def grade_notebook(nb, *, limits: Limits = Limits(), cell_timeout: float = 10.0, test_timeout: float = 30.0,
                   notebook_timeout: float = 300.0, log: Callable[[str], None] = lambda line: None,
                   tenant: str | None = None) -> NotebookResult:
    """Grade every test cell of ``nb`` (an nbformat notebook) whose grade id names a hidden test.

    Args:
        limits: resource limits of the learner's process.
        cell_timeout: seconds each answer cell may take to run.
        test_timeout: seconds each hidden test may take, all its cases together.
        notebook_timeout: seconds for the whole notebook (answer cells, restarts, tests); the tests
            still waiting when it runs out fail, saying so.
        log: receives one line per problem (for the grading run's summary).
        tenant: the learner who wrote ``nb``: her notebooks' sandboxes are forked in one warm container
            (:class:`~.process.WarmContainer`), which no other learner's code enters.
    """
    start = time.monotonic()
    budget = _Budget(notebook_timeout)
    result = NotebookResult(isolation=isolation_level())
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    prelude, cells, plotting = _learner_cells(nb)
    tests = [_nbgrader(c)["grade_id"] for c in code_cells
             if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")]
    session = _Session(prelude, cells, plotting, limits, cell_timeout, budget, result.problems, tenant)
    copied = copies_of_reference([cell.source for cell in cells])
    try:
        for grade_id in tests:
            began = time.monotonic()
            verdict = _grade_cell(session, grade_id, copied, test_timeout, result.problems)
            verdict.seconds = time.monotonic() - began
            result.tests[grade_id] = verdict
    finally:
        session.close()
    result.start_seconds, result.cells_seconds = session.start_seconds, session.cells_seconds
    result.restarts, result.cells_rerun = max(0, session.started - 1), session.cells_rerun
    if budget.tests_refused:
        result.out_of_time = True
        _add_problem(result.problems, f"the notebook's time budget ({notebook_timeout:g} s) ran out: "
                                      f"{budget.tests_refused} hidden tests were not graded")
    for line in result.problems:
        log(line)
    result.seconds = time.monotonic() - start
    return result


def _grade_cell(session: _Session, grade_id: str, copied: set[str], test_timeout: float,
                problems: list[str]) -> TestResult:
    """The verdict on test cell ``grade_id``."""
    name = grade_id.removeprefix("test_")
    test = HIDDEN_TESTS.get(name)
    if test is None:
        return _verdict(grade_id, False, f"no hidden test is named {name}: ask your instructor.")
    if copied & set(test.functions):
        copy = sorted(copied & set(test.functions))[0]
        _add_problem(problems, f"{copy} is a copy of the reference implementation")
        return _verdict(grade_id, False, f"Hidden test '{name}': your {copy} is the reference implementation "
                        "copied line for line. Graded code must be your own.")
    if session.budget.left() <= 0:
        return session.budget.verdict(grade_id, name)
    return _grade_one(session, test, grade_id, test_timeout, problems)


def _run_test(test, impl: dict[str, Any], warnings_seen: WarningTally, report: TestReport,
              problems: list[str]) -> None:
    """Run the hidden test into ``report``; an exception of the comparison itself (OverflowError on
    ``10**400``, say) fails the cases not judged yet, so the other tests are still graded."""
    try:
        run_hidden_test(test, impl, warnings_seen, report, accept=_plain_only)
    except Exception as err:
        reason = f"{cut(type(err).__name__, 60)}: {cut(str(err))}"
        _add_problem(problems, f"hidden test '{test.name}': the result could not be compared ({reason})")
        report.fail_rest(f"Hidden test '{test.name}': your result could not be compared: {reason}. "
                         "Return floats or NumPy arrays of ordinary size.")


def _grade_one(session: _Session, test, grade_id: str, test_timeout: float, problems: list[str]) -> TestResult:
    warnings_seen = WarningTally()
    report = TestReport(test)
    try:
        sandbox = session.ready(test.functions)
        sandbox.set_deadline(session.budget.within(test_timeout))
        impl = _learner_impl(session, sandbox, test.functions, warnings_seen)
        _run_test(test, impl, warnings_seen, report, problems)
    except _OutOfTime:
        session.close()
        return session.budget.verdict(grade_id, test.name)
    except CheckFailure as failure:
        return _verdict(grade_id, False, str(failure))
    except SandboxDied as died:
        session.close()
        if session.budget.left() <= 0 and not report.judged:
            return session.budget.verdict(grade_id, test.name)
        line = f"hidden test '{test.name}': the process running your code {died}"
        _add_problem(problems, line)
        report.fail_rest(f"{line}. The other tests were graded in a new process.")
    finally:
        if session.sandbox is not None:
            session.sandbox.set_deadline(None)
    note = f"\n{warnings_seen.note()}" if warnings_seen else ""
    return _verdict(grade_id, not report.failures and not report.notes, report.message() + note, report.fraction)
