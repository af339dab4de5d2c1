r"""Log entries: RFC 8785 canonical JSON envelopes signed by the submitting party.

An entry is the canonical JSON (RFC 8785) of::

    {"body": {...}, "key": "<verifier key>", "kind": "...", "party": "...",
     "sig": "<base64 Ed25519 signature>", "time": "2026-02-05T00:00:00Z", "treaty": "..."}

The signature covers ``armsctl/entry/v1\n`` followed by the canonical JSON of the envelope
without ``sig``: the body *and* its kind, treaty, party, time and key, so that nobody (the
operator included) can relabel a signed body as another kind, party or date. The domain prefix
keeps an entry signature from ever being valid as a note or checkpoint signature. Because the
stored bytes are canonical, the same record hashes to the same leaf everywhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

from armsctl.errors import IntegrityError
from armsctl.ledger.note import ALG_ED25519, SignerKey, VerifierKey

__all__ = [
    "ENTRY_DOMAIN",
    "Entry",
    "canonical",
    "format_time",
    "open_entry",
    "seal_entry",
]

ENTRY_DOMAIN = b"armsctl/entry/v1\n"
_FIELDS = frozenset({"body", "key", "kind", "party", "sig", "time", "treaty"})


def canonical(value: Any) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of a JSON-ready value.

    Raises:
        IntegrityError: if the value cannot be canonicalised (NaN, non-string keys, ...).
    """
    try:
        return bytes(rfc8785.dumps(value))
    except Exception as exc:  # rfc8785 raises its own error types and TypeError
        raise IntegrityError(f"value cannot be written as canonical JSON: {exc}") from None


def format_time(at: datetime) -> str:
    """Write an aware datetime as RFC 3339 UTC with a ``Z`` suffix."""
    if at.tzinfo is None:
        raise IntegrityError("entry time must be timezone-aware")
    text = at.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


@dataclass(frozen=True, slots=True)
class Entry:
    """A verified envelope: who submitted what, when, under which treaty."""

    kind: str
    treaty: str
    party: str
    time: str
    body: Any
    key: VerifierKey
    data: bytes


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise IntegrityError(f"entry has the key {k!r} twice")
        out[k] = v
    return out


def seal_entry(
    *,
    kind: str,
    treaty: str,
    party: str,
    at: datetime,
    body: Any,
    signer: SignerKey,
) -> bytes:
    """Build and sign one entry; return its canonical bytes, ready to append.

    Raises:
        IntegrityError: if a field is empty, the time is naive, or the body is not canonical
            JSON material.
    """
    for name, value in (("kind", kind), ("treaty", treaty), ("party", party)):
        if not isinstance(value, str) or not value:
            raise IntegrityError(f"entry {name} must be a non-empty string")
    if signer.alg != ALG_ED25519:
        raise IntegrityError("entries are signed with a plain Ed25519 key")
    unsigned = {
        "body": body,
        "key": str(signer.verifier()),
        "kind": kind,
        "party": party,
        "time": format_time(at),
        "treaty": treaty,
    }
    sig = signer.sign_bytes(ENTRY_DOMAIN + canonical(unsigned))
    return canonical({**unsigned, "sig": base64.b64encode(sig).decode("ascii")})


def open_entry(
    unverified_data: bytes, *, trusted: Mapping[str, VerifierKey] | None = None
) -> Entry:
    """Parse an entry, check it is canonical and that its signature verifies.

    Args:
        unverified_data: The stored or received entry bytes.
        trusted: Optional map from party to its registered key; when given, the entry's key
            must be the one registered for its party.

    Raises:
        IntegrityError: on malformed JSON (including a number too long or nesting too deep
            to read), non-canonical bytes, a missing field, a bad signature, or a key not
            registered for the party.
    """
    try:
        doc = json.loads(bytes(unverified_data).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IntegrityError("entry is not valid UTF-8 JSON") from None
    except ValueError:
        # Python refuses integers of more than 4300 digits (CVE-2020-10735) with a plain
        # ValueError; left to escape, it would be a server error rather than a refusal.
        raise IntegrityError("entry holds a number too long to read") from None
    except RecursionError:
        raise IntegrityError("entry is nested too deeply to read") from None
    if not isinstance(doc, dict) or set(doc) != _FIELDS:
        raise IntegrityError(f"entry must have exactly the fields {', '.join(sorted(_FIELDS))}")
    if canonical(doc) != bytes(unverified_data):
        raise IntegrityError("entry is not in RFC 8785 canonical form")
    for name in ("kind", "treaty", "party", "time", "key", "sig"):
        if not isinstance(doc[name], str) or not doc[name]:
            raise IntegrityError(f"entry field {name!r} must be a non-empty string")
    key = VerifierKey.parse(doc["key"])
    if key.alg != ALG_ED25519:
        raise IntegrityError("entry key must be a plain Ed25519 key")
    try:
        sig = base64.b64decode(doc["sig"], validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError("entry signature is not valid base64") from None
    unsigned = {k: v for k, v in doc.items() if k != "sig"}
    key.verify(ENTRY_DOMAIN + canonical(unsigned), sig)
    if trusted is not None:
        registered = trusted.get(doc["party"])
        if registered is None or registered.public_key != key.public_key:
            raise IntegrityError(f"entry key is not the key registered for party {doc['party']}")
    return Entry(
        kind=doc["kind"],
        treaty=doc["treaty"],
        party=doc["party"],
        time=doc["time"],
        body=doc["body"],
        key=key,
        data=bytes(unverified_data),
    )
