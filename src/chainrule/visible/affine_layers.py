r"""Visible checks of notebook 05, vectorized affine layers.

The layer, in row form on a batch: ``out = x_flat @ w + b`` with ``x`` of shape
``(N, d1, ..., dk)`` flattened (C order) to ``(N, D)``, ``w`` of shape ``(D, M)``,
``b`` of shape ``(M,)``. The checks need no reference implementation: the
forward pass is compared with that formula on small examples (the first one
worked out by hand in the notebook), both backward passes with central
differences of that formula, and the Jacobian's size with fixed numbers. The
backward checks take the cache from the learner's own ``affine_forward`` (what
goes into it is the learner's choice) and nothing else: as in the hidden tests,
a forward pass with a wrong output costs the forward's points only.

The known mistakes of each exercise are named once, here, by the functions
``*_mistakes``: the visible checks and the hidden tests (which import them) use
the same words, so a learner sees the same diagnosis from both.

:func:`peak_memory_bytes` lives here because checking uses it: the check of
``affine_backward_via_jacobian`` looks at how much memory the learner's function
allocated, to notice one that gives the right numbers without building any
Jacobian. The notebook's cost figure reuses it
(:func:`chainrule.plots.measure_backward_costs`).
"""
from __future__ import annotations

import tracemalloc
from typing import Any, Callable

import numpy as np

from ..checking import CheckFailure, expect_close, out_and_cache
from ..gradcheck import num_vjp
from ._common import call, passed

__all__ = ["affine_backward_mistakes", "affine_forward_mistakes", "check_affine_backward",
           "check_affine_backward_via_jacobian", "check_affine_forward", "check_dw_by_hand",
           "check_jacobian_memory_bytes", "dw_by_hand_mistakes", "jacobian_memory_mistakes", "judge_dw_by_hand",
           "peak_memory_bytes"]

_FLOAT32_TOL = dict(rtol=1e-5, atol=1e-5)


def peak_memory_bytes(fn: Callable, *args) -> tuple[Any, int]:
    """Call ``fn(*args)`` and measure the most memory it held at once, in bytes.

    Uses :mod:`tracemalloc`, which sees every NumPy array allocation (and Python
    objects); the count is relative to what was allocated before the call, so
    the inputs themselves are not counted. If tracing was already on, it stays on.

    Returns:
        (result, peak): what ``fn`` returned, and the peak in bytes (an int).
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, max(int(peak), 0)


# ---- known mistakes ------------------------------------------------------------------------------

def _as_float(*values):
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def affine_forward_mistakes(x, w, b) -> list[tuple[str, np.ndarray]]:
    """Known wrong ``out`` of ``affine_forward``, as (description, value)."""
    x, w, b = _as_float(x, w, b)
    n = x.shape[0]
    xf = x.reshape(n, -1)
    found = [("the bias b is missing: out = x_flat @ w + b", xf @ w),
             ("b was subtracted: out = x_flat @ w + b", xf @ w - b)]
    if x.ndim > 2:
        found.append(("x was flattened in Fortran (column-major) order: use x.reshape(N, -1), "
                      "NumPy's default C (row-major) order", x.reshape(n, -1, order="F") @ w + b))
    if w.shape[0] == w.shape[1]:
        found.append(("w is transposed: out = x_flat @ w, (N, D) @ (D, M)", xf @ w.T + b))
    return found


def affine_backward_mistakes(x, w, b, dout, jacobian: bool = False) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Known wrong ``(dx, dw, db)`` of ``affine_backward`` (or, with ``jacobian``, of
    ``affine_backward_via_jacobian``), by output name."""
    x, w, b, dout = _as_float(x, w, b, dout)
    n = x.shape[0]
    xf = x.reshape(n, -1)
    dx, dw = dout @ w.T, xf.T @ dout
    extra_n = (f"there is an extra factor 1/N (N = {n}): a layer's backward pass only sums over the batch; "
               "the loss's 1/N is already inside dout")
    found: dict[str, list[tuple[str, np.ndarray]]] = {"dx": [], "dw": [], "db": []}
    if x.ndim > 2:
        not_reshaped = (f"dx must have the shape of the original x, {x.shape}: reshape the (N, D) result "
                        "with .reshape(x.shape)")
        found["dx"] += [(not_reshaped, dx), (not_reshaped, dx.ravel())]
    elif jacobian:
        found["dx"].append((f"dx must have the shape of x, {x.shape}: reshape the vector-Jacobian product",
                            dx.ravel()))
    if w.shape[0] == w.shape[1]:
        found["dx"].append(
            ("this is J @ dout, not dout @ J: a vector-Jacobian product multiplies the row dout.ravel() "
             "from the left (a transpose is missing)" if jacobian else
             "dx = dout @ w is missing a transpose: dx[n, d] sums dout[n, m] times the weight that links input d to "
             "output m, and dx is (N, M) times an (M, D) matrix",
             (dout @ w).reshape(x.shape)))
    ones = np.ones_like(dout)
    found["dx"].append(("dx ignores the upstream gradient: every term of the sum carries an entry of dout",
                        (ones @ w.T).reshape(x.shape)))
    found["dw"] += [("dw is transposed: it must have the shape (D, M) of w", dw.T)]
    if jacobian:
        found["dw"] += [("dw is scrambled: the columns of the Jacobian with respect to w must follow w's "
                         "entries in C order (column d*M + m belongs to w[d, m])", dw.T.reshape(w.shape)),
                        (f"dw must have the shape of w, {w.shape}: reshape the vector-Jacobian product",
                         dw.ravel())]
    if x.ndim > 2:
        found["dw"].append(("x was not flattened: w meets x_flat = x.reshape(N, -1), so dw is made of x_flat, "
                            "not of the tensor x", x.T @ dout))
    found["dw"].append(("dw ignores the upstream gradient: every term of its sum over the batch carries an "
                        "entry of dout", xf.T @ ones))
    found["db"] += [("db must be summed over the batch (axis 0): every example adds its share", dout),
                    ("db was summed over the wrong axis: sum over the batch, axis 0", dout.sum(axis=1))]
    found["db"].append((f"db must have the shape of b, {b.shape}: a (1, M) row comes from keepdims=True "
                        "or from a missing reshape", dout.sum(axis=0, keepdims=True)))
    if n > 1:
        found["dw"].append((extra_n, dw / n))
        found["db"].insert(0, ("db was averaged over the batch: sum it instead "
                               "(the loss's 1/N is already inside dout)", dout.mean(axis=0)))
    return found


def jacobian_memory_mistakes(N, D, M, itemsize=None) -> list[tuple[str, float]]:
    """Known wrong answers of ``jacobian_memory_bytes``, as (description, value).

    ``itemsize`` None: the call relies on the default, 4 bytes.
    """
    size = 4 if itemsize is None else itemsize
    right = float(N * M) * float(N * D) * size
    found = [
        ("this counts entries, not bytes: multiply by itemsize, the bytes per entry", right / size),
        ("this is in bits: itemsize already counts bytes (4 for float32)", right * 8),
        ("N appears once, but it belongs to both sides: the output has N*M entries and the input N*D, "
         "so the Jacobian has (N*M) * (N*D) entries", float(N * M * D * size)),
        ("this is the Jacobian of one example (M x D): the Jacobian of the whole batch has (N*M) * (N*D) entries",
         float(M * D * size)),
        ("this is the Jacobian with respect to w, (N*M) x (D*M): the exercise asks for the one with respect "
         "to x, (N*M) x (N*D)", float(N * M) * float(D * M) * size),
        ("this is in GiB: return plain bytes", right / 2 ** 30),
        ("this is in GB: return plain bytes", right / 1e9),
    ]
    if itemsize is None:
        found.insert(0, ("itemsize must default to 4 bytes (float32), not 8", right * 2))
    return found


# ---- examples ------------------------------------------------------------------------------------

# The forward example of the notebook (out[0, 0] = 3.5 is worked out by hand there). w is square,
# so that a transposed w still runs and is named.
_X = np.array([[1.0, 2.0, -1.0], [0.0, -3.0, 2.0]])
_W = np.array([[1.0, -2.0, 2.0], [0.5, 1.0, -1.0], [-1.0, 3.0, 0.5]])
_B = np.array([0.5, -1.0, 0.25])
_OUT = np.array([[3.5, -4.0, -0.25], [-3.0, 2.0, 4.25]])


def _tensor_example(shape, m, seed):
    """A tensor input of ``shape`` (N, d1, ..., dk), w of (D, m), b of (m,), dout of (N, m); no entry is +-1."""
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape[1:]))
    x = np.round(rng.uniform(-2, 2, shape), 2)
    w = np.round(rng.uniform(-1.5, 1.5, (d, m)), 2)
    b = np.round(rng.uniform(-1, 1, m), 2)
    dout = np.round(rng.uniform(0.5, 2.0, (shape[0], m)) * rng.choice([-1.0, 1.0], (shape[0], m)), 2)
    return x, w, b, dout


def _affine(x, w, b):
    """The layer's formula, out = x_flat @ w + b."""
    return x.reshape(x.shape[0], -1) @ w + b


def _expect(actual, expected, example: str, **kwargs) -> None:
    try:
        expect_close(actual, expected, **kwargs)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, {example}:\n  {failure}") from None


# ---- the checks ----------------------------------------------------------------------------------

def check_affine_forward(affine_forward) -> None:
    """The notebook's example (x (2, 3), w (3, 3)), then tensor inputs (2, 2, 3) and (2, 2, 2, 2), then float32."""
    examples = [("the worked example x (2, 3), w (3, 3)", _X, _W, _B, _OUT)]
    for shape, m, seed in [((2, 2, 3), 4, 1), ((2, 2, 2, 2), 3, 2)]:
        x, w, b, _ = _tensor_example(shape, m, seed)
        examples.append((f"a tensor x of shape {shape}, w {w.shape}", x, w, b, _affine(x, w, b)))
    x, w, b, _ = _tensor_example((3, 2, 2), 5, 3)
    examples.append(("float32 x (3, 2, 2), w (4, 5), b (5,)", *(a.astype(np.float32) for a in (x, w, b)),
                     _affine(x, w, b).astype(np.float32)))
    for label, x, w, b, expected in examples:
        out, _ = out_and_cache(call(affine_forward, "affine_forward", (x, w, b), ("x", "w", "b")), "affine_forward")
        tol = _FLOAT32_TOL if x.dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)
        _expect(out, expected, f"affine_forward on {label}", name="out", same_dtype=True,
                mistakes={"out": affine_forward_mistakes(x, w, b)}, **tol)
    passed("affine_forward")


def _check_backward(backward: Callable, name: str, affine_forward: Callable, jacobian: bool) -> None:
    """Compare ``backward(dout, cache)`` with central differences of the layer's formula.

    The learner's forward supplies the cache only, as in the hidden tests: a mistake in
    the forward's output costs the forward's points, not the backward's.

    Examples: x (4, 3) with a square w (D = M = 3), a tensor x (3, 2, 2) with M = 5, and that one in float32.
    """
    def out_of(x, w, b):
        return out_and_cache(call(affine_forward, "affine_forward", (x, w, b), ("x", "w", "b")), "affine_forward")

    for shape, m, seed in [((4, 3), 3, 4), ((3, 2, 2), 5, 5)]:
        x, w, b, dout = _tensor_example(shape, m, seed)
        expected = (num_vjp(lambda v: _affine(v, w, b), x, dout),
                    num_vjp(lambda v: _affine(x, v, b), w, dout),
                    num_vjp(lambda v: _affine(x, w, v), b, dout))
        dtypes = (np.float64, np.float32) if len(shape) > 2 else (np.float64,)
        for dtype in dtypes:
            args = tuple(a.astype(dtype) for a in (x, w, b))
            _, cache = out_of(*args)
            result = call(backward, name, (dout.astype(dtype), cache), ("dout", "cache"))
            tol = _FLOAT32_TOL if dtype == np.float32 else dict(rtol=1e-6, atol=1e-8)
            _expect(result, tuple(e.astype(dtype) for e in expected),
                    f"{name}(dout, cache) with x {shape} ({np.dtype(dtype).name}), w {w.shape}, b {b.shape}",
                    name="the result", output_names=("dx", "dw", "db"), same_dtype=True,
                    mistakes=affine_backward_mistakes(x, w, b, dout, jacobian=jacobian), **tol)


def check_affine_backward(affine_backward, affine_forward) -> None:
    """dx, dw, db against central differences of out = x_flat @ w + b: square w, a tensor x, float32.

    The cache comes from your own affine_forward.
    """
    _check_backward(affine_backward, "affine_backward", affine_forward, jacobian=False)
    passed("affine_backward")


def check_affine_backward_via_jacobian(affine_backward_via_jacobian, affine_forward) -> None:
    """The same gradients as affine_backward, against central differences of out = x_flat @ w + b.

    Also looks at the memory your function allocated: building the Jacobian of out
    with respect to x takes at least (N*M) * (N*D) * 8 bytes in float64. If your
    function used less, it prints a note (no points depend on it).
    """
    _check_backward(affine_backward_via_jacobian, "affine_backward_via_jacobian", affine_forward, jacobian=True)
    # A batch big enough that the Jacobian dwarfs everything else the backward pass needs.
    x, w, b, dout = _tensor_example((16, 2, 2), 4, 6)
    _, cache = affine_forward(x, w, b)
    _, peak = peak_memory_bytes(affine_backward_via_jacobian, dout, cache)
    n, d, m = x.shape[0], x[0].size, w.shape[1]
    needed = n * m * n * d * x.itemsize
    if peak < needed:
        print(f"Note: on x of shape {x.shape} your function allocated at most {peak} bytes at once, less than "
              f"the {needed} bytes of the Jacobian of out with respect to x alone ({n * m} x {n * d} float64). "
              "This exercise asks you to build the Jacobians explicitly: Part D measures what they cost.")
    passed("affine_backward_via_jacobian")


def check_jacobian_memory_bytes(jacobian_memory_bytes) -> None:
    """N = 3, D = 2, M = 4: the Jacobian is 12 x 6, 288 bytes in float32 (the default), 576 in float64."""
    for args, expected in [((3, 2, 4), 288), ((3, 2, 4, 8), 576), ((1, 5, 2, 2), 20)]:
        names = ("N", "D", "M", "itemsize")[:len(args)]
        shown = ", ".join(f"{k}={v}" for k, v in zip(names, args))
        result = call(jacobian_memory_bytes, "jacobian_memory_bytes", args, names)
        _expect(result, expected, f"jacobian_memory_bytes({shown})", name="the result", rtol=1e-12, atol=0,
                mistakes={"the result": jacobian_memory_mistakes(*args)})
    passed("jacobian_memory_bytes")


# ---- the checkpoint: dw by hand ------------------------------------------------------------------

_CHECKPOINT_X = np.array([[1.0, 2.0], [3.0, -1.0]])
_CHECKPOINT_DOUT = np.array([[1.0, 0.0], [2.0, 1.0]])


def dw_by_hand_mistakes() -> list[tuple[str, np.ndarray]]:
    """Known wrong answers of the checkpoint ``dw_by_hand()`` (x and dout of the notebook's checkpoint)."""
    x, dout = _CHECKPOINT_X, _CHECKPOINT_DOUT
    right = x.T @ dout
    return [
        ("this is the transpose of dw: entry (d, m) belongs to w[d, m], the weight from input d to output m",
         right.T),
        ("this is x @ dout, a product that fits the shapes only because N = D = M here: dw[d, m] pairs column d "
         "of x with column m of dout, over the examples", x @ dout),
        ("there is an extra factor 1/N: the layer sums over the batch; a loss's 1/N is already inside dout",
         right / 2),
        ("this is the first example's share alone: w is used by every example, so dw adds up their shares",
         np.outer(x[0], dout[0])),
        ("this is the second example's share alone: w is used by every example, so dw adds up their shares",
         np.outer(x[1], dout[1])),
        ("this multiplies x and dout entry by entry: dw[d, m] sums x[n, d] * dout[n, m] over the examples n",
         x * dout),
    ]


def judge_dw_by_hand(result) -> None:
    """Raise CheckFailure unless ``result`` is the checkpoint's dL/dw, without printing the answer.

    Four numbers as a (2, 2) array pass (a nested list or tuple too); a flat (4,) array in C order is
    accepted as well. A known mistake is named; otherwise the message says what to check.
    """
    name = "dw_by_hand()"
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{name} should return 4 numbers, an array of shape (2, 2) like w, but it returned "
                           f"a {type(result).__name__}.") from None
    if values.size != 4 or values.shape not in ((2, 2), (4,)):
        raise CheckFailure(f"{name} should return 4 numbers, an array of shape (2, 2) like w, but it returned "
                           f"shape {values.shape}.")
    values = values.reshape(2, 2)
    if not np.all(np.isfinite(values)):
        raise CheckFailure(f"{name} contains NaN or infinity.")
    if np.allclose(values, _CHECKPOINT_X.T @ _CHECKPOINT_DOUT, rtol=1e-9, atol=1e-9):
        return
    for description, wrong in dw_by_hand_mistakes():
        if np.allclose(values, wrong, rtol=1e-9, atol=1e-9):
            raise CheckFailure(f"{name} is not dL/dw yet.\n  Likely mistake: {description}.")
    raise CheckFailure(f"{name} is not dL/dw yet (its values are not shown here: the checkpoint is yours to work "
                       "out).\n  A check: for each weight w[d, m], list the outputs that contain it and the factor "
                       "each one gives it, then weight them with dout.")


def check_dw_by_hand(dw_by_hand) -> None:
    """The checkpoint: dL/dw of the affine layer for the notebook's x (2, 2) and dout (2, 2)."""
    result = call(dw_by_hand, "dw_by_hand", (), ())
    try:
        judge_dw_by_hand(result)
    except CheckFailure as failure:
        raise CheckFailure(f"Visible check, dw_by_hand() for x = [[1, 2], [3, -1]] and dout = [[1, 0], [2, 1]]:\n"
                           f"  {failure}") from None
    print("[ok] dw_by_hand is right. The hidden test checks the same four numbers.")
