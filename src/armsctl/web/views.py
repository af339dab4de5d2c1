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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armsctl.charts import render_responsive
from armsctl.compliance import Report, evaluate, report_to_dict
from armsctl.compliance.charts import limit_chart, limit_points
from armsctl.inventory.io import DeclarationSet
from armsctl.service import Database
from armsctl.service.accounts import TreatyPublic
from armsctl.service.dashboard import StoredDeclaration
from armsctl.treaty.schema import Treaty
from armsctl.web._base import ViewCache

if TYPE_CHECKING:
    from armsctl.service.transparency import TransparencyPublic

__all__ = [
    "PROOF_KINDS",
    "DeclarationState",
    "bar_percent",
    "compliance_view",
    "declaration_refs",
    "declaration_state",
    "declarations_for",
    "dispute_rows",
    "history_view",
    "limit_charts",
    "public_csv",
    "public_csv_text",
    "public_json_view",
    "series_tables",
    "treaty_doc",
    "treaty_ids",
]

#: Log entry kinds the public portal offers proofs for: what the parties release.
PROOF_KINDS = (
    "declaration-aggregate",
    "declaration-items",
    "treaty-loaded",
    "party-registered",
    "zk-range-proof",
)


def _size(db: Database) -> int:
    from armsctl.service.dashboard import log_size

    return log_size(db)


def _version(db: Database, treaty: str) -> tuple[int, int]:
    from armsctl.service.dashboard import declarations_version

    return declarations_version(db, treaty=treaty)


def treaty_ids(db: Database, cache: ViewCache) -> list[TreatyPublic]:
    """The treaties loaded on the server (``list_treaties``), cached until the log grows."""
    from armsctl.service.accounts import list_treaties

    return list(cache.get(("treaties", _size(db)), lambda: list_treaties(db)))


def treaty_doc(db: Database, treaty: str) -> Treaty:
    """The stored, validated treaty for a page.

    Raises:
        NotFoundError: if the treaty is not loaded (the page answers 404).
    """
    with db.read() as session:
        return db.treaty(session, treaty)


@dataclass(frozen=True, slots=True)
class DeclarationState:
    """A treaty's declarations at one version, shared by every view built from them."""

    version: tuple[int, int]
    stored: tuple[StoredDeclaration, ...]
    decls: DeclarationSet
    refs: dict[tuple[str, str], dict[str, int]]
    ordered: tuple[StoredDeclaration, ...]


def declaration_state(db: Database, cache: ViewCache, treaty: str) -> DeclarationState:
    """The treaty's declarations, read incrementally: only those stored since the last read.

    A stored declaration never changes, so the previous state plus the rows with a higher id
    is the new state, unless an id was committed out of order: then the count does not add up
    and everything is read again.
    """
    from armsctl.service.dashboard import declarations_since

    version = _version(db, treaty)
    key = ("decl-state", treaty)
    state: DeclarationState | None = cache.peek(key)
    if state is not None and state.version == version:
        return state
    prior = state.stored if state is not None else ()
    refs = dict(state.refs) if state is not None else {}
    new_version, doc, rows = declarations_since(
        db, treaty=treaty, after_id=state.version[1] if state is not None else 0
    )
    if len(prior) + len(rows) != new_version[0]:
        new_version, doc, rows = declarations_since(db, treaty=treaty, after_id=0)
        prior, refs = (), {}
    stored = prior + tuple(rows)
    for r in rows:
        refs[(r.party, r.core.as_of.isoformat())] = {"id": r.id, "log_index": r.log_index}
    fresh = DeclarationState(
        new_version,
        stored,
        DeclarationSet(doc, [r.core for r in stored], []),
        refs,
        tuple(sorted(stored, key=lambda r: (r.core.as_of, r.id))),
    )
    cache.drop(
        lambda k: (
            isinstance(k, tuple)
            and len(k) > 2
            and k[1] == treaty
            and isinstance(k[-1], tuple)
            and len(k[-1]) == 2
            and k[-1] != new_version
        )
    )
    cache.put(key, fresh)
    return fresh


def declarations_for(db: Database, cache: ViewCache, treaty: str) -> DeclarationSet:
    """Every stored declaration of the treaty, as the compliance engine's input."""
    return declaration_state(db, cache, treaty).decls


def declaration_refs(db: Database, cache: ViewCache, treaty: str) -> dict[str, dict[str, int]]:
    """``party|as_of`` to the declaration's id and log index, to link results to proofs."""
    state = declaration_state(db, cache, treaty)
    return cache.get(  # type: ignore[no-any-return]
        ("refs", treaty, state.version),
        lambda: {f"{p}|{d}": v for (p, d), v in state.refs.items()},
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
    today: dt.date,
    interpretation: str | None = None,
) -> dict[str, Any]:
    """The compliance report at ``at`` (default: the date of the newest data) as plain data.

    ``today`` (the server's clock, passed in) is the date when there is no data at all.
    """
    decls = declarations_for(db, cache, treaty)
    day = at or latest_date(decls) or today

    def compute() -> dict[str, Any]:
        return report_to_dict(evaluate(decls.treaty, decls, day, interpretation=interpretation))

    return cache.get(("compliance", treaty, day, interpretation, _version(db, treaty)), compute)  # type: ignore[no-any-return]


def _inputs(decls: DeclarationSet, members: tuple[str, ...], day: dt.date) -> tuple[str, ...]:
    """What a report at ``day`` reads: each party's latest provided and not-provided data."""
    out: list[str] = []
    for party in members:
        for status in ("provided", "not-provided"):
            decl = decls.latest(party, day, status)
            out.append(decl.origin if decl is not None else "")
    return tuple(out)


def history_view(
    db: Database, cache: ViewCache, *, treaty: str, interpretation: str | None = None
) -> list[Report]:
    """Compliance at every declaration date, re-evaluating only the dates whose inputs changed.

    A report at a date depends on the treaty, the date and each party's latest declarations on
    or before it (``evaluate``). Reports are kept under exactly that key (declarations are
    named by their stored id, which never changes meaning), so a new declaration costs the
    dates it is the latest for, not the whole history.
    """
    state = declaration_state(db, cache, treaty)
    decls = state.decls

    def compute() -> list[Report]:
        doc = decls.treaty
        memo_key = ("history-memo", treaty, interpretation)
        memo: dict[Any, Report] = cache.peek(memo_key) or {}
        fingerprint = doc.model_dump_json()
        members = tuple(doc.parties.members or decls.parties())
        fresh: dict[Any, Report] = {}
        out = []
        for day in decls.dates():
            key = (fingerprint, day, members, _inputs(decls, members, day))
            report = memo.get(key)
            if report is None:
                report = evaluate(doc, decls, day, interpretation=interpretation)
            fresh[key] = report
            out.append(report)
        cache.put(memo_key, fresh)
        return out

    return cache.get(("history", treaty, interpretation, state.version), compute)  # type: ignore[no-any-return]


def limit_charts(
    db: Database, cache: ViewCache, *, treaty: str, interpretation: str | None = None
) -> list[dict[str, Any]]:
    """One SVG chart per party-scope limit (value series against the limit line).

    Each is :func:`armsctl.compliance.charts.limit_chart` (the same one the report draws),
    rendered for desktop and phone widths.
    """
    series = history_view(db, cache, treaty=treaty, interpretation=interpretation)
    state = declaration_state(db, cache, treaty)
    doc = state.decls.treaty

    def compute() -> list[dict[str, Any]]:
        points = limit_points(series)
        return [
            {
                "limit": x,
                "svg": render_responsive(
                    limit_chart(doc, series, x.id, points=points, interpretation=interpretation)
                ),
            }
            for x in doc.limits
            if x.scope == "party"
        ]

    return cache.get(("charts", treaty, interpretation, state.version), compute)  # type: ignore[no-any-return]


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
    """Released figures as one row per declared measure, with the log entry that holds them.

    The last column, ``mark``, says ``unverified`` for a figure whose source is tagged
    unverified (as ``armsctl check`` prints "540 (unverified)"); columns are only ever added.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["treaty", "party", "as_of", "kind", "status", "measure", "value", "log_index", "mark"]
    )
    for d in declarations:
        figures = d.get("figures") or {}
        marks = set(d.get("unverified") or ())
        head = [d["treaty"], d["party"], d["as_of"], d["kind"], d["status"]]
        if not figures:
            writer.writerow([*head, "", "", d["log_index"], ""])
        for measure in sorted(figures):
            mark = "unverified" if measure in marks else ""
            writer.writerow([*head, measure, figures[measure], d["log_index"], mark])
    return out.getvalue()


def public_csv_text(db: Database, cache: ViewCache, *, treaty: str) -> str:
    """The released figures as CSV, built from the rows of each declaration once.

    The rows of a declaration never change, so they are kept under its id across versions;
    a new declaration adds its own rows only. Same rows and order as ``public_csv`` over
    ``list_declarations`` (by date, then id).
    """
    state = declaration_state(db, cache, treaty)

    def compute() -> str:
        rows_key = ("csv-rows", treaty)
        known: dict[int, str] = cache.peek(rows_key) or {}
        fresh: dict[int, str] = {}
        for r in state.ordered:
            text = known.get(r.id)
            if text is None:
                text = public_csv([r.public]).split("\n", 1)[1]
            fresh[r.id] = text
        cache.put(rows_key, fresh)
        header = public_csv([])
        return header + "".join(fresh[r.id] for r in state.ordered)

    return cache.get(("csv", treaty, state.version), compute)  # type: ignore[no-any-return]


def public_json_view(
    db: Database, cache: ViewCache, *, treaty: str, at: dt.datetime, limit: int = 10_000
) -> TransparencyPublic:
    """``transparency_view`` (first page) from the incrementally read declarations.

    Same document, made by the same ``transparency_document``: the first ``limit``
    declarations by date then id, and compliance at ``at``'s date from the declarations dated
    on or before it (item-derived explanations cut back as the service does), both read from
    the page cache rather than queried again.
    """
    from armsctl.service.transparency import CompliancePublic, released, transparency_document

    state = declaration_state(db, cache, treaty)
    day = at.date()

    def compliance() -> CompliancePublic:
        doc = state.decls.treaty
        dated = DeclarationSet(doc, [d for d in state.decls.declarations if d.as_of <= day], [])
        return CompliancePublic.model_validate(released(report_to_dict(evaluate(doc, dated, day))))

    report = cache.get(("public-compliance", treaty, day, state.version), compliance)
    return transparency_document(
        db,
        treaty=treaty,
        at=at,
        declarations=[r.public for r in state.ordered[:limit]],
        total=len(state.ordered),
        limit=limit,
        offset=0,
        compliance=report,
    )
