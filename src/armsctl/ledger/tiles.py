"""The Merkle tree as C2SP tlog-tiles: tile coordinates, paths, entry bundles and tile proofs.

A tile (c2sp.org/tlog-tiles) at level ``L`` and index ``N`` is the run of up to 256 consecutive
Merkle tree hashes at tree level ``8 L``: hash ``i`` of the tile is the hash of the perfect
subtree ``(8 L, 256 N + i)``. Level 0 holds the leaf hashes; each hash of a level-1 tile is the
root of a full level-0 tile, and so on. A tile of fewer than 256 hashes is *partial*; the tree
of ``size`` entries has, at level ``L``, ``size >> 8 L`` hashes. Every perfect subtree of the
tree is one tile hash or the root of an aligned power-of-two run inside one tile, so a proof
needs O(log n) tiles, and its hashes are recomputed by at most 127 hash operations per tile.

The functions here are pure: a store or an HTTP client hands ``subtree_hashes`` a function
that reads the tiles it asks for.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping

from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger.merkle import (
    HASH_SIZE,
    Subtree,
    consistency_plan,
    fold,
    inclusion_plan,
    perfect_subtrees,
)

__all__ = [
    "ENTRIES",
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileId",
    "TileReader",
    "consistency_proof_from_tiles",
    "decode_bundle",
    "encode_bundle",
    "encode_index",
    "inclusion_proof_from_tiles",
    "parse_tile_path",
    "root_from_tiles",
    "subtree_hashes",
    "tile_path",
    "tile_width",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: The level name of entry bundles in tile paths (``tile/entries/<N>``).
ENTRIES = "entries"
#: An entry bundle prefixes each entry with a big-endian uint16 length.
MAX_ENTRY_SIZE = 0xFFFF
#: Deepest tile level a path may name (the spec's 0..63).
_MAX_LEVEL = 63

#: A tile as (level, index, width); level -1 stands for the entry bundle.
TileId = tuple[int, int, int]
#: Reads tiles: ``{(level, index): width needed}`` -> ``{(level, index): hashes}`` (at least
#: ``width`` hashes each, concatenated).
TileReader = Callable[[Mapping[tuple[int, int], int]], Mapping[tuple[int, int], bytes]]


def tile_width(level: int, index: int, size: int) -> int:
    """Return how many hashes tile ``(level, index)`` holds in the tree of ``size`` entries."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - TILE_WIDTH * index))


def encode_index(index: int) -> str:
    """Encode a tile index as the spec's 3-digit path elements (1234067 -> ``x001/x234/067``)."""
    if index < 0:
        raise ParameterError("a tile index cannot be negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Return the tile's path, ``tile/<L>/<N>[.p/<W>]``; level -1 gives ``tile/entries/...``.

    Raises:
        ParameterError: on a level outside -1..63 or a width outside 1..256.
    """
    if not -1 <= level <= _MAX_LEVEL:
        raise ParameterError(f"tile level {level} is outside 0..{_MAX_LEVEL}")
    if not 1 <= width <= TILE_WIDTH:
        raise ParameterError(f"tile width {width} is outside 1..{TILE_WIDTH}")
    name = ENTRIES if level == -1 else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{name}/{encode_index(index)}{suffix}"


_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/"
    r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> TileId:
    """Read a tile path strictly (``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``).

    Returns:
        ``(level, index, width)``, level -1 for an entry bundle, width 256 for a full tile.

    Raises:
        ParameterError: naming what is malformed (level, index groups, width).
    """
    match = _PATH.fullmatch(path)
    if match is None:
        raise ParameterError(
            f"malformed tile path {path!r}: expected tile/<L>/<N>[.p/<W>] with N in 3-digit "
            "groups (x001/x234/067)"
        )
    level = -1 if match["level"] == ENTRIES else int(match["level"])
    if level > _MAX_LEVEL:
        raise ParameterError(f"tile level {level} is outside 0..{_MAX_LEVEL}")
    groups = match["index"].split("/")
    digits = "".join(g.removeprefix("x") for g in groups)
    if len(groups) > 1 and groups[0] == "x000":
        raise ParameterError(f"tile index in {path!r} has a leading zero group")
    width = TILE_WIDTH if match["width"] is None else int(match["width"])
    if match["width"] is not None and width >= TILE_WIDTH:
        raise ParameterError(f"partial tile width {width} is outside 1..255")
    return level, int(digits), width


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Encode entries as an entry bundle: each is a big-endian uint16 length, then its bytes.

    Raises:
        ParameterError: if an entry is longer than 65535 bytes.
    """
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ParameterError(f"an entry of {len(entry)} bytes does not fit an entry bundle")
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle into its entries.

    Raises:
        IntegrityError: if a length prefix runs past the end of the bundle.
    """
    out: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise IntegrityError(f"entry bundle is cut inside the length of entry {len(out)}")
        length = int.from_bytes(data[at : at + 2], "big")
        at += 2
        if at + length > len(data):
            raise IntegrityError(f"entry bundle is cut inside entry {len(out)}")
        out.append(bytes(data[at : at + length]))
        at += length
    return out


def _range_root(data: bytes, first: int, count: int) -> bytes:
    """Return the root of the perfect subtree over hashes ``first .. first + count - 1``.

    ``node_hash`` inlined: a proof hashes a few hundred nodes, and the calls would cost more
    than the hashing.
    """
    sha = hashlib.sha256
    level = [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(first, first + count)]
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def subtree_hashes(subtrees: Iterable[Subtree], read: TileReader) -> dict[Subtree, bytes]:
    """Return the hash of each perfect subtree, computed from the tiles that hold it.

    Subtree ``(level, index)`` lies in tile ``(level // 8, ...)``: it is the root of the
    ``2 ** (level % 8)`` tile hashes below it. All tiles are read in one call of ``read``.

    Raises:
        IntegrityError: if a tile comes back shorter than needed or not a whole number of hashes.
    """
    wanted = list(dict.fromkeys(subtrees))
    places: dict[Subtree, tuple[tuple[int, int], int, int]] = {}
    need: dict[tuple[int, int], int] = {}
    for level, index in wanted:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile, offset = divmod(first, TILE_WIDTH)
        key = (tile_level, tile)
        places[(level, index)] = (key, offset, 1 << height)
        need[key] = max(need.get(key, 0), offset + (1 << height))
    tiles = read(need) if need else {}
    out: dict[Subtree, bytes] = {}
    for subtree, (key, offset, count) in places.items():
        data = tiles.get(key)
        if data is None or len(data) < need[key] * HASH_SIZE or len(data) % HASH_SIZE:
            raise IntegrityError(f"stored tile (level {key[0]}, index {key[1]}) is missing hashes")
        out[subtree] = bytes(_range_root(data, offset, count))
    return out


def _proof(plan: list[list[Subtree]], read: TileReader) -> list[bytes]:
    found = subtree_hashes((s for element in plan for s in element), read)
    return [fold([found[s] for s in element]) for element in plan]


def root_from_tiles(size: int, read: TileReader) -> bytes:
    """Return the tree's root at ``size``, from at most one tile per level."""
    pieces = perfect_subtrees(0, size)
    found = subtree_hashes(pieces, read)
    return fold([found[p] for p in pieces])


def inclusion_proof_from_tiles(index: int, size: int, read: TileReader) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of entry ``index`` at ``size``, from tiles.

    Raises:
        ValueError: if ``index`` is not in ``[0, size)``.
    """
    return _proof(inclusion_plan(index, size), read)


def consistency_proof_from_tiles(old_size: int, new_size: int, read: TileReader) -> list[bytes]:
    """Return the RFC 9162 consistency proof between two sizes, from tiles.

    Raises:
        ValueError: if ``old_size`` is not in ``[0, new_size]``.
    """
    return _proof(consistency_plan(old_size, new_size), read)
