"""The feedback pages, through real `nbgrader autograde` and `nbgrader generate_feedback` with the course's
nbgrader_config.py (chainrule_reference.feedback, chainrule_reference.exchange):

- each graded part is named by its exercise, in the summary and at its test cell;
- the math is MathML made on the grader, and the page loads no script (no MathJax, no CDN);
- the outputs a learner's notebook held when she submitted it show, marked as hers, filtered to text,
  PNG figures and errors; her test cells' outputs are only the sandbox's verdicts.

Attacks: test cells carrying fake passing outputs over wrong answers score nothing, and an answer
cell's HTML, JavaScript, SVG and forged PNG outputs never reach the page. Every formula of the ten
solution notebooks converts to MathML (the test reports how many fell back to TeX source).
"""
from __future__ import annotations

import base64
import re

import nbformat
import pytest
from markupsafe import escape
from nbformat.v4 import new_code_cell, new_notebook, new_output

from chainrule_reference.exchange import markdown_to_safe_html, tex_to_mathml
from chainrule_reference.feedback import AS_SUBMITTED, KeepLearnerOutputs, exercise_names

from .nbtools import (ASSIGNMENTS, STUB, autograded, execute, gradebook_scores, graded_cells, make_course, nbgrader,
                      nbgrader_meta, read, solution_cells, solution_path, submit, with_bodies)

ASSIGNMENT = ASSIGNMENTS[1]  # 02-computational-graphs: every test cell sits under an "Exercise ..." heading
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
LABEL = "Output as you submitted it; not run by the grader."
PRINTED = "alice's own line: 6 * 7 = 42"
DEMO = f"""import matplotlib.pyplot as plt
print({PRINTED.split(' = ')[0]!r}, "=", 6 * 7)
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1, 2], [2, 0, 1])
plt.show()
"""
FAKE_PASS = "Hidden test: all 6 cases passed (written by the learner)."
HOSTILE = [
    new_output("display_data", data={"text/html": "<script>document.title='stolen'</script><b>bold</b>",
                                     "application/javascript": "document.title='stolen'",
                                     "image/svg+xml": "<svg onload=\"document.title='stolen'\"></svg>",
                                     "text/plain": "mallory's plain text"}),
    new_output("display_data", data={"image/png": "iVBORw0KGgo=\" onerror=\"document.title='stolen'"},
               metadata={"filenames": {"image/png": "/etc/passwd"}, "image/png": {"width": "1 onload=x"}}),
    new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "stolen"}}),
]

pytestmark = [pytest.mark.slow, pytest.mark.nb02]


def _png(nb) -> str:
    """The base64 PNG of the first figure in ``nb``."""
    return next(o.data["image/png"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if "image/png" in o.get("data", {}))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """alice: the solution with one more demo cell, that prints and draws, run in a kernel as she would
    before submitting. mallory: every answer the stub, fake passing outputs in every test cell (one of them
    also stripped of its nbgrader marks), hostile outputs in her first answer cell. Autograde, feedback."""
    course = make_course(tmp_path_factory.mktemp("feedback") / "course", [ASSIGNMENT])
    solution = read(solution_path(ASSIGNMENT))

    alice = nbformat.from_dict(solution)
    alice.cells.insert(2, new_code_cell(DEMO))
    alice, _ = execute(alice, course / "notebooks" / ASSIGNMENT, timeout=120)

    mallory = with_bodies(solution, {gid: STUB for gid in solution_cells(solution)})
    tests = [c for c in mallory.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
    for cell in tests:
        cell.outputs = [new_output("stream", name="stdout", text=FAKE_PASS + "\n")]
        cell.execution_count = 3
    del tests[-1].metadata["nbgrader"]  # an ordinary cell now: nbgrader puts the test cell back beside it
    answer = next(c for c in mallory.cells if nbgrader_meta(c).get("solution"))
    answer.outputs = HOSTILE

    for student, nb in (("alice", alice), ("mallory", mallory)):
        submit(course, student, ASSIGNMENT, nb)
    nbgrader("autograde", ASSIGNMENT, "--create", cwd=course)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course)
    feedback = {s: (course / "autograde" / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
                for s in ("alice", "mallory")}
    return {"course": course, "solution": solution, "alice": alice, "feedback": feedback,
            "scores": gradebook_scores(course, ASSIGNMENT)}


def test_the_summary_and_each_test_cell_name_the_exercise(graded):
    """"Exercise A1 · add_backward: 1 / 1" in the summary, the same name at the test cell; no "Test cell"."""
    html = graded["feedback"]["alice"]
    names = exercise_names(graded["solution"])
    assert names["test_add_backward"] == "Exercise A1 · add_backward"
    for gid, cell in graded_cells(graded["solution"]).items():
        points = f"{cell.metadata.nbgrader['points']:g}"
        assert f'<a href="#{gid}">{names[gid]}</a>: {points} / {points}</li>' in html, gid
        assert f'<span class="nbgrader-label">{names[gid]}</span>' in html, gid
    assert "Test cell" not in html


def test_the_math_is_mathml_and_the_page_loads_nothing(graded):
    """MathML for the markdown's TeX; no script at all (no MathJax, no CDN), nothing fetched from elsewhere."""
    for html in graded["feedback"].values():
        assert html.count("<math") > 50 and 'class="tex-source"' not in html
        lowered = html.lower()
        assert "<script" not in lowered and "mathjax" not in lowered
        assert not re.search(r'<(img|link|iframe)\b[^>]*(src|href)="(https?:)?//', lowered)


def test_the_learners_own_outputs_show_marked_as_hers(graded):
    """alice's printed line and her figure, as her kernel made them, under the label of their cell."""
    html = graded["feedback"]["alice"]
    printed = str(escape(PRINTED))  # as the template writes text: quotes as character references
    assert printed in html
    png = base64.b64encode(base64.b64decode(_png(graded["alice"]))).decode()
    assert f'src="data:image/png;base64,{png}" alt="' in html
    assert html.index("subplots") < html.rindex(LABEL, 0, html.index(printed))


def test_test_cells_hold_only_the_sandbox_verdicts(graded):
    """alice's test cells ran in her kernel and printed there; after grading each holds one output, the
    verdict of the sandbox, and none is marked as hers. Full marks."""
    nb = autograded(graded["course"], "alice", ASSIGNMENT)
    for gid, cell in graded_cells(nb).items():
        assert [o.output_type for o in cell.outputs] == ["stream"], gid
        assert cell.outputs[0].text.startswith(f"Hidden test '{gid.removeprefix('test_')}'"), gid
        assert AS_SUBMITTED not in cell.metadata, gid
    assert all(score == full > 0 for gid, (score, full) in graded["scores"]["alice"].items()
               if gid in graded_cells(nb))  # written answers wait for a grader


def test_fake_passing_outputs_in_test_cells_score_nothing(graded):
    """mallory's test cells carried passing outputs over stub answers: every test scores 0, each test
    cell holds the sandbox's failure, and her fake outputs are shown only on the ungraded cell she made."""
    assert all(score == 0 for score, _ in graded["scores"]["mallory"].values()), graded["scores"]["mallory"]
    nb = autograded(graded["course"], "mallory", ASSIGNMENT)
    for gid, cell in graded_cells(nb).items():
        assert [(o.output_type, o.get("ename")) for o in cell.outputs] == [("error", "CheckFailure")], gid
    html = graded["feedback"]["mallory"]
    assert html.count(FAKE_PASS) == 1 and html.index(LABEL) < html.index(FAKE_PASS)


def test_hostile_outputs_never_reach_the_page(graded):
    """HTML, JavaScript, SVG, widgets, a forged PNG and output metadata are dropped; the text stays."""
    html = graded["feedback"]["mallory"]
    assert "mallory&#39;s plain text" in html or "mallory's plain text" in html
    for banned in ("stolen", "onerror", "onload", "/etc/passwd", "<svg", "<b>bold</b>"):
        assert banned not in html, banned
    answer = next(c for c in autograded(graded["course"], "mallory", ASSIGNMENT).cells
                  if nbgrader_meta(c).get("solution"))
    assert [sorted(o.data) for o in answer.outputs] == [["text/plain"]]
    assert answer.outputs[0].metadata == {}


def test_every_formula_of_the_solutions_converts_to_mathml():
    """Every markdown cell of solutions/*/*.ipynb through the feedback's renderer: no exception, and the
    number of formulas that fell back to their TeX source is reported (and is zero)."""
    formulas = fallbacks = 0
    fell_back = []
    for assignment in ASSIGNMENTS:
        for cell in read(solution_path(assignment)).cells:
            if cell.cell_type == "markdown":
                html = markdown_to_safe_html(cell.source)
                formulas += html.count("<math") + html.count('class="tex-source"')
                fallbacks += html.count('class="tex-source"')
                fell_back += re.findall(r'<code class="tex-source">(.*?)</code>', html)
    print(f"{formulas} formulas in {len(ASSIGNMENTS)} solution notebooks; {fallbacks} fell back to TeX source")
    assert formulas > 1000
    assert fallbacks == 0, fell_back


def test_tex_that_does_not_convert_shows_as_source_and_learner_text_stays_text():
    assert tex_to_mathml(r"\frac{1}{", display=False) == r'<code class="tex-source">$\frac{1}{$</code>'
    html = markdown_to_safe_html(r"$\text{<script>alert(1)</script>}$ and $\href{javascript:alert(1)}{x}$")
    assert "<script" not in html and "javascript" not in html and "<math" in html


def _cell(outputs, **nbgrader):
    cell = new_code_cell("pass", outputs=outputs, execution_count=4)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def test_kept_outputs_are_filtered_and_capped():
    """Directly on KeepLearnerOutputs: a graded cell loses everything; text is cut at 200 lines, a
    traceback at 60; a PNG over 1 MiB, or beyond 4 MiB of figures in the notebook, becomes a note."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(900_000)).decode()
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(1_100_000)).decode()
    nb = new_notebook(cells=[
        _cell([new_output("stream", name="stdout", text="x\n" * 1000)]),
        _cell([new_output("display_data", data={"image/png": png}) for _ in range(5)]),
        _cell([new_output("display_data", data={"image/png": big, "text/plain": "<Figure>"})]),
        _cell([new_output("error", ename="ValueError", evalue="no", traceback=[f"line {i}" for i in range(500)])]),
        _cell([new_output("display_data", data={"text/html": "<i>only html</i>"})]),
        _cell([new_output("stream", name="stdout", text="a pass\n")], grade=True, grade_id="test_x", points=1,
              solution=False, locked=True),
    ])
    nb, _ = KeepLearnerOutputs().preprocess(nb, {})
    text, figures, too_big, error, html_only, graded = nb.cells
    assert text.outputs[0].text.count("\n") <= 201 and text.outputs[0].text.endswith("... Output truncated ...\n")
    assert ["image/png" in o.data for o in figures.outputs] == [True] * 4 + [False]
    assert "over the size kept in feedback" in figures.outputs[4].data["text/plain"]
    assert list(too_big.outputs[0].data) == ["text/plain"]
    assert len(error.outputs[0].traceback) == 60 and "... Traceback truncated ..." in error.outputs[0].traceback
    assert html_only.outputs == [] and AS_SUBMITTED not in html_only.metadata and html_only.execution_count is None
    assert graded.outputs == [] and AS_SUBMITTED not in graded.metadata and graded.execution_count is None
    assert all(c.metadata[AS_SUBMITTED] and c.execution_count == 4 for c in (text, figures, too_big, error))
    nbformat.validate(nb)


def test_markdown_rendered_once_per_process_is_the_same_html():
    """Is every markdown cell of the ten solutions rendered the same from the cache as afresh, and does a cell's
    attachment still reach its page (attachments are never served from the cache)?"""
    from chainrule_reference.exchange import _render_markdown
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(solution_path(assignment), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not cell.get("attachments"):
                first = markdown_to_safe_html(cell.source, path="a")
                assert markdown_to_safe_html(cell.source, path="b") == first == _render_markdown(cell.source, "c", {})
    source = "![dot](attachment:dot.png)"
    pages = [markdown_to_safe_html(source, attachments={"dot.png": {"image/png": data}}) for data in ("AAAA", "BBBB")]
    assert "AAAA" in pages[0] and "BBBB" in pages[1]


def test_code_highlighted_once_per_process_is_nbconverts_html():
    """Is every code cell of the ten solutions highlighted from the cache as nbconvert highlights it, with the
    magics language of a cell's metadata still heeded?"""
    from nbconvert.filters.highlight import Highlight2HTML

    from chainrule_reference.feedback import CachedHighlight
    cached, fresh = CachedHighlight(pygments_lexer="ipython3"), Highlight2HTML(pygments_lexer="ipython3")
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(solution_path(assignment), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cached(cell.source) == cached(cell.source) == fresh(cell.source)
    magic = {"magics_language": "bash"}
    assert cached("%%bash\necho $HOME", metadata=magic) == fresh("%%bash\necho $HOME", metadata=magic)
    assert cached("%%bash\necho $HOME", metadata=magic) != cached("%%bash\necho $HOME")


def test_every_image_has_a_description():
    """A figure kept from the submission and an image written in markdown without ``alt`` both get one:
    the page is not parsed again afterwards to add it."""
    from chainrule_reference.exchange import NO_ALT_TEXT
    html = markdown_to_safe_html('<img src="https://example.org/a.png"> ![a dot](b.png)')
    assert f'alt="{NO_ALT_TEXT}"' in html and 'alt="a dot"' in html
