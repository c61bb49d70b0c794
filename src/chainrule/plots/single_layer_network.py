r"""Figures of notebook 07, a single-layer network.

* :func:`plot_training_curves`: the training loss at every step beside the training
  accuracy along the way;
* :func:`plot_decision_regions`: the class a classifier predicts at every point of
  the plane (filled regions) with the data points on top;
* :func:`plot_digits_training`: mini-batch losses beside training and validation
  accuracy after each epoch, for the run on the UCI digits;
* :func:`plot_first_layer_weights`: each hidden unit's incoming weights as an 8x8
  image, as the first layer of the digits network learned them.

Like every plotting helper of the course, each function draws a new Figure,
closes it in pyplot and returns it, so a notebook cell that ends with it shows
it once.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_decision_regions", "plot_digits_training", "plot_first_layer_weights", "plot_training_curves"]


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


def plot_digits_training(losses, train_accuracies, val_accuracies, *, steps_per_epoch: int,
                         bar: float | None = None, title: str = "Two-layer network on the digits") -> Figure:
    """The mini-batch loss at every step (left, log scale) and the accuracy after each epoch (right).

    Args:
        losses: the loss of each step's mini-batch, in order.
        train_accuracies: the accuracy on the training part after each epoch (0 to 1).
        val_accuracies: the accuracy on the validation part after each epoch.
        steps_per_epoch: steps in one epoch (to mark the epochs on the left panel's axis).
        bar: the graded bar on validation accuracy, drawn dashed, or None.
        title: the figure's title.
    Returns:
        the Figure (two panels).
    """
    losses = np.asarray(losses, dtype=np.float64)
    epochs = np.arange(1, len(train_accuracies) + 1)
    fig = new_figure((11, 4))
    left, right = fig.subplots(1, 2)
    left.semilogy(np.arange(len(losses)) / steps_per_epoch, losses, color="C0", lw=0.8,
                  label="loss of each mini-batch (data + regularization)")
    left.set(title="Loss, one point per step", xlabel="epoch (passes over the training part)",
             ylabel="loss (log scale)")
    left.grid(alpha=0.3, which="both")
    left.legend(loc="upper right")
    right.plot(epochs, train_accuracies, "o-", ms=3.5, color="C2", label="training part (1,000 images)")
    right.plot(epochs, val_accuracies, "s-", ms=3.5, color="C1", label="validation part (397 images, not trained on)")
    if bar is not None:
        right.axhline(bar, color="C3", ls="--", lw=1.2, label=f"the graded bar (validation), {bar:.2f}")
    low = min(np.min(train_accuracies), np.min(val_accuracies), bar if bar is not None else 1.0)
    right.set(title="Accuracy after each epoch", xlabel="epoch", ylabel="accuracy",
              ylim=(max(0.0, low - 0.05), 1.005), xticks=epochs)
    right.grid(alpha=0.3)
    right.legend(loc="lower right")
    fig.suptitle(title)
    return fig


def plot_first_layer_weights(W1, *, columns: int = 8, title: str = "First-layer weights") -> Figure:
    """Each hidden unit's incoming weights, column ``k`` of ``W1`` (64,), shown as an 8x8 image.

    Row form: ``W1`` is (64, H), so column ``k`` holds the weight from every pixel to hidden unit ``k``,
    in the pixels' row-major order (``reshape(8, 8)`` puts each weight where its pixel sits). Each image
    has its own symmetric colour scale (divided by its largest absolute weight): red for a positive weight
    (ink there raises the unit's z), blue for a negative one, white for 0. The images are tiled into one
    picture, unit 0 top left, row by row, with grey gaps between them (one image call: fast).

    Args:
        W1: first-layer weights, (64, H).
        columns: images per row of the grid.
        title: the figure's title.
    Returns:
        the Figure (one panel).
    """
    W1 = np.asarray(W1, dtype=np.float64)
    if W1.ndim != 2 or W1.shape[0] != 64:
        raise ValueError(f"W1 should have shape (64, H) for 8x8 images, not {W1.shape}")
    units = W1.shape[1]
    rows = -(-units // columns)
    mosaic = np.full((rows * 9 + 1, columns * 9 + 1), np.nan)
    for k in range(units):
        image = W1[:, k].reshape(8, 8)
        limit = float(np.max(np.abs(image))) or 1.0
        r, c = divmod(k, columns)
        mosaic[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c] = image / limit
    fig = new_figure((1.05 * columns + 1.2, 1.05 * rows + 0.7))
    ax = fig.subplots()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.75")
    shown = ax.imshow(mosaic, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([5 + 9 * c for c in range(columns)], [str(c) for c in range(columns)])
    ax.set_yticks([5 + 9 * r for r in range(rows)], [str(columns * r) for r in range(rows)])
    ax.set(xlabel="unit number = row label + column label", ylabel="")
    ax.tick_params(length=0, labelsize=8)
    fig.colorbar(shown, ax=ax, shrink=0.6, label="weight / largest |weight| of its unit")
    ax.set_title(title, fontsize=10)
    return fig
