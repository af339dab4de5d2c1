"""The log audit: recompute every leaf and node from the entries and check every checkpoint.

The audit trusts nothing stored but the entries' bytes and the log's public key. In one pass,
in storage order, it recomputes each leaf hash and each perfect-subtree hash and compares them
with the stored ones (so a changed byte anywhere is named at the first entry or node it breaks),
checks that entry numbers and node numbers run without gaps or reordering, recomputes the root
at every checkpointed size and compares it with the signed root, and checks every checkpoint
signature. Memory stays O(log n): only the right edge of the tree is kept.

The functions here are pure: the store feeds them iterators over its rows.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from armsctl.errors import IntegrityError
from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.merkle import EMPTY_ROOT, fold, leaf_hash, node_hash, stored_index
from armsctl.ledger.note import VerifierKey

__all__ = ["META_KEYS", "AuditReport", "audit_log", "check_meta"]

#: The metadata a log records with its first checkpoint, and nothing else.
META_KEYS = frozenset({"origin", "log_key"})


@dataclass
class AuditReport:
    """What the audit checked and the problems it found, first problem first."""

    entries: int = 0
    nodes: int = 0
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


def check_meta(meta: Mapping[str, str], log_key: VerifierKey | None) -> list[str]:
    """Check the log's recorded metadata: its origin, its key and nothing else.

    The origin is what every checkpoint names and what a verifier picks the log key by, so a
    changed origin is as serious as a changed key.

    Args:
        meta: Every stored ``(key, value)`` of the log's metadata.
        log_key: The key the auditor trusts, if any.
    """
    problems = [f"ledger metadata: unknown key {k!r}" for k in sorted(set(meta) - META_KEYS)]
    if not meta:
        return problems
    origin, recorded_text = meta.get("origin"), meta.get("log_key")
    if origin is None or recorded_text is None:
        missing = "origin" if origin is None else "log_key"
        return [*problems, f"ledger metadata: {missing} is missing"]
    try:
        recorded = VerifierKey.parse(recorded_text)
    except IntegrityError as exc:
        return [*problems, f"ledger metadata: the recorded log key is malformed: {exc}"]
    if origin != recorded.name:
        problems.append(
            f"ledger metadata: origin {origin!r} is not the log key's name {recorded.name!r}"
        )
    if log_key is not None and origin != log_key.name:
        problems.append(
            f"ledger metadata: origin {origin!r} is not the trusted log {log_key.name!r}"
        )
    return problems


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


def audit_log(
    entries: Iterable[tuple[int, bytes, bytes]],
    nodes: Iterable[tuple[int, bytes]],
    checkpoints: Sequence[tuple[int, int, str]],
    *,
    log_key: VerifierKey | None,
    check_envelopes: bool = True,
    trusted: Mapping[str, VerifierKey] | None = None,
) -> AuditReport:
    """Audit a log from its stored rows.

    Args:
        entries: ``(seq, stored leaf hash, entry bytes)`` in ``seq`` order.
        nodes: ``(stored index, hash)`` for every stored perfect subtree, in index order.
        checkpoints: ``(seq, stored size, signed note)`` in ``seq`` order.
        log_key: The log's verifier key; without it every checkpoint is reported unverifiable.
        check_envelopes: Also parse every entry as a signed envelope and check its signature.
        trusted: Party -> the key its entries must be signed with (registered party keys, or
            the log key for a server that seals every entry). Without it an envelope is only
            checked against the key it names itself, which proves integrity, not authorship.

    Returns:
        The report; ``report.problems[0]`` names the first entry, node or checkpoint that does
        not match.
    """
    report = AuditReport()
    wanted = _check_checkpoints(checkpoints, log_key, report)
    node_iter: Iterator[tuple[int, bytes]] = iter(nodes)
    stack: list[tuple[int, bytes]] = []

    def expect(level: int, index: int, value: bytes, label: str) -> None:
        want_id = stored_index(level, index)
        stored = next(node_iter, None)
        if stored is None or stored[0] != want_id:
            found = "no further node" if stored is None else f"node number {stored[0]}"
            report.problems.append(
                f"{label}: stored node (level {level}, index {index}) is missing; found {found}"
            )
            raise _Stop
        report.nodes += 1
        if not hmac.compare_digest(bytes(stored[1]), value):
            report.problems.append(
                f"{label}: stored node (level {level}, index {index}) does not match the hash "
                "recomputed from the entries"
            )
            raise _Stop

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
            expect(0, seq, leaf, f"entry {seq}")
            level, value = 0, leaf
            while stack and stack[-1][0] == level:
                value = node_hash(stack.pop()[1], value)
                level += 1
                expect(level, ((seq + 1) >> level) - 1, value, f"entry {seq}")
            stack.append((level, value))
            size = seq + 1
            if size in wanted:
                _compare_roots(size, fold([h for _, h in stack]), wanted, report)
        extra = next(node_iter, None)
        if extra is not None:
            report.problems.append(f"node number {extra[0]} is stored but no entry accounts for it")
        for missing_size, rows in sorted(wanted.items()):
            for seq, _ in rows:
                report.problems.append(
                    f"checkpoint {seq}: covers {missing_size} entries but the log holds {size}"
                )
    except _Stop:
        pass
    return report
