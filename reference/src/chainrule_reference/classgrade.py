"""``chainrule grade SUBMISSIONS``: grade a whole class from a folder or zip of notebooks.

A learning-management system exports submissions as a flat folder or a zip,
one or more notebooks per student, named by the student (``smithjane_1234_
01-scalar-derivatives.ipynb``, or a folder per student). This command:

1. files them into nbgrader's layout, ``autograde/submitted/<student>/<assignment>/<assignment>.ipynb``
   (the student from the folder or the file name, the assignment from the
   file name; the newest file wins when a student sent several);
2. autogrades them with nbgrader's own Autograde (the course's
   ``nbgrader_config.py``: grades decided outside the learner's kernel),
   in parallel, one worker process per core, with a progress bar, then
   makes nbgrader's feedback HTML, one nbgrader run per assignment (which
   also refreshes the feedback of students graded in earlier runs);
3. writes, under ``--out`` (default ``autograde/results``): ``grades.csv``
   (one row per student and assignment), ``students/<student>.json`` (score
   per graded cell, messages, errors) and ``feedback/<student>/<assignment>.html``;
4. prints a summary: graded, failed, missing, unrecognised files, time taken.

Grades live in nbgrader's gradebook as usual, so ``nbgrader export`` and
formgrader see them. Running it again on the same submissions gives the same grades.
"""
from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

__all__ = ["Filed", "find_submissions", "grade_class", "main"]


# ---- finding and filing submissions --------------------------------------------------------------

@dataclass
class Filed:
    """Where each student's notebooks came from, and what could not be placed."""
    files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (student, assignment) -> notebook
    unrecognised: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # older files of a student who sent several


def student_id(text: str) -> str:
    """A folder-safe student id: ``"Jane Smith"`` -> ``"jane-smith"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _assignment_pattern(assignment: str) -> re.Pattern:
    words = re.split(r"[-_ ]+", assignment.lower())
    return re.compile(r"[-_ ]*".join(map(re.escape, words)))


def _student_from_folder(name: str) -> str:
    """``"Jane Smith_48213_assignsubmission_file_"`` (Moodle) -> ``"jane-smith"``."""
    tokens = [t for t in name.split("_") if t]
    kept = []
    for token in tokens:
        if token.isdigit() or token.lower().startswith("assignsubmission"):
            break
        kept.append(token)
    return student_id(" ".join(kept) or name)


def _student_from_file(stem: str, match: re.Match) -> str:
    """``"smithjane_late_48213_1234_01-scalar-derivatives"`` (Canvas) -> ``"smithjane"``."""
    rest = (stem[:match.start()] + " " + stem[match.end():]).strip(" _-")
    tokens = [t for t in re.split(r"_+", rest) if t.strip(" -")]
    return student_id(tokens[0]) if tokens else ""


def find_submissions(source: Path, assignments: Iterable[str]) -> Filed:
    """The notebooks under ``source`` (a folder), by student and assignment."""
    patterns = {a: _assignment_pattern(a) for a in sorted(assignments, key=len, reverse=True)}
    filed = Filed()
    found: dict[tuple[str, str], list[Path]] = {}
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or any(p.startswith((".", "__MACOSX")) for p in rel.parts):
            continue
        if path.suffix != ".ipynb":
            filed.unrecognised.append(f"{rel} (not a notebook)")
            continue
        stem = path.stem.lower()
        assignment, match = next(((a, m) for a, p in patterns.items() if (m := p.search(stem))), (None, None))
        if assignment is None:
            filed.unrecognised.append(f"{rel} (no assignment name in the file name)")
            continue
        student = _student_from_folder(rel.parts[0]) if len(rel.parts) > 1 else _student_from_file(stem, match)
        if not student:
            filed.unrecognised.append(f"{rel} (no student name)")
            continue
        found.setdefault((student, assignment), []).append(path)
    for key, paths in sorted(found.items()):
        paths.sort(key=lambda p: (p.stat().st_mtime, str(p)))
        filed.files[key] = paths[-1]
        filed.superseded += [f"{p.relative_to(source)} (a newer file of {key[0]} for {key[1]} was used)"
                             for p in paths[:-1]]
    return filed


def _unzip(archive: Path, into: Path) -> Path:
    """Extract ``archive`` into ``into``, refusing members that would land outside it."""
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            target = (into / member.filename).resolve()
            if not str(target).startswith(str(into.resolve()) + os.sep):
                raise ValueError(f"{archive}: member {member.filename!r} would be written outside the folder")
            zf.extract(member, into)
            if not member.is_dir():  # keep the archive's times: the newest file of a student wins
                stamp = time.mktime(member.date_time + (0, 0, -1))
                os.utime(target, (stamp, stamp))
    return into


def _folder(coursedir, step: str, student: str, assignment: str) -> Path:
    """Where nbgrader keeps ``student``'s ``assignment`` at ``step`` (the course's submitted_directory, say)."""
    return Path(coursedir.format_path(step, student, assignment))


def file_submissions(coursedir, filed: Filed) -> None:
    """Copy each notebook to where ``nbgrader collect`` would have put it (replacing an older copy)."""
    for (student, assignment), path in filed.files.items():
        folder = _folder(coursedir, coursedir.submitted_directory, student, assignment)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        shutil.copyfile(path, folder / f"{assignment}.ipynb")


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


def _start_worker(course: str) -> None:
    global _WORKER
    _quiet_nbgrader()
    os.chdir(course)
    _WORKER = _api(Path(course))


def _grade_job(job: tuple[str, str]) -> dict:
    """Autograde one student's notebook (in a worker process)."""
    student, assignment = job
    began = time.monotonic()
    graded = _WORKER.autograde(assignment, student, force=True, create=False)
    error = "" if graded["success"] else _first_cause(graded.get("log", ""), graded.get("error", ""))
    return {"student": student, "assignment": assignment, "success": graded["success"], "error": error,
            "seconds": time.monotonic() - began}


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


def grade_class(api, jobs: list[tuple[str, str]], workers: int,
                progress: bool = True) -> tuple[list[dict], list[dict]]:
    """Autograde ``jobs`` ((student, assignment) pairs already filed) on ``workers`` processes, then make
    the feedback of each assignment; returns the results of both steps."""
    from nbgrader.api import Gradebook

    _quiet_nbgrader()
    assignments = sorted({a for _, a in jobs})
    with Gradebook(api.coursedir.db_url) as gb:  # create or upgrade the gradebook once, before the workers share it
        missing = [a for a in assignments if not _in_gradebook(gb, a)]
        for student in sorted({s for s, _ in jobs}):
            gb.update_or_create_student(student)
    for assignment in missing:  # the instructor has not run generate_assignment for it here yet
        result = api.generate_assignment(assignment, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error', '')}")
    bar = Progress(len(jobs) + len(assignments)) if progress else None
    results, feedback = [], []
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(max(1, min(workers, len(jobs))), initializer=_start_worker,
                      initargs=(api.coursedir.root,)) as pool:
        for result in pool.imap_unordered(_grade_job, jobs):
            results.append(result)
            if bar:
                bar.step(result["success"])
        for made in pool.imap_unordered(_feedback_job, assignments):
            feedback.append(made)
            if bar:
                bar.step(made["success"])
    return sorted(results, key=lambda r: (r["student"], r["assignment"])), feedback


def _in_gradebook(gb, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        return bool(gb.find_assignment(assignment).notebooks)
    except MissingEntry:
        return False


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


def write_reports(coursedir, out: Path, results: list[dict], filed: Filed, assignments: list[str]) -> dict:
    """grades.csv, students/<student>.json and feedback/<student>/<assignment>.html under ``out``."""
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url) as gb:
        return _write_reports(gb, coursedir, out, results, filed, assignments)


def _write_reports(gb, coursedir, out: Path, results: list[dict], filed: Filed, assignments: list[str]) -> dict:
    by_key = {(r["student"], r["assignment"]): r for r in results}
    students = sorted({s for s, _ in filed.files})
    if out.exists():
        shutil.rmtree(out)
    (out / "students").mkdir(parents=True)
    rows, counts = [], {"graded": 0, "failed": 0, "missing": 0}
    for student in students:
        record = {"student": student, "assignments": {}}
        for assignment in assignments:
            result = by_key.get((student, assignment))
            entry: dict = {"status": "missing"}
            if result is not None:
                cells = _scores(gb, student, assignment) if result["success"] else {}
                verdicts = _verdicts(coursedir, student, assignment) if result["success"] else {}
                tests = verdicts.get("tests", {})
                entry = {
                    "status": "graded" if result["success"] else "failed",
                    "file": str(filed.files[(student, assignment)].name),
                    "score": sum((c["score"] or 0.0 for c in cells.values()), 0.0),
                    "max_score": (sum(c["max_score"] for c in cells.values()) if result["success"]
                                  else gb.find_assignment(assignment).max_score),
                    "cells": {gid: dict(c, **({"message": tests[gid]["message"]} if gid in tests else {}))
                              for gid, c in cells.items()},
                    "problems": verdicts.get("problems", []),
                    "error": result["error"],
                }
                if result["success"]:
                    source = (_folder(coursedir, coursedir.feedback_directory, student, assignment)
                              / f"{assignment}.html")
                    if source.exists():
                        target = out / "feedback" / student / f"{assignment}.html"
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(source, target)
                        entry["feedback"] = str(target.relative_to(out))
            counts[entry["status"]] += 1
            record["assignments"][assignment] = entry
            rows.append([student, assignment, entry["status"], entry.get("score", ""), entry.get("max_score", ""),
                         entry.get("error", "")])
        graded = [e for e in record["assignments"].values() if e["status"] == "graded"]
        record["total"] = {"score": sum((e["score"] for e in graded), 0.0),
                           "max_score": sum((e["max_score"] for e in graded), 0.0)}
        (out / "students" / f"{student}.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "status", "score", "max_score", "error"])
        writer.writerows(rows)
    return counts


# ---- the command ---------------------------------------------------------------------------------

def _course_assignments(coursedir) -> list[str]:
    """The assignments of the course: the folders of its source directory that hold a notebook."""
    source = Path(coursedir.root) / coursedir.source_directory
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def run(submissions: Path, course: Path, out: Path, workers: int, progress: bool = True,
        stream=sys.stdout) -> dict:
    """File, grade and report; returns the summary's numbers."""
    began = time.monotonic()
    course, submissions, out = course.resolve(), submissions.resolve(), out.resolve()  # before the chdir below
    if not (course / "nbgrader_config.py").exists():
        raise SystemExit(f"{course} has no nbgrader_config.py: pass the course folder with --course")
    if not submissions.exists():
        raise SystemExit(f"{submissions} does not exist")
    previous = os.getcwd()
    os.chdir(course)  # nbgrader's relative paths (the gradebook's sqlite:///autograde/...) start here
    try:
        api = _api(course)
        with tempfile.TemporaryDirectory() as tmp:
            folder = _unzip(submissions, Path(tmp)) if submissions.is_file() else submissions
            filed = find_submissions(folder, _course_assignments(api.coursedir))
            file_submissions(api.coursedir, filed)
        jobs = sorted(filed.files, key=lambda k: (k[1], k[0]))
        results, feedback = grade_class(api, jobs, workers, progress) if jobs else ([], [])
        counts = write_reports(api.coursedir, out, results, filed, sorted({a for _, a in jobs}))
    finally:
        os.chdir(previous)
    seconds = time.monotonic() - began
    summary = dict(counts, students=len({s for s, _ in jobs}), notebooks=len(jobs),
                   unrecognised=len(filed.unrecognised), superseded=len(filed.superseded), seconds=round(seconds, 1))
    for line in filed.unrecognised + filed.superseded:
        print(f"skipped: {line}", file=stream)
    for r in results:
        if not r["success"]:
            print(f"failed: {r['student']}/{r['assignment']}: {r['error']}", file=stream)
    for made in feedback:
        if not made["success"]:
            print(f"feedback failed: {made['assignment']}: {made['error']}", file=stream)
    print(f"{summary['students']} students, {summary['notebooks']} notebooks: {counts['graded']} graded, "
          f"{counts['failed']} failed, {counts['missing']} missing, {summary['unrecognised']} files not recognised; "
          f"{seconds:.1f} s on {workers} workers. Results in {out}", file=stream)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description="Grade a class's chainrule notebooks.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a folder or zip of submitted notebooks")
    grade.add_argument("submissions", type=Path, help="folder or .zip of notebooks, named by student")
    grade.add_argument("--course", type=Path, default=Path("."), help="course folder (with nbgrader_config.py)")
    grade.add_argument("--out", type=Path, default=Path("autograde/results"),
                       help="where grades.csv, students/ and feedback/ go (relative to the current folder)")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    grade.add_argument("--db-url", help="gradebook database URL (default: the course's CourseDirectory.db_url)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.db_url:
        os.environ[DB_URL_VARIABLE] = args.db_url
    run(args.submissions, args.course, args.out, args.jobs, progress=not args.no_progress)
    return 0  # broken submissions are part of a class: they are in the summary, not in the exit code
