"""RFC 9162 Merkle tree: known answers from the reference vectors, then invariants."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.ledger import merkle
from armsctl.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    perfect_subtrees,
    root,
    stored_count,
    stored_index,
    verify_consistency,
    verify_inclusion,
)

# Leaf inputs and expected hashes of the RFC 6962 reference test data, as published with
# transparency-dev/merkle (testonly/constants.go, proof/verify_test.go).
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
# (index, size, proof) -- zero-based index.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def hx(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(9))
def test_roots_match_reference_vectors(size: int) -> None:
    assert root(LEAVES[:size]).hex() == ROOTS[size]


def test_leaf_hashes_match_reference_vectors() -> None:
    assert [leaf_hash(e).hex() for e in LEAVES] == LEAF_HASHES


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(b"\x01" + left + right) != merkle.node_hash(left, right)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_reference_vectors(index: int, size: int, proof: list[str]) -> None:
    assert inclusion_proof(LEAVES[:size], index) == hx(proof)
    root_hash = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, hx(proof), root_hash)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_reference_vectors(old: int, new: int, proof: list[str]) -> None:
    assert consistency_proof(LEAVES[:new], old) == hx(proof)
    assert verify_consistency(
        old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), hx(proof)
    )


def _inclusion_probes(index: int, size: int, proof: list[bytes], root_hash: bytes, leaf: bytes):  # type: ignore[no-untyped-def]
    # The corruptions transparency-dev/merkle applies to every known-good proof.
    yield index - 1, size, proof, root_hash, leaf
    yield index + 1, size, proof, root_hash, leaf
    yield index ^ 2, size, proof, root_hash, leaf
    yield index, size * 2, proof, root_hash, leaf
    yield index, size // 2, proof, root_hash, leaf
    yield index, size, proof, root_hash, b"WrongLeaf"
    yield index, size, proof, EMPTY_ROOT, leaf
    yield index, size, proof, SOME_HASH, leaf
    yield index, size, [*proof, b""], root_hash, leaf
    yield index, size, [*proof, root_hash], root_hash, leaf
    yield index, size, [b"", *proof], root_hash, leaf
    yield index, size, [root_hash, *proof], root_hash, leaf
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        yield index, size, bad, root_hash, leaf
    if proof:
        yield index, size, proof[:-1], root_hash, leaf
    if len(proof) > 1:
        yield index, size, [proof[0], SOME_HASH, *proof[1:]], root_hash, leaf


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[:4])
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[str]) -> None:
    good = hx(proof)
    probes = list(
        _inclusion_probes(index, size, good, bytes.fromhex(ROOTS[size]), leaf_hash(LEAVES[index]))
    )
    assert probes
    for i, s, p, r, leaf in probes:
        assert not verify_inclusion(leaf, i, s, p, r), (i, s)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[str]) -> None:
    good = hx(proof)
    r1, r2 = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    probes = [
        (old - 1, new, r1, r2, good),
        (old + 1, new, r1, r2, good),
        (old ^ 2, new, r1, r2, good),
        (old, new * 2, r1, r2, good),
        (old, new // 2, r1, r2, good),
        (old, new, b"WrongRoot", r2, good),
        (old, new, r1, b"WrongRoot", good),
        (old, new, r2, r1, good),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*good, b""]),
        (old, new, r1, r2, [*good, r1]),
        (old, new, r1, r2, [*good, r2]),
        (old, new, r1, r2, [b"", *good]),
        (old, new, r1, r2, [r1, *good]),
        (old, new, r1, r2, [r2, *good]),
        (old, new, r1, r2, [good[0], *good]),
        (old, new, r1, r2, good[:-1]),
    ]
    for i in range(len(good)):
        bad = list(good)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        probes.append((old, new, r1, r2, bad))
    for o, n, a, b, p in probes:
        assert not verify_consistency(o, n, a, b, p), (o, n)


def test_consistency_edge_sizes_follow_the_reference() -> None:
    r1, r2 = leaf_hash(b"1"), leaf_hash(b"2")
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


MALFORMED: list[object] = [None, "", "abc", 1.5, -1, True, b"x" * 31, b"x" * 33, [b"x"], object()]


@pytest.mark.parametrize("bad", MALFORMED)
def test_verifiers_return_false_on_malformed_input_never_raise(bad: object) -> None:
    leaf, good_root = leaf_hash(LEAVES[0]), bytes.fromhex(ROOTS[8])
    proof = hx(INCLUSION[0][2])
    assert not verify_inclusion(bad, 0, 8, proof, good_root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, bad, 8, proof, good_root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 0, bad, proof, good_root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 0, 8, bad, good_root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 0, 8, [*proof[:-1], bad], good_root)  # type: ignore[list-item]
    assert not verify_inclusion(leaf, 0, 8, proof, bad)  # type: ignore[arg-type]
    cons = hx(CONSISTENCY[2][2])
    r6, r8 = bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[8])
    assert not verify_consistency(bad, 8, r6, r8, cons)  # type: ignore[arg-type]
    assert not verify_consistency(6, bad, r6, r8, cons)  # type: ignore[arg-type]
    assert not verify_consistency(6, 8, bad, r8, cons)  # type: ignore[arg-type]
    assert not verify_consistency(6, 8, r6, bad, cons)  # type: ignore[arg-type]
    assert not verify_consistency(6, 8, r6, r8, bad)  # type: ignore[arg-type]


def test_huge_sizes_do_not_raise() -> None:
    assert not verify_inclusion(leaf_hash(b""), 2**70, 2**71, [SOME_HASH] * 3, SOME_HASH)
    assert not verify_consistency(2**70, 2**71, SOME_HASH, SOME_HASH, [SOME_HASH] * 3)


def test_proof_functions_reject_out_of_range_positions() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 9)


def test_stored_index_is_post_order() -> None:
    order = [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0), (0, 4)]
    assert [stored_index(level, index) for level, index in order] == list(range(8))
    assert [stored_count(n) for n in range(9)] == [0, 1, 3, 4, 7, 8, 10, 11, 15]


entries_strategy = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_every_inclusion_proof_verifies_and_binds_its_position(
    entries: list[bytes], data: st.DataObject
) -> None:
    size = len(entries)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(entries, index)
    head = root(entries)
    assert len(proof) <= max(1, (size - 1).bit_length())
    assert verify_inclusion(leaf_hash(entries[index]), index, size, proof, head)
    other = data.draw(st.integers(0, size - 1))
    if entries[other] != entries[index] and other != index:
        assert not verify_inclusion(leaf_hash(entries[other]), index, size, proof, head)


@settings(max_examples=60, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_every_consistency_proof_verifies_and_detects_rewrites(
    entries: list[bytes], data: st.DataObject
) -> None:
    size = len(entries)
    old = data.draw(st.integers(0, size))
    proof = consistency_proof(entries, old)
    assert verify_consistency(old, size, root(entries[:old]), root(entries), proof)
    if 0 < old < size:
        position = data.draw(st.integers(0, old - 1))
        rewritten = list(entries)
        rewritten[position] += b"!"
        assert not verify_consistency(old, size, root(rewritten[:old]), root(entries), proof)


@settings(max_examples=100, deadline=None)
@given(lo_level=st.integers(0, 10), lo_index=st.integers(0, 50), length=st.integers(0, 3000))
def test_perfect_subtrees_tile_the_range(lo_level: int, lo_index: int, length: int) -> None:
    lo = lo_index << lo_level
    pieces = perfect_subtrees(lo, lo + length)
    position = lo
    for level, index in pieces:
        assert index << level == position
        position += 1 << level
    assert position == lo + length
