"""Notebook 06's reference functions against two independent witnesses, central
differences (chainrule.gradcheck) and automatic differentiation (autograd), on
randomized shapes and values in float64 and float32; their stability for
logits of +-1000 (no overflow, no NaN, no warning, not even an underflow flag);
and the stability diagnosis that the visible checks and hidden tests give.
"""
from __future__ import annotations

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chainrule import CheckFailure
from chainrule.gradcheck import num_grad
from chainrule.plots import plot_loss_sweep
from chainrule.visible import check_log_sum_exp, check_mse_loss, check_softmax, check_softmax_loss
from chainrule.visible.losses import call_stably
from chainrule_reference import losses as ref
from chainrule_reference.grading import grade
from chainrule_reference.hidden import HIDDEN_TESTS
from chainrule_reference.spec import draw_inputs

pytestmark = pytest.mark.nb06

settings.register_profile("course", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("course")

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-7, atol=1e-10), np.float32: dict(rtol=2e-4, atol=1e-6)}


def score_arrays(low=-20.0, high=20.0, min_classes=2):
    """(N, C) scores, N in 1..5 and C in min_classes..6, float64 or float32."""
    shapes = st.tuples(st.integers(1, 5), st.integers(min_classes, 6))
    return st.sampled_from(DTYPES).flatmap(lambda dt: shapes.flatmap(
        lambda shape: arrays(dt, shape, elements=st.floats(low, high, width=32))))


def scores_and_labels(low=-20.0, high=20.0):
    return score_arrays(low, high).flatmap(lambda x: st.tuples(
        st.just(x), arrays(np.int64, x.shape[0], elements=st.integers(0, x.shape[1] - 1))))


# The textbook formulas, differentiable by autograd; safe for the moderate scores drawn here.
def naive_lse(x):
    return anp.log(anp.sum(anp.exp(x), axis=1))


def naive_softmax_loss(x, y):
    log_probs = x - naive_lse(x)[:, None]
    return -anp.mean(log_probs[np.arange(x.shape[0]), y])


def naive_mse(pred, target):
    return 0.5 * anp.sum((pred - target) ** 2) / pred.shape[0]


@given(x=score_arrays())
def test_softmax_is_the_gradient_of_log_sum_exp(x):
    """Is softmax, row by row, autograd's and central differences' gradient of the summed log-sum-exps?"""
    p = ref.softmax(x)
    assert p.dtype == x.dtype and p.shape == x.shape
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(p, autograd.grad(lambda v: anp.sum(naive_lse(v)))(x64), **TOL[x.dtype.type])
    np.testing.assert_allclose(p, num_grad(lambda v: float(np.sum(ref.log_sum_exp(v))), x64), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6 if x.dtype == np.float32 else 1e-12)


@given(x=score_arrays())
def test_log_sum_exp_matches_the_textbook_formula(x):
    """Does the stable log-sum-exp equal log(sum(exp(x))) row by row, with shape (N,) and the input's dtype?"""
    lse = ref.log_sum_exp(x)
    assert lse.dtype == x.dtype and lse.shape == x.shape[:1]
    np.testing.assert_allclose(lse, naive_lse(x.astype(np.float64)), **TOL[x.dtype.type])
    assert np.all(lse >= x.max(axis=1)) and np.all(lse <= x.max(axis=1) + np.log(x.shape[1]) * (1 + 1e-6) + 1e-6)


@given(xy=scores_and_labels())
def test_softmax_loss_matches_autograd_and_central_differences(xy):
    """Are the loss and dx of softmax_loss autograd's and central differences' values, keeping the dtype?"""
    x, y = xy
    loss, dx = ref.softmax_loss(x, y)
    assert isinstance(loss, float) and dx.dtype == x.dtype and dx.shape == x.shape
    x64 = x.astype(np.float64)
    assert loss == pytest.approx(naive_softmax_loss(x64, y), rel=TOL[x.dtype.type]["rtol"], abs=1e-6)
    np.testing.assert_allclose(dx, autograd.grad(naive_softmax_loss)(x64, y), **TOL[x.dtype.type])
    np.testing.assert_allclose(dx, num_grad(lambda v: ref.softmax_loss(v, y)[0], x64), rtol=1e-5, atol=1e-7)


@given(xy=scores_and_labels())
def test_softmax_loss_gradient_is_probabilities_minus_one_hot_over_n(xy):
    """Is dx exactly (softmax(x) - one_hot(y)) / N, with rows that sum to 0?"""
    x, y = xy
    _, dx = ref.softmax_loss(x, y)
    n, c = x.shape
    expected = (ref.softmax(x).astype(np.float64) - np.eye(c)[y]) / n
    np.testing.assert_allclose(dx, expected, **TOL[x.dtype.type])
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-6)


same_shape_pairs = st.sampled_from(DTYPES).flatmap(lambda dt: st.sampled_from([(1,), (4,), (1, 3), (5, 2), (3, 4)])
                                                   .flatmap(lambda shape: st.tuples(*[
                                                       arrays(dt, shape, elements=st.floats(-10, 10, width=32))
                                                       for _ in range(2)])))


@given(pair=same_shape_pairs)
def test_mse_loss_matches_autograd_and_central_differences(pair):
    """Are the loss and dpred of mse_loss autograd's and central differences' values, for (N, D) and (N,)?"""
    pred, target = pair
    loss, dpred = ref.mse_loss(pred, target)
    assert isinstance(loss, float) and dpred.dtype == pred.dtype and dpred.shape == pred.shape
    p64, t64 = pred.astype(np.float64), target.astype(np.float64)
    assert loss == pytest.approx(naive_mse(p64, t64), rel=TOL[pred.dtype.type]["rtol"], abs=1e-9)
    np.testing.assert_allclose(dpred, autograd.grad(naive_mse)(p64, t64), **TOL[pred.dtype.type])
    np.testing.assert_allclose(dpred, num_grad(lambda v: ref.mse_loss(v, t64)[0], p64), rtol=1e-5, atol=1e-7)


def test_mse_loss_divides_by_the_batch_size_only():
    """Is the MSE of a (3, 2) batch 0.5 * (sum of the six squared errors) / 3, not / 6?"""
    pred = np.array([[0.5, -1.0], [2.0, 0.0], [1.5, 1.0]])
    target = np.array([[1.0, -1.0], [0.0, 0.5], [1.0, 3.0]])
    loss, dpred = ref.mse_loss(pred, target)
    assert loss == pytest.approx(8.75 / 6)
    np.testing.assert_allclose(dpred, (pred - target) / 3)


@given(x=score_arrays(-5.0, 5.0), shift=arrays(np.float64, 5, elements=st.floats(-1000, 1000)))
def test_shifting_each_row_changes_nothing(x, shift):
    """Is softmax(x + c) = softmax(x) and LSE(x + c) = LSE(x) + c, for a different shift c of each row, up to +-1000?"""
    c = shift[: x.shape[0], None]
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(ref.softmax(x64 + c), ref.softmax(x64), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ref.log_sum_exp(x64 + c), ref.log_sum_exp(x64) + c[:, 0], rtol=1e-12, atol=1e-9)
    y = np.zeros(x.shape[0], dtype=int)
    loss, dx = ref.softmax_loss(x64 + c, y)
    loss0, dx0 = ref.softmax_loss(x64, y)
    assert loss == pytest.approx(loss0, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(dx, dx0, rtol=1e-9, atol=1e-12)


# ---- stability: logits of +-1000 --------------------------------------------------------------

LARGE = {
    "rows near +1000": np.array([[1000.0, 999.0, 998.0, 1001.5], [1000.5, 1000.5, 997.0, 999.0]]),
    "rows near -1000": np.array([[-1000.0, -999.0, -998.0, -1001.5], [-1003.0, -1000.5, -1000.5, -999.0]]),
    "huge and small mixed": np.array([[1000.0, -1000.0, 0.5, 999.0],
                                      [-1000.0, 1000.0, 1000.0, -999.5],
                                      [0.3, -0.2, 1.0, 2.0]]),
    "one row of +-1000": np.array([[1000.0, -1000.0]]),
}
# The same rows brought back to small scores, where the textbook formulas are exact enough.
SMALL = {name: x - x.max(axis=1, keepdims=True) for name, x in LARGE.items()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(LARGE))
def test_reference_survives_logits_of_1000_without_overflow_nan_or_warnings(name, dtype):
    """With every warning an error and every floating-point flag raising, do softmax, log_sum_exp and softmax_loss give finite, right answers at +-1000?"""
    x = LARGE[name].astype(dtype)
    small = SMALL[name]
    y = np.argmin(x, axis=1)   # the true class has the smallest score: its probability underflows naively
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            p = ref.softmax(x)
            lse = ref.log_sum_exp(x)
            loss, dx = ref.softmax_loss(x, y)
    for value in (p, lse, loss, dx):
        assert np.all(np.isfinite(value))
    assert p.dtype == lse.dtype == dx.dtype == x.dtype
    np.testing.assert_allclose(p, np.exp(small) / np.exp(small).sum(axis=1, keepdims=True), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(lse, LARGE[name].max(axis=1) + np.log(np.exp(small).sum(axis=1)), rtol=1e-7)
    n = x.shape[0]
    expected_loss = np.mean(np.log(np.exp(small).sum(axis=1)) - small[np.arange(n), y])
    assert loss == pytest.approx(expected_loss, rel=1e-6)
    if "+-1000" in name or "mixed" in name:
        assert loss > 500   # a true class 1000 or more below the best score of its row: a finite, large loss


def test_naive_softmax_overflows_where_the_reference_does_not():
    """Does the textbook softmax really overflow at 1000 (so that the stability test above tests something)?"""
    x = LARGE["rows near +1000"]
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="overflow"):
        np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)


@given(x=score_arrays(-1000.0, 1000.0))
def test_reference_raises_no_floating_point_flag_for_any_logits_up_to_1000(x):
    """For random scores anywhere in [-1000, 1000], float64 and float32, does nothing raise under np.errstate(all='raise')?"""
    y = np.zeros(x.shape[0], dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            results = (ref.softmax(x), ref.log_sum_exp(x), *ref.softmax_loss(x, y))
    assert all(np.all(np.isfinite(r)) for r in results)


def test_edge_shapes_one_example_and_two_classes():
    """With N = 1 and C = 2, are softmax, LSE, the loss and dx the closed forms (sigmoid, softplus)?"""
    x = np.array([[0.3, -1.2]])
    s = 1 / (1 + np.exp(-1.5))
    np.testing.assert_allclose(ref.softmax(x), [[s, 1 - s]])
    np.testing.assert_allclose(ref.log_sum_exp(x), [0.3 + np.log1p(np.exp(-1.5))])
    loss, dx = ref.softmax_loss(x, np.array([1]))
    assert loss == pytest.approx(1.5 + np.log1p(np.exp(-1.5)))
    np.testing.assert_allclose(dx, [[s, -s]])


def test_softmax_of_a_vector_is_one_row():
    """Does a 1-D vector of C scores get the softmax of a single row (the documented choice)?"""
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ref.softmax(v), ref.softmax(v[None, :])[0])
    assert ref.log_sum_exp(v) == pytest.approx(ref.log_sum_exp(v[None, :])[0])


# ---- the stability diagnosis --------------------------------------------------------------------

def _naive_softmax(x):
    exps = np.exp(x)
    return exps / exps.sum(axis=1, keepdims=True)


def _silenced_naive_softmax(x):
    with np.errstate(all="ignore"):
        return _naive_softmax(x)


@pytest.mark.parametrize("fn", [_naive_softmax, _silenced_naive_softmax], ids=["warns", "silenced"])
def test_naive_softmax_fails_with_the_fix_named(fn):
    """Does a naive softmax fail the visible check and the hidden test with "subtract the row maximum first"?"""
    with pytest.raises(CheckFailure, match="subtract the row maximum first"):
        check_softmax(fn)
    with pytest.raises(CheckFailure, match="subtract the row maximum first") as failure:
        grade("softmax", {"softmax": fn})
    assert "1000" in str(failure.value)   # the failing case is a stability case, and says so


def _pairwise_softmax(x):
    """A correct softmax, softmax_j = 1 / sum_k exp(x_k - x_j), whose exp overflows (harmlessly) for gaps > 709."""
    return 1.0 / np.sum(np.exp(x[..., None, :] - x[..., :, None]), axis=-1)


def _log_of_every_probability_loss(x, y):
    """A stable softmax, then np.log of every probability: -inf where one underflowed, used only at the labels."""
    n = x.shape[0]
    exps = np.exp(x - x.max(axis=1, keepdims=True))
    probs = exps / exps.sum(axis=1, keepdims=True)
    log_probs = np.log(probs)
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return -np.mean(log_probs[np.arange(n), y]), dx / n


def test_a_harmless_overflow_costs_no_points_and_is_named(capsys):
    """Does a softmax with right values keep every point of the hidden test though its exp overflowed on the way?

    Values decide (README, docs/grading.md, notebook 06): the warning is named in the note, and costs nothing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # the overflow really happens, in the hidden test's big cases
        with pytest.raises(RuntimeWarning, match="overflow"):
            _pairwise_softmax(np.array([[1000.0, -1000.0]]))
    check_softmax(_pairwise_softmax)
    grade("softmax", {"softmax": _pairwise_softmax})   # raises CheckFailure unless every case is right
    note = capsys.readouterr().out
    assert "overflow encountered in exp" in note and "no points lost" in note


def test_a_warning_never_takes_the_points_of_right_values():
    """Does np.log of every probability lose only the cases whose true class underflowed, each named?"""
    with pytest.raises(CheckFailure) as failure:
        grade("softmax_loss", {"softmax_loss": _log_of_every_probability_loss})
    test = HIDDEN_TESTS["softmax_loss"]
    wrong = [case.label for case, inputs in zip(test.cases, draw_inputs(test))
             if np.min(ref.softmax(inputs["x"])[np.arange(len(inputs["y"])), inputs["y"]]) == 0.0]
    right = len(test.cases) - len(wrong)
    assert 0 < len(wrong) < len(test.cases)
    text = str(failure.value)
    assert f"{right} of {len(test.cases)} cases passed" in text, text
    assert "Subtracting the maximum is not enough here" in text, text
    assert f"Score: {round(right / len(test.cases), 4):.0%}" in text, text


def test_call_stably_allows_underflow_but_names_overflow():
    """Is a harmless underflow (exp(-2000) = 0) let through while an overflow becomes a diagnosis?"""
    from chainrule.checking import call_learner
    x = np.array([[0.0, -2000.0]])
    assert call_stably(lambda: call_learner(np.exp, (x,), name="exp").result, "exp", logits=x)[0, 1] == 0.0
    with pytest.raises(CheckFailure, match="overflow: exp of large logits"):
        call_stably(lambda: call_learner(np.exp, (-x,), name="exp").result, "exp", logits=x)


def test_visible_checks_accept_the_reference_functions():
    """Do the visible checks pass the reference functions (the expected values are right)?"""
    check_softmax(ref.softmax)
    check_log_sum_exp(ref.log_sum_exp)
    check_softmax_loss(ref.softmax_loss)
    check_mse_loss(ref.mse_loss)


def test_loss_sweep_figure_draws_three_curves_per_panel():
    """Does the figure of Part E draw the loss and the gradient of the three curves, gradients within [-1, 1]?"""
    fig = plot_loss_sweep(ref.softmax_loss, ref.mse_loss, ref.softmax, np.array([1.0, 2.0, -0.5, 0.5]), 0, 1,
                          sweep=np.linspace(-10, 10, 21))
    left, right = fig.axes
    assert len(left.get_lines()) >= 3 and left.get_legend() is not None and left.get_title()
    grads = [line.get_ydata() for line in right.get_lines()[:3]]
    assert all(np.all(np.abs(g) <= 1.0 + 1e-12) for g in grads)
    assert grads[0][0] == pytest.approx(-1.0, abs=1e-4)   # confidently wrong: CE pushes with full force
    assert abs(grads[2][0]) < 1e-3                        # MSE through softmax: the push has vanished


def test_log_of_underflowed_probabilities_is_told_apart_from_a_missing_shift():
    """Is a softmax_loss that shifts, then takes np.log of probabilities, told to use log-softmax (not to shift)?"""
    from .variants import variant_function
    fn = variant_function("06-losses", "np.log of the softmax probabilities")
    with pytest.raises(CheckFailure) as failure:
        check_softmax_loss(fn)
    text = str(failure.value)
    assert "subtracting the maximum is not enough here" in text.lower()
    assert "shifted - log(sum(exp(shifted)))" in text
    assert "subtract each row's own maximum first" not in text


def test_checkpoint_is_the_gradient_of_the_loss_at_its_example():
    """Is the checkpoint's answer autograd's (and central differences') dL/dx at scores (0, ln 2, 0), label 2?"""
    x, y = ref.CHECKPOINT_SCORES, ref.CHECKPOINT_LABELS
    expected = ref.ce_gradient_by_hand()
    np.testing.assert_allclose(autograd.grad(naive_softmax_loss)(x, y), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(num_grad(lambda v: ref.softmax_loss(v, y)[0], x), expected, atol=1e-9)
    np.testing.assert_allclose(ref.softmax_loss(x, y)[1], expected, rtol=1e-12)


@pytest.mark.parametrize("answer", [[[0.25, 0.5, 0.25]], [[0.2, 0.5, 0.3]], [[0.3, 0.5, -0.8]], [[1.0, 2.0]]])
def test_checkpoint_messages_never_show_the_answer(answer):
    """Does a wrong checkpoint fail, in the visible check and the hidden test, without printing the right numbers?"""
    def ce_gradient_by_hand():
        return np.array(answer)

    from chainrule.visible.losses import check_ce_gradient_by_hand
    for run in (lambda: check_ce_gradient_by_hand(ce_gradient_by_hand),
                lambda: grade("ce_gradient_by_hand", {"ce_gradient_by_hand": ce_gradient_by_hand})):
        with pytest.raises(CheckFailure) as failure:
            run()
        assert "-0.75" not in str(failure.value) and "0.75" not in str(failure.value), str(failure.value)
