"""A log monitor that follows a tiled log (c2sp.org/tlog-tiles) with nothing but its tiles.

Each run fetches the log's checkpoint and checks its signature against the log key the user
gave (never one taken from the server); checks with a consistency proof computed from the
served hash tiles that the new tree extends the last one this monitor saw; then fetches the
entry bundles of every new entry, recomputes the tree from them, starting from the right edge
of the old tree kept in the state, and compares the root with the signed one. So every entry
is checked against the checkpoint, and a log that rewrote, dropped or reordered anything it had
shown before is caught. Each new entry in the name of a watched party must carry the party's
key and a valid signature: anything else (an operator-sealed entry, a forged one, a foreign
key) is a finding.

The state (origin, size, root and the right edge of the tree) only moves forward when the tree
verifies, so a bad checkpoint is reported again on the next run. The logic is pure: the caller
hands ``follow`` a function that fetches one path of the log.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from armsctl.errors import InputError, IntegrityError
from armsctl.ledger.checkpoint import open_checkpoint
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    fold,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    verify_consistency,
)
from armsctl.ledger.note import VerifierKey
from armsctl.ledger.tiles import (
    TILE_WIDTH,
    consistency_proof_from_tiles,
    decode_bundle,
    tile_path,
    tile_width,
)

__all__ = ["Fetch", "MonitorReport", "MonitorState", "follow"]

#: Fetches one path under the log's prefix (``checkpoint``, ``tile/0/000``); ``None`` if absent.
Fetch = Callable[[str], bytes | None]


@dataclass(frozen=True, slots=True)
class MonitorState:
    """What the monitor last verified: a signed tree and the right edge that rebuilds it."""

    origin: str
    size: int
    root: bytes
    #: The perfect subtrees ``perfect_subtrees(0, size)`` as (level, hash), largest first.
    edge: tuple[tuple[int, bytes], ...]

    def to_json(self) -> dict[str, Any]:
        """Return the state as JSON-ready data."""

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        return {
            "origin": self.origin,
            "size": self.size,
            "root": b64(self.root),
            "edge": [[level, b64(value)] for level, value in self.edge],
        }

    @classmethod
    def from_json(cls, doc: object) -> MonitorState:
        """Read a state written by ``to_json``, checking that its edge folds to its root.

        Raises:
            InputError: naming the malformed field.
        """
        if not isinstance(doc, dict):
            raise InputError("monitor state: not a JSON object")
        origin, size = doc.get("origin"), doc.get("size")
        if not isinstance(origin, str) or not origin:
            raise InputError("monitor state: 'origin' must be a non-empty string")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InputError("monitor state: 'size' must be a non-negative integer")
        try:
            root = base64.b64decode(str(doc.get("root")), validate=True)
            raw_edge = doc.get("edge")
            if not isinstance(raw_edge, list):
                raise ValueError
            edge = tuple(
                (int(level), base64.b64decode(str(value), validate=True))
                for level, value in raw_edge
            )
        except (binascii.Error, ValueError, TypeError):
            raise InputError("monitor state: 'root' or 'edge' is malformed") from None
        if len(root) != HASH_SIZE or any(len(h) != HASH_SIZE for _, h in edge):
            raise InputError("monitor state: hashes must be 32 bytes")
        if [level for level, _ in edge] != [lv for lv, _ in perfect_subtrees(0, size)]:
            raise InputError("monitor state: 'edge' does not match 'size'")
        if fold([h for _, h in edge]) != root:
            raise InputError("monitor state: 'edge' does not fold to 'root'")
        return cls(origin, size, root, edge)


@dataclass
class MonitorReport:
    """What one run saw: the sizes it moved between, entries checked, findings in order."""

    old_size: int
    new_size: int
    entries_checked: int = 0
    party_entries: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.findings


def _reader(fetch: Fetch, size: int) -> Callable[[Mapping[tuple[int, int], int]], dict[Any, bytes]]:
    def read(need: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], bytes]:
        out = {}
        for (level, index), _width in need.items():
            width = tile_width(level, index, size)
            path = tile_path(level, index, width)
            data = fetch(path)
            if data is None:
                raise IntegrityError(f"the log does not serve {path}")
            if len(data) != width * HASH_SIZE:
                raise IntegrityError(f"{path} holds {len(data)} bytes, not {width} hashes")
            out[(level, index)] = data
        return out

    return read


def _check_party(
    index: int, data: bytes, parties: Mapping[str, VerifierKey], report: MonitorReport
) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # not an envelope: no party's name on it
    party = doc.get("party") if isinstance(doc, dict) else None
    if not isinstance(party, str) or party not in parties:
        return
    report.party_entries[party] = report.party_entries.get(party, 0) + 1
    key = parties[party]
    try:
        entry = open_entry(data)
    except IntegrityError as exc:
        report.findings.append(f"entry {index}: in {party}'s name, but {exc}")
        return
    if entry.key.public_key != key.public_key:
        report.findings.append(
            f"entry {index}: in {party}'s name but signed by {entry.key.name}+"
            f"{entry.key.key_id.hex()}, not by {party}'s key {key.name}+{key.key_id.hex()}"
        )


def follow(
    fetch: Fetch,
    *,
    log_key: VerifierKey,
    state: MonitorState | None,
    parties: Mapping[str, VerifierKey] | None = None,
) -> tuple[MonitorReport, MonitorState | None]:
    """Follow the log from ``state`` to its current checkpoint.

    Args:
        fetch: Reads one path of the log (``checkpoint``, ``tile/...``), ``None`` if absent.
        log_key: The log's verifier key, obtained by the user out of band.
        state: What the previous run verified, or ``None`` to start from the empty tree.
        parties: Party -> the only key allowed to sign entries in its name.

    Returns:
        The report, and the state to keep (the old one if the new tree did not verify).

    Raises:
        InputError: if the state belongs to another log, or the log serves no checkpoint.
    """
    parties = parties or {}
    note = fetch("checkpoint")
    if note is None:
        raise InputError("the log serves no checkpoint at <prefix>/checkpoint")
    old_size = 0 if state is None else state.size
    report = MonitorReport(old_size, old_size)
    if state is not None and state.origin != log_key.name:
        raise InputError(f"the state file follows {state.origin!r}, not {log_key.name!r}")
    try:
        head = open_checkpoint(note, log_key)
    except IntegrityError as exc:
        report.findings.append(f"checkpoint: {exc}")
        return report, state
    report.new_size = head.size
    old_root = EMPTY_ROOT if state is None else state.root
    if head.size < old_size:
        report.findings.append(
            f"checkpoint: the log went back from size {old_size} to {head.size} (a rollback or "
            "a split view)"
        )
        return report, state
    try:
        proof = consistency_proof_from_tiles(old_size, head.size, _reader(fetch, head.size))
    except IntegrityError as exc:
        report.findings.append(f"tiles: {exc}")
        return report, state
    if not verify_consistency(old_size, head.size, old_root, head.root, proof):
        report.findings.append(
            f"checkpoint: size {head.size} is not consistent with size {old_size} seen before "
            "(the log rewrote its history or shows a split view)"
        )
        return report, state
    stack = list(state.edge) if state is not None else []
    position = old_size
    while position < head.size:
        bundle, offset = divmod(position, TILE_WIDTH)
        width = tile_width(0, bundle, head.size)
        path = tile_path(-1, bundle, width)
        data = fetch(path)
        try:
            if data is None:
                raise IntegrityError(f"the log does not serve {path}")
            entries = decode_bundle(data)
            if len(entries) != width:
                raise IntegrityError(f"{path} holds {len(entries)} entries, not {width}")
        except IntegrityError as exc:
            report.findings.append(f"entries: {exc}")
            return report, state
        for index, entry in enumerate(entries[offset:], position):
            value, level = leaf_hash(entry), 0
            while stack and stack[-1][0] == level:
                value = node_hash(stack.pop()[1], value)
                level += 1
            stack.append((level, value))
            if parties:
                _check_party(index, entry, parties, report)
            report.entries_checked += 1
        position = bundle * TILE_WIDTH + width
    if fold([h for _, h in stack]) != head.root:
        report.findings.append(
            f"entries: the entries served for {old_size}..{head.size - 1} do not hash to the "
            f"signed root of size {head.size}"
        )
        return report, state
    return report, MonitorState(head.origin, head.size, head.root, tuple(stack))
