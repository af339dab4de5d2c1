"""Verification burden of a draft: how likely its inspections catch a cheat, and what they cost.

A cheating party hides ``cheat`` items that are not as declared at one site, choosing the site
and inspection type where detection is least likely. An inspection of that site checks
``checks`` items (all of them when not given), so it detects with the exact hypergeometric
probability; the site is visited with probability ``min(q, S) / S`` a year (``q`` inspections
among ``S`` sites of its type). Years are independent. All probabilities come from
:mod:`armsctl.verification.sampling`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from armsctl.errors import ParameterError
from armsctl.sites import Site
from armsctl.treaty.schema import Treaty

__all__ = [
    "Burden",
    "TypeBurden",
    "analysis_burdens",
    "burden_to_dict",
    "synthetic_sites",
    "treaty_years",
    "verification_burden",
]


@dataclass(frozen=True, slots=True)
class TypeBurden:
    """One inspection type: its quota, its sites, the worst site and detection there."""

    type: str
    per_year: int
    sites: int
    worst_site: str
    visit_detection: float
    per_year_detection: float
    life_detection: float
    quota_needed: int | None
    inspector_days: int


@dataclass(frozen=True, slots=True)
class Burden:
    """Detection per year and over the treaty's life, quotas needed, inspector-days."""

    party: str
    cheat: int
    checks: int | None
    years: int
    target: float
    types: list[TypeBurden]
    per_year_detection: float
    life_detection: float
    inspector_days_per_year: int
    assumptions: list[str]


def treaty_years(treaty: Treaty, start: dt.date) -> int:
    """Whole years from ``start`` (or entry into force, if later) to expiry; 10 if open-ended."""
    from armsctl.workbench.schedule import years_until

    expiry = treaty.expiry_on()
    begin = max(start, treaty.dates.entry_into_force)
    if expiry is None:
        return 10
    return max(1, years_until(begin, expiry))


def verification_burden(
    treaty: Treaty,
    party: str,
    sites: list[Site],
    *,
    cheat: int,
    years: int,
    year: int,
    checks: int | None = None,
    target: float = 0.9,
    team_size: int = 10,
    days_per_inspection: int = 1,
) -> Burden:
    """The burden of the draft's quotas for ``year`` against a cheat of ``cheat`` items.

    Args:
        treaty: the draft (its quotas).
        party: the inspected party (needed by per-party quotas).
        sites: the party's sites, each typed by the quota it falls under.
        cheat: items not as declared, hidden at one site (at least 1).
        years: the treaty's remaining life, for the cumulative detection.
        year: the calendar year whose quotas apply.
        checks: items checked per inspection (default: every item at the site).
        target: detection probability over the life that ``quota_needed`` aims at.
        team_size: inspectors per inspection (an assumption: treaty files hold no team size).
        days_per_inspection: days each inspection takes (an assumption too).

    Raises:
        ParameterError: a bad cheat size, target, team size, or no site of any quota's type.
    """
    from armsctl.verification.sampling import (
        SiteQuota,
        annual_detection_probability,
        detection_probability,
        detection_within_years,
    )
    from armsctl.verification.sites import quotas_for_year

    if cheat < 1:
        raise ParameterError(f"cheat must be at least 1 item, got {cheat}")
    if not 0 < target < 1:
        raise ParameterError(f"target must lie strictly between 0 and 1, got {target}")
    if team_size < 1 or days_per_inspection < 1:
        raise ParameterError("team size and days per inspection must be at least 1")
    if checks is not None and checks < 1:
        raise ParameterError(f"checks must be at least 1, got {checks}")
    items = sum(s.items for s in sites)
    quotas = quotas_for_year(treaty, year, party=party, items=items)
    out: list[TypeBurden] = []
    for quota in quotas:
        typed = [s for s in sites if s.type == quota.type]
        if not typed:
            continue
        worst: tuple[float, Site] | None = None
        for site in typed:
            population = max(site.items, cheat)
            sample = population if checks is None else min(checks, population)
            p = detection_probability(population, cheat, sample)
            if worst is None or p < worst[0]:
                worst = (p, site)
        assert worst is not None
        visit, site = worst
        sq = SiteQuota(len(typed), quota.per_year, visit)
        needed = _quota_needed(len(typed), visit, years, target)
        out.append(
            TypeBurden(
                type=quota.type,
                per_year=quota.per_year,
                sites=len(typed),
                worst_site=site.name,
                visit_detection=visit,
                per_year_detection=annual_detection_probability(sq),
                life_detection=detection_within_years(sq, years),
                quota_needed=needed,
                inspector_days=quota.per_year * team_size * days_per_inspection,
            )
        )
    if not out:
        types = ", ".join(q.type for q in quotas) or "none"
        raise ParameterError(f"no site of any inspection type of {treaty.id} (types: {types})")
    assumptions = [
        f"a cheat of {cheat} item(s) not as declared, hidden at the one site where detection "
        "is least likely",
        "inspections pick distinct sites uniformly at random; years are independent",
        (
            "every item at an inspected site is checked"
            if checks is None
            else f"{checks} item(s) checked per inspection, drawn at random"
        ),
        f"inspector-days assume {team_size} inspectors for {days_per_inspection} day(s) per "
        "inspection (not in the treaty file: an assumption)",
    ]
    return Burden(
        party=party,
        cheat=cheat,
        checks=checks,
        years=years,
        target=target,
        types=out,
        per_year_detection=min(t.per_year_detection for t in out),
        life_detection=min(t.life_detection for t in out),
        inspector_days_per_year=sum(t.inspector_days for t in out),
        assumptions=assumptions,
    )


def _quota_needed(sites: int, visit: float, years: int, target: float) -> int | None:
    """The fewest inspections a year reaching ``target`` over ``years``; None if none can."""
    from armsctl.verification.sampling import SiteQuota, detection_within_years

    for q in range(0, sites + 1):
        if detection_within_years(SiteQuota(sites, q, visit), years) >= target:
            return q
    return None


def synthetic_sites(treaty: Treaty, items: int, *, per_type: int = 10) -> list[Site]:
    """A synthetic site list (not real data): ``per_type`` sites per inspection type.

    The ``items`` are shared evenly among the sites of each type (the first sites take the
    remainder), so that detection can be estimated before a party declares its sites.

    Raises:
        ParameterError: ``per_type`` below 1 or negative ``items``.
    """
    if per_type < 1 or items < 0:
        raise ParameterError("synthetic sites need per_type >= 1 and items >= 0")
    sites: list[Site] = []
    for quota in treaty.inspection_quotas:
        base, extra = divmod(items, per_type)
        sites += [
            Site(f"{quota.id} site {i + 1}", quota.id, base + (1 if i < extra else 0))
            for i in range(per_type)
        ]
    return sites


def burden_to_dict(burden: Burden, *, origin: str) -> dict[str, Any]:
    """The burden as JSON-ready data, with where its site list came from as first assumption."""
    from dataclasses import asdict

    data = asdict(burden)
    data["assumptions"] = [origin, *data["assumptions"]]
    return data


def analysis_burdens(
    treaty: Treaty,
    analysis: dict[str, Any],
    *,
    cheat: int,
    checks: int | None = None,
    target: float = 0.9,
    team_size: int = 10,
    days_per_inspection: int = 1,
    sites: list[Site] | None = None,
    origin: str = "",
) -> list[dict[str, Any]]:
    """The burden for every party of an analysis, from the first year after its baseline.

    Without ``sites``, each party gets a synthetic site list (ten sites per inspection type)
    holding what it keeps after the cuts (the largest limit figure left).
    """
    import datetime as dt

    out = []
    for party in analysis["parties"]:
        as_of = dt.date.fromisoformat(party["baseline_as_of"])
        start = max(treaty.dates.entry_into_force, as_of)
        held = max([x["after"] for x in party["limits"]] + [1])
        chosen = sites if sites is not None else synthetic_sites(treaty, held)
        where = origin or (
            f"synthetic site list (not real data): 10 sites per type, {held:,} items "
            "(what the party keeps after the cuts)"
        )
        burden = verification_burden(
            treaty,
            party["party"],
            chosen,
            cheat=cheat,
            years=treaty_years(treaty, start),
            year=start.year,
            checks=checks,
            target=target,
            team_size=team_size,
            days_per_inspection=days_per_inspection,
        )
        out.append(burden_to_dict(burden, origin=where))
    return out
