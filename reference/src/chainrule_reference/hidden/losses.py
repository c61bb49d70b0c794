"""Hidden tests of notebook 06, losses.

Scores are non-square (N != C) wherever N > 1, so a softmax over the wrong
axis cannot pass by accident. The stability cases use logits of +-1000 (rows
near +1000, rows near -1000, and rows that mix huge and small logits) in
float64, and logits of +-100 in float32 (whose exp overflows above 88.7).

The softmax functions run under :func:`chainrule.visible.losses.call_stably`,
values first: a case whose values are right earns its share even if NumPy warned
(an overflow in ``exp`` on the way to a right answer is named in the verdict's
note and costs nothing); a NaN or infinity for large logits fails, and its
message names the fix (subtract the row maximum first, or take log-softmax
rather than the log of probabilities), found by running the learner's function
once more with the floating-point errors raised.
"""
from __future__ import annotations

import numpy as np

from chainrule.visible.losses import (call_stably, judge_ce_gradient_by_hand, log_sum_exp_mistakes, mse_loss_mistakes,
                                      softmax_loss_mistakes, softmax_mistakes)

from ..spec import Case, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "06-losses"

_F32 = dict(rtol=1e-5, atol=1e-7)


def _f32_scores(scale: float) -> dict[str, float]:
    """Tolerances for float32 scores of size up to ``scale``.

    A float32 score of size s carries a rounding error of about 6e-8 * s, and a
    correct implementation that computes exp(x - LSE(x)) (as scipy's softmax
    does) passes that error on to the probabilities: 6e-5 at s = 1000.
    """
    return dict(rtol=1e-4, atol=1e-7 * max(10.0, scale))


def _near(rng, center, shape, spread=3.0):
    return center + rng.uniform(-spread, spread, shape)


def _mixed_rows(rng):
    """Rows of very different scales in one batch: huge, tiny, and both in one row."""
    return np.array([
        _near(rng, 1000.0, 5),
        rng.normal(0.0, 1.0, 5),
        _near(rng, -1000.0, 5),
        [1000.0, -1000.0, rng.uniform(-1, 1), 999.0, -999.5],
    ])


def _score_cases():
    """The inputs of softmax and log_sum_exp."""
    return (
        Case("random scores, N = 3, C = 5", lambda rng: {"x": rng.normal(0.0, 2.0, (3, 5))}),
        Case("N = 1, C = 2", lambda rng: {"x": rng.normal(0.0, 2.0, (1, 2))}),
        Case("N = 6, C = 2", lambda rng: {"x": rng.normal(0.0, 3.0, (6, 2))}),
        Case("float32, N = 4, C = 3", lambda rng: {"x": rng.normal(0.0, 2.0, (4, 3)).astype(np.float32)},
             **_f32_scores(10.0)),
        Case("logits around +1000 and -1000, N = 2, C = 4",
             lambda rng: {"x": np.stack([_near(rng, 1000.0, 4), _near(rng, -1000.0, 4)])}),
        Case("huge and small logits mixed, N = 4, C = 5", lambda rng: {"x": _mixed_rows(rng)}),
        Case("float32 logits around +100 and -100 (float32's exp overflows above 88.7), N = 3, C = 2",
             lambda rng: {"x": np.stack([_near(rng, 100.0, 2), _near(rng, -100.0, 2),
                                         [100.0, -100.0]]).astype(np.float32)}, **_f32_scores(100.0)),
        Case("float32 logits of +-1000 mixed, N = 2, C = 3",
             lambda rng: {"x": np.array([[1000.0, -1000.0, rng.uniform(-1, 1)],
                                         _near(rng, -1000.0, 3)]).astype(np.float32)}, **_f32_scores(1000.0)),
    )


def _with_labels(case: Case, smallest: bool = False) -> Case:
    """``case`` with integer labels y for its scores: random, or each row's smallest score.

    With ``smallest``, the true class has the lowest score of its row: its
    probability underflows to 0 in a naive softmax, and the loss is as large as
    it gets (up to 2000 for the mixed rows).
    """
    def draw(rng):
        x = case.draw(rng)["x"]
        y = np.argmin(x, axis=1) if smallest else rng.integers(0, x.shape[1], x.shape[0])
        return {"x": x, "y": y}
    label = f"{case.label}, the true class the smallest score" if smallest else case.label
    return Case(label, draw, rtol=case.rtol, atol=case.atol)


def _stable(name: str, outputs=None):
    """``call`` for a softmax-type test: the learner's function under call_stably."""
    def call(impl, inputs):
        return call_stably(lambda: impl[name](*inputs.values()), name, logits=inputs["x"], output_names=outputs)
    return call


_SCORES = _score_cases()
_LOSS_CASES = tuple(_with_labels(c) for c in _SCORES) + (
    _with_labels(_SCORES[5], smallest=True),
    _with_labels(_SCORES[7], smallest=True),
    Case("labels as int32, N = 5, C = 3",
         lambda rng: {"x": rng.normal(0.0, 2.0, (5, 3)), "y": rng.integers(0, 3, 5).astype(np.int32)}),
)

TESTS = [
    HiddenTest("softmax", ("softmax",), _SCORES, call=_stable("softmax"),
               mistakes=lambda i: softmax_mistakes(i["x"]), same_dtype=True, atol=1e-12, points=2),
    HiddenTest("log_sum_exp", ("log_sum_exp",), _SCORES, call=_stable("log_sum_exp"),
               mistakes=lambda i: log_sum_exp_mistakes(i["x"]), same_dtype=True, atol=1e-12, points=2),
    HiddenTest("softmax_loss", ("softmax_loss",), _LOSS_CASES, outputs=("loss", "dx"),
               call=_stable("softmax_loss", ("loss", "dx")),
               mistakes=lambda i: softmax_loss_mistakes(i["x"], i["y"]), same_dtype=True, atol=1e-12, points=3),
    HiddenTest("ce_gradient_by_hand", ("ce_gradient_by_hand",),
               (Case("the checkpoint's example: scores [[0, ln 2, 0]], true class 2", lambda rng: {}),),
               judge=lambda actual, expected, inputs: judge_ce_gradient_by_hand(actual), points=1),
    HiddenTest("mse_loss", ("mse_loss",),
               (Case("random, N = 5, D = 3", lambda rng: {"pred": rng.normal(0.0, 2.0, (5, 3)),
                                                          "target": rng.normal(0.0, 2.0, (5, 3))}),
                Case("N = 1, D = 4", lambda rng: {"pred": rng.normal(0.0, 2.0, (1, 4)),
                                                  "target": rng.normal(0.0, 2.0, (1, 4))}),
                Case("one output per example, shape (6,)", lambda rng: {"pred": rng.normal(0.0, 2.0, 6),
                                                                        "target": rng.normal(0.0, 2.0, 6)}),
                Case("float32, N = 4, D = 7", lambda rng: {"pred": rng.normal(0.0, 2.0, (4, 7)).astype(np.float32),
                                                           "target": rng.normal(0.0, 2.0, (4, 7)).astype(np.float32)},
                     **_F32),
                Case("large errors, N = 3, D = 2", lambda rng: {"pred": rng.normal(0.0, 100.0, (3, 2)),
                                                                "target": rng.normal(0.0, 1.0, (3, 2))})),
               outputs=("loss", "dpred"), mistakes=lambda i: mse_loss_mistakes(i["pred"], i["target"]),
               same_dtype=True, atol=1e-12, points=2),
]
