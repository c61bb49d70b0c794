r"""Figures of notebook 05, vectorized affine layers, and the measurement behind one of them.

* :func:`plot_affine_jacobians`: the three Jacobians of an affine layer on a small batch as heat
  maps, exact zeros in white and every non-zero entry visibly coloured, so their block structure
  (and how much of them is zero) shows;
* :func:`measure_backward_costs`: time and peak memory of backward passes as the batch grows;
* :func:`plot_backward_costs`: those measurements, on log-log axes, with reference lines.

:func:`measure_backward_costs` lives here, beside the figure it feeds, rather than with the
visible checks: it judges nothing, it only collects the numbers the figure draws. The memory
count itself is :func:`chainrule.visible.affine_layers.peak_memory_bytes` (tracemalloc), which
the visible check of the Jacobian exercise also uses.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import matplotlib
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure

from ..visible.affine_layers import peak_memory_bytes
from ._common import new_figure

__all__ = ["measure_backward_costs", "plot_affine_jacobians", "plot_backward_costs"]


def plot_affine_jacobians(jacobians: Mapping[str, np.ndarray], row_block: int, column_blocks: Sequence[int], *,
                          title: str = "The Jacobians of out = x w + b (white: exactly zero)") -> Figure:
    r"""Heat maps of Jacobians that share their rows (the ``N*M`` entries of ``out``).

    Each panel's width is proportional to its number of columns; thin lines cut the
    rows into blocks of ``row_block`` (M: one example each) and each panel's columns
    into blocks of its entry of ``column_blocks``. Entries that are exactly zero are
    white; the panel title gives their share. The colour map leaves out the pale middle of
    ``RdBu_r``, so a non-zero entry, however small, is never white or near-white (the colour
    bar jumps at 0).

    Args:
        jacobians: name (the panel title, may hold LaTeX) -> Jacobian (numerator layout), all with
            the same number of rows.
        row_block: rows per block.
        column_blocks: columns per block, one number per Jacobian.
        title: the figure's title.
    Returns:
        the Figure (one panel per Jacobian).
    """
    mats = {k: np.asarray(v, dtype=np.float64) for k, v in jacobians.items()}
    rows = {m.shape[0] for m in mats.values()}
    if len(rows) != 1:
        raise ValueError("the Jacobians must have the same number of rows")
    (n_rows,) = rows
    widths = [m.shape[1] for m in mats.values()]
    fig = new_figure((2.2 + 0.42 * sum(widths), 1.6 + 0.42 * n_rows))
    axes = fig.subplots(1, len(mats), gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    vmax = max(float(np.max(np.abs(m))) for m in mats.values()) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    diverging = matplotlib.colormaps["RdBu_r"]
    cmap = ListedColormap(np.vstack([diverging(np.linspace(0.0, 0.38, 128)),    # no pale middle:
                                     diverging(np.linspace(0.62, 1.0, 128))]))  # only 0 is white
    image = None
    for ax, (name, m), col_block in zip(axes, mats.items(), column_blocks):
        shown = np.where(m == 0, np.nan, m)   # exact zeros left white
        image = ax.imshow(shown, cmap=cmap, norm=norm, aspect="equal", interpolation="nearest")
        ax.set_xticks(np.arange(m.shape[1]))
        ax.set_yticks(np.arange(n_rows))
        ax.tick_params(labelsize=7)
        for r in range(row_block, n_rows, row_block):
            ax.axhline(r - 0.5, color="k", lw=0.8)
        for c in range(col_block, m.shape[1], col_block):
            ax.axvline(c - 0.5, color="k", lw=0.8)
        zeros = float(np.mean(m == 0))
        ax.set_title(f"{name}\n{m.shape[0]} x {m.shape[1]}, {zeros:.0%} zeros", fontsize=10)
        ax.set_xlabel("column: input entry (C order)", fontsize=8)
        ax.set_facecolor("white")
    axes[0].set_ylabel("row: entry out[n, m] (C order)", fontsize=8)
    fig.colorbar(image, ax=list(axes), shrink=0.8,
                 label="partial derivative (white: exactly 0;\nany other entry is coloured)")
    fig.suptitle(title)
    return fig


def measure_backward_costs(forward: Callable, backwards: Mapping[str, Callable], Ns: Sequence[int], D: int, M: int,
                           rng: np.random.Generator, *, dtype=np.float32, repeats: int = 3,
                           max_seconds: float = 0.5) -> dict[str, Any]:
    """Time and peak memory of each backward pass, for each batch size in ``Ns``.

    For every N: x (N, D), w (D, M), b (M,) and dout (N, M) are drawn from ``rng`` in
    ``dtype``; ``forward(x, w, b)`` gives the cache; each ``backward(dout, cache)`` is
    timed (the best of ``repeats`` runs, ``time.perf_counter``). Only when every time has been
    taken is each one run once more under tracemalloc for its peak memory
    (:func:`peak_memory_bytes`): tracing memory slows later allocations down, which would
    otherwise show in the times of the larger batches. Once a backward
    pass takes longer than ``max_seconds`` in one run, it is left out for the larger
    batches (NaN), so a slow implementation cannot stall the notebook.

    Args:
        forward: ``forward(x, w, b) -> (out, cache)``.
        backwards: name -> ``backward(dout, cache)``.
        Ns: batch sizes, increasing.
        D, M: input and output features.
        rng: the random generator.
        dtype: the dtype of every array.
        repeats: timed runs per measurement.
        max_seconds: the time of one run beyond which a method stops growing.
    Returns:
        dict with ``"N"`` (int array), ``"D"``, ``"M"``, ``"dtype"`` and, per method name,
        ``{"seconds": array, "peak_bytes": array}`` (NaN where left out).
    """
    Ns = np.asarray(Ns, dtype=int)
    result: dict[str, Any] = {"N": Ns, "D": D, "M": M, "dtype": np.dtype(dtype).name}
    for name in backwards:
        result[name] = {"seconds": np.full(len(Ns), np.nan), "peak_bytes": np.full(len(Ns), np.nan)}
    stopped: set[str] = set()
    inputs = []
    for i, n in enumerate(Ns):
        x = rng.normal(size=(n, D)).astype(dtype)
        w = rng.normal(size=(D, M)).astype(dtype)
        b = rng.normal(size=M).astype(dtype)
        dout = rng.normal(size=(n, M)).astype(dtype)
        _, cache = forward(x, w, b)
        inputs.append((dout, cache))
        for name, backward in backwards.items():
            if name in stopped:
                continue
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                backward(dout, cache)
                runs.append(time.perf_counter() - start)
                if runs[-1] > max_seconds:
                    stopped.add(name)
                    break
            result[name]["seconds"][i] = min(runs)
    for i, (dout, cache) in enumerate(inputs):   # memory last: tracemalloc must not slow the timed runs
        for name, backward in backwards.items():
            if not np.isnan(result[name]["seconds"][i]):
                result[name]["peak_bytes"][i] = peak_memory_bytes(backward, dout, cache)[1]
    return result


def plot_backward_costs(costs: Mapping[str, Any], predicted_bytes=None, *,
                        predicted_label: str = "predicted size of the Jacobian w.r.t. x",
                        quadratic_through: str | None = None) -> Figure:
    """Time (left) and peak memory (right) of backward passes against the batch size N, log-log.

    Args:
        costs: what :func:`measure_backward_costs` returns.
        predicted_bytes: optional, one number of bytes per N (a dashed black line in the memory panel).
        predicted_label: its legend entry.
        quadratic_through: optional, the name of a method: the time panel gets a dotted line
            proportional to N^2 (the number of entries of the Jacobian), through that method's
            time at the largest N measured, to compare the measured times with.
    Returns:
        the Figure (two panels).
    """
    Ns = np.asarray(costs["N"])
    methods = [k for k in costs if isinstance(costs[k], Mapping)]
    fig = new_figure((11, 4.3))
    left, right = fig.subplots(1, 2)
    markers = "os^vD"
    for j, name in enumerate(methods):
        style = dict(marker=markers[j % len(markers)], ms=4, label=name)
        left.loglog(Ns, costs[name]["seconds"], **style)
        right.loglog(Ns, costs[name]["peak_bytes"], **style)
    if quadratic_through is not None:
        seconds = np.asarray(costs[quadratic_through]["seconds"], dtype=np.float64)
        last = np.flatnonzero(~np.isnan(seconds))[-1]
        left.loglog(Ns, seconds[last] * (Ns / Ns[last]) ** 2.0, "k:", lw=1.2,
                    label=r"$\propto N^2$ (the entries of the Jacobian), through the last point")
    if predicted_bytes is not None:
        right.loglog(Ns, np.asarray(predicted_bytes, dtype=np.float64), "k--", lw=1, label=predicted_label)
    shape = f"D = {costs['D']}, M = {costs['M']}, {costs['dtype']}"
    left.set(title=f"Time of one backward pass ({shape})", xlabel="batch size N", ylabel="seconds (best of runs)")
    right.set(title=f"Peak memory of one backward pass ({shape})", xlabel="batch size N",
              ylabel="peak bytes allocated (tracemalloc)")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper left", fontsize=9)
    return fig
