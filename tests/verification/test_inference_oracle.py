"""The posteriors of ``verification.inference`` against scipy.stats and exact arithmetic.

``fraction_not_as_declared`` and ``undeclared_items`` compute their distributions through
``scipy.special`` (start-up time); scipy.stats' ``beta``, ``betabinom`` and ``nbinom`` are the
reference implementations they replaced, so they are the oracle here, imported by this test only.
The grids reach the edges: nothing inspected, ``found`` of 0 and of all, one item and 10^6 or
10^9, success probabilities near 0 and near 1, tiny and informative priors, credibility 0.5 to
0.999, no sites left uninspected (the docstring's degenerate case).

Discrete quantiles are compared as the same integers. Where a cdf step lies exactly on the
quantile's level (possible only for dyadic levels such as 0.5 or 0.75, with integer Beta or
Gamma parameters), a summed or regularised-beta cdf can land one ulp short of the level and a
floating-point quantile one above the true one; there the oracle is an exhaustive search of the
exact rational cdf (``fractions.Fraction``). Those comparisons fail today, and are recorded as
strict expected failures with the cases spelt out.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from armsctl.verification import inference
from armsctl.verification.inference import (
    estimate_serials,
    fraction_not_as_declared,
    undeclared_items,
)

# Relative tolerance for floats. betaincinv / betainc / ndtr are the very Boost and Cephes
# routines scipy.stats calls (bitwise equal on this grid); 1e-12 leaves room for a different
# build's last-bit rounding in an iterative inverse, while any real slip (a and b swapped,
# tail for 1 - tail, a wrong mean formula) is wrong by far more than 1e-12.
REL = 1e-12

LEVELS = (0.5, 0.9, 0.95, 0.999)
INSPECTED = (0, 1, 2, 10, 1000, 10**6, 10**9)
PRIORS = ((1.0, 1.0), (0.5, 0.5), (1e-3, 1e-3), (100.0, 1.0), (1.0, 1e6))


def _found(n: int) -> list[int]:
    """0, 1, the middle, all but one and all (the ends where one Beta shape is the prior's)."""
    return sorted({v for v in (0, 1, n // 2, n - 1, n) if 0 <= v <= n})


def _smallest(cdf: Callable[[int], Fraction], q: Fraction) -> int:
    """The smallest k >= 0 with cdf(k) >= q, by walking the support: the quantile's definition."""
    k = 0
    while cdf(k) < q:
        k += 1
    return k


def _central_interval(cdf: list[Fraction], found: int, credibility: float) -> tuple[int, int]:
    """The equal-tailed interval of ``found`` plus a count with this exact ``cdf``."""
    tail = Fraction((1 - credibility) / 2)
    return found + _smallest(cdf.__getitem__, tail), found + _smallest(cdf.__getitem__, 1 - tail)


def _dyadic_levels(steps: list[Fraction]) -> Iterator[tuple[int, float]]:
    """(k, credibility) for which a quantile's level (1 - c)/2 or (1 + c)/2 is exactly step k.

    Only dyadic steps with a short denominator qualify: then the credibility and the level the
    functions compute from it, ``(1 - c) / 2``, are exact binary floats, so the tie is real.
    """
    for k, step in enumerate(steps):
        d = step.denominator
        if d & (d - 1) or d > 2**20 or step == Fraction(1, 2):
            continue
        level = 1 - 2 * step if step < Fraction(1, 2) else 2 * step - 1
        c = float(level)
        assert Fraction(c) == level and Fraction((1 - c) / 2) == (1 - level) / 2
        yield k, c


# --- Beta posterior on the fraction ----------------------------------------------------------


def test_fraction_interval_and_mean_equal_scipy_beta() -> None:
    cases = [
        (n, x, prior, level)
        for n in INSPECTED
        for x in _found(n)
        for prior in PRIORS
        for level in LEVELS
    ]
    for n, x, prior, level in cases:
        post = fraction_not_as_declared(n, x, prior=prior, credibility=level)
        a, b = prior[0] + x, prior[1] + n - x
        tail = (1 - level) / 2
        lo, hi = stats.beta.ppf([tail, 1 - tail], a, b)
        assert (post.alpha, post.beta) == (a, b)
        assert post.mean == pytest.approx(stats.beta.mean(a, b), rel=REL, abs=0)
        assert post.interval[0] == pytest.approx(lo, rel=REL, abs=0), (n, x, prior, level)
        assert post.interval[1] == pytest.approx(hi, rel=REL, abs=0), (n, x, prior, level)
        assert post.population is None and post.count_interval is None


def test_fraction_extreme_credibilities_equal_scipy_beta() -> None:
    # Levels next to 0 and 1: tails of 0.5 - 5e-7 and 5e-13 reach deep into the Beta's tails.
    for n, x, level in itertools.product((1, 100, 10**6), (0, 1), (1e-6, 1 - 1e-12)):
        post = fraction_not_as_declared(n, x, prior=(0.5, 0.5), credibility=level)
        tail = (1 - level) / 2
        ref = stats.beta.ppf([tail, 1 - tail], 0.5 + x, 0.5 + n - x)
        assert post.interval == pytest.approx(tuple(ref), rel=REL, abs=0)


# --- Beta-binomial count in the population ---------------------------------------------------


def _betabinom_reference(
    n: int, x: int, rest: int, prior: tuple[float, float], levels: tuple[float, ...]
) -> tuple[float, list[tuple[int, int]]]:
    """scipy.stats' mean of the count and its interval at each level (one vectorised ppf)."""
    a, b = prior[0] + x, prior[1] + n - x
    tails = np.array([(1 - level) / 2 for level in levels])
    lo = stats.betabinom.ppf(tails, rest, a, b)
    hi = stats.betabinom.ppf(1 - tails, rest, a, b)
    intervals = [(x + int(i), x + int(j)) for i, j in zip(lo, hi, strict=True)]
    return x + float(stats.betabinom.mean(rest, a, b)), intervals


def test_count_interval_and_mean_equal_scipy_betabinom() -> None:
    cases = [
        (n, x, rest, prior)
        for n in (0, 1, 2, 10, 10**6)
        for rest in (0, 1, 2, 3, 10, 1000)
        if n + rest >= 1
        for x in _found(n)
        for prior in ((1.0, 1.0), (0.5, 0.5), (1e-3, 1e-3), (1.0, 1e6))
    ]
    # One large uninspected remainder (the cdf sums 10^5 terms per evaluation).
    cases += [(100, 3, 10**5, (0.5, 0.5))]
    for n, x, rest, prior in cases:
        mean, intervals = _betabinom_reference(n, x, rest, prior, LEVELS)
        for level, interval in zip(LEVELS, intervals, strict=True):
            post = fraction_not_as_declared(
                n, x, population=n + rest, prior=prior, credibility=level
            )
            assert post.population == n + rest
            assert post.count_interval == interval, (n, x, rest, prior, level)
            assert post.count_mean == pytest.approx(mean, rel=REL, abs=0), (n, x, rest, prior)


def _betabinom_exact_cdf(rest: int, a: int, b: int) -> list[Fraction]:
    """Beta-binomial(rest, a, b) cdf for integer a, b, exactly: B(i, j) = (i-1)!(j-1)!/(i+j-1)!."""

    def beta_fn(i: int, j: int) -> Fraction:
        return Fraction(math.factorial(i - 1) * math.factorial(j - 1), math.factorial(i + j - 1))

    cdf, total = [], Fraction(0)
    for k in range(rest + 1):
        total += math.comb(rest, k) * beta_fn(k + a, rest - k + b) / beta_fn(a, b)
        cdf.append(total)
    return cdf


@functools.cache
def _betabinom_cases() -> list[tuple[int, int, int, tuple[int, int], list[Fraction]]]:
    """Small integer priors and counts, with the exact cdf of the uninspected count."""
    return [
        (n, x, rest, (a0, b0), _betabinom_exact_cdf(rest, a0 + x, b0 + n - x))
        for (a0, b0), n, rest in itertools.product(
            ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3)), range(4), (1, 2, 3, 7, 15, 16, 31, 63)
        )
        for x in range(n + 1)
    ]


def test_count_interval_away_from_ties_equals_exact_cdf_search() -> None:
    """Off the cdf's steps the interval is the exact rational quantile at the levels used.

    The levels are the binary floats the function computes, ``(1 - c) / 2`` and one minus that;
    a case whose exact cdf has a step on one of them is a tie, left to the tests below.
    """
    checked = 0
    for n, x, rest, (a0, b0), cdf in _betabinom_cases():
        for level in LEVELS[1:]:
            tail = (1 - level) / 2
            qs = (Fraction(tail), Fraction(1 - tail))
            if any(q in cdf for q in qs):
                continue
            checked += 1
            expected = tuple(x + _smallest(cdf.__getitem__, q) for q in qs)
            post = fraction_not_as_declared(
                n, x, population=n + rest, prior=(a0, b0), credibility=level
            )
            assert post.count_interval == expected, (n, x, n + rest, (a0, b0), level)
    assert checked > 1000


def test_count_interval_on_cdf_steps_equals_exact_cdf_search_where_scipy_is_off() -> None:
    """On exact ties the count interval is the exact rational quantile, settled in Fractions.

    scipy.stats' betabinom.ppf sums the pmf in floats and can fall an ulp short of the step,
    landing one above; the function agrees with it everywhere else and is never further off.
    """
    ties = differ = 0
    for n, x, rest, prior, cdf in _betabinom_cases():
        for _, level in _dyadic_levels(cdf[:-1]):
            ties += 1
            post = fraction_not_as_declared(
                n,
                x,
                population=n + rest,
                prior=(float(prior[0]), float(prior[1])),
                credibility=level,
            )
            tail = Fraction((1 - level) / 2)
            exact = (x + _smallest(cdf.__getitem__, tail), x + _smallest(cdf.__getitem__, 1 - tail))
            assert post.count_interval == exact, (n, x, n + rest, prior, level)
            scipy_interval = _betabinom_reference(n, x, rest, prior, (level,))[1][0]
            assert all(0 <= s - e <= 1 for s, e in zip(scipy_interval, exact, strict=True))
            differ += scipy_interval != exact
    assert ties > 100 and differ > 0


@pytest.mark.parametrize(
    ("inspected", "found", "population", "prior", "credibility", "exact"),
    [
        # Beta-binomial(15, 1, 1): uniform on 0..15, cdf(11) = 12/16 = 0.75.
        (0, 0, 15, (1, 1), 0.5, (3, 11)),
        # cdf(14) = 15/16 = 0.9375 = (1 + 0.875) / 2.
        (0, 0, 15, (1, 1), 0.875, (0, 14)),
        # Beta-binomial(11, 1, 1) after nothing inspected: cdf(2) = 3/12 = 0.25.
        (0, 0, 11, (1, 1), 0.5, (2, 8)),
    ],
)
def test_count_interval_on_cdf_steps_equals_exact_cdf_search(
    inspected: int,
    found: int,
    population: int,
    prior: tuple[int, int],
    credibility: float,
    exact: tuple[int, int],
) -> None:
    rest = population - inspected
    cdf = _betabinom_exact_cdf(rest, prior[0] + found, prior[1] + inspected - found)
    assert exact == _central_interval(cdf, found, credibility)
    post = fraction_not_as_declared(
        inspected, found, population=population, prior=prior, credibility=credibility
    )
    assert post.count_interval == exact


# --- negative-binomial count of undeclared items ---------------------------------------------


def _nbinom_reference(
    s: int, u: int, total: int, prior: tuple[float, float], level: float
) -> tuple[float, tuple[int, int]]:
    shape, rate = prior[0] + u, prior[1] + s
    p = rate / (rate + (total - s))  # 1.0 when every site was inspected: nothing hidden
    tail = (1 - level) / 2
    lo, hi = stats.nbinom.ppf([tail, 1 - tail], shape, p)
    return float(stats.nbinom.mean(shape, p)), (u + int(lo), u + int(hi))


def test_total_interval_and_means_equal_scipy_nbinom() -> None:
    cases = [
        (s, u, total, prior, level)
        for s in (1, 2, 10, 1000)
        for total in (1, 2, 3, 11, 1001, 10**6)
        if s <= total
        for u in (0, 1, 3, 1000, 10**6)
        # near-flat default; unit; tiny shape; p near 1 (an informative rate, few sites left)
        for prior in ((0.5, 1e-3), (1.0, 1.0), (1e-3, 10.0), (1.0, 1e9))
        for level in LEVELS
    ]
    for s, u, total, prior, level in cases:
        post = undeclared_items(s, u, sites_total=total, prior=prior, credibility=level)
        hidden_mean, interval = _nbinom_reference(s, u, total, prior, level)
        shape, rate = prior[0] + u, prior[1] + s
        assert (post.shape, post.rate) == (shape, rate)
        assert post.rate_mean == pytest.approx(stats.gamma.mean(shape, scale=1 / rate), rel=REL)
        assert post.hidden_mean == pytest.approx(hidden_mean, rel=REL, abs=0)
        assert post.total_mean == pytest.approx(u + hidden_mean, rel=REL, abs=0)
        assert post.total_interval == interval, (s, u, total, prior, level)


def test_total_interval_extreme_success_probabilities() -> None:
    # p = rate / (rate + others) from 1e-6 (10^6 sites left, a vague prior) to 1 - 1e-9.
    for s, u, total, prior in [
        (1, 0, 10**6 + 1, (1e-3, 1e-3)),
        (1, 0, 10**6, (0.5, 1e-3)),
        (3, 7, 4, (2.0, 1e9)),
        (1, 0, 2, (1e-3, 1e9)),
    ]:
        for level in (*LEVELS, 1e-6):
            post = undeclared_items(s, u, sites_total=total, prior=prior, credibility=level)
            hidden_mean, interval = _nbinom_reference(s, u, total, prior, level)
            assert post.hidden_mean == pytest.approx(hidden_mean, rel=REL, abs=0)
            assert post.total_interval == interval, (s, u, total, prior, level)


def _nbinom_cdf_decimal(r: int, k: int, p: float | Fraction) -> Decimal:
    """P(X <= k) = P(Binomial(k + r, p) >= r) for integer r, to 50 digits (p a float exactly)."""
    if k < 0:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 50
        big_p = Decimal(p) if isinstance(p, float) else Decimal(p.numerator) / p.denominator
        n = k + r
        q_n = ((1 - big_p).ln() * n).exp()  # (1 - p)^n; term j is C(n, j) p^j (1 - p)^(n - j)
        odds = big_p / (1 - big_p)
        below = sum((Decimal(math.comb(n, j)) * odds**j * q_n for j in range(r)), Decimal(0))
        return 1 - below


def test_total_interval_for_a_billion_sites_equals_scipy_nbinom() -> None:
    s, u, total, prior, level = 2, 1, 10**9, (1.0, 1.0), 0.5
    _, expected = _nbinom_reference(s, u, total, prior, level)
    assert expected == (320426254, 897544843)
    p = (prior[1] + s) / (prior[1] + s + (total - s))
    for end, q in zip(expected, (0.25, 0.75), strict=True):  # the exact cdf steps over q there
        k = end - u
        assert _nbinom_cdf_decimal(2, k - 1, p) < Decimal(q) <= _nbinom_cdf_decimal(2, k, p)
    post = undeclared_items(s, u, sites_total=total, prior=prior, credibility=level)
    assert post.total_interval == expected


@pytest.mark.parametrize("total", [10**7, 10**9, 10**12, 10**14])
def test_total_interval_for_huge_site_counts_is_the_exact_quantile(total: int) -> None:
    """Whole shapes at up to 10^14 sites: each end is where the cdf steps over its level.

    The reference is the cdf to 50 digits with the exact p = rate / (rate + others). Here
    betainc alone is off by up to ~1e-8 (10^9 sites), one minus betaincc by ~1e-14 (10^12),
    both more than a step of the cdf; and scipy.stats' nbinom.ppf misses a few ends too.
    """
    for s, u, prior, level in itertools.product(
        (1, 1000), (0, 1, 10, 100), ((1.0, 1.0), (2.0, 1e-3)), LEVELS
    ):
        post = undeclared_items(s, u, sites_total=total, prior=prior, credibility=level)
        r, rate = int(prior[0]) + u, Fraction(prior[1] + s)
        p = rate / (rate + total - s)
        tail = (1 - level) / 2
        for end, q in zip(post.total_interval, (tail, 1 - tail), strict=True):
            k = end - u
            below, at = _nbinom_cdf_decimal(r, k - 1, p), _nbinom_cdf_decimal(r, k, p)
            assert below < Decimal(q) <= at, (s, u, total, prior, level)


def _nbinom_exact_cdf(r: int, p: Fraction, upto: int) -> list[Fraction]:
    total, cdf = Fraction(0), []
    for j in range(upto + 1):
        total += math.comb(j + r - 1, r - 1) * p**r * (1 - p) ** j
        cdf.append(total)
    return cdf


def _nbinom_ties() -> Iterator[tuple[int, int, int, float, float, list[Fraction]]]:
    """(sites_inspected, found, sites_total, prior rate, credibility, exact cdf) on a step.

    Integer shape r = 1 + found (prior shape 1) and p = rate / (rate + others) with
    rate + others a power of two, so the cdf is a dyadic rational and some steps are exact levels.
    """
    for r, denominator in itertools.product(range(1, 6), (4, 8, 16, 32)):
        for rate in range(2, denominator):
            cdf = _nbinom_exact_cdf(r, Fraction(rate, denominator), 200)
            for _, level in _dyadic_levels(cdf[:40]):
                yield 1, r - 1, 1 + denominator - rate, float(rate - 1), level, cdf


def test_total_interval_on_every_cdf_step_equals_exact_cdf_search() -> None:
    """On exact steps the interval is the exact rational quantile, settled in Fractions.

    scipy.stats' own nbinom.cdf can fall an ulp short of a step there (and its nbinom.ppf, Boost's
    quantile, disagrees with that cdf); a search of scipy's cdf is at most one above the exact.
    """
    ties = differ = 0
    for s, u, total, b0, level, exact_cdf in _nbinom_ties():
        ties += 1
        shape, rate = 1.0 + u, b0 + s
        p = rate / (rate + (total - s))
        tail = Fraction((1 - level) / 2)
        if exact_cdf[-1] < 1 - tail:  # a long upper tail (p = 1/16): the cdf further out
            exact_cdf = _nbinom_exact_cdf(1 + u, Fraction(rate) / (Fraction(rate) + total - s), 600)
        expected = (
            u + _smallest(exact_cdf.__getitem__, tail),
            u + _smallest(exact_cdf.__getitem__, 1 - tail),
        )
        post = undeclared_items(s, u, sites_total=total, prior=(1.0, b0), credibility=level)
        assert post.total_interval == expected, (s, u, total, b0, level)

        cdf = stats.nbinom.cdf(np.arange(400), shape, p)  # every k the quantiles can reach
        low, high = float(tail), float(1 - tail)
        searched = (u + int(np.argmax(cdf >= low)), u + int(np.argmax(cdf >= high)))
        assert all(0 <= f - e <= 1 for f, e in zip(searched, expected, strict=True))
        differ += searched != expected
    assert ties > 500 and differ > 0


@pytest.mark.parametrize(
    ("sites_inspected", "found", "sites_total", "prior", "credibility", "exact"),
    [
        (1, 3, 4, (1.0, 4.0), 0.69482421875, (3, 7)),  # scipy.stats: (3, 7)
        (1, 4, 4, (1.0, 4.0), 0.80926513671875, (4, 10)),  # scipy.stats: (4, 10)
        (1, 2, 16, (1.0, 16.0), 0.70013427734375, (2, 7)),  # scipy.stats: (2, 7)
        (1, 1, 26, (1.0, 6.0), 0.7547607421875, (2, 15)),  # scipy.stats: (3, 15), off too
    ],
)
def test_total_interval_on_cdf_steps_equals_exact_cdf_search(
    sites_inspected: int,
    found: int,
    sites_total: int,
    prior: tuple[float, float],
    credibility: float,
    exact: tuple[int, int],
) -> None:
    rate = prior[1] + sites_inspected
    p = Fraction(rate) / (Fraction(rate) + (sites_total - sites_inspected))
    cdf = _nbinom_exact_cdf(int(prior[0]) + found, p, 200)
    assert exact == _central_interval(cdf, found, credibility)
    post = undeclared_items(
        sites_inspected, found, sites_total=sites_total, prior=prior, credibility=credibility
    )
    assert post.total_interval == exact


def test_total_interval_away_from_ties_equals_exact_cdf_search() -> None:
    for r, denominator, rate in [(1, 8, 3), (2, 16, 5), (3, 32, 7), (5, 4, 3), (4, 32, 1 + 16)]:
        cdf = _nbinom_exact_cdf(r, Fraction(rate, denominator), 2000)
        for level in LEVELS[1:]:
            tail = (1 - level) / 2
            qs = (Fraction(tail), Fraction(1 - tail))
            assert not any(q in cdf for q in qs)
            post = undeclared_items(
                1,
                r - 1,
                sites_total=1 + denominator - rate,
                prior=(1.0, float(rate - 1)),
                credibility=level,
            )
            assert post.total_interval == tuple(r - 1 + _smallest(cdf.__getitem__, q) for q in qs)


def test_every_site_inspected_is_a_point_mass() -> None:
    # The docstring's degenerate case: nbinom with p = 1 is the point mass at 0.
    for u, level in itertools.product((0, 1, 10**6), LEVELS):
        post = undeclared_items(7, u, sites_total=7, credibility=level)
        hidden_mean, interval = _nbinom_reference(7, u, 7, (0.5, 1e-3), level)
        assert (post.hidden_mean, post.total_mean, post.total_interval) == (
            hidden_mean,
            float(u),
            interval,
        )


def _rising(x: Fraction, n: int) -> Fraction:
    return math.prod((x + i for i in range(n)), start=Fraction(1))


def test_exact_cdf_comparisons_equal_rising_factorial_pmfs() -> None:
    """The exact comparisons that settle near-ties, against the pmfs in closed rational form.

    Beta-binomial(n, a, b): pmf(k) = C(n, k) (a)_k (b)_(n-k) / (a + b)_n, rational for any
    float a, b; negative binomial(r, p): pmf(k) = C(k + r - 1, k) p^r (1 - p)^k. Each cdf value
    is compared with itself (the tie), and with its neighbours a hair either side.
    """
    for n, a, b in [(7, 0.3, 1e-3), (12, 2.5, 0.1), (30, 1.0, 1e6), (1, 1e-3, 1e-3)]:
        fa, fb = Fraction(a), Fraction(b)
        total = Fraction(0)
        for k in range(n + 1):
            total += math.comb(n, k) * _rising(fa, k) * _rising(fb, n - k) / _rising(fa + fb, n)
            hair = total / 10**30
            assert inference._betabinom_reaches(n, a, b, k, total)
            assert inference._betabinom_reaches(n, a, b, k, total - hair)
            assert not inference._betabinom_reaches(n, a, b, k, total + hair)
        assert total == 1
    for r, rate, others in [(1, 3.0, 5), (4, 1.1, 1000), (7, 2.001, 10**6)]:
        p = Fraction(rate) / (Fraction(rate) + others)
        cdf = _nbinom_exact_cdf(r, p, 60)
        for k in range(0, 60, 7):
            hair = cdf[k] / 10**30
            assert inference._nbinom_reaches(r, p, k, cdf[k])
            assert not inference._nbinom_reaches(r, p, k, cdf[k] + hair)
            # the decimal route, for counts too large to sum exactly, to ~1e-50 absolute
            nearby = Fraction(1, 10**48)
            assert inference._nbinom_reaches_decimal(r, rate, others, k, cdf[k] - nearby)
            assert not inference._nbinom_reaches_decimal(r, rate, others, k, cdf[k] + nearby)


# --- serial numbers: no scipy.stats distribution, so exact integer arithmetic ----------------


def _tail_exceeds(x: int, m: int, k: int, bound: Fraction) -> bool:
    """P(N > x) = C(m-1, k-1) / C(x, k-1) > bound, in integers."""
    return math.comb(m - 1, k - 1) * bound.denominator > bound.numerator * math.comb(x, k - 1)


def _is_quantile(n: int, m: int, k: int, q: Fraction) -> bool:
    """n is the smallest value >= m with P(N <= n) >= q (the cdf is monotone, so two checks)."""
    return not _tail_exceeds(n, m, k, 1 - q) and (n == m or _tail_exceeds(n - 1, m, k, 1 - q))


@pytest.mark.parametrize(
    ("m", "k"),
    [*itertools.product((50, 1000, 10**6), (2, 3, 10, 50)), (10**8, 10), (10**8, 50)],
)
def test_serial_quantiles_are_exact_for_huge_serials(m: int, k: int) -> None:
    """math.lgamma's rounding at large m is settled by the exact integer check of each quantile."""
    seen = [*range(1, k), m]
    for level in ("0.5", "0.9", "0.95", "0.999"):
        est = estimate_serials(seen, credibility=float(level))
        tail = (1 - Fraction(level)) / 2
        assert _is_quantile(est.credible_interval[0], m, k, tail)
        assert _is_quantile(est.credible_interval[1], m, k, 1 - tail)
        assert _is_quantile(est.posterior_median, m, k, Fraction(1, 2))
        if k == 2:  # P(N <= n) = 1 - (m-1)/n: every quantile is a ceiling, and 40(m-1) a tie
            assert est.credible_interval[1] == math.ceil((m - 1) / tail)
            assert est.posterior_median == 2 * (m - 1)


@pytest.mark.parametrize(
    ("m", "k"), [(10**8, 2), (10**10, 2), (10**10, 3), (10**12, 50), (10**18, 2), (10**30, 7)]
)
def test_serial_quantiles_for_huge_serials_take_few_exact_checks(
    m: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The float estimate is off by up to millions here; the exact search gallops from it.

    Stepping one integer at a time from the estimate took ~10^5 exact checks at 10^8 and more
    than 10^7 at 10^10; the galloping search needs about 2 log2 of the distance.
    """
    calls = 0
    exact_check = inference._tail_at_most

    def counted(x: int, m: int, k: int, bound: Fraction) -> bool:
        nonlocal calls
        calls += 1
        return exact_check(x, m, k, bound)

    monkeypatch.setattr(inference, "_tail_at_most", counted)
    seen = [*range(1, k), m]
    for level in ("0.5", "0.999"):
        calls = 0
        est = estimate_serials(seen, credibility=float(level))
        assert calls <= 3 * 2 * 64  # three quantiles, each within 2^64 of its estimate
        tail = (1 - Fraction(level)) / 2
        assert _is_quantile(est.credible_interval[0], m, k, tail)
        assert _is_quantile(est.credible_interval[1], m, k, 1 - tail)
        assert _is_quantile(est.posterior_median, m, k, Fraction(1, 2))


def test_serial_mean_and_confidence_interval() -> None:
    for m, k in itertools.product((100, 10**6, 10**8), (3, 4, 50)):
        est = estimate_serials([*range(1, k), m], credibility=0.95)
        assert est.posterior_mean == pytest.approx((m - 1) * (k - 1) / (k - 2), rel=REL)
        assert est.unbiased == pytest.approx(m + m / k - 1, rel=REL)
        assert est.confidence_interval == pytest.approx((m, m * 0.05 ** (-1 / k)), rel=REL)
        assert np.isfinite(est.credible_interval[1])
