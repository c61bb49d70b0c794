r"""Figures and experiment runners of notebook 08, activation functions.

The experiments take the learner's own layer functions as arguments: the notebook's figures
are made with the backward passes the learner wrote.

Experiment runners:

* :func:`init_activation_mlp`: the parameters of a small multi-layer network, with affine
  hidden layers or maxout hidden layers (K pieces);
* :func:`train_activation_mlp`: full-batch gradient descent of such a network on a labelled
  data set with softmax cross-entropy, recording the loss, the training error and the fraction
  of *silent* hidden units (pre-activation <= 0 on every training example) at every step;
* :func:`train_activation_mlps`: several such runs (seeds, learning rates) side by side, for
  elementwise activations;
* :func:`settling_step`: the first step from which the training error stays below a bar;
* :func:`race_activation`: a learning rate tuned on one seed, then runs on several seeds at it;
* :func:`time_activation_layers`: the median time of one forward and one backward pass.

Figures (each function returns a closed Figure, shown once by a notebook cell):

* :func:`plot_activation_saturation`: how much gradient passes a unit, against the scale of
  the pre-activations;
* :func:`plot_gradient_sign_patterns`: signs of weight gradients fed by positive and by
  zero-centred inputs, and the zig-zag path that one-signed gradients force;
* :func:`plot_dead_units`: silent units and the loss through a burst of too-large steps;
* :func:`plot_maxout_parameters`: parameters per layer with and without maxout;
* :func:`plot_gradient_norms_by_layer`: gradient norm per layer of a deep network, per activation;
* :func:`plot_activation_race`: training curves of one network with each activation, and the
  cost of each activation layer.
"""
from __future__ import annotations

import time
from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ._common import new_figure

__all__ = ["init_activation_mlp", "plot_activation_race", "plot_activation_saturation", "plot_dead_units",
           "plot_gradient_norms_by_layer", "plot_gradient_sign_patterns", "plot_maxout_parameters",
           "race_activation", "settling_step", "time_activation_layers", "train_activation_mlp",
           "train_activation_mlps"]


# ---- experiment runners --------------------------------------------------------------------------

def init_activation_mlp(sizes: Sequence[int], rng: np.random.Generator, *, gain: float = 2.0,
                        pieces: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parameters ``[(W_1, b_1), ..., (W_L, b_L)]`` of a network with layer sizes ``sizes`` (row form).

    Hidden layers: ``W`` of shape (fan_in, fan_out) with normal entries of standard deviation
    ``sqrt(gain / fan_in)`` (gain 2: He; gain 1: LeCun, which equals Xavier/Glorot's 2 / (fan_in + fan_out)
    only for square layers), ``b`` zero; with ``pieces = K`` a hidden layer is a maxout layer, ``W``
    (fan_in, fan_out, K) and ``b`` (fan_out, K).
    The output layer is affine with standard deviation ``sqrt(1 / fan_in)``. The draws do not depend on
    ``gain``: the same seed gives the same random numbers, scaled.
    """
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        k = 1 if last or pieces is None else pieces
        W = rng.standard_normal((fan_in, fan_out * k)) * np.sqrt((1.0 if last else gain) / fan_in)
        if last or pieces is None:
            params.append((W, np.zeros(fan_out)))
        else:
            params.append((W.reshape(fan_in, fan_out, k), np.zeros((fan_out, k))))
    return params


def _softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(scores) and its gradient with respect to the scores."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1
    return float(-log_probs[rows, y].mean()), dscores / len(y)


def train_activation_mlp(X: np.ndarray, y: np.ndarray, forward: Callable, backward: Callable, *,
                         hidden: Sequence[int], lr, steps: int | None = None, rng: np.random.Generator,
                         gain: float = 2.0, pieces: int | None = None,
                         stop_at_error: float | None = None,
                         give_up: tuple[float, int] | None = None) -> dict[str, np.ndarray]:
    """Full-batch gradient descent of a small network on (X, y), with the given activation layer.

    The network: ``len(hidden)`` hidden layers, then an affine output layer and softmax cross-entropy
    (mean over the batch). A hidden layer is ``forward(X @ W + b)`` with ``backward(dout, cache)``
    returning ``dz`` (elementwise activations), or, with ``pieces = K``, ``forward(X, W, b)`` with
    ``backward(dout, cache)`` returning ``(dx, dW, db)`` (maxout). Parameters come from
    :func:`init_activation_mlp` with ``gain`` and ``pieces``.

    Args:
        X: inputs (N, D); y: integer labels (N,).
        forward, backward: the hidden layers' functions (the learner's own).
        hidden: sizes of the hidden layers.
        lr: the learning rate, a float (with ``steps``) or one value per step.
        steps: number of steps when ``lr`` is a float.
        rng: generator for the initial parameters.
        gain, pieces: as in :func:`init_activation_mlp`.
        stop_at_error: stop as soon as the training error is at most this value.
        give_up: ``(bar, step)``: stop as soon as the training error is above ``bar`` at a step after
            ``step`` (the run can then no longer settle below ``bar`` by that step; see
            :func:`race_activation`).
    Returns:
        dict with arrays of one entry per step taken (measured before the step's update): ``loss``,
        ``error`` (fraction of misclassified training points) and ``silent`` (fraction of the hidden
        units of elementwise layers whose pre-activation is <= 0 on every example; NaN for maxout);
        and ``params``, the last parameters as a list of ``(W, b)``. Training stops early when the
        loss stops being finite or exceeds 1e6.
    """
    rates = np.full(int(steps), float(lr)) if np.isscalar(lr) else np.asarray(lr, dtype=np.float64)
    params = [list(p) for p in init_activation_mlp((X.shape[1], *hidden, int(np.max(y)) + 1), rng,
                                                   gain=gain, pieces=pieces)]
    record = {"loss": [], "error": [], "silent": []}
    with np.errstate(over="ignore", invalid="ignore"):
        for rate in rates:
            h, caches, silent, units = X, [], 0, 0
            for W, b in params[:-1]:
                if pieces:
                    out, cache = forward(h, W, b)
                else:
                    z = h @ W + b
                    silent += int(np.sum(np.all(z <= 0, axis=0)))
                    units += z.shape[1]
                    out, cache = forward(z)
                caches.append((h, cache))
                h = out
            W, b = params[-1]
            scores = h @ W + b
            loss, dscores = _softmax_loss(scores, y)
            if not np.isfinite(loss) or loss > 1e6:
                break
            error = float(np.mean(scores.argmax(axis=1) != y))
            record["loss"].append(loss)
            record["error"].append(error)
            record["silent"].append(silent / units if units else np.nan)
            if stop_at_error is not None and error <= stop_at_error:
                break
            if give_up is not None and error > give_up[0] and len(record["error"]) - 1 > give_up[1]:
                break
            grads = [None] * len(params)
            grads[-1] = (h.T @ dscores, dscores.sum(axis=0))
            dh = dscores @ W.T
            for i in reversed(range(len(params) - 1)):
                h_in, cache = caches[i]
                if pieces:
                    dh, dW, db = backward(dh, cache)
                else:
                    dz = backward(dh, cache)
                    dW, db = h_in.T @ dz, dz.sum(axis=0)
                    dh = dz @ params[i][0].T
                grads[i] = (dW, db)
            for p, (dW, db) in zip(params, grads):
                p[0] = p[0] - rate * dW
                p[1] = p[1] - rate * db
    result = {key: np.asarray(value, dtype=np.float64) for key, value in record.items()}
    result["params"] = [tuple(p) for p in params]
    return result


def train_activation_mlps(X: np.ndarray, y: np.ndarray, forward: Callable, backward: Callable, *,
                          hidden: Sequence[int], runs: Sequence[tuple[int, object]], steps: int | None = None,
                          gain: float = 2.0) -> dict[str, object]:
    """Several runs of :func:`train_activation_mlp` at once (elementwise activations only).

    Run ``r`` is ``(seed, lr)``: initial parameters from ``init_activation_mlp(..., np.random.default_rng(seed),
    gain=gain)`` and the learning rate ``lr`` (a float with ``steps``, or one value per step). All runs are
    stacked along a leading axis, so ``forward`` and ``backward`` receive arrays of shape (runs, N, H):
    an elementwise layer computes the same numbers as one run at a time, but NumPy does the work of
    all runs in one call.

    Returns:
        dict with arrays of shape (runs, steps), measured before each step's update: ``loss``, ``error``
        and ``silent`` (as in :func:`train_activation_mlp`; NaN from the step where a run's loss stops
        being finite or exceeds 1e6, after which that run is frozen); and ``params``, each run's last
        parameters as a list of ``(W, b)``.
    """
    schedules = [np.full(int(steps), float(lr)) if np.isscalar(lr) else np.asarray(lr, dtype=np.float64)
                 for _, lr in runs]
    rates = np.stack(schedules, axis=1)                                  # (steps, runs)
    sizes = (X.shape[1], *hidden, int(np.max(y)) + 1)
    inits = [init_activation_mlp(sizes, np.random.default_rng(seed), gain=gain) for seed, _ in runs]
    params = [[np.stack([p[i][0] for p in inits]), np.stack([p[i][1] for p in inits])[:, None, :]]
              for i in range(len(sizes) - 1)]
    n_runs, n_steps, rows = len(runs), rates.shape[0], np.arange(len(y))
    record = {key: np.full((n_runs, n_steps), np.nan) for key in ("loss", "error", "silent")}
    alive = np.ones(n_runs, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            h, caches, silent = np.broadcast_to(X, (n_runs, *X.shape)), [], 0
            for W, b in params[:-1]:
                z = h @ W + b
                silent = silent + np.sum(np.all(z <= 0, axis=1), axis=1)
                out, cache = forward(z)
                caches.append((h, cache))
                h = out
            W, b = params[-1]
            scores = h @ W + b
            shifted = scores - scores.max(axis=2, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
            loss = -log_probs[:, rows, y].mean(axis=1)
            alive &= np.isfinite(loss) & (loss <= 1e6)
            if not alive.any():
                break
            record["loss"][alive, t] = loss[alive]
            record["error"][alive, t] = np.mean(scores.argmax(axis=2) != y, axis=1)[alive]
            record["silent"][alive, t] = silent[alive] / sum(hidden)
            dscores = np.exp(log_probs)
            dscores[:, rows, y] -= 1
            dscores /= len(y)
            grads = [None] * len(params)
            grads[-1] = (h.transpose(0, 2, 1) @ dscores, dscores.sum(axis=1, keepdims=True))
            dh = dscores @ W.transpose(0, 2, 1)
            for i in reversed(range(len(params) - 1)):
                h_in, cache = caches[i]
                dz = backward(dh, cache)
                grads[i] = (h_in.transpose(0, 2, 1) @ dz, dz.sum(axis=1, keepdims=True))
                dh = dz @ params[i][0].transpose(0, 2, 1)
            rate = rates[t][:, None, None]
            for p, (dW, db) in zip(params, grads):
                p[0] = p[0] - rate * dW
                p[1] = p[1] - rate * db
                if not alive.all():                        # a diverged run is frozen at 0
                    p[0][~alive], p[1][~alive] = 0.0, 0.0
    result: dict[str, object] = dict(record)
    result["params"] = [[(W[r], b[r, 0]) for W, b in params] for r in range(n_runs)]
    return result


def settling_step(error, bar: float) -> float:
    """The first step from which the training error stays at or below ``bar`` to the end of the run.

    ``error`` holds one value per step (NaN after a divergence). A run that ends above ``bar``, or
    diverges, never settles: the result is NaN. A bounce above ``bar`` after the error first reached it
    moves the step later; this is what makes the measure robust to runs at the edge of stability.
    """
    error = np.asarray(error, dtype=np.float64)
    if error.size == 0 or not np.all(np.isfinite(error)) or error[-1] > bar:
        return float("nan")
    above = np.nonzero(error > bar)[0]
    return float(above[-1] + 1) if above.size else 0.0


def race_activation(X: np.ndarray, y: np.ndarray, forward: Callable, backward: Callable, *,
                    hidden: Sequence[int], rates: Sequence[float], seeds: Sequence[int], steps: int,
                    target_error: float, gain: float = 2.0, pieces: int | None = None) -> dict[str, object]:
    """Tune the learning rate on the first seed, then run every seed at that rate.

    Every run is ``steps`` steps of full-batch gradient descent (as in :func:`train_activation_mlp`),
    measured by :func:`settling_step` of its training error. On ``seeds[0]``, every rate in ``rates`` is
    tried; the best is the one that settles below ``target_error`` first (if none settles, the one with the
    lowest final error). The other seeds then run at that rate. Elementwise activations train their runs
    side by side (:func:`train_activation_mlps`); maxout (``pieces``) trains them one by one, giving up
    on a tuning run once it can no longer settle sooner than the best so far.

    Returns:
        dict with ``rate`` (the chosen rate), ``tuning`` (rate -> settling step on ``seeds[0]``, NaN if the
        run does not settle or was given up), and, per seed in the order of ``seeds``, ``settled`` (the
        settling step at the chosen rate, NaN if none) and ``curves`` (that run's record with ``loss`` and
        ``error`` per step, NaN after a divergence).
    """
    def run(pairs, prune=False):
        if pieces is None:
            many = train_activation_mlps(X, y, forward, backward, hidden=hidden, runs=pairs, steps=steps, gain=gain)
            return [{"loss": many["loss"][r], "error": many["error"][r]} for r in range(len(pairs))]
        curves, best = [], np.inf
        for seed, lr in pairs:
            curve = train_activation_mlp(X, y, forward, backward, hidden=hidden, lr=lr, steps=steps,
                                         rng=np.random.default_rng(seed), gain=gain, pieces=pieces,
                                         give_up=None if np.isinf(best) else (target_error, best))
            error = np.full(steps, np.nan)
            error[:curve["error"].size] = curve["error"]
            loss = np.full(steps, np.nan)
            loss[:curve["loss"].size] = curve["loss"]
            curves.append({"loss": loss, "error": error})
            if prune:
                best = min(best, np.nan_to_num(settling_step(error, target_error), nan=np.inf))
        return curves

    tuning_curves = run([(seeds[0], lr) for lr in rates], prune=True)
    tuning = {float(lr): settling_step(c["error"], target_error) for lr, c in zip(rates, tuning_curves)}
    settled = {lr: step for lr, step in tuning.items() if np.isfinite(step)}
    if settled:
        rate = min(settled, key=settled.get)
    else:
        finals = {float(lr): c["error"][-1] for lr, c in zip(rates, tuning_curves) if np.isfinite(c["error"][-1])}
        rate = min(finals, key=finals.get)
    curves = [tuning_curves[[float(lr) for lr in rates].index(rate)]]
    curves += run([(seed, rate) for seed in seeds[1:]])
    return {"rate": rate, "tuning": tuning, "curves": curves,
            "settled": np.array([settling_step(c["error"], target_error) for c in curves])}


def time_activation_layers(layers: Mapping[str, tuple[Callable, Callable, tuple]], *,
                           repeats: int = 7) -> dict[str, float]:
    """Median seconds of ``forward(*args)`` followed by ``backward(dout, cache)``, per layer.

    Args:
        layers: name -> ``(forward, backward, args)``; ``dout`` is an array of ones with the shape
            of the forward's output.
        repeats: timed repetitions (after one untimed warm-up run).
    Returns:
        name -> median time in seconds.
    """
    times = {}
    for name, (forward, backward, args) in layers.items():
        out, cache = forward(*args)
        dout = np.ones_like(out)
        backward(dout, cache)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            out, cache = forward(*args)
            backward(dout, cache)
            samples.append(time.perf_counter() - start)
        times[name] = float(np.median(samples))
    return times


# ---- figures -------------------------------------------------------------------------------------

_READABLE = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}


def _readable(name: str) -> str:
    """The name to show in a legend: ``leaky_relu`` becomes ``leaky ReLU``; other names are kept."""
    return _READABLE.get(name, name)


def plot_activation_saturation(scales, passthrough: Mapping[str, Sequence[float]],
                               blocked: Mapping[str, Sequence[float]]) -> Figure:
    """How much gradient a unit lets through, against the spread of its pre-activations.

    Args:
        scales: standard deviations of the pre-activations, one per point.
        passthrough: name -> mean over units of g'(z) / max g' (1 = the best case), one per scale.
        blocked: name -> fraction of units with g'(z) below 1% of max g', one per scale.
    Returns:
        the Figure (two panels, log x axes).
    """
    scales = np.asarray(scales, dtype=np.float64)
    fig = new_figure((11, 4.2))
    left, right = fig.subplots(1, 2)
    for i, name in enumerate(passthrough):
        style = dict(color=f"C{i}", marker="o", ms=3, lw=1.6, label=name)
        left.loglog(scales, np.maximum(np.asarray(passthrough[name], dtype=np.float64), 1e-6), **style)
        right.semilogx(scales, blocked[name], **style)
    left.set(title="Average gradient a unit lets through", xlabel="std of the pre-activations $z$",
             ylabel=r"mean of $g'(z)\,/\,\max g'$")
    right.set(title="Units that block the gradient", xlabel="std of the pre-activations $z$",
              ylabel=r"fraction with $g'(z) < 1\%$ of $\max g'$", ylim=(-0.03, 1.03))
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best", fontsize=9)
    fig.suptitle("Saturation: sigmoid and tanh shut the gradient off as |z| grows; ReLU's positive side never does")
    return fig


def plot_gradient_sign_patterns(sign_maps: Mapping[str, np.ndarray], paths: Mapping[str, np.ndarray],
                                target) -> Figure:
    """Signs of weight gradients (heat maps), and the paths of gradient descent on two weights.

    Args:
        sign_maps: title -> a weight gradient dW (D, M); each heat map shows the signs of its entries
            (rows: inputs, columns: units).
        paths: label -> the weights visited, shape (steps + 1, 2).
        target: the best weights (2,), marked with a star.
    Returns:
        the Figure (one panel per heat map, then the paths).
    """
    from matplotlib.colors import ListedColormap

    n = len(sign_maps)
    fig = new_figure((4.0 * n + 4.8, 4.3))
    axes = fig.subplots(1, n + 1, gridspec_kw={"width_ratios": [1] * n + [1.3]})
    cmap = ListedColormap(["#3b6fb6", "#f2f2f2", "#d1495b"])
    for ax, (title, dw) in zip(axes[:n], sign_maps.items()):
        signs = np.sign(np.asarray(dw, dtype=np.float64))
        ax.imshow(signs, cmap=cmap, vmin=-1.5, vmax=1.5, aspect="auto", interpolation="nearest")
        ax.set(title=title, xlabel="unit $m$ (column of $dW$)", ylabel="input $d$ (row of $dW$)")
        ax.set_xticks(range(signs.shape[1]))
        ax.set_yticks(range(signs.shape[0]))
        ax.tick_params(labelsize=7)
    axes[0].text(0.0, -0.2, "red: dW > 0, blue: dW < 0", transform=axes[0].transAxes, fontsize=9)
    ax = axes[n]
    for i, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=np.float64)
        ax.plot(path[:, 0], path[:, 1], "o-", color=f"C{i}", ms=2.5, lw=1.2, label=label)
    ax.plot(*np.asarray(target, dtype=np.float64), "k*", ms=13, label="best weights $w^*$")
    ax.plot(0, 0, "ks", ms=5)
    ax.set(title="One example per step: the path to $w^*$", xlabel="$w_1$", ylabel="$w_2$")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.suptitle("Non-zero-centred inputs: every weight gradient of a unit shares one sign")
    return fig


def plot_dead_units(silent: Mapping[str, Sequence[float]], losses: Mapping[str, Sequence[float]],
                    burst: tuple[int, int]) -> Figure:
    """Silent hidden units and the loss through a burst of too-large learning rates.

    Args:
        silent: label -> fraction of hidden units with z <= 0 on every training example, per step (dead
            for ReLU; for leaky ReLU such a unit still outputs alpha z).
        losses: label -> training loss per step.
        burst: ``(first, stop)``, the steps taken with the large learning rate (shaded).
    Returns:
        the Figure (two panels).
    """
    fig = new_figure((11, 4.2))
    left, right = fig.subplots(1, 2)
    styles = ["-", "--", ":", "-."]
    for i, label in enumerate(silent):
        style = dict(color=f"C{i}", ls=styles[i % len(styles)], lw=2, label=label)
        left.plot(np.arange(len(silent[label])), silent[label], **style)
        right.semilogy(np.arange(len(losses[label])), losses[label], **style)
    for ax in (left, right):
        ax.axvspan(*burst, color="C3", alpha=0.15, lw=0, label="too-large learning rate")
        ax.grid(alpha=0.3)
        ax.set_xlabel("gradient-descent step")
        ax.legend(loc="best", fontsize=9)
    left.set(title="Hidden units with $z \\leq 0$ on every training point",
             ylabel="fraction of hidden units", ylim=(-0.03, 1.03))
    right.set(title="Training loss", ylabel="loss (log scale)")
    fig.suptitle("A burst of too-large steps pushes most hidden units to $z \\leq 0$ on every point "
                 "(ReLU: dead, output 0; leaky ReLU: output $\\alpha z$)")
    return fig


def plot_maxout_parameters(networks: Mapping[str, Mapping[str, Sequence[int]]],
                           layer_names: Mapping[str, Sequence[str]]) -> Figure:
    """Parameters per layer of a few networks, one bar per variant (e.g. ReLU and maxout).

    Args:
        networks: network title -> variant label -> parameter count of each layer.
        layer_names: network title -> the names of its layers.
    Returns:
        the Figure (one panel per network, log y axis).
    """
    fig = new_figure((5.4 * len(networks), 4.2))
    axes = np.atleast_1d(fig.subplots(1, len(networks)))
    for ax, (title, variants) in zip(axes, networks.items()):
        names = list(layer_names[title])
        width = 0.8 / len(variants)
        for i, (label, counts) in enumerate(variants.items()):
            xs = np.arange(len(names)) + (i - (len(variants) - 1) / 2) * width
            bars = ax.bar(xs, counts, width, color=f"C{i}", label=f"{label}: {sum(counts):,} in all")
            ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=7, padding=2)
        ax.set_yscale("log")
        ax.set_xticks(np.arange(len(names)), names, fontsize=8)
        ax.set(title=title, xlabel="layer", ylabel="parameters (log scale)")
        ax.margins(y=0.25)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle("Maxout with K = 2 pieces doubles the parameters of every hidden layer")
    return fig


def plot_gradient_norms_by_layer(norms: Mapping[str, Sequence[float]], depths: Sequence[int],
                                 ratios: Mapping[str, Sequence[float]]) -> Figure:
    """Gradient norm per layer of one deep network per activation, and its decay with depth.

    Args:
        norms: activation -> ||dL/dW_l|| for l = 1..depth (input layer first).
        depths: network depths of the right panel.
        ratios: activation -> ||dL/dW_1|| / ||dL/dW_depth|| for each depth.
    Returns:
        the Figure (two panels, log y axes).
    """
    fig = new_figure((11, 4.2))
    left, right = fig.subplots(1, 2)
    styles = [("o", "-"), ("s", "-"), ("^", "-"), ("v", "--")]
    for i, name in enumerate(norms):
        values = np.asarray(norms[name], dtype=np.float64)
        marker, line = styles[i % len(styles)]
        style = dict(color=f"C{i}", marker=marker, ls=line, ms=5, lw=1.6, label=_readable(name))
        left.semilogy(np.arange(1, values.size + 1), values, **style)
        right.semilogy(depths, ratios[name], **style)
    depth = max(len(v) for v in norms.values())
    left.set(title=f"Gradient norm per layer, {depth}-layer network",
             xlabel="layer $l$ (1 = next to the input)", ylabel=r"$\|\partial L / \partial W_l\|_F$")
    left.set_xticks(np.arange(1, depth + 1))
    right.set(title="First layer against last layer, by depth", xlabel="depth (number of layers)",
              ylabel=r"$\|\partial L/\partial W_1\|_F \,/\, \|\partial L/\partial W_{\mathrm{depth}}\|_F$")
    right.axhline(1.0, color="grey", lw=0.8)
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best", fontsize=9)
    fig.suptitle("Vanishing gradients at initialisation (sigmoid and tanh: LeCun init, variance 1/fan_in; "
                 "ReLU and leaky ReLU: He init, 2/fan_in)")
    return fig


def plot_activation_race(histories: Mapping[str, Mapping[str, Sequence[float]]], *, threshold: float,
                         times: Mapping[str, float] | None = None) -> Figure:
    """Training curves of one network with several activations, and (optionally) each layer's cost.

    Args:
        histories: label -> dict with ``loss`` and ``error`` per step (as from :func:`train_activation_mlp`).
        threshold: the training error to reach (drawn as a line; the step from which the error stays at
            or below it, :func:`settling_step`, is marked with a dot).
        times: label -> seconds of one forward and backward pass of a layer (a bar panel on a log scale,
            so that small and large costs are both readable; a label that starts with "affine" is drawn in
            grey, as the reference).
    Returns:
        the Figure (two or three panels).
    """
    panels = 3 if times else 2
    fig = new_figure((5.2 * panels, 4.3))
    axes = fig.subplots(1, panels)
    for i, (label, record) in enumerate(histories.items()):
        loss = np.asarray(record["loss"], dtype=np.float64)
        error = np.asarray(record["error"], dtype=np.float64)
        steps = np.arange(loss.size)
        axes[0].semilogy(steps, loss, color=f"C{i}", lw=1.6, label=label)
        axes[1].plot(steps, error, color=f"C{i}", lw=1.6, label=label)
        settled = settling_step(error, threshold)
        if np.isfinite(settled):
            axes[1].plot([settled], [error[int(settled)]], "o", color=f"C{i}", ms=7, mec="k")
    axes[1].axhline(threshold, color="k", ls="--", lw=1,
                    label=f"{threshold:.0%} training error\n(dot: below it from there on)")
    axes[0].set(title="Training loss", xlabel="gradient-descent step (full batch)", ylabel="loss (log scale)")
    axes[1].set(title="Training error", xlabel="gradient-descent step (full batch)",
                ylabel="fraction misclassified", ylim=(-0.02, 0.8))
    for ax in axes[:2]:
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best", fontsize=8)
    if times:
        names = list(times)
        values = np.array([times[n] for n in names]) * 1e3
        colours = ["0.6" if n.startswith("affine") else "C9" for n in names]
        bars = axes[2].bar(np.arange(len(names)), values, color=colours)
        axes[2].bar_label(bars, labels=[f"{v:.2g}" for v in values], fontsize=8, padding=2)
        axes[2].set_yscale("log")
        axes[2].set_ylim(values.min() / 3, values.max() * 4)
        axes[2].set_xticks(np.arange(len(names)), names, rotation=25, ha="right", fontsize=8)
        axes[2].set(title="Cost of one forward + backward pass", xlabel="layer",
                    ylabel="milliseconds (median, log scale)")
        axes[2].grid(alpha=0.3, axis="y", which="both")
    fig.suptitle("The same network, data and initial draws (seed 1), with each activation "
                 "(learning rate tuned for each)")
    return fig
