"""Every hidden test of the course, by the grade id of its test cell.

Each module here holds one notebook's tests: ``NOTEBOOK`` (the assignment
name, e.g. ``"01-scalar-derivatives"``) and ``TESTS`` (a list of
:class:`~chainrule_reference.spec.HiddenTest`). Modules are found by
themselves: adding a notebook means adding a module.
"""
from __future__ import annotations

import importlib
import pkgutil

from ..spec import HiddenTest

__all__ = ["HIDDEN_TESTS", "TESTS_BY_NOTEBOOK"]

TESTS_BY_NOTEBOOK: dict[str, list[HiddenTest]] = {}
HIDDEN_TESTS: dict[str, HiddenTest] = {}

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    TESTS_BY_NOTEBOOK[_module.NOTEBOOK] = _module.TESTS
    for _test in _module.TESTS:
        if _test.name in HIDDEN_TESTS:
            raise ValueError(f"two hidden tests are named {_test.name}")
        HIDDEN_TESTS[_test.name] = _test
TESTS_BY_NOTEBOOK = dict(sorted(TESTS_BY_NOTEBOOK.items()))
