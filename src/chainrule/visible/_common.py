"""Helpers shared by the visible checks of every notebook."""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from ..checking import CheckFailure, call_learner, pending_style_notes, style_notes

__all__ = ["call", "passed", "values_first"]


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


def _style_failure(name: str, notes: list[str]) -> CheckFailure:
    return CheckFailure(f"Visible check of {name}: the values are right, but\n  " + "\n  ".join(notes) +
                        "\n  (The hidden tests take a small part of the points for this; the values keep theirs.)")


def passed(name: str) -> None:
    """Tell the learner a visible check passed, and what is still to come; first, fail for any style note."""
    notes = pending_style_notes()
    if notes:
        raise _style_failure(name, notes)
    print(f"[ok] {name} passes the visible check. The hidden tests will try other inputs.")


def values_first(check: Callable) -> Callable:
    """``check`` judging values before style: an input changed in place or a right value in another
    dtype is named after the values are known, as a failure of its own or beside the values' failure."""
    @functools.wraps(check)
    def run(*args, **kwargs):
        with style_notes() as notes:
            try:
                result = check(*args, **kwargs)
            except CheckFailure as failure:
                if not notes or failure.args and "the values are right, but" in str(failure):
                    raise
                raise CheckFailure(f"{failure}\n  Also: " + "\n  Also: ".join(notes)) from failure.__cause__
        if notes:
            raise _style_failure(check.__name__.removeprefix("check_"), notes)
        return result
    return run
