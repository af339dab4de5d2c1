"""Compliance at a date from the stored declarations, and the public transparency view.

Both are built only from public material: aggregate figures, commitments, checkpoints and quota
counts. Neither reads ``declaration_items``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from armsctl.compliance import evaluate, report_to_dict
from armsctl.inventory.io import DeclarationSet
from armsctl.service._base import Database, iso
from armsctl.service.declarations import core_declaration
from armsctl.service.inspections import quota_status
from armsctl.store.models import Declaration, Inspection, Party

__all__ = ["check_compliance", "transparency_view"]


def check_compliance(db: Database, *, treaty: str, at: dt.date) -> dict[str, Any]:
    """Evaluate every limit for every party at ``at`` from the declarations on the server."""
    with db.read() as session:
        doc = db.treaty(session, treaty)
        rows = session.execute(
            select(Declaration, Party.code)
            .join(Party, Declaration.party_id == Party.id)
            .where(Declaration.treaty_id == treaty, Declaration.as_of <= at)
        ).all()
        declarations = [core_declaration(d, code) for d, code in rows]
    report = evaluate(doc, DeclarationSet(doc, declarations, []), at)
    return report_to_dict(report)


def transparency_view(db: Database, *, treaty: str, at: dt.datetime) -> dict[str, Any]:
    """What the parties release: parties and keys, aggregates, commitments, log head, quotas."""
    from armsctl.service.accounts import list_parties
    from armsctl.service.declarations import list_declarations

    parties = list_parties(db, treaty=treaty)
    declarations = list_declarations(db, treaty=treaty, limit=10_000).results
    with db.read() as session:
        conn = session.connection()
        size = db.ledger.size(conn)
        latest = db.ledger.latest_checkpoint(conn)
        inspections = session.scalar(select(func.count()).where(Inspection.treaty_id == treaty))
    return {
        "treaty": treaty,
        "generated_at": iso(at),
        "parties": parties,
        "declarations": declarations,
        "compliance": check_compliance(db, treaty=treaty, at=at.date()),
        "inspections": {
            "total": int(inspections or 0),
            "quotas": quota_status(db, treaty=treaty, year=at.year),
        },
        "log": {"size": size, "checkpoint": latest[2] if latest else None},
    }
