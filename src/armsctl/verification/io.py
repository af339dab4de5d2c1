"""Planner files: a site-list CSV, and the sites of the item-level declarations in force.

The verification package's boundary with files, so that :mod:`armsctl.verification.sites` and
the planner take data. The declarations are read through :mod:`armsctl.inventory.io` and
counted through DuckDB, as the inventory package does.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.sites import Site
from armsctl.treaty import Treaty
from armsctl.verification.sites import SITE_LIST_COLUMNS, parse_site_list, sites_from_counts

__all__ = ["is_site_list", "read_site_list", "sites_from_declarations"]


def is_site_list(path: Path) -> bool:
    """Whether ``path`` is a site-list CSV (``site,type,items``) rather than a declaration."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with path.open(newline="", encoding="utf-8") as handle:
        header = [h.strip() for h in next(csv.reader(handle), [])]
    return set(SITE_LIST_COLUMNS) <= set(header)


def read_site_list(path: Path) -> list[Site]:
    """Read a ``site,type,items`` CSV; every bad row is reported, nothing half-read."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(enumerate(csv.DictReader(handle), start=2))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    return parse_site_list(rows, where=str(path))


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
    return sites_from_counts(counts, treaty), party, as_of
