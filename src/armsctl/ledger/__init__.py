"""Integrity: an RFC 9162 Merkle log, signed checkpoints, witnesses and committed declarations.

The package is pure (no I/O): ``armsctl.store.ledger`` keeps the log in a database and
``armsctl.cli.ledger`` is the command line. Submodules:

- ``merkle``: RFC 9162 hashes, inclusion and consistency proofs and their verification;
- ``note``: C2SP signed notes and Ed25519 key strings;
- ``checkpoint``: C2SP tlog-checkpoint and tlog-cosignature witnesses;
- ``bundle``: the ``armsctl/proof-bundle/v1`` proof bundle and the consistency-proof document,
  trust policies and their verifier;
- ``witness``: the C2SP tlog-witness state machine and its request and state formats;
- ``envelope``: signed RFC 8785 entry envelopes;
- ``escrow``: salted commitments to item-level declarations and their step-by-step reveal;
- ``reveals``: checking a reveal against the log (the entry, its signer, its checkpoint);
- ``audit``: recomputing a stored log and naming the first mismatch;
- ``tiles``: the tree as C2SP tlog-tiles (paths, entry bundles, proofs from tiles);
- ``monitor``: following a tiled log over its tiles and reporting findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armsctl import lazy_exports

if TYPE_CHECKING:
    from armsctl.ledger.audit import AuditReport, audit_log
    from armsctl.ledger.bundle import ProofBundle, TrustPolicy, verify_bundle
    from armsctl.ledger.checkpoint import Checkpoint, Witness, open_checkpoint, sign_checkpoint
    from armsctl.ledger.envelope import Entry, canonical, open_entry, seal_entry
    from armsctl.ledger.escrow import (
        Commitment,
        RevealReport,
        commit_items,
        parse_items,
        reveal_items,
        verify_reveal,
    )
    from armsctl.ledger.merkle import (
        consistency_proof,
        inclusion_proof,
        leaf_hash,
        root,
        verify_consistency,
        verify_inclusion,
    )
    from armsctl.ledger.note import SignerKey, VerifierKey, open_note, sign_note
    from armsctl.ledger.reveals import RevealCheck, check_reveal

__all__ = [
    "AuditReport",
    "Checkpoint",
    "Commitment",
    "Entry",
    "ProofBundle",
    "RevealCheck",
    "RevealReport",
    "SignerKey",
    "TrustPolicy",
    "VerifierKey",
    "Witness",
    "audit_log",
    "canonical",
    "check_reveal",
    "commit_items",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "open_checkpoint",
    "open_entry",
    "open_note",
    "parse_items",
    "reveal_items",
    "root",
    "seal_entry",
    "sign_checkpoint",
    "sign_note",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_reveal",
]

# Each name imported above for type checkers is imported from its module when first read.
lazy_exports(__name__)
