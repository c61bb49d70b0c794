"""Toy data sets made in code (no downloads), each seeded by an explicit Generator."""
from __future__ import annotations

import numpy as np

__all__ = ["spiral"]


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
