"""Tile coordinates, the spec's path encoding, entry bundles, and proofs computed from tiles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger import merkle
from armsctl.ledger.tiles import (
    consistency_proof_from_tiles,
    decode_bundle,
    encode_bundle,
    encode_index,
    inclusion_proof_from_tiles,
    parse_tile_path,
    root_from_tiles,
    tile_path,
    tile_width,
)


def test_the_spec_examples() -> None:
    assert encode_index(1234067) == "x001/x234/067"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234067, 5) == "tile/0/x001/x234/067.p/5"
    assert tile_path(-1, 0, 17) == "tile/entries/000.p/17"
    assert tile_path(2, 1000) == "tile/2/x001/000"
    # A tree of 70,000 entries: 273 full level-0 tiles, one of width 112, one full level-1
    # tile, one of width 17, and a level-2 tile of width 1.
    assert [tile_width(0, n, 70_000) for n in (272, 273, 274)] == [256, 112, 0]
    assert [tile_width(1, n, 70_000) for n in (0, 1)] == [256, 17]
    assert tile_width(2, 0, 70_000) == 1
    assert tile_width(1, 0, 256) == 1


@given(level=st.integers(-1, 63), index=st.integers(0, 10**15), width=st.integers(1, 256))
def test_paths_round_trip(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width)


@pytest.mark.parametrize(
    "path",
    ["tile/0/1", "tile/0/x001", "tile/-1/000", "tile/0/x000/005", "tile/0/000.p/256", "tile/x/000"],
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ParameterError, match="tile"):
        parse_tile_path(path)


def test_entry_bundles_are_length_prefixed() -> None:
    bundle = encode_bundle([b"ab", b"", b"x" * 300])
    assert bundle[:4] == b"\x00\x02ab" and bundle[4:6] == b"\x00\x00" and bundle[6:8] == b"\x01\x2c"
    assert decode_bundle(bundle) == [b"ab", b"", b"x" * 300]
    with pytest.raises(IntegrityError, match="cut inside entry 2"):
        decode_bundle(bundle[:-1])
    with pytest.raises(IntegrityError, match="length of entry 1"):
        decode_bundle(b"\x00\x00\x00")
    with pytest.raises(ParameterError):
        encode_bundle([b"x" * 65_536])


def _reader(leaves: list[bytes]):  # type: ignore[no-untyped-def]
    """Tiles built from the leaves the slow way: hash i of tile (L, N) is MTH of its range."""

    def read(need):  # type: ignore[no-untyped-def]
        out = {}
        for (level, index), width in need.items():
            span = 256**level
            out[(level, index)] = b"".join(
                merkle.root_from_leaf_hashes(
                    leaves[(index * 256 + i) * span : (index * 256 + i + 1) * span]
                )
                for i in range(width)
            )
        return out

    return read


@settings(max_examples=30, deadline=None)
@given(size=st.integers(1, 1200), data=st.data())
def test_proofs_from_tiles_equal_the_reference(size: int, data: st.DataObject) -> None:
    entries = [b"%d" % i for i in range(size)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    read = _reader(leaves)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    assert root_from_tiles(size, read) == merkle.root_from_leaf_hashes(leaves)
    assert inclusion_proof_from_tiles(index, size, read) == merkle.inclusion_proof(entries, index)
    assert consistency_proof_from_tiles(old, size, read) == merkle.consistency_proof(entries, old)


def test_a_short_tile_is_an_integrity_error() -> None:
    with pytest.raises(IntegrityError, match="missing hashes"):
        root_from_tiles(5, lambda need: {k: b"\x00" * 32 for k in need})
