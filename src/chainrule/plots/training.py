r"""Figures of notebook 09, training and stability.

* :func:`plot_iteration_curves`: one or more panels of curves against the iteration
  (losses, gradient norms), on a log scale; a curve that overflows is cut where
  it stops being finite, and a peak above a panel's range is marked with its value;
* :func:`plot_optimizer_paths`: the contours of a function of two weights with
  the paths of several optimizers, beside their losses against the iteration;
* :func:`plot_init_layer_statistics`: per-layer sizes of activations and gradients
  of a deep network under several initialisations, one column per activation.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_init_layer_statistics", "plot_iteration_curves", "plot_optimizer_paths"]

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
