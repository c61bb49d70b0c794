"""Learner-style implementations of the graded functions, for the grading tests.

Each notebook has a module here (named like its reference module) with
``NOTEBOOK`` (the assignment name) and two lists of :class:`Variant`: ``VALID`` (other correct ways to write a function:
they must keep full marks) and ``WRONG`` (the mistakes learners make: they
must lose points of their test cell, with the right diagnosis; partial credit
keeps the share of the cases they get right).

A variant's ``source`` replaces the whole solution cell whose nbgrader
``grade_id`` is ``cell``; ``test`` is the grade id of the test cell it must
pass or fail (``test_<name>``, where ``<name>`` is the hidden test's name).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

__all__ = ["Variant", "variant_function", "variants_for"]


@dataclass(frozen=True)
class Variant:
    """One implementation of the solution cell ``cell``.

    ``diagnosis`` (WRONG only): a phrase the failure message must contain,
    case-insensitively; None where only failing is required (a hard-coded
    answer, say, has no single named mistake). ``affects``: grade ids of other
    test cells that rely on this function and may lose their points too (a
    training run that calls the loss, say). ``score`` (WRONG only): the share
    of its test cell's points it must keep, where that is known (0.9 for right
    values with an input changed in place: the style cost); None: any share
    below all of them.
    """
    cell: str
    label: str
    source: str
    diagnosis: str | None = None
    affects: tuple[str, ...] = ()
    score: float | None = None

    @property
    def test(self) -> str:
        return f"test_{self.cell}"


def variants_for(notebook: str) -> tuple[list[Variant], list[Variant]]:
    """``(VALID, WRONG)`` of a notebook, by its assignment name."""
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if module.NOTEBOOK == notebook:
            return module.VALID, module.WRONG
    raise LookupError(f"no variants module for {notebook}")


def variant_function(notebook: str, label: str, name: str | None = None):
    """The function (or class) ``name`` (default: the variant's cell) that the variant labelled ``label``
    of ``notebook`` defines, for the visible-check tests."""
    valid, wrong = variants_for(notebook)
    variant = next(v for v in valid + wrong if v.label == label)
    namespace: dict = {}
    exec(variant.source, namespace)
    return namespace[name or variant.cell]
