r"""Figures of notebook 07, a single-layer network.

* :func:`plot_training_curves`: the training loss at every step beside the training
  accuracy along the way;
* :func:`plot_decision_regions`: the class a classifier predicts at every point of
  the plane (filled regions) with the data points on top.

Like every plotting helper of the course, each function draws a new Figure,
closes it in pyplot and returns it, so a notebook cell that ends with it shows
it once.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_decision_regions", "plot_training_curves"]


def plot_training_curves(losses, accuracy_steps, accuracies, *, bar: float | None = None,
                         title: str = "Training the two-layer network") -> Figure:
    """The training loss at every step (left, log scale) and the training accuracy (right).

    Args:
        losses: the loss at each step, in order (step 0 first).
        accuracy_steps: the steps at which the accuracy was measured.
        accuracies: the training accuracy (0 to 1) at those steps.
        bar: a target accuracy drawn as a dashed line (e.g. the graded run's 0.90), or None.
        title: the figure's title.
    Returns:
        the Figure (two panels).
    """
    losses = np.asarray(losses, dtype=np.float64)
    fig = new_figure((11, 4))
    left, right = fig.subplots(1, 2)
    left.semilogy(np.arange(len(losses)), losses, color="C0", label="loss (data + regularization)")
    left.set(title="Loss on the training set", xlabel="step of gradient descent", ylabel="loss (log scale)")
    left.grid(alpha=0.3, which="both")
    left.legend(loc="upper right")
    right.plot(accuracy_steps, accuracies, "o-", ms=2.5, color="C2", label="training accuracy")
    if bar is not None:
        right.axhline(bar, color="C3", ls="--", lw=1.2, label=f"the graded bar, {bar:.2f}")
    right.set(title="Accuracy on the training set", xlabel="step of gradient descent", ylabel="accuracy",
              ylim=(0, 1.02))
    right.grid(alpha=0.3)
    right.legend(loc="lower right")
    fig.suptitle(title)
    return fig


def _lighter(color, amount: float = 0.6):
    rgb = np.array(to_rgb(color))
    return tuple(rgb + (1 - rgb) * amount)


def plot_decision_regions(predict: Callable[[np.ndarray], np.ndarray] | None, X, y, *,
                          title: str = "Decision regions", resolution: int = 300, margin: float = 0.15) -> Figure:
    """The class ``predict`` gives every point of the plane, as filled regions, with the points ``X`` on top.

    Args:
        predict: maps an (M, 2) array of points to (M,) integer classes; None draws the data alone.
        X: the data points, (N, 2).
        y: their integer labels, (N,).
        title: the figure's title.
        resolution: grid points along each axis.
        margin: extra room around the data, as a fraction of its range.
    Returns:
        the Figure (one panel).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    classes = int(max(np.max(y), 0)) + 1
    colors = [f"C{k % 10}" for k in range(classes)]
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * (hi - lo)
    fig = new_figure((6.2, 5.6))
    ax = fig.subplots()
    if predict is not None:
        g0, g1 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                             np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
        grid = np.c_[g0.ravel(), g1.ravel()]
        regions = np.asarray(predict(grid)).reshape(g0.shape)
        ax.contourf(g0, g1, regions, levels=np.arange(classes + 1) - 0.5,
                    cmap=ListedColormap([_lighter(c) for c in colors]))
        ax.contour(g0, g1, regions, levels=np.arange(classes) + 0.5, colors="0.35", linewidths=0.7)
    for k in range(classes):
        ax.scatter(*X[y == k].T, s=16, color=colors[k], edgecolors="k", linewidths=0.4, label=f"class {k}")
    ax.set(title=title, xlabel="$x_1$ (first feature)", ylabel="$x_2$ (second feature)",
           xlim=(lo[0] - pad[0], hi[0] + pad[0]), ylim=(lo[1] - pad[1], hi[1] + pad[1]))
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    return fig
