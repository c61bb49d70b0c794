"""Attacks on other students, on the grader and on the instructor's data, through the tools an instructor
uses: `nbgrader autograde` with the course's config and `chainrule grade --jobs 2` (with its gradebook
outside the course, as docs/jupyterhub.md suggests), each run as root and as an ordinary user.

One class of notebook 01: every attacker hands in a notebook built to harm someone else, to score
without work, or to leak what it should not see; two honest classmates, graded after them, hand in the
solution. The defences are the sandbox's (bubblewrap: its own PID namespace, an allow-list file system,
private tmpfs, no network), so at the "process" level (no bubblewrap) the whole module is skipped:
that level defends none of this, and says so (docs/grading.md).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from chainrule_reference.sandbox.process import isolation_level

from .nbtools import (ASSIGNMENTS, autograded, graded_cells, host_processes_named, isolated_env, lean, make_course,
                      nbgrader, output_text, read, release_path, solution_path, submit, with_sources)
from .unprivileged import chainrule_as_user, give_to_user, nbgrader_as_user, ordinary_env, ordinary_user_available

pytestmark = [pytest.mark.slow, pytest.mark.nb01,
              pytest.mark.skipif(isolation_level() != "bubblewrap",
                                 reason="needs bubblewrap: the 'process' level defends none of these attacks")]

ASSIGNMENT = ASSIGNMENTS[0]
VICTIM = "sigmoid_grad"
HEADER = "import numpy as np\n\ndef sigmoid_grad(z):\n"
RIGHT = "    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)\n"
DAEMON_NAME = "cr-attacker"
LEAK = "LEAKED:"

# A process that outlives its cell (double fork, new session) and, for 20 s, stops and kills every
# sandbox and grader process it can see, reads their memory, command lines and environments, and rewrites
# every gradebook it can find (GRADEBOOKS is filled in per run). The attacker's own function is right.
# Its targets are named, not "everything": where a sandbox failed, it must not take down the machine
# that runs the tests (as root, kill(-1) would).
DAEMON = f"""
import ctypes, os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, {DAEMON_NAME!r}.encode(), 0, 0, 0)
        end = time.time() + 20
        while time.time() < end:
            for pid in [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
                command = b''
                try:
                    command = open(f'/proc/{{pid}}/cmdline', 'rb').read()
                    open(f'/proc/{{pid}}/environ', 'rb').read(4096)
                    open(f'/proc/{{pid}}/mem', 'rb').read(4096)
                except OSError:
                    pass
                if not any(word in command for word in (b'child.py', b'nbgrader', b'bin/chainrule')):
                    continue
                for sig in (signal.SIGSTOP, signal.SIGKILL):
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
            for path in GRADEBOOKS:
                try:
                    open(path, 'r+b').write(b'not a database any more')
                except OSError:
                    pass
            time.sleep(0.05)
    os._exit(0)
"""

# Reads the solutions of another copy of the course on the machine (OTHER_COPY) and runs them.
THIEF = """
import json
for cell in json.load(open(OTHER_COPY))['cells']:
    if cell.get('metadata', {}).get('nbgrader', {}).get('solution') and cell['cell_type'] == 'code':
        exec(''.join(cell['source']), globals())
"""

# Puts whatever it can read about the grader into its own feedback, through an exception.
SNOOP = f"""    import os
    found = []
    for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
        for what in ('cmdline', 'environ'):
            try:
                found.append(open(f'/proc/{{pid}}/{{what}}', 'rb').read().decode(errors='replace'))
            except OSError:
                pass
    for path in ['/etc/passwd', '/proc/self/mountinfo']:
        try:
            found.append(open(path).read())
        except OSError:
            pass
    raise ValueError({LEAK!r} + ' | '.join(found))
"""

TMP_MARKER = f"chainrule-attack-{os.getpid()}"


def _attacks(gradebooks: list[str], other_copy: str) -> dict[str, dict[str, str]]:
    """student -> answer cells to replace (grade id -> source), on top of the solution or the blank release."""
    return {
        "daemon": {VICTIM: HEADER + RIGHT + DAEMON.replace("GRADEBOOKS", repr(gradebooks))},
        "parentkiller": {VICTIM: HEADER + "    import os, signal\n    try:\n"
                                          "        os.kill(os.getppid(), signal.SIGKILL)\n"
                                          "    except OSError:\n        pass\n" + RIGHT},
        "thief": {"tanh_grad": THIEF.replace("OTHER_COPY", repr(other_copy))},  # on the blank release
        "snoop": {VICTIM: HEADER + SNOOP},
        "litterer": {VICTIM: HEADER + "    import os\n    for folder in ('/tmp', '/var/tmp', '/dev/shm', '.'):\n"
                                      f"        open(os.path.join(folder, {TMP_MARKER!r}), 'w').write('x' * 1000)\n"
                     + RIGHT},
        # The course's own numerical derivative, unwrapped from its guard, with the guard's flag reset.
        "unwrapper": {VICTIM: HEADER + "    import chainrule.checking, chainrule.gradcheck as g\n"
                                       "    chainrule.checking._learner_depth = -1000\n"
                                       "    f = getattr(g.num_derivative, '__wrapped__', g.num_derivative)\n"
                                       "    return f(lambda v: 1 / (1 + np.exp(-v)), z)\n"},
    }


HONEST = ("zz-honest-1", "zz-honest-2")  # graded after every attacker (students go in name order)


def _notebook(student: str, cells: dict[str, str]):
    base = read(release_path(ASSIGNMENT)) if student == "thief" else read(solution_path(ASSIGNMENT))
    return with_sources(lean(base), cells)


def _scores(db: Path) -> dict[str, tuple[float, float]]:
    """student -> (score, max score) of the assignment, from the real gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        return {sub.student.id: (sub.score, sub.max_score) for sub in gb.assignment_submissions(ASSIGNMENT)}


@pytest.fixture(scope="module", params=[("root", "nbgrader"), ("root", "chainrule"), ("ordinary", "nbgrader"),
                                        ("ordinary", "chainrule")], ids=lambda p: f"{p[0]}-{p[1]}")
def attacked(request):
    """The class above, graded by one tool as one kind of user; what the run left behind."""
    who, tool = request.param
    if who == "ordinary" and (why := ordinary_user_available()):
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="chainrule-attacks-"))
    root.chmod(0o755)  # the ordinary user must reach the course, and so could the attacker's code
    try:
        yield _grade_class(root, who, tool)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _grade_class(root: Path, who: str, tool: str) -> dict:
    other = make_course(root / "last-term", [ASSIGNMENT])  # another copy of the course, readable by all
    other_copy = str(other / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    course = make_course(root / "course", [ASSIGNMENT])
    elsewhere = root / "gradebooks" / "elsewhere.db"  # chainrule grade --db-url: outside the course
    elsewhere.parent.mkdir()
    db = elsewhere if tool == "chainrule" else course / "autograde" / "gradebook.db"
    attacks = _attacks([str(db), str(elsewhere), str(course / "autograde" / "gradebook.db")], other_copy)
    notebooks = {s: _notebook(s, cells) for s, cells in attacks.items()}
    notebooks |= {s: lean(read(solution_path(ASSIGNMENT))) for s in HONEST}
    export = root / "export"
    if tool == "nbgrader":
        for student, nb in notebooks.items():
            submit(course, student, ASSIGNMENT, nb)
        args = ["autograde", ASSIGNMENT, "--force", "--create"]
    else:
        export.mkdir()
        with zipfile.ZipFile(export / "export.zip", "w") as zf:
            for i, (student, nb) in enumerate(sorted(notebooks.items())):
                zf.writestr(f"{student.replace('-', '')}_{100 + i}_{200 + i}_{ASSIGNMENT}.ipynb", nbformat.writes(nb))
        args = ["grade", str(export / "export.zip"), "--jobs", "2", "--no-progress", "--db-url", f"sqlite:///{db}"]
    began = time.monotonic()
    if who == "root":
        run = (nbgrader(*args, cwd=course, check=False) if tool == "nbgrader" else
               _run_chainrule(args, course))
    else:
        for folder in (course, elsewhere.parent, export if export.exists() else course):
            give_to_user(folder)
        env = ordinary_env(root / "home")
        run = (nbgrader_as_user(*args, cwd=course, env=env) if tool == "nbgrader" else
               chainrule_as_user(*args, cwd=course, env=env))
    seconds = time.monotonic() - began
    time.sleep(1)  # what a surviving daemon would do after the grader is gone, it would have begun by now
    survivors = host_processes_named(DAEMON_NAME)
    litter = [f for f in ("/tmp", "/var/tmp", "/dev/shm") if os.path.exists(os.path.join(f, TMP_MARKER))]
    return {"course": course, "tool": tool, "who": who, "run": run, "seconds": seconds, "db": db,
            "scores": _scores(db), "survivors": survivors, "litter": litter, "elsewhere": elsewhere}


def _run_chainrule(args: list[str], course: Path) -> subprocess.CompletedProcess:
    """The course's ``chainrule`` console script, run as root; its exit code is the test's to judge."""
    return subprocess.run([str(Path(sys.executable).parent / "chainrule"), *args], cwd=course, env=isolated_env(),
                          capture_output=True, text=True, timeout=900)


def _student(scores: dict, name: str) -> tuple[float, float]:
    """The scores of ``name``, whatever id the tool gave the student (chainrule grade keeps LMS ids)."""
    key = name.replace("-", "")
    found = [v for s, v in scores.items() if s.replace("-", "").startswith(key)]
    assert len(found) == 1, (name, sorted(scores))
    return found[0]


def _feedback_texts(result: dict, name: str) -> str:
    """Everything the grader wrote for ``name`` that a learner or instructor may read: the autograded
    notebook's outputs and metadata, and for chainrule grade its JSON report."""
    course = result["course"]
    texts = []
    for folder in (course / "autograde" / "autograded").iterdir():
        if folder.name.replace("-", "").startswith(name.replace("-", "")):
            nb = autograded(course, folder.name, ASSIGNMENT)
            texts += [output_text(c) for c in nb.cells] + [json.dumps(nb.metadata.get("chainrule_grading", {}))]
    results = course / "autograde" / "results" / "students"
    if results.is_dir():
        texts += [p.read_text() for p in results.iterdir() if p.name.replace("-", "").startswith(name.replace("-", ""))]
    return "\n".join(texts)


def test_the_run_finishes_and_grades_everyone(attacked):
    """Killing the grader's parent (or everything it may signal) ends only the attacker's own process:
    the run ends normally and every student is in the gradebook."""
    run = attacked["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert len(attacked["scores"]) == 8, attacked["scores"]


def test_honest_classmates_keep_every_point(attacked):
    """A process left behind by an earlier student stops and kills every process it can see, and rewrites
    every gradebook it can find: later students still get full marks, from an intact gradebook."""
    for name in HONEST:
        score, full = _student(attacked["scores"], name)
        assert score == full > 0, (name, attacked["scores"])


def test_no_process_of_a_learner_outlives_grading(attacked):
    assert attacked["survivors"] == []


def test_nothing_is_left_in_the_hosts_temporary_folders(attacked):
    assert attacked["litter"] == []


def test_another_copy_of_the_course_is_out_of_reach(attacked):
    """A blank notebook that runs the solutions of another course copy on the machine scores nothing."""
    assert _student(attacked["scores"], "thief")[0] == 0


def test_the_course_numerical_tools_cannot_be_unwrapped(attacked):
    """Unwrapping the guard of chainrule's num_derivative and resetting its flag costs the test's points."""
    points = graded_cells(read(solution_path(ASSIGNMENT)))[f"test_{VICTIM}"].metadata.nbgrader["points"]
    score, full = _student(attacked["scores"], "unwrapper")
    assert score == full - points, attacked["scores"]
    assert "graded functions must compute their answer themselves" in _feedback_texts(attacked, "unwrapper")


def test_learner_code_reads_nothing_of_the_grader(attacked):
    """Command lines and environments of every process it can see, /etc/passwd, the mount table:
    none of it names the gradebook, the course or the grader's accounts in the feedback."""
    text = _feedback_texts(attacked, "snoop")
    assert LEAK in text or "snoop" in text
    for secret in ("elsewhere.db", "gradebook.db", str(attacked["course"]), "root:x:0:0", "nbgrader"):
        assert secret not in text, secret
