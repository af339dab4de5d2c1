"""The Fiat-Shamir transcript: every public input, framed, hashed with SHA-512.

Each item is appended as ``u32be(len(label)) ‖ label ‖ u32be(len(data)) ‖ data``, so no two
different sequences of items produce the same byte string (no ambiguity between, say, a party
"US" followed by "A" and a party "USA"). The challenge is the SHA-512 digest of the whole
string, reduced modulo the group order. ``docs/zk.md`` lists the items in order.
"""

from __future__ import annotations

import hashlib

from armsctl.zk.group import scalar_from_hash

__all__ = ["Transcript"]


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


class Transcript:
    """An append-only record of public values, ended by one challenge scalar."""

    def __init__(self, domain: bytes) -> None:
        self._hash = hashlib.sha512()
        self.append(b"domain", domain)

    def append(self, label: bytes, data: bytes) -> None:
        """Bind one labelled value."""
        self._hash.update(_frame(label) + _frame(data))

    def append_text(self, label: bytes, text: str) -> None:
        """Bind a string as UTF-8."""
        self.append(label, text.encode("utf-8"))

    def append_u64(self, label: bytes, value: int) -> None:
        """Bind a non-negative integer as 8 bytes big-endian."""
        self.append(label, value.to_bytes(8, "big"))

    def challenge(self) -> bytes:
        """The challenge: SHA-512 of everything appended, reduced to a scalar."""
        return scalar_from_hash(self._hash.copy().digest())
