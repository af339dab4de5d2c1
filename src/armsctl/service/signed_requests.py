"""Signed declaration requests: written by the party's client, uploaded through the web.

A party whose server requires party signatures cannot have the web sign a declaration file for
it: the server only ever sees the party's signature, never its key. So the party's own client
builds and signs the very request the API would receive (``armsctl client submit ... --key K
--out FILE``: the commitment, the salts or the sealed rows, and ``signed_entry``) and writes it
to a file instead of sending it; the web upload form takes that file and submits it through the
same use-cases as the API. The server checks the signature against the party's registered keys
(``entries.accept_signed``), never a key written in the file, and rebuilds the entry from the
request, so a tampered figure, item or commitment no longer matches the signed entry and the
whole request is refused, with nothing stored or logged.

The file is JSON: ``{"format": FORMAT, "treaty", "kind": "aggregate" | "items", "body"}``,
where ``body`` is the API request body (``POST /treaties/{t}/declarations`` or
``.../declarations/items``). The checks here are the type checks the API's schemas make, so a
malformed file gets a message naming its field, never a server error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from armsctl.errors import InputError, Problem
from armsctl.service._base import Actor, Allow, Database
from armsctl.service._json import MAX_SAFE

__all__ = [
    "FORMAT",
    "SignedRequest",
    "looks_signed",
    "parse_signed_request",
    "signed_request_document",
    "submit_signed_request",
]

FORMAT = "armsctl/signed-request/v1"
"""The ``format`` of a signed request file (its first key, so a reader can tell it early)."""

_KINDS = ("aggregate", "items")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A parsed signed request file: which treaty, which kind of declaration, the API body."""

    treaty: str
    kind: str
    body: Mapping[str, Any]


def signed_request_document(treaty: str, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The file ``armsctl client submit --out`` writes: the request, not sent."""
    return {"format": FORMAT, "treaty": treaty, "kind": kind, "body": dict(body)}


def looks_signed(head: bytes) -> bool:
    """Whether the first bytes of a JSON upload are those of a signed request file.

    The client writes ``format`` first, so the first KiB tells a signed request from a JSON
    declaration file without parsing a large file twice.
    """
    return FORMAT.encode() in head[:1024]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE


def _body_problems(kind: str, body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) of every type problem of the request body, as the API schemas have."""
    found: list[tuple[str, str]] = []
    if not isinstance(body.get("signed_entry"), str) or not body["signed_entry"]:
        found.append(
            (
                "body.signed_entry",
                "this request is not signed: write it with armsctl client submit TREATY FILE "
                "--key NAME.key --out FILE",
            )
        )
    try:
        dt.date.fromisoformat(str(body.get("as_of")))
    except ValueError:
        found.append(("body.as_of", "must be a date (YYYY-MM-DD)"))
    for name in ("party", "note"):
        if body.get(name) is not None and not isinstance(body[name], str):
            found.append((f"body.{name}", "must be a string"))
    if not isinstance(body.get("recording_history", False), bool):
        found.append(("body.recording_history", "must be true or false"))
    if kind == "aggregate":
        figures = body.get("figures", {})
        if not isinstance(figures, dict) or not all(
            isinstance(k, str) and _is_count(v) for k, v in figures.items()
        ):
            found.append(("body.figures", "must map each measure to a whole number"))
        if body.get("status", "provided") not in ("provided", "not-provided"):
            found.append(("body.status", "must be provided or not-provided"))
        return found
    if body.get("sealed") is not None:
        sealed = body["sealed"]
        if body.get("items") is not None:
            found.append(("body.items", "sealed items come without items in clear"))
        if not isinstance(body.get("commitment"), dict):
            found.append(("body.commitment", "must be the commitment object"))
        components = body.get("components")
        if not isinstance(components, dict) or not all(
            isinstance(k, str) and _is_count(v) for k, v in components.items()
        ):
            found.append(("body.components", "must map each component to a whole number"))
        rows = sealed.get("rows") if isinstance(sealed, dict) else None
        if (
            not isinstance(sealed, dict)
            or not isinstance(sealed.get("scheme"), str)
            or not isinstance(sealed.get("wrapped_key"), str)
            or not isinstance(sealed.get("private"), (str, type(None)))
            or not isinstance(rows, list)
            or not all(
                isinstance(r, dict)
                and _is_count(r.get("index"))
                and isinstance(r.get("ciphertext"), str)
                for r in rows
            )
        ):
            found.append(("body.sealed", "must be sealed rows as armsctl client writes them"))
        return found
    items, salts = body.get("items"), body.get("salts")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        found.append(("body.items", "must be a list of item records (or sealed rows)"))
    if not isinstance(salts, list) or not all(isinstance(s, str) for s in salts):
        found.append(("body.salts", "must be the list of salts the client drew"))
    return found


def parse_signed_request(data: bytes, *, treaty: str, name: str) -> SignedRequest:
    """Read a signed request file; check its shape and that it is for ``treaty``.

    Raises:
        InputError: every problem, each naming ``name`` and the field.
    """
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError([Problem(name, "", f"not JSON: {exc}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError([Problem(name, "format", f"must be {FORMAT!r}")])
    if doc.get("treaty") != treaty:
        raise InputError(
            [Problem(name, "treaty", f"the file is for {doc.get('treaty')!r}, not {treaty!r}")]
        )
    kind, body = doc.get("kind"), doc.get("body")
    if kind not in _KINDS:
        raise InputError([Problem(name, "kind", "must be aggregate or items")])
    if not isinstance(body, dict):
        raise InputError([Problem(name, "body", "must be the request object")])
    found = _body_problems(str(kind), body)
    if found:
        raise InputError([Problem(name, where, message) for where, message in found])
    return SignedRequest(treaty, str(kind), body)


def submit_signed_request(
    db: Database,
    actor: Actor,
    request: SignedRequest,
    *,
    allow: Allow,
    rng: Callable[[int], bytes],
    at: dt.datetime,
    note: str,
    require_signature: bool = True,
) -> dict[str, Any]:
    """Submit a signed request through the use-case the API would call for it.

    ``note`` is used when the request carries none. The party is the request's, else the
    caller's. What the use-cases raise is raised (a signature by an unregistered key is
    ``AccessDenied``; a body that is not what was signed is an ``InputError`` naming
    ``signed_entry``), and nothing is stored then.
    """
    from armsctl.service import declarations

    body = request.body
    party = body.get("party") or actor.party
    if not isinstance(party, str):
        raise InputError([Problem("", "party", "the request names no party")])
    common: dict[str, Any] = {
        "treaty": request.treaty,
        "party": party,
        "as_of": dt.date.fromisoformat(str(body["as_of"])),
        "note": body.get("note") or note,
        "allow": allow,
        "at": at,
        "signed_entry": body["signed_entry"],
        "require_signature": require_signature,
        "recording_history": body.get("recording_history") is True,
    }
    if request.kind == "aggregate":
        return declarations.submit_aggregate(
            db,
            actor,
            figures=body.get("figures") or {},
            status=str(body.get("status", "provided")),
            **common,
        )
    if body.get("sealed") is not None:
        return declarations.submit_sealed_items(
            db,
            actor,
            commitment=body["commitment"],
            components=body["components"],
            sealed=body["sealed"],
            **common,
        )
    return declarations.submit_items(
        db, actor, items=body["items"], salts=body["salts"], rng=rng, **common
    )
