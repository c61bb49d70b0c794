"""`chainrule grade SUBMISSIONS`: a learning-management system's export, filed, graded in parallel
and reported; run through the real console script on a real course and gradebook."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from chainrule_reference.classgrade import find_submissions, student_id

from .nbtools import ASSIGNMENTS, isolated_env, make_course, nbgrader, partial, read, release_path, solution_path

pytestmark = pytest.mark.slow

CLASS = ASSIGNMENTS[:2]  # two notebooks keep the class quick; the benchmark grades all of them


def _chainrule(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(Path(sys.executable).parent / "chainrule"), *args], cwd=cwd, env=isolated_env(),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _write(path: Path, nb_or_text) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb_or_text if isinstance(nb_or_text, str) else nbformat.writes(nb_or_text))


# ---- filing ---------------------------------------------------------------------------------------

def test_lms_names_are_filed_by_student_and_assignment(tmp_path):
    a, b = CLASS
    nb = nbformat.writes(read(solution_path(a)))
    files = {
        f"smithjane_48213_90817_{a}.ipynb": nb,                       # Canvas
        f"doejohn_late_48214_90818_{b}.ipynb": nb,                    # Canvas, late
        f"Ann Lee_48215_assignsubmission_file_/{a}.ipynb": nb,        # Moodle: a folder per student
        f"Ann Lee_48215_assignsubmission_file_/{b.replace('-', '_')}.ipynb": nb,
        f"kimlee_1_2_{a}-1.ipynb": nb,                                # resubmission, older
        f"kimlee_1_3_{a}-2.ipynb": nb,                                # resubmission, newer: used
        "kimlee_1_4_notes.ipynb": nb,                                 # no assignment in the name
        f"kimlee_1_5_{a}.txt": "not a notebook",
        f".ipynb_checkpoints/smithjane_{a}-checkpoint.ipynb": nb,     # editor debris: ignored
    }
    for name, content in files.items():
        _write(tmp_path / name, content)
    older, newer = tmp_path / f"kimlee_1_2_{a}-1.ipynb", tmp_path / f"kimlee_1_3_{a}-2.ipynb"
    os.utime(older, (time.time() - 3600,) * 2)
    filed = find_submissions(tmp_path, ASSIGNMENTS)
    assert {k: p.name for k, p in filed.files.items()} == {
        ("smithjane", a): f"smithjane_48213_90817_{a}.ipynb",
        ("doejohn", b): f"doejohn_late_48214_90818_{b}.ipynb",
        ("ann-lee", a): f"{a}.ipynb",
        ("ann-lee", b): f"{b.replace('-', '_')}.ipynb",
        ("kimlee", a): newer.name,
    }
    assert len(filed.unrecognised) == 2 and len(filed.superseded) == 1
    assert student_id("  Zoë O'Neil ") == "zo-o-neil"


def test_a_zip_member_outside_the_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.ipynb", "{}")
    course = make_course(tmp_path / "course", CLASS[:1])
    proc = subprocess.run([str(Path(sys.executable).parent / "chainrule"), "grade", str(archive), "--no-progress"],
                          cwd=course, env=isolated_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "outside the folder" in proc.stderr
    assert not (tmp_path / "escaped.ipynb").exists()


# ---- a class, end to end --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Four students over two notebooks, exported as a zip: complete, partial, blank, and one
    whose second notebook is not JSON. Graded twice, into two result folders."""
    root = tmp_path_factory.mktemp("classgrade")
    course = make_course(root / "course", CLASS)
    archive = root / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i, assignment in enumerate(CLASS):
            zf.writestr(f"complete_1_{i}_{assignment}.ipynb", nbformat.writes(read(solution_path(assignment))))
            zf.writestr(f"partial_2_{i}_{assignment}.ipynb", nbformat.writes(partial(read(solution_path(assignment)))))
            zf.writestr(f"blank_3_{i}_{assignment}.ipynb", nbformat.writes(read(release_path(assignment))))
            zf.writestr(f"broken_4_{i}_{assignment}.ipynb",
                        "{not json" if i else nbformat.writes(read(solution_path(assignment))))
    first = _chainrule("grade", str(archive), "--out", "results1", "--jobs", "2", "--no-progress", cwd=course)
    second = _chainrule("grade", str(archive), "--out", "results2", "--jobs", "2", "--no-progress", cwd=course)
    return course, first.stdout, second.stdout


def _grades(folder: Path) -> dict[tuple[str, str], dict]:
    with open(folder / "grades.csv") as f:
        return {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}


def test_summary_counts_every_notebook(graded):
    _, out, _ = graded
    assert "4 students, 8 notebooks: 7 graded, 1 failed, 0 missing" in out
    assert f"failed: broken/{CLASS[1]}: nbformat.reader.NotJSONError" in out


def test_grades_table_ranks_the_class(graded):
    course, _, _ = graded
    grades = _grades(course / "results1")
    for assignment in CLASS:
        full = float(grades[("complete", assignment)]["max_score"])
        assert float(grades[("complete", assignment)]["score"]) == full > 0
        assert 0 < float(grades[("partial", assignment)]["score"]) < full
        assert float(grades[("blank", assignment)]["score"]) == 0
    assert grades[("broken", CLASS[1])]["status"] == "failed" and "NotJSONError" in grades[("broken", CLASS[1])]["error"]
    assert grades[("broken", CLASS[0])]["score"] == grades[("complete", CLASS[0])]["score"]


def test_grades_agree_with_nbgrader_export(graded):
    """The gradebook holds the same grades: nbgrader's own export reads them back."""
    course, _, _ = graded
    nbgrader("export", "--to", "export.csv", cwd=course)
    with open(course / "export.csv") as f:
        exported = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in csv.DictReader(f)}
    for key, row in _grades(course / "results1").items():
        if row["status"] == "graded":
            assert exported[key] == float(row["score"]), key


def test_student_results_and_feedback(graded):
    course, _, _ = graded
    record = json.loads((course / "results1" / "students" / "partial.json").read_text())
    entry = record["assignments"][CLASS[0]]
    failing = [c for c in entry["cells"].values() if c["score"] < c["max_score"]]
    assert failing and all("not implemented yet" in c["message"] for c in failing)
    assert all("all" in c["message"] and "passed" in c["message"]
               for c in entry["cells"].values() if c["score"] == c["max_score"])
    html = (course / "results1" / entry["feedback"]).read_text()
    assert "not implemented yet" in html and "<html" in html.lower()
    broken = json.loads((course / "results1" / "students" / "broken.json").read_text())
    assert broken["assignments"][CLASS[1]]["status"] == "failed" and "feedback" not in broken["assignments"][CLASS[1]]


def test_a_second_run_gives_identical_results(graded):
    course, _, _ = graded
    assert (course / "results1" / "grades.csv").read_text() == (course / "results2" / "grades.csv").read_text()
    for path in (course / "results1" / "students").iterdir():
        assert path.read_text() == (course / "results2" / "students" / path.name).read_text(), path.name


def test_another_database_is_honoured(tmp_path):
    """--db-url puts the gradebook where it says (here another SQLite file, outside the course);
    nbgrader takes any SQLAlchemy URL, PostgreSQL and MySQL included."""
    from nbgrader.api import Gradebook

    course = make_course(tmp_path / "course", CLASS[:1])
    export = tmp_path / "export"
    _write(export / f"complete_1_1_{CLASS[0]}.ipynb", read(solution_path(CLASS[0])))
    other = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    _chainrule("grade", str(export), "--db-url", other, "--no-progress", cwd=course)
    with Gradebook(other) as gb:
        assert gb.find_submission(CLASS[0], "complete").score == gb.find_assignment(CLASS[0]).max_score > 0
    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        assert gb.students == []
