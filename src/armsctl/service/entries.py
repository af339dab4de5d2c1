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

from armsctl.errors import InputError, IntegrityError, NotFoundError, Problem
from armsctl.ledger.envelope import Entry, canonical, open_entry, seal_entry
from armsctl.ledger.merkle import leaf_hash
from armsctl.ledger.note import SignerKey, VerifierKey
from armsctl.service._base import AccessDenied, ConflictError, Database
from armsctl.store.models import PartyKey

__all__ = [
    "MAX_SKEW",
    "SIGNED_FIELD",
    "Draft",
    "accept_signed",
    "append_for_party",
    "declaration_entry",
    "decode_signed",
    "notification_entry",
    "party_keys",
    "unsigned_refused",
]

#: How far a party's entry time may lie from the server's clock.
MAX_SKEW = dt.timedelta(minutes=5)
#: The request field that carries a party-signed entry (base64 of its canonical bytes).
SIGNED_FIELD = "signed_entry"


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
        return base64.b64encode(self.seal(signer)).decode("ascii")


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
    body: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "kind": "aggregate",
        "status": status,
        "figures": dict(sorted(figures.items())),
        "commitment": None,
    }
    if ref is not None:
        body = {"declaration": ref, **body}
    return Draft("declaration-aggregate", treaty, party, at, body)


def notification_entry(
    *,
    treaty: str,
    sender: str,
    recipient: str | None,
    kind: str,
    body: Mapping[str, Any],
    at: dt.datetime,
    ref: int | None = None,
) -> Draft:
    """The entry of a notification: who, to whom, which kind, and the SHA-256 of the body."""
    logged: dict[str, Any] = {
        "kind": kind,
        "recipient": recipient,
        "body_sha256": hashlib.sha256(canonical(dict(body))).hexdigest(),
    }
    if ref is not None:
        logged = {"notification": ref, **logged}
    return Draft("notification", treaty, sender, at, logged)


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
    sealed: Draft,
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
        sealed: The entry the server seals when the party did not sign (with the row id).
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
