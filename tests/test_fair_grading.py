"""Run what the learner ran: correct answers written the way a Jupyter user writes them keep their points
under the sandboxed grader, through a real `nbgrader autograde` of notebook 07 (docs/grading.md, "What the
grader runs of a notebook").

One submission per case: IPython magics and shell escapes in answer cells, a helper of the learner's own
in an ordinary cell, an answer cell that plots with matplotlib, NumPy array subclasses as results, and a
deleted exercise. Then the attacks on those new ways in: magics and `!` commands aimed at the gradebook, the
course and other students' files, matplotlib writing outside the sandbox's tmpfs, and helper cells that
hang; graded as root and, where the sandbox's defences matter, as an ordinary user.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from chainrule_reference.sandbox.process import Sandbox, _plotting_packages, isolation_level

from .nbtools import (autograded, cells_by_id, gradebook_scores, graded_cells, lean, make_course, nbgrader,
                      output_text, read, solution_cells, solution_path, submit, with_sources)
from .unprivileged import give_to_user, nbgrader_as_user, ordinary_env, ordinary_user_available

pytestmark = [pytest.mark.slow, pytest.mark.nb07]

ASSIGNMENT = "07-single-layer-network"
SOLUTION = lean(read(solution_path(ASSIGNMENT)))
RIGHT = solution_cells(SOLUTION)
POINTS = {gid: float(cell.metadata["nbgrader"]["points"]) for gid, cell in graded_cells(SOLUTION).items()}
needs_bubblewrap = pytest.mark.skipif(isolation_level() != "bubblewrap",
                                      reason="the 'process' level defends none of these attacks (docs/grading.md)")


def _with_cell_before(nb, grade_id: str, *sources: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with ordinary code cells holding ``sources`` just before the cell ``grade_id``."""
    nb = nbformat.from_dict(nb)
    at = nb.cells.index(cells_by_id(nb)[grade_id])
    nb.cells[at:at] = [new_code_cell(source) for source in sources]
    return nb


def _without(nb, *grade_ids: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in grade_ids]
    return nb


PLOT = ("import matplotlib.pyplot as plt\n\n" + RIGHT["relu_forward"] +
        "\nxs = np.linspace(-2, 2, 41)\nplt.plot(xs, relu_forward(xs)[0])\nplt.title('ReLU')\n"
        "plt.savefig('relu.png')\nplt.show()\n")

# One submission per case; each names the test cells that must keep every point.
CASES = {
    "magics": (with_sources(SOLUTION, {
        "relu_forward": RIGHT["relu_forward"] + "\n%timeit relu_forward(np.ones(3))\n!ls /\n%matplotlib inline\n"
                        "files = !ls\nrelu_forward?\n",
        "relu_backward": "%%time\n" + RIGHT["relu_backward"],
        "sgd_step": "%%capture captured\n" + RIGHT["sgd_step"]}),
        ["test_relu_forward", "test_relu_backward", "test_sgd_step"]),
    # relu_forward calls a helper of the learner's, which calls another; a slow demo cell is left alone.
    "helper": (_with_cell_before(
        with_sources(SOLUTION, {"relu_forward": "def relu_forward(x):\n    return relu_impl(x)\n"}),
        "relu_forward",
        "def keep_positive(x):\n    return np.maximum(x, 0)\n",
        "def relu_impl(x):\n    return keep_positive(x), x\n",
        "import time\ntime.sleep(1000)  # a demo cell: it defines nothing an answer cell uses\n"),
        ["test_relu_forward", "test_relu_backward"]),
    "plots": (with_sources(SOLUTION, {"relu_forward": PLOT}), ["test_relu_forward"]),
    "subclasses": (with_sources(SOLUTION, {
        "relu_forward": RIGHT["relu_forward"].replace("out = np.maximum(x, 0)",
                                                      "out = np.ma.masked_array(np.maximum(x, 0))"),
        "single_layer_loss_and_grads": RIGHT["single_layer_loss_and_grads"] +
        "\n_plain = single_layer_loss_and_grads\n\ndef single_layer_loss_and_grads(x, y, params):\n"
        "    J, grads = _plain(x, y, params)\n    return J, {k: np.asmatrix(v) for k, v in grads.items()}\n"}),
        ["test_relu_forward", "test_single_layer_loss_and_grads"]),
}
MASKED = with_sources(SOLUTION, {"relu_forward": RIGHT["relu_forward"].replace(
    "out = np.maximum(x, 0)", "out = np.ma.masked_equal(np.maximum(x, 0), 0)")})
DELETED = _without(SOLUTION, "single_layer_loss_and_grads", "test_single_layer_loss_and_grads")
# An ordinary helper cell that never ends: it costs sgd_step and what needs it (training), nothing else.
HANGS = _with_cell_before(
    with_sources(SOLUTION, {"sgd_step": RIGHT["sgd_step"].replace("value - lr * grads[key]",
                                                                  "clip(value - lr * grads[key])")}),
    "sgd_step", "def clip(v):\n    return v\n\nwhile True:\n    pass\n")


def _course(root: Path) -> Path:
    """A released copy of notebook 07 whose answer cells may take 3 s each (the hanging helper's cost)."""
    course = make_course(root, [ASSIGNMENT])
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxedGrades.cell_timeout = 3\n")
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every case's submission, the masked one, the deleted exercise and the hanging helper, autograded once."""
    course = _course(tmp_path_factory.mktemp("fair") / "course")
    submissions = {name: nb for name, (nb, _) in CASES.items()} | {"masked": MASKED, "deleted": DELETED,
                                                                      "hangs": HANGS}
    for student, nb in submissions.items():
        submit(course, student, ASSIGNMENT, nb)
    nbgrader("autograde", ASSIGNMENT, "--force", "--create", cwd=course)
    return course, _autograded_scores(gradebook_scores(course, ASSIGNMENT))


def _autograded_scores(scores: dict) -> dict:
    """The scores of the autograded test cells only: a written answer graded by hand (notebook 07's
    derivation) scores 0 until the instructor grades it, and is not what these tests are about."""
    return {student: {gid: s for gid, s in got.items() if gid in POINTS} for student, got in scores.items()}


def _message(course: Path, student: str, grade_id: str) -> str:
    return output_text(cells_by_id(autograded(course, student, ASSIGNMENT))[grade_id])


@pytest.mark.parametrize("case", list(CASES))
def test_a_correct_answer_written_the_jupyter_way_keeps_its_points(graded, case):
    """Magics and `!` commands, a helper cell of the learner's, a plot, or np.matrix and masked results
    with the right values: every affected test cell keeps all its points."""
    course, scores = graded
    for grade_id in CASES[case][1]:
        assert scores[case][grade_id] == (POINTS[grade_id], POINTS[grade_id]), _message(course, case, grade_id)


def test_masked_entries_fail_as_values_that_are_not_finite(graded):
    """A masked array whose masked entries hide the zeros of ReLU: those entries are judged as NaN."""
    course, scores = graded
    assert scores["masked"]["test_relu_forward"][0] == 0
    message = _message(course, "masked", "test_relu_forward").lower()
    assert "nan" in message or "finite" in message, message


def test_a_deleted_exercise_costs_only_its_own_points(graded):
    """Answer cell and test cell of single_layer_loss_and_grads deleted: 0 of its 3 points, the other 8 kept."""
    course, scores = graded
    got = scores["deleted"]
    assert got["test_single_layer_loss_and_grads"] == (0, 3)
    assert {gid: s for gid, s in got.items() if gid != "test_single_layer_loss_and_grads"} == \
        {gid: (p, p) for gid, p in POINTS.items() if gid != "test_single_layer_loss_and_grads"}
    assert "not defined" in _message(course, "deleted", "test_single_layer_loss_and_grads")


def test_a_hanging_helper_cell_costs_only_what_needs_it(graded):
    """The helper's cell is cut off after cell_timeout: sgd_step and the training tests that use it score
    0, every other test cell keeps its points."""
    _, scores = graded
    lost = {"test_sgd_step", "test_train_spiral", "test_train_digits"}
    assert {gid: s for gid, s in scores["hangs"].items() if gid not in lost} == \
        {gid: (p, p) for gid, p in POINTS.items() if gid not in lost}
    assert all(scores["hangs"][gid][0] == 0 for gid in lost)


# ---- attacks through magics, shell escapes and matplotlib ---------------------------------------------

def _attack(course: Path, marker: Path) -> nbformat.NotebookNode:
    """Magics and `!` commands that would copy the gradebook, read a classmate's submission and write into
    the course, and matplotlib writing beside the course and into its own packages. Each answer is right,
    so a magic that did anything else shows only on the host."""
    gradebook = course / "autograde" / "gradebook.db"
    classmate = course / "autograde" / "submitted" / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    shell = (f"!cp {gradebook} {marker}-gradebook\n!echo pwned > {marker}-shell\n!rm -f {gradebook}\n"
             f"%run {classmate}\n%save {marker}-save 1\n%logstart {marker}-log\n"
             f"stolen = !cat {classmate}\nget_ipython().system('touch {marker}-system')\n")
    plots = (f"import os, matplotlib, matplotlib.pyplot as plt\nplt.plot([0, 1])\n"
             f"for _path in ({str(marker) + '-plot.png'!r}, os.path.join(matplotlib.get_data_path(), 'pwned.png'),\n"
             f"              '/sandbox/PIL/pwned.png', '/sandbox/matplotlib/pwned.png'):\n"
             "    try:\n        plt.savefig(_path)\n    except OSError:\n        pass\n")
    return with_sources(SOLUTION, {"relu_forward": shell + RIGHT["relu_forward"],
                                   "relu_backward": plots + RIGHT["relu_backward"],
                                   "sgd_step": f"%%writefile {marker}-writefile\n" + RIGHT["sgd_step"]})


def _library_files() -> list[str]:
    """Every file of matplotlib and the packages the sandbox binds with it, as they are on the host."""
    return sorted(os.path.join(folder, name) for path in _plotting_packages().values()
                  for folder, _, names in os.walk(path) for name in names)


@pytest.fixture(scope="module", params=["root", "user"])
def attacked(request):
    """The attacker, then an honest classmate, autograded by nbgrader as root or as an ordinary user."""
    if request.param == "user" and (why := ordinary_user_available()):
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="chainrule-fair-"))
    root.chmod(0o755)
    try:
        course = _course(root / "course")
        marker = root / "pwned"
        submit(course, "attacker", ASSIGNMENT, _attack(course, marker))
        submit(course, "honest", ASSIGNMENT, SOLUTION)
        library = _library_files()
        args = ("autograde", ASSIGNMENT, "--force", "--create")
        if request.param == "root":
            run = nbgrader(*args, cwd=course, check=False)
        else:
            give_to_user(course)
            run = nbgrader_as_user(*args, cwd=course, env=ordinary_env(root / "home"))
        scores = _autograded_scores(gradebook_scores(course, ASSIGNMENT))
        yield {"run": run, "scores": scores, "litter": sorted(p.name for p in root.iterdir() if "pwned" in p.name),
               "course": course, "library": library}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@needs_bubblewrap
def test_magics_and_shell_escapes_do_nothing(attacked):
    """`!cp gradebook`, `!rm`, `%run` of a classmate's notebook, `%save`, `%logstart`, `%%writefile` and
    `get_ipython().system` neither read, write nor delete anything: the gradebook holds both students, the
    attacker's plain answers keep their points, the honest classmate keeps every point."""
    assert attacked["run"].returncode == 0, attacked["run"].stdout + attacked["run"].stderr
    scores = attacked["scores"]
    assert all(s == (POINTS[g], POINTS[g]) for g, s in scores["honest"].items()), scores["honest"]
    assert scores["attacker"]["test_relu_forward"] == (1, 1)
    assert scores["attacker"]["test_sgd_step"][0] == 0  # %%writefile does not run its body, as in IPython
    assert attacked["litter"] == [], attacked["litter"]


@needs_bubblewrap
def test_matplotlib_writes_nothing_outside_the_sandbox(attacked):
    """Figures saved beside the course or into matplotlib's own folders stay out: the attacker's plotting
    answer keeps its points, nothing new is on the host."""
    assert attacked["scores"]["attacker"]["test_relu_backward"] == (1, 1)
    assert attacked["library"] == _library_files()
    assert attacked["litter"] == []


@needs_bubblewrap
def test_a_plotting_sandbox_has_matplotlib_read_only_and_its_tmpfs_only(tmp_path):
    """In a plotting sandbox, matplotlib (Agg) finds the font list the grader built in its private
    configuration folder and plots into the private tmpfs; the host and matplotlib's folders are
    read-only or absent; without plotting, matplotlib is not there."""
    source = ("import os\nfonts = sorted(os.listdir(os.environ['MPLCONFIGDIR']))\n"
              "import matplotlib\nimport matplotlib.pyplot as plt\n"
              "def roam(paths):\n    plt.plot([1, 2])\n    plt.savefig('/tmp/ok.png')\n    found = {}\n"
              "    for path in paths:\n        try:\n            plt.savefig(path)\n            found[path] = 'written'\n"
              "        except OSError as err:\n            found[path] = type(err).__name__\n"
              "    return matplotlib.get_backend(), os.path.getsize('/tmp/ok.png') > 0, found\n")
    paths = [str(tmp_path / "outside.png"), "/sandbox/matplotlib/pwned.png", "/sandbox/PIL/pwned.png",
             "/sandbox/matplotlib/mpl-data/pwned.png"]
    with Sandbox(plotting=True) as box:
        box.request("exec", timeout=60, source=source, cell="plot")
        backend, plotted, found = box.request("call", timeout=60, target=box.request("lookup", name="roam"),
                                              args=[paths], kwargs={})
        fonts = box.request("lookup", name="fonts")
    assert [name for name in fonts if name.startswith("fontlist-v")], fonts
    assert backend.lower() == "agg" and plotted
    assert "written" not in found.values(), found
    assert not (tmp_path / "outside.png").exists()
    with Sandbox() as box, pytest.raises(ImportError):
        box.request("exec", timeout=20, source="import matplotlib", cell="no plots")
