"""The log as the server runs it: status, signed checkpoints, proofs, audit; the audit trail."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger.envelope import Entry, open_entry
from armsctl.ledger.note import VerifierKey
from armsctl.service._base import Database, Page, iso
from armsctl.store.models import AuditEvent, Party, PartyKey, User

__all__ = [
    "audit_log",
    "check_authorship",
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
    """Sign a checkpoint of the current tree with the server's log key.

    With witnesses configured, the checkpoint is then submitted to them (outside the log's
    transaction) and returned with the cosignatures they gave.
    """
    with db.write() as (_session, conn):
        note = db.ledger.sign_checkpoint(conn, db.signer)
        size = db.ledger.size(conn)
    if db.witnessing is not None:
        note = db.witnessing.gather(db) or note
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


def _registered(session: Session) -> dict[tuple[str, str], list[tuple[VerifierKey, Any]]]:
    """Every key ever registered, by (treaty, party code), with its revocation time."""
    rows = session.execute(
        select(Party.treaty_id, Party.code, PartyKey.verifier_key, PartyKey.revoked_at).join(
            PartyKey, PartyKey.party_id == Party.id
        )
    ).all()
    out: dict[tuple[str, str], list[tuple[VerifierKey, Any]]] = {}
    for treaty, code, text, revoked in rows:
        out.setdefault((treaty, code), []).append((VerifierKey.parse(text), revoked))
    return out


def _stream(db: Database, session: Session) -> Iterator[tuple[int, bytes]]:
    c = db.ledger.t.entries.c
    after = -1
    while True:
        rows = session.execute(
            select(c.seq, c.data).where(c.seq > after).order_by(c.seq).limit(1000)
        ).all()
        if not rows:
            return
        for seq, data in rows:
            yield int(seq), bytes(data)
        after = int(rows[-1][0])


def _party_signed(entry: Entry, keys: list[tuple[VerifierKey, Any]]) -> bool:
    """Whether a registered key of the entry's party (unrevoked at the entry's time) signed it."""
    at = dt.datetime.fromisoformat(entry.time)
    for key, revoked in keys:
        if key.public_key != entry.key.public_key:
            continue
        if revoked is None:
            return True
        revoked_at = revoked if revoked.tzinfo else revoked.replace(tzinfo=dt.UTC)
        return bool(at < revoked_at)
    return False


def check_authorship(db: Database, session: Session, log_key: VerifierKey) -> dict[str, Any]:
    """Check who signed each entry: the log key (operator-attested) or the party's own key.

    An entry signed by any other key, or by a party key after its revocation, is a problem:
    the first one is named. Signatures themselves are checked by the tree audit.
    """
    registered = _registered(session)
    counts = {"party_signed": 0, "operator_sealed": 0}
    for seq, data in _stream(db, session):
        try:
            entry = open_entry(data)
        except IntegrityError as exc:
            return {**counts, "problem": f"entry {seq}: {exc}"}
        if entry.key.public_key == log_key.public_key:
            counts["operator_sealed"] += 1
        elif _party_signed(entry, registered.get((entry.treaty, entry.party), [])):
            counts["party_signed"] += 1
        else:
            return {
                **counts,
                "problem": f"entry {seq}: signed by neither the log key nor a key registered "
                f"for {entry.party} under {entry.treaty}",
            }
    return {**counts, "problem": None}


def audit_log(db: Database) -> dict[str, Any]:
    """Recompute the whole log, check every checkpoint, every signature and every signer.

    Every entry must be sealed by the log key (operator-attested) or signed by a key registered
    for its party (party-signed); the report counts both.
    """
    key = db.signer.verifier()
    with db.read() as session:
        report = db.ledger.audit(session.connection(), log_key=key)
        problems = list(report.problems)
        signers = {"party_signed": 0, "operator_sealed": 0, "problem": None}
        if report.ok:
            signers = check_authorship(db, session, key)
            if signers["problem"] is not None:
                problems.append(str(signers["problem"]))
    return {
        "ok": not problems,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "party_signed": signers["party_signed"],
        "operator_sealed": signers["operator_sealed"],
        "problems": problems,
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
