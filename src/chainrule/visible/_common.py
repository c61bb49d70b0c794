"""Helpers shared by the visible checks of every notebook."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..checking import CheckFailure, call_learner

__all__ = ["call", "passed"]


def call(fn: Callable, name: str, args: Sequence[Any], arg_names: Sequence[str]) -> Any:
    """Call a learner function for a visible check; the example is named in any failure."""
    shown = ", ".join(f"{n}={a!r}" if not callable(a) else f"{n}={getattr(a, '__name__', 'f')}"
                      for n, a in zip(arg_names, args))
    try:
        result = call_learner(fn, args, name=name, arg_names=arg_names)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check of {name}({shown}):\n  {failure}") from failure.__cause__
    if result.warnings:
        print(f"Note: {name} raised warnings on the example ({'; '.join(result.warnings)}). "
              "They cost no points, but ask yourself where they come from.")
    return result.result


def passed(name: str) -> None:
    """Tell the learner a visible check passed, and what is still to come."""
    print(f"[ok] {name} passes the visible check. The hidden tests will try other inputs.")
