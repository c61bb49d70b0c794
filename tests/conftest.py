"""Shared set-up: the venv's tools on PATH (nbgrader calls `alembic` by name) and a marker per notebook."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

# Build matplotlib's font cache here, once, so that no kernel prints
# "Matplotlib is building the font cache" to stderr during a test.
import matplotlib.font_manager  # noqa: E402,F401


def notebook_marker(assignment: str) -> pytest.MarkDecorator:
    """The marker of a notebook's tests (``-m nb01``)."""
    return getattr(pytest.mark, f"nb{assignment[:2]}")

