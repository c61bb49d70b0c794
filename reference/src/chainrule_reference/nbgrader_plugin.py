"""nbgrader's autograde step, with the grades decided outside the learner's kernel.

``nbgrader_config.py`` puts :class:`SandboxedGrades` in place of nbgrader's
``Execute`` in ``Autograde.autograde_preprocessors``: the submission's code is
not run in a Jupyter kernel with the grader's rights at all. Each graded test
cell gets, as its output, the verdict of
:func:`chainrule_reference.sandbox.grader.grade_notebook` (an error output when
the hidden test failed, a line of text when it passed); nbgrader's own
``SaveAutoGrades`` then scores the cells from those outputs as usual, so the
gradebook, formgrader, feedback and export work unchanged.

Learners keep the in-notebook tests: a test cell run in Jupyter calls
``grade(...)`` in the learner's kernel, which is for feedback only.

Where bubblewrap is missing (isolation level "process"), the log says so loudly,
once per grading process.

A written answer (a markdown cell that is both graded and an answer, scored by
hand) is left to nbgrader: ``SaveAutoGrades`` marks it ``needs_manual_grade``
once the learner has written anything. :class:`RestoreCells` puts a *grader's
note* after each one in the autograded notebook: the model answer and its
rubric from the source notebook, which the Formgrader shows beside the
learner's answer and the feedback page leaves out (cell metadata
:data:`GRADER_NOTE`).
"""
from __future__ import annotations

import functools
import json
import os
import traceback

import jsonschema
import nbformat
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbGraderCheckCellMetadata
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import Float, Integer

from .sandbox.grader import grade_notebook
from .sandbox.process import PROCESS_LEVEL_WARNING, Limits, isolation_level

__all__ = ["ANSWER_STUB", "GRADER_NOTE", "CheckCellMetadata", "RestoreCells", "SandboxedGrades", "add_grader_notes",
           "is_written_answer", "written_answers"]

# The text nbgrader's ClearSolutions leaves in a released written answer (its default text_stub).
ANSWER_STUB = "YOUR ANSWER HERE"
# The metadata of a grader's note: shown in the Formgrader, left out of the learner's feedback.
GRADER_NOTE = "chainrule_grader_note"
_SOLUTION_MARKS = ("### BEGIN SOLUTION", "### END SOLUTION")


def is_written_answer(cell) -> bool:
    """A hand-graded written answer: a markdown cell with nbgrader's grade and solution marks."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution")) \
        and bool(meta.get("grade_id"))


def written_answers(nb) -> dict[str, str]:
    """The written answers of ``nb``: grade id -> the cell's text."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nb.cells if is_written_answer(cell)}


@functools.lru_cache(maxsize=64)
def _source_written_answers(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    """:func:`written_answers` of the source notebook at ``path``, read once per version of the file (the
    grader's notes of a class's notebooks all come from it)."""
    return written_answers(nbformat.read(path, as_version=4))


def add_grader_notes(nb, model_answers: dict[str, str], source: str) -> int:
    """After each written answer of ``nb`` whose model answer ``model_answers`` holds, put a grader's note
    (a plain markdown cell marked :data:`GRADER_NOTE`) quoting the model answer and its rubric, from the
    notebook ``source``; notes already there are replaced. Returns the number of notes."""
    nb.cells = [cell for cell in nb.cells if not cell.get("metadata", {}).get(GRADER_NOTE)]
    added = 0
    for index in reversed(range(len(nb.cells))):
        cell = nb.cells[index]
        model = model_answers.get(cell.metadata.get("nbgrader", {}).get("grade_id")) if is_written_answer(cell) \
            else None
        if not model or not model.strip():
            continue
        lines = [line for line in model.strip().splitlines() if line.strip() not in _SOLUTION_MARKS]
        quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
        note = new_markdown_cell(
            f"**For the grader: the model answer and rubric of `{cell.metadata.nbgrader['grade_id']}`** "
            f"(from `{source}`; added at autograding, not shown in the learner's feedback)\n\n{quoted}",
            metadata={GRADER_NOTE: True})
        nb.cells.insert(index + 1, note)
        added += 1
    return added


class RestoreCells(OverwriteCells):
    """nbgrader's OverwriteCells, for a cell whose grade id the gradebook does not know.

    nbgrader 0.9.6 deletes only such a cell's grade id and keeps its other
    nbgrader marks, and then ``add_missing_cells`` fails on it (KeyError
    'grade_id'), so the whole notebook goes ungraded. Here the cell becomes an
    ordinary one, and the cell whose id was changed is put back like a deleted one.

    nbgrader 0.9.6 also puts a deleted test cell back only after the cell before it in the
    source, and fails (KeyError) when that one was deleted too: a learner who deletes an
    exercise (its answer cell and its test cell) would lose the whole notebook. Here a missing
    graded cell goes after the nearest cell before it in the source that the notebook still has
    (or first), so the deleted exercise costs only its own points.
    """

    def preprocess(self, nb, resources):
        """nbgrader's OverwriteCells, then a grader's note after each written answer (:func:`add_grader_notes`)."""
        nb, resources = super().preprocess(nb, resources)
        self._add_grader_notes(nb, resources)
        return nb, resources

    def _add_grader_notes(self, nb, resources) -> None:
        """The model answers come from the assignment's source notebook (the course's source_directory)."""
        from nbgrader.coursedir import CourseDirectory

        nb.cells = [cell for cell in nb.cells if not cell.get("metadata", {}).get(GRADER_NOTE)]  # none of hers
        if not any(is_written_answer(cell) for cell in nb.cells):
            return
        where = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        path = os.path.join(coursedir.format_path(coursedir.source_directory, ".", where.get("assignment", "")),
                            f"{where.get('notebook', '')}.ipynb")
        try:
            found = os.stat(path)
            models = _source_written_answers(path, found.st_mtime_ns, found.st_size)
        except (OSError, ValueError) as error:
            self.log.warning("No grader's notes for the written answers: %s (%s)", path, error)
            return
        add_grader_notes(nb, models, os.path.relpath(path, coursedir.root))

    def preprocess_cell(self, cell, resources, cell_index):
        had_id = "grade_id" in cell.metadata.get("nbgrader", {})
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_id and "grade_id" not in cell.metadata.get("nbgrader", {}):
            del cell.metadata["nbgrader"]
        return cell, resources

    def add_missing_grade_cells(self, nb, resources):
        """Put back every graded cell of the source that the notebook lacks, in source order, each after
        the nearest cell before it in the source that the notebook has (or first)."""
        source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source.source_cells]
        points = {cell.name: cell.max_score for cell in source.grade_cells}
        solutions = {cell.name for cell in source.solution_cells}
        for name in (name for name in order if name in points):
            where = {cell.metadata.get("nbgrader", {}).get("grade_id"): i for i, cell in enumerate(nb.cells)}
            if name in where:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            earlier = [where[other] for other in reversed(order[:order.index(name)]) if other in where]
            cell = self.missing_cell_transform(source.source_cells[order.index(name)], points[name],
                                               is_solution=name in solutions)
            nb.cells.insert(earlier[0] + 1 if earlier else 0, cell)
        return nb, resources


def _outputs(verdict, points: float) -> list:
    """The outputs that make nbgrader's SaveAutoGrades score a test cell as ``verdict`` says.

    nbgrader gives all the points to a cell without an error output, none to one with an error, and,
    to a cell whose output is a number (an ``execute_result``), that many points: partial credit.
    """
    if verdict.passed:
        return [new_output("stream", name="stdout", text=verdict.message + "\n")]
    if verdict.score > 0:
        earned = round(points * verdict.score, 3)
        return [new_output("stream", name="stdout", text=f"{verdict.message}\nPoints: {earned:g} of {points:g}.\n"),
                new_output("execute_result", data={"text/plain": f"{earned:g}"}, execution_count=None)]
    return [new_output("error", ename="CheckFailure", evalue=verdict.message,
                       traceback=["CheckFailure: " + verdict.message])]


_WARNED = False


def _warn_at_process_level(log) -> None:
    """Log :data:`PROCESS_LEVEL_WARNING` once per process when the learner's code runs unconfined."""
    global _WARNED
    if not _WARNED and isolation_level() == "process":
        log.warning(PROCESS_LEVEL_WARNING)
        _WARNED = True


class SandboxedGrades(NbGraderPreprocessor):
    """Grade the notebook's test cells in a sandbox and write the verdicts as the cells' outputs."""

    cell_timeout = Float(10.0, help="Seconds each answer cell may take to run.").tag(config=True)
    test_timeout = Float(30.0, help="Seconds each hidden test may take, all its cases together.").tag(config=True)
    notebook_timeout = Float(300.0, help="Seconds for a whole notebook: its answer cells, the restarts of the "
                             "learner's process and its hidden tests. Tests still waiting when it runs out "
                             "fail, saying so.").tag(config=True)
    memory_mb = Integer(2048, help="Address space of the learner's process, in MiB.").tag(config=True)
    cpu_seconds = Integer(600, help="CPU time of the learner's process, in seconds.").tag(config=True)

    def preprocess(self, nb, resources):
        _warn_at_process_level(self.log)
        where = resources.get("nbgrader", {})
        who = f"{where.get('student', '?')}/{where.get('assignment', '?')}/{where.get('notebook', '?')}"
        result = grade_notebook(
            nb, limits=Limits(memory_bytes=self.memory_mb << 20, cpu_seconds=self.cpu_seconds),
            cell_timeout=self.cell_timeout, test_timeout=self.test_timeout, notebook_timeout=self.notebook_timeout,
            log=lambda line: self.log.warning("%s: %s", who, line), tenant=where.get("student"))
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            verdict = result.tests.get(grade_id)
            if cell.cell_type != "code" or verdict is None:
                continue
            cell.outputs = _outputs(verdict, float(cell.metadata["nbgrader"].get("points", 0)))
        nb.metadata["chainrule_grading"] = {
            "isolation": result.isolation, "seconds": round(result.seconds, 3),
            "start_seconds": round(result.start_seconds, 3), "cells_seconds": round(result.cells_seconds, 3),
            "restarts": result.restarts, "cells_rerun": result.cells_rerun, "out_of_time": result.out_of_time,
            "problems": result.problems,
            "tests": {gid: {"passed": v.passed, "score": v.score, "message": v.message, "seconds": round(v.seconds, 3)}
                      for gid, v in result.tests.items()}}
        failed = sum(not v.passed for v in result.tests.values())
        self.log.info("%s: %d of %d hidden tests passed (%s isolation, %.2f s)%s", who, len(result.tests) - failed,
                      len(result.tests), result.isolation, result.seconds,
                      f"; problems: {json.dumps(result.problems)}" if result.problems else "")
        return nb, resources


class _SchemaCheckedOnce(BaseMetadataValidator):
    """nbgrader's check of one cell's metadata against its JSON schema, with the schema's validator made once.

    ``jsonschema.validate`` (what nbgrader calls) first checks the schema itself against JSON Schema's
    metaschema, on every call: 90% of the cost of checking a notebook's metadata. The verdicts are
    ``jsonschema.validate``'s: the same best-matching error is raised; other schema versions go to nbgrader.
    """

    _validators: dict[int, jsonschema.protocols.Validator] = {}  # by schema version (nbgrader's v{N}.json)

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nothing to check, or nbgrader's own error for that version
        if self.schema_version not in self._validators:
            kind = jsonschema.validators.validator_for(self.schema)
            kind.check_schema(self.schema)
            self._validators[self.schema_version] = kind(self.schema)
        error = jsonschema.exceptions.best_match(self._validators[self.schema_version].iter_errors(meta))
        if error is not None:
            raise error


class _MetadataValidator(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's metadata validator (the current schema's), its schema check done by :class:`_SchemaCheckedOnce`."""


class CheckCellMetadata(NbGraderCheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` with the same verdicts, its schema's validator made once per process
    (:class:`_SchemaCheckedOnce`): 12 ms less per check of a notebook, and autograde checks each twice."""

    def preprocess(self, nb, resources):
        try:
            _MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
