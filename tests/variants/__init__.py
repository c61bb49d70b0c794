"""Learner-style implementations of the graded functions, for the grading tests.

Each notebook has a module here (named like its reference module) with two
lists of :class:`Variant`: ``VALID`` (other correct ways to write a function:
they must keep full marks) and ``WRONG`` (the mistakes learners make: they
must lose the points of their test cell, with the right diagnosis).

A variant's ``source`` replaces the whole solution cell whose nbgrader
``grade_id`` is ``cell``; ``test`` is the grade id of the test cell it must
pass or fail (``test_<name>``, where ``<name>`` is the hidden test's name).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["NOTEBOOK_MODULES", "Variant", "variants_for"]

NOTEBOOK_MODULES = {
    "01-scalar-derivatives": "scalar_derivatives",
    "02-computational-graphs": "computational_graphs",
}


@dataclass(frozen=True)
class Variant:
    """One implementation of the solution cell ``cell``.

    ``diagnosis`` (WRONG only): a phrase the failure message must contain,
    case-insensitively; None where only failing is required (a hard-coded
    answer, say, has no single named mistake).
    """
    cell: str
    label: str
    source: str
    diagnosis: str | None = None

    @property
    def test(self) -> str:
        return f"test_{self.cell}"


def variants_for(notebook: str) -> tuple[list[Variant], list[Variant]]:
    """``(VALID, WRONG)`` of a notebook, by its assignment name."""
    module = importlib.import_module(f"{__name__}.{NOTEBOOK_MODULES[notebook]}")
    return module.VALID, module.WRONG
