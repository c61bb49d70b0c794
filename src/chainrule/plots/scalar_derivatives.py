r"""The course's figures, one function per figure.

Every function draws a new :class:`matplotlib.figure.Figure` and returns it; it
never calls ``plt.show()``. The figure is made with ``pyplot`` (so that Jupyter's
inline backend is set up and can render it) and closed again before it is
returned, so a notebook cell that ends with the returned figure displays it
exactly once; ``fig.savefig(...)`` still works on it.

Notebook 01, scalar derivatives:

* :func:`plot_tangent`: a function, its tangent line at a point, and the gap
  :math:`f(x_0 + h) - [f(x_0) + f'(x_0) h]` shrinking like :math:`h^2`;
* :func:`plot_difference_errors`: the errors of forward and central differences
  against the step ``h`` on log-log axes;
* :func:`plot_activations`: activation functions above their derivatives, with
  the value chosen at each kink marked.
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_activations", "plot_difference_errors", "plot_tangent"]


def plot_tangent(f: Callable, df: Callable, x0: float, h: float = 0.8, *,
                 hs=None, width: float = 1.5, name: str = "f") -> Figure:
    r"""The tangent line of ``f`` at ``x0``, and how far ``f`` strays from it.

    Left: ``f`` on ``[x0 - width, x0 + width]``, its tangent
    :math:`f(x_0) + f'(x_0)(x - x_0)`, and the gap between the two at
    ``x0 + h``. Right, on log-log axes: the size of that gap for every step in
    ``hs``, beside reference lines proportional to :math:`h` and :math:`h^2`.

    Args:
        f: elementwise function (accepts arrays).
        df: its exact derivative, elementwise.
        x0: the point of tangency (a float).
        h: the step whose gap the left panel shows.
        hs: positive steps for the right panel; default 41 values from 1e-5 to 1.
        width: half-width of the x range of the left panel.
        name: the function's name in labels.
    Returns:
        the Figure (two panels).
    """
    hs = np.logspace(-5, 0, 41) if hs is None else np.asarray(hs, dtype=np.float64)
    f0, slope = float(f(x0)), float(df(x0))
    fig = new_figure((11, 4.2))
    left, right = fig.subplots(1, 2)

    x = np.linspace(x0 - width, x0 + width, 400)
    left.plot(x, f(x), label=f"${name}(x)$")
    left.plot(x, f0 + slope * (x - x0), "--", label=rf"tangent ${name}(x_0) + {name}'(x_0)(x - x_0)$")
    x1 = x0 + h
    on_curve, on_line = float(f(x1)), f0 + slope * h
    left.plot([x0], [f0], "ko")
    left.plot([x1, x1], [on_line, on_curve], "r-", lw=2.5, label=f"gap at $x_0 + h$ (h = {h:g})")
    left.plot([x1, x1], [on_line, on_curve], "r.", ms=9)
    left.annotate("$x_0$", (x0, f0), textcoords="offset points", xytext=(-18, 8))
    left.set(title="The tangent line: the best straight-line fit at $x_0$", xlabel="$x$", ylabel="value")
    left.legend(loc="best", fontsize=9)
    left.grid(alpha=0.3)

    gaps = np.abs(f(x0 + hs) - (f0 + slope * hs))
    right.loglog(hs, gaps, "o-", ms=3, label=rf"$|{name}(x_0 + h) - [{name}(x_0) + {name}'(x_0)\,h]|$")
    # Reference lines through (a little below) the gap at the smallest step.
    small = int(np.argmin(hs))
    anchor = 0.4 * gaps[small]
    right.loglog(hs, anchor * (hs / hs[small]) ** 2, "k--", lw=1, label=r"slope 2: $\propto h^2$")
    right.loglog(hs, anchor * (hs / hs[small]), "k:", lw=1, label=r"slope 1: $\propto h$")
    right.set(title="The gap shrinks like $h^2$", xlabel="step $h$", ylabel="absolute gap")
    right.legend(loc="upper left", fontsize=9)
    right.grid(alpha=0.3, which="both")
    return fig


def plot_difference_errors(hs, forward_errors, central_errors, *,
                           title: str = "Error of finite differences against the step h") -> Figure:
    r"""Absolute errors of forward and central differences against ``h``, log-log.

    Dashed reference lines of slope 1 (:math:`\propto h`) and 2
    (:math:`\propto h^2`) run just below the errors at the largest step; a dotted
    line :math:`\varepsilon / h` (:math:`\varepsilon` the float64 machine
    epsilon) shows the scale of the round-off error. Errors that are exactly
    zero cannot be drawn on log axes and are left out.

    Args:
        hs: the steps, a sequence of positive floats (any order).
        forward_errors: absolute errors of the forward difference, one per step.
        central_errors: absolute errors of the central difference, one per step.
        title: the figure's title.
    Returns:
        the Figure (one panel).
    """
    hs = np.asarray(hs, dtype=np.float64)
    order = np.argsort(hs)
    hs = hs[order]
    fwd = np.asarray(forward_errors, dtype=np.float64)[order]
    cen = np.asarray(central_errors, dtype=np.float64)[order]
    fig = new_figure((7.5, 5))
    ax = fig.subplots()
    for errors, style, label in [(fwd, "o-", "forward difference"), (cen, "s-", "central difference")]:
        shown = errors > 0
        ax.loglog(hs[shown], errors[shown], style, ms=3, label=label)
    eps = np.finfo(np.float64).eps
    roundoff = eps / hs
    # Reference lines a little below the errors at the largest step, drawn where they exceed eps / h.
    for errors, power, color, label in [(fwd, 1, "C0", r"slope 1: $\propto h$"),
                                        (cen, 2, "C1", r"slope 2: $\propto h^2$")]:
        line = 0.3 * errors[-1] * (hs / hs[-1]) ** power
        above = line >= roundoff
        ax.loglog(hs[above], line[above], "--", color=color, lw=1.2, label=label)
    ax.loglog(hs, roundoff, "k:", lw=1, label=r"round-off scale $\varepsilon / h$")
    positive = np.concatenate([fwd[fwd > 0], cen[cen > 0]])
    ax.set_ylim(0.3 * positive.min(), 3 * positive.max())
    ax.set(title=title, xlabel="step $h$", ylabel="absolute error")
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_activations(activations: Mapping[str, Callable], derivatives: Mapping[str, Callable], *,
                     z=None, kinks=(0.0,)) -> Figure:
    r"""Activation functions (top row) above their derivatives (bottom row).

    The derivative panels share one y-scale, so their heights compare directly
    (sigmoid's peak of 1/4 against tanh's 1, for example).

    Where a derivative jumps at one of the ``kinks``, no line is drawn across
    the jump: the value the derivative function returns at the kink is a filled
    dot and the limits from the two sides are open circles, so the convention
    chosen at the kink is visible.

    Args:
        activations: name -> elementwise activation function, in column order.
        derivatives: name -> its derivative function (same names).
        z: the grid of inputs, 1-D; default 801 points on [-4, 4].
        kinks: the inputs where a derivative may jump.
    Returns:
        the Figure (two rows, one column per activation).
    """
    z = np.linspace(-4.0, 4.0, 801) if z is None else np.asarray(z, dtype=np.float64)
    step = float(np.min(np.diff(z)))
    names = list(activations)
    fig = new_figure((3.2 * len(names), 5.6))
    axes = fig.subplots(2, len(names), sharex=True, squeeze=False)
    lo, hi = 0.0, 0.0   # one y-range for every derivative panel
    for col, name in enumerate(names):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(z, activations[name](z), color="C0")
        top.set_title(name)
        derivative = derivatives[name]
        grad = np.asarray(derivative(z), dtype=np.float64)
        zs, gs = z, grad
        for kink in kinks:
            at_kink, left, right = np.asarray(derivative(np.array([kink, kink - step, kink + step])),
                                              dtype=np.float64)
            if abs(right - left) < 0.1 * max(float(np.ptp(grad)), 1e-12):
                continue  # smooth enough here: nothing to mark
            # No line across the jump; the chosen value filled, the one-sided limits open.
            cut = np.searchsorted(zs, kink)
            keep = ~np.isclose(zs, kink, rtol=0, atol=step / 2)
            zs = np.insert(np.where(keep, zs, np.nan), cut, np.nan)
            gs = np.insert(np.where(keep, gs, np.nan), cut, np.nan)
            bottom.plot([kink, kink], [left, right], "o", mfc="white", color="C3", ms=6)
            bottom.plot([kink], [at_kink], "o", color="C3", ms=6)
        bottom.plot(zs, gs, color="C3")
        lo, hi = min(lo, float(np.min(grad))), max(hi, float(np.max(grad)))
        for ax in (top, bottom):
            ax.axhline(0, color="grey", lw=0.5)
            ax.axvline(0, color="grey", lw=0.5)
            ax.grid(alpha=0.3)
        bottom.set_xlabel("$z$")
    pad = 0.08 * max(hi - lo, 0.25)
    for bottom in axes[1]:
        bottom.set_ylim(lo - pad, hi + pad)
    axes[0, 0].set_ylabel("activation $g(z)$")
    axes[1, 0].set_ylabel("derivative $g'(z)$ (one scale for all)")
    fig.suptitle("Activations and their derivatives (filled dot: the value returned at the kink)")
    return fig
