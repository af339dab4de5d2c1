"""Inspection planning: from annual quotas and a site list to a mixed strategy over sites and periods.

The planner sets up the zero-sum game between an inspector, who must spend each type's quota of
inspections on distinct sites of that type in a year split into periods, and an inspectee, who
hides a violation at one site for a window of consecutive periods. With at most one inspection
per site per year the events "site s is inspected in period t" are disjoint, so the detection of
a violation at site ``s`` in window ``W`` is *linear* in the inspection probabilities:
``d_s * sum_{t in W} x[s, t]``, where ``d_s`` is the chance that an inspection of the site finds
the hidden items (exact hypergeometric when only some items are checked). The inspector's
maximin is therefore one linear programme over the marginals ``x`` (HiGHS), whose dual is the
inspectee's optimal mix of sites and windows. Any marginals whose type totals are whole numbers
are realised exactly by systematic sampling (:func:`draw_schedule`).

Reference: R. Avenhaus and M. J. Canty, *Compliance Quantified* (1996), ch. 3-4, for the
site-allocation games this generalises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from armsctl.errors import ParameterError
from armsctl.sites import Site
from armsctl.verification.sampling import detection_probability

__all__ = [
    "InspectionPlan",
    "Quota",
    "Site",
    "draw_schedule",
    "plan_inspections",
    "systematic_sample",
]


@dataclass(frozen=True, slots=True)
class Quota:
    """Inspections of one type the inspector may conduct per year."""

    type: str
    per_year: int

    def __post_init__(self) -> None:
        if isinstance(self.per_year, bool) or not isinstance(self.per_year, int):
            raise ParameterError(f"quota {self.type}: per_year must be a whole number")
        if self.per_year < 0:
            raise ParameterError(f"quota {self.type}: per_year must be >= 0, got {self.per_year}")


@dataclass(frozen=True, slots=True)
class InspectionPlan:
    """The inspector's optimal mixed strategy and what it guarantees.

    ``probabilities[s, t]`` is the chance that site ``s`` is inspected in period ``t``;
    ``visit_detection[s]`` the chance an inspection there finds the violation;
    ``guaranteed`` the detection probability per year against the inspectee's best choice of
    site and window; ``inspectee[s, w]`` the inspectee's optimal mix over sites and windows.
    """

    sites: list[Site]
    quotas: list[Quota]
    periods: int
    window: int
    probabilities: NDArray[np.float64]
    visit_detection: NDArray[np.float64]
    guaranteed: float
    guaranteed_by_type: dict[str, float]
    inspectee: NDArray[np.float64]
    excluded: list[Site] = field(default_factory=list)

    @property
    def site_probability(self) -> NDArray[np.float64]:
        """Chance that each site is inspected at some time in the year."""
        return np.asarray(self.probabilities.sum(axis=1), dtype=np.float64)

    @property
    def site_detection(self) -> NDArray[np.float64]:
        """Per-year detection of a violation at each site, against its worst window."""
        windows = _window_sums(self.probabilities, self.window)
        return np.asarray(windows.min(axis=1) * self.visit_detection, dtype=np.float64)

    def within_years(self, years: int) -> float:
        """Guaranteed chance of detecting a violation kept up for ``years`` years.

        Each year's schedule is drawn afresh, so misses multiply across years.
        """
        if isinstance(years, bool) or not isinstance(years, int) or years < 1:
            raise ParameterError(f"years must be a whole number >= 1, got {years!r}")
        if self.guaranteed >= 1.0:
            return 1.0
        return -math.expm1(years * math.log1p(-self.guaranteed))

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON, with each site's yearly inspection and detection chances.

        Probabilities are floats in [0, 1]; ``guaranteed_detection_per_year`` holds against the
        inspectee's best reply, not on average.
        """
        site_p = self.site_probability
        site_d = self.site_detection
        return {
            "periods": self.periods,
            "window": self.window,
            "guaranteed_detection_per_year": self.guaranteed,
            "guaranteed_by_type": dict(self.guaranteed_by_type),
            "quotas": [{"type": q.type, "per_year": q.per_year} for q in self.quotas],
            "sites": [
                {
                    "site": s.name,
                    "type": s.type,
                    "items": s.items,
                    "inspection_probability": float(site_p[i]),
                    "by_period": [float(v) for v in self.probabilities[i]],
                    "visit_detection": float(self.visit_detection[i]),
                    "detection_per_year": float(site_d[i]),
                    "inspectee_weight": float(self.inspectee[i].sum()),
                }
                for i, s in enumerate(self.sites)
            ],
            "excluded_sites": [s.name for s in self.excluded],
        }


def _window_sums(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    csum = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    return np.asarray(csum[:, window:] - csum[:, :-window], dtype=np.float64)


def plan_inspections(
    sites: Sequence[Site],
    quotas: Sequence[Quota],
    *,
    periods: int = 1,
    window: int | None = None,
    violation_size: int = 1,
    items_checked: int | None = None,
) -> InspectionPlan:
    """Solve the site-and-period inspection game for one year.

    Args:
        sites: the declared sites; a site whose type has no quota cannot be inspected and is
            reported in ``excluded`` (a violation there goes undetected by inspections).
        quotas: inspections per year for each site type (New START: ``type-one`` 10,
            ``type-two`` 8). A quota larger than the number of sites of its type is capped:
            each site is inspected at most once a year.
        periods: how many periods the year is split into (12 for months).
        window: for how many consecutive periods the violation is present; the whole year by
            default. A short window models a violation timed between inspections.
        violation_size: items hidden at the chosen site (not as declared).
        items_checked: items examined per inspection; all of them when omitted.

    Raises:
        ParameterError: negative quotas, a duplicated quota or site, a window longer than the
            year, or no site that could hold the violation.
    """
    n_periods = _whole("periods", periods, 1)
    n_window = n_periods if window is None else _whole("window", window, 1)
    if n_window > n_periods:
        raise ParameterError(f"window ({n_window}) must not exceed periods ({n_periods})")
    size = _whole("violation_size", violation_size, 1)
    checked = None if items_checked is None else _whole("items_checked", items_checked, 1)
    by_type: dict[str, int] = {}
    for q in quotas:
        if q.type in by_type:
            raise ParameterError(f"quota for type {q.type} is given twice")
        by_type[q.type] = q.per_year
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ParameterError(f"site names must be unique; repeated: {', '.join(dup)}")
    kept = [s for s in sites if s.type in by_type]
    excluded = [s for s in sites if s.type not in by_type]
    if not kept:
        raise ParameterError("no site has a type with an inspection quota")

    d = np.array([_visit_detection(s, size, checked) for s in kept])
    if not any(s.items >= size for s in kept):
        raise ParameterError(
            f"violation_size ({size}) exceeds the item count of every inspectable site"
        )
    # The types share nothing but the cheater's choice among them, so each type's game is
    # solved on its own: the overall guarantee is the least of theirs, and solving them apart
    # keeps every type at its own best rather than only at the weakest type's level.
    x = np.zeros((len(kept), n_periods))
    inspectee = np.zeros((len(kept), n_periods - n_window + 1))
    by_type_value: dict[str, float] = {}
    for typ, per_year in by_type.items():
        members = [i for i, s in enumerate(kept) if s.type == typ]
        if not members:
            continue
        sub_x, value, dual = _solve(
            [kept[i] for i in members], per_year, d[members], n_periods, n_window
        )
        x[members] = sub_x
        if dual.size:
            by_type_value[typ] = value
            capable = [m for m in members if d[m] > 0]
            inspectee[capable] = dual.reshape(len(capable), -1)
    worst = min(by_type_value.values())
    weakest = [t for t, v in by_type_value.items() if v <= worst + 1e-9]
    # The inspectee's equilibrium mix lives in the weakest type(s) only.
    weights = np.array([1.0 if s.type in weakest else 0.0 for s in kept])[:, None]
    inspectee = inspectee * weights
    inspectee = inspectee / inspectee.sum()
    return InspectionPlan(
        sites=kept,
        quotas=[Quota(t, q) for t, q in by_type.items()],
        periods=n_periods,
        window=n_window,
        probabilities=x,
        visit_detection=d,
        guaranteed=worst,
        guaranteed_by_type=by_type_value,
        inspectee=inspectee,
        excluded=excluded,
    )


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


def _visit_detection(site: Site, size: int, checked: int | None) -> float:
    """Chance that one inspection of ``site`` finds ``size`` hidden items there."""
    if site.items < size:
        return 0.0  # the site cannot hold the violation; it is not a cheating option
    if checked is None or checked >= site.items:
        return 1.0
    return detection_probability(site.items, size, checked)


def _solve(
    sites: list[Site],
    quota: int,
    d: NDArray[np.float64],
    periods: int,
    window: int,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """One type's maximin linear programme over inspection marginals (variables x[s, t], v)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

    n_sites = len(sites)
    n_x = n_sites * periods
    n_win = periods - window + 1
    # A site with fewer items than the violation cannot hide it (d = 0): not a cheating option.
    capable = np.flatnonzero(d > 0)
    # Cheater options (s, w): v - d_s * sum_{t in w} x[s, t] <= 0.
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    r = 0
    for i in capable:
        for w in range(n_win):
            for t in range(w, w + window):
                rows.append(r)
                cols.append(int(i) * periods + t)
                vals.append(-float(d[i]))
            r += 1
    n_opt = r
    options = csr_matrix((vals, (rows, cols)), shape=(n_opt, n_x))
    v_col = csr_matrix(np.ones((n_opt, 1)))
    # Each site at most once a year: sum_t x[s, t] <= 1.
    once_r = np.repeat(np.arange(n_sites), periods)
    once = coo_matrix((np.ones(n_x), (once_r, np.arange(n_x))), shape=(n_sites, n_x + 1)).tocsr()
    # The type spends its whole quota (capped by its number of sites).
    a_eq = np.zeros((1, n_x + 1))
    a_eq[0, :n_x] = 1.0
    b_eq = [float(min(quota, n_sites))]
    c = np.zeros(n_x + 1)
    c[-1] = -1.0
    bounds = [(0.0, 1.0)] * (n_x + 1)
    res = linprog(
        c,
        A_ub=vstack([hstack([options, v_col]), once]),
        b_ub=np.concatenate([np.zeros(n_opt), np.ones(n_sites)]),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the programme is always feasible and bounded
        raise ParameterError(f"the inspection game could not be solved: {res.message}")
    value = float(res.x[-1])
    dual = np.clip(-np.asarray(res.ineqlin.marginals[:n_opt]), 0.0, None)
    total = dual.sum()
    dual = dual / total if total > 0 else np.full(n_opt, 1.0 / max(n_opt, 1))
    # The maximin is usually not unique (any spread of a whole-year window over the periods is
    # optimal, for one). Among the optimal plans, a second programme picks the one that makes
    # every single period at every site as likely as possible, so that the plan also resists
    # violations shorter than assumed and does not bunch inspections in one period.
    c_idx = np.repeat(capable, periods) * periods + np.tile(np.arange(periods), len(capable))
    k = len(c_idx)
    single = csr_matrix((-np.repeat(d[capable], periods), (np.arange(k), c_idx)), shape=(k, n_x))
    keep = value * (1.0 - 1e-9) - 1e-12
    res2 = linprog(
        c,
        A_ub=vstack(
            [
                hstack([options, csr_matrix((n_opt, 1))]),
                hstack([single, csr_matrix(np.ones((k, 1)))]),
                once,
            ]
        ),
        b_ub=np.concatenate([np.full(n_opt, -keep), np.zeros(k), np.ones(n_sites)]),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    best = res2.x if res2.status == 0 else res.x
    x = np.clip(np.asarray(best[:n_x]), 0.0, 1.0).reshape(n_sites, periods)
    x[x < 1e-12] = 0.0
    return x, value, dual


def systematic_sample(probabilities: NDArray[np.float64], u: float) -> NDArray[np.int64]:
    """Indices picked by systematic sampling with inclusion probabilities ``probabilities``.

    With cumulative sums ``C``, unit ``i`` is picked when an integer lies in
    ``[C_{i-1} - u, C_i - u)``; each unit is then picked with exactly its probability (all must
    be in [0, 1]) and exactly ``sum(probabilities)`` units are picked when that sum is whole.
    """
    if not 0.0 <= u < 1.0:
        raise ParameterError(f"u must lie in [0, 1), got {u}")
    cum = np.concatenate([[0.0], np.cumsum(probabilities)])
    # Round-off in the cumulative sum must not add or drop a unit at an exact integer.
    hits = np.floor(np.round(cum[1:] - u, 9)) - np.floor(np.round(cum[:-1] - u, 9))
    return np.flatnonzero(hits > 0).astype(np.int64)


def draw_schedule(plan: InspectionPlan, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Draw one year's inspections (site name, period) realising the plan's marginals exactly.

    Per type, the sites are picked by systematic sampling on their yearly probabilities (so each
    type uses exactly its quota), then each picked site's period is drawn from its row.
    """
    out: list[tuple[str, int]] = []
    site_p = plan.site_probability
    for quota in plan.quotas:
        members = [i for i, s in enumerate(plan.sites) if s.type == quota.type]
        if not members:
            continue
        picked = systematic_sample(site_p[members], float(rng.random()))
        for k in picked:
            i = members[int(k)]
            row = plan.probabilities[i] / site_p[i]
            out.append((plan.sites[i].name, int(rng.choice(plan.periods, p=row))))
    return sorted(out, key=lambda pair: (pair[1], pair[0]))
