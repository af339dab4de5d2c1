"""The log audit: recompute every leaf and tile from the entries and check every checkpoint.

The audit trusts nothing stored but the entries' bytes and the log's public key. In one pass,
in storage order, it recomputes each leaf hash and each tile hash (the hashes at tree levels
0, 8, 16, ...) and compares them with the stored tile rows (so a changed byte anywhere is named
at the first entry or tile row it breaks), checks that entry numbers and tile rows run without
gaps, reordering or overlap, recomputes the root at every checkpointed size and compares it
with the signed root, and checks every checkpoint signature. Memory stays O(log n): the right
edge of the tree and the last tile of each level.

The functions here are pure: the store feeds them iterators over its rows.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from armsctl.errors import IntegrityError
from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.merkle import EMPTY_ROOT, HASH_SIZE, fold, leaf_hash, node_hash
from armsctl.ledger.note import VerifierKey

__all__ = ["AuditReport", "TileRow", "audit_log"]

_HEIGHT = 8
_WIDTH = 1 << _HEIGHT


class TileRow(NamedTuple):
    """One stored row of hash tiles: hashes ``start .. width - 1`` of tile ``(level, tile)``."""

    seq: int
    level: int
    tile: int
    start: int
    width: int
    hashes: bytes


@dataclass
class AuditReport:
    """What the audit checked and the problems it found, first problem first."""

    entries: int = 0
    #: Stored tile hashes checked (a hash stored in two rows counts twice).
    nodes: int = 0
    tiles: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    checkpoint_sizes: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.problems

    @property
    def first_problem(self) -> str | None:
        """The first mismatch, the one to investigate."""
        return self.problems[0] if self.problems else None


class _Stop(Exception):
    """Ends the streaming pass at the first structural mismatch."""


def _check_checkpoints(
    rows: Sequence[tuple[int, int, str]], log_key: VerifierKey | None, report: AuditReport
) -> dict[int, list[tuple[int, Checkpoint]]]:
    wanted: dict[int, list[tuple[int, Checkpoint]]] = {}
    last_size = -1
    for position, (seq, size_column, note) in enumerate(rows):
        report.checkpoints += 1
        if seq != position:
            report.problems.append(
                f"checkpoint {position} is missing (the next stored checkpoint is {seq})"
            )
            break
        try:
            if log_key is None:
                raise IntegrityError("no log key is known to check its signature")
            checkpoint = open_checkpoint(note, log_key)
        except IntegrityError as exc:
            report.problems.append(f"checkpoint {seq}: {exc}")
            continue
        if checkpoint.size != size_column:
            report.problems.append(
                f"checkpoint {seq}: stored size {size_column} is not the signed size "
                f"{checkpoint.size}"
            )
        if checkpoint.size < last_size:
            report.problems.append(
                f"checkpoint {seq}: size {checkpoint.size} is smaller than the previous "
                f"checkpoint's {last_size}"
            )
        last_size = max(last_size, checkpoint.size)
        wanted.setdefault(checkpoint.size, []).append((seq, checkpoint))
        report.checkpoint_sizes.append(checkpoint.size)
    return wanted


def _compare_roots(
    size: int,
    root: bytes,
    wanted: dict[int, list[tuple[int, Checkpoint]]],
    report: AuditReport,
) -> None:
    for seq, checkpoint in wanted.pop(size, []):
        if not hmac.compare_digest(checkpoint.root, root):
            report.problems.append(
                f"checkpoint {seq}: signed root at size {size} does not match the root "
                "recomputed from the entries"
            )
            raise _Stop


class _Tiles:
    """Checks stored tile rows against the tile hashes recomputed from the entries."""

    def __init__(self, rows: Iterable[TileRow], report: AuditReport) -> None:
        self.rows: Iterator[TileRow] = iter(rows)
        self.report = report
        self.pending: TileRow | None = next(self.rows, None)
        self.expected_seq = 0
        # Per tile level: hashes computed so far, and the last tile's hashes.
        self.known: list[int] = []
        self.current: list[list[bytes]] = []
        # Per tile level: the tile the stored rows are at, and how far they cover it.
        self.cover: list[tuple[int, int]] = []

    def add(self, level: int, value: bytes) -> None:
        while len(self.known) <= level:
            self.known.append(0)
            self.current.append([])
            self.cover.append((0, 0))
        if len(self.current[level]) == _WIDTH:
            self.current[level] = []
        self.current[level].append(value)
        self.known[level] += 1

    def _fail(self, text: str) -> None:
        self.report.problems.append(text)
        raise _Stop

    def _checkable(self, row: TileRow) -> bool:
        if not 0 <= row.level < len(self.known):
            return False
        return row.tile * _WIDTH + row.width <= self.known[row.level]

    def check_ready(self) -> None:
        while self.pending is not None and self._checkable(self.pending):
            self._check(self.pending)
            self.pending = next(self.rows, None)

    def _check(self, row: TileRow) -> None:
        label = f"tile row {row.seq} (level {row.level}, index {row.tile})"
        if row.seq != self.expected_seq:
            self._fail(
                f"tile row {self.expected_seq} is missing (the next stored tile row is {row.seq})"
            )
        self.expected_seq += 1
        if not 0 <= row.start < row.width <= _WIDTH or row.tile < 0:
            self._fail(f"{label}: hashes {row.start}..{row.width - 1} are not a tile range")
        if len(row.hashes) != HASH_SIZE * (row.width - row.start):
            self._fail(
                f"{label}: holds {len(row.hashes)} bytes, not {row.width - row.start} hashes"
            )
        tile, covered = self.cover[row.level]
        if row.tile == tile + 1 and covered == _WIDTH:
            tile, covered = row.tile, 0
        if row.tile != tile:
            self._fail(f"{label}: out of order (tile {tile} of level {row.level} is not done)")
        if row.start == covered:
            covered = row.width
        elif not (row.start == 0 and row.width == _WIDTH == covered):
            self._fail(
                f"{label}: hashes {row.start}..{row.width - 1} do not follow the "
                f"{covered} stored before"
            )
        self.cover[row.level] = (tile, covered)
        last_tile = (self.known[row.level] - 1) // _WIDTH
        if row.tile != last_tile:
            self._fail(f"{label}: stored after tile {last_tile} was complete")
        have = self.current[row.level]
        for offset in range(row.start, row.width):
            stored = row.hashes[
                (offset - row.start) * HASH_SIZE : (offset - row.start + 1) * HASH_SIZE
            ]
            if not hmac.compare_digest(stored, have[offset]):
                where = f" (entry {row.tile * _WIDTH + offset})" if row.level == 0 else ""
                self._fail(
                    f"{label}: hash {offset}{where} does not match the hash recomputed from "
                    "the entries"
                )
        self.report.tiles += 1
        self.report.nodes += row.width - row.start

    def finish(self, size: int) -> None:
        if self.pending is not None:
            self._fail(
                f"tile row {self.pending.seq} (level {self.pending.level}, index "
                f"{self.pending.tile}) covers hashes beyond the log's {size} entries"
            )
        for level, count in enumerate(self.known):
            tile, covered = self.cover[level]
            if tile * _WIDTH + covered != count:
                self._fail(
                    f"tile (level {level}, index {tile}): the stored rows hold "
                    f"{tile * _WIDTH + covered} hashes, the log's {size} entries make {count}"
                )


def audit_log(
    entries: Iterable[tuple[int, bytes, bytes]],
    tiles: Iterable[TileRow],
    checkpoints: Sequence[tuple[int, int, str]],
    *,
    log_key: VerifierKey | None,
    check_envelopes: bool = True,
    trusted: Mapping[str, VerifierKey] | None = None,
) -> AuditReport:
    """Audit a log from its stored rows.

    Args:
        entries: ``(seq, stored leaf hash, entry bytes)`` in ``seq`` order.
        tiles: every stored tile row, in ``seq`` order.
        checkpoints: ``(seq, stored size, signed note)`` in ``seq`` order.
        log_key: The log's verifier key; without it every checkpoint is reported unverifiable.
        check_envelopes: Also parse every entry as a signed envelope and check its signature.
        trusted: Party -> the key its entries must be signed with (registered party keys, or
            the log key for a server that seals every entry). Without it an envelope is only
            checked against the key it names itself, which proves integrity, not authorship.

    Returns:
        The report; ``report.problems[0]`` names the first entry, tile row or checkpoint that
        does not match.
    """
    report = AuditReport()
    wanted = _check_checkpoints(checkpoints, log_key, report)
    check = _Tiles(tiles, report)
    stack: list[tuple[int, bytes]] = []
    size = 0
    try:
        if 0 in wanted:
            _compare_roots(0, EMPTY_ROOT, wanted, report)
        for position, (seq, stored_leaf, data) in enumerate(entries):
            if seq != position:
                report.problems.append(
                    f"entry {position} is missing or out of order (found entry {seq} there)"
                )
                raise _Stop
            report.entries += 1
            if check_envelopes:
                try:
                    open_entry(bytes(data), trusted=trusted)
                except IntegrityError as exc:
                    report.problems.append(f"entry {seq}: {exc}")
                    raise _Stop from None
            leaf = leaf_hash(bytes(data))
            if not hmac.compare_digest(bytes(stored_leaf), leaf):
                report.problems.append(f"entry {seq}: its bytes do not match its stored entry hash")
                raise _Stop
            check.add(0, leaf)
            level, value = 0, leaf
            while stack and stack[-1][0] == level:
                value = node_hash(stack.pop()[1], value)
                level += 1
                if not level % _HEIGHT:
                    check.add(level // _HEIGHT, value)
            stack.append((level, value))
            size = seq + 1
            check.check_ready()
            if size in wanted:
                _compare_roots(size, fold([h for _, h in stack]), wanted, report)
        check.finish(size)
        for missing_size, rows in sorted(wanted.items()):
            for seq, _ in rows:
                report.problems.append(
                    f"checkpoint {seq}: covers {missing_size} entries but the log holds {size}"
                )
    except _Stop:
        pass
    return report
