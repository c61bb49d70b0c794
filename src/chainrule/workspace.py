"""Your own functions from an earlier notebook of your workspace, for a later notebook to use.

Notebook 10 compares the gradients of its reverse-mode engine with the ones you wrote by hand in
notebook 07. Rather than a copy (or the course's reference code), it uses *your* ``two_layer_loss``,
read from your notebook 07 next to notebook 10 in your workspace::

    two_layer_loss = functions_from_notebook("../07-single-layer-network/07-single-layer-network.ipynb",
                                             ["two_layer_loss"])["two_layer_loss"]

Only definitions run: from every answer cell (nbgrader's ``solution`` cells) and from the notebook's
first code cell (its imports), the top-level ``import``, ``def`` and ``class`` statements, in notebook
order, in a fresh namespace. Nothing else in the notebook runs: no experiment, no training, no
check. A function of your own that an answer uses but that another (non-answer) cell defines is
taken from that cell, again its definition only.

When that is not possible (no such notebook, a function that is not there or still the stub that
raises ``NotImplementedError``, a definition that fails), :class:`NotebookFunctionsMissing` says
which and why, so that the calling notebook can say so and fall back on something else.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["NotebookFunctionsMissing", "functions_from_notebook"]

_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
STUB_MARK = "raise NotImplementedError"


class NotebookFunctionsMissing(LookupError):
    """The named functions cannot be taken from the notebook; the message says which and why."""


def _code_cells(path: Path) -> list[tuple[int, str, dict]]:
    """(index, source, nbgrader metadata) of every code cell of the notebook at ``path``."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise NotebookFunctionsMissing(f"{path} could not be read as a notebook ({type(error).__name__}: "
                                       f"{error}).") from None
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        found.append((index, source, cell.get("metadata", {}).get("nbgrader", {})))
    return found


def _definitions(source: str) -> list[ast.stmt]:
    """The top-level import, def and class statements of a cell ([] if the cell is not plain Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:   # IPython magics (% and ! lines) are left out; a cell being edited gives nothing
        plain = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(plain)
        except SyntaxError:
            return []
    return [node for node in tree.body if isinstance(node, _KEPT)]


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return {node.name}


def _used(nodes: Iterable[ast.stmt]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def functions_from_notebook(notebook: str | Path, names: Iterable[str]) -> dict[str, Callable[..., Any]]:
    """Your functions ``names`` as defined in the notebook at ``notebook``, run in a fresh namespace.

    Args:
        notebook: path of the notebook (relative paths start at the current folder, which in
            Jupyter is the folder of the notebook that calls this).
        names: the functions wanted, e.g. ``["two_layer_loss"]``.
    Returns:
        a dict name -> function. The functions live in their own namespace (with the imports of
        the notebook's first code cell), so they do not see, or change, the calling notebook's
        variables.
    Raises:
        NotebookFunctionsMissing: the notebook is missing or unreadable; a name is defined by no
            answer cell; its answer cell still raises NotImplementedError (not written yet); or
            running a definition failed. The message names the notebook, the function and the cause.
    """
    path, names = Path(notebook), list(names)
    if not path.is_file():
        raise NotebookFunctionsMissing(f"there is no notebook {path} (looked in {path.resolve().parent}).")
    cells = _code_cells(path)
    answers = {index for index, _, meta in cells if meta.get("solution")}
    first = cells[0][0] if cells else None
    kept = {index: _definitions(source) for index, source, _ in cells}

    chosen = {index for index in kept if index in answers or index == first}
    defined = {name for index in chosen for node in kept[index] for name in _defined(node)}
    stubs = {node.name for index, source, _ in cells if index in answers for node in kept[index]
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             and STUB_MARK in (ast.get_source_segment(source, node) or "")}
    missing = [name for name in names if name not in defined]
    if missing:
        raise NotebookFunctionsMissing(f"no answer cell of {path.name} defines {', '.join(missing)}.")
    unwritten = [name for name in names if name in stubs]
    if unwritten:
        raise NotebookFunctionsMissing(f"{', '.join(unwritten)} in {path.name} is not written yet (its answer "
                                       "cell still raises NotImplementedError).")

    # helpers of your own: definitions in other cells of names the chosen ones use and do not define
    while True:
        wanted = _used(node for index in chosen for node in kept[index]) - defined
        more = {index for index in kept if index not in chosen
                and any(_defined(node) & wanted for node in kept[index] if not isinstance(node, (ast.Import, ast.ImportFrom)))}
        if not more:
            break
        chosen |= more
        defined |= {name for index in more for node in kept[index] for name in _defined(node)}

    namespace: dict[str, Any] = {"__name__": f"notebook_{path.stem.replace('-', '_')}"}
    for index in sorted(chosen):
        for node in kept[index]:
            code = compile(ast.Module(body=[node], type_ignores=[]), f"<{path.name}, cell {index}>", "exec")
            try:
                exec(code, namespace)
            except ImportError:  # an import the wanted functions may not need; if they do, calling them says so
                continue
            except Exception as error:  # an import that fails, a decorator that raises: say which
                raise NotebookFunctionsMissing(
                    f"running line {min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])} of cell {index} of {path.name} failed "
                    f"({type(error).__name__}: {error}).") from None
    not_functions = [name for name in names if not callable(namespace.get(name))]
    if not_functions:
        raise NotebookFunctionsMissing(f"{', '.join(not_functions)} in {path.name} is not a function.")
    return {name: namespace[name] for name in names}
