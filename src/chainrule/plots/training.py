r"""Figures of notebook 09, training and stability.

* :func:`plot_iteration_curves`: one or more panels of curves against the iteration
  (losses, gradient norms), on a log scale; a curve that overflows is cut where
  it stops being finite, and a peak above a panel's range is marked with its value;
* :func:`plot_optimizer_paths`: the contours of a function of two weights with
  the paths of several optimizers, beside their losses against the iteration;
* :func:`plot_init_layer_statistics`: per-layer sizes of activations and gradients
  of a deep network under several initialisations, one column per activation;
* :func:`xor_long_run`: the 1986 XOR network (2-2-1, sigmoid units, summed squared
  error, plain gradient descent) trained for many epochs in plain Python floats,
  fast enough to watch a stuck run for tens of thousands of epochs;
* :func:`format_layer_table`: per-layer numbers as an aligned text table;
* :func:`init_statistics_report`: the numbers behind :func:`plot_init_layer_statistics`,
  with a summary over several seeds.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["format_layer_table", "init_statistics_report", "plot_init_layer_statistics", "plot_iteration_curves",
           "plot_optimizer_paths", "xor_long_run"]

Curves = Mapping[str, Sequence[float]]


def _draw_curves(ax, curves: Curves, logy: bool, ylim: tuple[float, float] | None = None) -> None:
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        bad = ~np.isfinite(values) | ((values <= 0) if logy else False)
        stop = int(np.argmax(bad)) if np.any(bad) else values.size
        steps = np.arange(values.size)
        ax.plot(steps[:stop], values[:stop], color=f"C{i}", lw=1.6, label=label)
        if stop < values.size and stop > 0:
            ax.plot([steps[stop - 1]], [values[stop - 1]], "x", color=f"C{i}", ms=9, mew=2)
        if ylim is not None and stop > 0 and np.max(values[:stop]) > ylim[1]:
            peak = int(np.argmax(values[:stop]))
            ax.annotate(f"peak {values[peak]:.1e}", xy=(steps[peak], ylim[1]), xytext=(8, -14),
                        textcoords="offset points", color=f"C{i}", fontsize=9,
                        arrowprops=dict(arrowstyle="->", color=f"C{i}"))
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9)


def plot_iteration_curves(panels: Sequence[tuple], *, xlabel: str = "iteration", logy: bool = True,
                suptitle: str | None = None) -> Figure:
    """Curves against the iteration, one panel per ``(title, ylabel, {label: values}[, ylim])``.

    Non-finite values (an overflow) are not drawn: the curve stops at its last finite value,
    marked with a cross. With a ``ylim``, a curve that rises above the panel is cut off there and
    its peak value is written at the top.

    Args:
        panels: the panels, left to right; each holds its title, its y label, its curves and,
            optionally, the y range ``(bottom, top)``.
        xlabel: the x label of every panel.
        logy: log scale on the y axes.
        suptitle: an overall title, or None.
    Returns:
        the Figure.
    """
    fig = new_figure((5.6 * len(panels), 4.2))
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (title, ylabel, curves, *ylim) in zip(axes, panels):
        _draw_curves(ax, curves, logy, ylim[0] if ylim else None)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_optimizer_paths(f: Callable, paths: Mapping[str, np.ndarray], *, xlim: tuple[float, float],
                         ylim: tuple[float, float], title: str = "Paths on the loss surface") -> Figure:
    r"""Left: contours of ``f`` with each optimizer's path; right: ``f`` along each path, log scale.

    Args:
        f: the loss as a function of two weights, ``f(w1, w2)``, elementwise on arrays.
        paths: label -> array of shape (T, 2), the weights at every iteration, start first.
        xlim, ylim: the ranges of the contour plot (w1 and w2).
        title: the left panel's title.
    Returns:
        the Figure (two panels).
    """
    fig = new_figure((12, 4.6))
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    g1, g2 = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 200))
    values = f(g1, g2)
    levels = np.geomspace(max(float(values.min()), 1e-3), float(values.max()), 14)
    left.contour(g1, g2, values, levels=levels, colors="grey", linewidths=0.7)
    losses = {}
    for i, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=np.float64)
        left.plot(path[:, 0], path[:, 1], "o-", color=f"C{i}", ms=2.5, lw=1.2, label=label)
        losses[label] = f(path[:, 0], path[:, 1])
    start = np.asarray(next(iter(paths.values())))[0]
    left.plot([start[0]], [start[1]], "ks", ms=7, label="start")
    left.plot([0], [0], "k*", ms=12, label="minimum")
    left.set(title=title, xlabel="$w_1$", ylabel="$w_2$", xlim=xlim, ylim=ylim)
    left.legend(loc="upper right", fontsize=9)
    _draw_curves(right, losses, logy=True)
    right.set(title="Loss along each path", xlabel="iteration", ylabel="loss")
    return fig


def plot_init_layer_statistics(stats: Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]], *,
                          rows: Sequence[tuple[str, str]] = (("activations", "std of the activations $h_l$"),
                                                             ("dW", r"RMS of $\partial L / \partial W_l$"),
                                                             ("db", r"RMS of $\partial L / \partial b_l$")),
                          suptitle: str = "Per-layer statistics of a deep network at initialisation") -> Figure:
    r"""Per-layer sizes (log scale) for several initialisations, one column per activation.

    Args:
        stats: activation name -> initialisation label -> row key -> one value per layer (layer 1
            first). The keys are those of ``rows``.
        rows: ``(key, y label)`` of each row of panels.
        suptitle: the figure's title.
    Returns:
        the Figure (one row per entry of ``rows``, one column per activation).
    """
    columns = list(stats)
    fig = new_figure((5.2 * len(columns), 2.9 * len(rows) + 0.6))
    axes = fig.subplots(len(rows), len(columns), squeeze=False, sharex=True)
    for col, activation in enumerate(columns):
        for row, (key, ylabel) in enumerate(rows):
            ax = axes[row, col]
            for i, (label, per_init) in enumerate(stats[activation].items()):
                values = np.asarray(per_init[key], dtype=np.float64)
                ax.semilogy(np.arange(1, values.size + 1), values, "o-", color=f"C{i}", ms=4, label=label)
            ax.grid(alpha=0.3)
            if col == 0:
                ax.set_ylabel(ylabel)
            if row == 0:
                ax.set_title(f"{activation} network")
                ax.legend(loc="best", fontsize=8)
            if row == len(rows) - 1:
                ax.set_xlabel("layer $l$ (1 = next to the input)")
    fig.suptitle(suptitle)
    return fig


_XOR_CASES = ((0.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0))


def xor_long_run(params: Mapping[str, np.ndarray], learning_rate: float,
                 checkpoints: Sequence[int]) -> list[dict]:
    r"""Train notebook 09's 2-2-1 XOR network by plain gradient descent and report at some epochs.

    The network and the rule are those of the notebook's worked example, row form:
    ``h1 = sigmoid(X W1 + b1)``, ``y_hat = sigmoid(h1 W2 + b2)``, ``L = 0.5 * sum((y_hat - y) ** 2)``
    over the four cases (0,0), (0,1), (1,0), (1,1) with targets ``y`` = 0, 1, 1, 0 (the 1986 paper's
    error E, summed over the cases), and every parameter moved by ``-learning_rate * dL/dparam``
    once per epoch. The arithmetic is done in Python floats, unrolled over the nine parameters: on arrays
    this small, numpy's per-call overhead would make the run several times slower.

    Args:
        params: ``W1`` (2, 2), ``b1`` (2,), ``W2`` (2, 1), ``b2`` (1,), the starting weights (kept).
        learning_rate: the step size (the paper's epsilon).
        checkpoints: epoch counts (0 is the start) at which to report, before that epoch's step.
    Returns:
        one dict per checkpoint, in increasing order: ``epoch``, ``L``, ``outputs`` (the four
        outputs, an array), ``weight_norm`` and ``grad_norm`` (Euclidean norms over all nine
        parameters and their gradients).
    """
    (a11, a12), (a21, a22) = (float(v) for v in params["W1"][0]), (float(v) for v in params["W1"][1])
    c1, c2 = (float(v) for v in params["b1"])
    v1, v2 = (float(v) for v in np.ravel(params["W2"]))
    c3 = float(np.ravel(params["b2"])[0])
    wanted = sorted({int(c) for c in checkpoints})
    exp = math.exp
    reports = []
    for epoch in range(wanted[-1] + 1):
        g11 = g12 = g21 = g22 = gc1 = gc2 = gv1 = gv2 = gc3 = 0.0
        loss = 0.0
        outputs = []
        for x1, x2, target in _XOR_CASES:
            h1 = 1.0 / (1.0 + exp(-(x1 * a11 + x2 * a21 + c1)))
            h2 = 1.0 / (1.0 + exp(-(x1 * a12 + x2 * a22 + c2)))
            y = 1.0 / (1.0 + exp(-(h1 * v1 + h2 * v2 + c3)))
            outputs.append(y)
            e = y - target
            loss += 0.5 * e * e
            d2 = e * y * (1.0 - y)                       # delta at the output unit
            d11 = d2 * v1 * h1 * (1.0 - h1)              # deltas at the two hidden units
            d12 = d2 * v2 * h2 * (1.0 - h2)
            gv1 += h1 * d2
            gv2 += h2 * d2
            gc3 += d2
            g11 += x1 * d11
            g21 += x2 * d11
            gc1 += d11
            g12 += x1 * d12
            g22 += x2 * d12
            gc2 += d12
        if epoch == wanted[len(reports)]:
            weights = (a11, a12, a21, a22, c1, c2, v1, v2, c3)
            grads = (g11, g12, g21, g22, gc1, gc2, gv1, gv2, gc3)
            reports.append({"epoch": epoch, "L": loss, "outputs": np.array(outputs),
                            "weight_norm": math.sqrt(sum(w * w for w in weights)),
                            "grad_norm": math.sqrt(sum(g * g for g in grads))})
        a11 -= learning_rate * g11
        a12 -= learning_rate * g12
        a21 -= learning_rate * g21
        a22 -= learning_rate * g22
        c1 -= learning_rate * gc1
        c2 -= learning_rate * gc2
        v1 -= learning_rate * gv1
        v2 -= learning_rate * gv2
        c3 -= learning_rate * gc3
    return reports


def format_layer_table(rows: Mapping[str, Sequence[float]], *, fmt: str = "{:9.2g}",
                       first_layer: int = 1) -> str:
    """An aligned text table: one row per label, one column per layer (``first_layer`` first).

    Args:
        rows: label -> one number per layer.
        fmt: the format of every number.
        first_layer: the number of the first column's layer.
    Returns:
        the table as a string, with a header line naming the layers.
    """
    width = max(len(label) for label in rows)
    columns = max(len(values) for values in rows.values())
    cell = len(fmt.format(1.0))
    lines = [" " * width + "  " + "".join(f"{'layer ' + str(first_layer + i):>{cell}s}" for i in range(columns))]
    for label, values in rows.items():
        lines.append(f"{label:{width}s}  " + "".join(fmt.format(float(v)) for v in values))
    return "\n".join(lines)


def _span(values: Sequence[float], fmt: str) -> str:
    low, high = float(np.min(values)), float(np.max(values))
    return fmt.format(low) if fmt.format(low) == fmt.format(high) else f"{fmt.format(low)} to {fmt.format(high)}"


def init_statistics_report(stats_by_seed: Mapping[int, Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]]],
                           *, tables: Sequence[str] = ("activations", "db", "dW")) -> str:
    r"""The numbers behind :func:`plot_init_layer_statistics`, for several seeds.

    Args:
        stats_by_seed: seed -> activation -> initialisation label -> key -> one value per layer,
            with the keys ``activations`` (std of h_l, hidden layers), ``dW`` and ``db`` (RMS of the
            gradients, every layer) and ``backward`` (the factor ``n_out * sigma^2 * E[g'(z_l)^2]``
            by which the backward pass multiplies the variance of the error signal from layer l + 1
            to the hidden layer l).
        tables: the keys printed in full, per layer, for the first seed.
    Returns:
        the text: the full tables of the first seed, then one line per activation and
        initialisation giving, as the range over the seeds, the factor by which the activations'
        std changes per layer (geometric mean from the first to the last hidden layer), the mean
        backward factor over the hidden layers whose next layer is a hidden one too, the bias
        gradient of layer 1 and its ratio to that of the last layer, the ratio of the largest to the
        smallest bias gradient and weight gradient over the layers, and the range of the
        weight-gradient RMS over all layers and seeds.
    """
    seeds = list(stats_by_seed)
    first = stats_by_seed[seeds[0]]
    lines = []
    for key in tables:
        title = "std of the activations h_l" if key == "activations" else f"RMS of d loss / d {key[1:]}_l"
        lines.append(f"{title} per layer (seed {seeds[0]}):")
        lines.append(format_layer_table({f"{activation} {label}": per_init[key]
                                         for activation, inits in first.items()
                                         for label, per_init in inits.items()}))
    lines.append(f"over seeds {', '.join(str(seed) for seed in seeds)} (ranges over the seeds):")
    for activation, inits in first.items():
        for label in inits:
            runs = [stats_by_seed[seed][activation][label] for seed in seeds]
            per_layer = [(run["activations"][-1] / run["activations"][0]) ** (1 / (len(run["activations"]) - 1))
                         for run in runs]
            backward = [float(np.mean(run["backward"][:-1])) for run in runs]
            db1 = [run["db"][0] for run in runs]
            ratio = [run["db"][0] / run["db"][-1] for run in runs]
            db_spread = [max(run["db"]) / min(run["db"]) for run in runs]
            dw_spread = [max(run["dW"]) / min(run["dW"]) for run in runs]
            dw = [value for run in runs for value in run["dW"]]
            lines.append(f"  {activation} {label}: h_l std x {_span(per_layer, '{:.3g}')} per layer; "
                         f"n sigma^2 E[g'^2] = {_span(backward, '{:.2g}')};\n      db_1 = {_span(db1, '{:.2g}')}, "
                         f"db_1 / db_last = {_span(ratio, '{:.2g}')}, largest / smallest db_l = "
                         f"{_span(db_spread, '{:.2g}')};\n      dW RMS from {min(dw):.2g} to {max(dw):.2g}, "
                         f"largest / smallest dW_l = {_span(dw_spread, '{:.2g}')}")
    return "\n".join(lines)
