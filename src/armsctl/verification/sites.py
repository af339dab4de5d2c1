"""Site lists and quotas for the planner, read from a treaty and declarations or from a CSV.

This is the planner's boundary with files: it reads (through DuckDB, as the inventory package
does) the facility of every declared item, and turns a treaty's inspection quotas into plain
:class:`~armsctl.verification.planning.Quota` values, so that the planner itself stays pure.

Which quota a site falls under follows the treaty's ``site_statuses``: a site belongs to the first
quota (in treaty order) whose *first* listed status it holds (New START: a site with deployed
systems is a Type One site); otherwise to the first quota any of whose statuses it holds (a site
with only non-deployed, converted or test items is a Type Two site); otherwise to none, and it is
reported as not subject to inspection.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.treaty import Treaty
from armsctl.verification.planning import Quota, Site

__all__ = [
    "SITE_LIST_COLUMNS",
    "UNINSPECTABLE",
    "classify_site",
    "is_site_list",
    "quotas_for_year",
    "read_site_list",
    "sites_from_declarations",
]

SITE_LIST_COLUMNS = ("site", "type", "items")
UNINSPECTABLE = "none"


def is_site_list(path: Path) -> bool:
    """Whether ``path`` is a site-list CSV (``site,type,items``) rather than a declaration."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with path.open(newline="", encoding="utf-8") as handle:
        header = [h.strip() for h in next(csv.reader(handle), [])]
    return set(SITE_LIST_COLUMNS) <= set(header)


def read_site_list(path: Path) -> list[Site]:
    """Read a ``site,type,items`` CSV; every bad row is reported, nothing half-read."""
    problems: list[Problem] = []
    sites: list[Site] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                name = (row.get("site") or "").strip()
                typ = (row.get("type") or "").strip()
                raw = (row.get("items") or "").strip()
                if not name or not typ:
                    problems.append(
                        Problem(str(path), f"line {line}", "site and type are required")
                    )
                    continue
                try:
                    items = int(raw)
                except ValueError:
                    problems.append(
                        Problem(str(path), f"line {line}", f"items: not a whole number: {raw!r}")
                    )
                    continue
                if items < 0:
                    problems.append(Problem(str(path), f"line {line}", "items: must be >= 0"))
                    continue
                sites.append(Site(name, typ, items))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    if problems:
        raise InputError(problems)
    if not sites:
        raise InputError([Problem(str(path), "", "the site list is empty")])
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


def sites_from_declarations(
    paths: Sequence[str | Path], treaty: Treaty, *, year: int, party: str | None = None
) -> tuple[list[Site], str, dt.date]:
    """Sites with item counts from the item-level declaration in force for ``year``.

    The declaration used is the party's latest one dated on or before 31 December of ``year``.

    Returns:
        The sites, the party and the date of the declaration used.

    Raises:
        InputError: no item-level declaration, several parties and none chosen, or none dated
            by the end of the year.
    """
    import duckdb

    from armsctl.inventory import read_declarations

    decls = read_declarations(list(paths), treaty)
    if not decls.item_sources:
        raise InputError("the declarations hold no item-level file (party,as_of,uid,...)")
    item_decls = [d for d in decls.declarations if d.kind == "items"]
    parties = sorted({d.party for d in item_decls})
    if party is None:
        if len(parties) != 1:
            raise ParameterError(f"party: the declarations cover {', '.join(parties)}; pick one")
        party = parties[0]
    end = dt.date(year, 12, 31)
    dates = sorted(d.as_of for d in item_decls if d.party == party and d.as_of <= end)
    if not dates:
        raise ParameterError(f"year: {party} has no item-level declaration dated by {end}")
    as_of = dates[-1]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    con = duckdb.connect()
    try:
        for source in decls.item_sources:
            rows = con.execute(
                f"SELECT CAST(facility AS VARCHAR), CAST(status AS VARCHAR), count(*) "
                f"FROM {source.relation_sql()} "
                "WHERE CAST(party AS VARCHAR) = ? AND CAST(as_of AS DATE) = ? GROUP BY 1, 2",
                [party, as_of],
            ).fetchall()
            for facility, status, n in rows:
                counts[str(facility).strip()][str(status).strip()] += int(n)
    finally:
        con.close()
    sites = [
        Site(name, classify_site(set(by_status), treaty), sum(by_status.values()))
        for name, by_status in sorted(counts.items())
    ]
    return sites, party, as_of
