r"""Drawing computational graphs the way circuit diagrams show backpropagation.

A graph is a set of named nodes joined by directed edges. A node that no edge
enters is an *input*, drawn as its label at the left end of its edges; every
other node is a *gate*, drawn as a circle with the gate's symbol (``+``,
``×``, ``max``, ``σ``). On every edge, the forward value it carries is written
above it (green) and the gradient of the graph's output with respect to that
value below it (red). The output gate gets an arrow to the right with its own
value and gradient (usually 1).

An input used by several gates (fan-out) is drawn as a short line that splits
at a dot: the line before the split carries the input's total gradient, each
branch the part of it that flows back along that branch. The sum of the
branches' red numbers is the red number before the split.

Only matplotlib is needed. :func:`draw_graph` returns the Figure;
:func:`layered_positions` is the simple layout it uses when no positions are
given.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

__all__ = ["FORWARD_COLOR", "BACKWARD_COLOR", "draw_graph", "layered_positions"]

FORWARD_COLOR = "#1b7a2f"
BACKWARD_COLOR = "#c0392b"

_GATE_RADIUS = 0.24
_INPUT_GAP = 0.06      # between an input's label and the start of its edges
_SPLIT_LENGTH = 0.75   # length of a fan-out input's line before the split
_OUTPUT_LENGTH = 1.0   # length of the output arrow
_LABEL_OFFSET = 5.0    # points between an edge and its numbers
_INCH_PER_UNIT = 1.5


def _inputs(nodes: Mapping[str, str], edges: Sequence[tuple[str, str]]) -> list[str]:
    entered = {dst for _, dst in edges}
    return [name for name in nodes if name not in entered]


def _check(nodes: Mapping[str, str], edges: Sequence[tuple[str, str]]) -> None:
    for src, dst in edges:
        for end in (src, dst):
            if end not in nodes:
                raise ValueError(f"the edge ({src!r}, {dst!r}) names {end!r}, which is not a node")


def layered_positions(nodes: Mapping[str, str], edges: Sequence[tuple[str, str]], *,
                      dx: float = 1.6, dy: float = 1.0) -> dict[str, tuple[float, float]]:
    """A simple left-to-right layout: each gate one layer right of its furthest input.

    A gate's layer is one more than the largest layer among the nodes feeding
    it; an input sits one layer left of the first gate it feeds. Nodes of one
    layer are stacked top to bottom in the order of ``nodes``.

    Args:
        nodes: node name -> label, in the order to stack them.
        edges: ``(src, dst)`` pairs; the graph must have no cycle.
        dx: horizontal distance between layers, in data units.
        dy: vertical distance between nodes of one layer.
    Returns:
        node name -> ``(x, y)``.
    """
    _check(nodes, edges)
    preds = {name: [s for s, d in edges if d == name] for name in nodes}
    layer: dict[str, int] = {}

    def depth(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in seen:
            raise ValueError(f"the graph has a cycle through {name!r}")
        if name not in layer:
            layer[name] = 1 + max((depth(p, seen + (name,)) for p in preds[name]), default=-1)
        return layer[name]

    for name in nodes:
        depth(name)
    gates = [n for n in nodes if preds[n]]
    for name in _inputs(nodes, edges):
        fed = [layer[d] for s, d in edges if s == name and d in gates]
        layer[name] = min(fed) - 1 if fed else 0
    columns: dict[int, list[str]] = {}
    for name in nodes:
        columns.setdefault(layer[name], []).append(name)
    positions = {}
    for col, names in columns.items():
        top = (len(names) - 1) * dy / 2
        for i, name in enumerate(names):
            positions[name] = (col * dx, top - i * dy)
    return positions


def _label_edge(ax, start, end, value, grad, fmt: str) -> None:
    """Write ``value`` above the segment start-end and ``grad`` below it, clear of the line."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = (end - start) / np.linalg.norm(end - start)
    normal = np.array([-direction[1], direction[0]])
    if normal[1] < 0:
        normal = -normal
    mid = (start + end) / 2
    for sign, number, color, va in ((1, value, FORWARD_COLOR, "bottom"), (-1, grad, BACKWARD_COLOR, "top")):
        if number is None:
            continue
        side = sign * normal
        ha = "center" if abs(side[0]) < 0.25 else ("left" if side[0] > 0 else "right")
        ax.annotate(fmt.format(number), xy=mid, xytext=tuple(side * _LABEL_OFFSET), textcoords="offset points",
                    ha=ha, va=va, color=color, fontsize=10.5, fontweight="bold")


def _arrow(ax, start, end, head: bool = True) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>" if head else "-", color="0.2", lw=1.3,
                                shrinkA=0, shrinkB=0, mutation_scale=12))


def draw_graph(nodes: Mapping[str, str], edges: Sequence[tuple[str, str]],
               values: Mapping[str, float], grads: Mapping, title: str, *,
               positions: Mapping[str, tuple[float, float]] | None = None,
               output_label: str | None = None, fmt: str = "{:.2f}", ax=None):
    r"""Draw a computational graph with forward values (green) and gradients (red) on its edges.

    Args:
        nodes: node name -> label drawn for it: an input's name (``"$x$"``) or a
            gate's symbol (``"+"``, ``"×"``, ``"max"``, ``"σ"``). Nodes no edge
            enters are inputs; the rest are gates.
        edges: ``(src, dst)`` pairs: the output of ``src`` feeds ``dst``.
        values: node name -> the value of that node's output (forward pass),
            written above every edge leaving the node. A missing name leaves
            the place empty.
        grads: the gradient of the graph's output with respect to a node's
            value, written below its edges. Keys are node names, or edges
            ``(src, dst)`` for the part of the gradient that flows back along
            one edge (fan-out); an edge key wins over its source's name.
        title: the figure's title.
        positions: node name -> ``(x, y)`` in data units (about 1.6 between
            layers); default :func:`layered_positions`. For an input, the
            position is the right end of its label.
        output_label: the name written at the tip of the output arrow;
            default: the output node's name. The output is the only node no
            edge leaves.
        fmt: format of the numbers, e.g. ``"{:.2f}"``.
        ax: axes to draw into; default: a new figure sized to the graph.
    Returns:
        the matplotlib Figure.
    """
    _check(nodes, edges)
    positions = dict(positions) if positions is not None else layered_positions(nodes, edges)
    missing = [n for n in nodes if n not in positions]
    if missing:
        raise ValueError(f"no position for the nodes {missing}")
    inputs = set(_inputs(nodes, edges))
    left = [n for n in nodes if n not in {s for s, _ in edges}]
    if len(left) != 1:
        raise ValueError(f"the graph should have one output (a node no edge leaves), but it has {left}")
    output = left[0]
    pos = {n: np.asarray(positions[n], dtype=float) for n in nodes}
    fanout = {n for n in inputs if sum(s == n for s, _ in edges) > 1}

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x_lo, x_hi = min(xs) - 0.55, max(xs) + _GATE_RADIUS + _OUTPUT_LENGTH + 0.45
    y_lo, y_hi = min(ys) - 0.55, max(ys) + 0.5
    if ax is None:
        fig, ax = plt.subplots(figsize=((x_hi - x_lo) * _INCH_PER_UNIT, (y_hi - y_lo) * _INCH_PER_UNIT + 0.9))
    fig = ax.figure

    def grad_of(src, dst=None):
        if dst is not None and (src, dst) in grads:
            return grads[(src, dst)]
        return grads.get(src)

    def start_of(name, toward):
        """Where edges leave ``name`` (toward the point ``toward``)."""
        if name in fanout:
            return pos[name] + np.array([_INPUT_GAP + _SPLIT_LENGTH, 0.0])
        if name in inputs:
            return pos[name] + np.array([_INPUT_GAP, 0.0])
        d = toward - pos[name]
        return pos[name] + _GATE_RADIUS * d / np.linalg.norm(d)

    # Inputs: the label, and for a fan-out the line up to the split.
    for name in inputs:
        ax.text(*pos[name], nodes[name], ha="right", va="center", fontsize=14)
        if name in fanout:
            split = start_of(name, None)
            begin = pos[name] + np.array([_INPUT_GAP, 0.0])
            _arrow(ax, begin, split, head=False)
            ax.plot(*split, "o", color="0.2", ms=5, zorder=3)
            _label_edge(ax, begin, split, values.get(name), grads.get(name), fmt)
    # Edges, with their numbers.
    for src, dst in edges:
        begin = start_of(src, pos[dst])
        d = pos[dst] - begin
        end = pos[dst] - _GATE_RADIUS * d / np.linalg.norm(d)
        _arrow(ax, begin, end)
        _label_edge(ax, begin, end, values.get(src), grad_of(src, dst), fmt)
    # Gates.
    for name in nodes:
        if name in inputs:
            continue
        ax.add_patch(Circle(tuple(pos[name]), _GATE_RADIUS, facecolor="#eef2f7", edgecolor="0.2", lw=1.4, zorder=4))
        label = nodes[name]
        ax.text(*pos[name], label, ha="center", va="center", zorder=5,
                fontsize=15 if len(label) <= 2 else 12)
    # The output arrow.
    begin = pos[output] + np.array([_GATE_RADIUS, 0.0])
    end = begin + np.array([_OUTPUT_LENGTH, 0.0])
    _arrow(ax, begin, end)
    _label_edge(ax, begin, end, values.get(output), grads.get(output), fmt)
    ax.text(end[0] + 0.08, end[1], output_label or output, ha="left", va="center", fontsize=14)

    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=12)
    ax.legend(handles=[Line2D([], [], color=FORWARD_COLOR, lw=3, label="forward value (above each edge)"),
                       Line2D([], [], color=BACKWARD_COLOR, lw=3,
                              label="gradient of the output (below each edge)")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False, fontsize=9.5)
    fig.tight_layout()
    return fig
