r"""Figures of notebook 10, automatic differentiation.

* :func:`time_gradients`: how long each way of computing a full gradient takes
  as the number of inputs ``n`` grows (the notebook passes the learner's
  forward-mode and reverse-mode gradient functions);
* :func:`plot_autodiff_cost`: those times on log-log axes, beside guide lines
  proportional to :math:`n` and :math:`n^2`, and the ratio of the two;
* :func:`plot_engine_training`: a small network trained by the learner's own
  scalar engine: its loss per step and, at a few steps, on held-out data.

As everywhere in :mod:`chainrule.plots`, the figure is created with pyplot and
closed before it is returned, so a notebook cell that ends with it shows it once.
"""
from __future__ import annotations

import time
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_autodiff_cost", "plot_engine_training", "time_gradients"]


def time_gradients(methods: Mapping[str, Callable], f: Callable, ns: Sequence[int], rng: np.random.Generator, *,
                   repeats: int = 3, budget: float = 0.05) -> dict[str, np.ndarray]:
    """Seconds each method needs for the full gradient of ``f`` at a random point of each size in ``ns``.

    Args:
        methods: label -> ``gradient(f, x)`` returning the (n,) gradient.
        f: the function, written so that every method can run it (``f(xs)`` on a list).
        ns: numbers of inputs.
        rng: the generator of the random points (one point per n, shared by all methods).
        repeats: at most this many runs per method and n; the fastest counts.
        budget: stop repeating once one run took longer than this many seconds.
    Returns:
        label -> array of seconds, one per n.
    """
    points = [rng.normal(size=n) for n in ns]
    times: dict[str, np.ndarray] = {}
    for label, gradient in methods.items():
        best = []
        for x in points:
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                gradient(f, x)
                runs.append(time.perf_counter() - start)
                if runs[-1] > budget:
                    break
            best.append(min(runs))
        times[label] = np.array(best)
    return times


def plot_autodiff_cost(ns: Sequence[int], times: Mapping[str, Sequence[float]], *,
                       forward: str, reverse: str, title: str = "") -> Figure:
    r"""The cost of a full gradient against the number of inputs, forward mode beside reverse mode.

    Left, on log-log axes: the seconds of each method, with guide lines
    proportional to :math:`n^2` (a factor 3 above the forward-mode time at the
    largest ``n``) and to :math:`n` (a factor 3 below the reverse-mode time).
    Right: the forward-mode time divided by the reverse-mode time, with a guide
    proportional to :math:`n`.

    Args:
        ns: numbers of inputs.
        times: label -> seconds per n (as returned by :func:`time_gradients`).
        forward: the label of forward mode in ``times``.
        reverse: the label of reverse mode in ``times``.
        title: the figure's title (a default is used when empty).
    Returns:
        the Figure (two panels).
    """
    ns = np.asarray(ns, dtype=np.float64)
    fig = plt.figure(figsize=(11, 4.2), layout="constrained")
    plt.close(fig)
    left, right = fig.subplots(1, 2)
    markers = iter("osd^v")
    for label, seconds in times.items():
        left.loglog(ns, seconds, marker=next(markers), ms=4, label=label)
    fwd, rev = np.asarray(times[forward], dtype=np.float64), np.asarray(times[reverse], dtype=np.float64)
    # Guides a little above forward mode and below reverse mode, so they do not hide the measurements.
    left.loglog(ns, 3 * fwd[-1] * (ns / ns[-1]) ** 2, "k--", lw=1, label=r"guide $\propto n^2$")
    left.loglog(ns, rev[-1] / 3 * (ns / ns[-1]), "k:", lw=1, label=r"guide $\propto n$")
    left.set(xlabel="number of inputs $n$", ylabel="seconds for the full gradient",
             title="Time for the gradient of $f: \\mathbb{R}^n \\to \\mathbb{R}$")
    left.legend(fontsize=9)
    left.grid(alpha=0.3, which="both")

    ratio = fwd / rev
    right.loglog(ns, ratio, "o-", ms=4, color="C2", label="forward mode time / reverse mode time")
    right.loglog(ns, ratio[-1] / 3 * ns / ns[-1], "k:", lw=1, label=r"guide $\propto n$")
    right.set(xlabel="number of inputs $n$", ylabel="time ratio",
              title="How many times slower forward mode is")
    right.legend(fontsize=9, loc="upper left")
    right.grid(alpha=0.3, which="both")
    fig.suptitle(title or "Forward mode needs n passes, reverse mode one: the gap grows like n")
    return fig


def plot_engine_training(batch_losses: Sequence[float], eval_steps: Sequence[int], eval_losses: Sequence[float],
                         eval_accuracies: Sequence[float], *, smooth: int = 10, eval_label: str = "validation",
                         title: str = "") -> Figure:
    r"""A training run of the learner's engine: the loss per step, and the loss and accuracy on held-out data.

    Left: the loss of each step's mini-batch (thin line; it is noisy, as every mini-batch is
    different), its running mean over ``smooth`` steps (thick line), and the loss on the held-out
    set at ``eval_steps`` (markers). Right: the held-out accuracy at ``eval_steps``.

    Args:
        batch_losses: the mini-batch loss L of every step, step 1 first.
        eval_steps: the steps after which the held-out set was evaluated (0 = before training).
        eval_losses: the held-out loss at each of ``eval_steps``.
        eval_accuracies: the held-out accuracy (a fraction in [0, 1]) at each of ``eval_steps``.
        smooth: the width of the running mean, in steps.
        eval_label: the name of the held-out set, for the legend.
        title: the figure's title (a default is used when empty).
    Returns:
        the Figure (two panels).
    """
    losses = np.asarray(batch_losses, dtype=np.float64)
    steps = np.arange(1, losses.size + 1)
    fig = plt.figure(figsize=(11, 4.0), layout="constrained")
    plt.close(fig)
    left, right = fig.subplots(1, 2)
    left.plot(steps, losses, color="C0", lw=0.8, alpha=0.5, label="mini-batch loss, each step")
    if losses.size >= smooth:
        running = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
        left.plot(steps[smooth - 1:], running, color="C0", lw=2.2, label=f"running mean over {smooth} steps")
    left.plot(eval_steps, eval_losses, "s-", color="C1", ms=5, label=f"{eval_label} loss")
    left.set(xlabel="step", ylabel="loss $L$ (mean cross-entropy)", title="Loss", ylim=(0, None))
    left.legend(fontsize=9)
    left.grid(alpha=0.3)
    right.plot(eval_steps, 100 * np.asarray(eval_accuracies, dtype=np.float64), "s-", color="C1", ms=5)
    right.set(xlabel="step", ylabel=f"{eval_label} accuracy (%)", title=f"Accuracy on the {eval_label} set",
              ylim=(0, 101))
    right.grid(alpha=0.3)
    fig.suptitle(title or "A network trained by your own engine")
    return fig
