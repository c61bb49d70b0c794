r"""Figures of notebook 03, gradients and Jacobians.

* :func:`plot_jacobian_check`: an analytic Jacobian, a numerical one and their
  difference as heat maps, the difference on its own colour scale;
* :func:`plot_gram_tensor`: the 4-index tensor :math:`\partial K / \partial R`
  of :math:`K = R^T R` as a grid of :math:`(M, N)` slices, one per entry of K.

Every function draws a new figure, closes it in pyplot and returns it, so a
notebook cell that ends with the figure displays it exactly once.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_gram_tensor", "plot_jacobian_check"]


def _symmetric_limit(*arrays) -> float:
    top = max(float(np.max(np.abs(a), initial=0.0)) for a in arrays)
    return top if top > 0 else 1.0


def _annotate(ax, values, fmt: str, limit: float, skip_zeros: bool = False) -> None:
    """Write each entry in its cell (small matrices only), in a colour that stays readable."""
    rows, cols = values.shape
    if rows * cols > 48:
        return
    for i in range(rows):
        for j in range(cols):
            v = values[i, j]
            if skip_zeros and v == 0:
                continue
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=7,
                    color="white" if abs(v) > 0.6 * limit else "black")


def _matrix_axes(ax, shape, row_label: str, col_label: str) -> None:
    rows, cols = shape
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)


def plot_jacobian_check(analytic, numerical, *, title: str = "Analytic vs numerical Jacobian",
                        row_label: str = "output i", col_label: str = "input j",
                        names: tuple[str, str] = ("analytic", "numerical (central differences)")) -> Figure:
    """Heat maps of two Jacobians of one function and of their difference.

    The first two panels share one diverging colour scale (zero is white), so
    equal matrices look equal; the third shows ``analytic - numerical`` on its
    own symmetric scale, with its own colour bar, so that differences of order
    1e-10 are visible at all.

    Args:
        analytic: ``(m, n)`` Jacobian from a formula.
        numerical: ``(m, n)`` Jacobian from central differences.
        title: the figure's title.
        row_label, col_label: axis labels (numerator layout: rows are outputs, columns inputs).
        names: titles of the first two panels.
    Returns:
        the Figure (three panels).
    """
    a = np.atleast_2d(np.asarray(analytic, dtype=np.float64))
    n = np.atleast_2d(np.asarray(numerical, dtype=np.float64))
    diff = a - n
    limit = _symmetric_limit(a, n)
    dlimit = _symmetric_limit(diff)
    rows, cols = a.shape
    width = min(15.0, 4.0 + 3 * max(2.2, 0.45 * cols + 1.2))
    fig = new_figure((width, 3.6 + 0.12 * rows))
    axes = fig.subplots(1, 3)
    for ax, values, label in ((axes[0], a, names[0]), (axes[1], n, names[1])):
        image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        _annotate(ax, values, ".2f", limit)
        _matrix_axes(ax, values.shape, row_label, col_label)
        ax.set_title(label)
    fig.colorbar(image, ax=axes[:2], label="entry value")   # as tall as the heat maps (aspect "auto")
    image = axes[2].imshow(diff, cmap="PuOr_r", norm=TwoSlopeNorm(0.0, -dlimit, dlimit), aspect="auto")
    _matrix_axes(axes[2], diff.shape, row_label, col_label)
    axes[2].set_title(f"difference (max |.| = {np.max(np.abs(diff)):.1e})")
    bar = fig.colorbar(image, ax=axes[2], label="analytic - numerical")
    bar.formatter.set_powerlimits((-2, 2))
    bar.update_ticks()
    fig.suptitle(title)
    return fig


_GRAM_TITLE = r"$T[p, q, i, j] = \partial K_{pq} / \partial R_{ij}$ for $K = R^T R$"


def plot_gram_tensor(T, *, title: str = _GRAM_TITLE) -> Figure:
    """The 4-index tensor ``T`` of shape ``(N, N, M, N)`` as an N x N grid of ``(M, N)`` slices.

    Panel ``(p, q)`` is the slice ``T[p, q]``: how ``K[p, q]`` responds to each
    entry ``R[i, j]``. All panels share one diverging colour scale; non-zero entries are written in,
    and entries that are exactly zero are left white (the colour bar's label says so).

    Args:
        T: array of shape (N, N, M, N).
        title: the figure's title.
    Returns:
        the Figure (N x N panels and one colour bar).
    """
    T = np.asarray(T, dtype=np.float64)
    N, _, M, _ = T.shape
    limit = _symmetric_limit(T)
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")   # masked (exact zero) entries: white
    fig = new_figure((1.2 + 1.9 * N * max(1.0, N / 3 + 0.4), 0.9 + (0.55 * M + 0.9) * N))
    axes = np.atleast_2d(fig.subplots(N, N, squeeze=False))
    for p in range(N):
        for q in range(N):
            ax = axes[p, q]
            image = ax.imshow(np.ma.masked_equal(T[p, q], 0.0), cmap=cmap, vmin=-limit, vmax=limit,
                              aspect="auto")
            _annotate(ax, T[p, q], ".1f", limit, skip_zeros=True)
            ax.set_xticks(range(N))
            ax.set_yticks(range(M))
            ax.set_title(f"$\\partial K_{{{p}{q}}} / \\partial R$", fontsize=10)
            if p == N - 1:
                ax.set_xlabel("j (column of R)")
            if q == 0:
                ax.set_ylabel("i (row of R)")
    fig.colorbar(image, ax=axes, label="derivative (white cells: exactly 0)")
    fig.suptitle(title)
    return fig
