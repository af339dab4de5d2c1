"""Seal what older servers stored in clear, once the parties' encryption keys are registered.

Rows written before encryption at rest (migration 0009), and inspection arrival times written
before they were sealed, hold confidential content in clear: item rows and facility salts,
notification bodies, inspection sites, arrival times and findings, reveals. ``reseal`` seals
each of them exactly as the server seals a new row (to the same parties, bound to the same
context, with the commitment the log already carries), in one transaction: either every row it
can seal is sealed, or none is. A row whose entitled parties have not all registered an
encryption key stays as it is and is reported with the parties missing a key; running it again
after ``armsctl parties set-encryption-key`` seals it. A sealed row is never sealed twice.

Sealing does not erase the clear bytes the database engine keeps in freed pages, its WAL or its
backups: ``scrub`` rewrites the database file (SQLite ``VACUUM`` and a WAL checkpoint;
PostgreSQL ``VACUUM FULL`` of the tables changed). Backups and PostgreSQL's WAL archive made
before still hold the clear rows (docs/confidentiality.md).

A data migration could not do this: keys are registered after the schema is migrated, and a
migration that seals would freeze today's sealing code into the schema's history.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from armsctl.service._base import Database
from armsctl.service.declarations import owner_encryption_key, store_sealed_opening
from armsctl.service.inspections import (
    clear_parts,
    reseal_inspection,
    reseal_reveal,
)
from armsctl.service.notifications import reseal_notification
from armsctl.store.models import (
    Declaration,
    DeclarationItem,
    Inspection,
    Notification,
    Party,
    Reveal,
)

__all__ = ["ResealReport", "reseal", "scrub"]

#: The tables whose rows ``reseal`` rewrites (what ``scrub`` compacts on PostgreSQL).
TABLES = ("declarations", "declaration_items", "notifications", "inspections", "reveals")


@dataclass
class ResealReport:
    """What one run sealed, and what it left in clear for want of a key."""

    #: Records sealed by this run, by kind (``declarations``: each with all its item rows).
    sealed: dict[str, int] = field(
        default_factory=lambda: {
            "declarations": 0,
            "items": 0,
            "notifications": 0,
            "inspection_parts": 0,
            "reveals": 0,
        }
    )
    #: Records still in clear: ``{"record", "id", "parts", "missing_keys"}``.
    still_clear: list[dict[str, Any]] = field(default_factory=list)
    #: Whether the database file was rewritten afterwards (``scrub``).
    scrubbed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (``armsctl db reseal --format json``)."""
        return {
            "sealed": dict(self.sealed),
            "still_clear": list(self.still_clear),
            "scrubbed": self.scrubbed,
        }


def _missing(codes: dict[int, Party], ids: Collection[int | None]) -> list[str]:
    """The codes of the parties among ``ids`` that registered no encryption key."""
    return sorted(codes[i].code for i in set(ids) if i is not None and not codes[i].encryption_key)


def reseal(
    db: Database, *, dry_run: bool = False, rng: Callable[[int], bytes] = os.urandom
) -> ResealReport:
    """Seal every row still in clear whose parties have keys; report the rest.

    ``dry_run`` reports what would be sealed (in ``sealed``) and what would stay clear, and
    writes nothing. Idempotent: a second run seals nothing and reports the same rows left.
    """
    report = ResealReport()

    class _DryRun(Exception):
        pass

    try:
        with db.write() as (session, _conn):
            _reseal(session, report, rng)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _reseal(session: Session, report: ResealReport, rng: Callable[[int], bytes]) -> None:
    parties = {p.id: p for p in session.scalars(select(Party)).all()}

    def left(record: str, row_id: int, parts: list[str], missing: list[str]) -> None:
        report.still_clear.append(
            {"record": record, "id": row_id, "parts": parts, "missing_keys": missing}
        )

    # Item-level declarations whose rows (or facility salts) are in clear.
    with_items = set(session.scalars(select(DeclarationItem.declaration_id).distinct()).all())
    declarations = session.scalars(
        select(Declaration).where(Declaration.kind == "items").order_by(Declaration.id)
    ).all()
    for decl in declarations:
        private = decl.private or {}
        if "sealed" in private or (decl.id not in with_items and not private):
            continue
        missing = _missing(parties, [decl.party_id])
        if missing:
            left("declaration", decl.id, ["items"], missing)
            continue
        items = session.scalars(
            select(DeclarationItem)
            .where(DeclarationItem.declaration_id == decl.id)
            .order_by(DeclarationItem.position)
        ).all()
        party = parties[decl.party_id]
        public = decl.commitment or {}
        opening = {
            "public": {
                "party": public.get("party", party.code),
                "treaty": public.get("treaty", decl.treaty_id),
                "date": public.get("date", decl.as_of.isoformat()),
            },
            "items": [
                {"index": i.position, "salt": bytes(i.salt).hex(), "item": dict(i.record)}
                for i in items
            ],
            "facilities": private.get("facilities"),
            "pad_salt": private.get("pad_salt"),
        }
        store_sealed_opening(session, decl, opening, owner_encryption_key(party), rng=rng)
        session.execute(delete(DeclarationItem).where(DeclarationItem.declaration_id == decl.id))
        report.sealed["declarations"] += 1
        report.sealed["items"] += len(items)

    # Filtered here, not in SQL: a JSON column may hold JSON null as well as SQL NULL.
    for note in session.scalars(select(Notification).order_by(Notification.id)).all():
        if note.sealed_body is not None:
            continue
        readers: list[int | None] = [note.sender_id, note.recipient_id]
        if note.recipient_id is None:
            readers += [
                p.id
                for p in parties.values()
                if p.treaty_id == note.treaty_id and p.registered_at <= note.sent_at
            ]
        missing = _missing(parties, readers)
        if missing:
            left("notification", note.id, ["body"], missing)
        elif reseal_notification(session, note, rng):
            report.sealed["notifications"] += 1

    for row in session.scalars(select(Inspection).order_by(Inspection.id)).all():
        parts = clear_parts(row)
        reveals = session.scalars(
            select(Reveal).where(Reveal.inspection_id == row.id).order_by(Reveal.id)
        ).all()
        clear_reveals = [r for r in reveals if "sealed" not in (r.document or {})]
        if not parts and not clear_reveals:
            continue
        missing = _missing(parties, [row.inspecting_party_id, row.inspected_party_id])
        if missing:
            if parts:
                left("inspection", row.id, parts, missing)
            for r in clear_reveals:
                left("reveal", r.id, ["document"], missing)
            continue
        report.sealed["inspection_parts"] += len(reseal_inspection(session, row, rng))
        for r in clear_reveals:
            report.sealed["reveals"] += int(reseal_reveal(session, row, r, rng))
    session.flush()


def scrub(db: Database) -> bool:
    """Rewrite the database file so that no freed page keeps a row as it was before sealing.

    SQLite: ``VACUUM`` (every page rewritten, freed pages dropped), then a WAL checkpoint that
    truncates the WAL. PostgreSQL: ``VACUUM FULL`` of the tables ``reseal`` changes (the old
    table files are removed; the WAL archive and earlier backups still hold them).

    Returns:
        False if the engine could not finish (another process held the database), so the
        caller can say so; the sealing itself is committed either way.
    """
    from sqlalchemy.exc import OperationalError

    try:
        if db.engine.dialect.name == "sqlite":
            raw = db.engine.raw_connection()
            try:
                driver: Any = raw.driver_connection
                previous = driver.isolation_level
                driver.isolation_level = None  # VACUUM runs outside a transaction
                try:
                    driver.execute("VACUUM")
                    busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    driver.isolation_level = previous
            finally:
                raw.close()
            return not busy or busy[0] == 0
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in TABLES:
                conn.execute(text(f"VACUUM FULL {table}"))
        return True
    except OperationalError:
        return False
