"""``python3 course.py check [NN]``: grade a self-study learner's own notebooks with the hidden tests.

Each working notebook ``workspace/NN-topic/NN-topic.ipynb`` (all of them, or those
whose number or name starts with NN) is graded by
:func:`~chainrule_reference.sandbox.grader.grade_notebook`, the sandboxed grader
the instructor's nbgrader uses: the answer cells run in the learner's sandbox,
the hidden tests in this process. The graded test cells, and their points, come
from the release notebook ``notebooks/NN-topic/NN-topic.ipynb``, as nbgrader
restores them from its gradebook: a test cell the learner deleted or changed is
graded as released.

A written answer (a markdown answer cell graded by hand) is not scored here: its
row shows its points as ``- / 2 (by hand)`` and points to the model answer in
``solutions/NN-topic/``, and it counts neither in the total nor as failed.

Nothing in ``workspace/`` or ``notebooks/`` is written. The command prints a table
(notebook, exercise, points, the first line of the verdict) with a total per
notebook, and writes the whole verdicts into one HTML file, :data:`REPORT` under
the course root.
"""
from __future__ import annotations

import argparse
import html
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from .sandbox.grader import NotebookResult, grade_notebook
from .sandbox.process import PROCESS_LEVEL_WARNING, isolation_level

__all__ = ["REPORT", "Checked", "check_notebook", "main"]

REPORT = Path(".chainrule") / "check-report.html"
VERDICT_WIDTH = 90  # characters of a verdict's first line in the printed table
ANSWER_STUB = "YOUR ANSWER HERE"  # what a released written answer holds (nbgrader's text_stub)


@dataclass
class Row:
    """One graded exercise: the test cell's grade id without ``test_``, its points and its verdict; or a
    written answer (``by_hand``), whose ``earned`` is 0 and counts nowhere: a person grades it."""
    exercise: str
    earned: float
    points: float
    message: str
    by_hand: bool = False

    def score(self) -> str:
        return f"- / {_points(self.points)} (by hand)" if self.by_hand else \
            f"{_points(self.earned)} / {_points(self.points)}"


@dataclass
class Checked:
    """What checking one notebook gave: its rows, or the one line saying why it was not checked."""
    notebook: str
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchecked: str = ""

    def earned(self) -> float:
        return sum(row.earned for row in self.rows if not row.by_hand)

    def points(self) -> float:
        """The autograded points (written answers are graded by hand: :meth:`by_hand`)."""
        return sum(row.points for row in self.rows if not row.by_hand)

    def by_hand(self) -> float:
        return sum(row.points for row in self.rows if row.by_hand)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell) -> bool:
    """A graded test cell: graded, with a grade id, and not an answer."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution") \
        and bool(meta.get("grade_id"))


def _is_written_answer(cell) -> bool:
    """A written answer: a markdown cell graded and an answer, which a person grades."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution")) \
        and bool(meta.get("grade_id"))


def _written_rows(name: str, release, learner) -> list[Row]:
    """A row per written answer of the release, saying where its model answer is and whether the
    learner's notebook still holds the released "YOUR ANSWER HERE" (or lost the cell)."""
    answers = {_nbgrader(c)["grade_id"]: c.get("source", "") for c in learner.cells if _is_written_answer(c)}
    rows = []
    for cell in filter(_is_written_answer, release.cells):
        grade_id = _nbgrader(cell)["grade_id"]
        written = answers.get(grade_id, ANSWER_STUB).strip() not in ("", ANSWER_STUB)
        rows.append(Row(grade_id, 0.0, float(_nbgrader(cell).get("points", 0)),
                        ("" if written else "not written yet; ")
                        + f"graded by hand: compare with the model answer in solutions/{name}/", by_hand=True))
    return rows


def with_released_tests(learner, release):
    """The learner's notebook with its test cells replaced by the release's, in release order.

    nbgrader puts back the test cells a learner deleted and overwrites changed ones
    from its gradebook; the release notebook holds the same cells.
    """
    graded = nbformat.from_dict(learner)
    graded.cells = [c for c in graded.cells if not _is_test(c)] + [c for c in release.cells if _is_test(c)]
    return graded


def _first_line(message: str, width: int = VERDICT_WIDTH) -> str:
    """The verdict's first line (with the next one when it ends in a colon, which announces the
    reason), cut to ``width`` characters."""
    lines = [line.strip() for line in message.splitlines() if line.strip()] or [""]
    line = f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
    return line if len(line) <= width else line[:width - 3] + "..."


def _rows(release, result: NotebookResult) -> list[Row]:
    """One row per test cell of the release, with its share of the points its metadata gives (partial credit)."""
    rows = []
    for cell in filter(_is_test, release.cells):
        grade_id, points = _nbgrader(cell)["grade_id"], float(_nbgrader(cell).get("points", 0))
        verdict = result.tests[grade_id]
        rows.append(Row(grade_id.removeprefix("test_"), round(points * verdict.score, 3), points,
                        verdict.message))
    return rows


def check_notebook(name: str, release_path: Path, learner_path: Path) -> Checked:
    """Grade the learner's notebook at ``learner_path`` with the tests of the release at ``release_path``."""
    if not learner_path.is_file():
        return Checked(name, unchecked=f"{learner_path} does not exist: run `python3 course.py lab` first, "
                                       "which copies the released notebooks into workspace/.")
    try:
        learner = nbformat.reads(learner_path.read_text(encoding="utf-8"), as_version=4)
    except Exception as err:  # not JSON, not a notebook, not UTF-8: say so and check the others
        reason = _first_line(str(err), 80) or type(err).__name__
        return Checked(name, unchecked=f"{learner_path} is not a readable notebook (not valid notebook JSON: "
                                       f"{reason}). Fix it or rename it and run "
                                       "`python3 course.py lab` for a fresh copy.")
    release = nbformat.read(release_path, as_version=4)
    result = grade_notebook(with_released_tests(learner, release), tenant="workspace")  # one learner: a warm sandbox
    return Checked(name, _rows(release, result) + _written_rows(name, release, learner), list(result.problems))


def notebooks(course: Path, prefixes: list[str]) -> list[str]:
    """The released notebooks' names (``NN-topic``) whose number or name starts with one of ``prefixes``
    (all when there are none)."""
    names = sorted(p.name for p in (course / "notebooks").iterdir() if (p / f"{p.name}.ipynb").is_file())
    return [n for n in names
            if not prefixes or any(n.startswith(p) or n.partition("-")[2].startswith(p) for p in prefixes)]


def _points(value: float) -> str:
    return f"{value:g}"


def table(results: list[Checked]) -> str:
    """The printed table: one line per exercise, a total per notebook, then the total of all."""
    lines = [f"{'notebook':30s} {'exercise':32s} {'points':>15s}  verdict"]
    for checked in results:
        if checked.unchecked:
            lines.append(f"{checked.notebook:30s} {checked.unchecked}")
            continue
        for row in checked.rows:
            verdict = row.message if row.by_hand else _first_line(row.message)  # a by-hand row's path stays whole
            lines.append(f"{checked.notebook:30s} {row.exercise:32s} {row.score():>15s}  {verdict}")
        total = f"{_points(checked.earned())} / {_points(checked.points())}"
        hand = f"  and {_points(checked.by_hand())} points graded by hand" if checked.by_hand() else ""
        lines.append(f"{checked.notebook:30s} {'TOTAL':32s} {total:>15s}{hand}")
        lines += [f"{'':30s} note: {problem}" for problem in checked.problems]
        lines.append("")
    graded = [c for c in results if not c.unchecked]
    earned, points = sum(c.earned() for c in graded), sum(c.points() for c in graded)
    hand = sum(c.by_hand() for c in graded)
    lines.append(f"All {len(graded)} notebook(s) checked: {_points(earned)} / {_points(points)} points"
                 + (f", and {_points(hand)} points of written answers graded by hand (not counted here)." if hand
                    else "."))
    return "\n".join(lines)


def _html_notebook(checked: Checked) -> str:
    e = html.escape
    if checked.unchecked:
        return f"<h2>{e(checked.notebook)}</h2>\n<p class='unchecked'>{e(checked.unchecked)}</p>"
    rows = "\n".join(
        f"<tr class='{'hand' if row.by_hand else 'ok' if row.earned == row.points else 'no'}'>"
        f"<td>{e(row.exercise)}</td><td class='n'>{e(row.score())}</td><td><pre>{e(row.message)}</pre></td></tr>"
        for row in checked.rows)
    hand = f" (and {_points(checked.by_hand())} points graded by hand)" if checked.by_hand() else ""
    problems = "".join(f"<li>{e(p)}</li>" for p in checked.problems)
    return (f"<h2>{e(checked.notebook)}: {_points(checked.earned())} / {_points(checked.points())} points{hand}</h2>\n"
            f"<table><tr><th>exercise</th><th>points</th><th>verdict</th></tr>\n{rows}</table>"
            + (f"\n<ul class='problems'>{problems}</ul>" if problems else ""))


def report_html(results: list[Checked], level: str) -> str:
    """The whole report as one self-contained HTML page (no script, nothing fetched)."""
    warning = f"<p class='warning'>{html.escape(PROCESS_LEVEL_WARNING)}</p>\n" if level == "process" else ""
    body = "\n".join(_html_notebook(c) for c in results)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>chainrule check</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
td.n {{ white-space: nowrap; }} pre {{ margin: 0; white-space: pre-wrap; }}
tr.ok td.n {{ background: #dfd; }} tr.no td.n {{ background: #fdd; }} tr.hand td.n {{ background: #eef; }}
.warning, .unchecked {{ color: #a00; }}
</style></head><body>
<h1>chainrule check, {datetime.now():%Y-%m-%d %H:%M}</h1>
<p>Graded with the hidden tests by the course's sandboxed grader (isolation: {html.escape(level)}).</p>
{warning}{body}
</body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course.py check", description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", metavar="NN", help="check only the notebooks whose number or "
                        "name starts with NN (e.g. 07, or single-layer); all by default")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder (default: here)")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    level = isolation_level()
    if level == "process":
        print(PROCESS_LEVEL_WARNING, flush=True)
    names = notebooks(course, args.prefixes)
    if not names:
        print(f"No released notebook's number or name starts with {' or '.join(args.prefixes)}.", file=sys.stderr)
        return 2
    results = []
    for name in names:
        print(f"Checking {name} ...", flush=True)
        results.append(check_notebook(name, course / "notebooks" / name / f"{name}.ipynb",
                                      course / "workspace" / name / f"{name}.ipynb"))
    print("\n" + table(results))
    report = course / REPORT
    report.parent.mkdir(exist_ok=True)
    report.write_text(report_html(results, level), encoding="utf-8")
    print(f"\nThe whole verdicts: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
