#!/usr/bin/env python3
"""Set up the chainrule course and run it: one command each, safe to repeat.

    python3 course.py lab      # set up, then open the notebooks in JupyterLab
    python3 course.py test     # set up, then run the whole test suite
    python3 course.py bench    # set up, then print the benchmark figures

Set-up creates a virtual environment in .venv and installs the two packages
(chainrule and chainrule_reference, editable) with what the command needs.
It reinstalls only when a pyproject.toml changed since the last install.
Needs only Python 3.11+ with pip and venv.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
EXTRAS = {"lab": "course", "test": "course,test", "bench": "course,test"}


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "reference/pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def setup(extras: str) -> None:
    """Create .venv and install the course into it, unless already done."""
    if sys.version_info < (3, 11):
        sys.exit(f"chainrule needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    marker = VENV / f".chainrule-installed-{extras.replace(',', '-')}"
    if marker.exists() and marker.read_text() == _stamp(extras):
        return
    print(f"Installing chainrule[{extras}] and chainrule_reference into {VENV} ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", f".[{extras}]", "-e", "./reference"], cwd=ROOT, check=True)
    marker.write_text(_stamp(extras))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    setup(EXTRAS[command])
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "lab":
        args = [str(BIN / "jupyter"), "lab", "notebooks", *rest]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
            args.append("--allow-root")
    elif command == "test":
        args = [str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "loadscope", *rest]
    else:
        args = [str(PYTHON), "benchmarks/run.py", *rest]
    return subprocess.run(args, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
