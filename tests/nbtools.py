"""Helpers for tests that read, change, execute and grade the course's notebooks.

Everything here drives the real tools: nbformat, nbclient kernels and the
``nbgrader`` command line, in a temporary copy of the course.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
STUB = 'raise NotImplementedError("Write your implementation here.")'


def solution_path(assignment: str) -> Path:
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def release_path(assignment: str) -> Path:
    return ROOT / "notebooks" / assignment / f"{assignment}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_id(nb) -> dict[str, nbformat.NotebookNode]:
    """The notebook's nbgrader cells by grade id."""
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def solution_cells(nb) -> dict[str, str]:
    """Sources of the code solution cells by grade id (a written answer is graded by hand)."""
    return {gid: c.source for gid, c in cells_by_id(nb).items()
            if nbgrader_meta(c).get("solution") and c.cell_type == "code"}


def with_bodies(nb, bodies: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose solution cells named in ``bodies`` keep their header (signature and
    docstring, what precedes ``### BEGIN SOLUTION``) with a new body, e.g. ``STUB``."""
    cells = solution_cells(nb)
    return with_sources(nb, {gid: cells[gid].split("### BEGIN SOLUTION")[0] + body + "\n"
                             for gid, body in bodies.items()})


def partial(nb) -> nbformat.NotebookNode:
    """The lean ``nb`` (a solution) with every other answer cell back to the stub: a half-done submission."""
    return with_bodies(lean(nb), {gid: STUB for gid in list(solution_cells(nb))[::2]})


def graded_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """The graded test cells by grade id."""
    return {gid: c for gid, c in cells_by_id(nb).items()
            if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")}


def with_sources(nb, sources: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose solution cells named in ``sources`` get those sources."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in sources:
            cell.source = sources[gid]
    return nb


def lean(nb) -> nbformat.NotebookNode:
    """Only what grading depends on: the setup cell (the first code cell) and the nbgrader cells.

    Demos and figures go, so a batch of synthetic submissions grades quickly.
    """
    nb = nbformat.from_dict(nb)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    nb.cells = [c for c in nb.cells if c is setup or nbgrader_meta(c)]
    return nb


def isolated_env() -> dict[str, str]:
    """Environment for kernels and nbgrader: this venv first, no user-level Jupyter config."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    home = ROOT / ".pytest_cache" / "jupyter"
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("IPYTHONDIR", "ipython")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env.pop("JUPYTER_PATH", None)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # Kernels run side by side on few cores: one BLAS thread each avoids oversubscription.
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    return env


def execute(nb, cwd: Path, timeout: int = 60, allow_errors: bool = False) -> tuple[nbformat.NotebookNode, float]:
    """Run ``nb`` top to bottom in a fresh python3 kernel; returns it with outputs, and seconds."""
    nb = nbformat.from_dict(nb)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                     resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute(env=isolated_env())
    return nb, time.perf_counter() - start


def output_text(cell) -> str:
    """Everything a cell printed, its result and its error, as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "\n".join(parts)


def stderr_text(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr")


def errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a real ``nbgrader`` command in the course folder ``cwd``."""
    proc = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=cwd, env=isolated_env(),
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(tmp: Path, assignments: list[str]) -> Path:
    """A copy of the course (config and the given solution notebooks) in ``tmp``, released with nbgrader."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
    (tmp / "autograde").mkdir(exist_ok=True)
    for a in assignments:
        shutil.copytree(ROOT / "solutions" / a, tmp / "solutions" / a)
    pattern = assignments[0] if len(assignments) == 1 else "*"
    nbgrader("generate_assignment", pattern, "--force", cwd=tmp)
    return tmp


def submit(course: Path, student: str, assignment: str, nb) -> None:
    """File ``nb`` as ``student``'s submission, where ``nbgrader collect`` would put it."""
    folder = course / "autograde" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def autograded(course: Path, student: str, assignment: str) -> nbformat.NotebookNode:
    return read(course / "autograde" / "autograded" / student / assignment / f"{assignment}.ipynb")


def gradebook_scores(course: Path, assignment: str) -> dict[str, dict[str, tuple[float, float]]]:
    """From the real gradebook: student -> test grade id -> (score, max score)."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            nb = gb.find_submission_notebook(assignment, assignment, sub.student.id)
            scores[sub.student.id] = {g.name: (g.score, g.max_score) for g in nb.grades}
    return scores


def host_processes_named(name: str) -> list[int]:
    """Process ids on this machine whose name (``/proc/PID/comm``) is ``name``: a learner's process
    that renamed itself, to be found if it outlived its sandbox."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == name:
                found.append(int(entry))
        except OSError:
            pass
    return found
