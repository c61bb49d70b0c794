#!/usr/bin/env python3
"""Set up the chainrule course and run it: one command each, safe to repeat.

    python3 course.py lab      # set up, then open the course in JupyterLab, at your workspace
    python3 course.py test     # set up, then run the whole test suite
    python3 course.py bench    # set up, then print the benchmark figures (--students 5 for a quick run)
    python3 course.py check 07 # set up, then grade your workspace notebooks (all, or 07) with the hidden tests

Set-up creates a virtual environment in .venv and installs the two packages
(chainrule and chainrule_reference, editable) with what the command needs.
It reinstalls only when a pyproject.toml changed since the last install.
Needs only Python 3.11+ with pip and venv.

`lab` first copies each released notebook (notebooks/, which nbgrader
regenerates) into workspace/, where the learner works: a file already in
workspace/ is never overwritten and nothing there is deleted. JupyterLab opens
at the course root (so solutions/ and the Formgrader work) showing workspace/.
Without an nbgrader exchange it also turns off nbgrader's assignment and course
lists (jupyter-self-study/).
Arguments after `lab` go to JupyterLab: a folder to serve instead, or
`--LabApp.default_url=/lab` to open elsewhere.

`bench` grades one synthetic class (40 students x 10 notebooks by default) three
ways in one run: `chainrule grade`, serial nbgrader with the course's config,
and stock nbgrader (tests in the kernel); it prints each time, the ratios, the
core-seconds per notebook and whether the grades agree (benchmarks/run.py;
`--students N`, `--no-stock`, `--repeat 0`).

`check` grades the notebooks in workspace/ with the hidden tests, through the
instructor's sandboxed grader, without changing them; it prints a table and
writes a report (.chainrule/check-report.html). A written answer, which a person
grades, shows as "- / 2 (by hand)" with where its model answer is in solutions/.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
EXTRAS = {"lab": "course", "test": "course,test", "bench": "course,test", "check": "course"}
RELEASE, WORKSPACE = "notebooks", "workspace"
SELF_STUDY_CONFIG = ROOT / "jupyter-self-study"
EXCHANGE = Path("/usr/local/share/nbgrader/exchange")  # nbgrader's default exchange
# The exchange folder as nbgrader reads it from its config files (the course's, the user's, the system's).
EXCHANGE_ROOT = """
from nbgrader.apps.baseapp import NbGrader
from nbgrader.exchange.default.exchange import Exchange
app = NbGrader()
app.load_config_file()
print(Exchange(config=app.config).root)
"""


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "reference/pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _packages(extras: str) -> list[str]:
    """The names of what chainrule[extras] needs, as pyproject.toml lists them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = list(project["dependencies"])
    for extra in extras.split(","):
        found += project["optional-dependencies"][extra]
    return [re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0] for requirement in found]


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
    print(f"Installing chainrule[{extras}] and chainrule_reference into {VENV}, with "
          f"{', '.join(_packages(extras))} and what they need.\n"
          "The first install takes a minute or two and prints nothing until it is done; "
          "later runs reuse it.", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", f".[{extras}]", "-e", "./reference"], cwd=ROOT, check=True)
    marker.write_text(_stamp(extras))


def _copy_new(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` unless something is already at ``target`` (never overwritten)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as src, target.open("xb") as dst:
            shutil.copyfileobj(src, dst)
    except (FileExistsError, NotADirectoryError):  # the learner's file, or a file where a folder would go
        return False
    return True


def update_workspace(course: Path = ROOT) -> list[Path]:
    """Copy into the course's workspace every released file it does not hold yet; returns those added.

    The learner works in ``workspace/`` (a folder per notebook, as in ``notebooks/``):
    nbgrader regenerates the release folder, which would wipe answers kept there.
    A file already in the workspace is left alone, whatever its content, and nothing
    is deleted; hidden files (such as checkpoints) are not copied.
    """
    release, workspace = course / RELEASE, course / WORKSPACE
    added = []
    for source in sorted(release.rglob("*")):
        relative = source.relative_to(release)
        if source.is_file() and not any(part.startswith(".") for part in relative.parts):
            if _copy_new(source, workspace / relative):
                added.append(workspace / relative)
    return added


def lab_arguments(rest: list[str]) -> list[str]:
    """The ``jupyter lab`` command, run from the course root so that JupyterLab is rooted there.

    It opens showing the workspace, unless ``rest`` (the user's arguments) names
    another default URL: Jupyter refuses a setting given twice, so ours steps aside.
    """
    args = [str(BIN / "jupyter"), "lab", *rest]
    if not any("default_url" in arg or "default-url" in arg for arg in rest):
        args.append(f"--LabApp.default_url=/lab/tree/{WORKSPACE}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
        args.append("--allow-root")
    return args


def has_exchange(env: dict[str, str]) -> bool:
    """Whether an nbgrader exchange exists: nbgrader's default folder, or the one its config files set."""
    if EXCHANGE.is_dir():
        return True
    found = subprocess.run([str(PYTHON), "-c", EXCHANGE_ROOT], cwd=ROOT, env=env, capture_output=True, text=True)
    root = found.stdout.strip().splitlines()[-1:] if found.returncode == 0 else []
    return bool(root) and Path(root[0]).is_dir()


def lab_environment(env: dict[str, str]) -> dict[str, str]:
    """``env`` for JupyterLab: without an nbgrader exchange, with the self-study settings too.

    They turn off nbgrader's assignment and course lists (server and lab extensions), which
    need an exchange and would otherwise log and show errors (jupyter-self-study/README.md).
    Put first on JUPYTER_CONFIG_PATH, they come after only the user's own Jupyter settings.
    """
    if has_exchange(env):
        return env
    paths = [str(SELF_STUDY_CONFIG), env.get("JUPYTER_CONFIG_PATH", "")]
    return dict(env, JUPYTER_CONFIG_PATH=os.pathsep.join(filter(None, paths)))


def run_lab(args: list[str], env: dict[str, str]) -> int:
    """Run JupyterLab until it stops; returns its exit code.

    Ctrl+C reaches JupyterLab from the terminal (it shares our process group), which
    then asks for confirmation and shuts down its kernels: course.py only waits
    for it, rather than dying with a KeyboardInterrupt in the middle.
    """
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        return subprocess.run(args, cwd=ROOT, env=env).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    setup(EXTRAS[command])
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "lab":
        added = update_workspace()
        if added:
            print(f"Copied {len(added)} released file(s) into {ROOT / WORKSPACE}: work there "
                  f"({RELEASE}/ is regenerated by nbgrader).", flush=True)
        return run_lab(lab_arguments(rest), lab_environment(env))
    if command == "test":
        args = [str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "loadscope", *rest]
    elif command == "check":
        args = [str(PYTHON), "-m", "chainrule_reference.selfcheck", "--course", str(ROOT), *rest]
    else:
        args = [str(PYTHON), "benchmarks/run.py", *rest]
    return subprocess.run(args, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl+C during set-up
        sys.exit(130)
