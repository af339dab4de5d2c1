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

A site reveal is the same family: ``{"format", "treaty", "kind": "reveal", "inspection",
"body"}``, ``body`` being the request of ``POST /inspections/{id}/reveals``. Only the inspected
party's client can build it (``armsctl client inspect reveal ... --key K --out FILE``): it opens
the party's sealed items and its copy of the site and salt with the party's own keys, and signs
the ``items-revealed`` entry. The server checks the reveal against the logged commitment and the
signature against the party's registered keys, through the use-case the API calls.

A signed request must reach the server within ``entries.MAX_SKEW`` (5 minutes) of signing; a
file refused for its age says so plainly, with when it was signed (the rule is the use-case's,
unchanged: this only words its refusal).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from armsctl.errors import ArmsctlError, InputError, Problem
from armsctl.service._base import Actor, Allow, Database
from armsctl.service._json import MAX_SAFE, json_problem

if TYPE_CHECKING:  # the command line's client imports this module without the use-cases
    from armsctl.service.declarations import DeclarationPublic
    from armsctl.service.inspections import RevealCreatePublic

__all__ = [
    "FORMAT",
    "REVEAL",
    "SignedRequest",
    "looks_signed",
    "parse_signed_request",
    "parse_signed_reveal",
    "signature_age",
    "signed_request_document",
    "signed_reveal_document",
    "submit_signed_request",
    "submit_signed_reveal",
]

_T = TypeVar("_T")

FORMAT = "armsctl/signed-request/v1"
"""The ``format`` of a signed request file (its first key, so a reader can tell it early)."""

_KINDS = ("aggregate", "items")
REVEAL = "reveal"
"""The ``kind`` of a signed site reveal file (uploaded on the inspections page)."""
_REVEAL_FIELDS = ("declaration_id", "reveal", "site_salt", "signed_entry")
_HEX_SALT = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A parsed signed request file: which treaty, which kind of request, the API body.

    ``inspection`` is the inspection a site reveal is for (None for a declaration).
    """

    treaty: str
    kind: str
    body: Mapping[str, Any]
    inspection: int | None = None


def signed_request_document(treaty: str, kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The file ``armsctl client submit --out`` writes: the request, not sent."""
    return {"format": FORMAT, "treaty": treaty, "kind": kind, "body": dict(body)}


def signed_reveal_document(treaty: str, inspection: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """The file ``armsctl client inspect reveal --out`` writes: the reveal request, not sent."""
    return {
        "format": FORMAT,
        "treaty": treaty,
        "kind": REVEAL,
        "inspection": inspection,
        "body": dict(body),
    }


def looks_signed(head: bytes) -> bool:
    """Whether the first bytes of a JSON upload are those of a signed request file.

    The client writes ``format`` first, so the first KiB tells a signed request from a JSON
    declaration file without parsing a large file twice.
    """
    return FORMAT.encode() in head[:1024]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE


def _unreadable_entry(text: str) -> str | None:
    """Why ``signed_entry`` is not even readable (base64 of a JSON object), else None.

    Only the shape: whether it is signed, by whom and over what is the use-case's check.
    A number too long for Python's JSON reader, or nesting too deep, is named here rather
    than escaping the use-case as a server error.
    """
    import base64
    import binascii

    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "is not a signed entry (its bytes are not readable JSON)"
    return None if isinstance(doc, dict) else "is not a signed entry (not a JSON object)"


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
    elif (unreadable := _unreadable_entry(body["signed_entry"])) is not None:
        found.append(("body.signed_entry", unreadable))
    try:
        dt.date.fromisoformat(str(body.get("as_of")))
    except ValueError:
        found.append(("body.as_of", "must be a date (YYYY-MM-DD)"))
    if body.get("party") is not None and not isinstance(body["party"], str):
        found.append(("body.party", "must be a string"))
    if body.get("note") not in (None, ""):
        # The signed entry does not hold the note: whoever carries the file could change it,
        # and it would be served beside the party's signed figures as if the party wrote it.
        found.append(("body.note", "is not signed: a signed request carries no note"))
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
    doc = _document(data, name)
    if doc.get("kind") == REVEAL:
        raise InputError(
            [
                Problem(
                    name,
                    "kind",
                    f"this is the site reveal of inspection {doc.get('inspection')!r}: upload it "
                    "on the Inspections page",
                )
            ]
        )
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


def _document(data: bytes, name: str) -> dict[str, Any]:
    """The JSON object of a signed request file, of this format (else an error naming it)."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError([Problem(name, "", f"not JSON: {exc}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError([Problem(name, "format", f"must be {FORMAT!r}")])
    return doc


def _reveal_problems(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) of every type problem of a reveal request, as ``RevealCreate`` has."""
    found: list[tuple[str, str]] = [
        (f"body.{k}", "is not a field of a reveal request") for k in body if k not in _REVEAL_FIELDS
    ]
    if not isinstance(body.get("signed_entry"), str) or not body["signed_entry"]:
        found.append(
            (
                "body.signed_entry",
                "this reveal is not signed: write it with armsctl client inspect reveal "
                "INSPECTION --declaration ID --decrypt-key NAME.x25519.key --key NAME.key "
                "--out FILE",
            )
        )
    elif (unreadable := _unreadable_entry(body["signed_entry"])) is not None:
        found.append(("body.signed_entry", unreadable))
    declaration: Any = body.get("declaration_id")
    if not _is_count(declaration) or declaration < 1:
        found.append(("body.declaration_id", "must be the id of a committed declaration"))
    reveal = body.get("reveal")
    if reveal is not None:
        problem = json_problem(reveal) if isinstance(reveal, dict) else ("", "must be an object")
        if problem is not None:
            where = f"body.reveal.{problem[0]}" if problem[0] else "body.reveal"
            found.append((where, problem[1]))
    salt = body.get("site_salt")
    if salt is not None and not (isinstance(salt, str) and _HEX_SALT.match(salt)):
        found.append(("body.site_salt", "must be 64 hexadecimal digits (a 32-byte salt)"))
    return found


def parse_signed_reveal(data: bytes, *, inspection: int, name: str) -> SignedRequest:
    """Read a signed site reveal file; check its shape and that it is for ``inspection``.

    Raises:
        InputError: every problem, each naming ``name`` and the field; a declaration file is
            sent to the Declarations page, a reveal of another inspection is named as such.
    """
    doc = _document(data, name)
    kind = doc.get("kind")
    if kind in _KINDS:
        raise InputError(
            [Problem(name, "kind", f"this is a signed {kind} declaration: upload it on the "
                     "Declarations page")]
        )  # fmt: skip
    if kind != REVEAL:
        raise InputError([Problem(name, "kind", "must be reveal")])
    if doc.get("inspection") != inspection or isinstance(doc.get("inspection"), bool):
        raise InputError(
            [
                Problem(
                    name,
                    "inspection",
                    f"the file is the reveal of inspection {doc.get('inspection')!r}, not of "
                    f"inspection {inspection}",
                )
            ]
        )
    treaty, body = doc.get("treaty"), doc.get("body")
    if not isinstance(treaty, str) or not treaty:
        raise InputError([Problem(name, "treaty", "must name the treaty")])
    if not isinstance(body, dict):
        raise InputError([Problem(name, "body", "must be the request object")])
    found = _reveal_problems(body)
    if found:
        raise InputError([Problem(name, where, message) for where, message in found])
    return SignedRequest(treaty, REVEAL, body, inspection)


def submit_signed_reveal(
    db: Database,
    actor: Actor,
    request: SignedRequest,
    *,
    allow: Allow,
    at: dt.datetime,
    require_signature: bool = True,
) -> RevealCreatePublic:
    """Submit a signed site reveal through the use-case the API calls (``reveal_site``).

    What the use-case raises is raised, and nothing is stored then: 403 for a signature by a
    key not registered for the inspected party (or a caller who is not that party), 409 for an
    inspection not in progress, 422 naming ``reveal`` (it does not verify against the logged
    commitment, is of another site or is incomplete) or ``signed_entry`` (not what was signed,
    or signed more than 5 minutes from the server's clock: then said plainly).
    """
    from armsctl.service import inspections

    body, inspection = request.body, request.inspection
    if inspection is None:
        raise InputError([Problem("", "inspection", "the request names no inspection")])
    return _worded(
        lambda: inspections.reveal_site(
            db,
            actor,
            inspection_id=inspection,
            declaration_id=int(body["declaration_id"]),
            allow=allow,
            at=at,
            signed_entry=str(body["signed_entry"]),
            require_signature=require_signature,
            reveal=body.get("reveal"),
            site_salt=body.get("site_salt"),
        ),
        str(body["signed_entry"]),
        at,
        "armsctl client inspect reveal",
    )


def signature_age(signed_entry: str, now: dt.datetime) -> str | None:
    """In words, why a signed entry is outside the clock-skew rule; None if it is not (or unreadable).

    The rule is ``entries.accept_signed``'s (``MAX_SKEW``); this only says it plainly, with the
    time the entry was signed, for a refusal that already happened.
    """
    from armsctl.ledger.envelope import open_entry
    from armsctl.service.entries import MAX_SKEW, decode_signed

    try:
        signed_at = dt.datetime.fromisoformat(open_entry(decode_signed(signed_entry)).time)
    except (ArmsctlError, ValueError, TypeError):
        return None
    if signed_at.tzinfo is None:
        return None
    minutes = int(MAX_SKEW.total_seconds() // 60)
    off = (now - signed_at).total_seconds()
    if abs(off) <= MAX_SKEW.total_seconds():
        return None
    when = signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if off > 0:
        return (
            f"this file was signed at {when}, {_span(off)} ago: a signed request must be "
            f"uploaded within {minutes} minutes of signing. Write it again and upload it at once"
        )
    return (
        f"this file is signed at {when}, {_span(-off)} ahead of the server's clock (more than "
        f"{minutes} minutes): check the signing computer's clock, write it again and upload it"
    )


def _span(seconds: float) -> str:
    """A time span in round minutes (hours, days when long), as a person says it."""
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


def _worded(run: Callable[[], _T], signed_entry: str, at: dt.datetime, command: str) -> _T:
    """``run()``; a refusal for the signature's age is re-worded (``signature_age``)."""
    try:
        return run()
    except InputError as exc:
        if not any(p.location == "signed_entry" for p in exc.problems):
            raise
        plain = signature_age(signed_entry, at)
        if plain is None:
            raise
        raise InputError(
            [Problem("", "signed_entry", f"{plain} ({command} ... --out FILE)")]
        ) from None


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
) -> DeclarationPublic:
    """Submit a signed request through the use-case the API would call for it.

    ``note`` is the server's (where the request came from): a request carries none, since
    its signature would not cover it (``parse_signed_request`` refuses one). The party is
    the request's, else the
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
        "note": note,
        "allow": allow,
        "at": at,
        "signed_entry": body["signed_entry"],
        "require_signature": require_signature,
        "recording_history": body.get("recording_history") is True,
    }

    def submit() -> DeclarationPublic:
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

    return _worded(submit, str(body["signed_entry"]), at, "armsctl client submit")
