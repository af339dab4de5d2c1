"""Read-only views the web dashboard needs that the API's use-cases do not already give.

Every function here reads public material only (figures, commitments, log entries and
checkpoints) except ``declaration_items_for_diff``, which takes the same ``allow`` callback and
writes the same audit event as ``declarations.read_items``. The log's raw tables are read
through ``LedgerStore``'s table handles so that a page of entries costs one query, not one
query per entry.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select

from armsctl.errors import ParameterError
from armsctl.inventory.io import DeclarationSet
from armsctl.inventory.model import Declaration as CoreDeclaration
from armsctl.service._base import Actor, Allow, Database, b64, iso
from armsctl.service._paging import with_party_code
from armsctl.service.declarations import _public as public_declaration
from armsctl.service.declarations import audit_items_read, core_declaration, owned_declaration
from armsctl.service.records import Day, Record
from armsctl.store.models import Declaration, DeclarationItem, Party
from armsctl.treaty.schema import Treaty

__all__ = [
    "CheckpointRow",
    "ConsistencyBetween",
    "DeclarationDate",
    "LogEntryRow",
    "LogPage",
    "SealedItemsError",
    "StoredDeclaration",
    "TreatyHead",
    "checkpoint_list",
    "consistency_between",
    "declaration_dates",
    "declaration_items_for_diff",
    "declaration_refs",
    "declaration_set",
    "declarations_since",
    "declarations_version",
    "log_entries",
    "log_head",
    "log_size",
]


def log_size(db: Database) -> int:
    """The log's size: every write appends to the log, so it is the cache key of every view."""
    with db.read() as session:
        return db.ledger.size(session.connection())


def declarations_version(db: Database, *, treaty: str) -> tuple[int, int]:
    """Count and newest id of a treaty's declarations, the version of the compliance inputs.

    A declaration is never changed once stored, so this pair changes exactly when they do.
    """
    with db.read() as session:
        count, top = session.execute(
            select(func.count(), func.max(Declaration.id)).where(Declaration.treaty_id == treaty)
        ).one()
    return int(count or 0), int(top or 0)


def declaration_set(db: Database, *, treaty: str) -> DeclarationSet:
    """Every stored declaration of a treaty as the compliance engine's input (public figures)."""
    with db.read() as session:
        doc = db.treaty(session, treaty)
        rows = session.execute(
            with_party_code(Declaration).where(Declaration.treaty_id == treaty)
        ).all()
        declarations = [core_declaration(d, code) for d, code in rows]
    return DeclarationSet(doc, declarations, [])


@dataclass(frozen=True, slots=True)
class StoredDeclaration:
    """One stored declaration as the compliance engine reads it, with its id and log index."""

    id: int
    party: str
    log_index: int
    core: CoreDeclaration
    public: dict[str, Any]


def declarations_since(
    db: Database, *, treaty: str, after_id: int
) -> tuple[tuple[int, int], Treaty, list[StoredDeclaration]]:
    """The version of a treaty's declarations and those with an id above ``after_id``.

    Lets a view cache add the new declarations to what it already holds instead of reading
    all of them again: a stored declaration is never changed. The caller checks that the
    count adds up (an id committed out of order would not) and reads from 0 when it does not.
    Reads plain columns, not ORM objects: ten thousand of those cost a third of a second.
    """
    with db.read() as session:
        doc = db.treaty(session, treaty)
        count, top = session.execute(
            select(func.count(), func.max(Declaration.id)).where(Declaration.treaty_id == treaty)
        ).one()
        rows = session.execute(
            select(
                Declaration.id,
                Declaration.as_of,
                Declaration.kind,
                Declaration.status,
                Declaration.note,
                Declaration.figures,
                Declaration.log_index,
                Declaration.treaty_id,
                Declaration.commitment,
                Declaration.submitted_at,
                Party.code,
            )
            .join(Party, Declaration.party_id == Party.id)
            .where(Declaration.treaty_id == treaty, Declaration.id > after_id)
            .order_by(Declaration.id)
        ).all()
    out = [
        StoredDeclaration(
            int(r.id),
            str(r.code),
            int(r.log_index),
            core_declaration(cast(Any, r), r.code),
            public_declaration(cast(Any, r), r.code, doc),
        )
        for r in rows
    ]
    return (int(count or 0), int(top or 0)), doc, out


class TreatyHead(Record):
    """The log's size and latest signed checkpoint, and how many inspections the treaty has."""

    size: int
    checkpoint: str | None
    inspections: int


def log_head(db: Database, *, treaty: str) -> TreatyHead:
    """The log's size and latest signed checkpoint, and the treaty's inspection count."""
    from armsctl.store.models import Inspection

    with db.read() as session:
        conn = session.connection()
        size = db.ledger.size(conn)
        latest = db.ledger.latest_checkpoint(conn)
        inspections = session.scalar(select(func.count()).where(Inspection.treaty_id == treaty))
    return TreatyHead(
        size=size, checkpoint=latest[2] if latest else None, inspections=int(inspections or 0)
    )


def declaration_refs(db: Database, *, treaty: str) -> dict[tuple[str, str], dict[str, int]]:
    """``(party, as_of)`` to the declaration's id and log index, to link results to proofs."""
    with db.read() as session:
        rows = session.execute(
            select(Party.code, Declaration.as_of, Declaration.id, Declaration.log_index)
            .join(Party, Declaration.party_id == Party.id)
            .where(Declaration.treaty_id == treaty)
        ).all()
    return {
        (code, as_of.isoformat()): {"id": int(i), "log_index": int(li)}
        for code, as_of, i, li in rows
    }


class DeclarationDate(Record):
    """A declaration as a diff picker names it: its id, date and kind."""

    id: int
    as_of: Day
    kind: str


def declaration_dates(db: Database, *, treaty: str, party: str) -> list[DeclarationDate]:
    """A party's declarations (id, date, kind), newest first, for the diff pickers."""
    with db.read() as session:
        rows = session.execute(
            select(Declaration.id, Declaration.as_of, Declaration.kind)
            .join(Party, Declaration.party_id == Party.id)
            .where(Declaration.treaty_id == treaty, Party.code == party)
            .order_by(Declaration.as_of.desc())
        ).all()
    return [DeclarationDate(id=i, as_of=iso(a), kind=k) for i, a, k in rows]


class SealedItemsError(ParameterError):
    """The items are sealed to their party: the server cannot read, so cannot compare, them."""


def declaration_items_for_diff(
    db: Database,
    actor: Actor,
    *,
    declaration_ids: tuple[int, int],
    allow: Allow,
    at: dt.datetime,
    cap: int = 20_000,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The items of two of a party's item-level declarations (owner only; audited).

    Raises:
        NotFoundError: if either declaration does not exist.
        ParameterError: if a declaration holds more than ``cap`` items, or its items are
            sealed to the party (the server cannot read them).
    """
    out: list[list[dict[str, Any]]] = []
    with db.audited_read() as session:
        for declaration_id in declaration_ids:
            decl = owned_declaration(session, declaration_id, allow)
            if (decl.private or {}).get("sealed") is not None:
                raise SealedItemsError(
                    f"the items of declaration {declaration_id} are sealed to the party: "
                    "compare them in its own client (armsctl client items)"
                )
            n = session.scalar(
                select(func.count()).where(DeclarationItem.declaration_id == declaration_id)
            )
            if int(n or 0) > cap:
                raise ParameterError(f"declaration {declaration_id} has over {cap} items")
            records = session.scalars(
                select(DeclarationItem.record).where(
                    DeclarationItem.declaration_id == declaration_id
                )
            ).all()
            out.append([dict(r) for r in records])
            audit_items_read(
                session, actor, declaration_id, at=at, detail=f"{len(records)} items for a diff"
            )
    return out[0], out[1]


class LogEntryRow(Record):
    """A log entry as the log page lists it: what its bytes say it is, and their length.

    ``kind``, ``party``, ``treaty`` and ``time`` are ``"?"`` for an entry that is not
    canonical JSON (a foreign entry is shown, never interpreted).
    """

    index: int
    leaf_hash: str
    kind: str
    party: str
    treaty: str
    time: str
    bytes: int


class LogPage(Record):
    """A page of log entries, newest first: the log's size, the entries, the next page's start.

    Entries are paged by index, not offset: the log only grows, so ``next_before`` (the
    index the next, older page ends before; ``None`` on the oldest page) stays valid while
    entries are appended.
    """

    size: int
    entries: list[LogEntryRow]
    next_before: int | None


def log_entries(db: Database, *, limit: int = 50, before: int | None = None) -> LogPage:
    """A page of log entries, newest first, with their kind, party and time read from the bytes."""
    if not 1 <= limit <= 500:
        raise ParameterError("limit must be between 1 and 500")
    with db.read() as session:
        conn = session.connection()
        size = db.ledger.size(conn)
        top = size if before is None else max(0, min(before, size))
        c = db.ledger.t.entries.c
        rows = conn.execute(
            select(c.seq, c.leaf_hash, c.data)
            .where(c.seq < top, c.seq >= top - limit)
            .order_by(c.seq.desc())
        ).all()
    entries = []
    for seq, leaf, data in rows:
        raw = bytes(data)
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):  # a foreign entry (not canonical JSON) is opaque
            doc = {}
        entries.append(
            LogEntryRow(
                index=int(seq),
                leaf_hash=bytes(leaf).hex(),
                kind=doc.get("kind", "?"),
                party=doc.get("party", "?"),
                treaty=doc.get("treaty", "?"),
                time=doc.get("time", "?"),
                bytes=len(raw),
            )
        )
    return LogPage(size=size, entries=entries, next_before=top - limit if top > limit else None)


class CheckpointRow(Record):
    """A stored signed checkpoint: its number, the tree size it signs and the signed note."""

    seq: int
    size: int
    note: str


def checkpoint_list(db: Database, *, limit: int = 50) -> list[CheckpointRow]:
    """The newest signed checkpoints as ``seq``, ``size`` and the signed note."""
    with db.read() as session:
        conn = session.connection()
        c = db.ledger.t.checkpoints.c
        rows = conn.execute(select(c.seq, c.size, c.note).order_by(c.seq.desc()).limit(limit)).all()
    return [CheckpointRow(seq=int(s), size=int(n), note=str(note)) for s, n, note in rows]


class ConsistencyBetween(Record):
    """Two signed checkpoints, older first, and the consistency proof between their sizes."""

    old: CheckpointRow
    new: CheckpointRow
    proof: list[str]


def consistency_between(db: Database, *, old: int, new: int) -> ConsistencyBetween:
    """Two signed checkpoints and the consistency proof between their sizes.

    No key is included: the browser checks both notes against the key it has pinned.

    Raises:
        NotFoundError: if either checkpoint does not exist.
        ParameterError: if the old checkpoint is larger than the new one.
    """
    from armsctl.service.log import find_checkpoint

    with db.read() as session:
        conn = session.connection()
        a = find_checkpoint(conn, db.ledger, seq=old)
        b = find_checkpoint(conn, db.ledger, seq=new)
        if a[1] > b[1]:
            raise ParameterError("the first checkpoint must be the older (smaller) one")
        proof = db.ledger.consistency_proof(conn, a[1], b[1])
    return ConsistencyBetween(
        old=CheckpointRow(seq=a[0], size=a[1], note=a[2]),
        new=CheckpointRow(seq=b[0], size=b[1], note=b[2]),
        proof=[b64(p) for p in proof],
    )
