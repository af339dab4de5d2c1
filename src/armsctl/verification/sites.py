"""Site lists and quotas for the planner, from a treaty and declared item counts or a site table.

This turns a treaty's inspection quotas into plain :class:`~armsctl.verification.planning.Quota`
values and classifies declared sites, so that the planner takes only data. The files (a site-list
CSV, the facility of every declared item read through DuckDB) are read in
:mod:`armsctl.verification.io`.

Which quota a site falls under follows the treaty's ``site_statuses``: a site belongs to the first
quota (in treaty order) whose *first* listed status it holds (New START: a site with deployed
systems is a Type One site); otherwise to the first quota any of whose statuses it holds (a site
with only non-deployed, converted or test items is a Type Two site); otherwise to none, and it is
reported as not subject to inspection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.sites import Site
from armsctl.treaty import Treaty
from armsctl.verification.planning import Quota

__all__ = [
    "SITE_LIST_COLUMNS",
    "UNINSPECTABLE",
    "classify_site",
    "parse_site_list",
    "quotas_for_year",
    "sites_from_counts",
]

SITE_LIST_COLUMNS = ("site", "type", "items")
UNINSPECTABLE = "none"


def parse_site_list(rows: Iterable[tuple[int, dict[str, str | None]]], *, where: str) -> list[Site]:
    """Sites from the rows of a ``site,type,items`` table; every bad row is reported.

    ``rows`` pairs each row with its line number, so that a problem names ``where`` and the line;
    nothing half-read is returned.
    """
    problems: list[Problem] = []
    sites: list[Site] = []
    for line, row in rows:
        name = (row.get("site") or "").strip()
        typ = (row.get("type") or "").strip()
        raw = (row.get("items") or "").strip()
        if not name or not typ:
            problems.append(Problem(where, f"line {line}", "site and type are required"))
            continue
        try:
            items = int(raw)
        except ValueError:
            problems.append(Problem(where, f"line {line}", f"items: not a whole number: {raw!r}"))
            continue
        if items < 0:
            problems.append(Problem(where, f"line {line}", "items: must be >= 0"))
            continue
        sites.append(Site(name, typ, items))
    if problems:
        raise InputError(problems)
    if not sites:
        raise InputError([Problem(where, "", "the site list is empty")])
    return sites


def classify_site(statuses: set[str], treaty: Treaty) -> str:
    """The quota id a site with items in ``statuses`` is inspected under (see module docs)."""
    quotas = [q for q in treaty.inspection_quotas if q.site_statuses]
    for q in quotas:
        if q.site_statuses[0] in statuses:
            return q.id
    for q in quotas:
        if statuses & set(q.site_statuses):
            return q.id
    return UNINSPECTABLE


def quotas_for_year(
    treaty: Treaty,
    year: int,
    *,
    party: str | None = None,
    items: int = 0,
    inspecting: str | None = None,
) -> list[Quota]:
    """Each quota's inspections of ``party``'s sites in ``year``, from the one calculator.

    ``party`` is the inspected party and ``items`` its declared units (for a unit-based quota);
    ``inspecting`` the inspecting party, for a per-party active quota. Quotas that start after
    the year, or in years after the treaty's expiry, are zero (see
    :func:`armsctl.verification.quotas.allowance`).

    Raises:
        ParameterError: a per-party quota's party is not given or has no entry.
    """
    from armsctl.verification.quotas import allowance

    out: list[Quota] = []
    for q in treaty.inspection_quotas:
        try:
            rule = allowance(
                treaty,
                q.id,
                year,
                inspecting=inspecting or party,
                inspected=party,
                declared_units=items,
            )
        except InputError as exc:
            raise ParameterError(f"quota {q.id}: {exc.problems[0].message}") from None
        out.append(Quota(q.id, rule.allowed))
    return out


def sites_from_counts(counts: Mapping[str, Mapping[str, int]], treaty: Treaty) -> list[Site]:
    """Sites, sorted by name, from each facility's item count by status (see module docs)."""
    return [
        Site(name, classify_site(set(by_status), treaty), sum(by_status.values()))
        for name, by_status in sorted(counts.items())
    ]
