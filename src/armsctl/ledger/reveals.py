"""Checking a reveal against the public log: the entry it names, its signer and its checkpoint.

``armsctl verify-reveal`` (and any other shell) fetches what the reveal points at from the log
and hands the bytes here; the verdict comes back as a :class:`RevealCheck`. The order of the
checks is the argument: the logged entry must be the one the reveal names (its leaf hash), a
declaration, signed by a key the verifier trusts for its party (never the key in the entry
alone), optionally under a signed checkpoint of the log key the verifier gives, and only then
are the revealed items opened against the logged declaration's commitment
(:func:`armsctl.ledger.escrow.verify_reveal`).

A document that does not say what it reveals is bad input (``InputError``, naming the file and
field); a reveal that does not verify raises ``IntegrityError`` naming the first failure.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from armsctl.errors import InputError, IntegrityError, Problem
from armsctl.ledger.checkpoint import open_checkpoint
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.escrow import DECLARATION_KIND, RevealReport, verify_reveal
from armsctl.ledger.merkle import leaf_hash, verify_inclusion
from armsctl.ledger.note import VerifierKey

__all__ = ["RevealCheck", "check_reveal", "logged_party", "reveal_target"]


def reveal_target(reveal: object, *, where: str) -> int:
    """The log index of the declaration ``reveal`` opens; ``InputError`` if it names none.

    Also refuses a reveal with no items, so that nothing is fetched for a document that can
    never verify. ``where`` names the document (its file) in the problem.
    """
    target = reveal.get("declaration") if isinstance(reveal, Mapping) else None
    if not isinstance(target, Mapping) or not isinstance(target.get("index"), int):
        raise InputError([Problem(where, "declaration", "does not say where it is logged")])
    assert isinstance(reveal, Mapping)
    if not isinstance(reveal.get("items"), list) or not reveal["items"]:
        raise InputError([Problem(where, "items", "must be a non-empty list")])
    return int(target["index"])


def logged_party(data: bytes, index: int) -> str:
    """The party of the signed entry ``data`` at ``index``, whose trusted keys the check needs.

    Raises:
        IntegrityError: the bytes are not a signed entry (``log entry <index>: <why>``).
    """
    try:
        return open_entry(data).party
    except IntegrityError as exc:
        raise IntegrityError(f"log entry {index}: {exc}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class RevealCheck(RevealReport):
    """A verified reveal: the escrow's report on the items, who declared, how far it is proven.

    What was revealed and whether a facility reveal is complete are the
    :class:`~armsctl.ledger.escrow.RevealReport` fields; ``under_signed_checkpoint`` is whether
    the declaration was proven under a checkpoint signed by the log key the verifier gave.
    """

    party: str
    under_signed_checkpoint: bool

    def to_dict(self) -> dict[str, Any]:
        """The result as ``verify-reveal`` prints it (its JSON keys are a contract)."""
        completeness = {True: "proven", False: "not proven", None: "not asked"}[self.complete]
        return {
            "verified_items": self.verified,
            "party": self.party,
            "signed_by_party_key": True,
            "declared_counts": self.declared_counts,
            "revealed_counts": self.revealed_counts,
            "facility": self.facility,
            "complete": self.complete,
            "completeness": completeness,
            "under_signed_checkpoint": self.under_signed_checkpoint,
        }


def check_reveal(
    reveal: Mapping[str, Any],
    data: bytes,
    *,
    trusted_keys: Sequence[VerifierKey],
    log_key: VerifierKey | None = None,
    checkpoint: str | None = None,
    inclusion: Sequence[bytes] | None = None,
) -> RevealCheck:
    """Check ``reveal`` against ``data``, the log entry at the index it names (see module docs).

    ``trusted_keys`` are the verifier's keys for the entry's party. With ``log_key`` the entry
    must also be under ``checkpoint`` (the latest signed checkpoint note) by ``inclusion``.

    Raises:
        IntegrityError: the first check that fails, naming the log entry.
    """
    index = reveal_target(reveal, where="reveal")
    claimed = reveal["declaration"]
    leaf = leaf_hash(data)
    if not hmac.compare_digest(leaf.hex(), str(claimed.get("entry_hash", ""))):
        raise IntegrityError(f"log entry {index} is not the declaration the reveal refers to")
    entry = open_entry(data)
    if entry.kind != DECLARATION_KIND:
        raise IntegrityError(f"log entry {index} is a {entry.kind!r}, not a declaration")
    if not any(k.public_key == entry.key.public_key for k in trusted_keys):
        raise IntegrityError(
            f"log entry {index} is not signed by a key you trust for {entry.party} "
            f"(signed by {entry.key.name})"
        )
    signed = False
    if log_key is not None:
        if checkpoint is None or inclusion is None:
            raise IntegrityError(f"no signed checkpoint covers log entry {index} yet")
        head = open_checkpoint(checkpoint, log_key)
        if not verify_inclusion(leaf, index, head.size, inclusion, head.root):
            raise IntegrityError(f"log entry {index} is not under the signed checkpoint")
        signed = True
    report = verify_reveal(reveal, entry.body)
    return RevealCheck(**asdict(report), party=entry.party, under_signed_checkpoint=signed)
