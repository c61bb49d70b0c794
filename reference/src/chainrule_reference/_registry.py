"""Marks reference functions, and stops them from answering for a learner.

Every reference implementation is decorated with :func:`reference_impl`. It is
registered by name in :data:`REFERENCE`, carries the attribute
``__chainrule_reference__`` (so a learner who hands in the reference's own
object is caught), and refuses to run while learner code is being graded (so a
learner function that calls the reference is caught).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Callable, Iterator

from chainrule.checking import CheckFailure

__all__ = ["REFERENCE", "ReferenceUsedError", "is_reference", "learner_code", "reference_impl"]

REFERENCE: dict[str, Callable] = {}
_learner_depth = 0


class ReferenceUsedError(CheckFailure):
    """A learner's function called the reference implementation."""


def reference_impl(fn: Callable) -> Callable:
    """Register ``fn`` as the reference implementation of the graded function of its name."""
    if fn.__name__ in REFERENCE:
        raise ValueError(f"two reference implementations are named {fn.__name__}")

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if _learner_depth:
            raise ReferenceUsedError(
                f"the code under test called the reference implementation {fn.__name__} "
                "from chainrule_reference. Graded functions must be your own code.")
        return fn(*args, **kwargs)

    del guarded.__wrapped__  # no easy way back to the unguarded function
    guarded.__signature__ = inspect.signature(fn)
    guarded.__chainrule_reference__ = True
    REFERENCE[fn.__name__] = guarded
    return guarded


def is_reference(obj: object) -> bool:
    """True for a reference implementation (or anything defined in this package)."""
    return bool(getattr(obj, "__chainrule_reference__", False)) or \
        str(getattr(obj, "__module__", "") or "").startswith("chainrule_reference")


@contextlib.contextmanager
def learner_code() -> Iterator[None]:
    """While active, reference implementations refuse to run."""
    global _learner_depth
    _learner_depth += 1
    try:
        yield
    finally:
        _learner_depth -= 1
