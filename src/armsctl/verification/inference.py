"""What inspection results say: posteriors on falsified and undeclared items, serial-number counts.

* Items not as declared: ``x`` of ``n`` inspected items were not as declared. With a Beta prior on
  the fraction ``p``, the posterior is ``Beta(a + x, b + n - x)``; the number of such items among
  the ``N - n`` not inspected is then Beta-binomial, so the total is ``x`` plus that.
* Undeclared items: ``u`` undeclared items were found at ``s`` inspected sites. With a Gamma prior
  on the rate per site, the rate's posterior is ``Gamma(a + u, b + s)`` and the number hidden at
  the ``S - s`` other sites is negative binomial (a Poisson-Gamma mixture).
* Serial numbers (the German tank problem): ``k`` distinct serials observed, largest ``m``, serials
  assumed to run 1..N. The minimum-variance unbiased estimator is ``m + m/k - 1``; with the
  (improper) uniform prior on N the posterior is ``P(N = n) = (k-1)/k * C(m-1, k-1) / C(n, k)``
  for ``n >= m``, whose tail is ``P(N > x) = C(m-1, k-1) / C(x, k-1)``, mean
  ``(m-1)(k-1)/(k-2)`` for ``k >= 3``; and the frequentist interval is ``[m, m * alpha^(-1/k)]``.

References: Goodman, "Serial number analysis", JASA 47 (1952); Ruggles and Brodie, JASA 42 (1947);
Gelman et al., *Bayesian Data Analysis* (3rd ed.), ch. 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from armsctl.errors import ParameterError

__all__ = [
    "CountPosterior",
    "FractionPosterior",
    "SerialEstimate",
    "estimate_serials",
    "fraction_not_as_declared",
    "undeclared_items",
]


def _whole(name: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


def _level(credibility: float) -> float:
    if not 0.0 < credibility < 1.0:
        raise ParameterError(f"credibility must lie strictly between 0 and 1, got {credibility}")
    return credibility


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class FractionPosterior:
    """Posterior on the fraction not as declared, and on their number in the population."""

    alpha: float
    beta: float
    mean: float
    interval: tuple[float, float]
    population: int | None
    count_mean: float | None
    count_interval: tuple[int, int] | None

    def to_dict(self) -> dict[str, Any]:
        """The posterior as plain JSON; the count fields are ``None`` without a population size."""
        return {
            "posterior": f"Beta({self.alpha:g}, {self.beta:g})",
            "fraction_mean": self.mean,
            "fraction_interval": list(self.interval),
            "population": self.population,
            "count_mean": self.count_mean,
            "count_interval": list(self.count_interval) if self.count_interval else None,
        }


def fraction_not_as_declared(
    inspected: int,
    found: int,
    *,
    population: int | None = None,
    prior: tuple[float, float] = (1.0, 1.0),
    credibility: float = 0.95,
) -> FractionPosterior:
    """Beta-binomial posterior from ``found`` discrepancies among ``inspected`` items.

    Args:
        inspected: items checked, drawn at random from the declared population.
        found: of them, not as declared.
        population: declared items in all; when given, the posterior number not as declared
            (found plus a Beta-binomial count among the uninspected) is reported too.
        prior: Beta prior ``(a, b)``; uniform by default, ``(0.5, 0.5)`` for Jeffreys'.
        credibility: mass of the equal-tailed credible intervals.

    The count interval's ends are the smallest counts whose cdf reaches ``(1 - c) / 2`` and
    ``(1 + c) / 2`` (the floats computed from ``credibility``). The cdf is a float sum of the pmf,
    as scipy.stats' ``betabinom`` computes it; where it comes within 1e-9 (relative) of a level
    and at most 2000 items are uninspected, the comparison is made exactly in rationals (the
    prior's floats as the fractions they are), so a cdf step lying exactly on a level, which
    the float sum and ``betabinom.ppf`` can miss by an ulp, gives the exact quantile. With more
    uninspected items the float sum decides (its error grows with the size, ~1e-11 at 10^5, so
    only a near-tie can go one off).
    """
    import numpy as np
    from scipy.special import betaincinv, betaln

    n = _whole("inspected", inspected)
    x = _whole("found", found)
    if x > n:
        raise ParameterError(f"found ({x}) must not exceed inspected ({n})")
    a0, b0 = _positive("prior a", prior[0]), _positive("prior b", prior[1])
    level = _level(credibility)
    a, b = a0 + x, b0 + n - x
    tail = (1 - level) / 2
    lo, hi = float(betaincinv(a, b, tail)), float(betaincinv(a, b, 1 - tail))
    count_mean = None
    count_interval = None
    pop = None
    if population is not None:
        pop = _whole("population", population, 1)
        if n > pop:
            raise ParameterError(f"inspected ({n}) must not exceed population ({pop})")
        # Beta-binomial(pop - n, a, b) as scipy.stats computes it: the mean, and a cdf that
        # sums the pmf from 0 (whose quantiles below are those of its ``ppf``).
        rest = pop - n

        def cdf(k: int) -> float:
            j = np.arange(0, k + 1.0)
            comb = -np.log(rest + 1) - betaln(rest - j + 1, j + 1)
            return float(np.sum(np.exp(comb + betaln(j + a, rest - j + b) - betaln(a, b))))

        def exact(k: int, q: Fraction) -> bool | None:
            return _betabinom_reaches(rest, a, b, k, q) if rest <= _EXACT_TERMS else None

        count_mean = x + float(rest * (a / (a + b)))
        count_interval = (
            x + _quantile_of(cdf, tail, rest, exact),
            x + _quantile_of(cdf, 1 - tail, rest, exact),
        )
    return FractionPosterior(a, b, a / (a + b), (lo, hi), pop, count_mean, count_interval)


@dataclass(frozen=True, slots=True)
class CountPosterior:
    """Posterior on undeclared items at the sites not inspected, and in all."""

    shape: float
    rate: float
    rate_mean: float
    hidden_mean: float
    total_mean: float
    total_interval: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        """The posterior as plain JSON: the Gamma rate per site and the undeclared items in all."""
        return {
            "rate_posterior": f"Gamma({self.shape:g}, {self.rate:g})",
            "per_site_mean": self.rate_mean,
            "uninspected_mean": self.hidden_mean,
            "total_mean": self.total_mean,
            "total_interval": list(self.total_interval),
        }


def undeclared_items(
    sites_inspected: int,
    found: int,
    *,
    sites_total: int,
    prior: tuple[float, float] = (0.5, 1e-3),
    credibility: float = 0.95,
) -> CountPosterior:
    """Poisson-Gamma posterior on undeclared items from ``found`` at ``sites_inspected`` sites.

    Sites are treated as exchangeable, each hiding a Poisson number of undeclared items at a
    common rate; the default prior is nearly flat (shape 0.5, rate 0.001 per site).

    The interval's ends are the smallest counts whose negative-binomial cdf reaches
    ``(1 - c) / 2`` and ``(1 + c) / 2`` (the floats computed from ``credibility``), searched on
    ``scipy.special``'s regularised incomplete beta, taken from whichever side is accurate
    (see ``cdf`` below; measured within ~1e-11 for whole shapes up to 10^14 sites). Where the
    float cdf comes within 1e-9 (relative) of a level and the posterior shape is a whole number
    (a whole prior shape) of at most 2000, the comparison is made exactly, with
    ``p = rate / (rate + others)`` as a rational: in integers while shape plus count is at most
    2000 (so cdf steps exactly on a level are found), beyond that from 60-digit decimals (exact
    unless the cdf is within ~1e-50 of the level). Fractional or larger shapes are decided by
    the float cdf alone, so a near-tie there can go one off.
    """
    from scipy.special import betainc, betaincc

    s = _whole("sites_inspected", sites_inspected, 1)
    u = _whole("found", found)
    total = _whole("sites_total", sites_total, 1)
    if s > total:
        raise ParameterError(f"sites_inspected ({s}) must not exceed sites_total ({total})")
    a0, b0 = _positive("prior shape", prior[0]), _positive("prior rate", prior[1])
    level = _level(credibility)
    shape, rate = a0 + u, b0 + s
    others = total - s
    tail = (1 - level) / 2
    if others == 0:
        return CountPosterior(shape, rate, shape / rate, 0.0, float(u), (u, u))
    # Sum over `others` sites of Poisson(lambda) given lambda ~ Gamma(shape, rate) is negative
    # binomial with r = shape and success probability rate / (rate + others).
    # Its cdf is the regularised incomplete beta I_p(r, k + 1), as in scipy.stats' nbinom.
    p = rate / (rate + others)
    hidden_mean = shape * (1 - p) / p

    def cdf(k: int) -> float:
        # I_p(r, k + 1), accurate to ~1e-16 below 1/2; above, Boost's betainc can be off by
        # ~1e-8 (k ~ 10^9 and p ~ 1e-9: a billion sites), where one minus betaincc is within
        # ~1e-11. Elsewhere betainc is the closer (1e-16 against 1e-14 at 10^12 sites), so
        # the complement is taken only where the two disagree beyond the latter's error.
        lower = float(betainc(shape, k + 1, p))
        if lower < 0.5:
            return lower
        upper = 1.0 - float(betaincc(shape, k + 1, p))
        return upper if abs(upper - lower) > _DISAGREE else lower

    def exact(k: int, q: Fraction) -> bool | None:
        if not shape.is_integer() or shape > _EXACT_TERMS:
            return None
        if shape + k <= _EXACT_TERMS:
            return _nbinom_reaches(int(shape), Fraction(rate) / (Fraction(rate) + others), k, q)
        return _nbinom_reaches_decimal(int(shape), rate, others, k, q)

    return CountPosterior(
        shape=shape,
        rate=rate,
        rate_mean=shape / rate,
        hidden_mean=hidden_mean,
        total_mean=u + hidden_mean,
        total_interval=(
            u + _quantile_of(cdf, tail, None, exact),
            u + _quantile_of(cdf, 1 - tail, None, exact),
        ),
    )


_EXACT_TERMS = 2000
"""Largest support size (Beta-binomial) or shape plus count (negative binomial) decided exactly.

The exact cdf is a sum of that many rational pmf terms in integer arithmetic, milliseconds at
this size. Above it the Beta-binomial's float cdf decides even on a tie, and the negative
binomial (a whole shape up to this size) is decided in 60-digit decimals.
"""

_DISAGREE = 1e-12
"""Gap between betainc and one minus betaincc beyond which the latter is taken (see above)."""

_NEAR = 1e-9
"""Relative distance from the level within which a float cdf is re-decided exactly.

Far above the float cdfs' own error where an exact check applies (~1e-13 for a Beta-binomial
of at most ``_EXACT_TERMS`` items, ~1e-11 for the negative binomial at 10^9 sites), so every
comparison the floats could get wrong there is settled exactly.
"""


def _quantile_of(
    cdf: Callable[[int], float],
    q: float,
    most: int | None = None,
    exact: Callable[[int, Fraction], bool | None] | None = None,
) -> int:
    """The smallest ``k >= 0`` with ``cdf(k) >= q``: a discrete distribution's quantile.

    ``most`` is the top of the support, where the cdf is 1 (none: unbounded). This is the
    definition scipy.stats' ``ppf`` documents for discrete distributions, found by bisection
    over integers, so the posteriors above need only ``scipy.special`` (a third of
    ``scipy.stats``' import time) for the same intervals.

    Where ``cdf(k)`` lies within ``_NEAR`` of ``q`` the comparison is left to
    ``exact(k, q)``, the exact rational ``cdf(k) >= q`` (``None``: too large to decide
    exactly, the float stands): a cdf step lying exactly on a dyadic level, which a float sum
    can miss by an ulp either way, is then found where it is.
    """
    level = Fraction(q)

    def reaches(k: int) -> bool:
        value = cdf(k)
        if exact is not None and abs(value - q) <= _NEAR * q:
            decided = exact(k, level)
            if decided is not None:
                return decided
        return value >= q

    top = 1 if most is None else most  # where cdf(top) >= q
    while most is None and not reaches(top):
        top *= 2
    return _bisect_first(reaches, 0, top)


def _bisect_first(ok: Callable[[int], bool], lo: int, hi: int) -> int:
    """The smallest ``n`` in ``lo..hi`` with ``ok(n)``, for ``ok`` monotone and ``ok(hi)`` true.

    Over Python integers of any size (``bisect`` over a ``range`` stops at 2^63 elements).
    """
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def _scaled(*values: float) -> tuple[int, list[int]]:
    """A common denominator ``d`` of the floats and their numerators over it (floats are exact)."""
    fractions = [Fraction(v) for v in values]
    d = math.lcm(*(f.denominator for f in fractions))
    return d, [f.numerator * (d // f.denominator) for f in fractions]


def _sum_reaches(first: tuple[int, int], ratios: Sequence[tuple[int, int]], q: Fraction) -> bool:
    """Exactly: is ``first * (1 + r_0 + r_0 r_1 + ...)`` at least ``q``? (rationals as pairs).

    ``first`` is pmf(0) and ``r_j`` = pmf(j+1)/pmf(j), each a (numerator, denominator) pair;
    the partial sum is kept over the running product of denominators, so only integers grow.
    """
    total, num, den = 1, 1, 1  # sum_{j<=i} pmf(j)/pmf(0) = total/den, num = pmf(i)/pmf(0) * den
    for top, bottom in ratios:
        num *= top
        total = total * bottom + num
        den *= bottom
    return first[0] * total * q.denominator >= q.numerator * first[1] * den


def _betabinom_reaches(n: int, a: float, b: float, k: int, q: Fraction) -> bool:
    """Exactly: P(X <= k) >= q for X ~ Beta-binomial(n, a, b), a and b the floats' rationals.

    pmf(0) = prod_{i<n} (b+i)/(a+b+i) and pmf(j+1)/pmf(j) = (n-j)(j+a) / ((j+1)(n-j-1+b)).
    """
    d, (a_, b_) = _scaled(a, b)
    first = (math.prod(b_ + i * d for i in range(n)), math.prod(a_ + b_ + i * d for i in range(n)))
    ratios = [((n - j) * (j * d + a_), (j + 1) * ((n - j - 1) * d + b_)) for j in range(k)]
    return _sum_reaches(first, ratios, q)


def _nbinom_reaches_decimal(r: int, rate: float, others: int, k: int, q: Fraction) -> bool:
    """P(X <= k) >= q for X ~ NegativeBinomial(r, rate / (rate + others)), to ~1e-50.

    For counts too large to sum exactly: P(X <= k) = P(Binomial(k + r, p) >= r), one minus
    ``r`` binomial terms, each from the last by (n-j)/(j+1) * p/(1-p), in 60-digit decimals
    from the exact ``rate`` (a float is a finite decimal): absolute error ~1e-55, so only a cdf
    within ~1e-50 of the level (in practice only an exact tie, rarer still at these sizes)
    could be misjudged.
    """
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        n = k + r
        whole = Decimal(rate) + others
        term = ((others / whole).ln() * n).exp()  # (1 - p)^n
        odds = Decimal(rate) / others
        tail = Decimal(0)  # P(Binomial(n, p) < r)
        for j in range(r):
            tail += term
            term = term * (n - j) / (j + 1) * odds
        return 1 - tail >= Decimal(q.numerator) / q.denominator


def _nbinom_reaches(r: int, p: Fraction, k: int, q: Fraction) -> bool:
    """Exactly: P(X <= k) >= q for X ~ NegativeBinomial(r, p), r a whole number.

    pmf(0) = p^r and pmf(j+1)/pmf(j) = (j+r)(1-p)/(j+1).
    """
    top, bottom = p.numerator, p.denominator
    ratios = [((j + r) * (bottom - top), (j + 1) * bottom) for j in range(k)]
    return _sum_reaches((top**r, bottom**r), ratios, q)


@dataclass(frozen=True, slots=True)
class SerialEstimate:
    """Estimates of the number produced from serial numbers seen."""

    observed: int
    maximum: int
    unbiased: float
    posterior_mean: float | None
    posterior_median: int
    credible_interval: tuple[int, int]
    confidence_interval: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """The estimates as plain JSON; ``largest`` is the top serial's place (``max - start + 1``).

        ``unbiased_estimate`` and ``confidence_interval`` are frequentist; the ``posterior_*``
        and ``credible_interval`` fields are Bayesian, so the two intervals need not agree.
        ``posterior_mean`` is ``None`` with fewer than three serials (the mean is infinite).
        """
        return {
            "observed": self.observed,
            "largest": self.maximum,
            "unbiased_estimate": self.unbiased,
            "posterior_mean": self.posterior_mean,
            "posterior_median": self.posterior_median,
            "credible_interval": list(self.credible_interval),
            "confidence_interval": list(self.confidence_interval),
        }


def _log_tail(x: int, m: int, k: int) -> float:
    """Log of P(N > x) = log C(m-1, k-1) - log C(x, k-1), for x >= m: a guide for ``_quantile``.

    ``math.lgamma`` (no SciPy for ``armsctl estimate serials``) differences lose ~1e-16 of
    lgamma(n) ~ n log n, nothing below 2^40 that the exact settling cannot absorb; above it,
    or with at most 1000 serials, the log of the exact ``math.comb`` (correctly rounded, and
    no slower than the exact checks that follow): at 10^18 the lgamma difference would be
    rounding noise, and the doubling search for an upper end would run away.
    """

    def log_comb(n: int, r: int) -> float:
        if r <= 1000 or n >= 2**40:
            return math.log(math.comb(n, r))
        return math.lgamma(n + 1) - math.lgamma(r + 1) - math.lgamma(n - r + 1)

    return log_comb(m - 1, k - 1) - log_comb(x, k - 1)


def _tail_at_most(x: int, m: int, k: int, bound: Fraction) -> bool:
    """Exactly: is P(N > x) = C(m-1, k-1) / C(x, k-1) at most ``bound``? (integers only)."""
    return math.comb(m - 1, k - 1) * bound.denominator <= bound.numerator * math.comb(x, k - 1)


def _quantile(m: int, k: int, q: Fraction) -> int:
    """Smallest n >= m with P(N <= n) >= q under the serial-number posterior, exactly.

    A bisection on the log tail finds the answer to within rounding (``math.lgamma`` of a
    serial near 10^10 is off by ~1e-6, which moves the answer by thousands); a galloping search
    on exact integer comparisons of the tail from there settles it in a few dozen comparisons
    (logarithmic in the rounding's reach), so ties are honoured (with k = 2 and m = 40,
    P(N <= 78) is exactly 1/2 and the median is 78, not 79) at any size.
    """
    bound = 1 - q
    target = math.log(float(bound)) if bound > 0 else -math.inf
    lo, hi = m, m
    while _log_tail(hi, m, k) > target:
        hi = 2 * hi
    lo = _bisect_first(lambda n: _log_tail(n, m, k) <= target, lo, hi)
    return _first_true(lambda n: _tail_at_most(n, m, k, bound), lo, m)


def _first_true(ok: Callable[[int], bool], guess: int, least: int) -> int:
    """The smallest ``n >= least`` with ``ok(n)``, for ``ok`` monotone (false, then true).

    Galloping from ``guess``, an estimate of the answer: steps of 1, 2, 4, ... away from it
    until ``ok`` changes, then a bisection of the last step, so an estimate off by ``d`` costs
    about ``2 log2(d)`` calls of ``ok``.
    """
    if ok(guess):
        hi, step = guess, 1
        while hi - step >= least and ok(hi - step):
            hi, step = hi - step, 2 * step
        lo = max(hi - step, least - 1)  # ok(lo) is false, or lo is below the support
    else:
        lo, step = guess, 1
        while not ok(lo + step):
            lo, step = lo + step, 2 * step
        hi = lo + step
    return _bisect_first(ok, lo + 1, hi)


def estimate_serials(
    serials: Sequence[int], *, start: int = 1, credibility: float = 0.95
) -> SerialEstimate:
    """German-tank estimates of how many were produced, from distinct observed serials.

    Args:
        serials: serial numbers seen (duplicates are counted once).
        start: the first serial number issued (so that serials run ``start .. start + N - 1``).
        credibility: mass of the credible and confidence intervals.

    Raises:
        ParameterError: no serials, or fewer than two (the posterior is improper with one), or a
            serial below ``start``.

    The median and the credible interval are exact at any size: each is found from a float
    estimate and then settled by exact integer comparisons of the posterior tail, at the
    credibility as written in decimal (``_quantile``), in a few dozen comparisons even for
    serials beyond 10^18. The mean, unbiased estimate and confidence interval are floats.
    """
    level = _level(credibility)
    seen = sorted(set(serials))
    if len(seen) < 2:
        raise ParameterError("serials: at least two distinct serial numbers are needed")
    if seen[0] < start:
        raise ParameterError(f"serials: {seen[0]} is below the first serial number {start}")
    k = len(seen)
    m = seen[-1] - start + 1
    unbiased = m + m / k - 1
    mean = (m - 1) * (k - 1) / (k - 2) if k >= 3 else None
    # The credibility as the decimal the user wrote (0.95, not its binary neighbour), so that
    # exact ties in the tails are decided as documented.
    tail = (1 - Fraction(str(level))) / 2
    lo = _quantile(m, k, tail)
    hi = _quantile(m, k, 1 - tail)
    median = _quantile(m, k, Fraction(1, 2))
    conf = (float(m), m * (1 - level) ** (-1.0 / k))
    return SerialEstimate(k, m, unbiased, mean, median, (lo, hi), conf)
