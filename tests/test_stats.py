"""chainrule.stats: the Kolmogorov-Smirnov distance to a normal law, its DKW bound, and the
normality check built on them (exact on known laws, no false failures, the wrong laws caught)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import CheckFailure
from chainrule.stats import FALSE_FAILURE, expect_normal, ks_bound, ks_distance_to_normal

pytestmark = pytest.mark.nb09

HINT = "draw with rng.normal"


def distance_by_counting(values, std):
    """The Kolmogorov-Smirnov distance from its definition, by counting.

    At each value x, the fractions of values <= x and < x (the empirical distribution at x and just
    below it) against Phi(x / std).
    """
    values = np.asarray(values, dtype=np.float64)
    gaps = []
    for x in values:
        phi = 0.5 * (1.0 + math.erf(x / (std * math.sqrt(2.0))))
        gaps += [abs(np.mean(values <= x) - phi), abs(np.mean(values < x) - phi)]
    return max(gaps)


def three_point(n, std):
    """n values on -a, 0, a in proportions 1/6, 2/3, 1/6, a = sqrt(3) std: the normal's first four moments."""
    a = math.sqrt(3.0) * std
    return np.repeat([-a, 0.0, a], [n // 6, n - 2 * (n // 6), n // 6])


@pytest.mark.parametrize("seed", range(5))
def test_distance_is_the_definitions_with_and_without_ties(seed):
    """Does the sorted-values formula give the supremum of the definition, with ties among the values too?"""
    rng = np.random.default_rng(seed)
    continuous = rng.normal(0.3, 1.5, 200)
    tied = np.round(rng.normal(0.0, 1.0, 200), 1)
    assert ks_distance_to_normal(continuous, 1.2) == pytest.approx(distance_by_counting(continuous, 1.2), abs=1e-12)
    assert ks_distance_to_normal(tied, 1.0) == pytest.approx(distance_by_counting(tied, 1.0), abs=1e-12)


def test_distance_of_known_laws():
    """One value at 0 is 1/2 away from N(0, 1); the three-point law is 1/3 away (just below 0: 1/6 against 1/2)."""
    assert ks_distance_to_normal(np.zeros(7), 1.0) == pytest.approx(0.5)
    assert ks_distance_to_normal(three_point(6000, 0.1), 0.1) == pytest.approx(1 / 3)


def test_bound_is_the_dkw_inequality_solved_for_the_false_failure_probability():
    """Does 2 exp(-2 n t**2) equal the false-failure probability at t = ks_bound(n), and shrink like 1/sqrt(n)?"""
    for n in (2000, 60000):
        assert 2.0 * math.exp(-2.0 * n * ks_bound(n) ** 2) == pytest.approx(FALSE_FAILURE)
    assert ks_bound(8000) == pytest.approx(ks_bound(2000) / 2)


@pytest.mark.parametrize("n", [2000, 60000])
@pytest.mark.parametrize("std", [0.01, 1.0])
def test_normal_draws_pass_for_every_seed(n, std):
    """Does rng.normal(0, std, n) pass for 30 seeds (no false failures), and as float32?"""
    for seed in range(30):
        draws = np.random.default_rng(seed).normal(0.0, std, n)
        expect_normal(draws, std ** 2, name="draws", hint=HINT)
        expect_normal(draws.astype(np.float32), std ** 2, name="draws", hint=HINT)


@pytest.mark.parametrize("law", ["uniform", "two points", "three points"])
def test_laws_with_the_normals_variance_fail_on_60000_draws(law):
    """Do the uniform law and the laws on two or three points, all with the normal's variance, fail?"""
    std, n = 0.05, 60000
    rng = np.random.default_rng(0)
    draws = {"uniform": rng.uniform(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, n),
             "two points": std * rng.choice([-1.0, 1.0], n),
             "three points": rng.permutation(three_point(n, std))}[law]
    with pytest.raises(CheckFailure, match="do not look normally distributed") as failure:
        expect_normal(draws, std ** 2, name="draws", hint=HINT)
    assert f"Likely mistake: {HINT}" in str(failure.value)
    assert ("distinct values" in str(failure.value)) == (law != "uniform")


def test_few_values_are_listed():
    """Does the message list the distinct values of a law on a few points?"""
    with pytest.raises(CheckFailure, match=r"only 3 distinct values \(-0\.1732, 0, 0\.1732\)"):
        expect_normal(three_point(6000, 0.1), 0.01, name="draws", hint=HINT)


def test_a_wrong_variance_fails_too():
    """Are normal draws of twice the variance far from the law asked for?"""
    draws = np.random.default_rng(0).normal(0.0, math.sqrt(2.0), 60000)
    with pytest.raises(CheckFailure, match=r"N\(0, 1\)"):
        expect_normal(draws, 1.0, name="draws", hint=HINT)
