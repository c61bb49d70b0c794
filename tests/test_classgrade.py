"""`chainrule grade SUBMISSIONS`: a learning-management system's export, filed, graded in parallel
and reported; run through the real console script on a real course and gradebook. Also what it
refuses: students of the same name kept apart, zip members and folder entries that are links, too big
or outside the folder, results folders it did not write, learner scripts in feedback."""
from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from chainrule_reference.classgrade import (Progress, ZipLimits, find_submissions, open_gradebook, student_id,
                                            unzip)
from chainrule_reference.sandbox.process import PROCESS_LEVEL_WARNING, isolation_level

from .nbtools import (ASSIGNMENTS, isolated_env, lean, make_course, nbgrader, partial, read, release_path,
                      solution_path)

pytestmark = pytest.mark.slow

CLASS = ASSIGNMENTS[:2]  # two notebooks keep the class quick; the benchmark grades all of them
FIRST = CLASS[0]
MiB = 1 << 20


def _chainrule(*args: str, cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(Path(sys.executable).parent / "chainrule"), *args], cwd=cwd,
                          env=env or isolated_env(), capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _write(path: Path, nb_or_text) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb_or_text if isinstance(nb_or_text, str) else nbformat.writes(nb_or_text))


def _grades(folder: Path) -> dict[tuple[str, str], dict]:
    with open(folder / "grades.csv") as f:
        return {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}


def _full(row: dict) -> bool:
    return row["status"] == "graded" and float(row["score"]) == float(row["max_score"]) > 0


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` and its content."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


SOLUTION = nbformat.writes(lean(read(solution_path(FIRST))))
BLANK = nbformat.writes(read(release_path(FIRST)))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One course copy (the first notebook) for the tests below that each grade a few students."""
    return make_course(tmp_path_factory.mktemp("course1") / "course", [FIRST])


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
        f"王伟_48216_90819_{a}.ipynb": nb,                             # a name in another script
        f"Zoë Li/{a}.ipynb": nb,                                      # a folder per student, no LMS id
        f"Zoé Li/{a}.ipynb": nb,
    }
    for name, content in files.items():
        _write(tmp_path / name, content)
    older, newer = tmp_path / f"kimlee_1_2_{a}-1.ipynb", tmp_path / f"kimlee_1_3_{a}-2.ipynb"
    os.utime(older, (time.time() - 3600,) * 2)
    filed = find_submissions(tmp_path, ASSIGNMENTS)
    assert {k: p.name for k, p in filed.files.items()} == {
        ("smithjane_48213", a): f"smithjane_48213_90817_{a}.ipynb",
        ("doejohn_48214", b): f"doejohn_late_48214_90818_{b}.ipynb",
        ("ann-lee_48215", a): f"{a}.ipynb",
        ("ann-lee_48215", b): f"{b.replace('-', '_')}.ipynb",
        ("kimlee_1", a): newer.name,
        ("王伟_48216", a): f"王伟_48216_90819_{a}.ipynb",
        ("zoë-li", a): f"{a}.ipynb",
        ("zoé-li", a): f"{a}.ipynb",
    }
    assert sorted(filed.skipped) == ["kimlee_1_4_notes.ipynb (no assignment name in the file name)",
                                     f"kimlee_1_5_{a}.txt (not a notebook)"]
    assert filed.superseded == [f"{older.name} (a newer file of kimlee_1 for {a} was used)"]


def test_student_ids_keep_every_name_and_lose_only_what_is_unsafe():
    assert student_id("  Zoë O'Neil ") == "zoë-oneil"
    assert student_id("Zoe\u0308 Li") == student_id("Zoë Li") != student_id("Zoé Li")  # NFD and NFC alike
    assert student_id("John Smith", "1001") != student_id("John Smith", "1002")
    assert student_id("王伟") == "王伟" and student_id("ÅSA", "7") == "åsa_7"
    assert student_id("../.hidden/x\x00y") == "hiddenxy"
    assert student_id("a*b?[c]") == "abc" and student_id("<b onload=x>") == "b-onloadx"
    assert student_id("", "48213") == "48213" and student_id("...") == ""


def test_zip_members_are_bounded_in_count_and_in_total(tmp_path):
    """Members beyond the count, and those that would take the whole over its total, are skipped
    (each with a line); the archive is never given up."""
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(6):
            zf.writestr(f"s{i}_{i}_{FIRST}.ipynb", b"x" * 1000)
    into = tmp_path / "out"
    into.mkdir()
    skipped = unzip(archive, into, ZipLimits(member_bytes=1500, members=5, total_bytes=3500))
    assert sorted(p.name for p in into.iterdir()) == [f"s{i}_{i}_{FIRST}.ipynb" for i in range(3)]
    assert skipped == ["1 members after the first 5 (too many in one archive)",
                       f"s3_3_{FIRST}.ipynb (the archive is over 0 MiB uncompressed)",
                       f"s4_4_{FIRST}.ipynb (the archive is over 0 MiB uncompressed)"]


def _zip_with_lying_member(path: Path, name: str, real: bytes, declared: int) -> None:
    """Add to the zip ``path`` a member ``name`` that holds ``real`` but declares ``declared`` bytes
    uncompressed (in its local header and in the central directory)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, real)
    data, encoded = bytearray(path.read_bytes()), name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_at:start + name_at + len(encoded)] == encoded:
                data[start + size_at:start + size_at + 4] = declared.to_bytes(4, "little")
            start = data.find(signature, start + 1)
    path.write_bytes(bytes(data))


def test_hostile_zip_members_are_skipped_and_the_class_is_graded(course, tmp_path):
    """A zip bomb, a member that lies about its size, links, names that lead outside the folder:
    each is skipped with a line saying why; nothing is written outside; the honest student is graded."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"honest_1_1_{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"bomb_2_2_{FIRST}.ipynb", b"0" * (21 * MiB))
        zf.writestr(f"../escaped_3_3_{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"x/../dotdot_4_4_{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"/absolute_5_5_{FIRST}.ipynb", SOLUTION)
        link = zipfile.ZipInfo(f"link_6_6_{FIRST}.ipynb")
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(course / "solutions" / FIRST / f"{FIRST}.ipynb"))
    _zip_with_lying_member(archive, f"liar_7_7_{FIRST}.ipynb", b"1" * (21 * MiB), declared=1000)
    proc = _chainrule("grade", str(archive), "--out", str(tmp_path / "results"), "--no-progress", cwd=course)
    out = proc.stdout
    for line in (f"skipped: bomb_2_2_{FIRST}.ipynb (larger than 20 MiB uncompressed)",
                 f"skipped: ../escaped_3_3_{FIRST}.ipynb (its name leads outside the folder)",
                 f"skipped: x/../dotdot_4_4_{FIRST}.ipynb (its name leads outside the folder)",
                 f"skipped: /absolute_5_5_{FIRST}.ipynb (its name leads outside the folder)",
                 f"skipped: link_6_6_{FIRST}.ipynb (a symbolic link)",
                 f"skipped: liar_7_7_{FIRST}.ipynb (could not be extracted: "):
        assert line in out, (line, out)
    assert "1 students, 1 notebooks: 1 graded" in out
    assert _full(_grades(tmp_path / "results")[("honest_1", FIRST)])
    assert not list(Path(tempfile.gettempdir()).glob("escaped_3_3*"))
    assert not Path(f"/absolute_5_5_{FIRST}.ipynb").exists()


def test_links_and_special_files_in_an_export_folder_are_skipped(course, tmp_path):
    """An export folder's links (to files or folders) and named pipes are never followed: a line each."""
    export = tmp_path / "export"
    _write(export / f"honest_1_1_{FIRST}.ipynb", SOLUTION)
    (export / f"linker_2_2_{FIRST}.ipynb").symlink_to(course / "solutions" / FIRST / f"{FIRST}.ipynb")
    (export / "Linked Folder_3_assignsubmission_file_").symlink_to(course / "solutions" / FIRST)
    os.mkfifo(export / f"piper_4_4_{FIRST}.ipynb")
    proc = _chainrule("grade", str(export), "--out", str(tmp_path / "results"), "--no-progress", cwd=course)
    for line in (f"skipped: linker_2_2_{FIRST}.ipynb (a symbolic link)",
                 "skipped: Linked Folder_3_assignsubmission_file_ (a symbolic link)",
                 f"skipped: piper_4_4_{FIRST}.ipynb (a named pipe)"):
        assert line in proc.stdout, (line, proc.stdout)
    assert set(_grades(tmp_path / "results")) == {("honest_1", FIRST)}


# ---- students of the same name, names in any script, feedback, the weak sandbox -----------------

@pytest.fixture(scope="module")
def namesakes(course, tmp_path_factory):
    """Two John Smiths (Moodle), Zoë and Zoé Li (folders without an LMS id), 王伟 (Canvas), and a
    learner whose markdown carries a script; graded with the learner's code as a plain process
    (bubblewrap hidden from PATH), to see the warning."""
    root = tmp_path_factory.mktemp("namesakes")
    hostile = lean(read(solution_path(FIRST)))
    hostile.cells.insert(1, nbformat.v4.new_markdown_cell(
        "My **own words** <script>document.title = 'stolen'</script> <img src=x onerror=alert(1)>"))
    archive = root / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"John Smith_1001_assignsubmission_file_/{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"John Smith_1002_assignsubmission_file_/{FIRST}.ipynb", BLANK)
        zf.writestr(f"Zoë Li/{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"Zoé Li/{FIRST}.ipynb", BLANK)
        zf.writestr(f"王伟_1005_2005_{FIRST}.ipynb", SOLUTION)
        zf.writestr(f"mallory_1006_2006_{FIRST}.ipynb", nbformat.writes(hostile))
    env = dict(isolated_env(), PATH=str(Path(sys.executable).parent))  # no bwrap: "process" isolation
    proc = _chainrule("grade", str(archive), "--out", str(root / "results"), "--no-progress", cwd=course, env=env)
    return course, root / "results", proc.stdout


def test_students_of_the_same_name_are_kept_apart(namesakes):
    course, results, out = namesakes
    grades = _grades(results)
    assert "6 students, 6 notebooks: 6 graded" in out and "skipped:" not in out
    assert _full(grades[("john-smith_1001", FIRST)]) and float(grades[("john-smith_1002", FIRST)]["score"]) == 0
    assert _full(grades[("zoë-li", FIRST)]) and float(grades[("zoé-li", FIRST)]["score"]) == 0
    assert _full(grades[("王伟_1005", FIRST)])


def test_unicode_ids_go_through_the_gradebook_and_nbgrader_export(namesakes):
    course, results, _ = namesakes
    nbgrader("export", "--to", "export.csv", cwd=course)
    with open(course / "export.csv") as f:
        exported = {(r["student_id"], r["assignment"]): float(r["raw_score"]) for r in csv.DictReader(f)}
    for key, row in _grades(results).items():
        assert exported[key] == float(row["score"]), key
    assert json.loads((results / "students" / "王伟_1005.json").read_text())["student"] == "王伟_1005"


def test_feedback_holds_no_learner_script(namesakes):
    _, results, _ = namesakes
    html = (results / "feedback" / "mallory_1006" / f"{FIRST}.html").read_text()
    assert "My <strong>own words</strong>" in html and "document.title" in html  # shown, as text
    assert "<script>document.title" not in html and "onerror=" not in html


def test_the_process_level_is_announced_and_recorded(namesakes):
    """Graded with the learner's code as a plain process: the warning opens and closes the output,
    and every student's report records the level."""
    _, results, out = namesakes
    assert out.startswith(PROCESS_LEVEL_WARNING) and out.rstrip().endswith(PROCESS_LEVEL_WARNING)
    assert "(process isolation)" in out
    for path in (results / "students").iterdir():
        assert json.loads(path.read_text())["isolation"] == "process", path.name


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


def test_summary_counts_every_notebook(graded):
    _, out, _ = graded
    assert "4 students, 8 notebooks: 7 graded, 1 failed, 0 missing" in out
    assert f"failed: broken_4/{CLASS[1]}: nbformat.reader.NotJSONError" in out
    expected = PROCESS_LEVEL_WARNING in out
    assert expected == (isolation_level() == "process")


def test_grades_table_ranks_the_class(graded):
    course, _, _ = graded
    grades = _grades(course / "results1")
    for assignment in CLASS:
        full = float(grades[("complete_1", assignment)]["max_score"])
        by_hand = sum(float(c.metadata.nbgrader["points"]) for c in read(solution_path(assignment)).cells
                      if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
        assert float(grades[("complete_1", assignment)]["score"]) == full - by_hand > 0  # written answers wait
        assert 0 < float(grades[("partial_2", assignment)]["score"]) < full
        assert float(grades[("blank_3", assignment)]["score"]) == 0
    broken = grades[("broken_4", CLASS[1])]
    assert broken["status"] == "failed" and "NotJSONError" in broken["error"]
    assert grades[("broken_4", CLASS[0])]["score"] == grades[("complete_1", CLASS[0])]["score"]


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
    record = json.loads((course / "results1" / "students" / "partial_2.json").read_text())
    assert record["isolation"] == isolation_level()
    entry = record["assignments"][CLASS[0]]
    failing = [c for c in entry["cells"].values() if c["score"] < c["max_score"]]
    assert failing and all("not implemented yet" in c["message"] for c in failing)
    assert all("all" in c["message"] and "passed" in c["message"]
               for c in entry["cells"].values() if c["score"] == c["max_score"])
    html = (course / "results1" / entry["feedback"]).read_text()
    assert "not implemented yet" in html and "<html" in html.lower()
    broken = json.loads((course / "results1" / "students" / "broken_4.json").read_text())
    assert broken["assignments"][CLASS[1]]["status"] == "failed" and "feedback" not in broken["assignments"][CLASS[1]]


def test_a_second_run_gives_identical_results(graded):
    course, _, _ = graded
    assert (course / "results1" / "grades.csv").read_text() == (course / "results2" / "grades.csv").read_text()
    for path in (course / "results1" / "students").iterdir():
        assert path.read_text() == (course / "results2" / "students" / path.name).read_text(), path.name


# ---- what --out and filing never delete ----------------------------------------------------------

def test_out_refuses_a_folder_it_did_not_write(graded, tmp_path):
    """--out on a folder with someone else's files, or on the course itself, is refused before
    anything is filed or graded; every file survives."""
    course, _, _ = graded
    foreign = tmp_path / "mine"
    _write(foreign / "thesis.tex", "years of work")
    export = tmp_path / "export"
    _write(export / f"late_9_9_{FIRST}.ipynb", SOLUTION)
    before = _snapshot(course), _snapshot(foreign)
    for out in (str(foreign), "."):
        proc = _chainrule("grade", str(export), "--out", out, "--no-progress", cwd=course, check=False)
        assert proc.returncode != 0 and "chainrule grade did not write" in proc.stderr, proc.stderr
        assert "nothing was graded and nothing was removed" in proc.stderr
    assert (_snapshot(course), _snapshot(foreign)) == before


def test_a_rerun_clears_only_its_own_stale_reports(graded):
    """Re-running into its own results folder removes the reports it wrote before (a student no longer
    in the export), keeps a file the instructor added there, and never deletes an instructor's file
    in a student's submitted folder."""
    course, _, _ = graded
    results = course / "results1"
    (results / "my-notes.txt").write_text("keep me")
    kept = course / "autograde" / "submitted" / "complete_1" / CLASS[0] / "comments.txt"
    kept.write_text("instructor's comments")
    export = course.parent / "smaller"
    _write(export / f"complete_1_0_{CLASS[0]}.ipynb", read(solution_path(CLASS[0])))
    _chainrule("grade", str(export), "--out", "results1", "--no-progress", cwd=course)
    assert set(_grades(results)) == {("complete_1", CLASS[0])}
    assert sorted(p.name for p in (results / "students").iterdir()) == ["complete_1.json"]
    assert sorted(p.name for p in (results / "feedback").iterdir()) == ["complete_1"]
    assert (results / "my-notes.txt").read_text() == "keep me" and kept.read_text() == "instructor's comments"
    manifest = json.loads((results / "chainrule-results.json").read_text())["files"]
    assert sorted(manifest) == ["feedback/complete_1/" + CLASS[0] + ".html", "grades.csv",
                                "students/complete_1.json"]


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
        assert gb.find_submission(CLASS[0], "complete_1").score == gb.find_assignment(CLASS[0]).max_score > 0
    with Gradebook(f"sqlite:///{course / 'autograde' / 'gradebook.db'}") as gb:
        assert gb.students == []


# ---- progress and the gradebook -------------------------------------------------------------------

def test_progress_counts_the_notebooks_graded():
    """The bar counts submissions only; the feedback step has lines of its own."""
    stream = io.StringIO()
    bar = Progress(4, stream=stream)
    for ok in (True, True, False, True):
        bar.step(ok)
    bar.note("feedback for 2 assignments ...")
    lines = stream.getvalue().splitlines()
    assert lines[-2].startswith(f"[{'#' * 30}] 4/4 notebooks, 1 failed")
    assert lines[-1] == "feedback for 2 assignments ..." and "5/" not in stream.getvalue()


def _no_alembic(monkeypatch):
    """nbgrader as on a PATH without ``alembic``: creating a gradebook fails when it stamps the version."""
    import nbgrader.api

    def missing():
        raise FileNotFoundError(2, "No such file or directory", "alembic")

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", missing)


def test_a_gradebook_that_cannot_be_created_leaves_no_file(tmp_path, monkeypatch):
    """A failed first run removes the gradebook file it made and says why in one line."""
    _no_alembic(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        open_gradebook("sqlite:///autograde.db?timeout=120")
    assert list(tmp_path.iterdir()) == []
    message = str(stopped.value)
    assert "\n" not in message and "gradebook" in message and "'alembic'" in message


def test_an_existing_gradebook_file_is_never_removed(tmp_path, monkeypatch):
    _no_alembic(monkeypatch)
    existing = tmp_path / "gradebook.db"
    existing.write_bytes(b"")  # SQLite takes an empty file for an empty database: nbgrader creates its tables
    with pytest.raises(SystemExit):
        open_gradebook(f"sqlite:///{existing}")
    assert existing.exists()


def test_grading_skips_the_rfc3987_grammars_and_still_validates_notebooks():
    """Does `chainrule grade`'s module keep jsonschema from building rfc3987_syntax's grammars (1.3 s of CPU per
    process), while nbformat still refuses an invalid notebook and accepts a valid one?"""
    code = ("import sys\n"
            "import chainrule_reference.classgrade\n"
            "import nbformat\n"
            "from nbformat.validator import ValidationError\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "del nb.cells[0]['source']\n"
            "try:\n"
            "    nbformat.validate(nb)\n"
            "    print('accepted')\n"
            "except ValidationError:\n"
            "    print('refused')\n"
            "print(sys.modules.get('rfc3987_syntax', 'absent'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["refused", "None"], out


def test_gradebooks_in_a_worker_share_an_engine_and_see_each_others_writes(tmp_path):
    """In a grading worker (a process of its own here) nbgrader's Gradebooks share one engine per URL: the
    first makes the database as nbgrader does, a later one writes, a third (after both closed) reads it,
    and a gradebook at another URL is still made from nothing."""
    script = """
import sys
from nbgrader.api import Gradebook
from sqlalchemy import event
from chainrule_reference.classgrade import share_gradebook_engines
share_gradebook_engines()
share_gradebook_engines()  # a second call changes nothing
first_url, other_url = sys.argv[1:3]
with Gradebook(first_url) as gb:
    engine = gb.engine
with Gradebook(first_url) as gb:
    gb.add_student("zoë")
    assert gb.engine is engine
with Gradebook(first_url) as gb:
    assert [s.id for s in gb.students] == ["zoë"] and gb.engine is engine
statements = []
event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
Gradebook(first_url).close()  # its course row was checked by the first: no statement
assert statements == [], statements
with Gradebook(first_url, course_id="another") as gb:  # a course it has not seen is checked (and made)
    assert any("course" in statement for statement in statements)
with Gradebook(other_url) as gb:
    assert gb.engine is not engine and gb.students == []
    gb.add_student("ann")
print("ok")
"""
    urls = [f"sqlite:///{tmp_path / name}" for name in ("one.db", "other.db")]
    done = subprocess.run([sys.executable, "-c", script, *urls], capture_output=True, text=True, env=isolated_env())
    assert done.stdout.strip() == "ok", done.stderr
    from nbgrader.api import Course, Gradebook
    for url, student in zip(urls, ("zoë", "ann")):
        with Gradebook(url) as gb:
            assert [s.id for s in gb.students] == [student]
    with Gradebook(urls[0], course_id="another") as gb:
        assert gb.db.query(Course).filter(Course.id == "another").count() == 1
