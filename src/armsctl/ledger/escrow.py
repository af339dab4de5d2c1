"""Committed declarations: publish a commitment to item-level data, reveal items one by one.

A party's item-level inventory is secret, yet the party must later prove to an inspector that
the items it shows were declared long before. The protocol (cryptographic escrow):

1. **Commit.** For each item draw a 32-byte random salt and compute the commitment
   ``c = SHA-256(salt || canonical(item))`` (RFC 8785 canonical JSON). Sort the commitments
   (so that an item's position reveals nothing, e.g. not its facility) and build an RFC 9162
   Merkle tree over them. Only the *public declaration* goes in the log: party, date, number of
   items per category, total size, and the root. The party keeps the *opening* (items, salts,
   positions) in a private file.
   Since v2 the commitment also binds, per facility, a salted commitment to the facility's
   item count, ``SHA-256(salt_f || canonical({"facility": f, "items": n}))``, in a second
   tree padded with dummy leaves (``SHA-256(pad_salt || "armsctl/escrow/v2/pad" || i)``) to a
   power of two of at least 8 and sorted, published as ``facilities: {root, size}``: the log
   reveals neither the facilities, their number (beyond that bucket) nor their sizes.
2. **Reveal.** For chosen items (or every item of a facility) the party hands out the item, its
   salt, its position and the inclusion proof of its commitment; a facility reveal (v2) also
   opens that facility's count commitment, so the verifier knows it saw *every* item there.
3. **Verify.** Anyone holding only the public log checks each revealed item against the logged
   root, that no position is revealed twice, that each revealed category was declared and
   revealed counts stay within the declared counts, that no uid is revealed twice, that the
   declared counts add up to the committed tree size and, for a v2 facility reveal, that the
   number of items revealed is the facility's committed count (otherwise the report says plainly
   that completeness is not proven). Without the salt, a commitment reveals nothing about an item, even for
   guessable items (a serial-number range, a known category).

The functions are pure: randomness comes in as ``rng(n) -> n bytes``, drawn in a documented
order (one salt per item in input order, one per facility in sorted order, one padding salt),
so that a party's client that committed can send its draws and the server rebuild the very
same commitment (``replay_rng``).
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
from armsctl.textio import parse_json

__all__ = [
    "DECLARATION_KIND",
    "REQUIRED_ITEM_FIELDS",
    "SALT_SIZE",
    "SCHEME",
    "SCHEME_V1",
    "Commitment",
    "RevealReport",
    "canonical_record",
    "commit_items",
    "commitment",
    "facility_commitment",
    "parse_items",
    "recording_rng",
    "replay_rng",
    "reveal_items",
    "validate_items",
    "verify_reveal",
]

SCHEME_V1 = "armsctl/escrow/v1: sha256(salt||rfc8785(item)), rfc9162 tree over sorted commitments"
SCHEME = (
    "armsctl/escrow/v2: sha256(salt||rfc8785(item)), rfc9162 tree over sorted commitments; "
    "per-facility count commitments in a padded sorted tree"
)
_PAD_TAG = b"armsctl/escrow/v2/pad"
_MIN_FACILITY_LEAVES = 8
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
        doc = parse_json(text, where=where, error=DeclarationError)
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
    return hashlib.sha256(bytes(salt) + canonical_record(item)).digest()


_SAFE_INT = 2**53 - 1  # the rfc8785 library refuses larger magnitudes
_flat_json = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), check_circular=False
).encode


def canonical_record(item: Mapping[str, Any]) -> bytes:
    r"""RFC 8785 canonical JSON of one item record, fast for the flat records items are.

    For a record whose keys are ASCII and whose values are strings or integers below
    2**53 in size, Python's JSON encoder (sorted keys, no spaces, no ASCII escaping) writes
    exactly the RFC 8785 bytes: keys sorted by code point equal keys sorted by UTF-16 units
    for ASCII, strings are escaped alike (``\"``, ``\\``, ``\b \f \n \r \t``, other control
    characters as lowercase ``\u00xx``) and such integers print alike. Any other record (a
    float, a boolean, a nested value, a non-ASCII key, a lone surrogate) goes through the
    general canonicaliser. At 100,000 items this is the difference between seconds and
    a fraction of one.
    """
    fast = True
    for key, value in item.items():
        kind = type(value)
        if (
            type(key) is not str
            or not key.isascii()
            or not (kind is str or (kind is int and -_SAFE_INT <= value <= _SAFE_INT))
        ):
            fast = False
            break
    if fast:
        try:
            return _flat_json(item).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let the general path refuse it
            pass
    return canonical(dict(item))


def facility_commitment(salt: bytes, facility: str, count: int) -> bytes:
    """Return ``SHA-256(salt || canonical({"facility": facility, "items": count}))``."""
    return hashlib.sha256(bytes(salt) + canonical({"facility": facility, "items": count})).digest()


def _pad_leaves(pad_salt: bytes, real: int) -> list[bytes]:
    size = _MIN_FACILITY_LEAVES
    while size < real:
        size *= 2
    return [
        hashlib.sha256(bytes(pad_salt) + _PAD_TAG + i.to_bytes(4, "big")).digest()
        for i in range(size - real)
    ]


def _facility_leaves(
    counts: Mapping[str, int], salts: Mapping[str, bytes], pad_salt: bytes
) -> tuple[list[bytes], dict[str, bytes]]:
    """The sorted facility tree leaves and each facility's own leaf."""
    own = {f: facility_commitment(salts[f], f, n) for f, n in counts.items()}
    return sorted([*own.values(), *_pad_leaves(pad_salt, len(own))]), own


def recording_rng(rng: Callable[[int], bytes]) -> tuple[Callable[[int], bytes], list[bytes]]:
    """Wrap ``rng`` so that every draw is also kept (to send to a server that must replay it)."""
    drawn: list[bytes] = []

    def draw(n: int) -> bytes:
        value = bytes(rng(n))
        drawn.append(value)
        return value

    return draw, drawn


def replay_rng(draws: Sequence[bytes]) -> Callable[[int], bytes]:
    """An ``rng`` that returns ``draws`` in order, refusing to run out or change size.

    Raises:
        IntegrityError: (when called) if a draw is missing or of the wrong size.
    """
    queue = list(draws)
    queue.reverse()

    def draw(n: int) -> bytes:
        if not queue:
            raise IntegrityError("fewer salts than the commitment draws")
        value = queue.pop()
        if len(value) != n:
            raise IntegrityError(f"a salt is {len(value)} bytes, not {n}")
        return value

    return draw


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
    per_facility = Counter(str(r["facility"]) for r in records)
    facility_salts = {f: rng(SALT_SIZE) for f in sorted(per_facility)}
    pad_salt = rng(SALT_SIZE)
    if any(len(s) != SALT_SIZE for s in [*salts, *facility_salts.values(), pad_salt]):
        raise IntegrityError("rng must return the number of bytes asked for")
    commitments = [commitment(s, r) for s, r in zip(salts, records, strict=True)]
    order = sorted(range(len(records)), key=lambda i: commitments[i])
    leaves = [commitments[i] for i in order]
    counts = Counter(str(records[i]["category"]) for i in order)
    facility_leaves, _own = _facility_leaves(per_facility, facility_salts, pad_salt)
    public = {
        "scheme": SCHEME,
        "party": party,
        "date": date,
        "treaty": treaty,
        "counts": dict(sorted(counts.items())),
        "size": len(leaves),
        "root": base64.b64encode(root(leaves)).decode("ascii"),
        "facilities": {
            "root": base64.b64encode(root(facility_leaves)).decode("ascii"),
            "size": len(facility_leaves),
        },
    }
    opening = {
        "public": public,
        "items": [
            {"index": position, "salt": salts[i].hex(), "item": records[i]}
            for position, i in enumerate(order)
        ],
        "facilities": {f: salt.hex() for f, salt in facility_salts.items()},
        "pad_salt": pad_salt.hex(),
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
    facility_opening = _facility_opening(opening, rows, facility) if facility is not None else None
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
    doc: dict[str, Any] = {
        "declaration": {**(declaration or {}), "public": public},
        "facility": facility,
        "items": revealed,
    }
    if facility_opening is not None:
        doc["facility_count"] = facility_opening
    return doc


def _facility_opening(
    opening: Mapping[str, Any], rows: list[tuple[int, bytes, dict[str, Any]]], facility: str
) -> dict[str, Any] | None:
    """The opening of one facility's count commitment with its proof (v2), else ``None``."""
    public = opening["public"]
    if public.get("scheme") != SCHEME:
        return None
    try:
        salts = {str(f): bytes.fromhex(h) for f, h in dict(opening["facilities"]).items()}
        pad_salt = bytes.fromhex(str(opening["pad_salt"]))
    except (KeyError, TypeError, ValueError):
        raise IntegrityError("the opening file has malformed facility salts") from None
    per_facility = Counter(str(item.get("facility")) for _, _, item in rows)
    if set(salts) != set(per_facility):
        raise IntegrityError("the opening's facility salts do not match its items")
    leaves, own = _facility_leaves(per_facility, salts, pad_salt)
    if base64.b64encode(root(leaves)).decode("ascii") != dict(public["facilities"]).get("root"):
        raise IntegrityError("the opening does not reproduce its committed facility root")
    if facility not in own:
        return None
    index = leaves.index(own[facility])
    return {
        "items": per_facility[facility],
        "salt": salts[facility].hex(),
        "index": index,
        "proof": [base64.b64encode(p).decode("ascii") for p in inclusion_proof(leaves, index)],
    }


@dataclass(frozen=True, slots=True)
class RevealReport:
    """The outcome of checking a reveal against the public declaration."""

    verified: int
    revealed_counts: dict[str, int]
    declared_counts: dict[str, int]
    facility: str | None
    #: For a facility reveal: ``True`` if it provably holds every item declared there,
    #: ``False`` if completeness is not proven (a v1 commitment, or no count opened);
    #: ``None`` for a reveal of chosen items.
    complete: bool | None = None


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
    uids: set[str] = set()
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
        if not isinstance(uid, str) or uid in uids:
            raise IntegrityError(f"revealed item {uid}: the uid is missing or repeated")
        uids.add(uid)
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
    complete: bool | None = None
    if facility is not None:
        if not isinstance(facility, str):
            raise IntegrityError("the reveal's facility is not a string")
        if any(dict(r["item"]).get("facility") != facility for r in items):
            raise IntegrityError(f"the reveal of facility {facility!r} includes items elsewhere")
        complete = _check_complete(
            unverified_reveal.get("facility_count"), public, facility, len(items)
        )
    return RevealReport(
        verified=len(items),
        revealed_counts=dict(sorted(revealed.items())),
        declared_counts=counts,
        facility=facility,
        complete=complete,
    )


def _check_complete(opened: Any, public: Mapping[str, Any], facility: str, revealed: int) -> bool:
    """Whether a facility reveal provably holds every item committed there.

    Raises:
        IntegrityError: if an opened count does not verify against the logged facility root,
            or the reveal holds fewer items than the facility's committed count.
    """
    if public.get("scheme") != SCHEME or opened is None:
        return False
    try:
        tree = dict(public["facilities"])
        facilities_root = base64.b64decode(str(tree["root"]), validate=True)
        size = tree["size"]
        count = opened["items"]
        salt = bytes.fromhex(opened["salt"])
        index = opened["index"]
        proof = [base64.b64decode(p, validate=True) for p in opened["proof"]]
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise IntegrityError("the facility count opening is malformed") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, count, index)):
        raise IntegrityError("the facility count opening is malformed")
    if len(salt) != SALT_SIZE or len(facilities_root) != HASH_SIZE:
        raise IntegrityError("the facility count opening is malformed")
    leaf = leaf_hash(facility_commitment(salt, facility, count))
    if not verify_inclusion(leaf, index, size, proof, facilities_root):
        raise IntegrityError(f"the count opened for facility {facility!r} is not the committed one")
    if revealed != count:
        raise IntegrityError(
            f"the reveal of facility {facility!r} holds {revealed} of its {count} committed items"
        )
    return True
