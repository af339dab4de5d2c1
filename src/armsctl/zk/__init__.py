"""Zero-knowledge proofs that a committed total is within a treaty limit (experimental).

Pure core, no I/O: Pedersen commitments on ristretto255 (``group``), a framed SHA-512
Fiat-Shamir transcript (``transcript``) and the bit-decomposition range proof with its JSON
documents (``range``). The protocol is specified byte for byte in ``docs/zk.md``; it has not
been independently reviewed.
"""

# The package's API is the range proof's, as ``range.__all__`` lists it: the star import takes
# exactly those names.
from armsctl.zk import range
from armsctl.zk.range import *  # noqa: F403

__all__ = [*range.__all__]
