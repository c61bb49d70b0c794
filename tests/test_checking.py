"""The checking machinery: what learners are told when something is wrong."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.checking import CheckFailure, call_learner, diagnose, expect_close


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


def test_always_equal_object_is_rejected():
    """Can an object whose == always says yes pass for an array?"""
    with pytest.raises(CheckFailure, match="should be a NumPy array"):
        expect_close(AlwaysEqual(), np.zeros(3))


def test_transposed_gradient_is_named():
    """Is a transposed (non-square) answer called a transpose?"""
    e = np.arange(6.0).reshape(2, 3)
    with pytest.raises(CheckFailure, match="transposed"):
        expect_close(e.T.copy(), e, name="dw")


def test_value_failure_gives_worst_index_and_diagnosis():
    """Does a wrong value get its worst index and a named mistake (here a flipped sign)?"""
    e = np.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.raises(CheckFailure) as failure:
        expect_close(-e, e, name="dx")
    text = str(failure.value)
    assert "at index (1, 1)" in text and "sign is flipped" in text


def test_missing_batch_sum_is_named_from_shape():
    """Is a per-example result where a batch sum belongs diagnosed?"""
    with pytest.raises(CheckFailure, match="sum over the batch"):
        expect_close(np.ones((5, 3)), np.ones(3), name="db")


def test_dtype_rule_and_nonfinite():
    """Are a wrong dtype (when the dtype must match) and NaN reported before values?"""
    with pytest.raises(CheckFailure, match="dtype float64, expected float32"):
        expect_close(np.zeros(2), np.zeros(2, np.float32), same_dtype=True)
    with pytest.raises(CheckFailure, match="NaN"):
        expect_close(np.array([np.nan, 0.0]), np.zeros(2))


def test_tuple_structure_and_names():
    """Is a missing output of a tuple reported with the outputs' names?"""
    with pytest.raises(CheckFailure, match=r"tuple of 2 values \(dx, dy\)"):
        expect_close(np.zeros(2), (np.zeros(2), np.zeros(2)), output_names=("dx", "dy"))


def test_call_learner_reports_in_place_changes_and_keeps_warnings_quiet():
    """Is an in-place change of an input named, and is a NumPy warning captured, not printed?"""
    def sneaky(x):
        x *= 2
        return x

    with pytest.raises(CheckFailure, match="changed its input x in place"):
        call_learner(sneaky, (np.ones(3),), name="f", arg_names=["x"])

    def warns(x):
        return np.log(x)

    with np.errstate(all="warn"):
        result = call_learner(warns, (np.zeros(1),), name="g", arg_names=["x"])
    assert any("divide by zero" in w for w in result.warnings)


def test_call_learner_reports_not_implemented_and_errors():
    """Do a stub and a crash get messages a learner can act on?"""
    def stub(x):
        raise NotImplementedError("Write your implementation here.")

    with pytest.raises(CheckFailure, match="not implemented yet"):
        call_learner(stub, (1.0,), name="f")
    with pytest.raises(CheckFailure, match="raised ZeroDivisionError"):
        call_learner(lambda x: 1 / 0, (1.0,), name="f")


def test_diagnose_picks_the_matching_candidate():
    """Does diagnose return the first candidate that matches, and None when none does?"""
    assert diagnose(np.ones(2), [("a", np.zeros(2)), ("b", np.ones(2))]) == "b"
    assert diagnose(np.ones(2), [("a", np.zeros(2))]) is None


def test_known_mistake_of_another_shape_is_named():
    """Is a wrong-shaped answer that matches a named mistake (a layout mix-up) called by that name?"""
    grad = np.array([[1.0], [2.0], [3.0]])
    with pytest.raises(CheckFailure, match="numerator layout"):
        expect_close(grad.T.copy(), grad, name="dJ/dx",
                     mistakes={"dJ/dx": [("this is the Jacobian in numerator layout, a (1, n) row", grad.T)]})


def test_a_failed_check_shows_its_message_not_a_traceback(tmp_path):
    """In a real kernel, a failed visible check shows the check's message and, when the learner's code
    raised, the learner's own line: no frames of the checking code."""
    import nbformat

    from .nbtools import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from chainrule.visible.scalar_derivatives import check_sigmoid_grad\n"
        "def sigmoid_grad(z):\n    return undefined_name * z\n"
        "check_sigmoid_grad(sigmoid_grad)\n")])
    done, _ = execute(nb, tmp_path, allow_errors=True)
    error = next(o for o in done.cells[0].outputs if o.output_type == "error")
    text = "\n".join(error.traceback)
    assert error.ename == "CheckFailure" and "NameError" in text and "undefined_name * z" in text, text
    assert "checking.py" not in text and len(error.traceback) <= 3, text


def test_expected_and_got_rows_line_up():
    """Do the continuation rows of a 2-D expected/got array start under the first row's columns?"""
    e = np.array([[1.0, -2.0], [3.0, 4.0]])
    with pytest.raises(CheckFailure) as failure:
        expect_close(e + 1.0, e, name="dx")
    lines = str(failure.value).splitlines()
    for label in ("  expected: ", "  got:      "):
        first = next(i for i, line in enumerate(lines) if line.startswith(label))
        assert lines[first + 1].index("[") == lines[first].index("[[") + 1, "\n".join(lines)


def test_an_extra_factor_2_is_named_without_a_step_h():
    """Does the generic factor-2 message describe a doubled result, with no h where there is none?"""
    with pytest.raises(CheckFailure) as failure:
        expect_close(np.array([2.0, -4.0]), np.array([1.0, -2.0]), name="db")
    assert "extra factor 2: the result is twice the right one" in str(failure.value)
    assert "2h" not in str(failure.value)


# ---- visible checks of notebooks 01 and 02 (which have no test module of their own) ---------------------

def test_visible_difference_checks_name_the_denominator():
    """Is a central difference divided by h (or a forward one by 2h) named as the wrong denominator?"""
    from chainrule.visible.scalar_derivatives import check_central_difference, check_forward_difference

    from .variants import variant_function
    with pytest.raises(CheckFailure, match="divided by h where 2h belongs"):
        check_central_difference(variant_function("01-scalar-derivatives", "divides by h instead of 2h"))
    with pytest.raises(CheckFailure, match="divided by 2h where h belongs"):
        check_forward_difference(variant_function("01-scalar-derivatives", "divides by 2h"))


def test_visible_relu_grad_advice_works_on_a_python_float():
    """Is a boolean relu_grad told a fix that works on the Python float the check passes (no .astype)?"""
    from chainrule.visible.scalar_derivatives import check_relu_grad

    def relu_grad(z):   # right on arrays, a plain bool on a float
        return (np.asarray(z) > 0) * 1.0 if np.ndim(z) else z > 0

    with pytest.raises(CheckFailure) as failure:
        check_relu_grad(relu_grad)
    text = str(failure.value)
    assert "relu_grad(0.0) should be a number, but it is bool" in text and "(z > 0) * 1.0" in text
    assert ".astype(float)" not in text


@pytest.mark.parametrize("label, phrase", [
    ("tie goes to y", "the gradient went to y: it goes to x (dx = dout, dy = 0), not to y"),
    ("tie goes to neither input", "the gradient went to neither input"),
])
def test_visible_max_check_names_where_the_tie_went(label, phrase):
    """Is a max gate that sends a tie to y told so, and one that sends it to neither input told that?"""
    from chainrule.visible.computational_graphs import check_max_backward

    from .variants import variant_function
    with pytest.raises(CheckFailure) as failure:
        check_max_backward(variant_function("02-computational-graphs", label))
    assert phrase in str(failure.value)
    assert ("not to y" in str(failure.value)) == (label == "tie goes to y")


@pytest.mark.parametrize("label, phrase", [
    ("= instead of += in the taught reverse order: only the sigmoid path", "only the sigmoid path's term"),
    ("= instead of +=, the direct path last", "only the direct path's term"),
])
def test_visible_fanout_check_names_the_overwritten_paths(label, phrase):
    """Is fan-out written with = instead of += named by the one path that is left?"""
    from chainrule.visible.computational_graphs import check_fanout_forward_backward

    from .variants import variant_function
    with pytest.raises(CheckFailure, match=phrase):
        check_fanout_forward_backward(variant_function("02-computational-graphs", label))
