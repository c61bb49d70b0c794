"""Every notebook runs top to bottom in a real kernel: the solutions as the
instructor has them, and the learner version with the solutions filled in and
the reference package out of reach (as in a classroom's student environment).
"""
from __future__ import annotations

import pytest

from .conftest import notebook_marker
from .nbtools import (ASSIGNMENTS, errors, execute, nbgrader_meta, read, release_path, solution_cells,
                      solution_path, stderr_text, graded_cells, with_sources)

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


for _assignment in ASSIGNMENTS:  # one class per notebook, so xdist spreads notebooks over workers
    _name = f"TestNotebook{_assignment[:2]}"
    globals()[_name] = type(_name, (Execution,), {"assignment": _assignment,
                                                 "pytestmark": [notebook_marker(_assignment)]})
