"""The exact log entry each state-changing use-case writes, and party-signed submissions.

A log entry is only worth something if the party it names produced it: an entry sealed by the
server's key shows that the *operator* attests it, not that the party said it. So a party may
sign the entry itself. To make that possible the entry a use-case logs is a pure function of
the request (``declaration_entry``, ``notification_entry``), shared by the server and the
client: the client builds the same draft, seals it with its registered key
(``armsctl.ledger.envelope.seal_entry``) and sends the canonical bytes as ``signed_entry``; the
server builds the draft again from the request and accepts the signed bytes only if they say
exactly the same thing (``accept_signed``).

Two things the client cannot know are left out of a party-signed body and kept out of the
comparison: the row id the server will assign (operator-sealed entries keep it as ``ref``, so
their format is unchanged) and the server's clock (the party's own time is logged; it must lie
within ``MAX_SKEW`` of the server's).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from armsctl.errors import (
    AccessDenied,
    ConflictError,
    InputError,
    IntegrityError,
    NotFoundError,
    Problem,
)
from armsctl.ledger.envelope import Entry, canonical, open_entry, seal_entry
from armsctl.ledger.merkle import leaf_hash
from armsctl.ledger.note import SignerKey, VerifierKey
from armsctl.service._base import Database, b64
from armsctl.service.records import Record
from armsctl.store.models import PartyKey

__all__ = [
    "ENTRY_KINDS",
    "MAX_SKEW",
    "SALT_SIZE",
    "SIGNED_FIELD",
    "Draft",
    "SealedPublic",
    "accept_signed",
    "acknowledgement_entry",
    "append_for_party",
    "body_salt_fields",
    "content_commitment",
    "declaration_entry",
    "decode_signed",
    "inspection_request_entry",
    "inspection_step_entry",
    "items_declaration_entry",
    "notification_entry",
    "observation_entry",
    "parse_salt",
    "party_keys",
    "reveal_entry",
    "seal_at_rest",
    "sealed_view",
    "unsigned_refused",
]

#: How far a party's entry time may lie from the server's clock.
MAX_SKEW = dt.timedelta(minutes=5)
#: The request field that carries a party-signed entry (base64 of its canonical bytes).
SIGNED_FIELD = "signed_entry"
#: Bytes of every salt behind a commitment in the log.
SALT_SIZE = 32

#: Every kind of entry the server logs, and who authors (and, by default, signs) it: the
#: ``party`` the entry names, or the ``operator`` (the server's log key). What each kind
#: says and hides is in docs/confidentiality.md.
ENTRY_KINDS: dict[str, str] = {
    "declaration-aggregate": "party",
    "declaration-items": "party",
    "inspection-notified": "party",
    "inspection-reported": "party",
    "inspection-requested": "party",
    "inspection-started": "party",
    "items-revealed": "party",
    "notification": "party",
    "notification-acknowledged": "party",
    "observation": "party",  # an observer's own observation is sealed by the operator
    "party-encryption-key": "operator",
    "party-registered": "operator",
    "token-issued": "operator",
    "token-revoked": "operator",
    "treaty-loaded": "operator",
    "user-added": "operator",
    "zk-range-proof": "party",
}


def content_commitment(salt: bytes, value: Any) -> str:
    """The hex ``SHA-256(salt || RFC 8785 canonical(value))`` a log entry carries for content.

    The log is public, the content is not: without the 32-byte salt (kept in the store for the
    author and the readers the treaty entitles) a dictionary of candidate contents confirms
    nothing; with it, an entitled reader checks the logged digest against what it was shown.
    """
    return hashlib.sha256(bytes(salt) + canonical(value)).hexdigest()


def body_salt_fields(salt: bytes | None, body: Any) -> dict[str, Any]:
    """A body's salt (hex) and the commitment the log carries, for readers entitled to both.

    Both are ``None`` for a row stored before salted commitments.
    """
    if salt is None:
        return {"body_salt": None, "body_commitment": None}
    return {"body_salt": bytes(salt).hex(), "body_commitment": content_commitment(salt, body)}


def parse_salt(text: str | None, field: str, rng: Any) -> bytes:
    """A request's salt (64 hex digits), or a fresh one from ``rng`` when none is given.

    Raises:
        InputError: naming ``field`` if the text is not 32 bytes of hex.
    """
    if text is None:
        return bytes(rng(SALT_SIZE))
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) != SALT_SIZE:
        raise InputError([Problem("", field, f"must be {SALT_SIZE} bytes of hex")])
    return salt


def seal_at_rest(
    session: Session,
    party_ids: Collection[int],
    *,
    value: Any,
    salt: bytes | None,
    commitment: str | None,
    context: Mapping[str, Any],
    rng: Any,
    floor: int | None = None,
) -> dict[str, Any]:
    """Seal confidential content to the parties entitled to it, for the store.

    The content and its salt are sealed together (``sealing.seal_value``) to each entitled
    party's registered encryption key: with the salt in clear, whoever reads the database file
    could confirm guesses of a low-entropy value (a site name) against the log's commitment.
    What stays in clear is ``commitment``, the one the public log already carries. ``floor``
    (``sealing.reveal_floor`` of public data) pads content whose length would tell more.

    Returns:
        ``{"commitment": hex or None, "sealed": {...}}`` to keep in the row.

    Raises:
        InputError: naming ``encryption_key`` if an entitled party registered none.
    """
    from armsctl.ledger.sealing import VALUE_FLOOR, SealingPublicKey, seal_value
    from armsctl.store.models import Party

    parties = session.scalars(select(Party).where(Party.id.in_(sorted(set(party_ids))))).all()
    missing = sorted(p.code for p in parties if not p.encryption_key)
    if missing:
        raise InputError(
            [
                Problem(
                    "",
                    "encryption_key",
                    f"{', '.join(missing)} registered no encryption key, and the server keeps "
                    f"no {context.get('kind', 'confidential content')} in clear: the operator "
                    "registers one per party (armsctl parties add ... --encryption-key)",
                )
            ]
        )
    to = {p.code: SealingPublicKey.parse(str(p.encryption_key)) for p in parties}
    plain = {"value": value, "salt": salt.hex() if salt is not None else None}
    sealed = seal_value(plain, to=to, context=context, rng=rng, floor=floor or VALUE_FLOOR)
    return {"commitment": commitment, "sealed": sealed}


class SealedPublic(Record):
    """A value sealed at rest, as one reader is served it: its own wrapped key only."""

    scheme: str
    context: dict[str, Any]
    keys: dict[str, str]
    ciphertext: str


def sealed_view(stored: Mapping[str, Any] | None, reader: str | None) -> dict[str, Any] | None:
    """What one reader is served of content sealed at rest: its own wrapped key only.

    The reader's client opens it (``sealing.open_value``) into ``{"value", "salt"}`` and checks
    the salted commitment against the log.
    """
    from armsctl.ledger.sealing import reader_view

    if not stored:
        return None
    return reader_view(stored["sealed"], reader)


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry before it is signed: everything the signature will cover except the key."""

    kind: str
    treaty: str
    party: str
    at: dt.datetime
    body: dict[str, Any]

    def seal(self, signer: SignerKey) -> bytes:
        """Sign the draft; return the canonical envelope bytes to append or to send."""
        return seal_entry(
            kind=self.kind,
            treaty=self.treaty,
            party=self.party,
            at=self.at,
            body=self.body,
            signer=signer,
        )

    def seal_b64(self, signer: SignerKey) -> str:
        """The ``signed_entry`` value of a request: base64 of the sealed bytes."""
        return b64(self.seal(signer))


def declaration_entry(
    *,
    treaty: str,
    party: str,
    as_of: dt.date,
    figures: Mapping[str, int],
    status: str = "provided",
    at: dt.datetime,
    ref: int | None = None,
) -> Draft:
    """The entry of an aggregate declaration (``ref``: the row id, operator-sealed only)."""
    return _declaration_draft("aggregate", treaty, party, as_of, status, figures, None, at, ref)


def _declaration_draft(
    kind: str,
    treaty: str,
    party: str,
    as_of: dt.date,
    status: str,
    figures: Mapping[str, int],
    commitment: dict[str, Any] | None,
    at: dt.datetime,
    ref: int | None,
) -> Draft:
    """What both kinds of declaration log: date, kind, status, figures and commitment."""
    body: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "kind": kind,
        "status": status,
        "figures": dict(sorted(figures.items())),
        "commitment": commitment,
    }
    return Draft(f"declaration-{kind}", treaty, party, at, _referenced("declaration", ref, body))


def _referenced(name: str, ref: int | None, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as the server seals it: the row's id first, under ``name``, when it has one.

    A party signs its entry before the row exists, so only the server's form names the row.
    """
    return body if ref is None else {name: ref, **body}


def notification_entry(
    *,
    treaty: str,
    sender: str,
    recipient: str | None,
    kind: str,
    body: Mapping[str, Any],
    salt: bytes,
    at: dt.datetime,
    ref: int | None = None,
) -> Draft:
    """The entry of a notification: who, to whom, which kind, and the body's salted commitment."""
    logged = {"kind": kind, "recipient": recipient}
    return _committed_body("notification", treaty, sender, at, ref, logged, body, salt)


def acknowledgement_entry(
    *, treaty: str, party: str, notification: int, notification_index: int, at: dt.datetime
) -> Draft:
    """The entry of a party's acknowledgement of a notification (by id and log index)."""
    body = {"notification": notification, "log_index": notification_index}
    return Draft("notification-acknowledged", treaty, party, at, body)


def observation_entry(
    *,
    treaty: str,
    recorder: str,
    subject: str | None,
    source: str,
    observed_at: dt.datetime,
    body: Mapping[str, Any],
    salt: bytes,
    at: dt.datetime,
    ref: int | None = None,
) -> Draft:
    """The entry of an observation: about whom, from which source, when, and a commitment."""
    logged = {
        "subject": subject,
        "source": source,
        "observed_at": observed_at.astimezone(dt.UTC).isoformat(),
    }
    return _committed_body("observation", treaty, recorder, at, ref, logged, body, salt)


def _committed_body(
    kind: str,
    treaty: str,
    party: str,
    at: dt.datetime,
    ref: int | None,
    logged: dict[str, str | None],
    body: Mapping[str, Any],
    salt: bytes,
) -> Draft:
    """An entry of free-form content: ``logged`` in clear, then the body's salted commitment.

    The body itself is confidential and never logged; its row id (``ref``) is named under
    the entry's ``kind``.
    """
    fields = {**logged, "body_commitment": content_commitment(salt, dict(body))}
    return Draft(kind, treaty, party, at, _referenced(kind, ref, fields))


def inspection_request_entry(
    *,
    treaty: str,
    inspecting: str,
    inspected: str,
    quota_id: str,
    year: int,
    site_commitment: str,
    at: dt.datetime,
    ref: int | None = None,
    slot: int | None = None,
) -> Draft:
    """The entry of an inspection request (the site as its salted commitment only).

    A party-signed request cannot know the row id or the quota slot the server will assign;
    the operator-sealed form (``ref``, ``slot``) keeps both.
    """
    body: dict[str, Any] = {
        "inspected": inspected,
        "type": quota_id,
        "year": year,
        "site_commitment": site_commitment,
    }
    if ref is not None:
        body = {"inspection": ref, **body, "slot": slot}
    return Draft("inspection-requested", treaty, inspecting, at, body)


def inspection_step_entry(
    *,
    kind: str,
    treaty: str,
    party: str,
    inspection: int,
    state: str,
    at: dt.datetime,
    arrival_commitment: str | None = None,
    findings_commitment: str | None = None,
) -> Draft:
    """The entry of a step of an inspection (notified, started, reported).

    The arrival time and the findings are confidential between the two parties and the team:
    the log carries their salted commitments only, never a time, a count or a digest that a
    dictionary of guesses could confirm.
    """
    body: dict[str, Any] = {"inspection": inspection, "state": state}
    if arrival_commitment is not None:
        body["arrival_commitment"] = arrival_commitment
    if findings_commitment is not None:
        body["findings_commitment"] = findings_commitment
    return Draft(kind, treaty, party, at, body)


def reveal_entry(
    *,
    treaty: str,
    party: str,
    inspection: int,
    declaration: int,
    site_commitment: str,
    at: dt.datetime,
) -> Draft:
    """The entry of a site reveal: which inspection and declaration, never how many items."""
    body = {
        "inspection": inspection,
        "declaration": declaration,
        "site_commitment": site_commitment,
    }
    return Draft("items-revealed", treaty, party, at, body)


def items_declaration_entry(
    *,
    treaty: str,
    party: str,
    as_of: dt.date,
    figures: Mapping[str, int],
    commitment: Mapping[str, Any],
    at: dt.datetime,
    ref: int | None = None,
) -> Draft:
    """The entry of an item-level declaration: the limit values and the public commitment."""
    return _declaration_draft(
        "items", treaty, party, as_of, "provided", figures, dict(commitment), at, ref
    )


def _problem(message: str) -> InputError:
    return InputError([Problem("", SIGNED_FIELD, message)])


def decode_signed(text: str) -> bytes:
    """The entry bytes of a ``signed_entry`` value.

    Raises:
        InputError: naming ``signed_entry`` if the value is not base64.
    """
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _problem("is not valid base64") from None


def unsigned_refused(party: str) -> InputError:
    """The refusal of an unsigned submission under ``require_party_signatures``."""
    return _problem(
        f"this server requires party-signed entries: sign the entry with {party}'s "
        "registered key and send it as signed_entry"
    )


def accept_signed(
    data: bytes,
    draft: Draft,
    *,
    keys: Collection[VerifierKey],
    now: dt.datetime,
) -> Entry:
    """Check a party-signed entry against the entry the server would log for the request.

    Args:
        data: The canonical envelope bytes the party sent.
        draft: The entry rebuilt from the request (its time is ignored: the party's counts).
        keys: The party's registered, unrevoked keys.
        now: The server's clock.

    Raises:
        InputError: naming ``signed_entry`` if the bytes are malformed, the signature does not
            verify, the entry says something other than the request, or its time is off.
        armsctl.service._base.AccessDenied: if the signature is valid but by a key that is not
            registered for the party (another party's key, say).
    """
    try:
        entry = open_entry(data)
    except IntegrityError as exc:
        raise _problem(str(exc)) from None
    for name in ("kind", "treaty", "party"):
        if getattr(entry, name) != getattr(draft, name):
            raise _problem(
                f"its {name} is {getattr(entry, name)!r}, the request's is {getattr(draft, name)!r}"
            )
    if canonical(entry.body) != canonical(draft.body):
        raise _problem("its body is not the entry this request logs")
    try:
        at = dt.datetime.fromisoformat(entry.time)
    except ValueError:
        raise _problem("its time is not an RFC 3339 time") from None
    if at.tzinfo is None or abs(at - now) > MAX_SKEW:
        raise _problem(f"its time {entry.time} is more than {MAX_SKEW} from the server's clock")
    if not any(k.public_key == entry.key.public_key for k in keys):
        raise AccessDenied(
            f"signed_entry is not signed with a key registered for {draft.party}",
            action="signed-entry",
        )
    return entry


def party_keys(session: Session, party_id: int) -> list[VerifierKey]:
    """The party's registered keys that are not revoked."""
    rows = session.scalars(
        select(PartyKey.verifier_key).where(
            PartyKey.party_id == party_id, PartyKey.revoked_at.is_(None)
        )
    ).all()
    return [VerifierKey.parse(text) for text in rows]


def append_for_party(
    db: Database,
    session: Session,
    conn: Connection,
    *,
    signed: Draft,
    sealed: Draft | None = None,
    party_id: int,
    signed_entry: str | None,
    require_signature: bool,
) -> int:
    """Log a party's submission: its own signed entry, or (if allowed) one the server seals.

    Args:
        db: The database (its log and its sealing key).
        session: The use-case's session, to read the party's keys.
        conn: The use-case's connection, so the entry commits with the rows.
        signed: The entry a party signs for this request (no row id).
        sealed: The entry the server seals when the party did not sign (with the row id);
            ``signed`` itself when the entry names no row the party could not know.
        party_id: The submitting party's row id.
        signed_entry: The request's ``signed_entry`` (base64), if any.
        require_signature: Refuse unsigned submissions of a party that has a registered key.

    Returns:
        The entry's log index.

    Raises:
        InputError: naming ``signed_entry`` (see ``accept_signed``, ``unsigned_refused``).
        AccessDenied: if the entry is signed with a key not registered for the party.
        ConflictError: if the very same signed entry is already in the log (a replay).
    """
    if signed_entry is None:
        if require_signature and party_keys(session, party_id):
            raise unsigned_refused(signed.party)
        sealed = signed if sealed is None else sealed
        return db.append(
            conn,
            kind=sealed.kind,
            treaty=sealed.treaty,
            party=sealed.party,
            at=sealed.at,
            body=sealed.body,
        )
    data = decode_signed(signed_entry)
    accept_signed(data, signed, keys=party_keys(session, party_id), now=signed.at)
    try:
        index = db.ledger.index_of(conn, leaf_hash(data))
    except NotFoundError:
        return db.ledger.append(conn, [data]).first_index
    raise ConflictError(f"this signed entry is already in the log (entry {index})")
