"""The ways to install the course agree with each other."""
from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement

from .nbtools import ROOT


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in reqs}


def _conda_requirements() -> dict[str, str]:
    found = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        match = re.fullmatch(r"  - ([A-Za-z0-9_.-]+)([<>=!~].*)?", line)
        if match and match.group(1) not in ("python", "pip"):
            found[match.group(1).lower()] = str(Requirement(line.strip("- ")).specifier)
    return found


def test_environment_yml_matches_pyproject():
    """Does environment.yml ask for the same packages and versions as pyproject.toml?"""
    assert _conda_requirements() == _pyproject_requirements()


def test_environment_yml_installs_both_packages():
    """Does the conda environment install chainrule and chainrule_reference from this checkout?"""
    text = (ROOT / "environment.yml").read_text()
    assert "- -e .\n" in text and "- -e ./reference\n" in text


def test_learner_library_never_imports_the_reference():
    """Does chainrule stay free of chainrule_reference, so a classroom can leave the solutions out?"""
    offenders = [p.relative_to(ROOT) for p in (ROOT / "src" / "chainrule").rglob("*.py")
                 if re.search(r"^\s*(import|from)\s+chainrule_reference", p.read_text(), re.M)]
    assert not offenders
