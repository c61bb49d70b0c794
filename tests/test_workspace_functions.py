"""chainrule.workspace: a later notebook takes the learner's own functions from an earlier notebook.

Only definitions run (imports, def, class), never an experiment; a missing notebook, a missing or
unwritten function and a failing definition are each named.
"""
from __future__ import annotations

import nbformat
import numpy as np
import pytest

from chainrule.workspace import NotebookFunctionsMissing, functions_from_notebook

from .nbtools import solution_path


def _notebook(tmp_path, cells, name="07-x.ipynb"):
    """A notebook of code cells; (source, grade_id) makes an answer cell, a plain string an ordinary one."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, tuple):
            source, gid = cell
            meta = {"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": gid,
                                 "schema_version": 3, "task": False}}
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(cell))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_functions_run_with_their_imports_and_helpers_and_nothing_else(tmp_path):
    """Does a function come back with the first cell's imports and a helper of another cell, while
    top-level statements (an experiment, a print, an error) never run?"""
    path = _notebook(tmp_path, [
        "import numpy as np\nraise RuntimeError('the setup cell ran beyond its imports')",
        "def double(x):\n    return 2 * x\nraise RuntimeError('a demo cell ran')",
        ("def f(x):\n    return double(np.asarray(x)) + 1\nprint(undefined_name)", "f"),
        "def unrelated():\n    raise RuntimeError('never called')\nunrelated()",
    ])
    f = functions_from_notebook(path, ["f"])["f"]
    assert np.array_equal(f([1, 2]), np.array([3, 5]))


def test_a_missing_notebook_is_named(tmp_path):
    """Is a notebook that is not there named with the folder searched?"""
    with pytest.raises(NotebookFunctionsMissing, match="there is no notebook"):
        functions_from_notebook(tmp_path / "07-missing.ipynb", ["f"])


def test_an_unreadable_notebook_is_named(tmp_path):
    """Is a file that is not a notebook named?"""
    path = tmp_path / "broken.ipynb"
    path.write_text("{ not json")
    with pytest.raises(NotebookFunctionsMissing, match="could not be read"):
        functions_from_notebook(path, ["f"])


def test_an_unwritten_function_is_named(tmp_path):
    """Is a stub that still raises NotImplementedError named, while a written one beside it is not?"""
    path = _notebook(tmp_path, [
        "import math",
        ('def f(x):\n    raise NotImplementedError("Write your implementation here.")\n\n'
         'def g(x):\n    return math.sqrt(x)', "f"),
    ])
    with pytest.raises(NotebookFunctionsMissing, match="f in 07-x.ipynb is not written yet"):
        functions_from_notebook(path, ["f"])
    assert functions_from_notebook(path, ["g"])["g"](9.0) == 3.0


def test_a_function_no_answer_cell_defines_is_named(tmp_path):
    """Is a name that only an ordinary cell defines (not an answer) refused, with its name?"""
    path = _notebook(tmp_path, ["import math", "def f(x):\n    return x", ("def g(x):\n    return x", "g")])
    with pytest.raises(NotebookFunctionsMissing, match="defines f"):
        functions_from_notebook(path, ["f"])


def test_a_failing_definition_is_named(tmp_path):
    """Is a definition that raises (a decorator here) named with its cell and line?"""
    path = _notebook(tmp_path, ["import math", ("@undefined_decorator\ndef f(x):\n    return x", "f")])
    with pytest.raises(NotebookFunctionsMissing, match=r"line 1 of cell 1 .*NameError"):
        functions_from_notebook(path, ["f"])


def test_cells_that_are_not_python_are_skipped(tmp_path):
    """Does a cell with IPython magic leave the rest usable?"""
    path = _notebook(tmp_path, ["%matplotlib inline\nimport math", "import math",
                                ("def f(x):\n    return math.cos(x)", "f")])
    assert functions_from_notebook(path, ["f"])["f"](0.0) == 1.0


def test_notebook07_solution_gives_the_reference_two_layer_loss():
    """Does notebook 07's own solution, read this way, compute what the reference computes?"""
    from chainrule_reference.single_layer_network import two_layer_loss as reference
    mine = functions_from_notebook(solution_path("07-single-layer-network"), ["two_layer_loss"])["two_layer_loss"]
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3)),
              "b2": rng.normal(size=3)}
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    loss, grads = mine(params, X, y, 0.1)
    expected_loss, expected = reference(params, X, y, 0.1)
    assert np.isclose(loss, expected_loss)
    for key in expected:
        assert np.allclose(grads[key], expected[key])
