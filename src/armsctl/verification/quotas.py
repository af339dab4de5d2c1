"""The one quota calculator: how many inspections of a type a year allows, and who counts them.

The planner (``verification.sites``), the server (``service.inspections``) and the exercises all
ask this module, so that they cannot disagree. A treaty's ``[[inspection_quotas]]`` entry gives
one of three rules, read here as follows:

* ``per_year``: a fixed number each year;
* ``per_party``: a table by party code or by party group (Open Skies: ``blr-rus`` for Belarus
  and Russia together);
* ``units_per_inspection``: one inspection for every N declared units or portion thereof,
  capped by ``max_per_year`` (Vienna Document evaluation visits: one per 60 units reported,
  at most 15), from the inspected party's declared number of units.

Whose quota it is follows ``kind``: an ``active`` quota is the inspecting party's right to
conduct, counted per inspecting party; a ``passive`` quota is the inspected party's obligation
to accept, counted per inspected party over every inspecting party (its per-party key is the
inspected party); ``both`` is counted like an active one. ``max_from_same_party`` (and
``share_from_same_party``, the Vienna Document's one fifth but at least one) caps how many of a
passive quota one inspecting party may use against one inspected party.

Dates: a quota applies from ``starts`` (or the treaty's entry into force when it names no start)
and not in any year wholly after the treaty's expiry (after every agreed extension). Quota years are calendar years; in the
year a quota starts it applies in full, from its start date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from armsctl.errors import InputError, Problem
from armsctl.treaty import Treaty
from armsctl.treaty.schema import InspectionQuota

__all__ = ["UNITS_FIGURE", "Allowance", "allowance", "quota_rule", "refusal"]

UNITS_FIGURE = "units"
"""The declaration figure a unit-based quota counts (the inspected party's reported units)."""


@dataclass(frozen=True, slots=True)
class Allowance:
    """One quota for one year and one party, and how its use is counted.

    ``counted_by`` says whose inspections use it up: the ``inspecting`` party's own (active) or
    every inspection of the ``inspected`` party (passive). ``basis`` is a sentence saying where
    the number comes from, for refusals and reports.
    """

    quota: str
    year: int
    allowed: int
    counted_by: Literal["inspecting", "inspected"]
    max_from_same_party: int | None
    starts: dt.date
    basis: str


def quota_rule(treaty: Treaty, quota_id: str) -> InspectionQuota:
    """The treaty's quota entry ``quota_id``, or an ``InputError`` listing the known ones."""
    quota = next((q for q in treaty.inspection_quotas if q.id == quota_id), None)
    if quota is None:
        known = ", ".join(q.id for q in treaty.inspection_quotas) or "none"
        raise InputError([Problem("", "type", f"unknown inspection type (known: {known})")])
    return quota


def _per_party(treaty: Treaty, quota: InspectionQuota, party: str) -> tuple[int, str]:
    if party in quota.per_party:
        return quota.per_party[party], f"{quota.per_party[party]} for {party}"
    for group, members in treaty.parties.groups.items():
        if party in members and group in quota.per_party:
            n = quota.per_party[group]
            return n, f"{n} for the group {group} ({', '.join(members)}), which includes {party}"
    raise InputError(
        [Problem("", "type", f"{quota.id} sets no number for {party} (a per-party quota)")]
    )


def allowance(
    treaty: Treaty,
    quota_id: str,
    year: int,
    *,
    inspecting: str | None = None,
    inspected: str | None = None,
    declared_units: int | None = None,
) -> Allowance:
    """How many inspections of ``quota_id`` the year allows, and who they are counted against.

    Args:
        treaty: the treaty whose quota it is.
        quota_id: the quota (inspection type) id.
        year: the calendar year of the quota.
        inspecting: the inspecting party (needed for a per-party active quota).
        inspected: the inspected party (needed for a per-party passive quota).
        declared_units: the inspected party's declared units (needed for a unit-based quota).

    Raises:
        InputError: an unknown quota, or a party or figure the rule needs is missing.
    """
    quota = quota_rule(treaty, quota_id)
    passive = quota.kind == "passive"
    counted_by: Literal["inspecting", "inspected"] = "inspected" if passive else "inspecting"
    starts = quota.starts or treaty.dates.entry_into_force
    expiry = treaty.expiry_on()
    capped = quota.max_from_same_party is not None or quota.share_from_same_party is not None

    def result(n: int, basis: str) -> Allowance:
        # The Vienna Document's one fifth (at least one) depends on the year's number.
        cap = quota.from_same_party(n) if capped else None
        return Allowance(quota.id, year, n, counted_by, cap, starts, basis)

    if year < starts.year:
        return result(0, f"{quota.id} applies from {starts.isoformat()}")
    if expiry is not None and year > (expiry - dt.timedelta(days=1)).year:
        return result(0, f"the treaty no longer applies from {expiry.isoformat()}")
    if quota.per_year is not None:
        return result(quota.per_year, f"{quota.per_year} a year ({quota.article})")
    if quota.per_party:
        party = inspected if passive else inspecting
        if party is None:
            side = "inspected" if passive else "inspecting"
            raise InputError(
                [Problem("", "type", f"{quota.id} is set per party: give the {side} party")]
            )
        n, basis = _per_party(treaty, quota, party)
        return result(n, f"{basis} ({quota.article})")
    per = quota.units_per_inspection or 1
    if declared_units is None:
        raise InputError(
            [
                Problem(
                    "",
                    "type",
                    f"{quota.id} is one per {per} declared units: it needs the "
                    f"{'inspected' if passive else 'inspecting'} party's declared units",
                )
            ]
        )
    if isinstance(declared_units, bool) or declared_units < 0:
        raise InputError([Problem("", "units", f"must be a whole number >= 0: {declared_units}")])
    n = math.ceil(declared_units / per)
    basis = f"one per {per} declared units or portion thereof: {declared_units} units give {n}"
    if quota.max_per_year is not None and n > quota.max_per_year:
        n = quota.max_per_year
        basis += f", capped at {n}"
    return result(n, f"{basis} ({quota.article})")


def refusal(
    rule: Allowance,
    *,
    used: int,
    used_from_same_party: int = 0,
    when: dt.date | None = None,
) -> str | None:
    """Why one more inspection would break ``rule``, or ``None`` if it is allowed.

    Args:
        rule: the year's allowance.
        used: inspections already counted against it (by ``rule.counted_by``).
        used_from_same_party: of those, the ones by the same inspecting party against the same
            inspected party (checked against ``max_from_same_party``).
        when: the date of the inspection, if known (must not be before the quota starts).
    """
    if when is not None and when < rule.starts:
        return f"the {rule.quota} quota applies from {rule.starts.isoformat()}"
    if rule.allowed == 0 and rule.basis.startswith("the treaty no longer applies"):
        return f"the {rule.quota} quota for {rule.year}: {rule.basis}"
    if used >= rule.allowed:
        return (
            f"the {rule.quota} quota for {rule.year} is spent ({used}/{rule.allowed}; {rule.basis})"
        )
    cap = rule.max_from_same_party
    if cap is not None and used_from_same_party >= cap:
        return (
            f"at most {cap} {rule.quota} a year from the same party "
            f"({used_from_same_party} already)"
        )
    return None
