"""The persistent append-only Merkle log on SQLAlchemy 2 Core (SQLite or PostgreSQL).

The tree is stored as C2SP tlog-tiles (``armsctl.ledger.tiles``). Four tables, all refusing
UPDATE and DELETE by trigger on both databases:

- ``entries (seq, leaf_hash, data)``: the canonical entry bytes, numbered from 0; ``leaf_hash``
  is unique, which finds an entry by hash and refuses a replayed entry. An entry bundle
  (``tile/entries/<N>``) is one range read of 256 rows.
- ``tiles (seq, level, tile_index, start, width, hashes)``: the hash tiles. Each row holds the
  hashes ``start .. width - 1`` of tile ``(level, tile_index)`` that one append added; a tile
  completed by several appends also gets a row with its 256 hashes (``start = 0``), so a full
  tile is one row and the tree costs about one row per 256 entries. Rows are numbered in the
  order they complete, so appends only insert at the end, and a proof at any size reads at
  most two tiles per level.
- ``checkpoints (seq, size, note)``: every signed checkpoint the log issued.
- ``meta (key, value)``: the log's origin and public key, written once.

Every method takes a ``Connection`` and runs inside the caller's transaction, so a service can
append entries and record its own rows atomically: ``with engine.begin() as conn: ...``. An
append is all-or-nothing; after a crash the log is exactly the last committed state.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    event,
    func,
    inspect,
    or_,
    select,
)

from armsctl.errors import IntegrityError, NotFoundError, ParameterError
from armsctl.ledger.merkle import (
    HASH_SIZE,
    fold,
    perfect_subtrees,
    stored_index,
    verify_consistency,
)
from armsctl.ledger.note import VerifierKey
from armsctl.ledger.tiles import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileReader,
    consistency_proof_from_tiles,
    encode_bundle,
    inclusion_proof_from_tiles,
    root_from_tiles,
    subtree_hashes,
    tile_path,
    tile_width,
)
from armsctl.store.engine import insert_rows

if TYPE_CHECKING:
    # Reading and writing the log needs neither its audit nor RFC 8785: those modules are
    # imported by the methods that use them, so a command that opens the database does not.
    from armsctl.ledger.audit import AuditReport, TileRow
    from armsctl.ledger.note import SignerKey

__all__ = [
    "AppendResult",
    "LedgerStore",
    "LedgerTables",
    "append_only",
    "committed",
    "convert_legacy_nodes",
    "ledger_tables",
]

_CHUNK = 20_000
_TILE_CHUNK = 500


def _as_bytes(value: object) -> bytes:
    """Read a stored blob defensively: a tampered row may hold text or a number instead."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return repr(value).encode()


def _as_int(value: object) -> int:
    """Read a stored number defensively: a tampered row may hold something else (-1 then)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return -1


def _one(conn: Connection, column: Any, where: Any, missing: str) -> Any:
    """The ``column`` of the one entry row matching ``where``; ``NotFoundError(missing)`` if none."""
    value = conn.execute(select(column).where(where)).scalar()
    if value is None:
        raise NotFoundError(missing)
    return value


def _in_key_order(conn: Connection, key: Any, *columns: Any, chunk: int) -> Iterator[Sequence[Any]]:
    """Every row of ``key, *columns`` in ``key`` order, ``chunk`` rows a query (keyset paging).

    A log can outgrow memory: each query starts after the last key read, so the whole table is
    never held at once, and no row is skipped or read twice.
    """
    after = -1
    while True:
        rows = conn.execute(
            select(key, *columns).where(key > after).order_by(key).limit(chunk)
        ).all()
        if not rows:
            return
        yield from rows
        after = int(rows[-1][0])


@dataclass(frozen=True, slots=True)
class LedgerTables:
    """The log's tables, built for one table prefix and schema."""

    metadata: MetaData
    entries: Table
    tiles: Table
    checkpoints: Table
    meta: Table


def _ddl(statement: str, dialect: str) -> DDL:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


def append_only(table: Table, prefix: str, schema: str | None) -> None:
    """Attach the triggers that refuse UPDATE, DELETE (and TRUNCATE) to a table's creation."""
    name = table.name
    qualified = f'"{schema}"."{name}"' if schema else f'"{name}"'
    function = f'"{schema}"."{prefix}refuse_change"' if schema else f'"{prefix}refuse_change"'
    statements = [
        (
            f'CREATE TRIGGER "{name}_no_{op.lower()}" BEFORE {op} ON {qualified} '
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END",
            "sqlite",
        )
        for op in ("UPDATE", "DELETE")
    ]
    statements += [
        (
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '%% on %% refused: the ledger is append-only', "
            "TG_OP, TG_TABLE_NAME; END $$",
            "postgresql",
        ),
        (
            f'CREATE TRIGGER "{name}_append_only" BEFORE UPDATE OR DELETE ON {qualified} '
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            "postgresql",
        ),
        (
            f'CREATE TRIGGER "{name}_no_truncate" BEFORE TRUNCATE ON {qualified} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            "postgresql",
        ),
    ]
    for statement, dialect in statements:
        event.listen(table, "after_create", _ddl(statement, dialect))


def _numbered(name: str, md: MetaData, *columns: Any) -> Table:
    """A table of the log whose rows are numbered by ``seq``, a number the writer gives.

    Not the database's autoincrement: an entry's ``seq`` is its index in the log, and tile and
    checkpoint rows are numbered under the append lock, the same way on every backend.
    """
    return Table(
        name, md, Column("seq", BigInteger, primary_key=True, autoincrement=False), *columns
    )


def ledger_tables(*, prefix: str = "ledger_", schema: str | None = None) -> LedgerTables:
    """Build the table definitions (and their append-only triggers) for a prefix and schema.

    Tests use a fresh prefix or schema per run so that parallel runs on one PostgreSQL server
    never share tables.
    """
    if not prefix.replace("_", "").isalnum():
        raise ParameterError("table prefix must be letters, digits and underscores")
    md = MetaData(schema=schema)
    entries = _numbered(
        f"{prefix}entries",
        md,
        Column("leaf_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
        Column("data", LargeBinary, nullable=False),
    )
    tiles = _numbered(
        f"{prefix}tiles",
        md,
        Column("level", SmallInteger, nullable=False),
        Column("tile_index", BigInteger, nullable=False),
        Column("start", SmallInteger, nullable=False),
        Column("width", SmallInteger, nullable=False),
        Column("hashes", LargeBinary, nullable=False),
        UniqueConstraint("level", "tile_index", "start", "width", name=f"{prefix}tiles_coords"),
    )
    checkpoints = _numbered(
        f"{prefix}checkpoints",
        md,
        Column("size", BigInteger, nullable=False),
        Column("note", Text, nullable=False),
    )
    meta = Table(
        f"{prefix}meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )
    for table in (entries, tiles, checkpoints, meta):
        append_only(table, prefix, schema)
    return LedgerTables(md, entries, tiles, checkpoints, meta)


def _legacy_nodes(tables: LedgerTables) -> Table:
    name = tables.entries.name.removesuffix("entries") + "nodes"
    return Table(
        name,
        MetaData(schema=tables.metadata.schema),
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("hash", LargeBinary(HASH_SIZE), nullable=False),
    )


def convert_legacy_nodes(conn: Connection, tables: LedgerTables) -> bool:
    """Move a log stored as one row per node (schema 0004 and earlier) to tiles.

    The tile hashes are copied from the stored nodes, not recomputed from the entries, so a
    node tampered with before the move is still named by the audit after it. The old table is
    dropped. Returns whether there was anything to convert.

    Raises:
        IntegrityError: if a node the tiles need is missing.
    """
    legacy = _legacy_nodes(tables)
    if not inspect(conn).has_table(legacy.name, schema=legacy.schema):
        return False
    store = LedgerStore(tables)
    size = store.size(conn)
    wanted: dict[int, tuple[int, int]] = {}
    levels: list[list[bytes]] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        levels.append([b""] * count)
        for j in range(count):
            wanted[stored_index(TILE_HEIGHT * level, j)] = (level, j)
        level += 1
    nodes = _in_key_order(conn, legacy.c.id, legacy.c.hash, chunk=_CHUNK)
    while wanted and (node := next(nodes, None)) is not None:
        place = wanted.pop(int(node[0]), None)
        if place is not None:
            levels[place[0]][place[1]] = _as_bytes(node[1])
    if wanted:
        lost = min(wanted)
        raise IntegrityError(
            f"cannot move the log to tiles: stored node number {lost} "
            f"(level {TILE_HEIGHT * wanted[lost][0]}, index {wanted[lost][1]}) is missing"
        )
    if levels:
        store._insert_many(conn, tables.tiles, store._tile_rows(conn, 0, levels))
    legacy.drop(conn)
    return True


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where a batch landed: its first index, the new tree size and root."""

    first_index: int
    size: int
    root: bytes
    leaf_hashes: tuple[bytes, ...]


#: Appends of at most this many entry and tile rows together are one statement on PostgreSQL.
_SMALL_APPEND = 16

#: ``Connection.info`` key of the log's right edge as the current transaction left it.
_HEAD = "armsctl.ledger_head"


@dataclass(frozen=True, slots=True)
class _Head:
    """The tree after this transaction's last append: size, right-edge subtrees, next tile row.

    Valid only inside the transaction (and savepoint) that wrote it, which holds the append
    lock; any commit, rollback or savepoint rollback drops it (the listeners below).
    """

    table: str
    size: int
    stack: tuple[tuple[int, bytes], ...]
    next_tile: int


#: ``Connection.info`` key of what to remember once the current transaction has committed.
_AFTER_COMMIT = "armsctl.ledger_after_commit"


def _drop_head(conn: Connection, *_args: Any) -> None:
    conn.info.pop(_HEAD, None)


def _drop_after_commit(conn: Connection, *_args: Any) -> None:
    conn.info.pop(_AFTER_COMMIT, None)


for _name in ("begin", "commit", "rollback", "rollback_savepoint"):
    event.listen(Engine, _name, _drop_head)
for _name in ("begin", "rollback", "rollback_savepoint"):
    event.listen(Engine, _name, _drop_after_commit)


def committed(conn: Connection) -> None:
    """Tell the log that the transaction just committed on ``conn`` (the group commit does).

    Each ``LedgerStore`` that appended in it then keeps the tree's right edge as committed, so
    the next transaction's first append checks the size (one query it makes anyway) instead
    of reading the edge's tiles again. Without this call nothing is kept, which is only slower.
    """
    for remember in conn.info.pop(_AFTER_COMMIT, {}).values():
        remember()


class LedgerStore:
    """The log's operations; each runs inside the transaction of the connection it is given."""

    def __init__(self, tables: LedgerTables | None = None) -> None:
        self.t = tables or ledger_tables()
        self._cte_sql: dict[tuple[int, int], str] = {}
        #: The right edge as this process last committed it (see ``committed``).
        self._committed: _Head | None = None

    # -- schema ---------------------------------------------------------------------------

    def create(self, conn: Connection) -> None:
        """Create the tables and triggers if they do not exist (Alembic takes over later).

        A log written before tiles (a row per node) is moved to tiles here.
        """
        self.t.metadata.create_all(conn)
        convert_legacy_nodes(conn, self.t)

    # -- reading --------------------------------------------------------------------------

    def size(self, conn: Connection) -> int:
        """Return the number of entries (the current tree size)."""
        top = conn.execute(select(func.max(self.t.entries.c.seq))).scalar()
        return 0 if top is None else int(top) + 1

    def _read_tiles(
        self, conn: Connection, need: Mapping[tuple[int, int], int], size: int
    ) -> dict[tuple[int, int], bytes]:
        """Read whole tiles: a tile complete at ``size`` is one row, the last tile its chunks.

        Raises:
            IntegrityError: if a tile's rows do not join up or hold the wrong number of bytes.
        """
        c = self.t.tiles.c

        def coords_in(keys: Iterable[tuple[int, int]]) -> Any:
            # OR of (level, index) pairs, which both databases answer from the coordinates
            # index; SQLite would scan the table for a row-value IN.
            return or_(*(and_(c.level == lv, c.tile_index == ix) for lv, ix in keys))

        out: dict[tuple[int, int], bytes] = {}
        full = [k for k in need if tile_width(k[0], k[1], size) == TILE_WIDTH]
        if full:
            whole = conn.execute(
                select(c.level, c.tile_index, c.hashes).where(
                    c.start == 0, c.width == TILE_WIDTH, coords_in(full)
                )
            ).all()
            for level, index, hashes in whole:
                out[(int(level), int(index))] = _as_bytes(hashes)
        rest = [k for k in need if k not in out]
        if rest:
            pieces: dict[tuple[int, int], bytearray] = {k: bytearray() for k in rest}
            rows = conn.execute(
                select(c.level, c.tile_index, c.start, c.width, c.hashes)
                .where(coords_in(rest))
                .order_by(c.seq)
            ).all()
            for level, index, first, width, hashes in rows:
                key, data = (int(level), int(index)), _as_bytes(hashes)
                buf = pieces[key]
                if len(data) != HASH_SIZE * (int(width) - int(first)):
                    raise IntegrityError(
                        f"stored tile (level {key[0]}, index {key[1]}) holds a malformed row"
                    )
                if int(first) * HASH_SIZE == len(buf):
                    buf += data
                elif int(first) == 0 and int(width) == TILE_WIDTH:
                    pieces[key] = bytearray(data)
                else:
                    raise IntegrityError(
                        f"stored tile (level {key[0]}, index {key[1]}) has rows that do not join"
                    )
            out.update((k, bytes(v)) for k, v in pieces.items())
        return out

    def _tile_reader(self, conn: Connection, size: int) -> TileReader:
        def read(need: Mapping[tuple[int, int], int]) -> Mapping[tuple[int, int], bytes]:
            return self._read_tiles(conn, need, size)

        return read

    def _check_size(self, conn: Connection, size: int | None) -> int:
        current = self.size(conn)
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ParameterError(f"size {size} is outside the log's 0..{current}")
        return size

    def root(self, conn: Connection, size: int | None = None) -> bytes:
        """Return the root hash at ``size`` (default: now), from at most one tile per level."""
        size = self._check_size(conn, size)
        return root_from_tiles(size, self._tile_reader(conn, size))

    def tile(self, conn: Connection, level: int, index: int, width: int, size: int) -> bytes:
        """Return the first ``width`` hashes of tile ``(level, index)`` of the tree at ``size``.

        Raises:
            NotFoundError: if the tree of ``size`` entries does not have that many hashes there.
        """
        size = self._check_size(conn, size)
        if not 1 <= width <= tile_width(level, index, size):
            raise NotFoundError(f"the log of size {size} has no {tile_path(level, index, width)}")
        return self._read_tiles(conn, {(level, index): width}, size)[(level, index)][
            : width * HASH_SIZE
        ]

    def entry_bundle(self, conn: Connection, index: int, width: int, size: int) -> bytes:
        """Return the entry bundle of entries ``256 index .. 256 index + width - 1``.

        Raises:
            NotFoundError: if the tree of ``size`` entries does not hold them all.
        """
        size = self._check_size(conn, size)
        if not 1 <= width <= tile_width(0, index, size):
            raise NotFoundError(f"the log of size {size} has no {tile_path(-1, index, width)}")
        c = self.t.entries.c
        first = index * TILE_WIDTH
        rows = conn.execute(
            select(c.data).where(c.seq >= first, c.seq < first + width).order_by(c.seq)
        ).scalars()
        return encode_bundle(_as_bytes(r) for r in rows)

    def entry(self, conn: Connection, index: int) -> bytes:
        """Return the stored bytes of entry ``index``.

        Raises:
            NotFoundError: if there is no such entry.
        """
        c = self.t.entries.c
        return _as_bytes(_one(conn, c.data, c.seq == index, f"the log has no entry {index}"))

    def index_of(self, conn: Connection, entry_hash: bytes) -> int:
        """Return the index of the entry whose leaf hash is ``entry_hash``.

        Raises:
            NotFoundError: if no entry has that hash.
        """
        c = self.t.entries.c
        missing = f"the log has no entry with hash {entry_hash.hex()}"
        return int(_one(conn, c.seq, c.leaf_hash == entry_hash, missing))

    def inclusion_proof(self, conn: Connection, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of entry ``index`` in the tree of ``size`` entries.

        Raises:
            ParameterError: if the index or size is outside the log.
        """
        size = self._check_size(conn, size)
        if not 0 <= index < size:
            raise ParameterError(f"index {index} is outside a tree of size {size}")
        return inclusion_proof_from_tiles(index, size, self._tile_reader(conn, size))

    def consistency_proof(
        self, conn: Connection, old_size: int, new_size: int | None = None
    ) -> list[bytes]:
        """Return the consistency proof between two sizes of the log.

        Raises:
            ParameterError: if the sizes are not ``0 <= old_size <= new_size <= size``.
        """
        new_size = self._check_size(conn, new_size)
        if not 0 <= old_size <= new_size:
            raise ParameterError(f"old size {old_size} is not between 0 and {new_size}")
        return consistency_proof_from_tiles(
            old_size, new_size, self._tile_reader(conn, size=new_size)
        )

    # -- appending ------------------------------------------------------------------------

    def _lock(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            # Appenders queue on this lock; readers are not blocked.
            name = self.t.entries.fullname
            conn.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")

    @staticmethod
    def _insert_many(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert positional rows (in column order) as one executemany (``insert_rows``)."""
        insert_rows(conn, table, [c.name for c in table.columns], rows)

    def _insert_rows(
        self,
        conn: Connection,
        entry_rows: Sequence[tuple[int, bytes, bytes]],
        tile_rows: Sequence[tuple[int, int, int, int, int, bytes]],
    ) -> None:
        """Insert an append's entry and tile rows.

        On PostgreSQL a small append (a request's one entry and its few tile rows) is one
        statement, the entries' INSERT as a data-modifying CTE of the tiles' INSERT: one round
        trip instead of two, inside the group commit's serialised section. Larger appends
        keep the batched executemany path.
        """
        small = len(entry_rows) + len(tile_rows) <= _SMALL_APPEND
        if conn.dialect.name == "postgresql" and small and tile_rows:
            shape = (len(entry_rows), len(tile_rows))
            sql = self._cte_sql.get(shape)
            if sql is None:
                sql = self._cte_sql[shape] = self._append_sql(conn, *shape)
            params = [v for r in entry_rows for v in r] + [v for r in tile_rows for v in r]
            conn.exec_driver_sql(sql, tuple(params))
            return
        self._insert_many(conn, self.t.entries, entry_rows)
        self._insert_many(conn, self.t.tiles, tile_rows)

    def _append_sql(self, conn: Connection, entries: int, tiles: int) -> str:
        """``WITH e AS (INSERT INTO entries ...) INSERT INTO tiles ...`` for one append's shape.

        Plain driver SQL, built once per shape: a Core multi-row INSERT would be compiled
        again on every request.
        """
        quote = conn.dialect.identifier_preparer

        def values(table: Table, rows: int) -> str:
            names = ", ".join(quote.quote(c.name) for c in table.columns)
            row = "(" + ", ".join("%s" for _ in table.columns) + ")"
            return f"INSERT INTO {quote.format_table(table)} ({names}) VALUES " + ", ".join(
                [row] * rows
            )

        return (
            f"WITH appended_entries AS ({values(self.t.entries, entries)}) "
            f"{values(self.t.tiles, tiles)}"
        )

    def _tile_rows(
        self,
        conn: Connection,
        start: int,
        new: Sequence[Sequence[bytes]],
        next_seq: int | None = None,
    ) -> list[tuple[int, int, int, int, int, bytes]]:
        """Turn the new hashes of each tile level into tile rows, in the order they complete.

        A batch writes, per tile it touches, one row with the hashes it adds; a tile completed
        by several batches also gets one row with all 256 hashes, so that a full tile is read
        as one row. Rows are numbered in the order of the last entry they cover.
        """
        if next_seq is None:
            top = conn.execute(select(func.max(self.t.tiles.c.seq))).scalar()
            next_seq = 0 if top is None else int(top) + 1
        seq = next_seq
        planned: list[tuple[int, int, int, int, int, int, bytes]] = []
        for level, hashes in enumerate(new):
            position, taken = start >> (TILE_HEIGHT * level), 0
            while taken < len(hashes):
                index, first = divmod(position, TILE_WIDTH)
                count = min(TILE_WIDTH - first, len(hashes) - taken)
                chunk = b"".join(hashes[taken : taken + count])
                width = first + count
                end = (index * TILE_WIDTH + width) << (TILE_HEIGHT * level)
                planned.append((end, level, 0, index, first, width, chunk))
                if width == TILE_WIDTH and first:
                    before = self._read_tiles(conn, {(level, index): first}, start)
                    whole = before[(level, index)][: first * HASH_SIZE] + chunk
                    planned.append((end, level, 1, index, 0, TILE_WIDTH, whole))
                taken += count
                position += count
        planned.sort(key=lambda row: row[:3])
        return [
            (seq + n, level, index, first, width, data)
            for n, (_, level, _, index, first, width, data) in enumerate(planned)
        ]

    def _right_edge(self, conn: Connection, size: int) -> list[tuple[int, bytes]]:
        """The perfect subtrees ``(level, hash)`` of the tree of ``size``, left to right."""
        pieces = perfect_subtrees(0, size)
        found = subtree_hashes(pieces, self._tile_reader(conn, size))
        return [(level, found[(level, index)]) for level, index in pieces]

    def next_index(self, conn: Connection) -> int:
        """The index the next ``append`` in this transaction gives its first entry.

        Takes the append lock (the index stays valid until the transaction ends) and keeps the
        tree's right edge for that append, so asking costs no query an append would not make:
        a use-case can store the index with its own row before appending, instead of
        updating the row afterwards.
        """
        return self._head(conn).size

    def _head(self, conn: Connection) -> _Head:
        """The tree's right edge in this transaction, taking the append lock first if needed.

        Known already after an append (or ``next_index``) in the same transaction. Otherwise
        the lock is taken and the size read; the edge kept from this process's last committed
        append is used when the size still matches (the log only grows, so an equal size means
        nobody appended since), else the edge's tiles and the next tile row are read.
        """
        head: _Head | None = conn.info.get(_HEAD)
        if head is not None and head.table == self.t.entries.fullname:
            return head
        self._lock(conn)
        size = self.size(conn)
        kept = self._committed
        if kept is not None and kept.size == size and kept.table == self.t.entries.fullname:
            head = kept
        else:
            top = conn.execute(select(func.max(self.t.tiles.c.seq))).scalar()
            head = _Head(
                self.t.entries.fullname,
                size,
                tuple(self._right_edge(conn, size)),
                0 if top is None else int(top) + 1,
            )
        conn.info[_HEAD] = head
        return head

    def _remember(self, head: _Head) -> None:
        self._committed = head

    def append(self, conn: Connection, entries: Sequence[bytes]) -> AppendResult:
        """Append raw entry bytes as one batch, in the caller's transaction.

        This is the low tier: it does not look inside the entries. Use ``append_envelopes``
        for signed envelopes. The batch costs one row per entry and about one tile row per
        256 entries.

        Raises:
            ParameterError: if an entry is longer than an entry bundle allows (65535 bytes).
            IntegrityError: if the stored right edge of the tree is missing, or an entry is
                already in the log (the database refuses the duplicate hash).
        """
        # After an append (a group-commit batch) or ``next_index`` in this transaction the
        # lock is held and the right edge known: no size, edge or tile query.
        head = self._head(conn)
        start, next_tile = head.size, head.next_tile
        stack = list(head.stack)
        entry_rows: list[tuple[int, bytes, bytes]] = []
        new: list[list[bytes]] = [[]]
        level0, add_row = new[0], entry_rows.append
        # The loop is merkle.leaf_hash / node_hash inlined: at a million entries the calls
        # alone would cost more than the hashing.
        sha = hashlib.sha256
        for seq, raw in enumerate(entries, start):
            data = bytes(raw)
            if len(data) > MAX_ENTRY_SIZE:
                raise ParameterError(
                    f"batch entry {seq - start} is {len(data)} bytes; a log entry is at most "
                    f"{MAX_ENTRY_SIZE}"
                )
            value = sha(b"\x00" + data).digest()
            add_row((seq, value, data))
            level0.append(value)
            level = 0
            while stack and stack[-1][0] == level:
                value = sha(b"\x01" + stack.pop()[1] + value).digest()
                level += 1
                if not level & 7:  # a tile hash: tree level 8 L is tile level L
                    tile_level = level >> 3
                    if tile_level == len(new):
                        new.append([])
                    new[tile_level].append(value)
            stack.append((level, value))
        if entry_rows:
            conn.info.pop(_HEAD, None)  # a failed insert leaves no head behind
            tiles = self._tile_rows(conn, start, new, next_tile)
            self._insert_rows(conn, entry_rows, tiles)
            top = tiles[-1][0] + 1 if tiles else next_tile
            after = _Head(self.t.entries.fullname, start + len(entry_rows), tuple(stack), top)
            conn.info[_HEAD] = after
            # Kept as committed only once ``committed(conn)`` says so; a savepoint rollback
            # drops it (and the next append in the batch registers the edge it leaves).
            conn.info.setdefault(_AFTER_COMMIT, {})[id(self)] = partial(self._remember, after)
        return AppendResult(
            first_index=start,
            size=start + len(entry_rows),
            root=fold([h for _, h in stack]),
            leaf_hashes=tuple(row[1] for row in entry_rows),
        )

    def append_envelopes(
        self,
        conn: Connection,
        entries: Sequence[bytes],
        *,
        trusted: Mapping[str, VerifierKey] | None = None,
    ) -> AppendResult:
        """Check each entry is a canonical, correctly signed envelope, then append the batch.

        Raises:
            IntegrityError: naming the first entry of the batch that does not verify.
        """
        from armsctl.ledger.envelope import open_entry

        for position, data in enumerate(entries):
            try:
                open_entry(data, trusted=trusted)
            except IntegrityError as exc:
                raise IntegrityError(f"batch entry {position}: {exc}") from None
        return self.append(conn, entries)

    # -- checkpoints ----------------------------------------------------------------------

    def _meta(self, conn: Connection, key: str) -> str | None:
        value = conn.execute(select(self.t.meta.c.value).where(self.t.meta.c.key == key)).scalar()
        return None if value is None else str(value)

    def log_key(self, conn: Connection) -> VerifierKey | None:
        """Return the log's public key as recorded with its first checkpoint, if any."""
        text = self._meta(conn, "log_key")
        return None if text is None else VerifierKey.parse(text)

    def checkpoints(self, conn: Connection) -> list[tuple[int, int, str]]:
        """Return every stored checkpoint as ``(seq, size, note)``, oldest first."""
        c = self.t.checkpoints.c
        rows = conn.execute(select(c.seq, c.size, c.note).order_by(c.seq)).all()
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    def latest_checkpoint(self, conn: Connection) -> tuple[int, int, str] | None:
        """Return the newest checkpoint as ``(seq, size, note)``, or ``None``."""
        c = self.t.checkpoints.c
        row = conn.execute(select(c.seq, c.size, c.note).order_by(c.seq.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), int(row[1]), str(row[2]))

    def sign_checkpoint(self, conn: Connection, signer: SignerKey) -> str:
        """Sign and store a checkpoint of the current tree; return the signed note.

        The first checkpoint fixes the log's origin (the key name) and key. A new checkpoint
        must be consistent with the previous one (checked with a proof from stored nodes); if
        the log has not grown, the previous checkpoint is returned unchanged.

        Raises:
            IntegrityError: if the key is not the log's key or the log is not consistent with
                its last checkpoint.
        """
        from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint

        verifier = signer.verifier()
        known = self.log_key(conn)
        if known is None:
            conn.execute(
                self.t.meta.insert(),
                [
                    {"key": "origin", "value": signer.name},
                    {"key": "log_key", "value": str(verifier)},
                ],
            )
        elif known != verifier:
            raise IntegrityError(f"this log is signed by {known}, not by {verifier}")
        size = self.size(conn)
        root = self.root(conn, size)
        last = self.latest_checkpoint(conn)
        seq = 0
        if last is not None:
            previous = open_checkpoint(last[2], verifier)
            proof = self.consistency_proof(conn, previous.size, size)
            if not verify_consistency(previous.size, size, previous.root, root, proof):
                raise IntegrityError(
                    f"the log is not consistent with its checkpoint {last[0]}; refusing to sign"
                )
            if previous.size == size:
                return last[2]
            seq = last[0] + 1
        note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
        conn.execute(self.t.checkpoints.insert(), {"seq": seq, "size": size, "note": note})
        return note

    # -- audit ----------------------------------------------------------------------------

    def _stream_entries(self, conn: Connection) -> Iterator[tuple[int, bytes, bytes]]:
        c = self.t.entries.c
        for row in _in_key_order(conn, c.seq, c.leaf_hash, c.data, chunk=_CHUNK):
            yield int(row[0]), _as_bytes(row[1]), _as_bytes(row[2])

    def _stream_tiles(self, conn: Connection) -> Iterator[TileRow]:
        from armsctl.ledger.audit import TileRow

        c = self.t.tiles.c
        columns = (c.level, c.tile_index, c.start, c.width, c.hashes)
        for row in _in_key_order(conn, c.seq, *columns, chunk=_TILE_CHUNK):
            seq, level, index, first, width = (_as_int(v) for v in row[:5])
            yield TileRow(seq, level, index, first, width, _as_bytes(row[5]))

    def audit(
        self,
        conn: Connection,
        *,
        log_key: VerifierKey | None = None,
        check_envelopes: bool = True,
        trusted: Mapping[str, VerifierKey] | None = None,
    ) -> AuditReport:
        """Recompute the whole tree from the entries and check every checkpoint.

        Args:
            conn: A connection to the log.
            log_key: The log key the auditor trusts. Without it, the key recorded in the
                database is used, which proves internal consistency but not who signed.
            check_envelopes: Also check every entry's envelope signature.
            trusted: Party -> the key its entries must carry (see ``ledger.audit.audit_log``).
        """
        from armsctl.ledger.audit import audit_log, check_meta

        first: list[str] = []
        recorded = None
        with contextlib.suppress(IntegrityError):  # check_meta names a malformed key
            recorded = self.log_key(conn)
        if log_key is not None and recorded is not None and recorded != log_key:
            first.append(f"the log records key {recorded}, not the trusted key")
        meta = self.t.meta.c
        rows = conn.execute(select(meta.key, meta.value)).all()
        first += check_meta({str(k): str(v) for k, v in rows}, log_key)
        checkpoints = self.checkpoints(conn)
        report = audit_log(
            self._stream_entries(conn),
            self._stream_tiles(conn),
            checkpoints,
            log_key=log_key or recorded,
            check_envelopes=check_envelopes,
            trusted=trusted,
        )
        report.problems[:0] = first
        if report.ok:
            self._check_successive(conn, checkpoints, log_key or recorded, report)
        return report

    def _check_successive(
        self,
        conn: Connection,
        rows: list[tuple[int, int, str]],
        key: VerifierKey | None,
        report: AuditReport,
    ) -> None:
        from armsctl.ledger.checkpoint import open_checkpoint

        if key is None or len(rows) < 2:
            return
        parsed = [(seq, open_checkpoint(note, key)) for seq, _, note in rows]
        for (_, older), (seq, newer) in itertools.pairwise(parsed):
            proof = self.consistency_proof(conn, older.size, newer.size)
            if not verify_consistency(older.size, newer.size, older.root, newer.root, proof):
                report.problems.append(
                    f"checkpoint {seq} is not consistent with the checkpoint before it"
                )
                return
