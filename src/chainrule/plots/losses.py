r"""Figures of notebook 06, losses.

* :func:`plot_loss_sweep`: the softmax cross-entropy loss and one entry of its
  gradient as a single logit sweeps a range, for the true class and for
  another class, beside the mean squared error of the probabilities (whose
  gradient has to pass through the softmax Jacobian).

Like every figure of the course, it is drawn with ``pyplot``, closed, and
returned: a notebook cell that ends with the call displays it once.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from matplotlib.figure import Figure
from ._common import new_figure

__all__ = ["plot_loss_sweep"]


def _softmax_backward(p: np.ndarray, dp: np.ndarray) -> np.ndarray:
    r"""Pull ``dp`` = dL/dp back through p = softmax(x), row by row.

    The softmax Jacobian is :math:`\mathrm{diag}(p) - p p^T` (symmetric), so
    :math:`dL/dx = p \odot (dp - p \cdot dp)`.
    """
    return p * (dp - np.sum(p * dp, axis=-1, keepdims=True))


def plot_loss_sweep(softmax_loss: Callable, mse_loss: Callable, softmax: Callable, x, y: int, other: int, *,
                    sweep=None) -> Figure:
    r"""Loss (left) and gradient (right) of one example as one of its logits moves.

    Three curves, each from the functions passed in:

    * cross-entropy ``softmax_loss`` while the true class's logit ``x[y]``
      sweeps, and :math:`\partial L / \partial x_y` (between -1 and 0);
    * cross-entropy while another class's logit ``x[other]`` sweeps, and
      :math:`\partial L / \partial x_k` (between 0 and 1);
    * the mean squared error ``mse_loss(softmax(x), one_hot(y))`` of the
      probabilities while ``x[y]`` sweeps, and its gradient with respect to
      ``x[y]``: ``mse_loss``'s gradient pulled back through the softmax Jacobian.

    Args:
        softmax_loss: ``(x (N, C), y (N,)) -> (loss, dx)``.
        mse_loss: ``(pred, target) -> (loss, dpred)``.
        softmax: row-wise softmax of an ``(N, C)`` array.
        x: the example's ``C`` logits, 1-D; the swept entry is replaced.
        y: the true class, an index into ``x``.
        other: another class, the logit of the second curve.
        sweep: the values the moving logit takes; default 241 values on [-10, 10].
    Returns:
        the Figure (two panels).
    """
    x = np.asarray(x, dtype=np.float64)
    c = x.size
    if not 0 <= y < c or not 0 <= other < c or other == y:
        raise ValueError("y and other must be two different classes of x")
    sweep = np.linspace(-10.0, 10.0, 241) if sweep is None else np.asarray(sweep, dtype=np.float64)
    labels = np.array([y])
    one_hot = np.zeros((1, c))
    one_hot[0, y] = 1.0

    curves = {"true": ([], []), "other": ([], []), "mse": ([], [])}
    for t in sweep:
        moved = x.copy()
        moved[y] = t
        loss, dx = softmax_loss(moved[None, :], labels)
        curves["true"][0].append(float(loss))
        curves["true"][1].append(float(dx[0, y]))
        p = softmax(moved[None, :])
        loss, dp = mse_loss(p, one_hot)
        curves["mse"][0].append(float(loss))
        curves["mse"][1].append(float(_softmax_backward(p, dp)[0, y]))
        moved = x.copy()
        moved[other] = t
        loss, dx = softmax_loss(moved[None, :], labels)
        curves["other"][0].append(float(loss))
        curves["other"][1].append(float(dx[0, other]))

    styles = {
        "true": ("C0", "-", f"cross-entropy, moving the true class's logit $x_{{{y}}}$"),
        "other": ("C1", "-", f"cross-entropy, moving another class's logit $x_{{{other}}}$"),
        "mse": ("C2", "--", f"MSE of the probabilities, moving $x_{{{y}}}$"),
    }
    fig = new_figure((12, 4.6))
    left, right = fig.subplots(1, 2, sharex=True)
    for key, (color, line, label) in styles.items():
        losses, grads = curves[key]
        left.plot(sweep, losses, line, color=color, lw=2, label=label)
        right.plot(sweep, grads, line, color=color, lw=2, label=label)
    for ax in (left, right):
        ax.axhline(0, color="grey", lw=0.6)
        ax.grid(alpha=0.3)
        ax.set_xlabel("value of the moving logit")
    for level in (-1.0, 1.0):
        right.axhline(level, color="grey", lw=0.6, ls=":")
    fixed = ", ".join(f"{v:g}" for v in x)
    left.set(title=f"Loss of one example (logits [{fixed}], true class {y})", ylabel="loss")
    right.set(title=r"Gradient: $\partial L / \partial$(the moving logit)", ylabel="gradient")
    left.legend(loc="upper center", fontsize=9)
    right.legend(loc="upper left", fontsize=9)
    return fig
