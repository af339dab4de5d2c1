"""Committed declarations: publish a commitment to item-level data, reveal items one by one.

A party's item-level inventory is secret, yet the party must later prove to an inspector that
the items it shows were declared long before. The protocol (cryptographic escrow):

1. **Commit.** For each item draw a 32-byte random salt and compute the commitment
   ``c = SHA-256(salt || canonical(item))`` (RFC 8785 canonical JSON). Sort the commitments
   (so that an item's position reveals nothing, e.g. not its facility) and build an RFC 9162
   Merkle tree over them. Only the *public declaration* goes in the log: party, date, number of
   items per category, total size, and the root. The party keeps the *opening* (items, salts,
   positions) in a private file.
2. **Reveal.** For chosen items (or every item of a facility) the party hands out the item, its
   salt, its position and the inclusion proof of its commitment.
3. **Verify.** Anyone holding only the public log checks each revealed item against the logged
   root, that no position is revealed twice, that each revealed category was declared and
   revealed counts stay within the declared counts, and that the declared counts add up to the
   committed tree size. Without the salt, a commitment reveals nothing about an item, even for
   guessable items (a serial-number range, a known category).

The functions are pure: randomness comes in as ``rng(n) -> n bytes``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armsctl.errors import DeclarationError, IntegrityError, Problem
from armsctl.ledger.envelope import canonical
from armsctl.ledger.merkle import (
    HASH_SIZE,
    inclusion_proof,
    leaf_hash,
    root,
    verify_inclusion,
)

__all__ = [
    "DECLARATION_KIND",
    "REQUIRED_ITEM_FIELDS",
    "SALT_SIZE",
    "SCHEME",
    "Commitment",
    "RevealReport",
    "commit_items",
    "commitment",
    "parse_items",
    "reveal_items",
    "validate_items",
    "verify_reveal",
]

SCHEME = "armsctl/escrow/v1: sha256(salt||rfc8785(item)), rfc9162 tree over sorted commitments"
DECLARATION_KIND = "committed-declaration"
SALT_SIZE = 32
REQUIRED_ITEM_FIELDS = ("uid", "category", "status", "facility")


def _number_or_text(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def parse_items(text: str, *, fmt: str, where: str = "items") -> list[dict[str, Any]]:
    """Read item records from CSV or JSON text (a list of objects, or ``{"items": [...]}``).

    CSV cells of the required fields stay strings; other cells that read as numbers become
    numbers, so that a CSV row and the equivalent JSON record commit to the same bytes.

    Raises:
        DeclarationError: if the text cannot be read or the records are malformed.
    """
    records: list[dict[str, Any]]
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in REQUIRED_ITEM_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise DeclarationError(
                [Problem(where, "header", f"missing column {name!r}") for name in missing]
            )
        records = [
            {
                k: (v if k in REQUIRED_ITEM_FIELDS else _number_or_text(v or ""))
                for k, v in row.items()
                if k is not None
            }
            for row in reader
        ]
    elif fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DeclarationError([Problem(where, f"line {exc.lineno}", exc.msg)]) from None
        if isinstance(doc, dict) and "items" in doc:
            doc = doc["items"]
        if not isinstance(doc, list):
            raise DeclarationError([Problem(where, "", "expected a list of item records")])
        records = doc
    else:
        raise DeclarationError([Problem(where, "", f"unknown item format {fmt!r}")])
    validate_items(records, where=where)
    return [dict(r) for r in records]


def commitment(salt: bytes, item: Mapping[str, Any]) -> bytes:
    """Return ``SHA-256(salt || canonical(item))``."""
    return hashlib.sha256(bytes(salt) + canonical(dict(item))).digest()


def validate_items(items: Sequence[Mapping[str, Any]], *, where: str = "items") -> None:
    """Check item records have the required string fields and unique uids.

    Raises:
        DeclarationError: listing every row with a problem.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for row, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(Problem(where, f"item {row}", "is not a record"))
            continue
        for name in REQUIRED_ITEM_FIELDS:
            value = item.get(name)
            if not isinstance(value, str) or not value:
                problems.append(
                    Problem(where, f"item {row}", f"{name!r} must be a non-empty string")
                )
        uid = item.get("uid")
        if isinstance(uid, str):
            if uid in seen:
                problems.append(
                    Problem(where, f"item {row}", f"uid {uid!r} repeats item {seen[uid]}")
                )
            seen[uid] = row
    if not items:
        problems.append(Problem(where, "", "a declaration needs at least one item"))
    if problems:
        raise DeclarationError(problems)


@dataclass(frozen=True, slots=True)
class Commitment:
    """The result of committing: what goes in the log, and what the party keeps secret."""

    public: dict[str, Any]
    opening: dict[str, Any]


def commit_items(
    items: Sequence[Mapping[str, Any]],
    *,
    party: str,
    date: str,
    treaty: str,
    rng: Callable[[int], bytes],
) -> Commitment:
    """Commit to item records.

    Args:
        items: Records with at least ``uid``, ``category``, ``status``, ``facility``.
        party: The declaring party.
        date: The as-of date of the declaration (ISO 8601).
        treaty: The treaty the declaration is made under.
        rng: A source of cryptographically random bytes (``os.urandom`` in production).

    Raises:
        DeclarationError: if the items are malformed.
    """
    validate_items(items)
    records = [dict(item) for item in items]
    salts = [rng(SALT_SIZE) for _ in records]
    if any(len(s) != SALT_SIZE for s in salts):
        raise IntegrityError("rng must return the number of bytes asked for")
    commitments = [commitment(s, r) for s, r in zip(salts, records, strict=True)]
    order = sorted(range(len(records)), key=lambda i: commitments[i])
    leaves = [commitments[i] for i in order]
    counts = Counter(str(records[i]["category"]) for i in order)
    public = {
        "scheme": SCHEME,
        "party": party,
        "date": date,
        "treaty": treaty,
        "counts": dict(sorted(counts.items())),
        "size": len(leaves),
        "root": base64.b64encode(root(leaves)).decode("ascii"),
    }
    opening = {
        "public": public,
        "items": [
            {"index": position, "salt": salts[i].hex(), "item": records[i]}
            for position, i in enumerate(order)
        ],
    }
    return Commitment(public=public, opening=opening)


def _opening_rows(opening: Mapping[str, Any]) -> list[tuple[int, bytes, dict[str, Any]]]:
    try:
        rows = [
            (int(row["index"]), bytes.fromhex(row["salt"]), dict(row["item"]))
            for row in opening["items"]
        ]
    except (KeyError, TypeError, ValueError):
        raise IntegrityError("the opening file is malformed") from None
    return sorted(rows, key=lambda r: r[0])


def reveal_items(
    opening: Mapping[str, Any],
    *,
    uids: Sequence[str] = (),
    facility: str | None = None,
    declaration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a reveal of chosen items (by uid, and/or every item of a facility).

    Args:
        opening: The party's private opening from ``commit_items``.
        uids: Items to reveal.
        facility: Reveal every item at this facility as well.
        declaration: Where the public declaration sits in the log, e.g. ``{"index": 12,
            "entry_hash": "..."}``; copied into the reveal for the verifier.

    Raises:
        IntegrityError: if the opening does not reproduce its own public root.
        DeclarationError: if a uid is unknown or nothing is selected.
    """
    rows = _opening_rows(opening)
    public = dict(opening["public"])
    leaves = [commitment(salt, item) for _, salt, item in rows]
    if [i for i, _, _ in rows] != list(range(len(rows))) or base64.b64encode(root(leaves)).decode(
        "ascii"
    ) != public.get("root"):
        raise IntegrityError("the opening does not reproduce its committed root")
    by_uid = {item.get("uid"): position for position, (_, _, item) in enumerate(rows)}
    unknown = [u for u in uids if u not in by_uid]
    if unknown:
        raise DeclarationError(
            [Problem("opening", "", f"uid {u!r} is not in this declaration") for u in unknown]
        )
    chosen = {by_uid[u] for u in uids}
    if facility is not None:
        chosen |= {p for p, (_, _, item) in enumerate(rows) if item.get("facility") == facility}
    if not chosen:
        raise DeclarationError("nothing to reveal: no uid given and no item at that facility")
    revealed = []
    for position in sorted(chosen):
        _, salt, item = rows[position]
        proof = inclusion_proof(leaves, position)
        revealed.append(
            {
                "index": position,
                "salt": salt.hex(),
                "item": item,
                "proof": [base64.b64encode(p).decode("ascii") for p in proof],
            }
        )
    return {
        "declaration": {**(declaration or {}), "public": public},
        "facility": facility,
        "items": revealed,
    }


@dataclass(frozen=True, slots=True)
class RevealReport:
    """The outcome of checking a reveal against the public declaration."""

    verified: int
    revealed_counts: dict[str, int]
    declared_counts: dict[str, int]
    facility: str | None


def _decode_root(public: Mapping[str, Any]) -> tuple[bytes, int, dict[str, int]]:
    try:
        root_hash = base64.b64decode(str(public["root"]), validate=True)
        size = public["size"]
        counts = {str(k): v for k, v in dict(public["counts"]).items()}
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise IntegrityError("the public declaration is malformed") from None
    if len(root_hash) != HASH_SIZE or not isinstance(size, int) or size < 1:
        raise IntegrityError("the public declaration has a malformed root or size")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in counts.values()):
        raise IntegrityError("the public declaration has a malformed category count")
    if sum(counts.values()) != size:
        raise IntegrityError(
            f"declared category counts add up to {sum(counts.values())}, not the {size} "
            "committed items"
        )
    return root_hash, size, counts


def verify_reveal(unverified_reveal: Mapping[str, Any], public: Mapping[str, Any]) -> RevealReport:
    """Check a reveal against the public declaration taken from the log.

    Args:
        unverified_reveal: The reveal document as received.
        public: The declaration body as it stands in the log (never the copy in the reveal).

    Raises:
        IntegrityError: naming the first item that does not verify, a position revealed twice,
            an undeclared category, more items of a category than declared, or declared counts
            that do not add up.
    """
    root_hash, size, counts = _decode_root(public)
    claimed = unverified_reveal.get("declaration", {})
    copy = claimed.get("public") if isinstance(claimed, Mapping) else None
    if copy is not None and not hmac.compare_digest(canonical(copy), canonical(dict(public))):
        raise IntegrityError("the reveal's copy of the declaration differs from the logged one")
    try:
        items = list(unverified_reveal["items"])
    except (KeyError, TypeError):
        raise IntegrityError("the reveal has no list of items") from None
    if not items:
        raise IntegrityError("the reveal reveals no items")
    seen: set[int] = set()
    revealed: Counter[str] = Counter()
    for n, row in enumerate(items):
        try:
            index = row["index"]
            salt = bytes.fromhex(row["salt"])
            item = dict(row["item"])
            proof = [base64.b64decode(p, validate=True) for p in row["proof"]]
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise IntegrityError(f"revealed item {n} is malformed") from None
        uid = item.get("uid", "?")
        if not isinstance(index, int) or index in seen:
            raise IntegrityError(f"revealed item {uid}: position {index!r} is invalid or repeated")
        seen.add(index)
        if len(salt) != SALT_SIZE:
            raise IntegrityError(f"revealed item {uid}: the salt is not {SALT_SIZE} bytes")
        leaf = leaf_hash(commitment(salt, item))
        if not verify_inclusion(leaf, index, size, proof, root_hash):
            raise IntegrityError(
                f"revealed item {uid}: not in the committed declaration (proof does not verify)"
            )
        category = str(item.get("category"))
        if category not in counts:
            raise IntegrityError(f"revealed item {uid}: category {category!r} was not declared")
        revealed[category] += 1
        if revealed[category] > counts[category]:
            raise IntegrityError(
                f"more {category!r} items revealed than the {counts[category]} declared"
            )
    facility = unverified_reveal.get("facility")
    if facility is not None and any(dict(r["item"]).get("facility") != facility for r in items):
        raise IntegrityError(f"the reveal of facility {facility!r} includes items elsewhere")
    return RevealReport(
        verified=len(items),
        revealed_counts=dict(sorted(revealed.items())),
        declared_counts=counts,
        facility=facility if isinstance(facility, str) else None,
    )
