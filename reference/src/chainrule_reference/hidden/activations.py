"""Hidden tests of notebook 08, activation functions.

The elementwise layers run on shapes the notebook has not shown (1-D, 3-D, a single entry), in
float32 (dtype kept), at large |x| (+-800, where a naive exp overflows) and, for leaky ReLU, at the
kink x = 0 and with alpha = 0.2 and alpha = 0 passed in. The maxout tests use other N, D, M and K
(K = 1 and K = 3 too) and exact ties, built from identical pieces with values that are multiples of
1/4 (so every product and sum is exact, whatever the order of the arithmetic): the gradient must go
to the smallest tied k only. Every upstream gradient is far from +-1, with both signs.

``gradient_norms_by_layer`` is an experiment: it is judged (``judge=``) on eight seeds per case,
against the protocol's geometric means per layer within a factor of about 3 (see
:func:`chainrule.visible.activations.judge_gradient_norms`), never value by value.
"""
from __future__ import annotations

import numpy as np

from chainrule.visible.activations import (gradient_norm_candidates, gradient_norm_runs, judge_gradient_norms,
                                           leaky_relu_layer_mistakes, maxout_layer_mistakes, sigmoid_layer_mistakes,
                                           tanh_layer_mistakes)

from ..activations import gradient_norms_protocol
from ..spec import backward_of, Case, draw_upstream, draw_with_kinks, forward_of, HiddenTest

__all__ = ["NOTEBOOK", "TESTS"]

NOTEBOOK = "08-activation-functions"

_FLOAT32 = dict(rtol=1e-4, atol=1e-6)
_LARGE = [-800.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0, 800.0]


def _elementwise_cases(backward, leaky=False):
    """The cases of an elementwise layer; ``leaky`` adds the kink and alpha cases."""
    def draw(make_x, alpha=None):
        def make(rng):
            x = make_x(rng)
            inputs = {"x": x} if alpha is None else {"x": x, "alpha": alpha}
            if backward:
                inputs["dout"] = draw_upstream(rng, x.shape, x.dtype)
            return inputs
        return make

    cases = [
        Case("a (4, 6) array", draw(lambda rng: rng.normal(0, 2.5, (4, 6)))),
        Case("a 1-D array of 7", draw(lambda rng: rng.normal(0, 2.5, 7))),
        Case("a (2, 3, 4) tensor", draw(lambda rng: rng.normal(0, 2.5, (2, 3, 4)))),
        Case("a float32 (5, 3) array", draw(lambda rng: rng.normal(0, 2.5, (5, 3)).astype(np.float32)), **_FLOAT32),
        Case(f"large values {_LARGE}", draw(lambda rng: np.array(_LARGE)), rtol=1e-6, atol=1e-12),
        Case("large float32 values +-30, +-100", draw(lambda rng: np.array([[-100.0, -30.0], [30.0, 100.0]],
                                                                       dtype=np.float32)), **_FLOAT32),
        Case("a single entry, shape (1, 1), x = 0", draw(lambda rng: np.zeros((1, 1)))),
    ]
    if leaky:
        cases += [
            Case("values exactly at the kink 0, shape (3, 5)", draw(lambda rng: draw_with_kinks(rng, (3, 5)))),
            Case("alpha = 0.2 passed in, at and around the kink", draw(lambda rng: draw_with_kinks(rng, (4, 3)), 0.2)),
            Case("alpha = 0 passed in (plain ReLU), with zeros", draw(lambda rng: draw_with_kinks(rng, (2, 5)), 0.0)),
            Case("float32 with zeros, alpha = 0.1",
                 draw(lambda rng: draw_with_kinks(rng, (3, 4), np.float32), 0.1), **_FLOAT32),
        ]
    return tuple(cases)


def _elementwise_mistakes(mistakes, name, backward, leaky=False):
    def found(inputs):
        args = (inputs["x"], inputs.get("alpha", 0.01)) if leaky else (inputs["x"],)
        return {name: mistakes(*args, dout=inputs["dout"]) if backward else mistakes(*args)}
    return found


def _elementwise_tests(layer, mistakes, leaky=False):
    forward, backward = f"{layer}_forward", f"{layer}_backward"
    return [
        HiddenTest(forward, (forward,), _elementwise_cases(False, leaky), call=forward_of(forward),
                   mistakes=_elementwise_mistakes(mistakes, forward, False, leaky), same_dtype=True,
                   rtol=1e-9, atol=1e-12),
        HiddenTest(backward, (backward, forward), _elementwise_cases(True, leaky),
                   call=backward_of(forward, backward),
                   mistakes=_elementwise_mistakes(mistakes, backward, True, leaky), same_dtype=True,
                   rtol=1e-7, atol=1e-10),
    ]


# ---- maxout --------------------------------------------------------------------------------------

def _maxout(N, D, M, K, dtype=np.float64, backward=False):
    def draw(rng):
        inputs = {"x": rng.normal(0, 1.5, (N, D)).astype(dtype), "w": rng.normal(0, 1, (D, M, K)).astype(dtype),
                  "b": rng.normal(0, 0.5, (M, K)).astype(dtype)}
        if backward:
            inputs["dout"] = draw_upstream(rng, (N, M), dtype)
        return inputs
    return draw


def _quarters(rng, shape, low, high):
    """Multiples of 1/4 in [low, high]: products and sums of a few of them are exact in float32 and float64."""
    return rng.integers(int(4 * low), int(4 * high) + 1, shape) / 4.0


def _maxout_ties(N, D, dtype=np.float64, backward=False, zero_row=False):
    """M = 4 units, K = 3 pieces with exact ties: unit 0, pieces 0 and 1 tie for the max (piece 2 far below);
    unit 1, pieces 1 and 2 tie (piece 0 far below: the gradient goes to k = 1, not 0); unit 2, all three
    pieces are one; unit 3, three different pieces."""
    def draw(rng):
        x = _quarters(rng, (N, D), -2, 2)
        if zero_row:
            x[0] = 0.0
        base = _quarters(rng, (D, 4), -1, 1)
        w = np.stack([base, base, base], axis=2)
        w[:, 3, 1:] = _quarters(rng, (D, 2), -1, 1)
        b = np.repeat(_quarters(rng, (4, 1), -1, 1), 3, axis=1)
        b[3, 1:] += 0.5
        w[:, 0, 2] = _quarters(rng, D, -1, 1)
        b[0, 2] = -50.0
        w[:, 1, 0] = _quarters(rng, D, -1, 1)
        b[1, 0] = -50.0
        inputs = {"x": x.astype(dtype), "w": w.astype(dtype), "b": b.astype(dtype)}
        if backward:
            inputs["dout"] = (_quarters(rng, (N, 4), 0.5, 2.5) * rng.choice([-1.0, 1.0], (N, 4))).astype(dtype)
        return inputs
    return draw


def _maxout_cases(backward):
    return (
        Case("N = 4, D = 3, M = 5, K = 2", _maxout(4, 3, 5, 2, backward=backward)),
        Case("N = 1, D = 4, M = 2, K = 3", _maxout(1, 4, 2, 3, backward=backward)),
        Case("exact ties, N = 5, D = 3, M = 4, K = 3", _maxout_ties(5, 3, backward=backward)),
        Case("K = 1 (an affine layer), N = 3, D = 2, M = 4", _maxout(3, 2, 4, 1, backward=backward)),
        Case("float32, N = 3, D = 4, M = 3, K = 2", _maxout(3, 4, 3, 2, np.float32, backward), rtol=1e-5, atol=1e-5),
        Case("float32 with exact ties and an all-zero input row, N = 4, D = 2, M = 4, K = 3",
             _maxout_ties(4, 2, np.float32, backward, zero_row=True), rtol=1e-5, atol=1e-5),
        Case("N = 6, D = 5, M = 3, K = 4", _maxout(6, 5, 3, 4, backward=backward)),
    )


# ---- the vanishing-gradient experiment ------------------------------------------------------------

def _norm_case(activation, depth, width):
    return Case(f"activation {activation!r}, depth {depth}, width {width}, eight seeds",
                lambda rng: {"activation": activation, "depth": depth, "width": width,
                             "seeds": tuple(int(s) for s in rng.integers(0, 2 ** 31, 8))})


def _norm_runs(impl, inputs):
    return gradient_norm_runs(impl["gradient_norms_by_layer"], inputs["activation"], inputs["depth"],
                              inputs["width"], inputs["seeds"])


def _mean_logs(activation, depth, width, seeds, mistake):
    return np.mean([np.log10(gradient_norms_protocol(activation, depth, width, np.random.default_rng(s), mistake))
                    for s in seeds], axis=0)


def _judge_norms(actual, expected, inputs):
    activation, depth, width, seeds = inputs["activation"], inputs["depth"], inputs["width"], inputs["seeds"]
    target = np.log10(np.asarray(expected[:-1], dtype=np.float64)).mean(axis=0)
    extra = {key: _mean_logs(activation, depth, width, seeds, key) for key in ("no_slope", "init")}
    judge_gradient_norms(actual, target, activation=activation, depth=depth, width=width,
                         mistakes=gradient_norm_candidates(target, depth, extra))


TESTS = [
    *_elementwise_tests("sigmoid", sigmoid_layer_mistakes),
    *_elementwise_tests("tanh", tanh_layer_mistakes),
    *_elementwise_tests("leaky_relu", leaky_relu_layer_mistakes, leaky=True),
    HiddenTest("maxout_forward", ("maxout_forward",), _maxout_cases(False), call=forward_of("maxout_forward"),
               mistakes=lambda i: {"maxout_forward": maxout_layer_mistakes(i["x"], i["w"], i["b"])},
               same_dtype=True, rtol=1e-9, atol=1e-12, points=2),
    HiddenTest("maxout_backward", ("maxout_backward", "maxout_forward"), _maxout_cases(True),
               call=backward_of("maxout_forward", "maxout_backward"), outputs=("dx", "dw", "db"),
               mistakes=lambda i: maxout_layer_mistakes(i["x"], i["w"], i["b"], i["dout"]),
               same_dtype=True, rtol=1e-7, atol=1e-10, points=3),
    HiddenTest("gradient_norms_by_layer", ("gradient_norms_by_layer",),
               (_norm_case("sigmoid", 10, 64), _norm_case("relu", 10, 64), _norm_case("tanh", 8, 48),
                _norm_case("leaky_relu", 12, 32), _norm_case("sigmoid", 6, 40), _norm_case("relu", 3, 40),
                _norm_case("sigmoid", 1, 16)),
               call=_norm_runs, judge=_judge_norms, points=3),
]
