"""The log as C2SP tlog-tiles: the latest checkpoint, hash tiles and entry bundles, read-only.

The served tree is the one the latest signed checkpoint commits to: a tile or bundle beyond it
is not found, even if entries were appended since, so that every resource a client can fetch
is covered by a signature it can check.
"""

from __future__ import annotations

from dataclasses import dataclass

from armsctl.errors import NotFoundError
from armsctl.ledger.tiles import TILE_WIDTH, parse_tile_path
from armsctl.service._base import Database

__all__ = ["TileBody", "checkpoint", "tile"]


@dataclass(frozen=True, slots=True)
class TileBody:
    """A served tile: its bytes, and whether it is full (and so immutable)."""

    data: bytes
    full: bool


def checkpoint(db: Database) -> str:
    """Return the latest signed checkpoint note.

    Raises:
        NotFoundError: if the log has never signed one.
    """
    with db.read() as session:
        latest = db.ledger.latest_checkpoint(session.connection())
    if latest is None:
        raise NotFoundError("the log has not signed a checkpoint yet")
    return latest[2]


def tile(db: Database, path: str) -> TileBody:
    """Return the tile or entry bundle at a C2SP path such as ``tile/0/x001/234.p/7``.

    Raises:
        ParameterError: if the path is malformed.
        NotFoundError: if the tile lies beyond the tree of the latest checkpoint.
    """
    level, index, width = parse_tile_path(path)
    with db.read() as session:
        conn = session.connection()
        latest = db.ledger.latest_checkpoint(conn)
        size = 0 if latest is None else latest[1]
        if level == -1:
            data = db.ledger.entry_bundle(conn, index, width, size)
        else:
            data = db.ledger.tile(conn, level, index, width, size)
    return TileBody(data, width == TILE_WIDTH)
