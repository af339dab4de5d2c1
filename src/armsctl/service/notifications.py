"""Notifications between parties: submit, list (sender and recipients only), acknowledge.

The log records that a notification was sent, by whom, to whom and the salted SHA-256 of its
canonical body: enough to prove later what was said and when, without publishing what parties
exchange only among themselves. The store keeps the body and its salt sealed to the sender and
the recipients (every party, for a broadcast) only (``entries.seal_at_rest``): whoever reads the
database file, the operator included, reads no body; each party's client opens its copy.

Acknowledgements are kept per recipient party (``notification_acks``): a broadcast is
acknowledged by each other party on its own, and each acknowledgement is logged and audited.
A notification's ``acknowledged_at`` is the caller's own party's acknowledgement (for a
recipient) or, for the sender of a direct notification, the recipient's; ``acknowledgements``
lists every party's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from armsctl.errors import ConflictError, InputError, NotFoundError, Problem
from armsctl.service._base import Actor, Allow, Database, Page, Resource, audit, iso, party_by_code
from armsctl.service._json import check_json, renderable
from armsctl.service._paging import fetch_page
from armsctl.service.entries import (
    acknowledgement_entry,
    append_for_party,
    body_salt_fields,
    content_commitment,
    notification_entry,
    parse_salt,
    seal_at_rest,
    sealed_view,
)
from armsctl.service.log import proof_url
from armsctl.service.treaty_dates import check_treaty_date, history_marked
from armsctl.store.models import Notification, NotificationAck, Party

__all__ = [
    "KIND_PATTERN",
    "acknowledge_notification",
    "list_notifications",
    "reseal_notification",
    "submit_notification",
]

#: A notification kind: a lower-case slug of at most 64 characters (the API's bound too).
KIND_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _acks(session: Session, ids: list[int]) -> dict[int, dict[str, dt.datetime]]:
    """Every acknowledgement of these notifications, by notification and party code."""
    out: dict[int, dict[str, dt.datetime]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(NotificationAck.notification_id, Party.code, NotificationAck.acknowledged_at)
        .join(Party, NotificationAck.party_id == Party.id)
        .where(NotificationAck.notification_id.in_(ids))
    ).all()
    for nid, code, at in rows:
        out[nid][code] = at
    return out


def _public(
    row: Notification,
    sender: str,
    recipient: str | None,
    acks: dict[str, dt.datetime],
    viewer: str | None,
    clear: Any = None,
) -> dict[str, Any]:
    mine = acks.get(viewer) if viewer is not None and viewer != sender else None
    if viewer == sender and recipient is not None:
        mine = acks.get(recipient)
    if row.sealed_body is not None:
        # Sealed at rest: the server cannot read the body; the reader's client opens its copy.
        content: dict[str, Any] = {
            "body": renderable(clear) if clear is not None else None,
            "body_salt": None,
            "body_commitment": row.sealed_body.get("commitment"),
            "sealed_body": sealed_view(row.sealed_body, viewer),
        }
    else:
        content = {
            "body": renderable(row.body),
            **body_salt_fields(row.body_salt, row.body),
            "sealed_body": None,
        }
    return {
        "id": row.id,
        "treaty": row.treaty_id,
        "sender": sender,
        "recipient": recipient,
        "kind": row.kind,
        **content,
        "sent_at": iso(row.sent_at),
        "acknowledged_at": iso(mine),
        "acknowledgements": {code: iso(at) for code, at in sorted(acks.items())},
        "log_index": row.log_index,
        "proof": proof_url(row.log_index) if row.log_index >= 0 else None,
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
    signed_entry: str | None = None,
    require_signature: bool = False,
    body_salt: str | None = None,
    rng: Callable[[int], bytes] = os.urandom,
    recording_history: bool = False,
) -> dict[str, Any]:
    """Send a notification (to one party, or to every other party with ``recipient=None``).

    With ``signed_entry`` the log entry is the sender's own (see ``entries.notification_entry``
    for what it signs); otherwise the server seals it, unless ``require_signature``. The log
    carries the body's salted commitment: ``body_salt`` (hex) is the one the sender signed
    over, else ``rng`` draws a fresh one.

    Raises:
        InputError: naming ``kind`` if it is not a slug (``KIND_PATTERN``); if the body is
            outside the JSON bounds (depth, size, canonical numbers),
            naming ``body_salt`` if it is not 32 bytes of hex or is missing from a signed
            request, or naming ``signed_entry`` (malformed, unverified, mismatched or missing).
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the sender.

    A notification is dated by the server's clock: it is refused (422, naming ``at``) when the
    treaty does not apply on that date for the sender (``service.treaty_dates``), unless
    ``recording_history``, which its log entry then records.
    """
    if not isinstance(kind, str) or KIND_PATTERN.fullmatch(kind) is None:
        raise InputError(
            [Problem("", "kind", "must be a lower-case slug: a-z, 0-9 and '-', 1 to 64 characters")]
        )
    check_json(body, "body")
    if signed_entry is not None and body_salt is None:
        raise InputError([Problem("", "body_salt", "a signed notification needs its body_salt")])
    salt = parse_salt(body_salt, "body_salt", rng)
    with db.write() as (session, conn):
        doc = db.treaty(session, treaty)
        from_party = party_by_code(session, treaty, sender)
        allow(Resource("notification", f"{treaty}/{sender}", owner=from_party.id))
        check_treaty_date(
            doc,
            at=at,
            parties=(sender,),
            what=f"a notification sent on {at.astimezone(dt.UTC).date().isoformat()}",
            recording_history=recording_history,
        )
        to_party = party_by_code(session, treaty, recipient) if recipient else None
        if to_party is not None and to_party.id == from_party.id:
            raise ConflictError("a party does not notify itself")
        row = Notification(
            treaty_id=treaty,
            sender_id=from_party.id,
            recipient_id=to_party.id if to_party else None,
            kind=kind,
            body={},
            body_salt=None,
            sent_at=at,
            log_index=-1,
        )
        session.add(row)
        session.flush()
        readers = (
            [from_party.id, to_party.id]
            if to_party is not None
            else session.scalars(select(Party.id).where(Party.treaty_id == treaty)).all()
        )
        _seal_body(session, row, readers, body, salt, rng)
        # What the sender signs (no ref) and what the server seals (with the row's ref).
        fields: dict[str, Any] = {
            "treaty": treaty,
            "sender": sender,
            "recipient": recipient,
            "kind": kind,
            "body": body,
            "salt": salt,
            "at": at,
        }
        row.log_index = append_for_party(
            db,
            session,
            conn,
            signed=history_marked(notification_entry(**fields), recording_history),
            sealed=history_marked(notification_entry(**fields, ref=row.id), recording_history),
            party_id=from_party.id,
            signed_entry=signed_entry,
            require_signature=require_signature,
        )
        return _public(row, sender, recipient, {}, actor.party, clear=body)


def reseal_notification(session: Session, row: Notification, rng: Callable[[int], bytes]) -> bool:
    """Seal a body stored in clear (a row from before sealing) as a new one is sealed.

    The readers are the sender and the recipient or, for a broadcast, every party of the
    treaty registered when it was sent (no party registered later gains a copy). The commitment
    kept is the one the log carries (none for a row from before salted commitments).

    Returns:
        False if the body was already sealed.
    """
    if row.sealed_body is not None:
        return False
    readers = (
        [row.sender_id, row.recipient_id]
        if row.recipient_id is not None
        else session.scalars(
            select(Party.id).where(
                Party.treaty_id == row.treaty_id, Party.registered_at <= row.sent_at
            )
        ).all()
    )
    salt = bytes(row.body_salt) if row.body_salt is not None else None
    _seal_body(session, row, {row.sender_id, *readers}, row.body, salt, rng)
    row.body, row.body_salt = {}, None
    return True


def _seal_body(
    session: Session,
    row: Notification,
    readers: Collection[int],
    body: Any,
    salt: bytes | None,
    rng: Callable[[int], bytes],
) -> None:
    """Seal a notification's body and salt to its readers, bound to the notification's id.

    The commitment kept beside it is the one the log carries (none without a salt: a row
    from before salted commitments).
    """
    row.sealed_body = seal_at_rest(
        session,
        readers,
        value=body,
        salt=salt,
        commitment=content_commitment(salt, body) if salt is not None else None,
        context={"kind": "notification-body", "treaty": row.treaty_id, "notification": row.id},
        rng=rng,
    )


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
    with db.audited_read() as session:
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
        rows, total = fetch_page(session, query, Notification.id, limit=limit, offset=offset)
        audit(
            session,
            actor,
            action="notification.read",
            resource=f"{treaty}/notifications",
            at=at,
            detail=f"{len(rows)} notifications from offset {offset}",
        )
        acks = _acks(session, [n.id for n, _s, _r in rows])
        viewer = actor.party if actor.treaty == treaty else None
        return Page(
            [_public(n, s, r, acks[n.id], viewer) for n, s, r in rows], total, limit, offset
        )


def acknowledge_notification(
    db: Database,
    actor: Actor,
    *,
    notification_id: int,
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> dict[str, Any]:
    """Acknowledge receipt for the caller's party (the recipient; a broadcast: each other party).

    With ``signed_entry`` the acknowledgement in the log is the party's own
    (``entries.acknowledgement_entry``); otherwise the server seals it, unless
    ``require_signature``.

    Raises:
        ConflictError: if the caller's party already acknowledged it.
        InputError: naming ``signed_entry`` (malformed, unverified, mismatched or missing).
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the party.
    """
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
        ref = f"notification/{notification_id}"
        allow(Resource("notification", ref, owner=owner))
        party_id = owner if owner is not None else actor.party_id
        party = session.get(Party, party_id) if party_id is not None else None
        if party is None:  # only the local CLI gets here without a recipient to act for
            raise ConflictError("a broadcast is acknowledged by a party, not by the server")
        if session.get(NotificationAck, (row.id, party.id)) is not None:
            raise ConflictError(f"{party.code} already acknowledged notification {row.id}")
        if row.recipient_id is not None:
            row.acknowledged_at = at
        draft = acknowledgement_entry(
            treaty=row.treaty_id,
            party=party.code,
            notification=row.id,
            notification_index=row.log_index,
            at=at,
        )
        index = append_for_party(
            db,
            session,
            conn,
            signed=draft,
            sealed=draft,
            party_id=party.id,
            signed_entry=signed_entry,
            require_signature=require_signature,
        )
        session.add(
            NotificationAck(
                notification_id=row.id,
                party_id=party.id,
                acknowledged_by=actor.user_id,
                acknowledged_at=at,
                log_index=index,
            )
        )
        audit(
            session,
            actor,
            action="notification.acknowledge",
            resource=ref,
            at=at,
            outcome="changed",
            detail=f"acknowledged for {party.code}",
        )
        session.flush()
        acks = _acks(session, [row.id])[row.id]
        return _public(row, sender.code, recipient.code if recipient else None, acks, party.code)
