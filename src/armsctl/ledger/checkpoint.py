"""Log checkpoints (c2sp.org/tlog-checkpoint) and witness cosigning (c2sp.org/tlog-cosignature).

A checkpoint is a signed note whose text is exactly::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [extension lines]

The log signs it with its Ed25519 key (type 0x01, key name = origin). Each treaty party can run a
``Witness``: before cosigning a new checkpoint it checks the log's signature and a consistency
proof from the last checkpoint it cosigned, so a log that shows two parties two different
histories (a split view) cannot collect both parties' cosignatures on both views. A client then
requires a quorum of witness cosignatures before trusting a checkpoint.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from armsctl.errors import IntegrityError
from armsctl.ledger.merkle import HASH_SIZE
from armsctl.ledger.note import (
    ALG_COSIGNATURE_V1,
    SignerKey,
    VerifierKey,
    open_note,
    sign_note,
)

__all__ = [
    "Checkpoint",
    "Witness",
    "open_checkpoint",
    "sign_checkpoint",
]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash, plus optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise IntegrityError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise IntegrityError("checkpoint size cannot be negative")
        if len(self.root) != HASH_SIZE:
            raise IntegrityError("checkpoint root hash must be 32 bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise IntegrityError("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        """Return the note text, byte-exact to tlog-checkpoint."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint note text strictly.

        Raises:
            IntegrityError: on fewer than three lines, an empty line, a size with a sign or
                leading zeros, or a root that is not the base64 of 32 bytes.
        """
        if not text.endswith("\n"):
            raise IntegrityError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise IntegrityError("checkpoint needs origin, size and root on non-empty lines")
        origin, size_text, root_text = lines[:3]
        if not size_text.isascii() or not size_text.isdigit():
            raise IntegrityError(f"checkpoint size {size_text!r} is not a decimal number")
        if size_text != "0" and size_text.startswith("0"):
            raise IntegrityError(f"checkpoint size {size_text!r} has leading zeros")
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise IntegrityError("checkpoint root hash is not valid base64") from None
        if base64.b64encode(root).decode("ascii") != root_text:
            raise IntegrityError("checkpoint root hash is not canonical base64")
        return cls(origin, int(size_text), root, tuple(lines[3:]))


def sign_checkpoint(checkpoint: Checkpoint, signer: SignerKey) -> str:
    """Sign a checkpoint as its log and return the signed note.

    Raises:
        IntegrityError: if the key name is not the checkpoint's origin (the spec's SHOULD,
            made a MUST here so that verifiers can pick the log key by origin).
    """
    if signer.name != checkpoint.origin:
        raise IntegrityError(
            f"log key name {signer.name!r} must equal the checkpoint origin {checkpoint.origin!r}"
        )
    return sign_note(checkpoint.text(), [signer])


def open_checkpoint(
    unverified_note: str | bytes,
    log_key: VerifierKey,
    *,
    witnesses: Sequence[VerifierKey] = (),
    quorum: int = 0,
) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    Args:
        unverified_note: The signed note as received.
        log_key: The log's trusted verifier key; it must have signed the note.
        witnesses: Trusted witness keys (type 0x04, or Ed25519 keys to be read as such).
        quorum: How many distinct witnesses must have cosigned.

    Raises:
        IntegrityError: if the note is malformed, the log signature is missing or wrong, a known
            witness signature fails, the quorum is not met, or the origin is not the log's.
    """
    cosigners = [w if w.alg == ALG_COSIGNATURE_V1 else w.as_cosigner() for w in witnesses]
    opened = open_note(unverified_note, [log_key, *cosigners])
    names = {s.name for s in opened.verified}
    if log_key.name not in names:
        raise IntegrityError(f"checkpoint is not signed by the log key {log_key.name}")
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log_key.name:
        raise IntegrityError(
            f"checkpoint origin {checkpoint.origin!r} is not the log {log_key.name!r}"
        )
    cosigned = len(names - {log_key.name})
    if cosigned < quorum:
        raise IntegrityError(f"checkpoint has {cosigned} witness cosignatures, needs {quorum}")
    return checkpoint


@dataclass
class Witness:
    """A party that cosigns checkpoints only after checking they extend what it saw before.

    ``seen`` maps a log origin to the (size, root) of the last checkpoint this witness cosigned;
    the caller persists it between runs (``state()`` / ``from_state``).
    """

    signer: SignerKey
    log_key: VerifierKey
    seen: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def cosign(self, unverified_note: str, proof: Sequence[bytes], *, at: int) -> str:
        """Check a checkpoint and return it with this witness's cosignature line.

        The checks are those of ``armsctl.ledger.witness.add_checkpoint`` (c2sp.org/tlog-witness);
        an earlier line by this witness in the note is replaced, never doubled.

        Args:
            unverified_note: The log-signed checkpoint.
            proof: The consistency proof from the last checkpoint this witness cosigned.
            at: The POSIX time of the cosignature (positive).

        Raises:
            IntegrityError: on a bad log signature, a smaller tree than already seen, or a
                proof that does not show consistency (a split view or a rewritten history).
        """
        from armsctl.ledger.witness import (
            AddCheckpoint,
            LogRecord,
            WitnessState,
            add_checkpoint,
            replace_cosignature,
        )

        checkpoint = open_checkpoint(unverified_note, self.log_key)
        last = self.seen.get(checkpoint.origin)
        old = 0 if last is None else last[0]
        if checkpoint.size < old:
            raise IntegrityError(
                f"split view or rollback: checkpoint of size {checkpoint.size} is older "
                f"than the size {old} this witness already cosigned"
            )
        state = WitnessState({o: LogRecord(n, r, n, r) for o, (n, r) in self.seen.items()})
        request = AddCheckpoint(old, tuple(proof), unverified_note)
        done = add_checkpoint(state, request, log_keys=[self.log_key], signer=self.signer, at=at)
        self.seen[checkpoint.origin] = (checkpoint.size, checkpoint.root)
        return replace_cosignature(unverified_note, done.line)

    def state(self) -> dict[str, dict[str, object]]:
        """Return the witness memory as JSON-ready data."""
        return {
            origin: {"size": size, "root": base64.b64encode(root).decode("ascii")}
            for origin, (size, root) in sorted(self.seen.items())
        }

    @classmethod
    def from_state(
        cls, signer: SignerKey, log_key: VerifierKey, state: Mapping[str, Mapping[str, object]]
    ) -> Witness:
        """Rebuild a witness from ``state()`` output.

        Raises:
            IntegrityError: if the stored state is malformed.
        """
        seen: dict[str, tuple[int, bytes]] = {}
        try:
            for origin, value in state.items():
                size, root64 = value["size"], value["root"]
                if not isinstance(size, int) or not isinstance(root64, str):
                    raise TypeError
                root = base64.b64decode(root64, validate=True)
                if len(root) != HASH_SIZE:
                    raise ValueError
                seen[str(origin)] = (size, root)
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise IntegrityError("witness state file is malformed") from None
        return cls(signer, log_key, seen)
