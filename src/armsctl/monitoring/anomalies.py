"""Anomalies over time: CUSUM on balance differences, breaks, frozen sites, round numbers, totals.

Safeguards accountancy closes a material balance each period: book inventory minus physical
inventory is the *material unaccounted for* (MUF), and a sequence of MUFs is tested with Page's
(1954) CUSUM because a small loss every period is invisible in any single one. Here the book is
what the notifications imply and the physical inventory is what the next declaration says: the
balance difference of a category over a period is the declared change minus the notified net
change (items added, less items removed or eliminated). Standardised by ``sigma`` (the noise a
party can explain: items in transit at the declaration date, notifications crossing it), the
differences feed a two-sided CUSUM

    S+_j = max(0, S+_{j-1} + z_j - k),  S-_j = max(0, S-_{j-1} - z_j - k),  alarm when > h.

The false-alarm rate is stated as the in-control average run length (ARL0, periods between false
alarms) computed by the Brook & Evans (1972) Markov chain, checked against a Nyström solution of
the ARL integral equation and Siegmund's (1985) approximation; for a two-sided scheme
``1/ARL = 1/ARL+ + 1/ARL-``.

Every flag carries a sentence saying what was seen, what was expected and why it is unusual.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from armsctl.errors import ParameterError
from armsctl.inventory.model import ALL_ZONES, ComponentKey, DeclarationSet
from armsctl.notifications.model import Notification

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BalanceDifference",
    "CusumResult",
    "Flag",
    "TotalRow",
    "arl_integral",
    "arl_markov",
    "arl_siegmund",
    "arl_simulated",
    "balance_differences",
    "check_totals",
    "cusum",
    "cusum_flags",
    "declaration_totals",
    "detect",
    "false_alarm_probability",
    "false_alarm_simulated",
    "false_alarm_union_bound",
    "frozen_sites",
    "round_numbers",
    "series_breaks",
    "site_series",
]

ADDS = ("item-added",)
REMOVES = ("item-removed", "item-eliminated")


@dataclass(frozen=True, slots=True)
class Flag:
    """One anomaly, explained in a sentence; ``score`` orders flags of one kind."""

    kind: str
    party: str
    subject: str
    explanation: str
    score: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The flag as plain JSON, for ``--json`` output and the web's monitoring page."""
        return asdict(self)


def _check_cusum(k: float, h: float) -> None:
    if not k >= 0:
        raise ParameterError(f"k: the reference value must be >= 0, not {k}")
    if not h > 0:
        raise ParameterError(f"h: the decision interval must be > 0, not {h}")


# --- average run lengths ----------------------------------------------------------------------


def arl_markov(k: float, h: float, mu: float = 0.0, *, states: int = 400) -> float:
    """One-sided CUSUM ARL for N(mu, 1) increments, by the Brook & Evans Markov chain.

    ``[0, h]`` is cut into ``states`` cells (the first is the atom at 0); the ARL from 0 is the
    first entry of ``(I - R)^{-1} 1`` with ``R`` the transitions among non-alarm cells.
    """
    import numpy as np
    from scipy.special import ndtr  # scipy.stats.norm.cdf itself, without loading scipy.stats

    _check_cusum(k, h)
    m = int(states)
    w = 2 * h / (2 * m - 1)
    centres = np.arange(m) * w
    diff = centres[None, :] - centres[:, None]  # j - i, in value
    upper = ndtr(diff + w / 2 + k - mu)
    lower = ndtr(diff - w / 2 + k - mu)
    r = upper - lower
    r[:, 0] = ndtr(-centres + w / 2 + k - mu)
    arl = np.linalg.solve(np.eye(m) - r, np.ones(m))
    return float(arl[0])


def arl_integral(k: float, h: float, mu: float = 0.0, *, nodes: int = 64) -> float:
    """The same ARL from the integral equation, by Gauss-Legendre Nyström quadrature.

    ``L(u) = 1 + L(0) Φ(k - u - mu) + ∫_0^h L(x) φ(x - u + k - mu) dx``; an independent
    reference for :func:`arl_markov` (Goel & Wu 1971; Vance 1986).
    """
    import numpy as np
    from scipy.stats import norm

    _check_cusum(k, h)
    x, wts = np.polynomial.legendre.leggauss(int(nodes))
    x = (x + 1) * h / 2
    wts = wts * h / 2
    # Unknowns: L(0) then L(x_i).
    pts = np.concatenate([[0.0], x])
    a = np.zeros((len(pts), len(pts)))
    a[:, 0] = norm.cdf(k - pts - mu)
    a[:, 1:] = wts[None, :] * norm.pdf(x[None, :] - pts[:, None] + k - mu)
    sol = np.linalg.solve(np.eye(len(pts)) - a, np.ones(len(pts)))
    return float(sol[0])


def arl_siegmund(k: float, h: float, mu: float = 0.0) -> float:
    """Siegmund's (1985) approximation: ``(e^{-2Δb} + 2Δb - 1) / (2Δ²)``, Δ = mu - k, b = h + 1.166."""
    import math

    _check_cusum(k, h)
    delta, b = mu - k, h + 1.166
    if abs(delta) < 1e-12:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


def arl_simulated(
    k: float,
    h: float,
    mu: float = 0.0,
    *,
    runs: int = 2000,
    seed: int = 0,
    max_steps: int = 100_000,
) -> tuple[float, float]:
    """Monte Carlo ARL and its standard error, running ``runs`` one-sided CUSUMs in parallel."""
    import numpy as np

    _check_cusum(k, h)
    rng = np.random.default_rng(seed)
    s = np.zeros(runs)
    length = np.zeros(runs, dtype=np.int64)
    alive = np.ones(runs, dtype=bool)
    for step in range(1, max_steps + 1):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        s[idx] = np.maximum(0.0, s[idx] + rng.standard_normal(idx.size) + mu - k)
        stop = idx[s[idx] > h]
        length[stop] = step
        alive[stop] = False
    length[alive] = max_steps
    return float(length.mean()), float(length.std(ddof=1) / np.sqrt(runs))


def _two_sided_chain(k: float, h: float, mu: float, cells: int) -> Any:
    """The two-sided CUSUM as one Markov chain on the grid of ``(S+, S-)`` cells.

    Both sides are driven by the same increment ``z``, so they are dependent (after a large
    ``z`` one side rises while the other is reset); the chain tracks them jointly. Each side's
    ``[0, h]`` is cut as in :func:`arl_markov` (an atom at 0, then ``cells - 1`` cells of width
    ``w``, centres ``i w``). From a state ``(a, b)`` (cell centres) the increments at which either
    side changes cell split the real line into segments; each segment moves the pair to one cell
    pair (or past ``h``: an alarm, absorbed), with the normal probability of the segment.
    Returns the sparse sub-stochastic matrix among non-alarm states.
    """
    import numpy as np
    from scipy.sparse import coo_array
    from scipy.stats import norm

    m = int(cells)
    w = 2 * h / (2 * m - 1)
    centres = np.arange(m) * w
    a = np.repeat(centres, m)  # state index s = i * m + j: S+ in cell i, S- in cell j
    b = np.tile(centres, m)
    edges = centres + w / 2  # upper edge of each cell; the last is h
    # S+' = max(0, a + z - k) changes cell at z = edge - a + k; S-' = max(0, b - z - k) at
    # z = b - k - edge.
    cuts = np.concatenate(
        [edges[None, :] - a[:, None] + k, b[:, None] - k - edges[None, :]], axis=1
    )
    cuts.sort(axis=1)
    lo = np.concatenate([np.full((m * m, 1), -np.inf), cuts], axis=1)
    hi = np.concatenate([cuts, np.full((m * m, 1), np.inf)], axis=1)
    finite_lo = np.where(np.isfinite(lo), lo, hi - 1.0)
    finite_hi = np.where(np.isfinite(hi), hi, lo + 1.0)
    mid = (finite_lo + finite_hi) / 2
    up = np.maximum(0.0, a[:, None] + mid - k)
    down = np.maximum(0.0, b[:, None] - mid - k)
    prob = norm.cdf(hi - mu) - norm.cdf(lo - mu)
    keep = (up <= h) & (down <= h) & (prob > 0)
    i_new = np.minimum(np.floor((up + w / 2) / w), m - 1).astype(np.int64)
    j_new = np.minimum(np.floor((down + w / 2) / w), m - 1).astype(np.int64)
    rows = np.broadcast_to(np.arange(m * m)[:, None], keep.shape)[keep]
    cols = (i_new * m + j_new)[keep]
    return coo_array((prob[keep], (rows, cols)), shape=(m * m, m * m)).tocsr()


def false_alarm_probability(k: float, h: float, periods: int, *, cells: int = 100) -> float:
    """P(a two-sided CUSUM alarms within ``periods`` when nothing is wrong).

    Computed from the joint Markov chain of both sides (``_two_sided_chain``, a two-dimensional
    Brook & Evans discretisation): the mass absorbed after ``periods`` steps from ``(0, 0)``.
    This is not a bound: for ``k = 0.5, h = 4`` and 250 periods it gives 0.78, matching Monte
    Carlo, where the union bound :func:`false_alarm_union_bound` saturates at 1. The only
    error is the discretisation's, which falls with ``cells`` (measured in the tests and
    docs/verification.md: below 0.005 at the default 100 cells for these parameters).
    """
    import numpy as np

    _check_cusum(k, h)
    n = _periods(periods)
    m = int(cells)
    if m < 2:
        raise ParameterError(f"cells must be at least 2, got {cells}")
    chain = _two_sided_chain(k, h, 0.0, m).T.tocsr()
    dist = np.zeros(m * m)
    dist[0] = 1.0
    for _ in range(n):
        dist = chain @ dist
    return float(min(1.0, max(0.0, 1.0 - dist.sum())))


def false_alarm_union_bound(k: float, h: float, periods: int, *, states: int = 400) -> float:
    """An upper bound on :func:`false_alarm_probability`: twice the one-sided probability.

    The one-sided probability comes from the Brook & Evans chain (the mass absorbed after
    ``periods`` steps); the union of the two sides alarms at most twice as often. Labelled a
    bound because it is one: it saturates at 1 long before the true probability does.
    """
    import numpy as np
    from scipy.stats import norm

    _check_cusum(k, h)
    n = _periods(periods)
    m = int(states)
    w = 2 * h / (2 * m - 1)
    centres = np.arange(m) * w
    diff = centres[None, :] - centres[:, None]
    r = norm.cdf(diff + w / 2 + k) - norm.cdf(diff - w / 2 + k)
    r[:, 0] = norm.cdf(-centres + w / 2 + k)
    dist = np.zeros(m)
    dist[0] = 1.0
    for _ in range(n):
        dist = dist @ r
    return float(min(1.0, 2 * (1.0 - dist.sum())))


def false_alarm_simulated(
    k: float, h: float, periods: int, *, runs: int = 20_000, seed: int = 0
) -> tuple[float, float]:
    """Monte Carlo false-alarm probability of the two-sided CUSUM and its standard error."""
    import numpy as np

    _check_cusum(k, h)
    n = _periods(periods)
    rng = np.random.default_rng(seed)
    up = np.zeros(runs)
    down = np.zeros(runs)
    alarmed = np.zeros(runs, dtype=bool)
    for _ in range(n):
        z = rng.standard_normal(runs)
        up = np.maximum(0.0, up + z - k)
        down = np.maximum(0.0, down - z - k)
        alarmed |= (up > h) | (down > h)
    p = float(alarmed.mean())
    return p, float(np.sqrt(p * (1 - p) / runs))


def _periods(periods: object) -> int:
    if isinstance(periods, bool) or not isinstance(periods, int) or periods < 0:
        raise ParameterError(f"periods must be a whole number >= 0, got {periods!r}")
    return periods


# --- CUSUM ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CusumResult:
    """The two CUSUM paths, the periods at which they alarmed, and the stated false-alarm rate."""

    upper: list[float]
    lower: list[float]
    alarms: list[tuple[int, str]]
    k: float
    h: float
    arl0: float

    @property
    def false_alarm_rate(self) -> float:
        """Expected false alarms per period (1 / two-sided ARL0)."""
        return 1.0 / self.arl0


def cusum(z: Sequence[float], *, k: float = 0.5, h: float = 5.0) -> CusumResult:
    """Page's two-sided CUSUM on standardised values ``z``; each side restarts after an alarm."""
    _check_cusum(k, h)
    up = lo = 0.0
    upper: list[float] = []
    lower: list[float] = []
    alarms: list[tuple[int, str]] = []
    for j, value in enumerate(z):
        up = max(0.0, up + value - k)
        lo = max(0.0, lo - value - k)
        upper.append(up)
        lower.append(lo)
        if up > h:
            alarms.append((j, "upper"))
            up = 0.0
        if lo > h:
            alarms.append((j, "lower"))
            lo = 0.0
    one_sided = arl_markov(k, h)
    return CusumResult(upper, lower, alarms, k, h, one_sided / 2)


# --- balance differences ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BalanceDifference:
    """Declared change minus notified net change, for one category over one period."""

    party: str
    category: str
    start: dt.date
    end: dt.date
    declared_change: int
    notified_change: int

    @property
    def difference(self) -> int:
        """Declared minus notified net change: positive when holdings grew more than notified.

        Zero means the notifications account for the change; any other value is unexplained.
        """
        return self.declared_change - self.notified_change


def _category_totals(declarations: DeclarationSet, party: str) -> dict[dt.date, dict[str, int]]:
    totals: dict[dt.date, dict[str, int]] = {}
    for decl in declarations.for_party(party):
        if decl.status != "provided":
            continue
        per: dict[str, int] = {}
        for key, figure in decl.components.items():
            if key.quantity == "count" and key.zone == ALL_ZONES:
                per[key.category] = per.get(key.category, 0) + figure.value
        if per:
            totals[decl.as_of] = per
    return totals


def balance_differences(
    declarations: DeclarationSet, notifications: Iterable[Notification]
) -> list[BalanceDifference]:
    """Balance differences of every party and category between successive declarations.

    Notifications count when provided (received and not rejected), by event time in the window
    ``[start, end)`` of UTC days; additions add one, removals and eliminations subtract one.
    """
    notes = [n for n in notifications if n.provided_at is not None]
    out: list[BalanceDifference] = []
    for party in declarations.parties():
        totals = _category_totals(declarations, party)
        days = sorted(totals)
        categories = sorted({c for t in totals.values() for c in t})
        for start, end in itertools.pairwise(days):
            lo = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
            hi = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)
            notified: dict[str, int] = {}
            for n in notes:
                if n.sender != party or not lo <= n.event_time < hi:
                    continue
                sign = 1 if n.event in ADDS else -1 if n.event in REMOVES else 0
                cat = n.fields.get("category", "")
                notified[cat] = notified.get(cat, 0) + sign
            for cat in categories:
                out.append(
                    BalanceDifference(
                        party,
                        cat,
                        start,
                        end,
                        totals[end].get(cat, 0) - totals[start].get(cat, 0),
                        notified.get(cat, 0),
                    )
                )
    return out


def cusum_flags(
    differences: Sequence[BalanceDifference], *, sigma: float = 1.0, k: float = 0.5, h: float = 5.0
) -> list[Flag]:
    """A flag for each CUSUM alarm in each party's and category's balance-difference series."""
    if not sigma > 0:
        raise ParameterError(f"sigma: must be > 0, not {sigma}")
    series: dict[tuple[str, str], list[BalanceDifference]] = {}
    for b in differences:
        series.setdefault((b.party, b.category), []).append(b)
    flags: list[Flag] = []
    for (party, cat), items in sorted(series.items()):
        items.sort(key=lambda b: b.start)
        result = cusum([b.difference / sigma for b in items], k=k, h=h)
        for j, side in result.alarms:
            b = items[j]
            total = sum(x.difference for x in items[: j + 1])
            flags.append(
                Flag(
                    "cusum",
                    party,
                    f"{cat} to {b.end}",
                    (
                        f"{party} {cat}: the balance differences (declared change minus notified "
                        f"change) accumulate {'upwards' if side == 'upper' else 'downwards'} to an "
                        f"alarm at the period ending {b.end} (CUSUM k={k}, h={h} in units of "
                        f"sigma={sigma}; cumulative difference {total:+d} items). With nothing "
                        f"wrong this scheme false-alarms once every {result.arl0:,.0f} periods."
                    ),
                    float(max(result.upper[j], result.lower[j])),
                    {"side": side, "period_end": b.end.isoformat(), "arl0": result.arl0},
                )
            )
    return flags


def series_breaks(differences: Sequence[BalanceDifference], *, tolerance: int = 0) -> list[Flag]:
    """A category whose declared count moved by more than its notifications explain."""
    flags = []
    for b in differences:
        if abs(b.difference) > tolerance:
            flags.append(
                Flag(
                    "series-break",
                    b.party,
                    f"{b.category} {b.start}..{b.end}",
                    (
                        f"{b.party} {b.category}: declared count changed by {b.declared_change:+d} "
                        f"between {b.start} and {b.end}, but the notifications in between account "
                        f"for {b.notified_change:+d} ({b.difference:+d} unexplained)"
                    ),
                    float(abs(b.difference)),
                    {"declared": b.declared_change, "notified": b.notified_change},
                )
            )
    return flags


# --- frozen sites, round numbers ---------------------------------------------------------------


def frozen_sites(
    site_series: dict[tuple[str, str], dict[dt.date, int]],
    *,
    min_declarations: int = 3,
    min_years: float = 2.0,
    alpha: float = 0.01,
) -> list[Flag]:
    """Sites whose counts never change while the party's other sites do.

    ``site_series`` maps (party, site) to the site's total count at each declaration date. For
    each party the per-period change rate ``q`` is pooled over its other sites; a site unchanged
    over ``m`` periods would be so with probability ``(1 - q)^m`` if it behaved like them, and is
    flagged when that is below ``alpha``.
    """
    flags: list[Flag] = []
    parties = sorted({p for p, _ in site_series})
    for party in parties:
        sites = {s: v for (p, s), v in site_series.items() if p == party}
        days = sorted({d for v in sites.values() for d in v})
        if len(days) < min_declarations or (days[-1] - days[0]).days < min_years * 365.25:
            continue
        changes: dict[str, tuple[int, int]] = {}
        for site, values in sites.items():
            seq = [values.get(d, 0) for d in days]
            moved = sum(a != b for a, b in itertools.pairwise(seq))
            changes[site] = (moved, len(seq) - 1)
        for site, (moved, periods) in sorted(changes.items()):
            if moved or not any(sites[site].values()):
                continue
            others = [c for s, c in changes.items() if s != site]
            q = sum(c[0] for c in others) / max(1, sum(c[1] for c in others))
            p_value = (1 - q) ** periods
            if p_value < alpha:
                flags.append(
                    Flag(
                        "frozen-site",
                        party,
                        site,
                        (
                            f"{party} site {site} reports the same count ({sites[site][days[-1]]}) "
                            f"in all {len(days)} declarations from {days[0]} to {days[-1]}, while "
                            f"the party's other sites change in {q:.0%} of periods; unchanged "
                            f"that long by chance: p = {p_value:.2g}"
                        ),
                        float(-p_value),
                        {"p_value": p_value, "change_rate_elsewhere": q},
                    )
                )
    return flags


def round_numbers(
    figures: Sequence[tuple[str, int]],
    *,
    party: str,
    base: int = 10,
    minimum: int = 20,
    alpha: float = 0.01,
) -> list[Flag]:
    """Too many figures that are multiples of ``base`` for honest counting.

    Among figures of at least ``minimum`` the last digit of a real count is close to uniform, so
    the number of multiples of ``base`` is Binomial(n, 1/base); the flag gives the exact tail
    probability P(X >= observed).
    """
    from scipy.special import betainc

    if base < 2:
        raise ParameterError(f"base: must be at least 2, not {base}")
    eligible = [(label, v) for label, v in figures if v >= minimum]
    n = len(eligible)
    hits = [label for label, v in eligible if v % base == 0]
    if n < 5:
        return []
    # P(X >= x) for X ~ Binomial(n, p) is the regularised incomplete beta I_p(x, n - x + 1):
    # the very function scipy.stats' binom.sf evaluates, bit for bit, without loading
    # scipy.stats (0.4 s of start-up).
    x = len(hits)
    p_value = float(betainc(x, n - x + 1, 1 / base)) if x else 1.0
    if p_value >= alpha:
        return []
    return [
        Flag(
            "round-numbers",
            party,
            f"{len(hits)} of {n} figures",
            (
                f"{party}: {len(hits)} of {n} figures of at least {minimum} are multiples of "
                f"{base} ({', '.join(hits[:6])}{'...' if len(hits) > 6 else ''}); honest counts "
                f"would give about {n / base:.1f}; chance of {len(hits)} or more: p = {p_value:.2g}"
            ),
            float(-p_value),
            {"p_value": p_value, "multiples": len(hits), "figures": n},
        )
    ]


# --- totals ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TotalRow:
    """A printed total and the parts it should be the sum of (one row of an aggregate table)."""

    table: str
    label: str
    parts: dict[str, int]
    printed_total: int
    party: str = ""


def check_totals(rows: Iterable[TotalRow]) -> list[Flag]:
    """Rows whose printed total is not the sum of their parts (a data-quality flag)."""
    flags = []
    for row in rows:
        total = sum(row.parts.values())
        if total != row.printed_total:
            parts = " + ".join(f"{k} {v}" for k, v in row.parts.items())
            flags.append(
                Flag(
                    "total-mismatch",
                    row.party,
                    f"{row.table}: {row.label}",
                    (
                        f"{row.table}, {row.label}: printed total {row.printed_total} but the parts "
                        f"add up to {total} ({parts}); difference {row.printed_total - total:+d}"
                    ),
                    float(abs(row.printed_total - total)),
                )
            )
    return flags


def declaration_totals(declarations: DeclarationSet) -> list[TotalRow]:
    """For aggregate declarations that print a limit's figure and every component behind it."""
    from armsctl.compliance.engine import rule_weights

    rows = []
    treaty = declarations.treaty
    for decl in declarations.declarations:
        if decl.kind != "aggregate" or decl.status != "provided":
            continue
        for limit_id, figure in decl.limits.items():
            try:
                weights = rule_weights(treaty.counting_rule(limit_id))
            except KeyError:
                continue
            if not weights or not all(k in decl.components for k in weights):
                continue
            parts = {_label(k, w): w * decl.components[k].value for k, w in sorted(weights.items())}
            rows.append(
                TotalRow(
                    f"{decl.party} as of {decl.as_of}", limit_id, parts, figure.value, decl.party
                )
            )
    return rows


def _label(key: ComponentKey, weight: int) -> str:
    name = f"{key.category}/{key.status}" + ("" if key.quantity == "count" else f"/{key.quantity}")
    return name if weight == 1 else f"{weight}x {name}"


def site_series(declared: pa.Table) -> dict[tuple[str, str], dict[dt.date, int]]:
    """Each (party, site)'s total declared items at each of the party's declaration dates.

    ``declared`` is the table of declared counts (:func:`armsctl.monitoring.io.declared_counts`),
    passed in so that this check reads no file.
    """
    out: dict[tuple[str, str], dict[dt.date, int]] = {}
    dates: dict[str, set[dt.date]] = {}
    for r in declared.to_pylist():
        dates.setdefault(r["party"], set()).add(r["as_of"])
        if r["site"] is not None:
            series = out.setdefault((r["party"], r["site"]), {})
            series[r["as_of"]] = series.get(r["as_of"], 0) + int(r["declared"])
    for (party, _site), series in out.items():
        for day in dates[party]:
            series.setdefault(day, 0)
    return out


def detect(
    declarations: DeclarationSet,
    notifications: Sequence[Notification] | None = None,
    *,
    sigma: float = 1.0,
    k: float = 0.5,
    h: float = 5.0,
    tolerance: int = 0,
    declared: pa.Table | None = None,
) -> list[Flag]:
    """Every anomaly check that the inputs allow, flags ordered by kind then strength.

    The site checks (frozen sites, round site counts) need the declared counts per site of
    item-level declarations, ``declared`` (read by :func:`armsctl.monitoring.io.declared_counts`);
    without it they are skipped, as they are for aggregate declarations.
    """
    flags: list[Flag] = []
    if notifications is not None:
        diffs = balance_differences(declarations, notifications)
        flags += cusum_flags(diffs, sigma=sigma, k=k, h=h)
        flags += series_breaks(diffs, tolerance=tolerance)
    if declared is not None:
        series = site_series(declared)
        flags += frozen_sites(series)
        for party in declarations.parties():
            latest = max((d for (p, _), v in series.items() if p == party for d in v), default=None)
            figures = [
                (f"{site}={v[latest]}", v[latest])
                for (p, site), v in sorted(series.items())
                if p == party and latest is not None
            ]
            flags += round_numbers(figures, party=party)
    for party in declarations.parties():
        figures = [
            (f"{d.as_of} {name}={fig.value}", fig.value)
            for d in declarations.for_party(party)
            if d.kind == "aggregate"
            for name, fig in d.limits.items()
        ]
        flags += round_numbers(figures, party=party)
    flags += check_totals(declaration_totals(declarations))
    return sorted(flags, key=lambda f: (f.kind, -f.score, f.party, f.subject))
