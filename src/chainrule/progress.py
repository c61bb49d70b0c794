"""Run All on an unfinished notebook: everything that needs no unsolved exercise runs, and the end says what is left.

A visible check records how it went (passed, failed, or the function is not written yet), and
:func:`what_is_left`, in the last cell of every notebook, lists the exercises that do not pass yet.

In a Jupyter kernel, ``import chainrule.visible`` also calls :func:`install`. From then on, a cell
that fails *because an exercise is unsolved* counts as finished rather than failed, so that Run All
goes on with the next cell instead of stopping there. Its error stays in its output, followed by one
line naming the exercise it waits for. A cell fails because an exercise is unsolved when its error is

* a failed visible check (:class:`chainrule.CheckFailure`);
* ``NotImplementedError``: a function the learner has not written yet, called from any cell;
* any error in a cell that uses an exercise that does not pass yet, or a name that only such a cell
  would have defined (a variable that a cell computed with an unwritten function, say).

Any other error stops Run All as usual: it is a bug to fix where it is.

A written answer (a markdown cell a person grades) has no check: :func:`what_is_left` reads the
notebook as last saved and lists each one that still holds "YOUR ANSWER HERE" as not written yet.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .checking import CheckFailure

__all__ = ["install", "recorded", "what_is_left"]

PASSED, FAILED, NOT_WRITTEN = "passed", "check failed", "not written yet"
ANSWER_STUB = "YOUR ANSWER HERE"  # what a released written answer holds until the learner writes one


@dataclass
class _Progress:
    """What this kernel has learnt of the notebook's exercises, in the order it met them."""

    status: dict[str, str] = field(default_factory=dict)  # exercise -> PASSED, FAILED or NOT_WRITTEN
    reason: dict[str, str] = field(default_factory=dict)  # exercise -> first line of its check's message
    checks: dict[str, list[str]] = field(default_factory=dict)  # module of checks -> its exercises
    unwritten: set[str] = field(default_factory=set)  # functions that raised NotImplementedError
    waiting: dict[str, str] = field(default_factory=dict)  # name a waiting cell would have set -> what it waits for
    waited: dict[str, list[Any]] = field(default_factory=dict)  # what cells waited for -> their execution counts

    def unsolved(self) -> dict[str, str]:
        """Each exercise or function that does not pass yet, and each name waiting for one, with what it waits for."""
        left = {name: name for name, status in self.status.items() if status != PASSED}
        return {**self.waiting, **{name: name for name in self.unwritten}, **left}


_progress = _Progress()


def _exercises_of(module: str) -> list[str]:
    """The exercises whose checks ``module`` defines, in the order it defines them (the notebook's)."""
    checks = [fn for name, fn in vars(sys.modules[module]).items()
              if name.startswith("check_") and callable(fn) and getattr(fn, "__module__", None) == module]
    checks.sort(key=lambda fn: fn.__code__.co_firstlineno)
    return [fn.__name__.removeprefix("check_") for fn in checks]


def _first_line(failure: BaseException) -> str:
    """The line of a check's message that says what is wrong (after 'Visible check of f(...):')."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Visible check of"):
        lines = lines[1:]
    text = lines[0] if lines else type(failure).__name__
    return text if len(text) <= 100 else text[:97] + "..."


def recorded(check: Callable) -> Callable:
    """``check`` (a visible check ``check_<exercise>``), recording its outcome for :func:`what_is_left`."""
    exercise = check.__name__.removeprefix("check_")

    @functools.wraps(check)
    def run(*args, **kwargs):
        _progress.checks.setdefault(check.__module__, _exercises_of(check.__module__))
        try:
            result = check(*args, **kwargs)
        except CheckFailure as failure:
            not_written = "is not implemented yet" in str(failure)
            _progress.status[exercise] = NOT_WRITTEN if not_written else FAILED
            _progress.reason[exercise] = _first_line(failure)
            failure.exercise = exercise
            raise
        _progress.status[exercise] = PASSED
        _progress.reason.pop(exercise, None)
        return result

    return run


def _names(source: str) -> tuple[set[str], set[str]]:
    """The names a cell's code reads and the names it sets (at any depth; an over-estimate is fine)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    read, written = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (written if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            written.add(node.name)
        elif isinstance(node, ast.alias):
            written.add((node.asname or node.name).split(".")[0])
    return read, written


def _unwritten_function(error: NotImplementedError) -> str:
    """The function that raised ``error``: the innermost frame of its traceback."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_name if tb is not None else "<module>"
    return name if name.isidentifier() else "code in this cell"


def _waits_for(error: BaseException, read: set[str]) -> str | None:
    """The unsolved exercise a cell's ``error`` comes from, or None when it is an ordinary error."""
    if isinstance(error, CheckFailure):
        return getattr(error, "exercise", "a check")
    if isinstance(error, NotImplementedError):
        name = _unwritten_function(error)
        _progress.unwritten.add(name)
        return name
    unsolved = _progress.unsolved()
    return next((unsolved[name] for name in sorted(read) if name in unsolved), None)


def _after_cell(result) -> None:
    """IPython's post_run_cell event: let Run All go on past a cell that waits for an unsolved exercise.

    ipykernel reads ``result.error_in_exec`` after this event to decide whether the cell failed; a cell
    whose error comes from an unsolved exercise is reported as done, its error output kept.
    """
    info = getattr(result, "info", None)
    read, written = _names(getattr(info, "raw_cell", "") or "")
    error = result.error_in_exec
    if error is None:
        for name in written:
            _progress.waiting.pop(name, None)
            _progress.unwritten.discard(name)
        return
    exercise = _waits_for(error, read)
    if exercise is None:
        return
    for name in written - set(_progress.status) - _progress.unwritten:
        _progress.waiting.setdefault(name, exercise)
    _progress.waited.setdefault(exercise, []).append(result.execution_count)
    result.error_in_exec = None
    state = _progress.status.get(exercise, NOT_WRITTEN if exercise in _progress.unwritten else "not passing yet")
    print(f"\n[waits for {exercise}: {state}] The cells below still run; the last cell lists what is left.")


def install() -> None:
    """Let Run All go on past unsolved exercises in the running IPython kernel, if any (once per kernel)."""
    ipython = sys.modules.get("IPython")  # never imported here: outside IPython there is nothing to do
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "_chainrule_progress", False):
        return
    shell.events.register("post_run_cell", _after_cell)
    shell._chainrule_progress = True


def _this_notebook() -> Path | None:
    """The notebook file this kernel runs, as far as it can tell: the one Jupyter names to the kernel
    (``JPY_SESSION_NAME``), else ``<folder>/<folder>.ipynb`` or the only notebook of the working folder."""
    named = os.environ.get("JPY_SESSION_NAME", "")
    if named.endswith(".ipynb") and os.path.isfile(named):
        return Path(named)
    here = Path.cwd()
    candidates = [here / f"{here.name}.ipynb"] + sorted(here.glob("*.ipynb"))
    if candidates[0].is_file():
        return candidates[0]
    return candidates[1] if len(candidates) == 2 else None


def _unwritten_answers() -> list[str]:
    """The written answers (markdown cells graded by hand) of this notebook, as last saved, that still
    hold "YOUR ANSWER HERE"; none when the notebook cannot be found or read."""
    path = _this_notebook()
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"] if path else []
    except (OSError, ValueError, KeyError, TypeError):
        return []
    unwritten = []
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        source = "".join(source) if isinstance(source, list) else str(source)
        if (cell.get("cell_type") == "markdown" and isinstance(meta, dict) and meta.get("grade")
                and meta.get("solution") and meta.get("grade_id") and source.strip() in ("", ANSWER_STUB)):
            unwritten.append(str(meta["grade_id"]))
    return unwritten


def what_is_left() -> None:
    """Print the exercises met in this kernel that do not pass their visible checks yet, and the cells that waited.

    Run it after Run All (it is the last cell of every notebook): every check has run by then. The
    exercises come in the order their checks ran, then those of the same notebook not checked yet.
    Written answers still holding "YOUR ANSWER HERE" in the saved notebook come last, as not written
    yet: a person grades them, so they are no failed check.
    """
    _what_is_left()
    unwritten = _unwritten_answers()
    if unwritten:
        width = max(map(len, unwritten))
        print("Written answers, graded by hand (in the notebook as last saved):")
        for name in unwritten:
            print(f"  {name:<{width}}  not written yet")


def _what_is_left() -> None:
    """The exercises' part of :func:`what_is_left`."""
    order = list(_progress.status)
    order += [name for names in _progress.checks.values() for name in names if name not in order]
    left = [name for name in order if _progress.status.get(name) != PASSED]
    others = [name for name in _progress.waited if name not in order and name in _progress.unsolved()]
    if not order and not others:
        print("No visible check has run yet: run the notebook's cells (Run All) first.")
        return
    if not left and not others:
        print(f"All {len(order)} exercises pass their visible checks. The hidden tests try other inputs: "
              "`python3 course.py check` in a terminal grades your notebooks as the grader will.")
        return

    def cells(name: str) -> str:
        counts = _progress.waited.get(name, [])
        return ("   waiting: " + " ".join(f"[{count}]" for count in counts)) if counts else ""

    passing = f"{len(order) - len(left)} of {len(order)} exercises pass their visible checks. " if order else ""
    print(passing + "What is left:")
    width = max(len(name) for name in left + others)
    for name in left:
        status = _progress.status.get(name, "not checked yet")
        why = _progress.reason.get(name) if status == FAILED else None
        print(f"  {name:<{width}}  {status}{': ' + why if why else ''}{cells(name)}")
    for name in others:
        print(f"  {name:<{width}}  not written yet{cells(name)}")
    if any(_progress.waited.get(name) for name in left + others):
        print("The cells in [ ] waited for it: run them again once it passes.")
