"""Zero-knowledge proofs that a committed total is within a treaty limit (experimental).

Pure core, no I/O: Pedersen commitments on ristretto255 (``group``), a framed SHA-512
Fiat-Shamir transcript (``transcript``) and the bit-decomposition range proof with its JSON
documents (``range``). The protocol is specified byte for byte in ``docs/zk.md``; it has not
been independently reviewed.
"""

from armsctl.zk.range import (
    DOMAIN,
    MAX_BITS,
    MAX_SITES,
    OPENINGS_FORMAT,
    PROOF_FORMAT,
    BitProof,
    Check,
    Context,
    LimitExceeded,
    Opening,
    Openings,
    RangeProof,
    Verification,
    commit_sites,
    derived_commitment,
    prove,
    verify,
)

__all__ = [
    "DOMAIN",
    "MAX_BITS",
    "MAX_SITES",
    "OPENINGS_FORMAT",
    "PROOF_FORMAT",
    "BitProof",
    "Check",
    "Context",
    "LimitExceeded",
    "Opening",
    "Openings",
    "RangeProof",
    "Verification",
    "commit_sites",
    "derived_commitment",
    "prove",
    "verify",
]
