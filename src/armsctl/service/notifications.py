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

The list is the API's busiest audited read. Its queries are built once (module-level Core
statements: no ORM entity, alias or statement is rebuilt per request), and the API is served
``list_notifications_json``: the page as JSON bytes, kept per viewer and store version
(``read_cache``), while every request still checks access and records its audit event.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Collection
from typing import Any, Protocol

from sqlalchemy import Connection, Integer, Select, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from armsctl.errors import ConflictError, InputError, NotFoundError, Problem
from armsctl.service import read_cache
from armsctl.service._base import Actor, Allow, Database, Page, Resource, audit, iso, party_by_code
from armsctl.service._json import check_json, renderable
from armsctl.service._paging import Listing
from armsctl.service.entries import (
    SealedPublic,
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
from armsctl.service.records import Record, Time
from armsctl.service.treaty_dates import check_treaty_date, history_marked
from armsctl.store.models import Notification, NotificationAck, Party

__all__ = [
    "KIND_PATTERN",
    "NotificationPublic",
    "acknowledge_notification",
    "list_notifications",
    "list_notifications_json",
    "reseal_notification",
    "submit_notification",
]

#: A notification kind: a lower-case slug of at most 64 characters (the API's bound too).
KIND_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


_NOTES: Table = Notification.__table__  # type: ignore[assignment]
_PARTIES: Table = Party.__table__  # type: ignore[assignment]
_ACK_ROWS: Table = NotificationAck.__table__  # type: ignore[assignment]
_SENDER, _RECIPIENT = _PARTIES.alias("sender"), _PARTIES.alias("recipient")
_LISTED = _NOTES.join(_SENDER, _NOTES.c.sender_id == _SENDER.c.id).outerjoin(
    _RECIPIENT, _NOTES.c.recipient_id == _RECIPIENT.c.id
)
#: What a party sees: what it sent or received, and every broadcast (none: broadcasts only).
_VISIBLE = and_(
    _NOTES.c.treaty_id == bindparam("treaty"),
    or_(
        _NOTES.c.sender_id == bindparam("party", type_=Integer),
        _NOTES.c.recipient_id == bindparam("party", type_=Integer),
        _NOTES.c.recipient_id.is_(None),
    ),
)
_COUNT = select(func.count()).select_from(_LISTED).where(_VISIBLE)
_PAGE = (
    select(_NOTES, _SENDER.c.code.label("sender_code"), _RECIPIENT.c.code.label("recipient_code"))
    .select_from(_LISTED)
    .where(_VISIBLE)
    .order_by(_NOTES.c.id)  # unique: no row is skipped or repeated between pages
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
)
_ACKS = (
    select(_ACK_ROWS.c.notification_id, _PARTIES.c.code, _ACK_ROWS.c.acknowledged_at)
    .join(_PARTIES, _ACK_ROWS.c.party_id == _PARTIES.c.id)
    .where(_ACK_ROWS.c.notification_id.in_(bindparam("ids", expanding=True)))
)


class _Stored(Protocol):
    """A stored notification: an ORM row, or a Core row of ``_PAGE`` (the same names)."""

    @property
    def id(self) -> int: ...
    @property
    def treaty_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def body(self) -> dict[str, Any]: ...
    @property
    def body_salt(self) -> bytes | None: ...
    @property
    def sealed_body(self) -> dict[str, Any] | None: ...
    @property
    def sent_at(self) -> dt.datetime: ...
    @property
    def log_index(self) -> int: ...


class NotificationPublic(Record):
    """A notification as its reader sees it: the body in clear, or the reader's sealed copy."""

    id: int
    treaty: str
    sender: str
    recipient: str | None
    kind: str
    body: dict[str, Any] | None
    body_salt: str | None
    body_commitment: str | None
    sealed_body: SealedPublic | None
    sent_at: Time
    acknowledged_at: Time | None
    acknowledgements: dict[str, Time]
    log_index: int
    proof: str | None


def _acks(conn: Connection, ids: list[int]) -> dict[int, dict[str, dt.datetime]]:
    """Every acknowledgement of these notifications, by notification and party code."""
    out: dict[int, dict[str, dt.datetime]] = {i: {} for i in ids}
    if not ids:
        return out
    for nid, code, at in conn.execute(_ACKS, {"ids": ids}):
        out[nid][code] = at
    return out


def _served(
    row: _Stored,
    sender: str,
    recipient: str | None,
    acks: dict[str, dt.datetime],
    viewer: str | None,
    clear: Any = None,
) -> dict[str, Any]:
    """A notification as ``viewer`` is served it, as plain JSON data (``NotificationPublic``).

    Plain data, not the record: the list's kept bytes (``list_notifications_json``) are
    serialised from it directly, with no validation per row on the API's busiest read.
    """
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
) -> NotificationPublic:
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
        shown = _served(row, sender, recipient, {}, actor.party, clear=body)
        return NotificationPublic.model_validate(shown)


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


def _viewer(
    db: Database, session: Session, actor: Actor, treaty: str, allow: Allow
) -> tuple[int | None, str | None]:
    """The caller's party id and code under ``treaty`` (none outside it), once access is allowed.

    Raises:
        NotFoundError: if the treaty is not on this server.
        AccessDenied: if ``allow`` refuses the list.
    """
    db.treaty(session, treaty)
    party_id = actor.party_id if actor.treaty == treaty else None
    allow(
        Resource(
            "notifications",
            f"{treaty}/notifications",
            parties=frozenset({party_id}) if party_id is not None else frozenset(),
        )
    )
    return party_id, actor.party if actor.treaty == treaty else None


def _page(
    conn: Connection,
    *,
    treaty: str,
    party_id: int | None,
    viewer: str | None,
    limit: int,
    offset: int,
) -> tuple[Page[dict[str, Any]], bool]:
    """One page as ``viewer`` is served it, and whether every row on it is sealed at rest.

    The rows are plain data (``_served``): the kept bytes are serialised from them as they are.

    The count and the page come from the same statements for every caller, so ``Page.total``
    counts exactly the rows the pages walk through.
    """
    params = {"treaty": treaty, "party": party_id}
    total = int(conn.execute(_COUNT, params).scalar_one())
    rows = conn.execute(_PAGE, {**params, "limit": limit, "offset": offset}).all()
    acks = _acks(conn, [row.id for row in rows])
    results = [
        _served(row, row.sender_code, row.recipient_code, acks[row.id], viewer) for row in rows
    ]
    return Page(results, total, limit, offset), all(row.sealed_body is not None for row in rows)


def _audit_list(
    session: Session, actor: Actor, *, treaty: str, shown: int, offset: int, at: dt.datetime
) -> None:
    audit(
        session,
        actor,
        action="notification.read",
        resource=f"{treaty}/notifications",
        at=at,
        detail=f"{shown} notifications from offset {offset}",
    )


def list_notifications(
    db: Database, actor: Actor, listing: Listing, *, allow: Allow, at: dt.datetime
) -> Page[NotificationPublic]:
    """Notifications the actor's party sent or received (broadcasts included); audited.

    The actor decides whose notifications are listed: ``listing`` names no party.
    """
    treaty, limit, offset = listing.unfiltered_treaty(), listing.limit, listing.offset
    with db.audited_read() as session:
        party_id, viewer = _viewer(db, session, actor, treaty, allow)
        page, _sealed = _page(
            session.connection(),
            treaty=treaty,
            party_id=party_id,
            viewer=viewer,
            limit=limit,
            offset=offset,
        )
        _audit_list(session, actor, treaty=treaty, shown=len(page.results), offset=offset, at=at)
        rows = [NotificationPublic.model_validate(row) for row in page.results]
        return Page(rows, page.total, page.limit, page.offset)


@functools.cache
def _version_query(entries: Table) -> Select[int | None, int | None]:
    """The log's last index and the newest notification's id: two index lookups, no scan."""
    return select(
        select(func.max(entries.c.seq)).scalar_subquery(),
        select(func.max(_NOTES.c.id)).scalar_subquery(),
    )


def list_notifications_json(
    db: Database, actor: Actor, listing: Listing, *, allow: Allow, at: dt.datetime
) -> bytes:
    """``list_notifications(...).to_dict()`` as JSON bytes (``read_cache.dumps``); audited.

    Each request checks access and records its audit event, durable before the bytes are
    returned, exactly as ``list_notifications``; only the page itself is kept, per
    ``read_cache`` key of everything that decides what the caller is served: the treaty, the
    caller's role, party id and party code, the page (``limit``, ``offset``) and the store's
    version. Two callers share bytes only if each would be served exactly those bytes.

    The version is the log's size and the newest notification's id. Every notification and
    every acknowledgement appends its log entry in the transaction that stores it, and appends
    are serialised in commit order (SQLite's write lock, PostgreSQL's lock on the entries
    table), so the size grows with each commit that changes a page. It is read first, in the
    transaction the page is then read in (on SQLite one snapshot; on PostgreSQL the page is
    at least as new), so a page is never kept under a version newer than its rows. A page
    holding a row still in clear (stored before encryption at rest, sealed later in place by
    ``reseal_notification`` without a log entry) is not kept: it is read again each time.

    Raises:
        NotFoundError: if the treaty is not on this server.
        AccessDenied: if ``allow`` refuses the list.
        ParameterError: if ``listing`` names a party.
    """
    treaty, limit, offset = listing.unfiltered_treaty(), listing.limit, listing.offset
    with db.audited_read() as session:
        party_id, viewer = _viewer(db, session, actor, treaty, allow)
        conn = session.connection()
        size, newest = conn.execute(_version_query(db.ledger.t.entries)).one()
        key = ("notifications", treaty, actor.role, party_id, viewer, limit, offset, size, newest)
        kept: tuple[bytes, int] | None = read_cache.lookup(db, key)
        if kept is None:
            page, sealed = _page(
                conn, treaty=treaty, party_id=party_id, viewer=viewer, limit=limit, offset=offset
            )
            kept = read_cache.dumps(page.to_dict()), len(page.results)
            if sealed:
                read_cache.keep(db, key, kept)
        body, shown = kept
        _audit_list(session, actor, treaty=treaty, shown=shown, offset=offset, at=at)
    return body


def acknowledge_notification(
    db: Database,
    actor: Actor,
    *,
    notification_id: int,
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
) -> NotificationPublic:
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
        acks = _acks(session.connection(), [row.id])[row.id]
        to = recipient.code if recipient else None
        return NotificationPublic.model_validate(_served(row, sender.code, to, acks, party.code))
