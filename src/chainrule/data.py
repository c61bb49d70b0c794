"""Data sets: toy ones made in code, each seeded by an explicit Generator, and
one small real one shipped with the package (no downloads)."""
from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["DIGIT_SPLITS", "digits", "spiral"]

DIGIT_SPLITS = ("train", "validation", "test")


def spiral(n_per_class: int, n_classes: int, rng: np.random.Generator,
           noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms in the plane, one arm per class.

    Args:
        n_per_class: points in each arm.
        n_classes: number of arms (classes).
        rng: the random generator (e.g. ``np.random.default_rng(0)``).
        noise: standard deviation of the angular noise.
    Returns:
        ``X`` of shape ``(N, 2)`` and integer labels ``y`` of shape ``(N,)``,
        with ``N = n_per_class * n_classes`` (row form: one example per row).
    """
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for k in range(n_classes):
        rows = slice(n_per_class * k, n_per_class * (k + 1))
        radius = np.linspace(0.0, 1.0, n_per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        X[rows] = np.c_[radius * np.sin(theta), radius * np.cos(theta)]
        y[rows] = k
    return X, y


def digits(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """One fixed part of the 1,797 real 8x8 images of handwritten digits (UCI, CC BY 4.0).

    Args:
        split: ``"train"`` (1,000 images), ``"validation"`` (397) or ``"test"``
            (400). The parts are disjoint and the same on every machine and call
            (the split is stored with the images; see ``datasets/README.md``).
    Returns:
        ``X`` of shape ``(N, 64)``, float64, pixels scaled from 0..16 to
        [0, 1] (row form: one image per row, its 8x8 pixels row by row, so
        ``X[n].reshape(8, 8)`` is image ``n``), and integer labels ``y`` of
        shape ``(N,)`` with values 0..9.
    """
    if split not in DIGIT_SPLITS:
        raise ValueError(f"split must be one of {DIGIT_SPLITS}, not {split!r}")
    with resources.files("chainrule").joinpath("datasets/digits.npz").open("rb") as f, np.load(f) as data:
        rows = data["split"] == DIGIT_SPLITS.index(split)
        X = data["images"][rows].reshape(-1, 64).astype(np.float64) / 16.0
        y = data["labels"][rows].astype(np.int64)
    return X, y
