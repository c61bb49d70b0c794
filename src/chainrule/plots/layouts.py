r"""Figures of notebook 04, layout conventions.

Every function draws a new :class:`matplotlib.figure.Figure`, closes it in
pyplot and returns it, so a notebook cell that ends with the call shows it once.

* :func:`plot_layout_shapes`: a map of the shapes of :math:`x`, :math:`W`,
  :math:`z` and of :math:`\partial L/\partial x`, :math:`\partial L/\partial W`,
  :math:`\partial L/\partial z` in the column form and the row form, each as a
  Jacobian (numerator layout), in the denominator layout and in the shape
  convention, boxes drawn to scale;
* :func:`plot_identity_jacobians`: heat maps of small Jacobians, entries written in;
* :func:`plot_flattening`: a (1, k) Jacobian row put back into a matrix's shape
  in C order (right) and in Fortran order (wrong);
* :func:`plot_axis_sums`: a small array with its sums over axis 0 and axis 1,
  and the shapes ``keepdims`` gives them.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from ._common import new_figure

__all__ = ["plot_axis_sums", "plot_flattening", "plot_identity_jacobians", "plot_layout_shapes"]

VALUE_COLOR = "#b9b9b9"
JACOBIAN_COLOR = "#f0a45d"
SHAPE_COLOR = "#6fa8dc"
DENOMINATOR_COLOR = "#93c47d"


def _box(ax, cx: float, top: float, shape: tuple[int, int], color: str, unit: float) -> float:
    """Draw a (rows, cols) array as a grid of cells, centred at ``cx``, hanging from ``top``; returns its bottom."""
    rows, cols = shape
    w, h = cols * unit, rows * unit
    x0, y0 = cx - w / 2, top - h
    ax.add_patch(Rectangle((x0, y0), w, h, facecolor=color, edgecolor="black", lw=1.2))
    xs, ys = [], []   # the inner cell borders, as one line with breaks (NaN)
    for i in range(1, cols):
        xs += [x0 + i * unit, x0 + i * unit, np.nan]
        ys += [y0, y0 + h, np.nan]
    for j in range(1, rows):
        xs += [x0, x0 + w, np.nan]
        ys += [y0 + j * unit, y0 + j * unit, np.nan]
    if xs:
        ax.plot(xs, ys, color="black", lw=0.4, alpha=0.6)
    return y0


def plot_layout_shapes(m: int = 3, n: int = 2) -> Figure:
    r"""The shapes of every array of :math:`z = W x` and :math:`z = x W`, in both layouts, drawn to scale.

    One panel per form. Each row is one variable (:math:`x`, :math:`W`,
    :math:`z`): its value (grey), the derivative of the scalar :math:`L` with
    respect to it as a Jacobian in numerator layout (orange: always one row,
    with :math:`W` flattened in C order), in the denominator layout (green: a
    column for a vector; for the matrix :math:`W`, :math:`W`'s own shape, the
    convention of Wikipedia's *Matrix calculus* article) and in the shape
    convention (blue: the variable's own shape, what an optimizer needs). Each
    box has one cell per entry and is labelled with its shape and formula, with
    :math:`\delta = \partial L/\partial z` a row.

    Args:
        m: number of outputs (entries of z).
        n: number of inputs (entries of x).
    Returns:
        the Figure (two panels).
    """
    unit = 0.62
    col_x = [2.9, 2.9 + max(m * n * unit, 3.6) / 2 + 3.1, 0.0, 0.0]
    col_x[2] = col_x[1] + max(m * n * unit, 3.6) / 2 + 2.4
    col_x[3] = col_x[2] + max(m, n, 2) * unit / 2 + 3.0
    row_h = max(m, n, 2) * unit + 1.6
    forms = {
        "column": dict(
            title=rf"Column form $z = W x$   ($m = {m}$ outputs, $n = {n}$ inputs)",
            rows=[("$x$", (n, 1), (1, n), (n, 1), (n, 1), r"$\delta W$", r"$W^T \delta^T$", r"$W^T \delta^T$"),
                  ("$W$", (m, n), (1, m * n), (m, n), (m, n), r"flattened $W$", r"$\delta^T x^T$",
                   r"$\delta^T x^T$"),
                  ("$z$", (m, 1), (1, m), (m, 1), (m, 1), r"$\delta$", r"$\delta^T$", r"$\delta^T$")]),
        "row": dict(
            title=rf"Row form $z = x W$   ($m = {m}$ outputs, $n = {n}$ inputs)",
            rows=[("$x$", (1, n), (1, n), (n, 1), (1, n), r"$\delta W^T$", r"$W \delta^T$",
                   r"$\delta W^T$ (as numerator)"),
                  ("$W$", (n, m), (1, n * m), (n, m), (n, m), r"flattened $W$", r"$x^T \delta$", r"$x^T \delta$"),
                  ("$z$", (1, m), (1, m), (m, 1), (1, m), r"$\delta$", r"$\delta^T$", r"$\delta$ (as numerator)")]),
    }
    width = col_x[-1] + 2.4
    height = 3 * row_h + 1.0
    fig = new_figure((16.0, 16.0 / (2 * width) * height + 1.3), layout=None)
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.88, bottom=0.08, wspace=0.03)
    headers = ["the value", "$\\partial L/\\partial(\\cdot)$ as a Jacobian\n(numerator layout)",
               "denominator\nlayout",
               "$\\partial L/\\partial(\\cdot)$ in the\nshape convention (for SGD)"]
    for ax, form in zip(axes, ("column", "row")):
        spec = forms[form]
        ax.set_xlim(0, width)
        ax.set_ylim(-0.2, height)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(spec["title"], fontsize=12)
        for cx, text in zip(col_x, headers):
            ax.text(cx, height - 0.1, text, ha="center", va="top", fontsize=9.5, fontweight="bold")
        for r, (name, value, jac, den, conv, jac_label, den_label, conv_label) in enumerate(spec["rows"]):
            top = height - 1.3 - r * row_h
            ax.text(0.25, top - 0.5, name, fontsize=15, va="center")
            for cx, shape, color, label in [(col_x[0], value, VALUE_COLOR, name),
                                            (col_x[1], jac, JACOBIAN_COLOR,
                                             jac_label + (" (C order)" if name == "$W$" else "")),
                                            (col_x[2], den, DENOMINATOR_COLOR, den_label),
                                            (col_x[3], conv, SHAPE_COLOR, conv_label)]:
                bottom = _box(ax, cx, top, shape, color, unit)
                ax.text(cx, bottom - 0.2, f"{label}\n{shape}", ha="center", va="top", fontsize=9.5)
    handles = [Patch(facecolor=VALUE_COLOR, edgecolor="black", label="a value of the forward pass"),
               Patch(facecolor=JACOBIAN_COLOR, edgecolor="black",
                     label=r"Jacobian of $L$: one row, $\delta = \partial L/\partial z$ is $(1, m)$"),
               Patch(facecolor=DENOMINATOR_COLOR, edgecolor="black",
                     label="denominator layout: a column for a vector, W's shape for W"),
               Patch(facecolor=SHAPE_COLOR, edgecolor="black",
                     label="shape convention: the shape of the variable itself")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle("Which shape is each array? One cell per entry; the scalar loss L depends on z", fontsize=13)
    return fig


def _annotated_heatmap(ax, values: np.ndarray, limit: float, labels=None, fmt: str = "{:.2g}", cmap="RdBu_r"):
    image = ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            text = labels[i][j] if labels is not None else fmt.format(values[i, j] + 0.0)
            dark = abs(values[i, j]) > 0.6 * limit
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    return image


def plot_identity_jacobians(jacobians: Mapping[str, np.ndarray], *,
                            title: str = "Jacobians in numerator layout: entry (i, j) is dz_i/dx_j",
                            axis_labels: Mapping[str, tuple[str, str]] | None = None) -> Figure:
    """Heat maps of Jacobians (or other small matrices) side by side, one shared colour scale, entries written in.

    Args:
        jacobians: panel title -> 2-D array; a Jacobian ``(m, n)`` has entry ``[i, j] = dz_i/dx_j``.
        title: the figure's title.
        axis_labels: panel title -> ``(xlabel, ylabel)`` for panels that are not Jacobians; the
            default labels are "input index j" (columns) and "output index i" (rows).
    Returns:
        the Figure (one panel per Jacobian).
    """
    mats = {k: np.asarray(v, dtype=np.float64) for k, v in jacobians.items()}
    limit = max(float(np.max(np.abs(v))) for v in mats.values()) or 1.0
    fig = new_figure((3.4 * len(mats) + 1.0, 3.9))
    axes = np.atleast_1d(fig.subplots(1, len(mats)))
    image = None
    for ax, (name, mat) in zip(axes, mats.items()):
        image = _annotated_heatmap(ax, mat, limit)
        ax.set_title(f"{name}\nshape {mat.shape}", fontsize=10)
        xlabel, ylabel = (axis_labels or {}).get(name, ("input index $j$", "output index $i$"))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="entry value")
    fig.suptitle(title)
    return fig


def plot_flattening(jacobian_row, param_shape: Sequence[int], *, name: str = "W") -> Figure:
    r"""A (1, k) Jacobian row, and the two ways of putting it back into a 2-D parameter's shape.

    Top: the row, each column labelled with its index :math:`c`. Bottom left:
    the C-order reshape, the shape convention (entry :math:`(i, j)` comes from
    column :math:`c = i \cdot n_{cols} + j`, the way ``num_jacobian`` flattened
    the parameter). Bottom right: the Fortran-order reshape, where the same
    numbers land in the wrong places. Every cell says which column it came from.

    Args:
        jacobian_row: (1, k) array.
        param_shape: a 2-D shape ``(rows, cols)`` with ``rows * cols == k``.
        name: the parameter's name in titles.
    Returns:
        the Figure (three panels).
    """
    row = np.asarray(jacobian_row, dtype=np.float64).reshape(1, -1)
    rows, cols = param_shape
    k = row.shape[1]
    index = np.arange(k)
    c_index, f_index = index.reshape(rows, cols), index.reshape((rows, cols), order="F")
    limit = float(np.max(np.abs(row))) or 1.0
    fig = new_figure((max(8.0, 0.75 * k + 1.5), 3.0 + 0.55 * rows + 1.4))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.0, max(rows, 1.6)])
    top = fig.add_subplot(grid[0, :])
    _annotated_heatmap(top, row, limit, labels=[[f"c={c}\n{row[0, c]:.2g}" for c in range(k)]])
    top.set_title(f"the Jacobian row $\\partial L/\\partial\\,\\mathrm{{vec}}({name})$, shape {row.shape}",
                  fontsize=10)
    top.set_xlabel("column $c$ of the Jacobian")
    top.set_yticks([0], ["row 0"])
    for ax, idx, label in [(fig.add_subplot(grid[1, 0]), c_index, "C order (right): reshape(shape)"),
                           (fig.add_subplot(grid[1, 1]), f_index, "Fortran order (wrong): reshape(shape, order='F')")]:
        values = row[0, idx]
        image = _annotated_heatmap(ax, values, limit,
                                   labels=[[f"c={idx[i, j]}\n{values[i, j]:.2g}" for j in range(cols)]
                                           for i in range(rows)])
        ax.set_title(f"{label}\nshape {(rows, cols)}", fontsize=10)
        ax.set_xlabel(f"column $j$ of {name}")
        ax.set_ylabel(f"row $i$ of {name}")
    fig.colorbar(image, ax=fig.axes, shrink=0.7, label="entry value")
    fig.suptitle(f"From a Jacobian row back to the shape of {name}: which column goes where?")
    return fig


def plot_axis_sums(a) -> Figure:
    """A small 2-D array, its sum over axis 0 (below) and over axis 1 (right), with the shapes of each result.

    Args:
        a: a 2-D array ``(N, M)``, small (every entry is written in).
    Returns:
        the Figure (one panel).
    """
    a = np.asarray(a, dtype=np.float64)
    N, M = a.shape
    fig = new_figure((1.2 * M + 6.0, 0.75 * N + 2.4))
    ax = fig.subplots()

    def cell(x, y, value, color):
        ax.add_patch(Rectangle((x, y), 1, 1, facecolor=color, edgecolor="black", lw=1))
        ax.text(x + 0.5, y + 0.5, f"{value:g}", ha="center", va="center", fontsize=11)

    for i in range(N):
        for j in range(M):
            cell(j, N - 1 - i, a[i, j], "white")
    for j, s in enumerate(a.sum(axis=0)):
        cell(j, -1.6, s, SHAPE_COLOR)
    for i, s in enumerate(a.sum(axis=1)):
        cell(M + 0.6, N - 1 - i, s, JACOBIAN_COLOR)
    ax.annotate("", xy=(M / 2, -0.5), xytext=(M / 2, 0.05),
                arrowprops=dict(arrowstyle="->", lw=1.5, color="C0"))
    ax.annotate("", xy=(M + 0.55, N / 2), xytext=(M + 0.05, N / 2),
                arrowprops=dict(arrowstyle="->", lw=1.5, color="C1"))
    ax.text(M / 2, -1.9, f"np.sum(a, axis=0): shape ({M},)\nkeepdims=True: shape (1, {M})\n"
            "(down the rows: one number per column)", ha="center", va="top", fontsize=10, color="C0")
    ax.text(M + 1.8, N / 2, f"np.sum(a, axis=1): shape ({N},)\nkeepdims=True: shape ({N}, 1)\n"
            "(along each row: one number per row)", ha="left", va="center", fontsize=10, color="C1")
    ax.set_xlim(-0.3, M + 6.2)
    ax.set_ylim(-3.4, N + 0.2)
    ax.set_aspect("equal")
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks([j + 0.5 for j in range(M)], [f"{j}" for j in range(M)])
    ax.set_yticks([N - 1 - i + 0.5 for i in range(N)], [f"{i}" for i in range(N)])
    ax.set_xlabel("axis 1: column index $j$ (M outputs)", loc="left")
    ax.set_ylabel("axis 0: row index $i$\n(N examples)", loc="top")
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(f"An array a of shape ({N}, {M}): the axis you sum over is the axis that disappears", pad=12)
    return fig
