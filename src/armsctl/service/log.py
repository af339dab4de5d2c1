"""The log as the server runs it: status, signed checkpoints, proofs, audit; the audit trail."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import func, select

from armsctl.errors import ParameterError
from armsctl.ledger.note import VerifierKey
from armsctl.service._base import Database, Page, iso
from armsctl.store.models import AuditEvent, User

__all__ = [
    "audit_log",
    "list_audit_events",
    "log_entry",
    "log_status",
    "sign_checkpoint",
]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def log_status(db: Database) -> dict[str, Any]:
    """Size, root, the log key and the latest signed checkpoint."""
    with db.read() as session:
        conn = session.connection()
        size = db.ledger.size(conn)
        latest = db.ledger.latest_checkpoint(conn)
        return {
            "size": size,
            "root": _b64(db.ledger.root(conn, size)),
            "log_key": str(db.signer.verifier()),
            "checkpoint": latest[2] if latest else None,
        }


def sign_checkpoint(db: Database) -> dict[str, Any]:
    """Sign a checkpoint of the current tree with the server's log key."""
    with db.write() as (_session, conn):
        note = db.ledger.sign_checkpoint(conn, db.signer)
        size = db.ledger.size(conn)
    return {"size": size, "checkpoint": note}


def log_entry(db: Database, *, index: int, size: int | None = None) -> dict[str, Any]:
    """An entry's bytes with its inclusion proof at ``size`` (default: the whole log)."""
    if index < 0:
        raise ParameterError("index must be >= 0")
    with db.read() as session:
        conn = session.connection()
        current = db.ledger.size(conn)
        size = current if size is None else size
        data = db.ledger.entry(conn, index)
        proof = db.ledger.inclusion_proof(conn, index, size)
        return {
            "index": index,
            "size": size,
            "entry": data.decode("utf-8"),
            "proof": [_b64(p) for p in proof],
            "root": _b64(db.ledger.root(conn, size)),
        }


class _SealedBy(Mapping[str, VerifierKey]):
    """Every party's entries must carry this one key: the server seals every entry."""

    def __init__(self, key: VerifierKey) -> None:
        self._key = key

    def __getitem__(self, party: str) -> VerifierKey:
        return self._key

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def audit_log(db: Database) -> dict[str, Any]:
    """Recompute the whole log and check every checkpoint and entry against the server key.

    Each entry's envelope must be signed with the log key itself (``trusted=``), not merely
    with whatever key the entry names.
    """
    key = db.signer.verifier()
    with db.read() as session:
        report = db.ledger.audit(session.connection(), log_key=key, trusted=_SealedBy(key))
    return {
        "ok": report.ok,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "problems": report.problems,
    }


def list_audit_events(db: Database, *, limit: int = 50, offset: int = 0) -> Page:
    """Audit events, newest first (who read what confidential data, who was refused)."""
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        rows = session.execute(
            select(AuditEvent, User.name)
            .outerjoin(User, AuditEvent.user_id == User.id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return Page(
            [
                {
                    "id": e.id,
                    "at": iso(e.at),
                    "user": name,
                    "role": e.role,
                    "action": e.action,
                    "outcome": e.outcome,
                    "resource": e.resource,
                    "detail": e.detail,
                }
                for e, name in rows
            ],
            total,
            limit,
            offset,
        )
