"""Every notebook runs top to bottom in a real kernel: the solutions as the
instructor has them, the learner version with the solutions filled in and
the reference package out of reach (as in a classroom's student environment),
and the learner version half done, as Run All meets it (chainrule.progress).
"""
from __future__ import annotations

import pytest

from .conftest import notebook_marker
from .nbtools import (ASSIGNMENTS, errors, execute, nbgrader_meta, output_text, read, release_path,
                      solution_cells, solution_path, stderr_text, graded_cells, with_sources)

pytestmark = pytest.mark.slow

BLOCK_REFERENCE = """\
import sys
class _NoReference:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "chainrule_reference":
            raise ModuleNotFoundError("chainrule_reference is not installed in this environment")
sys.meta_path.insert(0, _NoReference())
"""


class Execution:
    """Execution tests of one notebook; one subclass per notebook below."""

    assignment: str

    def test_solution_notebook_runs_clean(self):
        """Does the solution notebook run top to bottom with no error, no stderr, and every check passing?"""
        nb, seconds = execute(read(solution_path(self.assignment)), solution_path(self.assignment).parent)
        for i, cell in enumerate(nb.cells):
            assert not errors(cell), f"cell {i} failed: {errors(cell)}"
            assert not stderr_text(cell), f"cell {i} wrote to stderr: {stderr_text(cell)[:500]}"
        for gid, cell in graded_cells(nb).items():
            assert "[ok]" in "".join(o.get("text", "") for o in cell.outputs), f"{gid} printed no [ok]"
        summary = output_text(nb.cells[-1])
        assert summary.startswith(f"All {len(graded_cells(nb))} exercises pass their visible checks"), summary
        print(f"{self.assignment}: {seconds:.1f} s")

    def test_learner_notebook_passes_visible_checks_without_reference(self):
        """With the solutions filled in, do the learner notebook's checks pass where chainrule_reference is absent?"""
        released = read(release_path(self.assignment))
        filled = with_sources(released, solution_cells(read(solution_path(self.assignment))))
        first_code = next(i for i, c in enumerate(filled.cells) if c.cell_type == "code")
        filled.cells.insert(first_code, type(filled.cells[first_code])(
            cell_type="code", source=BLOCK_REFERENCE, metadata={}, outputs=[], execution_count=None))
        nb, _ = execute(filled, release_path(self.assignment).parent)
        for i, cell in enumerate(nb.cells):
            assert not errors(cell), f"cell {i} failed without the reference package: {errors(cell)}"
        checks = [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
        assert checks and all("[ok]" in "".join(o.get("text", "") for o in c.outputs) for c in checks)

    def test_run_all_on_a_half_done_notebook_runs_every_cell_and_ends_with_what_is_left(self):
        """Run All on the release with the first half of the answers written: does every cell run (the
        kernel reports no cell as failed, so nbclient goes on as JupyterLab does), and does the last
        cell list exactly the exercises whose checks did not print [ok]?"""
        released = read(release_path(self.assignment))
        answers = solution_cells(read(solution_path(self.assignment)))
        half = dict(list(answers.items())[:len(answers) // 2])
        nb, _ = execute(with_sources(released, half), release_path(self.assignment).parent)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), "Run All stopped before the end"
        passed = {gid.removeprefix("test_"): "[ok]" in output_text(c) for gid, c in graded_cells(nb).items()}
        assert any(passed.values()) and not all(passed.values()), passed
        summary = output_text(code[-1])
        assert summary.startswith(f"{sum(passed.values())} of {len(passed)} exercises pass"), summary
        listed = {line.split()[0] for line in summary.splitlines()[1:] if line.startswith("  ")}
        assert listed >= {name for name, ok in passed.items() if not ok}, summary
        assert not listed & {name for name, ok in passed.items() if ok}, summary


for _assignment in ASSIGNMENTS:  # one class per notebook, so xdist spreads notebooks over workers
    _name = f"TestNotebook{_assignment[:2]}"
    globals()[_name] = type(_name, (Execution,), {"assignment": _assignment,
                                                 "pytestmark": [notebook_marker(_assignment)]})
