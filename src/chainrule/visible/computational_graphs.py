"""Visible checks of notebook 02, computational graphs.

Each gate and circuit is checked on the notebook's own worked example (fixed
values), and every backward pass against central differences of the forward
computation: the learner's own, where the exercise returns it.

The known mistakes of each exercise are named once, here, by the functions
``*_mistakes``: the visible checks and the hidden tests (which import them)
use the same words, so a learner sees the same diagnosis from both.
"""
from __future__ import annotations

import numpy as np

from ..checking import CheckFailure, describe, expect_close
from ..gradcheck import num_derivative, num_grad
from ._common import call, passed

__all__ = ["check_add_backward", "check_division_gate_by_hand", "division_gate_by_hand_mistakes",
           "judge_division_gate_by_hand", "check_circuit_forward_backward", "check_fanout_forward_backward",
           "check_max_backward", "check_mul_backward", "check_neuron_forward_backward",
           "check_squared_error_forward_backward", "check_staged_backward", "check_staged_forward",
           "circuit_mistakes", "fanout_mistakes", "gate_mistakes", "neuron_mistakes", "squared_error_mistakes",
           "staged_backward_mistakes", "staged_forward_mistakes"]

_NOT_SCALED = "{} is the local gradient only: multiply it by the upstream gradient dout"

#: The staged exercise's example (Part F): f(1.5, -0.5) and its gradient.
STAGED_EXAMPLE = (1.5, -0.5)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _as_float(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


# ---- known mistakes, as (description, wrong value) per output name ------------------------------

def _tie_text(d, x, y, got) -> str:
    """What a max gate whose dx is 0 on a tie did with the tie: sent it to y, to neither input, or (without
    the learner's dy, ``got`` None) one of the two."""
    fix = "it goes to x (dx = dout, dy = 0)"
    tie = x == y
    try:
        dy = np.broadcast_to(np.asarray(got[1], dtype=np.float64), np.shape(tie)) if got is not None else None
    except (TypeError, ValueError, IndexError):
        dy = None
    if dy is not None and np.allclose(dy[tie], np.broadcast_to(d, np.shape(tie))[tie]):
        return f"on a tie x == y the gradient went to y: {fix}, not to y"
    if dy is not None and np.allclose(dy[tie], 0.0):
        return (f"on a tie x == y the gradient went to neither input (x > y and y > x both exclude the tie), "
                f"so it was lost: {fix}")
    return f"on a tie x == y dx got 0 (the tie was sent to y, or to neither input): {fix}"


def gate_mistakes(gate: str, dout, x=None, y=None, got=None) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``add_backward``, ``mul_backward`` or ``max_backward`` (``gate``: add, mul, max).

    ``got``: the learner's ``(dx, dy)`` where known (the visible check), to tell a max gate that sends a tie
    to y from one that sends it to neither input.
    """
    if gate == "add":
        (d,) = _as_float(dout)
        return {k: [("the local gradient 1 was returned: multiply it by the upstream gradient dout", np.ones_like(d)),
                    ("the add gate does not split dout in half: each input gets all of it", d / 2)]
                for k in ("dx", "dy")}
    d, x, y = _as_float(dout, x, y)
    if gate == "mul":
        swapped = "dx and dy are swapped: each input gets dout times the OTHER input"
        return {"dx": [(_NOT_SCALED.format("dx"), y), (swapped, d * x)],
                "dy": [(_NOT_SCALED.format("dy"), x), (swapped, d * y)]}
    if gate != "max":
        raise ValueError(f"unknown gate {gate!r}")
    smaller = "the gradient was routed to the smaller input"
    tie = bool(np.any(x == y))
    return {"dx": ([(_tie_text(d, x, y, got), np.where(x > y, d, 0.0))] if tie else [])
            + [(smaller, np.where(x < y, d, 0.0)), (_NOT_SCALED.format("dx"), (x >= y) * 1.0)],
            "dy": ([("on a tie x == y the gradient was given to both inputs, which double-counts: "
                     "on a tie it goes to x only", np.where(y >= x, d, 0.0))] if tie else [])
            + [(smaller, np.where(y > x, d, 0.0)), (_NOT_SCALED.format("dy"), (y > x) * 1.0)]}


def circuit_mistakes(x, y, z) -> dict[str, list[tuple[str, float]]]:
    """Known wrong answers of ``circuit_forward_backward``, by the path of the output."""
    unscaled = ("{} is the add gate's local gradient 1 only: multiply it by the gradient dq = z "
                "arriving from the mul gate")
    return {"(dx, dy, dz)[0]": [(unscaled.format("dx"), 1.0), ("dx should be dq = z, not q = x + y", x + y)],
            "(dx, dy, dz)[1]": [(unscaled.format("dy"), 1.0), ("dy should be dq = z, not q = x + y", x + y)],
            "(dx, dy, dz)[2]": [("dz should be the value q = x + y reaching z", z)]}


def neuron_mistakes(w, x) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``neuron_forward_backward`` (``dw`` and ``dx``)."""
    w, x = _as_float(w, x)
    f = _sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    at_output = _sigmoid(f) * (1 - _sigmoid(f))
    at_f = "sigmoid's derivative was taken at the output f instead of at the input z"
    missing = "the local gradient of sigmoid, f (1 - f), is missing"
    inputs = np.array([x[0], x[1], 1.0])
    return {"dw": [(at_f, inputs * at_output), (missing, inputs)],
            "dx": [(at_f, w[:2] * at_output), (missing, w[:2]),
                   ("dx uses x instead of w: d(w x)/dx = w", x * f * (1 - f))]}


def squared_error_mistakes(w, x, b, y) -> dict[str, list[tuple[str, float]]]:
    """Known wrong answers of ``squared_error_forward_backward`` (``dw`` and ``db``)."""
    d = w * x + b - y
    return {"dw": [("the factor x of d(w x)/dw is missing", 2 * d), ("dw uses w where x belongs", 2 * d * w)],
            "db": [("db should be dL/dp = 2 d, the same as the gradient reaching p", 2 * d * x)]}


def fanout_mistakes(x) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong answers of ``fanout_forward_backward``: one use of x dropped or overwritten."""
    (x,) = _as_float(x)
    s = _sigmoid(x)
    direct, through_s, square = s, x * s * (1 - s), 2 * x
    overwritten = ("only the {} is left: each `dfdx = ...` overwrote the paths before it. x is used three "
                   "times; add every path's term with +=")
    return {"dfdx": [("only the last path's gradient is left: use += to accumulate", square),
                     (overwritten.format("sigmoid path's term x s (1 - s), s = sigmoid(x),"), through_s),
                     (overwritten.format("direct path's term sigmoid(x)"), direct),
                     ("the path through sigmoid(x) was overwritten or dropped: accumulate all three paths with +=",
                      direct + square),
                     ("the path through x^2 was overwritten or dropped: accumulate all three paths with +=",
                      direct + through_s),
                     ("the direct path x * (d/dx of x) = sigmoid(x) is missing", through_s + square)]}


def _staged_parts(x, y):
    """The forward values and every path's term of the gradient of f = (x + sigmoid(x y)) / (1 + (x - y)^2)."""
    x, y = _as_float(x, y)
    s = _sigmoid(x * y)
    p, d = x + s, x - y
    q = 1 + d * d
    dp = 1 / q
    dd = 2 * d * (-p / (q * q))
    local = s * (1 - s)
    return {"s": s, "p": p, "d": d, "q": q, "dp": dp, "dd": dd, "local": local,
            "x_via_a": y * local * dp, "x_via_p": dp, "x_via_d": dd, "y_via_a": x * local * dp, "y_via_d": -dd}


def staged_forward_mistakes(x, y) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong values of f in ``staged_forward`` (Part F)."""
    x, y = _as_float(x, y)
    s = _sigmoid(x * y)
    q = 1 + (x - y) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):  # x == y makes the first wrong value infinite
        lost_one = (x + s) / (x - y) ** 2
    return {"f": [("the denominator lost its 1: q = 1 + d^2", lost_one),
                  ("the sigmoid is missing: s = sigmoid(a) with a = x y", (x + x * y) / q),
                  ("the numerator is x + sigmoid(x y), not sigmoid(x y) alone", s / q),
                  ("the division is upside down: f = p / q", q / (x + s))]}


def staged_backward_mistakes(x, y) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong ``(dx, dy)`` of ``staged_backward`` (Part F): paths overwritten or dropped, a local factor
    missing, the division's local gradient for q with the wrong sign."""
    t = _staged_parts(x, y)
    ax, px, dx_, ay, dy_ = t["x_via_a"], t["x_via_p"], t["x_via_d"], t["y_via_a"], t["y_via_d"]
    only = ("only the path through {} is left in {}: each `{} = ...` overwrote the terms before it{}. {} is used "
            "{} times; add every path's term with +=")
    reverse = " (in the reverse order of the stages, a = x y comes last)"
    dropped = "the path of {} through {} is missing: {} is used {} times, so it gets one term per use, added with +="
    no_local = ("the sigmoid gate's local gradient is missing: ds must be multiplied by the derivative of the "
                "sigmoid at a before it reaches a = x y")
    sign_q = ("the path through d = x - y has the wrong sign: the division's local gradient for its denominator q "
              "is negative (raising q lowers p / q)")
    no_two = "the square gate's factor 2 is missing: d(d^2)/dd = 2d"
    no_one_over_q = ("the division's local gradient for its numerator p is 1 / q, not 1: the factor 1 / q is "
                     "missing")
    return {
        "dx": [(only.format("a = x y", "dx", "dx", reverse, "x", "three"), ax),
               (only.format("d = x - y", "dx", "dx", "", "x", "three"), dx_),
               (only.format("p = x + s (the direct use of x)", "dx", "dx", "", "x", "three"), px),
               (dropped.format("x", "a = x y", "x", "three"), px + dx_),
               (dropped.format("x", "d = x - y", "x", "three"), ax + px),
               (dropped.format("x", "p = x + s (its direct use)", "x", "three"), ax + dx_),
               (no_local, ax / t["local"] + px + dx_),
               (sign_q, ax + px - dx_),
               (no_two, ax + px + dx_ / 2),
               (no_one_over_q, (ax + px) / t["dp"] + dx_)],
        "dy": [(only.format("a = x y", "dy", "dy", reverse, "y", "two"), ay),
               (only.format("d = x - y", "dy", "dy", "", "y", "two"), dy_),
               (no_local, ay / t["local"] + dy_),
               (sign_q + "; or the subtract gate's local gradient -1 for y was left out", ay - dy_),
               (no_two, ay + dy_ / 2),
               (no_one_over_q, ay / t["dp"] + dy_)]}


#: The checkpoint of Part F's written derivation: the division gate out = p / q at p = 3, q = 2, dout = 4.
_DIVISION = {"p": 3.0, "q": 2.0, "dout": 4.0}


def division_gate_by_hand_mistakes() -> list[tuple[str, tuple[float, float]]]:
    """Known wrong ``(dp, dq)`` of the checkpoint ``division_gate_by_hand()``, as (description, value)."""
    p, q, d = _DIVISION["p"], _DIVISION["q"], _DIVISION["dout"]
    right = (d / q, -d * p / q ** 2)
    return [("dq has the wrong sign: with p > 0, raising the denominator lowers p / q", (right[0], -right[1])),
            ("these are the local gradients only: multiply each by the upstream gradient dout", (1 / q, -p / q ** 2)),
            ("dq lacks the factor p: the derivative of p / q with respect to q is p times that of 1 / q",
             (right[0], -d / q ** 2)),
            ("dq lacks a factor 1 / q: the derivative of 1 / q with respect to q has q squared below the line",
             (right[0], -d * p / q)),
            ("dp should divide dout by q: with q held fixed, p / q is a line in p of slope 1 / q", (d * q, right[1])),
            ("dp and dq are swapped: return (dp, dq), in the order of the gate's inputs", (right[1], right[0]))]


def judge_division_gate_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` is the checkpoint's ``(dp, dq)``, without printing the answer.

    Two numbers in any reasonable container pass (a tuple, a list, an array of shape (2,)). A known
    mistake is named; otherwise the message says what to check.
    """
    name = "division_gate_by_hand()"
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should return two numbers (dp, dq), but it returned {describe(result)}.") \
            from None
    if values.shape != (2,):
        raise CheckFailure(f"{name} should return two numbers (dp, dq), but it returned {describe(result)}.")
    if not np.all(np.isfinite(values)):
        raise CheckFailure(f"{name} contains NaN or infinity: both gradients are finite here.")
    p, q, d = _DIVISION["p"], _DIVISION["q"], _DIVISION["dout"]
    if np.allclose(values, (d / q, -d * p / q ** 2), rtol=1e-9, atol=1e-12):
        return
    for description, wrong in division_gate_by_hand_mistakes():
        if np.allclose(values, wrong, rtol=1e-6, atol=1e-9):
            raise CheckFailure(f"{name} is not (dp, dq) yet.\n  Likely mistake: {description}.")
    raise CheckFailure(f"{name} is not (dp, dq) yet (the values are not shown here: the checkpoint is yours to "
                       "work out).\n  A check: each result is dout times a local gradient from your written "
                       "derivation, evaluated at p = 3 and q = 2.")


# ---- the checks ----------------------------------------------------------------------------------

def _expect(result, expected, example: str, output_names, mistakes, **tolerances) -> None:
    """expect_close on one example; a failure message starts by naming the example."""
    try:
        expect_close(result, expected, name="the result", output_names=output_names, mistakes=mistakes,
                     **tolerances)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


def _tuple(result, name, n):
    if not isinstance(result, tuple) or len(result) != n:
        raise CheckFailure(f"{name} should return a tuple of {n} values, but it returned {result!r}.")
    return result


def check_add_backward(add_backward) -> None:
    """out = x + y with upstream gradient 2.5: both inputs get 2.5; the same for an array."""
    for dout in (2.5, np.array([[1.5, -2.0, 3.0]])):
        result = call(add_backward, "add_backward", (dout,), ("dout",))
        _expect(result, (dout, dout), f"add_backward(dout={dout!r})", ("dx", "dy"), gate_mistakes("add", dout))
    passed("add_backward")


def check_mul_backward(mul_backward) -> None:
    """out = x * y at x = -3, y = 4 with upstream gradient 2: dx = 8, dy = -6; then arrays."""
    examples = [(2.0, -3.0, 4.0), (np.array([1.0, -2.0, 0.5]), np.array([2.0, 3.0, -1.0]), np.array([-4.0, 0.5, 6.0]))]
    for dout, x, y in examples:
        result = call(mul_backward, "mul_backward", (dout, x, y), ("dout", "x", "y"))
        _expect(result, (dout * y, dout * x), f"mul_backward(dout={dout!r}, x={x!r}, y={y!r})", ("dx", "dy"),
                gate_mistakes("mul", dout, x, y))
    passed("mul_backward")


def check_max_backward(max_backward) -> None:
    """out = max(x, y): the larger input takes the whole upstream gradient; on a tie, x does.

    Floats first (x larger, y larger, a tie), then arrays with a tie in one entry.
    """
    examples = [((2.0, 3.0, 1.0), (2.0, 0.0)), ((2.0, -1.0, 5.0), (0.0, 2.0)), ((2.0, 1.0, 1.0), (2.0, 0.0)),
                ((np.array([2.0, -1.0, 3.0]), np.array([1.0, 5.0, 2.0]), np.array([4.0, 5.0, 0.0])),
                 (np.array([0.0, -1.0, 3.0]), np.array([2.0, 0.0, 0.0])))]
    for (dout, x, y), expected in examples:
        result = call(max_backward, "max_backward", (dout, x, y), ("dout", "x", "y"))
        got = result if isinstance(result, (tuple, list)) and len(result) == 2 else None
        _expect(result, expected, f"max_backward(dout={dout!r}, x={x!r}, y={y!r})", ("dx", "dy"),
                gate_mistakes("max", dout, x, y, got))
    passed("max_backward")


def check_circuit_forward_backward(circuit_forward_backward) -> None:
    """f = (x + y) z at (-2, 5, -4) is -12 with gradients (-4, -4, 3)."""
    result = call(circuit_forward_backward, "circuit_forward_backward", (-2.0, 5.0, -4.0), ("x", "y", "z"))
    _expect(result, (-12.0, (-4.0, -4.0, 3.0)), "circuit_forward_backward(-2, 5, -4)", ("f", "(dx, dy, dz)"),
            circuit_mistakes(-2.0, 5.0, -4.0))
    passed("circuit_forward_backward")


def check_neuron_forward_backward(neuron_forward_backward) -> None:
    """w = [2, -3, -3], x = [-1, -2]: f = sigmoid(1); dw and dx against central differences of your f."""
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])

    def run(w_, x_):
        return _tuple(call(neuron_forward_backward, "neuron_forward_backward", (w_, x_), ("w", "x")),
                      "neuron_forward_backward", 3)

    result = run(w, x)  # on the example itself first, then around it for central differences
    expected = (0.7310585786300049, num_grad(lambda v: run(v, x)[0], w), num_grad(lambda v: run(w, v)[0], x))
    _expect(result, expected, "neuron_forward_backward(w=[2, -3, -3], x=[-1, -2])", ("f", "dw", "dx"),
            neuron_mistakes(w, x), rtol=1e-6, atol=1e-9)
    passed("neuron_forward_backward")


def check_squared_error_forward_backward(squared_error_forward_backward) -> None:
    """w = 2, x = 3, b = 1, y = 4: L = 9, dL/dw = 18, dL/db = 6."""
    result = call(squared_error_forward_backward, "squared_error_forward_backward", (2.0, 3.0, 1.0, 4.0),
                  ("w", "x", "b", "y"))
    _expect(result, (9.0, 18.0, 6.0), "squared_error_forward_backward(w=2, x=3, b=1, y=4)", ("L", "dw", "db"),
            squared_error_mistakes(2.0, 3.0, 1.0, 4.0))
    passed("squared_error_forward_backward")


def check_fanout_forward_backward(fanout_forward_backward) -> None:
    """At x = 1.5 and on an array: f against its definition, df/dx against central differences of your own f."""
    def run(x):
        return _tuple(call(fanout_forward_backward, "fanout_forward_backward", (x,), ("x",)),
                      "fanout_forward_backward", 2)

    for x in (1.5, np.array([-2.0, 0.0, 0.75])):
        result = run(x)  # on the example itself first, then around it for central differences
        numeric = num_derivative(lambda v: run(v if np.ndim(x) else float(v))[0], x)
        _expect(result, (x * _sigmoid(x) + x ** 2, numeric), f"fanout_forward_backward(x={x!r})", ("f", "dfdx"),
                fanout_mistakes(x), rtol=1e-6, atol=1e-9)
    passed("fanout_forward_backward")


def _staged_pair(result, name, what):
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailure(f"{name} should return a tuple {what}, but it returned {result!r}.")
    return result


def _staged_run(staged_forward, x, y):
    return _staged_pair(call(staged_forward, "staged_forward", (x, y), ("x", "y")), "staged_forward", "(f, cache)")


def check_staged_forward(staged_forward) -> None:
    """f at the example (1.5, -0.5) and on arrays with negative entries, against the formula of the exercise."""
    examples = [STAGED_EXAMPLE, (np.array([-1.0, 0.5, 2.0]), np.array([2.0, 1.0, -1.5]))]
    for x, y in examples:
        f, _ = _staged_run(staged_forward, x, y)
        expected = (x + _sigmoid(x * y)) / (1 + (x - y) ** 2)
        _expect(f, expected, f"staged_forward(x={x!r}, y={y!r})", None,
                {"the result": staged_forward_mistakes(x, y)["f"]}, rtol=1e-9, atol=1e-12)
    passed("staged_forward")


def check_staged_backward(staged_forward, staged_backward) -> None:
    """(dx, dy) from the cache of your own staged_forward, against central differences of your own f,
    at the example (1.5, -0.5) and on arrays with negative entries."""
    examples = [STAGED_EXAMPLE, (np.array([-1.0, 0.5, 2.0]), np.array([2.0, 1.0, -1.5]))]
    for x, y in examples:
        _, cache = _staged_run(staged_forward, x, y)
        result = _staged_pair(call(staged_backward, "staged_backward", (cache,), ("cache",)), "staged_backward",
                              "(dx, dy)")

        def f_at(xv, yv):
            return _staged_run(staged_forward, xv if np.ndim(x) else float(xv), yv if np.ndim(y) else float(yv))[0]
        numeric = (num_derivative(lambda v: f_at(v, y), x), num_derivative(lambda v: f_at(x, v), y))
        _expect(result, numeric, f"staged_backward(cache) with the cache of staged_forward(x={x!r}, y={y!r})",
                ("dx", "dy"), staged_backward_mistakes(x, y), rtol=1e-6, atol=1e-9)
    passed("staged_backward")


def check_division_gate_by_hand(division_gate_by_hand) -> None:
    """The checkpoint: (dp, dq) of the division gate out = p / q at p = 3, q = 2 with dout = 4."""
    result = call(division_gate_by_hand, "division_gate_by_hand", (), ())
    try:
        judge_division_gate_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, division_gate_by_hand() for out = p / q at p = 3, q = 2, dout = 4:\n"
                           f"  {failure}") from None
    print("[ok] division_gate_by_hand is right. The hidden test checks the same two numbers.")
