"""Notifications between parties: submit, list (sender and recipients only), acknowledge.

The log records that a notification was sent, by whom, to whom and the SHA-256 of its canonical
body: enough to prove later what was said and when, without publishing what parties exchange
only among themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from armsctl.errors import NotFoundError
from armsctl.ledger.envelope import canonical
from armsctl.service._base import (
    Actor,
    Allow,
    ConflictError,
    Database,
    Page,
    Resource,
    audit,
    iso,
    party_by_code,
)
from armsctl.store.models import Notification, Party

__all__ = ["acknowledge_notification", "list_notifications", "submit_notification"]


def _public(row: Notification, sender: str, recipient: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "treaty": row.treaty_id,
        "sender": sender,
        "recipient": recipient,
        "kind": row.kind,
        "body": row.body,
        "sent_at": iso(row.sent_at),
        "acknowledged_at": iso(row.acknowledged_at),
        "log_index": row.log_index,
    }


def submit_notification(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    sender: str,
    recipient: str | None,
    kind: str,
    body: dict[str, Any],
    allow: Allow,
    at: dt.datetime,
) -> dict[str, Any]:
    """Send a notification (to one party, or to every other party with ``recipient=None``)."""
    digest = hashlib.sha256(canonical(body)).hexdigest()
    with db.write() as (session, conn):
        db.treaty(session, treaty)
        from_party = party_by_code(session, treaty, sender)
        allow(Resource("notification", f"{treaty}/{sender}", owner=from_party.id))
        to_party = party_by_code(session, treaty, recipient) if recipient else None
        if to_party is not None and to_party.id == from_party.id:
            raise ConflictError("a party does not notify itself")
        row = Notification(
            treaty_id=treaty,
            sender_id=from_party.id,
            recipient_id=to_party.id if to_party else None,
            kind=kind,
            body=body,
            sent_at=at,
            log_index=-1,
        )
        session.add(row)
        session.flush()
        row.log_index = db.append(
            conn,
            kind="notification",
            treaty=treaty,
            party=sender,
            at=at,
            body={
                "notification": row.id,
                "kind": kind,
                "recipient": recipient,
                "body_sha256": digest,
            },
        )
        return _public(row, sender, recipient)


def list_notifications(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    allow: Allow,
    limit: int = 50,
    offset: int = 0,
    at: dt.datetime,
) -> Page:
    """Notifications the actor's party sent or received (broadcasts included); audited."""
    with db.write() as (session, _conn):
        db.treaty(session, treaty)
        party_id = actor.party_id if actor.treaty == treaty else None
        allow(
            Resource(
                "notifications",
                f"{treaty}/notifications",
                parties=frozenset({party_id}) if party_id is not None else frozenset(),
            )
        )
        sender, recipient = aliased(Party), aliased(Party)
        query = (
            select(Notification, sender.code, recipient.code)
            .join(sender, Notification.sender_id == sender.id)
            .outerjoin(recipient, Notification.recipient_id == recipient.id)
            .where(Notification.treaty_id == treaty)
            .where(
                or_(
                    Notification.sender_id == party_id,
                    Notification.recipient_id == party_id,
                    Notification.recipient_id.is_(None),
                )
            )
        )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(query.order_by(Notification.id).limit(limit).offset(offset)).all()
        audit(
            session,
            actor,
            action="notification.read",
            resource=f"{treaty}/notifications",
            at=at,
            detail=f"{len(rows)} notifications from offset {offset}",
        )
        return Page([_public(n, s, r) for n, s, r in rows], total, limit, offset)


def acknowledge_notification(
    db: Database, actor: Actor, *, notification_id: int, allow: Allow, at: dt.datetime
) -> dict[str, Any]:
    """Acknowledge receipt (the recipient only; a broadcast by any other party)."""
    with db.write() as (session, conn):
        row = session.get(Notification, notification_id)
        if row is None:
            raise NotFoundError(f"no notification {notification_id}")
        sender = session.get(Party, row.sender_id)
        assert sender is not None
        recipient = session.get(Party, row.recipient_id) if row.recipient_id else None
        owner = row.recipient_id
        if owner is None and actor.party_id != row.sender_id and actor.treaty == row.treaty_id:
            owner = actor.party_id
        allow(Resource("notification", f"notification/{notification_id}", owner=owner))
        if row.acknowledged_at is not None:
            raise ConflictError(f"notification {notification_id} is already acknowledged")
        row.acknowledged_at = at
        db.append(
            conn,
            kind="notification-acknowledged",
            treaty=row.treaty_id,
            party=recipient.code if recipient else (actor.party or "unknown"),
            at=at,
            body={"notification": row.id, "log_index": row.log_index},
        )
        return _public(row, sender.code, recipient.code if recipient else None)
