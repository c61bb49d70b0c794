"""What the feedback page of ``nbgrader generate_feedback`` shows, besides the grades.

``nbgrader_config.py`` plugs in:

- :class:`KeepLearnerOutputs`, in place of nbgrader's ``ClearOutput`` in
  ``Autograde.sanitize_preprocessors``: the outputs a learner's notebook held
  when she submitted it stay, for the cells that are not graded, filtered to
  kinds a browser shows without running anything (text, PNG figures, errors as
  text) and capped in size. The grader never runs those cells for her: they are
  her own run, with her own rights. Graded cells lose every output, as with
  ``ClearOutput``; a test cell's only output is then the sandbox's verdict
  (``SandboxedGrades``), which ``SaveAutoGrades`` scores.
- :class:`ExerciseNames`, in ``GenerateFeedback.preprocessors``: a name for each
  graded cell ("Exercise A1 · relu_forward"), from the heading of its part.
- :class:`FeedbackExporter` (``GenerateFeedback.exporter_class``) with the
  template ``templates/chainrule_feedback/feedback.html.j2``: nbgrader's feedback page, with those
  names in its summary and at each test cell, the kept outputs marked as the
  learner's own, and no MathJax (the markdown's math is MathML already, see
  :func:`chainrule_reference.exchange.safe_markdown2html`).
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from pathlib import Path

import nbgrader
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

__all__ = ["AS_SUBMITTED", "TEMPLATE_BASEDIRS", "ExerciseNames", "FeedbackExporter", "KeepLearnerOutputs",
           "exercise_names"]

# The cell metadata that marks outputs kept from the submission; the feedback template reads it.
AS_SUBMITTED = "chainrule_outputs_as_submitted"

# Where the feedback template is found: this package's, then nbgrader's own (which it extends).
TEMPLATE_BASEDIRS = [str(Path(__file__).parent / "templates"),
                     str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class KeepLearnerOutputs(NbGraderPreprocessor):
    """Clear the outputs of graded cells; keep the learner's own outputs of the others, made safe.

    A kept output is one of: a stream (stdout or stderr) as text; an
    ``execute_result`` or ``display_data`` reduced to its ``text/plain`` and
    ``image/png`` (a real PNG, re-encoded, at most ``max_image_bytes``, and at
    most ``max_notebook_image_bytes`` of figures in all); an error, as its
    strings. HTML, JavaScript, SVG, widgets, other kinds and all output
    metadata are dropped. A cell's text is cut at ``max_lines`` lines and
    ``max_chars`` characters, a traceback at ``max_traceback`` lines, as
    nbgrader's ``LimitOutput`` does. Cells with kept outputs get
    ``metadata[AS_SUBMITTED] = True``; the feedback says these outputs are the
    learner's, not run by the grader.

    Put it after ``RestoreCells`` (nbgrader's ``OverwriteCells``): which cells
    are graded is then the gradebook's word, not the submission's.
    """

    max_image_bytes = Integer(1 << 20, help="Largest PNG figure kept, in bytes.").tag(config=True)
    max_notebook_image_bytes = Integer(4 << 20, help="PNG figures kept per notebook, in bytes.").tag(config=True)
    max_lines = Integer(200, help="Lines of text kept per cell.").tag(config=True)
    max_chars = Integer(20_000, help="Characters of text kept per cell.").tag(config=True)
    max_traceback = Integer(60, help="Lines of a traceback kept.").tag(config=True)

    def preprocess(self, nb, resources):
        """Filter every code cell's outputs, with one budget of figures for the notebook."""
        self._image_bytes_left = self.max_notebook_image_bytes
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        """Clear a graded cell; keep a safe copy of another's outputs and mark it as the learner's."""
        if cell.cell_type != "code":
            return cell, resources
        cell.metadata.pop(AS_SUBMITTED, None)
        for field in ("collapsed", "scrolled"):  # as ClearOutput
            cell.metadata.pop(field, None)
        submitted = cell.get("outputs")
        outputs = [] if utils.is_grade(cell) or not isinstance(submitted, list) else self._safe_outputs(submitted)
        cell.outputs = outputs
        if outputs:
            cell.metadata[AS_SUBMITTED] = True
        if not outputs or not isinstance(cell.get("execution_count"), int):
            cell.execution_count = None
        return cell, resources

    def _safe_outputs(self, outputs) -> list:
        """The outputs of one cell that are kept, rebuilt from checked parts only (a submission's
        notebook need not be valid: anything of an unexpected type is left out)."""
        kept, text = [], _TextBudget(self.max_lines, self.max_chars)
        for output in filter(lambda output: isinstance(output, dict), outputs):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") in ("stdout", "stderr") and isinstance(output.get("text"), str):
                safe = new_output("stream", name=output["name"], text=text.take(output["text"]))
                if not safe.text:
                    continue
            elif kind in ("execute_result", "display_data") and isinstance(output.get("data"), dict):
                data = self._safe_data(output["data"], text)
                if not data:
                    continue
                safe = new_output(kind, data=data)
                if kind == "execute_result":
                    count = output.get("execution_count")
                    safe.execution_count = count if isinstance(count, int) else None
            elif kind == "error":
                safe = self._safe_error(output, text)
            else:
                continue
            kept.append(safe)
        return kept

    def _safe_data(self, data, text: _TextBudget) -> dict:
        """A display's ``text/plain`` (within the cell's text budget) and ``image/png`` (checked)."""
        safe = {}
        if isinstance(data.get("text/plain"), str) and (plain := text.take(data["text/plain"])):
            safe["text/plain"] = plain
        png = _png_bytes(data.get("image/png"))
        if png is not None:
            if len(png) <= min(self.max_image_bytes, self._image_bytes_left):
                self._image_bytes_left -= len(png)
                safe["image/png"] = base64.b64encode(png).decode("ascii")
            else:
                safe["text/plain"] = text.take(f"[a figure of {len(png):,} bytes, over the size kept in feedback]")
        return safe

    def _safe_error(self, output, text: _TextBudget):
        """An error output with string fields only, its traceback cut in the middle."""
        traceback = output.get("traceback")
        lines = [line for line in traceback if isinstance(line, str)] if isinstance(traceback, list) else []
        if len(lines) > self.max_traceback:
            head, tail = self.max_traceback // 2, self.max_traceback - self.max_traceback // 2 - 1
            lines = lines[:head] + ["... Traceback truncated ..."] + lines[len(lines) - tail:]
        return new_output("error", ename=text.take(str(output.get("ename", ""))[:200]),
                          evalue=text.take(str(output.get("evalue", ""))[:2000]),
                          traceback=[text.take(line) for line in lines])


class _TextBudget:
    """The lines and characters of text one cell may still show."""

    def __init__(self, lines: int, chars: int):
        self.lines, self.chars = lines, chars

    def take(self, text: str) -> str:
        """``text``, or as much of it as the budget allows, marked as cut; nothing once it is spent."""
        if self.lines <= 0:
            return ""
        lines = text.split("\n")
        if len(lines) <= self.lines and len(text) <= self.chars:
            self.lines, self.chars = self.lines - len(lines), self.chars - len(text)
            return text
        kept = "\n".join(lines[:self.lines - 1])[:self.chars]
        self.lines = 0
        return kept + "\n... Output truncated ...\n"


def _png_bytes(value) -> bytes | None:
    """The bytes of a base64 PNG, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    try:
        png = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return png if png.startswith(_PNG_SIGNATURE) else None


# A heading that carries points: "### Exercise A1: the ReLU forward pass (1 point)".
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.*\(\d+ points?\b.*)$", re.MULTILINE)
_LABEL_LENGTH = 60


def exercise_names(nb) -> dict[str, str]:
    """Graded cells' names by grade id: the heading of the part each belongs to, up to its colon,
    and the function it grades ("Exercise A1 · relu_forward"); the bare function without such a heading.

    The part is the last markdown heading before the cell that names points
    ("... (1 point)", "(2 points, graded by hand)"); headings in learners' answers do not count.
    """
    names, part = {}, None
    for cell in nb.cells:
        if utils.is_grade(cell):
            function = cell.metadata.nbgrader["grade_id"].removeprefix("test_")
            names[cell.metadata.nbgrader["grade_id"]] = f"{part} · {function}" if part else function
        if cell.cell_type == "markdown" and not utils.is_solution(cell):
            for match in _HEADING.finditer(cell.source):
                title = re.sub(r"\s*\(\d+ points?\b[^)]*\)", "", match["title"])
                part = title.split(":", 1)[0].strip()[:_LABEL_LENGTH] or None
    return names


class ExerciseNames(Preprocessor):
    """Put :func:`exercise_names` into ``resources["exercise_names"]`` for the feedback template.

    An nbconvert preprocessor (nbgrader's own would warn about the HTML exporter's display settings).
    """

    enabled = Bool(True, help="Whether to name the graded cells").tag(config=True)

    def preprocess(self, nb, resources):
        resources["exercise_names"] = exercise_names(nb)
        return nb, resources


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML exporter under a name of its own, so that ``nbgrader_config.py`` can give the
    feedback its template (``c.FeedbackExporter.template_name``) without changing the formgrader's.

    Two things make a class's pages cheaper than nbconvert's, with the same HTML for a reader:

    - No second pass over the page. nbconvert's ``HTMLExporter`` parses the whole page again with
      BeautifulSoup to give an ``alt`` text to images without one and a ``tabindex`` to the cells of
      JupyterLab's template; that pass was 60% of a feedback page's time. This page comes from the
      classic template, which has no such cells, and gives every image an ``alt`` text itself (the
      template for figures, :func:`chainrule_reference.exchange.markdown_to_safe_html` for markdown).
    - Code is highlighted once per process (:class:`CachedHighlight`): the notebook's own cells are
      the same on every student's page.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        """The page of ``nb``: ``HTMLExporter.from_notebook_node`` without its BeautifulSoup pass."""
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", CachedHighlight(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


class CachedHighlight(Highlight2HTML):
    """nbconvert's code highlighting, computed once per process for each source, language and
    formatter options (a cell's metadata changes the result only through ``magics_language``);
    sources over :data:`_CACHED_CODE_CHARS` characters are highlighted every time."""

    def __call__(self, source, language=None, metadata=None):
        if len(source) > _CACHED_CODE_CHARS:
            return super().__call__(source, language, metadata)
        magics = (metadata or {}).get("magics_language")
        options = json.dumps(self.extra_formatter_options, sort_keys=True, default=repr)
        return _highlighted(source, language or self.pygments_lexer, magics, options)


_CACHED_CODE_CHARS = 20_000


@functools.lru_cache(maxsize=4096)
def _highlighted(source: str, language: str, magics: str | None, options: str) -> str:
    highlight = Highlight2HTML(pygments_lexer=language, extra_formatter_options=json.loads(options))
    return highlight(source, language, {"magics_language": magics} if magics else None)
