"""The proof bundle: one entry, its inclusion proof and the signed checkpoint, checked offline.

Every producer (``armsctl ledger prove``, the API, the web pages) hands out the same JSON
document, ``armsctl/proof-bundle/v1``::

    {"type": "armsctl/proof-bundle/v1",
     "entry": "<base64 of the entry's bytes>", "index": 3, "size": 8,
     "inclusion": ["<base64 hash>", ...],
     "checkpoint": "<the full signed checkpoint note, cosignature lines included>",
     "consistency": {"old_size": 5, "proof": ["<base64 hash>", ...]}}

``consistency`` is optional: a proof from an older checkpoint the client already holds. Keys
may be added in later producers; none is ever renamed. The bundle carries no key: a verifier
takes its ``TrustPolicy`` (the log key, the witnesses and a quorum) from the user, obtained out
of band, and ``verify_bundle`` fails "signed by an unknown key" whatever the note's signature
lines claim. The browser's ``verify.js`` implements the same rules and is tested against the
same known-answer vectors (``tests/ledger/vectors/bundles.json``).

Between two sizes alone (no entry), the log hands out ``armsctl/consistency-proof/v1``::

    {"type": "armsctl/consistency-proof/v1", "old_size": 5, "size": 8,
     "proof": ["<base64 hash>", ...], "checkpoint": "<the newer signed checkpoint note>"}

built by ``consistency_document`` and checked by ``verify_consistency_document`` against the
older checkpoint the verifier holds.

Two kinds of failure are kept apart: a document that is not a bundle raises ``InputError``
(exit 2 on the command line), a well-formed bundle that does not verify raises
``VerificationError`` (exit 1). Files of the older ``armsctl/inclusion-proof/v1`` format are
read as bundles.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armsctl.errors import InputError, IntegrityError, Problem, VerificationError
from armsctl.ledger.checkpoint import Checkpoint
from armsctl.ledger.merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_inclusion
from armsctl.ledger.note import ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey, open_note, parse_note

__all__ = [
    "BUNDLE_TYPE",
    "CONSISTENCY_TYPE",
    "LEGACY_INCLUSION_TYPE",
    "MAX_PROOF_HASHES",
    "PROOF_TYPES",
    "Consistency",
    "ProofBundle",
    "TrustPolicy",
    "VerifiedBundle",
    "VerifiedCheckpoint",
    "VerifiedConsistency",
    "consistency_document",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency_document",
]

BUNDLE_TYPE = "armsctl/proof-bundle/v1"
CONSISTENCY_TYPE = "armsctl/consistency-proof/v1"
LEGACY_INCLUSION_TYPE = "armsctl/inclusion-proof/v1"
#: Every proof document a verifier accepts (the last: files of older releases).
PROOF_TYPES = (BUNDLE_TYPE, CONSISTENCY_TYPE, LEGACY_INCLUSION_TYPE)
#: A tree of 2^63 entries needs at most 63 hashes in a proof; 64 leaves room for none more.
MAX_PROOF_HASHES = 64
_MAX_SIZE = (1 << 63) - 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bad(where: str, field: str, message: str) -> InputError:
    return InputError([Problem(where, field, message)])


def _unb64(value: object, where: str, field: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(where, field, "must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _bad(where, field, "is not valid base64") from None
    if _b64(raw) != value:
        raise _bad(where, field, "is not canonical base64")
    return raw


def _size(value: object, where: str, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(where, field, "must be a whole number")
    if not 0 <= value <= _MAX_SIZE:
        raise _bad(where, field, f"must be between 0 and {_MAX_SIZE}")
    return value


def _hashes(value: object, where: str, field: str) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise _bad(where, field, "must be a list of base64 hashes")
    if len(value) > MAX_PROOF_HASHES:
        raise _bad(where, field, f"has more than {MAX_PROOF_HASHES} hashes")
    out = []
    for i, item in enumerate(value):
        raw = _unb64(item, where, f"{field}[{i}]")
        if len(raw) != HASH_SIZE:
            raise _bad(where, f"{field}[{i}]", f"is not a {HASH_SIZE}-byte hash")
        out.append(raw)
    return tuple(out)


def _note(value: object, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise _bad(where, field, "must be the signed checkpoint note as a string")
    try:
        text, _ = parse_note(value)
        Checkpoint.parse(text)
    except IntegrityError as exc:
        raise _bad(where, field, str(exc)) from None
    return value


@dataclass(frozen=True, slots=True)
class Consistency:
    """A consistency proof from ``old_size`` (a checkpoint the client holds) to the bundle's."""

    old_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """One entry with everything needed to check it offline against a pinned trust policy."""

    entry: bytes
    index: int
    size: int
    inclusion: tuple[bytes, ...]
    checkpoint: str
    consistency: Consistency | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the ``armsctl/proof-bundle/v1`` document."""
        doc: dict[str, Any] = {
            "type": BUNDLE_TYPE,
            "entry": _b64(self.entry),
            "index": self.index,
            "size": self.size,
            "inclusion": [_b64(h) for h in self.inclusion],
            "checkpoint": self.checkpoint,
        }
        if self.consistency is not None:
            doc["consistency"] = {
                "old_size": self.consistency.old_size,
                "proof": [_b64(h) for h in self.consistency.proof],
            }
        return doc

    @classmethod
    def parse(
        cls, doc: object, *, where: str = "bundle", checkpoint: str | None = None
    ) -> ProofBundle:
        """Read a bundle (or an ``armsctl/inclusion-proof/v1`` file) strictly.

        Args:
            doc: The decoded JSON document.
            where: How to name the input in errors (a file path).
            checkpoint: A signed note to use instead of the document's own (for older files
                written before a checkpoint was signed).

        Raises:
            InputError: naming the first field that is missing or malformed.
        """
        if not isinstance(doc, dict):
            raise _bad(where, "", "a proof bundle is a JSON object")
        kind = doc.get("type")
        if kind == LEGACY_INCLUSION_TYPE:
            hashes_field = "proof"
        elif kind == BUNDLE_TYPE:
            hashes_field = "inclusion"
        else:
            raise _bad(where, "type", f"is {kind!r}, not {BUNDLE_TYPE!r}")
        for name in ("entry", "index", "size", hashes_field):
            if name not in doc:
                raise _bad(where, name, "is missing")
        note = checkpoint if checkpoint is not None else doc.get("checkpoint")
        if note is None:
            raise _bad(where, "checkpoint", "is missing (give the signed checkpoint)")
        consistency = None
        raw = doc.get("consistency")
        if raw is not None:
            if not isinstance(raw, dict):
                raise _bad(where, "consistency", "must be an object {old_size, proof}")
            for name in ("old_size", "proof"):
                if name not in raw:
                    raise _bad(where, f"consistency.{name}", "is missing")
            consistency = Consistency(
                _size(raw["old_size"], where, "consistency.old_size"),
                _hashes(raw["proof"], where, "consistency.proof"),
            )
        return cls(
            entry=_unb64(doc["entry"], where, "entry"),
            index=_size(doc["index"], where, "index"),
            size=_size(doc["size"], where, "size"),
            inclusion=_hashes(doc[hashes_field], where, hashes_field),
            checkpoint=_note(note, where, "checkpoint"),
            consistency=consistency,
        )


def _policy_key(text: object, where: str, field: str) -> VerifierKey:
    if not isinstance(text, str):
        raise _bad(where, field, "must be a verifier key string <name>+<hex id>+<base64 key>")
    try:
        return VerifierKey.parse(text)
    except IntegrityError as exc:
        raise _bad(where, field, str(exc)) from None


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """What a verifier trusts, obtained out of band: the log key, witnesses and a quorum.

    ``witnesses`` are tlog-cosignature/v1 keys (type 0x04); a plain Ed25519 note key (0x01) of
    a witness is read as the same key's cosignature key. ``quorum`` distinct witnesses of the
    policy must have cosigned a checkpoint for it to be trusted.
    """

    log_key: VerifierKey
    witnesses: tuple[VerifierKey, ...] = ()
    quorum: int = 0

    def __post_init__(self) -> None:
        if self.log_key.alg != ALG_ED25519:
            raise InputError("the log key must be a signed-note Ed25519 key (type 0x01)")
        cosigners = tuple(
            w if w.alg == ALG_COSIGNATURE_V1 else w.as_cosigner() for w in self.witnesses
        )
        object.__setattr__(self, "witnesses", cosigners)
        seen = {(w.name, w.key_id) for w in cosigners}
        if len(seen) != len(cosigners):
            raise InputError("the trust policy names the same witness key twice")
        if not 0 <= self.quorum <= len(cosigners):
            raise InputError(
                f"quorum {self.quorum} is not between 0 and the {len(cosigners)} witnesses"
            )

    @classmethod
    def from_values(
        cls, log_key: str, witnesses: Sequence[str] = (), quorum: int | None = None
    ) -> TrustPolicy:
        """Build a policy from key strings; ``quorum`` defaults to every witness.

        Raises:
            InputError: on a malformed key or an impossible quorum.
        """
        key = _policy_key(log_key, "", "log key")
        keys = tuple(_policy_key(w, "", f"witness {i + 1}") for i, w in enumerate(witnesses))
        return cls(key, keys, len(keys) if quorum is None else quorum)

    @classmethod
    def parse_toml(cls, text: str, *, where: str = "trust.toml") -> TrustPolicy:
        """Read a trust file: ``log_key``, ``witnesses`` (a list) and ``quorum``.

        Raises:
            InputError: naming the file and the key that is missing or malformed.
        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _bad(where, "", f"not valid TOML: {exc}") from None
        unknown = sorted(set(doc) - {"log_key", "witnesses", "quorum"})
        if unknown:
            raise _bad(where, unknown[0], "is not a trust policy key (log_key, witnesses, quorum)")
        if "log_key" not in doc:
            raise _bad(where, "log_key", "is missing")
        key = _policy_key(doc["log_key"], where, "log_key")
        raw = doc.get("witnesses", [])
        if not isinstance(raw, list):
            raise _bad(where, "witnesses", "must be a list of cosignature key strings")
        keys = tuple(_policy_key(w, where, f"witnesses[{i}]") for i, w in enumerate(raw))
        quorum = doc.get("quorum", len(keys))
        if not isinstance(quorum, int) or isinstance(quorum, bool):
            raise _bad(where, "quorum", "must be a whole number")
        try:
            return cls(key, keys, quorum)
        except InputError as exc:
            raise _bad(where, "quorum" if "quorum" in str(exc) else "witnesses", str(exc)) from None

    def to_toml(self) -> str:
        """Return the policy as a trust file."""
        witnesses = ", ".join(f'"{w}"' for w in self.witnesses)
        return f'log_key = "{self.log_key}"\nwitnesses = [{witnesses}]\nquorum = {self.quorum}\n'

    def to_json(self) -> dict[str, Any]:
        """Return the policy as JSON data (the browser's trust configuration)."""
        return {
            "log_key": str(self.log_key),
            "witnesses": [str(w) for w in self.witnesses],
            "quorum": self.quorum,
        }


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint signed by the pinned log key and cosigned by a quorum of its witnesses."""

    checkpoint: Checkpoint
    witnesses: tuple[str, ...]


def _key_label(name: str, key_id: bytes) -> str:
    return f"{name}+{key_id.hex()}"


def verify_checkpoint(note: str, *, trust: TrustPolicy) -> VerifiedCheckpoint:
    """Check a signed checkpoint against a trust policy.

    Raises:
        VerificationError: if the pinned log key did not sign it ("signed by an unknown key"),
            a known signature fails, the origin is not the log's, or fewer than ``quorum``
            distinct witnesses of the policy cosigned ("found N of K").
        InputError: if the note is malformed.
    """
    try:
        text, sigs = parse_note(note)
        Checkpoint.parse(text)
    except IntegrityError as exc:
        raise _bad("checkpoint", "", str(exc)) from None
    log_key = trust.log_key
    if not any(s.name == log_key.name and s.key_id == log_key.key_id for s in sigs):
        found = ", ".join(_key_label(s.name, s.key_id) for s in sigs)
        raise VerificationError(
            f"checkpoint is signed by an unknown key ({found}), not by the pinned log key "
            f"{_key_label(log_key.name, log_key.key_id)}"
        )
    try:
        opened = open_note(note, [log_key, *trust.witnesses])
    except IntegrityError as exc:
        raise VerificationError(f"checkpoint: {exc}") from None
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log_key.name:
        raise VerificationError(
            f"checkpoint origin {checkpoint.origin!r} is not the log {log_key.name!r}"
        )
    witness_ids = {(w.name, w.key_id) for w in trust.witnesses}
    cosigned = tuple(sorted(s.name for s in opened.verified if (s.name, s.key_id) in witness_ids))
    if len(cosigned) < trust.quorum:
        raise VerificationError(
            f"checkpoint lacks its witness quorum: found {len(cosigned)} of {trust.quorum} "
            "required cosignatures by the policy's witnesses"
        )
    return VerifiedCheckpoint(checkpoint, cosigned)


@dataclass(frozen=True, slots=True)
class VerifiedBundle:
    """What a verified bundle proves: the entry sits at ``index`` of the signed tree."""

    origin: str
    index: int
    size: int
    root: bytes
    entry_hash: bytes
    witnesses: tuple[str, ...]
    consistent_from: int | None

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON data (``verify-proof --format json``)."""
        return {
            "verified": True,
            "origin": self.origin,
            "index": self.index,
            "size": self.size,
            "root": _b64(self.root),
            "entry_hash": self.entry_hash.hex(),
            "witnesses": list(self.witnesses),
            "consistent_from": self.consistent_from,
        }


def _check_consistency(
    bundle: ProofBundle, head: Checkpoint, previous: str, trust: TrustPolicy
) -> int:
    old = verify_checkpoint(previous, trust=TrustPolicy(trust.log_key)).checkpoint
    proof = bundle.consistency
    if proof is None:
        if old.size == head.size and hmac.compare_digest(old.root, head.root):
            return old.size
        raise VerificationError(
            f"the bundle has no consistency proof from the checkpoint of size {old.size} "
            "the client holds"
        )
    if proof.old_size != old.size:
        raise VerificationError(
            f"the consistency proof starts at size {proof.old_size}, the checkpoint the "
            f"client holds has size {old.size}"
        )
    if not verify_consistency(old.size, head.size, old.root, head.root, list(proof.proof)):
        raise VerificationError(
            f"the consistency proof from size {old.size} to {head.size} does not verify: "
            "the log rewrote its history or the proof is wrong"
        )
    return old.size


def verify_bundle(
    bundle: ProofBundle | Mapping[str, Any],
    *,
    trust: TrustPolicy,
    previous: str | None = None,
) -> VerifiedBundle:
    """Check a proof bundle against a pinned trust policy, never against keys it carries.

    Args:
        bundle: A parsed bundle, or its JSON document.
        trust: The log key, witnesses and quorum the user trusts.
        previous: An older signed checkpoint the client already holds; the bundle must then
            prove consistency from it.

    Raises:
        InputError: if the document is not a bundle.
        VerificationError: naming why a well-formed bundle does not verify.
    """
    if not isinstance(bundle, ProofBundle):
        bundle = ProofBundle.parse(dict(bundle))
    checked = verify_checkpoint(bundle.checkpoint, trust=trust)
    head = checked.checkpoint
    if bundle.size != head.size:
        raise VerificationError(
            f"the bundle claims size {bundle.size}, its checkpoint is of size {head.size}"
        )
    if bundle.index >= bundle.size:
        raise VerificationError(
            f"entry index {bundle.index} is not in a tree of size {bundle.size} (index >= size)"
        )
    leaf = leaf_hash(bundle.entry)
    if not verify_inclusion(leaf, bundle.index, head.size, list(bundle.inclusion), head.root):
        raise VerificationError(
            f"entry {bundle.index}: wrong hash, the inclusion proof does not lead to the root "
            f"signed at size {head.size}"
        )
    consistent_from = None
    if previous is not None:
        consistent_from = _check_consistency(bundle, head, previous, trust)
    return VerifiedBundle(
        origin=head.origin,
        index=bundle.index,
        size=head.size,
        root=head.root,
        entry_hash=leaf,
        witnesses=checked.witnesses,
        consistent_from=consistent_from,
    )


def consistency_document(
    old_size: int, size: int, proof: Sequence[bytes], checkpoint: str
) -> dict[str, Any]:
    """The ``armsctl/consistency-proof/v1`` document from ``old_size`` to ``size``.

    ``checkpoint`` is the signed note of the newer size, which the proof ends at.
    """
    return {
        "type": CONSISTENCY_TYPE,
        "old_size": old_size,
        "size": size,
        "proof": [_b64(p) for p in proof],
        "checkpoint": checkpoint,
    }


@dataclass(frozen=True, slots=True)
class VerifiedConsistency:
    """A consistency proof that verified between the two checkpoints' sizes."""

    old_size: int
    size: int

    def to_json(self) -> dict[str, Any]:
        """The result as ``ledger verify-proof`` prints it."""
        return {"verified": True, "old_size": self.old_size, "size": self.size}


def _proof_hash(value: object) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError("a proof hash is not valid base64") from None


def verify_consistency_document(
    doc: Mapping[str, Any],
    *,
    where: str,
    trust: TrustPolicy,
    checkpoint: str | None = None,
    previous: str | None = None,
) -> VerifiedConsistency:
    """Check a consistency-proof document from ``previous`` (the older checkpoint you hold).

    The newer checkpoint is ``checkpoint`` when given, else the document's; it must satisfy
    ``trust`` (witnesses included), while the older one need only be signed by the log key.

    Raises:
        InputError: the document lacks ``old_size``, ``proof`` or a checkpoint, or no
            ``previous`` is given (``where`` names the document).
        IntegrityError: a proof hash is not base64.
        VerificationError: the sizes do not match the checkpoints, or the proof fails.
    """
    raw = doc.get("proof")
    if not isinstance(raw, list) or not isinstance(doc.get("old_size"), int):
        raise _bad(where, "proof", "a consistency proof has old_size and proof")
    proof = [_proof_hash(p) for p in raw]
    new_note = checkpoint if checkpoint is not None else doc.get("checkpoint")
    if not isinstance(new_note, str):
        raise _bad(where, "checkpoint", "is missing: give --checkpoint")
    if previous is None:
        raise InputError("a consistency proof needs --old-checkpoint")
    head = verify_checkpoint(new_note, trust=trust).checkpoint
    old = verify_checkpoint(previous, trust=TrustPolicy(trust.log_key)).checkpoint
    if doc.get("size") != head.size or doc["old_size"] != old.size:
        raise VerificationError(
            f"the proof is from size {doc['old_size']} to {doc.get('size')}, the checkpoints "
            f"are of sizes {old.size} and {head.size}"
        )
    if not verify_consistency(old.size, head.size, old.root, head.root, proof):
        raise VerificationError(f"consistency from size {old.size} to {head.size} does not verify")
    return VerifiedConsistency(old.size, head.size)
