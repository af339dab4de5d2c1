"""Compliance at a date from the stored declarations, and the public transparency view.

Both are built only from public material: aggregate figures, commitments, checkpoints and quota
counts. Neither reads ``declaration_items``. For an item-level declaration the compliance
engine works from the components derived from the items, which are not released: the
explanation of each limit is cut back to the limit's own value, so the report shows what the
public declaration view shows and no status breakdown, attribute sum or per-zone count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from armsctl.compliance import evaluate, report_to_dict
from armsctl.inventory.io import DeclarationSet
from armsctl.service._base import Database, Page, iso
from armsctl.service._paging import Listing, with_party_code
from armsctl.service.dashboard import log_head
from armsctl.service.declarations import core_declaration
from armsctl.service.inspections import quota_status
from armsctl.store.models import Declaration

__all__ = ["check_compliance", "released", "transparency_document", "transparency_view"]


def check_compliance(db: Database, *, treaty: str, at: dt.date) -> dict[str, Any]:
    """Evaluate every limit for every party at ``at`` from the declarations on the server."""
    with db.read() as session:
        doc = db.treaty(session, treaty)
        # Only each party's latest provided and latest not-provided declaration on or before
        # ``at`` can matter, so the read stays the same size however long the history grows.
        rank = (
            func.row_number()
            .over(
                partition_by=(Declaration.party_id, Declaration.status),
                order_by=(Declaration.as_of.desc(), Declaration.id.desc()),
            )
            .label("rank")
        )
        latest = (
            select(Declaration.id, rank)
            .where(Declaration.treaty_id == treaty, Declaration.as_of <= at)
            .subquery()
        )
        rows = session.execute(
            with_party_code(Declaration)
            .join(latest, latest.c.id == Declaration.id)
            .where(latest.c.rank == 1)
        ).all()
        declarations = [core_declaration(d, code) for d, code in rows]
    report = evaluate(doc, DeclarationSet(doc, declarations, []), at)
    return released(report_to_dict(report))


def _collapse(limit: dict[str, Any]) -> None:
    limit["explanation"] = (
        []
        if limit.get("value") is None
        else [
            {
                "measure": limit["id"],
                "weight": 1,
                "value": limit["value"],
                "provenance": limit.get("provenance", "C"),
            }
        ]
    )


def released(report: dict[str, Any]) -> dict[str, Any]:
    """Cut explanations built from item-derived components back to the limit values."""
    itemised = False
    for party in report["parties"]:
        if party.get("declaration_kind") == "items":
            itemised = True
            for limit in party["limits"]:
                _collapse(limit)
    if itemised:
        for group in report.get("groups", []):
            for limit in group["limits"]:
                _collapse(limit)
    return report


def transparency_document(
    db: Database,
    *,
    treaty: str,
    at: dt.datetime,
    declarations: list[dict[str, Any]],
    total: int,
    limit: int,
    offset: int,
    compliance: dict[str, Any],
) -> dict[str, Any]:
    """The public document around one page of declarations and the compliance report.

    The one place its shape is made: the API (``transparency_view``) and the web's cached
    public page (which reads its declarations and report incrementally) both call it, so the
    two can never drift apart. Parties, quotas and the log head are read here.
    """
    from armsctl.service.accounts import list_parties

    head = log_head(db, treaty=treaty)
    return {
        "treaty": treaty,
        "generated_at": iso(at),
        "parties": [p.to_json_dict() for p in list_parties(db, treaty=treaty)],
        "declarations": declarations,
        "declarations_page": Page(declarations, total, limit, offset).bounds(),
        "compliance": compliance,
        "inspections": {
            "total": head.inspections,
            "quotas": [q.to_json_dict() for q in quota_status(db, treaty=treaty, year=at.year)],
        },
        "log": {"size": head.size, "checkpoint": head.checkpoint},
    }


def transparency_view(
    db: Database, *, treaty: str, at: dt.datetime, limit: int = 10_000, offset: int = 0
) -> dict[str, Any]:
    """What the parties release: parties and keys, aggregates, commitments, log head, quotas.

    Declarations come one page at a time (``limit``, ``offset``); ``declarations_page`` says
    how many there are and where the next page starts, so a long history is never cut
    silently.
    """
    from armsctl.service.declarations import list_declarations

    page = list_declarations(db, Listing(treaty, limit=limit, offset=offset))
    return transparency_document(
        db,
        treaty=treaty,
        at=at,
        declarations=[d.to_json_dict() for d in page.results],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        compliance=check_compliance(db, treaty=treaty, at=at.date()),
    )
