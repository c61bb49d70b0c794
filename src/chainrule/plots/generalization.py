r"""The generalization experiment of notebook 09: overfitting on the UCI digits, and three cures.

* :func:`train_digits_networks`: one-hidden-layer ReLU networks trained with mini-batch SGD on a
  small random subset of ``digits("train")``, several configurations (no cure, L2 weight decay,
  dropout with the learner's own layer) times several seeds, all vectorised into one loop;
  after every epoch the loss and accuracy on the training subset and on ``digits("validation")``
  are recorded;
* :func:`early_stopping_epochs`: the epoch a learner's ``early_stopping`` keeps on each run;
* :func:`generalization_report`: the printed numbers (median and range over the seeds);
* :func:`plot_overfitting` and :func:`plot_cures`: the two figures.

The network, row form: ``z_1 = x W_1 + b_1`` with ``x`` ``(N, 64)`` and ``W_1`` ``(64, H)``,
``h_1 = ReLU(z_1)`` (dropout applied to ``h_1`` in training when a configuration asks for it),
scores ``z_2 = h_1 W_2 + b_2`` with ``W_2`` ``(H, 10)``, mean softmax cross-entropy, plus
``reg/2`` times the sum of the squared weights when ``reg > 0``. He initialisation, zero biases.
Every gradient has the shape of its parameter (the shape convention). The recorded losses are
the cross-entropy alone (no penalty), so that every configuration is measured alike.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..data import digits
from ._common import new_figure

__all__ = ["early_stopping_epochs", "generalization_report", "plot_cures", "plot_overfitting",
           "train_digits_networks"]

CLASSES = 10
CURVES = ("train_loss", "train_acc", "val_loss", "val_acc")


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _loss_and_accuracy(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per network: mean cross-entropy and accuracy. scores (K, N, C), y (K, N) or (N,)."""
    y = np.broadcast_to(y, scores.shape[:-1])
    picked = np.take_along_axis(_log_softmax(scores), y[..., None], axis=-1)[..., 0]
    return -picked.mean(axis=-1), (scores.argmax(axis=-1) == y).mean(axis=-1)


def _loss_and_grads(params: Mapping[str, np.ndarray], xb: np.ndarray, yb: np.ndarray, reg,
                    dropouts: Sequence[tuple] = ()) -> tuple[np.ndarray, dict]:
    """Loss and gradients of K stacked networks, each on its own mini-batch; row form, shape convention.

    Args:
        params: ``W1 (K, D, H)``, ``b1 (K, 1, H)``, ``W2 (K, H, C)``, ``b2 (K, 1, C)``.
        xb: ``(K, B, D)`` inputs; yb: ``(K, B)`` integer labels.
        reg: L2 strength, a number or an array of shape ``(K, 1, 1)`` (one per network).
        dropouts: ``(block, keep_prob, forward, backward, rng)`` per group of networks (``block``
            a slice of the K) whose hidden activations go through inverted dropout in training.
    Returns:
        ``(loss, grads)``: per network the mean cross-entropy plus ``reg/2`` times its squared weights,
        shape ``(K,)``; gradients of each network's loss with the shapes of ``params``.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = xb.shape[1]
    z1 = xb @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    caches = []
    for block, keep_prob, forward, _, rng in dropouts:
        h1[block], cache = forward(h1[block], keep_prob, True, rng)
        caches.append(cache)
    log_probs = _log_softmax(h1 @ W2 + b2)
    picked = np.take_along_axis(log_probs, yb[..., None], axis=-1)[..., 0]
    reg = np.broadcast_to(np.asarray(reg, dtype=np.float64), (W1.shape[0], 1, 1))
    loss = -picked.mean(axis=1) + 0.5 * reg[:, 0, 0] * ((W1 ** 2).sum(axis=(1, 2)) + (W2 ** 2).sum(axis=(1, 2)))
    probs = np.exp(log_probs)
    np.put_along_axis(probs, yb[..., None], np.take_along_axis(probs, yb[..., None], -1) - 1.0, -1)
    delta2 = probs / N                                               # dL/dz_2, (K, B, C)
    grads = {"W2": h1.transpose(0, 2, 1) @ delta2 + reg * W2, "b2": delta2.sum(axis=1, keepdims=True)}
    dh1 = delta2 @ W2.transpose(0, 2, 1)
    for (block, _, _, backward, _), cache in zip(dropouts, caches):
        dh1[block] = backward(dh1[block], cache)
    delta1 = dh1 * (z1 > 0)                                          # dL/dz_1, (K, B, H); ReLU'(0) = 0
    grads["W1"] = xb.transpose(0, 2, 1) @ delta1 + reg * W1
    grads["b1"] = delta1.sum(axis=1, keepdims=True)
    return loss, grads


def train_digits_networks(configs: Mapping[str, Mapping[str, float]], seeds: Sequence[int], *,
                          dropout_forward: Callable | None = None, dropout_backward: Callable | None = None,
                          n_train: int = 100, hidden: int = 64, epochs: int = 60, batch_size: int = 25,
                          learning_rate: float = 0.5) -> dict:
    """Train every configuration from every seed; record training and validation curves per epoch.

    Args:
        configs: name -> settings, with optional ``reg`` (L2 strength, default 0) and ``keep_prob``
            (dropout on the hidden layer in training, default 1: none).
        seeds: one run per seed and configuration. The seed draws the ``n_train`` training images
            (a random subset of ``digits("train")``), the initial weights and the order of the
            mini-batches; runs of different configurations from the same seed share all three, so
            they differ only by their cure.
        dropout_forward, dropout_backward: the learner's inverted-dropout layer (layer API); needed
            only when a configuration has ``keep_prob < 1``. Called on the hidden activations of all
            runs of that configuration at once, an array of shape ``(len(seeds), batch_size, hidden)``.
        n_train, hidden, epochs, batch_size, learning_rate: the experiment's size and plain
            mini-batch SGD (``W <- W - learning_rate * dL/dW``, one step per mini-batch, the training
            subset shuffled every epoch).
    Returns:
        dict with ``"epochs"`` (0 .. epochs; 0 is before training) and, per configuration name, a
        dict of arrays of shape ``(len(seeds), epochs + 1)``: ``train_loss``, ``train_acc`` (on the
        training subset), ``val_loss``, ``val_acc`` (on the 397 validation images).
    """
    names = list(configs)
    S, G = len(seeds), len(names)
    K = S * G                                    # network k = g * S + s
    X_all, y_all = digits("train")
    X_val, y_val = digits("validation")
    D = X_all.shape[1]
    X_sets = np.empty((S, n_train, D))
    y_sets = np.empty((S, n_train), dtype=np.int64)
    W1, W2 = np.empty((K, D, hidden)), np.empty((K, hidden, CLASSES))
    orders = np.empty((S, epochs, n_train), dtype=np.int64)
    for s, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(y_all), size=n_train, replace=False)
        X_sets[s], y_sets[s] = X_all[rows], y_all[rows]
        first, second = rng.normal(0, np.sqrt(2 / D), (D, hidden)), rng.normal(0, np.sqrt(2 / hidden), (hidden, CLASSES))
        W1[s::S], W2[s::S] = first, second      # the same start for every configuration
        orders[s] = [rng.permutation(n_train) for _ in range(epochs)]
    b1, b2 = np.zeros((K, 1, hidden)), np.zeros((K, 1, CLASSES))
    reg = np.repeat([float(configs[n].get("reg", 0.0)) for n in names], S)[:, None, None]
    keep = [float(configs[n].get("keep_prob", 1.0)) for n in names]
    if any(p < 1.0 for p in keep) and (dropout_forward is None or dropout_backward is None):
        raise ValueError("a configuration with keep_prob < 1 needs dropout_forward and dropout_backward")
    dropout_rng = np.random.default_rng(list(seeds) + [len(seeds)])
    dropouts = [(slice(g * S, (g + 1) * S), p, dropout_forward, dropout_backward, dropout_rng)
                for g, p in enumerate(keep) if p < 1.0]
    X_train = np.tile(X_sets, (G, 1, 1))        # (K, n_train, D): network k trains on X_sets[k % S]
    y_train = np.tile(y_sets, (G, 1))
    history = {key: np.empty((K, epochs + 1)) for key in CURVES}

    def scores_of(X: np.ndarray) -> np.ndarray:
        # Measuring only: in float32 (the losses and accuracies agree with float64 to 4 digits and more), and in
        # chunks of 50 rows, small matrix products that run on one thread and stay fast on a busy machine.
        X, w1, c1, w2, c2 = (a.astype(np.float32) for a in (X, W1, b1, W2, b2))
        parts = [np.maximum(X[..., i:i + 50, :] @ w1 + c1, 0.0) @ w2 + c2 for i in range(0, X.shape[-2], 50)]
        return np.concatenate(parts, axis=1).astype(np.float64)

    def record(epoch: int) -> None:
        history["val_loss"][:, epoch], history["val_acc"][:, epoch] = _loss_and_accuracy(scores_of(X_val), y_val)
        history["train_loss"][:, epoch], history["train_acc"][:, epoch] = _loss_and_accuracy(scores_of(X_train),
                                                                                             y_train)

    record(0)
    network = np.arange(K)[:, None]
    for epoch in range(epochs):
        for start in range(0, n_train, batch_size):
            batch = np.tile(orders[:, epoch, start:start + batch_size], (G, 1))     # (K, B)
            xb, yb = X_train[network, batch], y_train[network, batch]
            _, grads = _loss_and_grads({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, xb, yb, reg, dropouts)
            W1, b1 = W1 - learning_rate * grads["W1"], b1 - learning_rate * grads["b1"]
            W2, b2 = W2 - learning_rate * grads["W2"], b2 - learning_rate * grads["b2"]
        record(epoch + 1)

    runs: dict = {"epochs": np.arange(epochs + 1)}
    for g, name in enumerate(names):
        runs[name] = {key: values[g * S:(g + 1) * S].copy() for key, values in history.items()}
    return runs


def early_stopping_epochs(val_losses: np.ndarray, early_stopping: Callable, patience: int) -> np.ndarray:
    """The epoch ``early_stopping(curve, patience)`` keeps for each run (each row of ``val_losses``)."""
    return np.array([early_stopping(list(curve), patience) for curve in np.asarray(val_losses)])


def _spread(values, fmt: str) -> str:
    values = np.asarray(values, dtype=np.float64)
    return f"{fmt.format(np.median(values))} [{fmt.format(values.min())} to {fmt.format(values.max())}]"


def generalization_report(runs: Mapping, stops: np.ndarray | None = None, baseline: str | None = None) -> str:
    """Per configuration, median [min to max] over the seeds of the final accuracies and losses.

    Also the epoch of the lowest validation loss, how much the validation loss rose from there to
    the end, and, if ``stops`` is given (epochs kept by early stopping on the ``baseline``
    configuration, the first one by default), the validation numbers at those epochs.
    """
    names = [k for k in runs if k != "epochs"]
    baseline = baseline or names[0]
    last = int(runs["epochs"][-1])
    lines = [f"median [min to max] over {len(runs[names[0]]['val_acc'])} seeds, after {last} epochs:"]
    for name in names:
        r = runs[name]
        best = r["val_loss"].argmin(axis=1)
        rise = r["val_loss"][:, -1] / r["val_loss"].min(axis=1) - 1.0
        lines.append(f"{name}:\n"
                     f"  training accuracy {_spread(r['train_acc'][:, -1], '{:.3f}')}, "
                     f"validation accuracy {_spread(r['val_acc'][:, -1], '{:.3f}')}\n"
                     f"  training loss {_spread(r['train_loss'][:, -1], '{:.4f}')}, "
                     f"validation loss {_spread(r['val_loss'][:, -1], '{:.3f}')}\n"
                     f"  lowest validation loss {_spread(r['val_loss'].min(axis=1), '{:.3f}')} at epoch "
                     f"{_spread(best, '{:.0f}')}; from there to the end it rose by {_spread(100 * rise, '{:.1f}')} %")
        if name != baseline:
            gain = r["val_acc"][:, -1] - runs[baseline]["val_acc"][:, -1]
            lower = r["val_loss"].min(axis=1) < runs[baseline]["val_loss"].min(axis=1)
            lines.append(f"  against '{baseline}' from the same seed: final validation accuracy "
                         f"{_spread(100 * gain, '{:+.1f}')} points, higher on {int((gain > 0).sum())} of {len(gain)} "
                         f"seeds; lowest validation loss lower on {int(lower.sum())} of {len(gain)}")
    if stops is not None:
        r = runs[baseline]
        seeds = np.arange(len(stops))
        lines.append(f"early stopping on '{baseline}':\n"
                     f"  epoch kept {_spread(stops, '{:.0f}')}, validation accuracy there "
                     f"{_spread(r['val_acc'][seeds, stops], '{:.3f}')}, validation loss there "
                     f"{_spread(r['val_loss'][seeds, stops], '{:.3f}')}\n"
                     f"  against training all {last} epochs: validation accuracy "
                     f"{_spread(100 * (r['val_acc'][seeds, stops] - r['val_acc'][:, -1]), '{:+.1f}')} points")
    return "\n".join(lines)


def _band(ax, epochs, values, color, label, style="-") -> None:
    values = np.asarray(values, dtype=np.float64)
    ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.18, lw=0)
    ax.plot(epochs, np.median(values, axis=0), style, color=color, lw=1.8, label=label)


def plot_overfitting(runs: Mapping, name: str | None = None) -> Figure:
    """Training against validation loss and accuracy of one configuration: median line, band from min to max."""
    name = name or next(k for k in runs if k != "epochs")
    r, epochs = runs[name], runs["epochs"]
    fig = new_figure((10.5, 3.8))
    ax_loss, ax_acc = fig.subplots(1, 2)
    _band(ax_loss, epochs, r["train_loss"], "C0", "training subset")
    _band(ax_loss, epochs, r["val_loss"], "C3", "validation set")
    ax_loss.set_yscale("log")
    ax_loss.set_ylabel("cross-entropy loss (log scale)")
    _band(ax_acc, epochs, r["train_acc"], "C0", "training subset")
    _band(ax_acc, epochs, r["val_acc"], "C3", "validation set")
    ax_acc.set_ylim(0.5, 1.01)
    ax_acc.set_ylabel("accuracy")
    n = len(r["val_acc"])
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    fig.suptitle(f"{name}: median of {n} seeds, band from the lowest to the highest")
    return fig


def plot_cures(runs: Mapping, stops: np.ndarray | None = None, baseline: str | None = None) -> Figure:
    """Left: validation loss of every configuration (median and band), early stopping's epochs marked.
    Right: each cure's validation accuracy minus the baseline's from the same seed, in percentage points."""
    names = [k for k in runs if k != "epochs"]
    baseline = baseline or names[0]
    epochs = runs["epochs"]
    fig = new_figure((10.5, 3.9))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for i, name in enumerate(names):
        _band(ax_loss, epochs, runs[name]["val_loss"], f"C{i}", name)
        if name != baseline:
            _band(ax_acc, epochs, 100 * (runs[name]["val_acc"] - runs[baseline]["val_acc"]), f"C{i}", name)
    if stops is not None:
        seeds = np.arange(len(stops))
        ax_loss.plot(stops, runs[baseline]["val_loss"][seeds, stops], "v", color="k", ms=7,
                     label=f"early stopping on '{baseline}'", zorder=5)
    ax_acc.axhline(0.0, color="C0", lw=1.2, label=f"{baseline} (the reference)")
    ax_loss.set_ylabel("validation loss")
    ax_acc.set_ylabel(f"validation accuracy minus '{baseline}'s\n(percentage points, same seed)")
    low = min(runs[n]["val_loss"].min() for n in names)
    ax_loss.set_ylim(0.8 * low, 3.0 * low)
    ax_acc.set_ylim(-6, 6)
    ax_acc.set_xlim(10, epochs[-1])
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"The three cures, median and band over {len(runs[baseline]['val_loss'])} seeds")
    return fig
