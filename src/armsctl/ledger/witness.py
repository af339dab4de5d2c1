r"""A witness that needs only checkpoints and consistency proofs (c2sp.org/tlog-witness).

A witness remembers, per log origin, the size and root of the last checkpoint it cosigned. It
cosigns a new checkpoint only if the log signed it and a consistency proof shows that it
extends that remembered tree; so a log that shows two parties two different histories (a
split view) cannot collect both parties' cosignatures on both. The first checkpoint a
witness sees for a log is trusted on first use, and that first use is recorded in its state.

This module is pure: it parses and formats the protocol's bodies and decides. The shells
(``armsctl ledger cosign``, ``armsctl witness serve`` and the log server's submitter) read and
write the state file and speak HTTP.

The ``add-checkpoint`` request body of c2sp.org/tlog-witness::

    old <size of the checkpoint the witness last cosigned, 0 for none>
    <base64 consistency proof hash>        (zero to 63 lines; none when old is 0)
    <empty line>
    <the signed checkpoint note>

A refusal is a ``WitnessRefusal`` carrying the HTTP status the protocol prescribes: 400 for a
malformed request or an old size above the checkpoint's, 403 when no trusted log signature
verifies, 404 for a log the witness does not know, 409 for a stale old size (with the size the
witness holds) or a different root at the same size, and 422 for a consistency proof that does
not verify.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from armsctl.errors import IntegrityError
from armsctl.ledger.checkpoint import Checkpoint
from armsctl.ledger.merkle import HASH_SIZE, verify_consistency
from armsctl.ledger.note import (
    ALG_COSIGNATURE_V1,
    SignerKey,
    VerifierKey,
    open_note,
    parse_note,
)

__all__ = [
    "CONSISTENCY_TYPE",
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "STATE_TYPE",
    "AddCheckpoint",
    "Cosigned",
    "LogRecord",
    "WitnessRefusal",
    "WitnessState",
    "add_checkpoint",
    "cosignature_lines",
    "parse_consistency",
    "parse_size_body",
    "replace_cosignature",
    "size_body",
]

#: The ``type`` of a witness state file.
STATE_TYPE = "armsctl/witness-state/v1"
#: The ``type`` of a stand-alone consistency proof file.
CONSISTENCY_TYPE = "armsctl/consistency-proof/v1"
#: The protocol's limit on consistency proof lines in one request.
MAX_PROOF_LINES = 63
#: The content type of a 409 answer that carries the witness's size.
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_BUNDLE_TYPE = "armsctl/proof-bundle/v1"


class WitnessRefusal(IntegrityError):
    """The witness will not cosign; ``status`` is the HTTP status tlog-witness prescribes.

    ``known_size`` is set on a stale old size (409): the size the witness last cosigned, which
    the client should send as its next old size.
    """

    def __init__(self, status: int, message: str, *, known_size: int | None = None) -> None:
        self.status, self.message, self.known_size = status, message, known_size
        super().__init__(message)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hash(text: object, what: str) -> bytes:
    """Decode one canonical base64 hash of 32 bytes."""
    if not isinstance(text, str):
        raise IntegrityError(f"{what} is not a base64 string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise IntegrityError(f"{what} is not valid base64") from None
    if len(raw) != HASH_SIZE:
        raise IntegrityError(f"{what} is not a 32-byte hash")
    return raw


def _size(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise IntegrityError(f"{what} is not a tree size (an integer >= 0)")
    return value


def _decimal(text: str, what: str) -> int:
    """Read an ASCII decimal with no sign and no leading zeros (``0`` itself allowed)."""
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        raise IntegrityError(f"{what} {text[:30]!r} is not a decimal size without leading zeros")
    if len(text) > 19 or int(text) >= 1 << 63:
        raise IntegrityError(f"{what} {text[:30]!r} is too large")
    return int(text)


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogRecord:
    """What a witness remembers of one log: its last cosigned tree and its first one.

    ``first_size`` / ``first_root`` record the checkpoint accepted on first use, without a
    consistency proof: everything the witness vouches for rests on it.
    """

    size: int
    root: bytes
    first_size: int
    first_root: bytes

    def to_json(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return {
            "size": self.size,
            "root": _b64(self.root),
            "first_use": {"size": self.first_size, "root": _b64(self.first_root)},
        }


@dataclass(frozen=True, slots=True)
class WitnessState:
    """A witness's memory: per log origin, the last checkpoint it cosigned."""

    logs: Mapping[str, LogRecord] = field(default_factory=dict)

    def size_of(self, origin: str) -> int:
        """Return the size last cosigned for ``origin``, 0 if never (the protocol's old size)."""
        record = self.logs.get(origin)
        return 0 if record is None else record.size

    def with_record(self, origin: str, record: LogRecord) -> WitnessState:
        """Return a new state with ``origin``'s record replaced."""
        return WitnessState({**self.logs, origin: record})

    def to_json(self) -> dict[str, Any]:
        """Return the state file's JSON data (``STATE_TYPE``, logs sorted by origin)."""
        return {
            "type": STATE_TYPE,
            "logs": {origin: self.logs[origin].to_json() for origin in sorted(self.logs)},
        }

    @classmethod
    def from_json(cls, doc: object) -> WitnessState:
        """Read a state file's data; also the older ``{origin: {size, root}}`` form.

        Raises:
            IntegrityError: naming the origin and field that is malformed.
        """
        if not isinstance(doc, dict):
            raise IntegrityError("witness state is not a JSON object")
        if "type" in doc:
            if doc["type"] != STATE_TYPE:
                raise IntegrityError(f"witness state has type {doc['type']!r}, not {STATE_TYPE}")
            logs = doc.get("logs")
            if not isinstance(logs, dict):
                raise IntegrityError("witness state: 'logs' is not an object")
        else:
            logs = doc
        out: dict[str, LogRecord] = {}
        for origin, value in logs.items():
            where = f"witness state: log {origin!r}"
            if not isinstance(value, dict):
                raise IntegrityError(f"{where} is not an object")
            size = _size(value.get("size"), f"{where}: 'size'")
            root = _hash(value.get("root"), f"{where}: 'root'")
            first = value.get("first_use", {"size": size, "root": value.get("root")})
            if not isinstance(first, dict):
                raise IntegrityError(f"{where}: 'first_use' is not an object")
            first_size = _size(first.get("size"), f"{where}: 'first_use.size'")
            first_root = _hash(first.get("root"), f"{where}: 'first_use.root'")
            if first_size > size:
                raise IntegrityError(f"{where}: first use is larger than the last size")
            out[str(origin)] = LogRecord(size, root, first_size, first_root)
        return cls(out)


# -- the protocol's bodies ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """One ``add-checkpoint`` request: old size, consistency proof and the signed checkpoint."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def body(self) -> bytes:
        """Return the request body exactly as the protocol lays it out."""
        lines = [f"old {self.old_size}", *(_b64(p) for p in self.proof)]
        return ("\n".join(lines) + "\n\n" + self.note).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        """Read a request body strictly.

        Raises:
            WitnessRefusal: 400, naming the line that is malformed.
        """
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WitnessRefusal(400, "request body is not UTF-8") from None
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise WitnessRefusal(400, "request has no empty line before the checkpoint")
        lines = head.split("\n")
        first = lines[0]
        if not first.startswith("old "):
            raise WitnessRefusal(400, "line 1: expected 'old <size>'")
        try:
            old = _decimal(first[4:], "line 1: old size")
            if len(lines) - 1 > MAX_PROOF_LINES:
                raise IntegrityError(f"more than {MAX_PROOF_LINES} consistency proof lines")
            proof = tuple(
                _hash(line, f"line {n}: proof hash") for n, line in enumerate(lines[1:], 2)
            )
            parse_note(note)
        except IntegrityError as exc:
            raise WitnessRefusal(400, str(exc)) from None
        return cls(old, proof, note)


def size_body(size: int) -> bytes:
    """Return the body of a 409 answer: the witness's size in decimal and a newline."""
    return f"{size}\n".encode("ascii")


def parse_size_body(body: bytes) -> int:
    """Read the body of a 409 answer: one decimal size and a newline.

    Raises:
        IntegrityError: if it is not exactly one decimal line.
    """
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise IntegrityError("witness size answer is not ASCII") from None
    if not text.endswith("\n") or "\n" in text[:-1]:
        raise IntegrityError("witness size answer is not one line ending in a newline")
    return _decimal(text[:-1], "witness size answer")


def parse_consistency(doc: object) -> tuple[int, tuple[bytes, ...], int | None]:
    """Read a consistency proof file: ``(old_size, proof, size or None)``.

    Accepted shapes: ``{"type": CONSISTENCY_TYPE, "old_size": N, "size": M, "proof": [...]}``
    (what ``armsctl ledger prove --from-size N`` writes), the ``consistency`` object of a proof
    bundle ``{"old_size": N, "proof": [...]}``, or a whole bundle that carries one.

    Raises:
        IntegrityError: naming the field that is malformed.
    """
    if not isinstance(doc, dict):
        raise IntegrityError("the consistency proof is not a JSON object")
    size: int | None = None
    if doc.get("type") == _BUNDLE_TYPE:
        size = _size(doc.get("size"), "bundle 'size'")
        doc = doc.get("consistency")
        if not isinstance(doc, dict):
            raise IntegrityError("the proof bundle carries no 'consistency' object")
    elif "type" in doc:
        if doc["type"] != CONSISTENCY_TYPE:
            raise IntegrityError(f"proof type {doc['type']!r} is not a consistency proof")
        if "size" in doc:
            size = _size(doc["size"], "'size'")
    old = _size(doc.get("old_size"), "'old_size'")
    raw = doc.get("proof")
    if not isinstance(raw, list):
        raise IntegrityError("'proof' is not a list of base64 hashes")
    if len(raw) > MAX_PROOF_LINES:
        raise IntegrityError(f"'proof' has more than {MAX_PROOF_LINES} hashes")
    proof = tuple(_hash(p, f"'proof'[{n}]") for n, p in enumerate(raw))
    return old, proof, size


# -- deciding ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cosigned:
    """A successful ``add-checkpoint``: the new state, the cosignature line and what it covers."""

    state: WitnessState
    line: str
    checkpoint: Checkpoint
    first_use: bool


def _open(note: str, log_keys: Sequence[VerifierKey]) -> Checkpoint:
    """Check the log's signature with the witness's own keys for the note's origin."""
    try:
        text, _ = parse_note(note)
        checkpoint = Checkpoint.parse(text)
    except IntegrityError as exc:
        raise WitnessRefusal(400, f"malformed checkpoint: {exc}") from None
    keys = [k for k in log_keys if k.name == checkpoint.origin and k.alg != ALG_COSIGNATURE_V1]
    if not keys:
        raise WitnessRefusal(404, f"unknown log {checkpoint.origin!r}")
    try:
        opened = open_note(note, keys)
    except IntegrityError as exc:
        raise WitnessRefusal(403, f"log signature: {exc}") from None
    if not opened.verified:  # pragma: no cover - open_note refuses a note with none
        raise WitnessRefusal(403, "no trusted log signature")
    return checkpoint


def add_checkpoint(
    state: WitnessState,
    request: AddCheckpoint,
    *,
    log_keys: Sequence[VerifierKey],
    signer: SignerKey,
    at: int,
) -> Cosigned:
    """Decide one ``add-checkpoint`` request in the order tlog-witness states its checks.

    Args:
        state: The witness's memory before the request.
        request: The parsed request.
        log_keys: The log keys this witness trusts (type 0x01, key name = origin).
        signer: The witness's key; it cosigns as type 0x04 (tlog-cosignature/v1).
        at: The POSIX time of the cosignature (must be > 0: the protocol forbids zero).

    Returns:
        The new state (to persist before answering) and the cosignature line.

    Raises:
        WitnessRefusal: with the status the protocol prescribes and a one-line reason.
    """
    if at <= 0:
        raise WitnessRefusal(400, "a cosignature timestamp must be positive")
    checkpoint = _open(request.note, log_keys)
    origin = checkpoint.origin
    if request.old_size > checkpoint.size:
        raise WitnessRefusal(
            400, f"old size {request.old_size} is above the checkpoint size {checkpoint.size}"
        )
    record = state.logs.get(origin)
    known = state.size_of(origin)
    if request.old_size != known:
        raise WitnessRefusal(
            409,
            f"old size {request.old_size} is stale: this witness last cosigned size {known}",
            known_size=known,
        )
    if request.old_size == 0 and request.proof:
        raise WitnessRefusal(400, "a consistency proof from size 0 must be empty")
    if record is not None:
        if record.size == checkpoint.size and record.root != checkpoint.root:
            raise WitnessRefusal(
                409,
                f"split view: a different root at size {checkpoint.size}, which this witness "
                "already cosigned",
            )
        if not verify_consistency(
            record.size, checkpoint.size, record.root, checkpoint.root, request.proof
        ):
            raise WitnessRefusal(
                422,
                f"split view or rewritten history: checkpoint of size {checkpoint.size} is not "
                f"proven consistent with size {record.size}, which this witness cosigned",
            )
        new = LogRecord(checkpoint.size, checkpoint.root, record.first_size, record.first_root)
    else:
        new = LogRecord(checkpoint.size, checkpoint.root, checkpoint.size, checkpoint.root)
    line = signer.as_cosigner().signature_line(checkpoint.text(), at=at)
    return Cosigned(state.with_record(origin, new), line, checkpoint, record is None)


# -- notes carrying cosignatures ---------------------------------------------------------


def replace_cosignature(note: str, line: str) -> str:
    """Return ``note`` with ``line`` appended, dropping earlier lines by the same key.

    A witness that cosigns a checkpoint again must not leave two lines of its own: a verifier
    refuses a note with two signatures by one key. Lines are matched by key name and key id.

    Raises:
        IntegrityError: if the note or the line is malformed.
    """
    text, sigs = parse_note(note)
    _, added = parse_note(text + "\n" + line)
    if len(added) != 1:
        raise IntegrityError("expected exactly one cosignature line")
    new = added[0]
    kept = [s for s in sigs if (s.name, s.key_id) != (new.name, new.key_id)]
    return text + "\n" + "".join(s.line() for s in kept) + new.line()


def cosignature_lines(body: bytes, note: str, witness: VerifierKey) -> list[str]:
    """Read a witness's 200 answer: its verified cosignature lines over ``note``'s text.

    The answer is concatenated to the checkpoint and opened with the witness's key only, as
    the protocol suggests; lines by other keys are ignored.

    Raises:
        IntegrityError: if the answer is malformed, a line by the witness's key fails, or the
            answer holds no valid cosignature by that key.
    """
    try:
        answer = body.decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError("witness answer is not UTF-8") from None
    key = witness if witness.alg == ALG_COSIGNATURE_V1 else witness.as_cosigner()
    text, _ = parse_note(note)
    opened = open_note(text + "\n" + answer, [key])
    return [s.line() for s in opened.verified]
