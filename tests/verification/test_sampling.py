"""Exact detection statistics: hypergeometric sampling, sample sizes, strata and years."""

from __future__ import annotations

import itertools
import math
import os
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from armsctl.errors import ParameterError
from armsctl.verification.sampling import (
    SiteQuota,
    allocate_checks,
    annual_detection_probability,
    detection_probability,
    detection_within_years,
    iaea_sample_size,
    log_miss_probability,
    sample_size,
    stratified_detection_probability,
    worst_case_placement,
)

FULL = os.environ.get("ARMSCTL_ORACLE_FULL") == "1"
"""``make bench`` sets this (bench/bench_oracles.py) to run the oracle checks at full size."""
ORACLE_CASES = 3000 if FULL else 150


def exact(n_pop: int, n_def: int, n_smp: int) -> Fraction:
    """Detection probability in exact rational arithmetic (the shorter product form)."""
    if n_smp > n_pop - n_def:
        return Fraction(1)
    k, other = sorted((n_def, n_smp))
    num, den = 1, 1
    for j in range(k):
        num *= n_pop - other - j
        den *= n_pop - j
    return 1 - Fraction(num, den)


@pytest.mark.parametrize(
    ("n_pop", "n_def", "n_smp", "expected"),
    [
        (10, 2, 3, Fraction(8, 15)),  # 1 - C(8,3)/C(10,3) = 1 - 56/120
        (5, 1, 1, Fraction(1, 5)),
        (4, 2, 2, Fraction(5, 6)),  # 1 - C(2,2)/C(4,2)
        (6, 0, 6, Fraction(0)),
        (6, 3, 4, Fraction(1)),  # a sample of 4 among 6 with 3 bad cannot miss
        (6, 3, 0, Fraction(0)),
    ],
)
def test_hand_computed_cases(n_pop: int, n_def: int, n_smp: int, expected: Fraction) -> None:
    assert detection_probability(n_pop, n_def, n_smp) == pytest.approx(float(expected), abs=1e-15)


@pytest.mark.parametrize(
    ("n_pop", "n_def", "n_smp"),
    [(1000, 5, 50), (10**5, 100, 2000), (10**6, 100, 1000), (10**6, 3, 250_000), (777, 77, 7)],
)
def test_agrees_with_scipy(n_pop: int, n_def: int, n_smp: int) -> None:
    ref = hypergeom(n_pop, n_def, n_smp).sf(0)
    assert detection_probability(n_pop, n_def, n_smp) == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize(
    ("n_pop", "n_def", "n_smp"),
    [
        (10**7, 1, 1),
        (10**7, 3, 10),
        (10**7, 2, 5_000_000),
        (10**6, 50, 200_000),
        (10**7, 40, 10**6),
    ],
)
def test_full_precision_near_zero_and_one(n_pop: int, n_def: int, n_smp: int) -> None:
    ref = exact(n_pop, n_def, n_smp)
    got = detection_probability(n_pop, n_def, n_smp)
    assert got == pytest.approx(float(ref), rel=1e-12)
    # Near one, the miss probability itself keeps its digits.
    miss = math.exp(log_miss_probability(n_pop, n_def, n_smp))
    assert miss == pytest.approx(float(1 - ref), rel=1e-10)


def test_population_of_ten_million_is_fast_and_finite() -> None:
    assert detection_probability(10**7, 10**6, 10**6) == 1.0
    assert 0.0 < detection_probability(10**7, 200_000, 20) < 1.0
    assert log_miss_probability(10**7, 10**6, 9 * 10**6) == -math.inf


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((10, 11, 1), "defective"),
        ((10, 1, 11), "sample"),
        ((0, 0, 0), "population"),
        ((10, -1, 1), "defective"),
        ((10, 1, -2), "sample"),
        ((10, 1.5, 1), "defective"),
        ((10, True, 1), "defective"),
    ],
)
def test_impossible_parameters_name_the_parameter(args: tuple[int, int, int], name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        detection_probability(*args)


@given(
    n_pop=st.integers(1, 3000),
    data=st.data(),
)
@settings(max_examples=150, deadline=None)
def test_monotone_and_bounded(n_pop: int, data: st.DataObject) -> None:
    n_def = data.draw(st.integers(0, n_pop))
    n_smp = data.draw(st.integers(0, n_pop))
    p = detection_probability(n_pop, n_def, n_smp)
    assert 0.0 <= p <= 1.0
    if n_smp < n_pop:
        assert detection_probability(n_pop, n_def, n_smp + 1) >= p - 1e-15
    if n_def < n_pop:
        assert detection_probability(n_pop, n_def + 1, n_smp) >= p - 1e-15


@given(n_pop=st.integers(1, 10**7), data=st.data())
@settings(max_examples=100, deadline=None)
def test_bounded_for_large_populations(n_pop: int, data: st.DataObject) -> None:
    n_def = data.draw(st.integers(0, min(n_pop, 10**6)))
    n_smp = data.draw(st.integers(0, n_pop))
    p = detection_probability(n_pop, n_def, n_smp)
    assert 0.0 <= p <= 1.0
    assert math.isfinite(p)


@pytest.mark.parametrize(
    ("n_pop", "n_def", "prob"),
    [(1000, 5, 0.95), (100, 1, 0.5), (10**6, 50, 0.95), (50, 10, 0.999999), (10**7, 1000, 0.9)],
)
def test_sample_size_is_the_smallest(n_pop: int, n_def: int, prob: float) -> None:
    n = sample_size(n_pop, n_def, prob)
    assert detection_probability(n_pop, n_def, n) >= prob
    assert n == 0 or detection_probability(n_pop, n_def, n - 1) < prob


def test_sample_size_against_scipy_search() -> None:
    dist = [hypergeom(200, 4, n).sf(0) for n in range(201)]
    expected = next(n for n, p in enumerate(dist) if p >= 0.9)
    assert sample_size(200, 4, 0.9) == expected


def test_iaea_approximation_is_close_and_conservative() -> None:
    # N (1 - beta^(1/M)) for N = 1000, M = 5, beta = 0.05: 1000 (1 - 0.05^0.2) = 450.72.
    assert iaea_sample_size(1000, 5, 0.95) == pytest.approx(1000 * (1 - 0.05**0.2), rel=1e-12)
    assert iaea_sample_size(1000, 5, 0.95) >= sample_size(1000, 5, 0.95)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"probability": 1.0}, "probability"),
        ({"probability": 0.0}, "probability"),
        ({"probability": -0.1}, "probability"),
        ({"defective": 0}, "defective"),
        ({"defective": 2000}, "defective"),
    ],
)
def test_sample_size_rejects_impossible_targets(kwargs: dict[str, float], name: str) -> None:
    args = {"population": 1000, "defective": 5, "probability": 0.95} | kwargs
    with pytest.raises(ParameterError, match=name):
        sample_size(**args)  # type: ignore[arg-type]
    if name == "probability":
        with pytest.raises(ParameterError, match=name):
            iaea_sample_size(**args)  # type: ignore[arg-type]


def test_stratified_multiplies_misses() -> None:
    p = stratified_detection_probability([100, 50], [2, 1], [10, 5])
    miss = (1 - detection_probability(100, 2, 10)) * (1 - detection_probability(50, 1, 5))
    assert p == pytest.approx(1 - miss, rel=1e-14)
    with pytest.raises(ParameterError, match="stratum 1"):
        stratified_detection_probability([100, 50], [2, 60], [10, 5])
    with pytest.raises(ParameterError, match="one entry per stratum"):
        stratified_detection_probability([100], [2, 1], [10, 5])


def _brute_worst(pops: list[int], samples: list[int], m: int) -> float:
    best = 1.0
    for placement in itertools.product(*(range(min(m, p) + 1) for p in pops)):
        if sum(placement) == m:
            best = min(best, stratified_detection_probability(pops, list(placement), samples))
    return best


def test_worst_case_placement_matches_brute_force() -> None:
    pops, samples = [20, 12, 7], [5, 2, 3]
    for m in range(1, 8):
        placement, value = worst_case_placement(pops, samples, m)
        assert sum(placement) == m
        assert value == pytest.approx(_brute_worst(pops, samples, m), abs=1e-12)


def test_allocation_matches_exhaustive_search() -> None:
    pops, checks, m = [20, 12, 7], 9, 3
    best = 0.0
    for alloc in itertools.product(*(range(min(checks, p) + 1) for p in pops)):
        if sum(alloc) == checks:
            best = max(best, worst_case_placement(pops, list(alloc), m)[1])
    result = allocate_checks(pops, checks, m)
    assert sum(result.samples) == checks
    assert result.guaranteed == pytest.approx(best, abs=1e-12)
    with pytest.raises(ParameterError, match="checks"):
        allocate_checks(pops, 100, 1)


@pytest.mark.parametrize(
    ("pops", "checks", "m", "optimum"),
    [([1, 1, 1, 20], 4, 1, Fraction(1, 20)), ([1, 1, 25], 8, 1, Fraction(6, 25))],
)
def test_allocation_does_not_stall_on_plateaus(
    pops: list[int], checks: int, m: int, optimum: Fraction
) -> None:
    """Every single-check move from the proportional plan keeps the guarantee at 0 here."""
    result = allocate_checks(pops, checks, m)
    assert result.guaranteed == pytest.approx(float(optimum), abs=1e-15)
    assert _exact_guarantee(pops, result.samples, m) == optimum


def _exact_guarantee(pops: list[int], samples: list[int], m: int) -> Fraction:
    """The cheater's best reply in exact arithmetic, by trying every placement."""
    worst = Fraction(1)
    for place in itertools.product(*(range(min(m, p) + 1) for p in pops)):
        if sum(place) != m:
            continue
        miss = Fraction(1)
        for n_pop, k, n in zip(pops, place, samples, strict=True):
            miss *= 1 - exact(n_pop, k, n)
        worst = min(worst, 1 - miss)
    return worst


def _exhaustive_optimum(pops: list[int], checks: int, m: int) -> Fraction:
    best = Fraction(0)
    for plan in itertools.product(*(range(min(checks, p) + 1) for p in pops)):
        if sum(plan) == checks:
            best = max(best, _exact_guarantee(pops, list(plan), m))
    return best


def test_allocation_equals_exhaustive_exact_search_on_random_small_problems() -> None:
    """``ORACLE_CASES`` random problems (thousands under ``make bench``), exact rational oracle."""
    rng = random.Random(17)
    for _ in range(ORACLE_CASES):
        pops = [rng.randint(1, 7) for _ in range(rng.randint(1, 4))]
        checks = rng.randint(0, min(sum(pops), 8))
        m = rng.randint(1, min(sum(pops), 4))
        result = allocate_checks(pops, checks, m)
        optimum = _exhaustive_optimum(pops, checks, m)
        assert sum(result.samples) == checks, (pops, checks, m)
        assert float(_exact_guarantee(pops, result.samples, m)) == pytest.approx(
            float(optimum), abs=1e-9
        ), (pops, checks, m)
        assert result.guaranteed == pytest.approx(float(optimum), abs=1e-9), (pops, checks, m)


def test_new_start_quotas_over_years() -> None:
    type_one = SiteQuota(sites=25, per_year=10)
    type_two = SiteQuota(sites=16, per_year=8)
    assert annual_detection_probability(type_one) == pytest.approx(0.4)
    assert detection_within_years([type_one, type_two], 3) == pytest.approx(1 - 0.6**3)
    assert detection_within_years(SiteQuota(5, 10), 1) == 1.0
    partial = SiteQuota(sites=10, per_year=2, visit_detection=0.5)
    assert detection_within_years(partial, 2) == pytest.approx(1 - 0.9**2)
    with pytest.raises(ParameterError, match="per_year"):
        SiteQuota(sites=10, per_year=-1)
    with pytest.raises(ParameterError, match="years"):
        detection_within_years(type_one, 0)
