"""The RFC 9162 (section 2.1) Merkle tree: hashes, proofs and their verification.

Two tiers live here. The six functions named by the issue (``leaf_hash``, ``root``,
``inclusion_proof``, ``consistency_proof``, ``verify_inclusion``, ``verify_consistency``) work
on entries held in memory and are the reference the stored log is tested against. Below them,
the *tree coordinates* (perfect subtrees, their post-order storage index, proof plans) let a
store answer a proof with O(log n) reads of stored node hashes instead of recomputing the tree:
every proof element is the Merkle tree hash of a range that splits into at most log2(n) perfect
(complete, aligned) subtrees, and a perfect subtree never changes once it is complete.

Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step and returns ``False``
(never raises) on malformed input: wrong types, negative sizes, hashes that are not 32 bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Subtree",
    "consistency_plan",
    "consistency_proof",
    "fold",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root",
    "root_from_leaf_hashes",
    "stored_count",
    "stored_index",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: The tree head of an empty log: SHA-256 of the empty string (RFC 9162 section 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: A perfect subtree as (level, index): it covers leaves [index << level, (index + 1) << level).
Subtree = tuple[int, int]


def leaf_hash(entry: bytes) -> bytes:
    """Hash one log entry as a leaf, ``SHA-256(0x00 || entry)``.

    The 0x00 prefix keeps a leaf from ever being mistaken for an interior node (second
    preimage resistance, RFC 9162 section 2.1.1).
    """
    return hashlib.sha256(b"\x00" + bytes(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children into their parent, ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(_mth(leaves, lo, lo + k), _mth(leaves, lo + k, hi))


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of a list of leaf hashes (the empty tree hashes to ``EMPTY_ROOT``)."""
    if not leaves:
        return EMPTY_ROOT
    # A stack of completed perfect subtrees (level, hash) keeps memory at O(log n).
    stack: list[tuple[int, bytes]] = []
    for h in leaves:
        level = 0
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    return fold([h for _, h in stack])


def root(entries: Sequence[bytes]) -> bytes:
    """Return the RFC 9162 Merkle tree hash (MTH) of the entries."""
    return root_from_leaf_hashes([leaf_hash(e) for e in entries])


def fold(hashes: Sequence[bytes]) -> bytes:
    """Fold the hashes of consecutive perfect subtrees, largest first, into their range's MTH.

    A range starting at an aligned position splits (RFC 9162) into its largest power-of-two
    prefix and the rest, recursively; so its hash is ``H(p1, H(p2, H(p3, ...)))``.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


# --- tree coordinates -------------------------------------------------------------------------


def perfect_subtrees(lo: int, hi: int) -> list[Subtree]:
    """Split the leaf range ``[lo, hi)`` into perfect subtrees, left to right, largest first.

    For the ranges that occur in RFC 9162 trees (a range whose start is aligned to a power of two
    at least its length) the pieces are strictly decreasing in size, so ``fold`` of their hashes is
    the range's Merkle tree hash.
    """
    out: list[Subtree] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while lo + (1 << level) > hi:
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def stored_index(level: int, index: int) -> int:
    """Return the post-order position of a perfect subtree among all stored hashes.

    Post order is the order in which an append-only log completes subtrees, so a store that
    keys nodes by this number only ever appends at the end of its index (as in Go's
    ``golang.org/x/mod/sumdb/tlog``). The subtree ends at leaf ``i``; ``2i - popcount(i)`` hashes
    come before that leaf, and its ``level`` ancestors follow it.
    """
    last = ((index + 1) << level) - 1
    return 2 * last - last.bit_count() + level


def stored_count(size: int) -> int:
    """Return how many perfect-subtree hashes a tree of ``size`` leaves stores."""
    return 2 * size - size.bit_count()


def _path_ranges(m: int, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    # RFC 9162 2.1.3.1 PATH(m, D[lo:hi]): siblings from the leaf up to the root.
    n = hi - lo
    if n <= 1:
        return
    k = _split(n)
    if m < k:
        _path_ranges(m, lo, lo + k, out)
        out.append((lo + k, hi))
    else:
        _path_ranges(m - k, lo + k, hi, out)
        out.append((lo, lo + k))


def _subproof_ranges(m: int, lo: int, hi: int, whole: bool, out: list[tuple[int, int]]) -> None:
    # RFC 9162 2.1.4.1 SUBPROOF(m, D[lo:hi], b).
    n = hi - lo
    if m == n:
        if not whole:
            out.append((lo, hi))
        return
    k = _split(n)
    if m <= k:
        _subproof_ranges(m, lo, lo + k, whole, out)
        out.append((lo + k, hi))
    else:
        _subproof_ranges(m - k, lo + k, hi, False, out)
        out.append((lo, lo + k))


def inclusion_plan(index: int, size: int) -> list[list[Subtree]]:
    """Return, per inclusion-proof element, the perfect subtrees whose ``fold`` gives it.

    Raises:
        ValueError: if ``index`` is not in ``[0, size)``.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    _path_ranges(index, 0, size, ranges)
    return [perfect_subtrees(lo, hi) for lo, hi in ranges]


def consistency_plan(old_size: int, new_size: int) -> list[list[Subtree]]:
    """Return, per consistency-proof element, the perfect subtrees whose ``fold`` gives it.

    The proof between equal sizes, or from the empty tree, is empty.

    Raises:
        ValueError: if ``old_size`` is not in ``[0, new_size]``.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} is not between 0 and the new size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    _subproof_ranges(old_size, 0, new_size, True, ranges)
    return [perfect_subtrees(lo, hi) for lo, hi in ranges]


def _proof_from_plan(
    plan: list[list[Subtree]], subtree_hash: Callable[[Subtree], bytes]
) -> list[bytes]:
    return [fold([subtree_hash(s) for s in element]) for element in plan]


def _memory_subtree_hash(leaves: Sequence[bytes]) -> Callable[[Subtree], bytes]:
    def get(subtree: Subtree) -> bytes:
        level, index = subtree
        return _mth(leaves, index << level, (index + 1) << level)

    return get


def inclusion_proof(entries: Sequence[bytes], index: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof (audit path) of entry ``index`` among ``entries``.

    Raises:
        ValueError: if ``index`` is not a position in ``entries``.
    """
    leaves = [leaf_hash(e) for e in entries]
    return _proof_from_plan(inclusion_plan(index, len(leaves)), _memory_subtree_hash(leaves))


def consistency_proof(entries: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof from the first ``old_size`` entries to all of them.

    Raises:
        ValueError: if ``old_size`` is not in ``[0, len(entries)]``.
    """
    leaves = [leaf_hash(e) for e in entries]
    plan = consistency_plan(old_size, len(leaves))
    return _proof_from_plan(plan, _memory_subtree_hash(leaves))


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and len(value) == HASH_SIZE


def _proof_ok(proof: object) -> bool:
    if isinstance(proof, str | bytes | bytearray) or not isinstance(proof, Sequence):
        return False
    return all(_is_hash(p) for p in proof)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check that ``leaf`` (a leaf hash) sits at ``index`` in the tree of ``size`` with ``root``.

    Implements RFC 9162 section 2.1.3.2; any malformed argument yields ``False``.
    """
    try:
        if not (_is_size(index) and _is_size(size) and _is_hash(leaf) and _is_hash(root)):
            return False
        if not _proof_ok(proof):
            return False
        if index >= size:
            return False
        fn, sn = index, size - 1
        r = bytes(leaf)
        for p in proof:
            p = bytes(p)
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = node_hash(p, r)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                r = node_hash(r, p)
            fn >>= 1
            sn >>= 1
        return sn == 0 and hmac.compare_digest(r, bytes(root))
    except Exception:  # a verifier must never raise on hostile input
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that the tree of ``new_size`` with ``new_root`` extends the one of ``old_size``.

    Implements RFC 9162 section 2.1.4.2 for ``0 < old_size < new_size``. Equal sizes are
    consistent exactly when the roots are equal and the proof is empty; the empty tree is
    consistent with every tree when its root is ``EMPTY_ROOT`` and the proof is empty. Any
    malformed argument yields ``False``.
    """
    try:
        if not (_is_size(old_size) and _is_size(new_size)):
            return False
        if not (_is_hash(old_root) and _is_hash(new_root) and _proof_ok(proof)):
            return False
        if old_size > new_size:
            return False
        if old_size == new_size:
            return len(proof) == 0 and hmac.compare_digest(bytes(old_root), bytes(new_root))
        if old_size == 0:
            return len(proof) == 0 and hmac.compare_digest(bytes(old_root), EMPTY_ROOT)
        # Step 1: an empty path proves nothing.
        if len(proof) == 0:
            return False
        path = [bytes(p) for p in proof]
        # Step 2: a power-of-two old tree is itself the first node of the path.
        if old_size & (old_size - 1) == 0:
            path.insert(0, bytes(old_root))
        # Steps 3-4.
        fn, sn = old_size - 1, new_size - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        # Step 5.
        fr = sr = path[0]
        # Step 6.
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = node_hash(c, fr)
                sr = node_hash(c, sr)
                if not fn & 1:
                    while fn and not fn & 1:
                        fn >>= 1
                        sn >>= 1
            else:
                sr = node_hash(sr, c)
            fn >>= 1
            sn >>= 1
        # Step 7.
        return (
            hmac.compare_digest(fr, bytes(old_root))
            and hmac.compare_digest(sr, bytes(new_root))
            and sn == 0
        )
    except Exception:  # a verifier must never raise on hostile input
        return False
