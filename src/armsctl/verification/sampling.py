"""Exact detection statistics for attribute sampling, stratified sampling and annual quotas.

Everything here is the hypergeometric law of a simple random sample drawn without replacement,
evaluated so that it stays exact for populations up to 10^7 and beyond:

* The *miss* probability (no falsified item in the sample) is the product
  ``prod_{j<k} (1 - s / (N - j))`` with ``k = min(M, n)`` factors (the identity
  ``C(N-M, n) / C(N, n) = C(N-n, M) / C(N, M)`` lets the shorter product be used). Its logarithm is
  summed term by term with ``log1p``, so a detection probability of 10^-7 keeps all its digits,
  and the detection probability is returned as ``-expm1(log miss)``, so one of
  ``1 - 10^-12`` keeps them too.
* When both ``M`` and ``n`` exceed ``EXACT_TERMS`` the miss probability is below
  ``exp(-M n / N)``; for every population that this bound does not already drive to an underflow,
  the log-gamma form is used, whose absolute error (about ``1e-16 * N log N``) is then far below
  the size of the answer.

Parameters are checked first; an impossible one raises ``ParameterError`` naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from armsctl.errors import ParameterError

__all__ = [
    "EXACT_TERMS",
    "Allocation",
    "SiteQuota",
    "allocate_checks",
    "annual_detection_probability",
    "detection_probability",
    "detection_within_years",
    "iaea_sample_size",
    "log_miss_probability",
    "miss_probability",
    "sample_size",
    "stratified_detection_probability",
    "worst_case_placement",
]

EXACT_TERMS = 100_000
"""Above this many factors in both directions the log-gamma form is used (see module docs)."""


def _check_int(name: str, value: object, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_probability(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    p = float(value)
    if not 0.0 < p < 1.0:
        raise ParameterError(f"{name} must lie strictly between 0 and 1, got {value}")
    return p


def _check_case(population: int, defective: int, sample: int) -> tuple[int, int, int]:
    n_pop = _check_int("population", population, minimum=1)
    n_def = _check_int("defective", defective)
    n_smp = _check_int("sample", sample)
    if n_def > n_pop:
        raise ParameterError(f"defective ({n_def}) must not exceed population ({n_pop})")
    if n_smp > n_pop:
        raise ParameterError(f"sample ({n_smp}) must not exceed population ({n_pop})")
    return n_pop, n_def, n_smp


def _log_miss(n_pop: int, n_def: int, n_smp: int) -> float:
    """Log of P(no defective in the sample); parameters already checked."""
    if n_def == 0 or n_smp == 0:
        return 0.0
    if n_smp > n_pop - n_def:
        return -math.inf
    terms, other = (n_def, n_smp) if n_def <= n_smp else (n_smp, n_def)
    if terms <= EXACT_TERMS:
        j = np.arange(terms, dtype=np.float64)
        return float(np.sum(np.log1p(-other / (n_pop - j))))
    if -(n_def * n_smp) / n_pop < -800.0:
        return -math.inf
    from scipy.special import gammaln

    a = n_pop - n_def
    return float(
        (gammaln(a + 1) - gammaln(a - n_smp + 1))
        - (gammaln(n_pop + 1) - gammaln(n_pop - n_smp + 1))
    )


def log_miss_probability(population: int, defective: int, sample: int) -> float:
    """Natural log of the chance that the sample holds none of the defective items.

    Kept in logs so that products over many strata, sites and years neither underflow nor lose
    digits; ``-inf`` means detection is certain.
    """
    return _log_miss(*_check_case(population, defective, sample))


def miss_probability(population: int, defective: int, sample: int) -> float:
    """The chance that a sample of ``sample`` items misses all ``defective`` items (exact)."""
    return math.exp(log_miss_probability(population, defective, sample))


def detection_probability(population: int, defective: int, sample: int) -> float:
    """The chance that a random sample without replacement contains a defective item.

    Exact hypergeometric ``1 - C(N - M, n) / C(N, n)`` computed in log space, accurate to a few
    units in the last place at both ends of [0, 1].

    Args:
        population: items in the population, ``N >= 1``.
        defective: falsified (not-as-declared) items among them, ``0 <= M <= N``.
        sample: items drawn at random without replacement and checked, ``0 <= n <= N``.

    Raises:
        ParameterError: a parameter is negative, or ``defective``/``sample`` exceeds
            ``population``.
    """
    return -math.expm1(log_miss_probability(population, defective, sample))


def sample_size(population: int, defective: int, probability: float) -> int:
    """The smallest sample whose exact detection probability reaches ``probability``.

    A bisection over the sample size (detection is increasing in it), with the comparison made
    on ``log miss <= log(1 - probability)`` so that targets like 0.999999 are honoured exactly.

    Raises:
        ParameterError: ``defective`` is zero (nothing can be detected), exceeds ``population``,
            or ``probability`` is not strictly between 0 and 1.
    """
    n_pop = _check_int("population", population, minimum=1)
    n_def = _check_int("defective", defective, minimum=1)
    if n_def > n_pop:
        raise ParameterError(f"defective ({n_def}) must not exceed population ({n_pop})")
    target = math.log1p(-_check_probability("probability", probability))
    lo, hi = 0, n_pop - n_def + 1  # a sample of hi items always holds a defective one
    while lo < hi:
        mid = (lo + hi) // 2
        if _log_miss(n_pop, n_def, mid) <= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def iaea_sample_size(population: int, defective: int, probability: float) -> float:
    """The IAEA attribute-sampling approximation ``N (1 - beta^(1/M))``, with ``beta = 1 - p``.

    Offered beside :func:`sample_size` because inspectorates quote it; it treats the draws as
    nearly independent and so slightly overstates the sample needed for small populations.
    Returned unrounded so the comparison with the exact answer is visible.
    """
    n_pop = _check_int("population", population, minimum=1)
    n_def = _check_int("defective", defective, minimum=1)
    if n_def > n_pop:
        raise ParameterError(f"defective ({n_def}) must not exceed population ({n_pop})")
    p = _check_probability("probability", probability)
    return -n_pop * math.expm1(math.log1p(-p) / n_def)


def _check_strata(
    populations: Sequence[int], defectives: Sequence[int], samples: Sequence[int]
) -> list[tuple[int, int, int]]:
    if not len(populations) == len(defectives) == len(samples):
        raise ParameterError(
            "populations, defectives and samples must have one entry per stratum "
            f"(got {len(populations)}, {len(defectives)}, {len(samples)})"
        )
    out = []
    for i, case in enumerate(zip(populations, defectives, samples, strict=True)):
        try:
            out.append(_check_case(*case))
        except ParameterError as exc:
            raise ParameterError(f"stratum {i}: {exc}") from None
    return out


def stratified_detection_probability(
    populations: Sequence[int], defectives: Sequence[int], samples: Sequence[int]
) -> float:
    """Detection when each stratum (site, facility) is sampled independently.

    The strata are independent, so the miss probabilities multiply: ``1 - prod_i miss_i``.
    """
    cases = _check_strata(populations, defectives, samples)
    return -math.expm1(sum(_log_miss(*c) for c in cases))


def _marginal_losses(n_pop: int, n_smp: int, upto: int) -> NDArray[np.float64]:
    """Increments of log-miss as defective items are added one by one to a stratum.

    ``log miss(m) = sum_{j<m} log1p(-n / (N - j))``; each increment is more negative than the
    last, so log-miss is concave in ``m`` and a greedy placement is optimal.
    """
    j = np.arange(upto, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.log1p(-n_smp / (n_pop - j))
    return np.where(n_pop - j - n_smp <= 0, -np.inf, inc)


def worst_case_placement(
    populations: Sequence[int], samples: Sequence[int], defective: int
) -> tuple[list[int], float]:
    """Where a cheater puts ``defective`` items to minimise detection, and that detection.

    Because log-miss is concave in the number placed in each stratum, adding items one at a time
    where they cost the least log-miss (a greedy water-filling) is optimal.

    Returns:
        The number placed in each stratum and the resulting (minimum) detection probability.
    """
    if len(populations) != len(samples):
        raise ParameterError("populations and samples must have one entry per stratum")
    total = _check_int("defective", defective)
    if total > sum(populations):
        raise ParameterError(f"defective ({total}) exceeds the total population")
    incs = []
    for i, (n_pop, n_smp) in enumerate(zip(populations, samples, strict=True)):
        try:
            n_pop, _, n_smp = _check_case(n_pop, 0, n_smp)
        except ParameterError as exc:
            raise ParameterError(f"stratum {i}: {exc}") from None
        incs.append(_marginal_losses(n_pop, n_smp, min(total, n_pop)))
    # Merging the per-stratum decreasing sequences and taking the `total` largest increments
    # is the greedy placement.
    labels: NDArray[np.int64] = (
        np.concatenate([np.full(len(a), i, dtype=np.int64) for i, a in enumerate(incs)])
        if incs
        else np.empty(0, dtype=np.int64)
    )
    values = np.concatenate(incs) if incs else np.empty(0)
    order = np.argsort(-values, kind="stable")[:total]
    placed = np.bincount(labels[order], minlength=len(incs))
    log_miss = float(np.sum(values[order])) if total else 0.0
    return [int(x) for x in placed], -math.expm1(log_miss)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Item checks per stratum and the detection they guarantee against the worst placement."""

    samples: list[int]
    placement: list[int]
    guaranteed: float


def allocate_checks(populations: Sequence[int], checks: int, defective: int) -> Allocation:
    """Spread ``checks`` item checks over strata to maximise the worst-case detection.

    The inspector moves first (a published sampling plan), the cheater answers with the placement
    of :func:`worst_case_placement`. The search starts from the proportional allocation (equal
    sampling fractions, which equalise each item's chance of being checked) and improves it by
    moving single checks between strata while the guaranteed detection rises; on small problems
    the result matches exhaustive search (tested).
    """
    pops = [_check_int(f"populations[{i}]", p, minimum=1) for i, p in enumerate(populations)]
    if not pops:
        raise ParameterError("populations must name at least one stratum")
    total = _check_int("checks", checks)
    if total > sum(pops):
        raise ParameterError(f"checks ({total}) exceeds the total population ({sum(pops)})")
    _check_int("defective", defective, minimum=1)
    if defective > sum(pops):
        raise ParameterError(f"defective ({defective}) exceeds the total population")

    grand = sum(pops)
    raw = [total * p / grand for p in pops]
    alloc = [min(math.floor(r), p) for r, p in zip(raw, pops, strict=True)]
    order = sorted(range(len(pops)), key=lambda i: (alloc[i] - raw[i], i))
    for i in order:
        if sum(alloc) >= total:
            break
        if alloc[i] < pops[i]:
            alloc[i] += 1
    while sum(alloc) < total:  # only when rounding left capacity in full strata
        i = next(i for i in range(len(pops)) if alloc[i] < pops[i])
        alloc[i] += 1

    placement, best = worst_case_placement(pops, alloc, defective)
    improved = True
    while improved:
        improved = False
        for src in range(len(pops)):
            for dst in range(len(pops)):
                if src == dst or alloc[src] == 0 or alloc[dst] >= pops[dst]:
                    continue
                trial = list(alloc)
                trial[src] -= 1
                trial[dst] += 1
                place, value = worst_case_placement(pops, trial, defective)
                if value > best + 1e-12:
                    alloc, placement, best, improved = trial, place, value, True
    return Allocation(samples=alloc, placement=placement, guaranteed=best)


@dataclass(frozen=True, slots=True)
class SiteQuota:
    """Inspections of one type per year over the sites eligible for that type.

    ``visit_detection`` is the chance that an inspection of the site holding the violation
    finds it (1 when every item is checked; a hypergeometric value when only some are).
    """

    sites: int
    per_year: int
    visit_detection: float = 1.0

    def __post_init__(self) -> None:
        _check_int("sites", self.sites, minimum=1)
        _check_int("per_year", self.per_year)
        if not 0.0 <= self.visit_detection <= 1.0:
            raise ParameterError(f"visit_detection must lie in [0, 1], got {self.visit_detection}")


def annual_detection_probability(quota: SiteQuota) -> float:
    """Chance of detecting a violation at one site of this type within one year.

    Inspections pick distinct sites uniformly at random, so the violating site is visited with
    probability ``min(q, S) / S``, and the visit then detects with ``visit_detection``.
    """
    return min(quota.per_year, quota.sites) / quota.sites * quota.visit_detection


def detection_within_years(quota: SiteQuota | Sequence[SiteQuota], years: int) -> float:
    """Chance that a violation kept at one site is detected within ``years`` years.

    Years are independent draws, so the miss probability is ``(1 - p)^k``. Given several quotas
    (one per site type, e.g. New START's ten Type One and eight Type Two inspections), the
    cheater picks the type where detection is least likely, and that worst case is returned.
    """
    k = _check_int("years", years, minimum=1)
    quotas = [quota] if isinstance(quota, SiteQuota) else list(quota)
    if not quotas:
        raise ParameterError("quota must name at least one site type")
    worst = min(annual_detection_probability(q) for q in quotas)
    if worst >= 1.0:
        return 1.0
    return -math.expm1(k * math.log1p(-worst))
