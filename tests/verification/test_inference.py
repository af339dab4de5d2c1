"""Posteriors from inspection results and serial-number estimates, against closed forms."""

from __future__ import annotations

import math
import os
import random
from fractions import Fraction

import numpy as np
import pytest
from scipy.special import gammaln

from armsctl.errors import ParameterError
from armsctl.verification.inference import (
    estimate_serials,
    fraction_not_as_declared,
    undeclared_items,
)

FULL = os.environ.get("ARMSCTL_ORACLE_FULL") == "1"
"""``make bench`` sets this (bench/bench_oracles.py) to run the oracle checks at full size."""
ORACLE_CASES = 3000 if FULL else 200


def test_nothing_found_has_a_closed_form_upper_bound() -> None:
    # Uniform prior, 0 of n: posterior Beta(1, n + 1), whose upper 97.5 % point is 1 - 0.025^(1/(n+1)).
    post = fraction_not_as_declared(100, 0)
    assert post.mean == pytest.approx(1 / 102)
    assert post.interval[1] == pytest.approx(1 - 0.025 ** (1 / 101), rel=1e-9)
    assert post.interval[0] == pytest.approx(1 - 0.975 ** (1 / 101), rel=1e-9)


def test_counts_in_the_population() -> None:
    post = fraction_not_as_declared(100, 2, population=5000, prior=(0.5, 0.5))
    assert (post.alpha, post.beta) == (2.5, 98.5)
    assert post.count_mean == pytest.approx(2 + 4900 * 2.5 / 101)
    assert post.count_interval is not None
    lo, hi = post.count_interval
    assert 2 <= lo < post.count_mean < hi <= 5000
    full = fraction_not_as_declared(10, 3, population=10)
    assert full.count_interval == (3, 3)


def test_fraction_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="found"):
        fraction_not_as_declared(10, 11)
    with pytest.raises(ParameterError, match="population"):
        fraction_not_as_declared(10, 1, population=5)
    with pytest.raises(ParameterError, match="credibility"):
        fraction_not_as_declared(10, 1, credibility=1.0)
    with pytest.raises(ParameterError, match="prior a"):
        fraction_not_as_declared(10, 1, prior=(0.0, 1.0))


def test_undeclared_items_negative_binomial() -> None:
    post = undeclared_items(10, 3, sites_total=40, prior=(0.5, 0.001))
    assert post.shape == 3.5
    assert post.hidden_mean == pytest.approx(30 * 3.5 / 10.001)
    assert post.total_mean == pytest.approx(3 + post.hidden_mean)
    # Monte Carlo of the Poisson-Gamma mixture agrees with the interval.
    rng = np.random.default_rng(0)
    lam = rng.gamma(3.5, 1 / 10.001, size=200_000)
    draws = 3 + rng.poisson(30 * lam)
    assert np.mean(draws) == pytest.approx(post.total_mean, rel=0.01)
    lo, hi = post.total_interval
    # A discrete equal-tailed interval: each tail holds at most 2.5 % (up to Monte Carlo error).
    assert np.mean(draws < lo) <= 0.025 + 0.003
    assert np.mean(draws > hi) <= 0.025 + 0.003
    assert np.mean(draws <= lo) > 0.025 - 0.003
    assert undeclared_items(5, 2, sites_total=5).total_interval == (2, 2)
    with pytest.raises(ParameterError, match="sites_inspected"):
        undeclared_items(6, 2, sites_total=5)


def test_german_tank_published_example() -> None:
    # Four tanks observed, largest serial 60: unbiased 60 + 60/4 - 1 = 74; posterior mean
    # (m - 1)(k - 1)/(k - 2) = 59 * 3 / 2 = 88.5.
    est = estimate_serials([19, 40, 42, 60])
    assert est.unbiased == 74.0
    assert est.posterior_mean == pytest.approx(88.5)
    lo, hi = est.confidence_interval
    assert lo == 60.0
    assert hi == pytest.approx(60 * 0.05 ** (-1 / 4))


def _posterior_pmf(m: int, k: int, upto: int) -> np.ndarray:
    n = np.arange(m, upto + 1)
    log_comb_m = gammaln(m) - gammaln(k) - gammaln(m - k + 1)
    log_comb_n = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    return (k - 1) / k * np.exp(log_comb_m - log_comb_n)


def test_german_tank_posterior_against_direct_summation() -> None:
    m, k = 250, 6
    pmf = _posterior_pmf(m, k, 2_000_000)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    n = np.arange(m, m + len(pmf))
    assert float((n * pmf).sum()) == pytest.approx((m - 1) * (k - 1) / (k - 2), rel=1e-4)
    est = estimate_serials(list(range(m - k + 1, m + 1)))
    cdf = np.cumsum(pmf)
    assert est.credible_interval[0] == m + int(np.searchsorted(cdf, 0.025))
    assert est.credible_interval[1] == m + int(np.searchsorted(cdf, 0.975))
    assert est.posterior_median == m + int(np.searchsorted(cdf, 0.5))


def _exact_quantile(m: int, k: int, q: Fraction) -> int:
    """Walk the exact posterior CDF, 1 - C(m-1, k-1) / C(n, k-1), to the first n reaching q."""
    n = m
    while 1 - Fraction(math.comb(m - 1, k - 1), math.comb(n, k - 1)) < q:
        n += 1
    return n


def test_serial_quantiles_honour_exact_ties() -> None:
    """Serials 9 and 40: P(N <= 78) = 1 - 39/78 = 1/2 exactly, so the median is 78."""
    est = estimate_serials([9, 40])
    assert est.posterior_median == 78
    assert est.credible_interval == (_exact_quantile(40, 2, Fraction(1, 40)), 1560)


def test_serial_quantiles_equal_the_exact_cdf_walk() -> None:
    rng = random.Random(5)
    for _ in range(ORACLE_CASES):
        k = rng.randint(2, 6)
        m = rng.randint(k, 120)
        seen = [*sorted(rng.sample(range(1, m), k - 1)), m]
        level = rng.choice(["0.5", "0.8", "0.9", "0.95", "0.98"])
        est = estimate_serials(seen, credibility=float(level))
        tail = (1 - Fraction(level)) / 2
        assert est.posterior_median == _exact_quantile(m, k, Fraction(1, 2))
        assert est.credible_interval == (
            _exact_quantile(m, k, tail),
            _exact_quantile(m, k, 1 - tail),
        )


def test_serial_offsets_and_errors() -> None:
    est = estimate_serials([1019, 1040, 1042, 1060], start=1001)
    assert est.maximum == 60
    assert est.unbiased == 74.0
    assert estimate_serials([3, 9]).posterior_mean is None  # k = 2: infinite mean
    with pytest.raises(ParameterError, match="two distinct"):
        estimate_serials([5, 5])
    with pytest.raises(ParameterError, match="below"):
        estimate_serials([0, 5])
    assert math.isfinite(estimate_serials([1, 2, 3]).credible_interval[1])
