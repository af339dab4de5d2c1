"""Computed views behind the pages: compliance, histories, charts and the public data set.

Views built from declarations are cached under the count and newest id of the treaty's
declarations: a stored declaration is never changed, so that pair changes exactly when the
inputs do. Other views are keyed by the log's size: every write appends to the log in the same
transaction, so a new size means fresh data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from armsctl.compliance import Report, evaluate, history, report_to_dict
from armsctl.inventory.io import DeclarationSet
from armsctl.service._base import Database
from armsctl.treaty.schema import Treaty
from armsctl.web._base import ViewCache

__all__ = [
    "PROOF_KINDS",
    "bar_percent",
    "compliance_view",
    "declarations_for",
    "dispute_rows",
    "history_view",
    "limit_charts",
    "public_csv",
    "series_tables",
    "treaty_doc",
    "treaty_ids",
]

#: Log entry kinds the public portal offers proofs for: what the parties release.
PROOF_KINDS = ("declaration-aggregate", "declaration-items", "treaty-loaded", "party-registered")


def _size(db: Database) -> int:
    from armsctl.service.dashboard import log_size

    return log_size(db)


def _version(db: Database, treaty: str) -> tuple[int, int]:
    from armsctl.service.dashboard import declarations_version

    return declarations_version(db, treaty=treaty)


def treaty_ids(db: Database, cache: ViewCache) -> list[dict[str, Any]]:
    from armsctl.service.accounts import list_treaties

    return list(cache.get(("treaties", _size(db)), lambda: list_treaties(db)))


def treaty_doc(db: Database, treaty: str) -> Treaty:
    with db.read() as session:
        return db.treaty(session, treaty)


def declarations_for(db: Database, cache: ViewCache, treaty: str) -> DeclarationSet:
    from armsctl.service.dashboard import declaration_set

    return cache.get(  # type: ignore[no-any-return]
        ("decls", treaty, _version(db, treaty)), lambda: declaration_set(db, treaty=treaty)
    )


def latest_date(decls: DeclarationSet) -> dt.date | None:
    dates = decls.dates()
    return dates[-1] if dates else None


def compliance_view(
    db: Database,
    cache: ViewCache,
    *,
    treaty: str,
    at: dt.date | None,
    interpretation: str | None = None,
) -> dict[str, Any]:
    """The compliance report at ``at`` (default: the date of the newest data) as plain data."""
    decls = declarations_for(db, cache, treaty)
    day = at or latest_date(decls) or dt.date.today()

    def compute() -> dict[str, Any]:
        return report_to_dict(evaluate(decls.treaty, decls, day, interpretation=interpretation))

    return cache.get(("compliance", treaty, day, interpretation, _version(db, treaty)), compute)  # type: ignore[no-any-return]


def history_view(
    db: Database, cache: ViewCache, *, treaty: str, interpretation: str | None = None
) -> list[Report]:
    decls = declarations_for(db, cache, treaty)
    return cache.get(  # type: ignore[no-any-return]
        ("history", treaty, interpretation, _version(db, treaty)),
        lambda: history(decls, interpretation=interpretation),
    )


def limit_charts(
    db: Database, cache: ViewCache, *, treaty: str, interpretation: str | None = None
) -> list[dict[str, Any]]:
    """One SVG chart per party-scope limit (value series against the limit line)."""
    from armsctl.reports import limit_chart_svg

    doc = treaty_doc(db, treaty)
    series = history_view(db, cache, treaty=treaty, interpretation=interpretation)

    def compute() -> list[dict[str, Any]]:
        return [
            {"limit": x, "svg": limit_chart_svg(doc, series, x.id)}
            for x in doc.limits
            if x.scope == "party"
        ]

    return cache.get(("charts", treaty, interpretation, _version(db, treaty)), compute)  # type: ignore[no-any-return]


def series_tables(
    db: Database, cache: ViewCache, *, treaty: str, rows: int = 60
) -> dict[str, list[dict[str, Any]]]:
    """Per limit, the newest ``rows`` dates with each party's value (the charts' text form)."""
    doc = treaty_doc(db, treaty)
    series = history_view(db, cache, treaty=treaty)

    def compute() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for limit in doc.limits:
            table = []
            for r in series[-rows:]:
                values: dict[str, int | None] = {}
                for p in r.parties:
                    x = next((y for y in p.limits if y.id == limit.id), None)
                    if p.declaration_as_of == r.at and x is not None:
                        values[p.party] = x.value
                table.append({"at": r.at, "values": values})
            out[limit.id] = table
        return out

    return cache.get(("tables", treaty, rows, _version(db, treaty)), compute)  # type: ignore[no-any-return]


def dispute_rows(
    db: Database, cache: ViewCache, *, treaty: str, interpretation: str, dates: int = 60
) -> list[dict[str, Any]]:
    """For the newest ``dates`` dates, each party and overridden limit: both totals."""
    doc = treaty_doc(db, treaty)
    overridden = set(doc.interpretation(interpretation).overrides)
    plain = history_view(db, cache, treaty=treaty)
    disputed = history_view(db, cache, treaty=treaty, interpretation=interpretation)
    rows = []
    for a, b in list(zip(plain, disputed, strict=True))[-dates:]:
        for pa, pb in zip(a.parties, b.parties, strict=True):
            if pa.declaration_as_of != a.at:
                continue
            for xa, xb in zip(pa.limits, pb.limits, strict=True):
                if xa.id not in overridden:
                    continue
                rows.append(
                    {
                        "at": a.at,
                        "party": pa.party,
                        "limit": xa.id,
                        "max": xa.max,
                        "treaty_value": xa.value,
                        "treaty_status": xa.status,
                        "reading_value": xb.value,
                        "reading_status": xb.status,
                    }
                )
    return rows


def bar_percent(value: int | None, maximum: int) -> int:
    """How full a limit is, for the margin bar (capped at 100; the text carries the number)."""
    if value is None or maximum <= 0:
        return 0
    return max(0, min(100, round(100 * value / maximum)))


def public_csv(declarations: list[dict[str, Any]]) -> str:
    """Released figures as one row per declared measure, with the log entry that holds them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["treaty", "party", "as_of", "kind", "status", "measure", "value", "log_index"])
    for d in declarations:
        figures = d.get("figures") or {}
        if not figures:
            writer.writerow(
                [
                    d["treaty"],
                    d["party"],
                    d["as_of"],
                    d["kind"],
                    d["status"],
                    "",
                    "",
                    d["log_index"],
                ]
            )
        for measure in sorted(figures):
            writer.writerow(
                [
                    d["treaty"],
                    d["party"],
                    d["as_of"],
                    d["kind"],
                    d["status"],
                    measure,
                    figures[measure],
                    d["log_index"],
                ]
            )
    return out.getvalue()
