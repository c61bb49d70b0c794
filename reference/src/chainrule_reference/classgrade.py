"""``chainrule grade SUBMISSIONS``: grade a whole class from a folder or zip of notebooks.

A learning-management system exports submissions as a flat folder or a zip,
one or more notebooks per student, named by the student (Canvas's
``smithjane_48213_90817_01-scalar-derivatives.ipynb``, or Moodle's folder per
student, ``Jane Smith_48213_assignsubmission_file_``). This command:

1. files them into nbgrader's layout, ``autograde/submitted/<student>/<assignment>/<assignment>.ipynb``
   (the student from the folder or the file name, the assignment from the
   file name; the newest file wins when a student sent several). The student
   id keeps the LMS's participant id (``jane-smith_48213``), so two students of
   the same name stay apart, and names in any script. Only the notebook file
   is replaced: other files in the student's folder stay. Links, special
   files, members of a zip that would land outside its folder, and notebooks
   over 20 MiB are skipped, each with a line in the summary;
2. autogrades them with nbgrader's own Autograde (the course's
   ``nbgrader_config.py``: grades decided outside the learner's kernel),
   in parallel, one worker process per core, with a progress bar, then
   makes nbgrader's feedback HTML, one nbgrader run per assignment (which
   also refreshes the feedback of students graded in earlier runs);
3. writes, under ``--out`` (default ``autograde/results``): ``grades.csv``
   (one row per student and assignment), ``students/<student>.json`` (score
   per graded cell, messages, errors, the isolation level) and
   ``feedback/<student>/<assignment>.html``, and the list of what it wrote,
   ``chainrule-results.json``. It writes only into a new or empty folder or
   one of its own result folders, where it first removes the files of that
   list; anything else is refused before grading begins;
4. prints a summary: graded, failed, missing, skipped files, time taken, and
   the sandbox's warning when the learner's code runs as a plain process.

Grades live in nbgrader's gradebook as usual, so ``nbgrader export`` and
formgrader see them. Running it again on the same submissions gives the same grades.

Many machines, one gradebook: ``--shard K/N`` grades only the students whose
share is K (a hash of the student id, so a student's share never changes,
whoever else is in the class), and ``--db-url`` points every shard at one
gradebook on a database server (PostgreSQL). The first shard to arrive
creates the gradebook and registers the assignments, under a database lock;
each shard files, grades and reports its own students (docs/cluster.md).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

# nbformat validates notebooks with jsonschema, which at import builds 38 grammars of the optional
# rfc3987_syntax package (about 1.3 s of CPU in every grading process) for a format check that
# notebook validation never makes. Refusing that one import leaves validation unchanged.
sys.modules.setdefault("rfc3987_syntax", None)

from .exchange import RefusedFile, copy_regular_file, irregular_entries, kind_of, write_new_file  # noqa: E402
from .sandbox.process import PROCESS_LEVEL_WARNING, isolation_level  # noqa: E402

__all__ = ["Filed", "ZipLimits", "find_submissions", "grade_class", "main", "shard_of", "student_id", "unzip"]

MAX_NOTEBOOK_BYTES = 20 << 20  # a notebook, uncompressed; a solution notebook with its figures is under 1 MiB
MANIFEST = "chainrule-results.json"  # in a results folder: the files chainrule grade wrote there


# ---- who sent it ----------------------------------------------------------------------------------

_MAX_NAME = 64  # characters of a name kept in an id
_LMS_ID = re.compile(r"[0-9]+")


def _safe(char: str) -> bool:
    """Letters, marks and digits of any script, and ``-_.``: what a student id keeps."""
    return unicodedata.category(char)[0] in "LMN" or char in "-_."


def student_id(name: str, lms_id: str = "") -> str:
    """The folder-safe id of the student ``name`` with the LMS participant id ``lms_id`` (if any).

    The name is NFC-normalised and lower-cased; spaces become ``-``; letters and
    digits of every script stay, and what is unsafe in a folder name, a file
    glob or a web page goes (slashes, control characters, quotes, ``*?[]``,
    leading dots and dashes). The LMS id keeps two students of the same name
    apart: ``"John Smith", "1001"`` -> ``"john-smith_1001"``; ``"王伟"`` -> ``"王伟"``.
    """
    words = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).lower()).split()
    kept = "-".join(w for w in ("".join(filter(_safe, word)) for word in words) if w)
    return "_".join(part for part in (kept.lstrip(".-_")[:_MAX_NAME], lms_id) if part)


def _identity(text: str) -> tuple[str, str]:
    """The name and LMS participant id in an LMS's file or folder name (the part before the assignment).

    Canvas ``"smithjane_late_48213_90817_"`` -> ``("smithjane", "48213")``; Moodle
    ``"Jane Smith_48213_assignsubmission_file_"`` -> ``("Jane Smith", "48213")``:
    the name runs to the first number, ``late`` or ``assignsubmission``; the id is that first number.
    """
    tokens = [t.strip(" -") for t in text.split("_") if t.strip(" -")]
    name = []
    for i, token in enumerate(tokens):
        if _LMS_ID.fullmatch(token):
            return " ".join(name), token
        if token.lower() == "late" or token.lower().startswith("assignsubmission"):
            return " ".join(name), next((t for t in tokens[i:] if _LMS_ID.fullmatch(t)), "")
        name.append(token)
    return " ".join(name), ""


def _student_from_file(stem: str, match: re.Match) -> str:
    """``"smithjane_late_48213_1234_01-scalar-derivatives"`` (Canvas) -> ``"smithjane_48213"``; the name
    may also follow the assignment (``"01-scalar-derivatives_jane"``)."""
    name, lms_id = _identity(stem[:match.start()])
    if not (name or lms_id):
        name, lms_id = _identity(re.sub(r"^-\d+\b", "", stem[match.end():]))  # "-2": a resubmission
    return student_id(name, lms_id)


# ---- finding and filing submissions ---------------------------------------------------------------

@dataclass
class Filed:
    """Where each student's notebooks came from, and every file that was not used, with why."""
    source: Path
    files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (student, assignment) -> notebook
    skipped: list[str] = field(default_factory=list)  # "name (why)": not a notebook, a link, too big, ...
    superseded: list[str] = field(default_factory=list)  # older files of a student who sent several

    def skip(self, path: Path, why: str) -> None:
        self.skipped.append(f"{path.relative_to(self.source)} ({why})")


def _assignment_pattern(assignment: str) -> re.Pattern:
    words = re.split(r"[-_ ]+", assignment.lower())
    return re.compile(r"[-_ ]*".join(map(re.escape, words)), re.IGNORECASE)


def _debris(name: str) -> bool:
    """Hidden files and folders (``.ipynb_checkpoints``) and macOS's ``__MACOSX``: passed over silently."""
    return name.startswith((".", "__MACOSX"))


def _regular_files(filed: Filed) -> Iterator[Path]:
    """The regular files under ``filed.source``, found without following links; everything else that
    is not debris is listed in ``filed.skipped``."""
    for root, dirs, files in os.walk(filed.source):  # never descends into a linked folder
        for name in sorted(dirs):
            if not _debris(name) and (Path(root) / name).is_symlink():
                filed.skip(Path(root) / name, "a symbolic link")
        dirs[:] = sorted(d for d in dirs if not _debris(d) and not (Path(root) / d).is_symlink())
        for name in sorted(files):
            path = Path(root) / name
            mode = path.lstat().st_mode
            if _debris(name):
                continue
            if not stat.S_ISREG(mode):
                filed.skip(path, kind_of(mode))
            elif path.lstat().st_size > MAX_NOTEBOOK_BYTES:
                filed.skip(path, f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
            else:
                yield path


def find_submissions(source: Path, assignments: Iterable[str]) -> Filed:
    """The notebooks under ``source`` (a folder), by student and assignment."""
    patterns = {a: _assignment_pattern(a) for a in sorted(assignments, key=len, reverse=True)}
    filed = Filed(source)
    found: dict[tuple[str, str], list[Path]] = {}
    for path in _regular_files(filed):
        rel = path.relative_to(source)
        if path.suffix.lower() != ".ipynb":
            filed.skip(path, "not a notebook")
            continue
        stem = unicodedata.normalize("NFC", path.stem)
        assignment, match = next(((a, m) for a, p in patterns.items() if (m := p.search(stem))), (None, None))
        if assignment is None:
            filed.skip(path, "no assignment name in the file name")
            continue
        student = (student_id(*_identity(unicodedata.normalize("NFC", rel.parts[0]))) if len(rel.parts) > 1
                   else _student_from_file(stem, match))
        if not student:
            filed.skip(path, "no student name")
            continue
        found.setdefault((student, assignment), []).append(path)
    for key, paths in sorted(found.items()):
        paths.sort(key=lambda p: (p.lstat().st_mtime, str(p)))
        filed.files[key] = paths[-1]
        filed.superseded += [f"{p.relative_to(source)} (a newer file of {key[0]} for {key[1]} was used)"
                             for p in paths[:-1]]
    return filed


@dataclass(frozen=True)
class ZipLimits:
    """How much of a zip is extracted: bytes per member (uncompressed), members, bytes in all."""
    member_bytes: int = MAX_NOTEBOOK_BYTES
    members: int = 10_000
    total_bytes: int = 2 << 30


def _member_path(name: str) -> PurePosixPath | None:
    """Where the member ``name`` goes, relative to the folder; None when it would leave it (an absolute
    name, a drive, or a ``..`` part; backslashes count as separators)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or re.match(r"[A-Za-z]:", name) or ".." in path.parts:
        return None
    return path


def _member_problem(member: zipfile.ZipInfo) -> str:
    """Why ``member`` is not extracted, from what the archive says of it; "" when it may be."""
    mode = member.external_attr >> 16
    if member.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # made on Unix
        return kind_of(mode)
    if _member_path(member.filename) is None:
        return "its name leads outside the folder"
    if member.flag_bits & 0x1:
        return "encrypted"
    return ""


def unzip(archive: Path, into: Path, limits: ZipLimits = ZipLimits()) -> list[str]:
    """Extract the regular files of ``archive`` into ``into``; returns a line per member not extracted.

    A member is skipped, never the whole archive, when it is a link or another
    special file, its name leads outside ``into``, it is encrypted, corrupt or a
    second member of the same name, or it is over ``limits.member_bytes``
    uncompressed (counted while extracting, whatever size it declares). Members
    beyond the first ``limits.members``, and those that would take the whole
    over ``limits.total_bytes``, are skipped too. Each file keeps its time in the
    archive: the newest file of a student wins.
    """
    skipped: list[str] = []
    left, seen = limits.total_bytes, set()
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > limits.members:
            skipped.append(f"{len(members) - limits.members} members after the first {limits.members} "
                           f"(too many in one archive)")
        for member in members[:limits.members]:
            why = _member_problem(member) or ("a second member of the same name" if member.filename in seen else "")
            seen.add(member.filename)
            if not why:
                try:
                    left -= _extract(zf, member, into, min(limits.member_bytes, left))
                except RefusedFile:
                    why = (f"larger than {limits.member_bytes >> 20} MiB uncompressed" if left >= limits.member_bytes
                           else f"the archive is over {limits.total_bytes >> 20} MiB uncompressed")
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
                    why = f"could not be extracted: {error}"
            if why:
                skipped.append(f"{member.filename} ({why})")
    return skipped


def _extract(zf: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path, max_bytes: int) -> int:
    """Extract one member (at most ``max_bytes``) with its time in the archive; returns its size."""
    if member.file_size > max_bytes:
        raise RefusedFile(f"declares {member.file_size} bytes")
    target = into.joinpath(*_member_path(member.filename).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(member) as source:
        size = write_new_file(source.read, target, max_bytes)
    try:
        stamp = time.mktime(member.date_time + (0, 0, -1))
        os.utime(target, (stamp, stamp))
    except (OverflowError, ValueError):
        pass  # a date the archive got wrong: the extraction time stands
    return size


def _folder(coursedir, step: str, student: str, assignment: str) -> Path:
    """Where nbgrader keeps ``student``'s ``assignment`` at ``step`` (the course's submitted_directory, say)."""
    return Path(coursedir.format_path(step, student, assignment))


def file_submissions(coursedir, filed: Filed) -> None:
    """Copy each notebook to where ``nbgrader collect`` would have put it, replacing only that file
    (an older copy or a link): the other files of the student's folder stay. A notebook that cannot
    be filed moves to ``filed.skipped``."""
    for (student, assignment), path in list(filed.files.items()):
        folder = _folder(coursedir, coursedir.submitted_directory, student, assignment)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            copy_regular_file(path, folder / f"{assignment}.ipynb", MAX_NOTEBOOK_BYTES)
        except (RefusedFile, OSError) as why:
            del filed.files[(student, assignment)]
            filed.skip(path, f"not filed: {why}")


# ---- grading -------------------------------------------------------------------------------------

DB_URL_VARIABLE = "CHAINRULE_DB_URL"  # set by --db-url, read by every worker


def _api(course: Path):
    """nbgrader's API for the course, with its nbgrader_config.py; SQLite waits rather than fails when busy.

    ``--db-url`` (the environment variable :data:`DB_URL_VARIABLE`) replaces the
    config's gradebook URL: any database SQLAlchemy and nbgrader support.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    url = os.environ.get(DB_URL_VARIABLE) or (config.CourseDirectory.db_url if "db_url" in config.CourseDirectory
                                              else "sqlite:///gradebook.db")
    if url.startswith("sqlite:///") and "?" not in url:
        url += "?timeout=120"
    config.CourseDirectory.db_url = url
    config.NbGraderAPI.log_level = "WARN"
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course)
    return NbGraderAPI(coursedir=coursedir, config=config)


_WORKER = None


def _quiet_nbgrader() -> None:
    """nbgrader 0.9.6's gradebook warns on every autograde (SQLAlchemy 'not in session'); harmless here."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def share_gradebook_engines() -> None:
    """From now on in this process, nbgrader's ``Gradebook`` objects share one database engine per URL.

    nbgrader opens the gradebook about ten times per graded notebook (five lookups before grading, then
    each preprocessor that needs it), and every ``Gradebook`` makes a new SQLAlchemy engine, connects,
    lists the tables and checks each of nbgrader's tables: 0.1 core-seconds a notebook, a fifth of its
    cost. Here the first ``Gradebook`` of a URL does all that, as nbgrader's does; later ones take its
    engine (engines are made to be shared within a process); the course row the first one checked (and made,
    if need be) is not looked up again.
    ``Gradebook.close`` still disposes of the engine's connections; the next use opens new ones.
    Called in each worker of :func:`grade_class`, after the fork: engines are never shared across one.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.orm import scoped_session, sessionmaker

    if getattr(Gradebook.__init__, "shares_engines", False):
        return
    first_open, engines, courses = Gradebook.__init__, {}, set()

    @functools.wraps(first_open)
    def __init__(self, db_url: str, course_id: str = "default_course", authenticator=None) -> None:
        if db_url not in engines:
            first_open(self, db_url, course_id, authenticator)
            engines[db_url] = self.engine
            courses.add((db_url, course_id))
            return
        self.engine = engines[db_url]
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        if (db_url, course_id) not in courses:
            self.check_course(course_id=course_id)
            courses.add((db_url, course_id))
        self.course_id = course_id
        self.authenticator = authenticator

    __init__.shares_engines = True
    Gradebook.__init__ = __init__


def _start_worker(course: str) -> None:
    global _WORKER
    _quiet_nbgrader()
    share_gradebook_engines()
    os.chdir(course)
    _WORKER = _api(Path(course))


def _grade_job(job: tuple[str, str]) -> dict:
    """Autograde one student's notebook (in a worker process).

    A submission folder holding links or special files (put there by hand) is
    not graded: nbgrader would follow them with the grader's rights before
    any of its preprocessors could refuse them.
    """
    student, assignment = job
    began = time.monotonic()
    coursedir = _WORKER.coursedir
    refused = irregular_entries(_folder(coursedir, coursedir.submitted_directory, student, assignment))
    if refused:
        return {"student": student, "assignment": assignment, "success": False, "seconds": 0.0,
                "error": "RefusedFileError: not graded: only regular files are, and its folder holds "
                         + "; ".join(refused)}
    reviewed = _reviewed_by_hand(coursedir, student, assignment)
    graded = _WORKER.autograde(assignment, student, force=True, create=False)
    error = "" if graded["success"] else _first_cause(graded.get("log", ""), graded.get("error", ""))
    changed = _keep_hand_grades(coursedir, student, assignment, reviewed) if graded["success"] else []
    return {"student": student, "assignment": assignment, "success": graded["success"], "error": error,
            "seconds": time.monotonic() - began, "changed_since_hand_grading": changed}


# ---- hand grades ---------------------------------------------------------------------------------

def _answers(coursedir, student: str, assignment: str, notebook: str) -> dict[str, str] | None:
    """The answer cells (code and written) of the autograded notebook, by grade id; None when there is none."""
    path = _folder(coursedir, coursedir.autograded_directory, student, assignment) / f"{notebook}.ipynb"
    try:
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if isinstance(c, dict)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    marks = [(c, c.get("metadata", {}).get("nbgrader", {})) for c in cells]
    return {meta["grade_id"]: "".join(c.get("source", "")) for c, meta in marks
            if isinstance(meta, dict) and meta.get("solution") and "grade_id" in meta}


def _reviewed_by_hand(coursedir, student: str, assignment: str) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Before a student's notebooks are autograded again: per notebook, the answers that were graded and the
    cells a grader has scored by hand and marked graded (a manual score, needs_manual_grade off)."""
    from nbgrader.api import MissingEntry

    reviewed = {}
    with open_gradebook(coursedir.db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}
        for nb in submission.notebooks:
            names = [g.name for g in nb.grades if g.manual_score is not None and not g.needs_manual_grade]
            answers = _answers(coursedir, student, assignment, nb.name) if names else None
            if answers is not None:
                reviewed[nb.name] = (answers, names)
    return reviewed


def _keep_hand_grades(coursedir, student: str, assignment: str,
                      reviewed: dict[str, tuple[dict[str, str], list[str]]]) -> list[str]:
    """After autograding again: a cell scored by hand whose answer has not changed stays graded.

    nbgrader 0.9.6 keeps a manual score and comment through ``autograde --force`` but marks every cell
    with a manual score ``needs_manual_grade`` again, so the Formgrader would ask for every hand grade
    anew. Here the mark is taken off again when the answer is the one the grader saw: a written
    answer's own text, or, for a code cell scored by hand, every answer cell of the notebook. A changed
    answer keeps its old score and comment, and its mark: it waits for a grader again. Returns those
    cells ("notebook/grade id").
    """
    changed = []
    if not reviewed:
        return changed
    with open_gradebook(coursedir.db_url) as gb:
        for notebook, (before, names) in reviewed.items():
            after = _answers(coursedir, student, assignment, notebook) or {}
            for name in names:
                same = before.get(name) == after.get(name) if name in before else before == after
                grade = gb.find_grade(name, notebook, assignment, student)
                if same and grade.manual_score is not None:
                    grade.needs_manual_grade = False
                elif grade.needs_manual_grade:
                    changed.append(f"{notebook}/{name}")
        gb.db.commit()
    return changed


def _feedback_job(assignment: str) -> dict:
    """Feedback HTML for every autograded submission of ``assignment`` (in a worker process).

    One nbgrader run per notebook rather than per student: building the HTML
    exporter is a good part of the cost of a single feedback file.
    """
    began = time.monotonic()
    made = _WORKER.generate_feedback(assignment, force=True)
    return {"assignment": assignment, "success": made["success"], "seconds": time.monotonic() - began,
            "error": "" if made["success"] else _first_cause(made.get("log", ""), made.get("error", ""))}


_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception)): (.*)$")


def _first_cause(log: str, error: str) -> str:
    """The exception that made nbgrader give up on a notebook (not its closing NbGraderException)."""
    for text in (log, error):
        found = [m.group(0).strip() for m in map(_EXCEPTION_LINE.match, text.splitlines())
                 if m and not m.group(1).endswith("NbGraderException")]
        if found:
            return found[-1][:300]
    return "nbgrader could not autograde this notebook (see its log)"


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite gradebook URL (relative to the current folder); None for other databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_gradebook(url: str):
    """nbgrader's Gradebook at ``url``, created or upgraded when need be.

    When that fails (nbgrader runs ``alembic`` to stamp a new gradebook), a
    SQLite file this call created is removed, so no gradebook without its
    version table stays behind; a file that was there before is never touched.
    The error is one line (SystemExit), not a traceback.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    path = _sqlite_file(url)
    existed = path is None or path.exists()
    try:
        return Gradebook(url)
    except (OSError, subprocess.SubprocessError, SQLAlchemyError) as error:
        if not existed:
            path.unlink(missing_ok=True)
        reason = (str(error).splitlines() or [""])[0]
        raise SystemExit(f"could not create or open the gradebook {url} ({type(error).__name__}: {reason}); "
                         f"nothing was graded") from None


class Progress:
    """A one-line progress bar on stderr (a line per tenth when stderr is not a terminal)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.start = stream, time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def step(self, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if self.tty or self.done == self.total or self.done * 10 // self.total != (self.done - 1) * 10 // self.total:
            elapsed = time.monotonic() - self.start
            left = elapsed / self.done * (self.total - self.done)
            bar = "#" * (30 * self.done // self.total)
            line = (f"[{bar:<30}] {self.done}/{self.total} notebooks, {self.failed} failed, "
                    f"{elapsed:.0f} s, about {left:.0f} s to go")
            self.stream.write(("\r" + line) if self.tty else line + "\n")
            if self.tty and self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()

    def note(self, line: str) -> None:
        """A line of its own below the bar, such as the feedback step's."""
        self.stream.write(line + "\n")
        self.stream.flush()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


GRADEBOOK_LOCK = 0x63686E72  # PostgreSQL advisory lock held while a shard prepares the shared gradebook


@contextlib.contextmanager
def gradebook_lock(url: str) -> Iterator[None]:
    """Hold a lock on the gradebook's database while preparing it, where several graders may share it.

    On PostgreSQL, a session advisory lock: shards started at once create the gradebook and register the
    assignments one after another. SQLite gradebooks are one machine's, and need none.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": GRADEBOOK_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": GRADEBOOK_LOCK})
    finally:
        engine.dispose()


def grade_class(api, jobs: list[tuple[str, str]], workers: int,
                progress: bool = True) -> tuple[list[dict], list[dict]]:
    """Autograde ``jobs`` ((student, assignment) pairs already filed) on ``workers`` processes, then make
    the feedback of each assignment; returns the results of both steps."""
    _quiet_nbgrader()
    assignments = sorted({a for _, a in jobs})
    with gradebook_lock(api.coursedir.db_url):  # other shards may be preparing the same gradebook
        with open_gradebook(api.coursedir.db_url) as gb:  # create or upgrade it once, before the workers share it
            missing = [a for a in assignments if not _in_gradebook(gb, a)]
            for student in sorted({s for s, _ in jobs}):
                gb.update_or_create_student(student)
        for assignment in missing:  # the instructor has not run generate_assignment for it here yet
            register_assignment(api, assignment)
    bar = Progress(len(jobs)) if progress else None
    results = []
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(max(1, min(workers, len(jobs))), initializer=_start_worker,
                      initargs=(api.coursedir.root,)) as pool:
        for result in pool.imap_unordered(_grade_job, jobs):
            results.append(result)
            if bar:
                bar.step(result["success"])
        feedback = _make_feedback(pool, assignments, bar)
    return sorted(results, key=lambda r: (r["student"], r["assignment"])), feedback


def _make_feedback(pool, assignments: list[str], bar: Progress | None) -> list[dict]:
    """nbgrader's feedback for each of ``assignments`` on ``pool``, reported on ``bar`` as a step of its own."""
    began = time.monotonic()
    if bar:
        bar.note(f"feedback for {_plural(len(assignments), 'assignment')} ...")
    feedback = list(pool.imap_unordered(_feedback_job, assignments))
    if bar:
        failed = sum(not made["success"] for made in feedback)
        bar.note(f"feedback for {_plural(len(assignments), 'assignment')}: {failed} failed, "
                 f"{time.monotonic() - began:.0f} s")
    return feedback


def register_assignment(api, assignment: str) -> None:
    """Put ``assignment`` in the gradebook (its notebooks, cells and points) as ``nbgrader
    generate_assignment`` does, from the source notebook, without touching the release folder.

    nbgrader's student version goes to a temporary folder that is then removed: with
    ``force`` it would otherwise replace ``notebooks/``, and with it whatever a learner
    kept there.
    """
    release = api.coursedir.release_directory
    with tempfile.TemporaryDirectory(prefix="chainrule-release-") as unused:
        api.coursedir.release_directory = unused  # an absolute path: nbgrader writes there, not under the root
        try:
            result = api.generate_assignment(assignment, force=True)
        finally:
            api.coursedir.release_directory = release
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error', '')}")


def _in_gradebook(gb, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        return bool(gb.find_assignment(assignment).notebooks)
    except MissingEntry:
        return False


# ---- the results folder ---------------------------------------------------------------------------

def _manifest(out: Path) -> list[str] | None:
    """The files an earlier run wrote in ``out`` (from its manifest); None when ``out`` is not a results
    folder of this command."""
    try:
        listed = json.loads((out / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [name for name in listed if isinstance(name, str) and _inside(name)]


def _inside(name: str) -> bool:
    """Whether the relative path ``name`` stays inside its folder."""
    path = PurePosixPath(name)
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts


def check_out_folder(out: Path) -> None:
    """Refuse (SystemExit) an ``out`` this command may not write into: anything but a new or empty
    folder or one of its own results folders. Checked before anything is graded."""
    if out.exists() and not out.is_dir():
        raise SystemExit(f"--out {out} is a file, not a folder; nothing was graded")
    if out.is_dir() and any(out.iterdir()) and _manifest(out) is None:
        raise SystemExit(f"--out {out} already holds files that chainrule grade did not write (it has no "
                         f"{MANIFEST}); nothing was graded and nothing was removed. Choose a new or empty "
                         f"folder, or one chainrule grade wrote before.")


def _plain_file(out: Path, name: str) -> bool:
    """Whether ``out/name`` is a regular file reached without links (``out`` is resolved)."""
    path = out / name
    return path.is_file() and not path.is_symlink() and path.parent.resolve() == path.parent


class Results:
    """The files of one run under the resolved folder ``out``.

    Checked before anything is filed or graded: none of the ``planned`` files
    may stand where a file this command did not write is. Then the files the
    previous run listed in the manifest are removed (regular files only, and
    the folders they leave empty), and each file is written once, as a new
    file, never through a link. The manifest lists the planned files first, so
    a run that stops halfway leaves a folder a later run may clear; ``close``
    lists exactly what was written.
    """

    def __init__(self, out: Path, planned: list[str]):
        self.out, self.written = out, []
        previous = [name for name in _manifest(out) or [] if _plain_file(out, name)]
        clashes = [name for name in planned if name not in previous and os.path.lexists(out / name)]
        if clashes:
            raise SystemExit(f"--out {out} holds files chainrule grade did not write where it would write "
                             f"({', '.join(clashes[:5])}); nothing was graded and nothing was removed")
        out.mkdir(parents=True, exist_ok=True)
        self._remove(previous)
        self._write_manifest(sorted(set(planned)))

    def _remove(self, names: list[str]) -> None:
        folders = set()
        for name in names:
            (self.out / name).unlink()
            folders.update(p for p in (self.out / name).parents if self.out in p.parents)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            if not folder.is_symlink() and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def _write_manifest(self, names: list[str]) -> None:
        data = (json.dumps({"written_by": "chainrule grade", "files": names}, indent=1) + "\n").encode()
        temporary = self.out / f".{MANIFEST}.part"
        temporary.unlink(missing_ok=True)
        write_new_file(io.BytesIO(data).read, temporary, len(data))
        os.replace(temporary, self.out / MANIFEST)

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` as the new file ``name`` (a relative path) under ``out``."""
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.resolve() != path.parent:
            raise SystemExit(f"--out {self.out}: {path.parent} leads elsewhere through a link; stopped")
        write_new_file(io.BytesIO(data).read, path, len(data))
        self.written.append(name)

    def close(self) -> None:
        """List exactly what was written."""
        self._write_manifest(sorted(self.written))


# ---- reports -------------------------------------------------------------------------------------

def _scores(gb, student: str, assignment: str) -> dict:
    """Score per graded cell of the student's notebook, from the gradebook."""
    from nbgrader.api import MissingEntry

    try:
        nb = gb.find_submission_notebook(assignment, assignment, student)
    except MissingEntry:
        return {}
    return {g.name: {"score": g.score, "max_score": g.max_score, "needs_manual_grade": g.needs_manual_grade}
            for g in sorted(nb.grades, key=lambda g: g.name)}


def _verdicts(coursedir, student: str, assignment: str) -> dict:
    path = _folder(coursedir, coursedir.autograded_directory, student, assignment) / f"{assignment}.ipynb"
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("metadata", {}).get("chainrule_grading", {})


def _planned(filed: Filed) -> list[str]:
    """Every file the reports may write."""
    return (["grades.csv"] + [f"students/{s}.json" for s in sorted({s for s, _ in filed.files})]
            + [f"feedback/{s}/{a}.html" for s, a in sorted(filed.files)])


def write_reports(coursedir, results: Results, graded: list[dict], filed: Filed, assignments: list[str],
                  isolation: str) -> dict:
    """grades.csv, students/<student>.json and feedback/<student>/<assignment>.html in ``results``."""
    with open_gradebook(coursedir.db_url) as gb:
        return _write_reports(gb, coursedir, results, graded, filed, assignments, isolation)


def _write_reports(gb, coursedir, results: Results, graded: list[dict], filed: Filed, assignments: list[str],
                   isolation: str) -> dict:
    by_key = {(r["student"], r["assignment"]): r for r in graded}
    students = sorted({s for s, _ in filed.files})
    rows, counts = [], {"graded": 0, "failed": 0, "missing": 0, "by_hand": 0, "by_hand_notebooks": 0}
    for student in students:
        record = {"student": student, "isolation": isolation, "assignments": {}}
        for assignment in assignments:
            result = by_key.get((student, assignment))
            entry: dict = {"status": "missing"}
            if result is not None:
                entry = _entry(gb, coursedir, results, result, filed.files[(student, assignment)])
            counts[entry["status"]] += 1
            counts["by_hand"] += len(entry.get("waiting_for_hand_grading", []))
            counts["by_hand_notebooks"] += bool(entry.get("waiting_for_hand_grading"))
            record["assignments"][assignment] = entry
            rows.append([student, assignment, entry["status"], entry.get("score", ""), entry.get("max_score", ""),
                         entry.get("error", "")])
        done = [e for e in record["assignments"].values() if e["status"] == "graded"]
        record["total"] = {"score": sum((e["score"] for e in done), 0.0),
                           "max_score": sum((e["max_score"] for e in done), 0.0)}
        results.write(f"students/{student}.json",
                      (json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode())
    table = _csv_text([["student", "assignment", "status", "score", "max_score", "error"]] + rows)
    results.write("grades.csv", table.encode())
    return counts


def _entry(gb, coursedir, results: Results, result: dict, source: Path) -> dict:
    """One student's report on one assignment, with the feedback HTML copied into ``results``."""
    student, assignment, success = result["student"], result["assignment"], result["success"]
    cells = _scores(gb, student, assignment) if success else {}
    verdicts = _verdicts(coursedir, student, assignment) if success else {}
    tests = verdicts.get("tests", {})
    entry = {
        "status": "graded" if success else "failed",
        "file": source.name,
        "score": sum((c["score"] or 0.0 for c in cells.values()), 0.0),
        "max_score": (sum(c["max_score"] for c in cells.values()) if success
                      else gb.find_assignment(assignment).max_score),
        "cells": {gid: dict(c, **({"message": tests[gid]["message"]} if gid in tests else {}))
                  for gid, c in cells.items()},
        "problems": verdicts.get("problems", []),
        "error": result["error"],
    }
    if success:  # answers graded by hand (Formgrader -> Manual Grading) that no grader has scored yet
        entry["waiting_for_hand_grading"] = [gid for gid, c in cells.items() if c["needs_manual_grade"]]
        if result.get("changed_since_hand_grading"):
            entry["changed_since_hand_grading"] = result["changed_since_hand_grading"]
    feedback = _folder(coursedir, coursedir.feedback_directory, student, assignment) / f"{assignment}.html"
    if success and feedback.is_file():
        name = f"feedback/{student}/{assignment}.html"
        results.write(name, feedback.read_bytes())
        entry["feedback"] = name
    return entry


def _csv_text(rows: list[list]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


# ---- the command ---------------------------------------------------------------------------------

def _course_assignments(coursedir) -> list[str]:
    """The assignments of the course: the folders of its source directory that hold a notebook."""
    source = Path(coursedir.root) / coursedir.source_directory
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _find(submissions: Path, folder: Path, assignments: list[str]) -> Filed:
    """The notebooks of ``submissions``: a folder, or a zip extracted into ``folder``."""
    if not submissions.is_file():
        return find_submissions(submissions, assignments)
    try:
        refused = unzip(submissions, folder)
    except zipfile.BadZipFile as error:
        raise SystemExit(f"{submissions} is neither a folder nor a zip archive ({error}); nothing was graded")
    filed = find_submissions(folder, assignments)
    filed.skipped = refused + filed.skipped
    return filed


def shard_of(student: str, shards: int) -> int:
    """The share (1 to ``shards``) that grades ``student``: a hash of the student id, the same on every
    machine and in every run, whoever else is in the class."""
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % shards + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``, with 1 <= K <= N; argparse's error otherwise."""
    found = re.fullmatch(r"([0-9]+)/([0-9]+)", text)
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 1 <= K <= N (for example 2/3)")
    return int(found.group(1)), int(found.group(2))


def run(submissions: Path, course: Path, out: Path, workers: int, progress: bool = True,
        stream=sys.stdout, shard: tuple[int, int] = (1, 1)) -> dict:
    """File, grade and report (only the students of ``shard``, K of N); returns the summary's numbers."""
    began = time.monotonic()
    course, submissions, out = course.resolve(), submissions.resolve(), out.resolve()  # before the chdir below
    if not (course / "nbgrader_config.py").exists():
        raise SystemExit(f"{course} has no nbgrader_config.py: pass the course folder with --course")
    if not submissions.exists():
        raise SystemExit(f"{submissions} does not exist")
    check_out_folder(out)
    isolation = isolation_level()
    if isolation == "process":
        print(PROCESS_LEVEL_WARNING, file=stream, flush=True)
    previous = os.getcwd()
    os.chdir(course)  # nbgrader's relative paths (the gradebook's sqlite:///autograde/...) start here
    try:
        api = _api(course)
        with tempfile.TemporaryDirectory(prefix="chainrule-export-") as tmp:
            filed = _find(submissions, Path(tmp), _course_assignments(api.coursedir))
            filed.files = {key: path for key, path in filed.files.items() if shard_of(key[0], shard[1]) == shard[0]}
            results = Results(out, _planned(filed))
            file_submissions(api.coursedir, filed)
        jobs = sorted(filed.files)  # by student: a worker's next notebook is often the same student's (a warm sandbox)
        assignments = sorted({a for _, a in jobs})
        graded, feedback = grade_class(api, jobs, workers, progress) if jobs else ([], [])
        counts = write_reports(api.coursedir, results, graded, filed, assignments, isolation)
        results.close()
    finally:
        os.chdir(previous)
    seconds = time.monotonic() - began
    summary = dict(counts, students=len({s for s, _ in jobs}), notebooks=len(jobs), skipped=len(filed.skipped),
                   superseded=len(filed.superseded), seconds=round(seconds, 1), isolation=isolation,
                   shard=f"{shard[0]}/{shard[1]}")
    _print_summary(stream, summary, filed, graded, feedback, workers, out)
    return summary


def _print_summary(stream, summary: dict, filed: Filed, graded: list[dict], feedback: list[dict], workers: int,
                   out: Path) -> None:
    for line in filed.skipped + filed.superseded:
        print(f"skipped: {line}", file=stream)
    for r in graded:
        if not r["success"]:
            print(f"failed: {r['student']}/{r['assignment']}: {r['error']}", file=stream)
    for made in feedback:
        if not made["success"]:
            print(f"feedback failed: {made['assignment']}: {made['error']}", file=stream)
    share = f"shard {summary['shard']}: " if summary["shard"] != "1/1" else ""
    print(f"{share}{summary['students']} students, {summary['notebooks']} notebooks: {summary['graded']} graded, "
          f"{summary['failed']} failed, {summary['missing']} missing, {summary['skipped']} files skipped, "
          f"{summary['superseded']} superseded by a newer file; {summary['seconds']:.1f} s on {workers} workers "
          f"({summary['isolation']} isolation). Results in {out}", file=stream)
    changed = [f"{r['student']}/{cell}" for r in graded for cell in r.get("changed_since_hand_grading", [])]
    if changed:
        print(f"{_plural(len(changed), 'answer')} graded by hand before changed in the new submission and "
              f"{'waits' if len(changed) == 1 else 'wait'} for a grader again (the old score and comment stay until then): {', '.join(changed)}",
              file=stream)
    if summary["by_hand"]:
        print(f"{_plural(summary['by_hand'], 'answer')} in {_plural(summary['by_hand_notebooks'], 'notebook')} "
              f"{'waits' if summary['by_hand'] == 1 else 'wait'} for hand grading: the Formgrader (Nbgrader menu of `python3 course.py lab`, or `nbgrader "
              f"formgrader`) -> Manual Grading. Until then the scores hold the autograded part only.", file=stream)
    if summary["isolation"] == "process":
        print(PROCESS_LEVEL_WARNING, file=stream)


def _alembic_on_path() -> None:
    """Put this interpreter's ``bin`` folder first on PATH when ``alembic`` is not on it.

    nbgrader runs ``alembic`` from PATH to create a gradebook, and
    ``.venv/bin/chainrule`` is often run without activating the environment.
    """
    if shutil.which("alembic") is None:
        os.environ["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable),
                                                            os.environ.get("PATH")]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description="Grade a class's chainrule notebooks.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a folder or zip of submitted notebooks")
    grade.add_argument("submissions", type=Path, help="folder or .zip of notebooks, named by student")
    grade.add_argument("--course", type=Path, default=Path("."), help="course folder (with nbgrader_config.py)")
    grade.add_argument("--out", type=Path, default=Path("autograde/results"),
                       help="where grades.csv, students/ and feedback/ go (relative to the current folder): "
                            "a new or empty folder, or one chainrule grade wrote before")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    grade.add_argument("--db-url", help="gradebook database URL (default: the course's CourseDirectory.db_url)")
    grade.add_argument("--shard", type=parse_shard, default=(1, 1), metavar="K/N",
                       help="grade only share K of N of the students (by a hash of the student id): run N "
                            "graders, on N machines, against one --db-url gradebook")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    _alembic_on_path()
    if args.db_url:
        os.environ[DB_URL_VARIABLE] = args.db_url
    run(args.submissions, args.course, args.out, args.jobs, progress=not args.no_progress, shard=args.shard)
    return 0  # broken submissions are part of a class: they are in the summary, not in the exit code
