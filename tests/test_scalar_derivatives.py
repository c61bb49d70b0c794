"""Notebook 01: the composite's named mistakes (one set of stage names, the visible check's fixed numbers equal to
the hidden test's formulas) and the float32 claim its Part B discussion makes.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule.visible.scalar_derivatives import _COMPOSITE_WRONG_VALUES, COMPOSITE_MISTAKES
from chainrule_reference.hidden.scalar_derivatives import _composite_mistakes

from .conftest import notebook_marker

pytestmark = notebook_marker("01-scalar-derivatives")


@pytest.mark.parametrize("x", [1.0, -0.5])
def test_visible_wrong_values_are_the_hidden_tests_mistakes(x):
    """Is each fixed wrong df/dx of the visible check the value the hidden test's formula gives at that x?"""
    hidden = dict(_composite_mistakes({"x": x})["dfdx"])
    for key, values in _COMPOSITE_WRONG_VALUES.items():
        assert values[x] == pytest.approx(float(hidden[COMPOSITE_MISTAKES[key]]), rel=1e-8), key


def test_composite_mistakes_name_the_stages_u1_to_u6():
    """Do the mistake texts use the stage names u1..u6 only, never the letters that clashed with e and f?"""
    for text in COMPOSITE_MISTAKES.values():
        assert not re.search(r"\b[abcde] = ", text), text
        for stage in re.findall(r"\bu(\d)\b", text):
            assert 1 <= int(stage) <= 6, text


def test_float32_central_difference_keeps_five_or_six_digits():
    """Does the best float32 central difference of exp at 1 have a relative error near 2e-6, as notebook 01 says?"""
    x, hs = np.float32(1.0), np.logspace(-1, -7, 61).astype(np.float32)
    errors = np.abs((np.exp(x + hs) - np.exp(x - hs)) / (np.float32(2) * hs) - np.e) / np.e
    assert 5.0 <= -np.log10(errors.min()) < 7.0
