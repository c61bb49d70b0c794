"""Shared set-up: the venv's tools on PATH (nbgrader calls `alembic` by name), Jupyter isolated from
the user's own kernels and config (so the python3 kernel is this environment's), a marker per notebook."""
from __future__ import annotations

import os

import pytest

from .nbtools import isolated_env  # noqa: E402

os.environ.update(isolated_env())

# Build matplotlib's font cache here, once, so that no kernel prints
# "Matplotlib is building the font cache" to stderr during a test.
import matplotlib.font_manager  # noqa: E402,F401


def notebook_marker(assignment: str) -> pytest.MarkDecorator:
    """The marker of a notebook's tests (``-m nb01``)."""
    return getattr(pytest.mark, f"nb{assignment[:2]}")

