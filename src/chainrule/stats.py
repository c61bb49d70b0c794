r"""Statistical checks of random answers, shared by the visible checks and the hidden tests.

A random answer (an initialiser's weights, say) cannot be compared with fixed values: it is judged
by how far the law of its entries is from the law asked for.

The statistic is the Kolmogorov-Smirnov distance
:math:`D_n = \sup_x |F_n(x) - \Phi(x/\sigma)|` between the empirical cumulative distribution
:math:`F_n` of the ``n`` entries and that of the normal law :math:`N(0, \sigma^2)`, computed exactly
from the sorted entries. The threshold comes from the Dvoretzky-Kiefer-Wolfowitz inequality with
Massart's constant: for ``n`` independent draws from any continuous law,
:math:`P(D_n > t) \le 2 e^{-2 n t^2}` for every ``n`` (no asymptotics), so
:math:`t = \sqrt{\ln(2/p) / (2n)}` fails a correct answer with probability at most ``p``
(here :data:`FALSE_FAILURE`, one in a billion).

Unlike the mean, the variance and the kurtosis, the distance sees the shape of the law: a
uniform law, or one on two or three points, with the normal's variance is a fixed distance away
from it (0.057 for the uniform law, 1/3 for the three-point law with the normal's first four
moments), which the threshold falls below from a few thousand entries on.
"""
from __future__ import annotations

import math

import numpy as np

from .checking import CheckFailure

__all__ = ["FALSE_FAILURE", "FEW_VALUES", "expect_normal", "ks_bound", "ks_distance_to_normal"]

# The probability that draws from the right law fail expect_normal ("once in a billion" in its message).
FALSE_FAILURE = 1e-9
# Up to this many distinct values, expect_normal's message lists them (a law on a few points).
FEW_VALUES = 10

_erf = np.vectorize(math.erf, otypes=[np.float64])


def ks_distance_to_normal(values, std: float) -> float:
    """The Kolmogorov-Smirnov distance between the empirical law of ``values`` and N(0, std**2).

    That is the largest gap, over every x, between the fraction of values <= x and the normal
    law's cumulative distribution Phi(x / std). It is reached at one of the values, just at it or
    just below it, so it is computed exactly from the sorted values (ties included).
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = x.size
    cdf = 0.5 * (1.0 + _erf(x / (std * math.sqrt(2.0))))
    rank = np.arange(1, n + 1)
    return max(float(np.max(rank / n - cdf)), float(np.max(cdf - (rank - 1) / n)))


def ks_bound(n: int, false_failure: float = FALSE_FAILURE) -> float:
    """The distance that ``n`` draws from the law itself exceed with probability at most ``false_failure``.

    The Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant, P(D > t) <= 2 exp(-2 n t**2),
    holds for every n and every continuous law: t = sqrt(ln(2 / false_failure) / (2 n)).
    """
    return math.sqrt(math.log(2.0 / false_failure) / (2.0 * n))


def expect_normal(values: np.ndarray, variance: float, *, name: str, hint: str) -> None:
    """Raise CheckFailure unless ``values`` look drawn from the normal law N(0, variance).

    The Kolmogorov-Smirnov distance must stay within :func:`ks_bound` of the number of values.
    The message gives the distance and the bound, lists the distinct values when there are at most
    a few of them, and ends with ``hint`` (the likely mistake). ``name`` says where the values come
    from: ``"xavier_init(300, 200, rng)"``.
    """
    n = np.size(values)
    distance = ks_distance_to_normal(values, math.sqrt(variance))
    bound = ks_bound(n)
    if distance <= bound:
        return
    lines = [f"{name}: the values do not look normally distributed: the largest gap between their cumulative "
             f"distribution and that of the normal law N(0, {variance:.4g}) is {distance:.3f}, where {n} draws "
             f"from that law stay within {bound:.3f} (all but once in a billion)."]
    distinct = np.unique(values)
    if distinct.size <= FEW_VALUES:
        shown = ", ".join(f"{v:.4g}" for v in distinct)
        lines.append(f"  The {n} entries take only {distinct.size} distinct values ({shown}): their mean and "
                     "variance may be right, but a normal law takes every real value.")
    lines.append(f"  Likely mistake: {hint}")
    raise CheckFailure("\n".join(lines))
