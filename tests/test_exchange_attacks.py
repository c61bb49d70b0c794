"""Attacks on what crosses between learners and the instructor, through nbgrader's own commands and a
filesystem exchange (as in test_classroom_cycle.py), with the course's nbgrader_config.py:

- a learner replaces her submitted notebook in the exchange's inbound folder by a link to the
  instructor's solution notebook, adds a link to the gradebook and a named pipe: `nbgrader collect`
  refuses them (one warning line each) and collects the rest; she gets 0, no copy of the solution or
  the gradebook lands anywhere under autograde/, and her released feedback holds no solution;
- links put into autograde/submitted by hand: `nbgrader autograde` refuses those notebooks;
- a learner's markdown with a script and an event handler: the feedback HTML holds neither.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import nbformat
import pytest

from chainrule_reference.exchange import RefusedFile, copy_regular_tree

from .nbtools import ASSIGNMENTS, lean, make_course, nbgrader, read, solution_path
from .test_classroom_cycle import as_learner

pytestmark = [pytest.mark.slow, pytest.mark.nb01]

ASSIGNMENT = ASSIGNMENTS[0]
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SCRIPT = "<script>document.title = 'stolen'</script>"
HANDLER = "<img src=x onerror=\"document.title = 'stolen'\">"
LINK = "[click me](javascript:document.title='stolen')"


def _inbound(exchange: Path, learner: str) -> Path:
    """The learner's submission folder in the exchange."""
    (found,) = (exchange / "chainrule" / "inbound").glob(f"{learner}+{ASSIGNMENT}+*")
    return found


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def _scores(csv_path: Path) -> dict[str, tuple[float, float]]:
    with open(csv_path) as f:
        return {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(f)
                if r["assignment"] == ASSIGNMENT}


def _learner(learner: str, command: str, root: Path, exchange: Path) -> None:
    """``nbgrader <command>`` as ``learner`` in her home folder, with her own cache (on JupyterHub
    every learner has hers: the cache decides whose feedback ``fetch_feedback`` fetches)."""
    home = root / learner
    as_learner(learner, command, ASSIGNMENT, f"--Exchange.cache={home / '.nbgrader-cache'}", cwd=home,
               exchange=exchange)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """Release; alice submits the solution, eve the solution with hostile markdown, mallory the blank
    notebook and then swaps it, in the exchange, for links and a pipe; collect, autograde, feedback,
    release the feedback, and every learner fetches hers."""
    root = tmp_path_factory.mktemp("exchange-attacks")
    exchange = root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = make_course(root / "course", [ASSIGNMENT])
    nbgrader("release_assignment", ASSIGNMENT, f"--Exchange.root={exchange}", cwd=course)
    solution = lean(read(solution_path(ASSIGNMENT)))
    hostile = nbformat.from_dict(solution)
    hostile.cells.insert(1, nbformat.v4.new_markdown_cell(f"My **own words** {SCRIPT} {HANDLER} {LINK}"))
    for learner, nb in (("alice", solution), ("eve", hostile), ("mallory", None)):
        nbgrader("db", "student", "add", learner, cwd=course)  # the class list: every learner has a grade
        (root / learner).mkdir()
        _learner(learner, "fetch_assignment", root, exchange)
        if nb is not None:
            nbformat.write(nb, root / learner / ASSIGNMENT / NOTEBOOK)
        _learner(learner, "submit", root, exchange)
    inbound = _inbound(exchange, "mallory")
    (inbound / NOTEBOOK).unlink()
    (inbound / NOTEBOOK).symlink_to(course / "solutions" / ASSIGNMENT / NOTEBOOK)
    (inbound / "gradebook.db").symlink_to(course / "autograde" / "gradebook.db")
    os.mkfifo(inbound / "pipe")
    os.link(course / "solutions" / ASSIGNMENT / NOTEBOOK, inbound / "copy.ipynb")  # a second name of the file
    (inbound / "notes.txt").write_text("my notes\n")

    collect = nbgrader("collect", ASSIGNMENT, f"--Exchange.root={exchange}", cwd=course)
    autograde = nbgrader("autograde", ASSIGNMENT, "--create", cwd=course, check=False)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    nbgrader("release_feedback", ASSIGNMENT, f"--Exchange.root={exchange}", cwd=course)
    for learner in ("alice", "eve", "mallory"):
        _learner(learner, "fetch_feedback", root, exchange)
    nbgrader("export", "--to", str(root / "grades.csv"), cwd=course)
    return {"root": root, "course": course, "exchange": exchange, "collect": collect, "autograde": autograde,
            "scores": _scores(root / "grades.csv")}


def test_collect_refuses_links_and_pipes_and_names_them(cycle):
    log = cycle["collect"].stdout + cycle["collect"].stderr
    inbound = _inbound(cycle["exchange"], "mallory")
    for name, kind in ((NOTEBOOK, "a symbolic link"), ("gradebook.db", "a symbolic link"), ("pipe", "a named pipe"),
                       ("copy.ipynb", "a file with 1 other hard link(s)")):
        assert f"WARNING] Refused to collect {inbound / name} ({kind}): only regular files" in log, name
    submitted = cycle["course"] / "autograde" / "submitted" / "mallory" / ASSIGNMENT
    assert {"notes.txt", "timestamp.txt"} <= {p.name for p in submitted.iterdir()}
    assert not {NOTEBOOK, "gradebook.db", "pipe", "copy.ipynb"} & {p.name for p in submitted.iterdir()}


def test_nothing_of_the_instructor_lands_in_the_learners_folders(cycle):
    """No link, no copy of the solution notebook and no database anywhere in submitted, autograded or
    feedback, nor in what the learners fetched back; nothing of the solution in mallory's feedback."""
    course = cycle["course"]
    solution = (course / "solutions" / ASSIGNMENT / NOTEBOOK).read_bytes()
    folders = [course / "autograde" / step for step in ("submitted", "autograded", "feedback")]
    folders += [cycle["root"] / learner for learner in ("alice", "eve", "mallory")]
    for path in (p for folder in folders for p in _files(folder)):
        assert not path.is_symlink(), path
        content = path.read_bytes()
        assert content != solution and not content.startswith(b"SQLite format 3"), path
    mallory = [course / "autograde" / step / "mallory" for step in ("submitted", "autograded", "feedback")]
    for path in (p for folder in mallory + [cycle["root"] / "mallory"] if folder.exists() for p in _files(folder)):
        assert "BEGIN SOLUTION" not in path.read_text(errors="replace"), path


def test_the_attacker_gets_zero_and_the_honest_classmates_full_marks(cycle):
    scores = cycle["scores"]
    assert scores["mallory"][0] == 0
    for learner in ("alice", "eve"):
        assert scores[learner][0] == scores[learner][1] > 0, learner
    feedback = cycle["root"] / "alice" / ASSIGNMENT / "feedback"
    assert [p.name for p in _files(feedback) if p.suffix == ".html"] == [f"{ASSIGNMENT}.html"]
    assert not (cycle["root"] / "mallory" / ASSIGNMENT / "feedback").exists()


def test_feedback_holds_no_learner_script(cycle):
    """eve's markdown reaches her feedback as text: no script, no event handler, no javascript: link;
    her ordinary markdown still shows."""
    (html_path,) = [p for p in _files(cycle["root"] / "eve" / ASSIGNMENT / "feedback") if p.suffix == ".html"]
    html = html_path.read_text()
    assert "My <strong>own words</strong>" in html
    assert "document.title" in html  # the attempt shows, as text
    assert "<script>document.title" not in html and "onerror=" not in html
    assert "javascript:document" not in html


def test_links_put_into_submitted_by_hand_are_not_followed(cycle):
    """A notebook that is a link, or sits beside one, in autograde/submitted is not graded; nbgrader
    removes what it had copied for it, and the log names the links."""
    course = cycle["course"]
    submitted = course / "autograde" / "submitted"
    (submitted / "trudy" / ASSIGNMENT).mkdir(parents=True)
    (submitted / "trudy" / ASSIGNMENT / NOTEBOOK).symlink_to(course / "solutions" / ASSIGNMENT / NOTEBOOK)
    (submitted / "oscar" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(lean(read(solution_path(ASSIGNMENT))), submitted / "oscar" / ASSIGNMENT / NOTEBOOK)
    (submitted / "oscar" / ASSIGNMENT / "gradebook.db").symlink_to(course / "autograde" / "gradebook.db")
    run = nbgrader("autograde", ASSIGNMENT, "--create", "--student", "trudy", cwd=course, check=False)
    run2 = nbgrader("autograde", ASSIGNMENT, "--create", "--student", "oscar", cwd=course, check=False)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    log = run.stdout + run.stderr + run2.stdout + run2.stderr
    assert f"{NOTEBOOK} (a symbolic link)" in log and "gradebook.db (a symbolic link)" in log
    for learner in ("trudy", "oscar"):
        for step in ("autograded", "feedback"):
            assert not (course / "autograde" / step / learner).exists() or not _files(
                course / "autograde" / step / learner), (learner, step)


def test_formgrader_pages_hold_no_learner_script(cycle, monkeypatch):
    """The formgrader renders a submission with an HTMLExporter built from the course's config and its
    own 'formgrade' template (as FormgradeExtension does): eve's markdown is text there too."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    monkeypatch.chdir(cycle["course"])
    app = NbGrader()
    app.load_config_file()
    config = app.config
    config.merge(FormgradeExtension(config=config).build_extra_config())
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": ASSIGNMENT, "submission_id": "1", "index": 0,
                 "total": 1, "base_url": "", "student": "eve", "last_name": None, "first_name": None,
                 "notebook_path": "eve"}
    html, _ = HTMLExporter(config=config).from_filename(
        str(cycle["course"] / "autograde" / "autograded" / "eve" / ASSIGNMENT / NOTEBOOK), resources=resources)
    assert "formgrade" in html and "My <strong>own words</strong>" in html
    assert "<script>document.title" not in html and "onerror=" not in html and "javascript:document" not in html


def test_a_submission_is_copied_regular_files_only_and_within_its_limits(tmp_path):
    """copy_regular_tree, which collect uses: folders and regular files come, links and files over the
    per-file limit are refused by name, and a submission over the total is refused whole."""
    source = tmp_path / "submission"
    (source / "data" / "deeper").mkdir(parents=True)
    (source / "answer.ipynb").write_bytes(b"a" * 100)
    (source / "data" / "deeper" / "table.csv").write_bytes(b"b" * 100)
    (source / "data" / "huge.bin").write_bytes(b"c" * 1000)
    (source / "data" / "secret").symlink_to(tmp_path)
    refused = copy_regular_tree(str(source), tmp_path / "copy", max_file_bytes=500, max_total_bytes=10_000)
    assert refused == ["data/huge.bin (larger than 500 bytes)", "data/secret (a symbolic link)"]
    assert sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*")) == [
        "answer.ipynb", "data", "data/deeper", "data/deeper/table.csv"]
    with pytest.raises(RefusedFile, match="more than 150 bytes in all"):
        copy_regular_tree(str(source), tmp_path / "second", max_file_bytes=500, max_total_bytes=150)
    (tmp_path / "linked").symlink_to(source)
    with pytest.raises(RefusedFile, match="a symbolic link"):
        copy_regular_tree(str(tmp_path / "linked"), tmp_path / "third", max_file_bytes=500, max_total_bytes=10_000)
