"""Every hidden test of the course, by the grade id of its test cell."""
from __future__ import annotations

from ..spec import HiddenTest
from . import computational_graphs, scalar_derivatives

__all__ = ["HIDDEN_TESTS", "TESTS_BY_NOTEBOOK"]

TESTS_BY_NOTEBOOK: dict[str, list[HiddenTest]] = {
    "01-scalar-derivatives": scalar_derivatives.TESTS,
    "02-computational-graphs": computational_graphs.TESTS,
}

HIDDEN_TESTS: dict[str, HiddenTest] = {}
for _tests in TESTS_BY_NOTEBOOK.values():
    for _test in _tests:
        if _test.name in HIDDEN_TESTS:
            raise ValueError(f"two hidden tests are named {_test.name}")
        HIDDEN_TESTS[_test.name] = _test
