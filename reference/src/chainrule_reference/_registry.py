"""Marks reference functions, and stops them from answering for a learner.

Every reference implementation is decorated with :func:`reference_impl`. It is
registered by name in :data:`REFERENCE`, carries the attribute
``__chainrule_reference__`` (so a learner who hands in the reference's own
object is caught), and refuses to run while learner code is being graded (so a
learner function that calls the reference is caught).
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

from chainrule.checking import CheckFailure, in_learner_code, learner_code

__all__ = ["REFERENCE", "ReferenceUsedError", "is_reference", "learner_code", "reference_impl"]

REFERENCE: dict[str, Callable] = {}


class ReferenceUsedError(CheckFailure):
    """A learner's function called the reference implementation."""


def _refuse(name: str) -> None:
    if in_learner_code():
        raise ReferenceUsedError(
            f"the code under test called the reference implementation {name} "
            "from chainrule_reference. Graded functions must be your own code.")


def reference_impl(obj: Callable) -> Callable:
    """Register ``obj`` as the reference implementation of the graded function (or class) of its name.

    A function is wrapped; a class stays itself (so ``isinstance`` works) and
    its ``__init__`` refuses to run for learner code.
    """
    name = obj.__name__
    if name in REFERENCE:
        raise ValueError(f"two reference implementations are named {name}")
    if isinstance(obj, type):
        init = obj.__init__

        @functools.wraps(init)
        def guarded_init(self, *args, **kwargs):
            _refuse(name)
            init(self, *args, **kwargs)

        obj.__init__ = guarded_init
        obj.__chainrule_reference__ = True
        REFERENCE[name] = obj
        return obj

    @functools.wraps(obj)
    def guarded(*args, **kwargs):
        _refuse(name)
        return obj(*args, **kwargs)

    del guarded.__wrapped__  # no easy way back to the unguarded function
    guarded.__signature__ = inspect.signature(obj)
    guarded.__chainrule_reference__ = True
    REFERENCE[name] = guarded
    return guarded


def is_reference(obj: object) -> bool:
    """True for a reference implementation (or anything defined in this package)."""
    return bool(getattr(obj, "__chainrule_reference__", False)) or \
        str(getattr(obj, "__module__", "") or "").startswith("chainrule_reference")
