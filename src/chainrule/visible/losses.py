r"""Visible checks of notebook 06, losses.

Each check runs the learner's function on the notebook's small example (fixed
expected values) and on logits of +-1000, where a naive ``exp`` overflows; the
gradients of the losses are compared with central differences of the
learner's own loss.

Stability is checked the way the hidden tests check it, values first:
:func:`call_stably` runs the learner's function with NumPy's floating-point
problems reported as warnings, and judges what it returns. A NaN or infinity in
the result for large logits fails, with a diagnosis that names the fix (found by
running the function once more with the errors raised, which stops it at the
line that went wrong). Right values keep their points even if an ``exp``
overflowed on the way (``1 / sum(exp(x_k - x_j))`` is a correct softmax that
does): the warning is named, it costs nothing.

The known mistakes of each exercise are named once, here, by the functions
``*_mistakes``; the hidden tests import them, so a learner reads the same words
in both places.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence

import numpy as np

from ..checking import CheckFailure, describe, expect_close, style_notes
from ..gradcheck import num_grad
from ._common import call, passed

__all__ = ["STABILITY_HINTS", "call_stably", "ce_gradient_by_hand_mistakes", "check_ce_gradient_by_hand",
           "check_log_sum_exp", "check_mse_loss", "check_softmax", "check_softmax_loss", "judge_ce_gradient_by_hand",
           "log_sum_exp_mistakes", "mse_loss_mistakes", "softmax_loss_mistakes", "softmax_mistakes"]

#: What a floating-point failure on large logits means, and the fix, by the kind of failure.
STABILITY_HINTS = {
    "overflow": "overflow: exp of large logits gives inf/NaN; subtract the row maximum first "
                "(x - x.max(axis=-1, keepdims=True)), so that the largest exponent is 0",
    "invalid": "NaN from inf/inf or 0/0: exp of large logits overflowed, or every exp of a row underflowed "
               "to 0 (the maximum of another row was subtracted); subtract each row's own maximum first "
               "(x.max(axis=-1, keepdims=True))",
    "divide": "log of 0: a probability, or a row's whole sum of exps, underflowed to 0 before the log; "
              "subtract each row's own maximum first and take the log-probabilities as "
              "(x - max) - log(sum(exp(x - max))), not as np.log of probabilities",
    "log_of_probabilities": "log of 0: a probability underflowed to 0 before np.log took it (after the shift, "
                            "exp(x - max) of a logit far below its row's maximum is 0), so its log is -inf. "
                            "Subtracting the maximum is not enough here: take the log-probabilities directly, "
                            "log-softmax = shifted - log(sum(exp(shifted))) with shifted = x - x.max(axis=-1, "
                            "keepdims=True), not np.log of probabilities",
    "broadcast": "a row-wise max or sum lost its axis, so it cannot broadcast against the (N, C) scores: "
                 "keep it as a column with keepdims=True (or [:, None])",
    "nonfinite": "overflow: exp of large logits gives inf/NaN (and exps of very negative logits underflow "
                 "to 0, then 0/0 = NaN); subtract the row maximum first (x - x.max(axis=-1, keepdims=True))",
}

#: Logits beyond this size overflow exp in float32 (88.7) or come close: a NaN there means instability.
_LARGE = 50.0


def _sums_cannot_underflow(logits) -> bool:
    """True if no row's sum of exps can underflow to 0, shifted or not: every row's maximum has exp > 0 in the
    logits' dtype (then a log of 0 can only be the log of an underflowed probability)."""
    if logits is None:
        return False
    x = np.asarray(logits)
    if x.dtype.kind != "f" or x.size == 0:
        x = x.astype(np.float64)
    with np.errstate(all="ignore"):
        return bool(np.all(np.exp(np.max(x, axis=-1)) > 0))


def _failure_hint(error: BaseException | None, logits=None) -> str | None:
    if isinstance(error, OverflowError):
        return STABILITY_HINTS["overflow"]
    if isinstance(error, FloatingPointError):
        text = str(error)
        for key, words in (("overflow", "overflow encountered"), ("invalid", "invalid value"),
                           ("divide", "divide by zero")):
            if words in text:
                if key == "divide" and _sums_cannot_underflow(logits):
                    return STABILITY_HINTS["log_of_probabilities"]
                return STABILITY_HINTS[key]
        return STABILITY_HINTS["overflow"]
    if isinstance(error, ValueError) and "broadcast" in str(error):
        return STABILITY_HINTS["broadcast"]
    return None


def _has_nonfinite(value: Any) -> bool:
    """True if a float leaf of ``value`` (arrays and numbers, in tuples or lists) holds NaN or infinity."""
    if isinstance(value, (tuple, list)):
        return any(_has_nonfinite(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f" and not bool(np.all(np.isfinite(value)))
    if isinstance(value, (numbers.Real, np.floating)) and not isinstance(value, bool):
        return not np.isfinite(float(value))
    return False


def _strict_hint(run: Callable[[], Any], logits) -> str | None:
    """The diagnosis of a call whose result was not finite: ``run()`` again with NumPy's floating-point
    errors raised (overflow, invalid value, division by zero; not underflow), the hint for where it stops."""
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), style_notes():
        try:
            run()
        except CheckFailure as failure:
            return _failure_hint(failure.__cause__, logits)
    return None


def call_stably(run: Callable[[], Any], name: str, logits=None,
                output_names: Sequence[str] | None = None) -> Any:
    """Run ``run()`` (a call of a learner's function) and judge its stability by the values it returns.

    Values decide. The call runs with NumPy's overflow, invalid-value and
    division-by-zero problems reported as warnings (which the caller records and
    names: they cost no points) and underflow ignored (exp of a very negative
    number becoming 0 is harmless). A NaN or infinity in the result, when
    ``logits`` holds large values, is a failure whose message names the likely
    mistake: the call is run once more with those problems raised as errors, so
    that the line that went wrong says which fix applies. An exception of the
    learner's code (a failed broadcast, say) fails at once, with a hint when
    there is one.

    Args:
        run: no-argument function that calls the learner's function through
            :func:`chainrule.checking.call_learner` (which reports exceptions
            as CheckFailure with the exception as ``__cause__``, and records
            warnings).
        name: the learner function's name, for messages.
        logits: the scores the function was given, to judge whether a NaN
            comes from large logits.
        output_names: names of the items of a returned tuple, for messages.
    Returns:
        what ``run()`` returned.
    """
    with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        try:
            result = run()
        except CheckFailure as failure:
            hint = _failure_hint(failure.__cause__, logits)
            if hint is None:
                raise
            raise CheckFailure(f"{failure}\n  Likely mistake: {hint}.") from failure.__cause__
    if logits is not None and np.max(np.abs(np.asarray(logits, dtype=np.float64)), initial=0.0) > _LARGE:
        named = (list(zip(output_names, result)) if output_names and isinstance(result, tuple)
                 else [(name, result)])
        for where, value in named:
            if _has_nonfinite(value):
                hint = _strict_hint(run, logits) or STABILITY_HINTS["nonfinite"]
                raise CheckFailure(f"{where} contains NaN or infinity for logits this large."
                                   f"\n  Likely mistake: {hint}.")
    return result


# ---- known mistakes, as (description, wrong value) per output path ------------------------------

def _rows_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def _one_hot(y, n: int, c: int) -> np.ndarray:
    out = np.zeros((n, c))
    out[np.arange(n), np.asarray(y)] = 1.0
    return out


_WRONG_AXIS = ("softmax over the wrong axis (axis 0, across the batch): normalize each row over its "
               "C classes (axis=-1)")


def softmax_mistakes(x) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``softmax`` on scores ``x`` of shape (N, C)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        flat = np.exp(x - x.max())
        return {"softmax": [
            (_WRONG_AXIS, _rows_softmax(x, 0)),
            ("the exponentials are not normalized: divide each row by its sum", np.exp(x - x.max(axis=-1, keepdims=True))),
            ("one softmax over the whole array: divide each row by its own sum (axis=-1, keepdims=True)",
             flat / flat.sum()),
            ("the exponential is missing: softmax divides exp(x), not x, by the row sum",
             x / x.sum(axis=-1, keepdims=True))]}


def log_sum_exp_mistakes(x) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``log_sum_exp`` on scores ``x`` of shape (N, C)."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1)
    lse = m + np.log(np.sum(np.exp(x - m[..., None]), axis=-1))
    m0 = x.max(axis=0)
    return {"log_sum_exp": [
        ("log-sum-exp over the wrong axis (axis 0): reduce each row over its C entries (axis=-1), "
         "giving shape (N,)", m0 + np.log(np.sum(np.exp(x - m0), axis=0))),
        ("the reduced axis was kept (keepdims=True): return shape (N,), one number per row", lse[..., None]),
        ("the row maximum was subtracted but not added back: log(sum(exp(x - m))) is LSE(x) minus m", lse - m),
        ("this is the log of the mean of the exps, not of their sum (it is off by log C)",
         lse - np.log(x.shape[-1])),
        ("this is the row maximum alone: LSE is larger, by between 0 and log C", m)]}


_BLOCK = ("log_probs[:, y] is an N x N block (column y[j] of EVERY row i), not one entry per row: take "
          "log_probs[np.arange(N), y], the true class of each row")


def softmax_loss_mistakes(x, y) -> dict[str, list[tuple[str, Any]]]:
    """Known wrong answers of ``softmax_loss(x, y)``, for ``loss`` and ``dx``."""
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape
    rows, y = np.arange(n), np.asarray(y)
    one_hot = _one_hot(y, n, c)
    with np.errstate(all="ignore"):
        shifted = x - x.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        probs = np.exp(log_probs)
        loss = -np.mean(log_probs[rows, y])
        dx = (probs - one_hot) / n
        shifted0 = x - x.max(axis=0, keepdims=True)
        log_probs0 = shifted0 - np.log(np.sum(np.exp(shifted0), axis=0, keepdims=True))
        columns = probs.copy()
        columns[:, y] -= 1.0
    return {
        "loss": [("the loss is summed over the batch, not averaged: divide by N", n * loss),
                 (_WRONG_AXIS, -np.mean(log_probs0[rows, y])),
                 ("the sign is flipped: the loss is MINUS the mean log-probability of the true class", -loss),
                 ("the log is missing: the loss is the mean of -log(probability of the true class)",
                  -np.mean(probs[rows, y])),
                 ("the loss averages the log-probabilities of every class: take only the true class of each "
                  "row, log_probs[np.arange(N), y]", -np.mean(log_probs)),
                 (_BLOCK, -np.sum(log_probs[:, y]) / n),
                 (_BLOCK, -np.mean(log_probs[:, y]))]
                + [(f"an epsilon ({eps:g}) was added inside the log, -log(p + eps): it changes the loss, and caps it "
                    f"at -log(eps) when p underflows; take the log-probabilities as (x - max) - log(sum(exp(x - max)))",
                    -np.mean(np.log(probs[rows, y] + eps))) for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)],
        "dx": [("dx is missing the factor 1/N of the batch mean", n * dx),
               ("dx = softmax(x) / N: the loss's other term, -x[i, y[i]], depends on the scores too and changes "
                "each row's true-class entry", probs / n),
               ("dx = softmax(x): the term -x[i, y[i]] of the loss is missing from the gradient (it changes each row's "
                "true-class entry), and so is the 1/N of the batch mean", probs),
               ("the sign is flipped: raising the true class's score lowers the loss, so that entry of dx must be "
                "negative", -dx),
               (_WRONG_AXIS, (np.exp(log_probs0) - one_hot) / n),
               ("dx[:, y] -= 1 subtracts 1 in column y[i] of EVERY row: use dx[np.arange(N), y] to reach one "
                "entry per row", columns / n)]}


#: The checkpoint's example: scores (0, ln 2, 0), so exp gives (1, 2, 1) and the probabilities (1/4, 1/2, 1/4).
_CHECKPOINT_PROBS = np.array([[0.25, 0.5, 0.25]])
_CHECKPOINT_TRUE = 2


def ce_gradient_by_hand_mistakes() -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of the checkpoint ``ce_gradient_by_hand()`` (scores (0, ln 2, 0), true class 2)."""
    right = _CHECKPOINT_PROBS - np.eye(3)[[_CHECKPOINT_TRUE]]
    found = [("these are the probabilities alone: the loss's term -x[y] (the score of the true class) adds its "
              "own derivative at the true class", _CHECKPOINT_PROBS),
             ("the sign is flipped: raising the true class's score lowers the loss, so that entry must be negative",
              -right),
             ("this is the gradient with respect to the probabilities, -y / y_hat, not with respect to the scores: "
              "the softmax's Jacobian still has to be applied", -np.eye(3)[[_CHECKPOINT_TRUE]] / _CHECKPOINT_PROBS),
             ("the probabilities are wrong: exp(0) = 1 and exp(ln 2) = 2, so softmax gives (1, 2, 1) / 4",
              np.exp(np.array([[0.0, 2.0, 0.0]])) / np.exp(np.array([[0.0, 2.0, 0.0]])).sum() - np.eye(3)[[2]])]
    for wrong_class in (0, 1):
        found.append((f"the one-hot label sits at class {wrong_class}: the labels count from 0, so class 2 is the "
                      "third score", _CHECKPOINT_PROBS - np.eye(3)[[wrong_class]]))
    return {"ce_gradient_by_hand": found}


def mse_loss_mistakes(pred, target) -> dict[str, list[tuple[str, Any]]]:
    """Known wrong answers of ``mse_loss(pred, target)``, for ``loss`` and ``dpred``."""
    pred = np.asarray(pred, dtype=np.float64)
    diff = pred - np.asarray(target, dtype=np.float64)
    n = pred.shape[0]
    per_row = pred.size // n
    loss = 0.5 * np.sum(diff ** 2) / n
    dpred = diff / n
    every = "np.mean divides by every entry (N * D = {}); divide by the batch size N = {} only"
    return {
        "loss": [("the factor 0.5 is missing: loss = 0.5 * sum((pred - target)**2) / N", 2 * loss),
                 ("the loss is summed over the batch, not averaged: divide by N", n * loss),
                 (every.format(pred.size, n), loss / per_row),
                 ("the 0.5 and the 1/N are both missing", 2 * n * loss)],
        "dpred": [("dpred has an extra factor 2: the 0.5 in the loss cancels the 2 from the square", 2 * dpred),
                  ("dpred is missing the factor 1/N of the batch mean", n * dpred),
                  (every.format(pred.size, n), dpred / per_row),
                  ("the sign is flipped: the loss grows as pred moves away from target, and dpred points that way",
                   -dpred)]}


# ---- the examples -----------------------------------------------------------------------------------

_X = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, -1.0]])
_X_LARGE = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, -1003.0]])   # _X's rows, shifted
_P_ROW1 = [0.09003057317038046, 0.24472847105479764, 0.6652409557748218]
_P_ROW2 = [0.4878555511603684, 0.4878555511603684, 0.024288897679263205]
_SOFTMAX_X = np.array([_P_ROW1, _P_ROW2])
_SOFTMAX_X_LARGE = np.array([_P_ROW1[::-1], _P_ROW2])
_LSE_X = np.array([3.4076059644443806, 2.7177359186667025])
_LSE_X_LARGE = np.array([1000.4076059644444, -999.2822640813333])

_SCORES = np.array([[1.0, 2.0, 3.0, 0.0], [2.0, 2.0, -1.0, 0.5], [-0.5, 1.5, 0.0, 1.0]])
_LABELS = np.array([2, 0, 3])
_SCORES_LOSS = 0.812248029949465
_SCORES_LARGE = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
_LABELS_LARGE = np.array([1, 2])
_LARGE_LOSS = 1000.6566308437591      # (2000 + 1 + log(1 + e^-1)) / 2
_LARGE_DX = np.array([[0.5, -0.5, 0.0], [0.0, 0.36552928931500245, -0.36552928931500245]])

_PRED = np.array([[0.5, -1.0], [2.0, 0.0], [1.5, 1.0]])
_TARGET = np.array([[1.0, -1.0], [0.0, 0.5], [1.0, 3.0]])
_MSE_LOSS = 35.0 / 24.0               # 0.5 * 8.75 / 3


def _expect(result, expected, example: str, name: str, mistakes, output_names=None, **tolerances) -> None:
    """expect_close on one example; a failure message starts by naming the example."""
    try:
        expect_close(result, expected, name=name, output_names=output_names, mistakes=mistakes, **tolerances)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


def _show(a: np.ndarray) -> str:
    text = np.array2string(a, separator=", ")
    return text if a.dtype == np.float64 else f"{text} ({a.dtype})"


def _check_rowwise(fn, name: str, examples) -> None:
    for x, expected in examples:
        result = call_stably(lambda: call(fn, name, (x,), ("x",)), name, logits=x)
        mistakes = (softmax_mistakes if name == "softmax" else log_sum_exp_mistakes)(x)
        # float32 scores of 1000 carry rounding errors of about 6e-5 (see the hidden tests' tolerances)
        tol = dict(rtol=1e-6, atol=1e-12) if x.dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)
        _expect(result, expected.astype(x.dtype), f"{name}(x={_show(x)})", name, mistakes,
                same_dtype=True, **tol)


def check_softmax(softmax) -> None:
    """softmax on a (2, 3) example, on the same rows shifted to logits of +-1000, and in float32."""
    _check_rowwise(softmax, "softmax", [(_X, _SOFTMAX_X), (_X_LARGE, _SOFTMAX_X_LARGE),
                                        (_X_LARGE.astype(np.float32), _SOFTMAX_X_LARGE)])
    passed("softmax")


def check_log_sum_exp(log_sum_exp) -> None:
    """log_sum_exp on a (2, 3) example, on the same rows shifted to logits of +-1000, and in float32."""
    _check_rowwise(log_sum_exp, "log_sum_exp", [(_X, _LSE_X), (_X_LARGE, _LSE_X_LARGE),
                                                (_X_LARGE.astype(np.float32), _LSE_X_LARGE)])
    passed("log_sum_exp")


def _pair(result, name: str, names: tuple[str, str]):
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{name} should return a tuple ({', '.join(names)}), but it returned {describe(result)}.")
    return result


def _loss_of(result, name: str) -> float:
    """The loss of a returned (loss, grad) pair as a float, for central differences."""
    loss = result[0]
    if isinstance(loss, np.ndarray) and loss.size == 1:
        loss = loss.reshape(())[()]
    if not isinstance(loss, (numbers.Real, np.floating, np.integer)) or isinstance(loss, bool):
        raise CheckFailure(f"the loss returned by {name} should be a number, but it is {describe(loss)}.")
    return float(loss)


def check_softmax_loss(softmax_loss) -> None:
    """A (3, 4) batch: the loss against its value, dx against central differences of your loss; then logits of +-1000."""
    def run(x, y):
        return _pair(call_stably(lambda: call(softmax_loss, "softmax_loss", (x, y), ("x", "y")), "softmax_loss",
                                 logits=x, output_names=("loss", "dx")), "softmax_loss", ("loss", "dx"))

    result = run(_SCORES, _LABELS)  # on the example itself first, then around it for central differences
    numeric = num_grad(lambda v: _loss_of(run(v, _LABELS), "softmax_loss"), _SCORES)
    _expect(result, (_SCORES_LOSS, numeric), "softmax_loss on a (3, 4) batch with labels [2, 0, 3]", "the result",
            softmax_loss_mistakes(_SCORES, _LABELS), ("loss", "dx"), rtol=1e-6, atol=1e-9)
    for x, tol in [(_SCORES_LARGE, dict(rtol=1e-7, atol=1e-12)),
                   (_SCORES_LARGE.astype(np.float32), dict(rtol=1e-4, atol=1e-4))]:
        result = run(x, _LABELS_LARGE)
        _expect(result, (_LARGE_LOSS, _LARGE_DX.astype(x.dtype)),
                f"softmax_loss(x={_show(x)}, y=[1, 2])", "the result",
                softmax_loss_mistakes(x, _LABELS_LARGE), ("loss", "dx"), same_dtype=True, **tol)
    passed("softmax_loss")


def judge_ce_gradient_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` is the checkpoint's dL/dx, without printing the answer.

    Three numbers in any reasonable container pass: an array of shape (1, 3) (the shape of the scores)
    or (3,), a list or a tuple. A known mistake is named; otherwise the message says what to check.
    """
    name = "ce_gradient_by_hand()"
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should return 3 numbers, an array of shape (1, 3), but it returned "
                           f"{describe(result)}.") from None
    if values.size != 3 or values.ndim > 2 or (values.ndim == 2 and values.shape[0] != 1):
        raise CheckFailure(f"{name} should return 3 numbers, an array of shape (1, 3) like the scores, but it "
                           f"returned {describe(result)}.")
    values = values.reshape(1, 3)
    if not np.all(np.isfinite(values)):
        raise CheckFailure(f"{name} contains NaN or infinity: dL/dx is finite.")
    right = _CHECKPOINT_PROBS - np.eye(3)[[_CHECKPOINT_TRUE]]
    if np.allclose(values, right, rtol=1e-6, atol=1e-9):
        return
    for description, wrong in ce_gradient_by_hand_mistakes()["ce_gradient_by_hand"]:
        if np.allclose(values, wrong, rtol=1e-6, atol=1e-6):
            raise CheckFailure(f"{name} is not dL/dx yet.\n  Likely mistake: {description}.")
    hint = ("the three entries of dL/dx add up to 0 (the probabilities sum to 1, the one-hot label too)"
            if abs(values.sum()) > 1e-6 else
            "work the probabilities out first (exp of each score, divided by their sum), then apply your derivation "
            "with N = 1")
    raise CheckFailure(f"{name} is not dL/dx yet (its values are not shown here: the checkpoint is yours to "
                       f"work out).\n  A check: {hint}.")


def check_ce_gradient_by_hand(ce_gradient_by_hand) -> None:
    """The checkpoint: dL/dx of the mean softmax cross-entropy for scores (0, ln 2, 0) and true class 2."""
    result = call(ce_gradient_by_hand, "ce_gradient_by_hand", (), ())
    try:
        judge_ce_gradient_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, ce_gradient_by_hand() for scores [[0, ln 2, 0]] and y = [2]:\n"
                           f"  {failure}") from None
    print("[ok] ce_gradient_by_hand is right. The hidden test checks the same three numbers.")


def check_mse_loss(mse_loss) -> None:
    """A (3, 2) batch: the loss against its value, dpred against central differences of your loss; then float32."""
    def run(pred, target):
        return _pair(call(mse_loss, "mse_loss", (pred, target), ("pred", "target")), "mse_loss", ("loss", "dpred"))

    result = run(_PRED, _TARGET)  # on the example itself first, then around it for central differences
    numeric = num_grad(lambda v: _loss_of(run(v, _TARGET), "mse_loss"), _PRED)
    _expect(result, (_MSE_LOSS, numeric), "mse_loss on a (3, 2) batch", "the result",
            mse_loss_mistakes(_PRED, _TARGET), ("loss", "dpred"), rtol=1e-6, atol=1e-9)
    pred32, target32 = _PRED.astype(np.float32), _TARGET.astype(np.float32)
    _expect(run(pred32, target32), (_MSE_LOSS, ((_PRED - _TARGET) / 3).astype(np.float32)),
            "mse_loss on the same batch in float32", "the result", mse_loss_mistakes(_PRED, _TARGET),
            ("loss", "dpred"), same_dtype=True, rtol=1e-5, atol=1e-7)
    passed("mse_loss")
