"""The persistent append-only Merkle log on SQLAlchemy 2 Core (SQLite or PostgreSQL).

Four tables, all refusing UPDATE and DELETE by trigger on both databases:

- ``entries (seq, leaf_hash, data)``: the canonical entry bytes, numbered from 0; ``leaf_hash``
  is unique, which finds an entry by hash and refuses a replayed entry.
- ``nodes (id, hash)``: the hash of every *perfect* subtree, keyed by its post-order index
  (``merkle.stored_index``). A perfect subtree never changes once complete, so appends only
  insert, always at the end of the index, and any proof at any size reads O(log n) rows.
- ``checkpoints (seq, size, note)``: every signed checkpoint the log issued.
- ``meta (key, value)``: the log's origin and public key, written once.

Every method takes a ``Connection`` and runs inside the caller's transaction, so a service can
append entries and record its own rows atomically: ``with engine.begin() as conn: ...``. An
append is all-or-nothing; after a crash the log is exactly the last committed state.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    Connection,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    event,
    func,
    select,
)

from armsctl.errors import IntegrityError, NotFoundError, ParameterError
from armsctl.ledger.audit import AuditReport, audit_log, check_meta
from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from armsctl.ledger.envelope import open_entry
from armsctl.ledger.merkle import (
    HASH_SIZE,
    Subtree,
    consistency_plan,
    fold,
    inclusion_plan,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    stored_index,
    verify_consistency,
)
from armsctl.ledger.note import SignerKey, VerifierKey

__all__ = ["AppendResult", "LedgerStore", "LedgerTables", "ledger_tables"]

_CHUNK = 20_000


def _as_bytes(value: object) -> bytes:
    """Read a stored blob defensively: a tampered row may hold text or a number instead."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return repr(value).encode()


@dataclass(frozen=True, slots=True)
class LedgerTables:
    """The log's tables, built for one table prefix and schema."""

    metadata: MetaData
    entries: Table
    nodes: Table
    checkpoints: Table
    meta: Table


def _ddl(statement: str, dialect: str) -> DDL:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


def _append_only_ddl(table: Table, prefix: str, schema: str | None) -> None:
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


def ledger_tables(*, prefix: str = "ledger_", schema: str | None = None) -> LedgerTables:
    """Build the table definitions (and their append-only triggers) for a prefix and schema.

    Tests use a fresh prefix or schema per run so that parallel runs on one PostgreSQL server
    never share tables.
    """
    if not prefix.replace("_", "").isalnum():
        raise ParameterError("table prefix must be letters, digits and underscores")
    md = MetaData(schema=schema)
    entries = Table(
        f"{prefix}entries",
        md,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("leaf_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
        Column("data", LargeBinary, nullable=False),
    )
    nodes = Table(
        f"{prefix}nodes",
        md,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("hash", LargeBinary(HASH_SIZE), nullable=False),
    )
    checkpoints = Table(
        f"{prefix}checkpoints",
        md,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("size", BigInteger, nullable=False),
        Column("note", Text, nullable=False),
    )
    meta = Table(
        f"{prefix}meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )
    for table in (entries, nodes, checkpoints, meta):
        _append_only_ddl(table, prefix, schema)
    return LedgerTables(md, entries, nodes, checkpoints, meta)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where a batch landed: its first index, the new tree size and root."""

    first_index: int
    size: int
    root: bytes
    leaf_hashes: tuple[bytes, ...]


class LedgerStore:
    """The log's operations; each runs inside the transaction of the connection it is given."""

    def __init__(self, tables: LedgerTables | None = None) -> None:
        self.t = tables or ledger_tables()

    # -- schema ---------------------------------------------------------------------------

    def create(self, conn: Connection) -> None:
        """Create the tables and triggers if they do not exist (Alembic takes over later)."""
        self.t.metadata.create_all(conn)

    # -- reading --------------------------------------------------------------------------

    def size(self, conn: Connection) -> int:
        """Return the number of entries (the current tree size)."""
        top = conn.execute(select(func.max(self.t.entries.c.seq))).scalar()
        return 0 if top is None else int(top) + 1

    def _nodes(self, conn: Connection, subtrees: Sequence[Subtree]) -> dict[Subtree, bytes]:
        ids = {stored_index(level, index): (level, index) for level, index in subtrees}
        if not ids:
            return {}
        rows = conn.execute(
            select(self.t.nodes.c.id, self.t.nodes.c.hash).where(self.t.nodes.c.id.in_(ids))
        ).all()
        found = {ids[int(row[0])]: _as_bytes(row[1]) for row in rows}
        for subtree in subtrees:
            if subtree not in found:
                raise IntegrityError(
                    f"stored node (level {subtree[0]}, index {subtree[1]}) is missing"
                )
        return found

    def _check_size(self, conn: Connection, size: int | None) -> int:
        current = self.size(conn)
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ParameterError(f"size {size} is outside the log's 0..{current}")
        return size

    def root(self, conn: Connection, size: int | None = None) -> bytes:
        """Return the root hash at ``size`` (default: now), from O(log n) stored nodes."""
        size = self._check_size(conn, size)
        pieces = perfect_subtrees(0, size)
        found = self._nodes(conn, pieces)
        return fold([found[p] for p in pieces])

    def entry(self, conn: Connection, index: int) -> bytes:
        """Return the stored bytes of entry ``index``.

        Raises:
            NotFoundError: if there is no such entry.
        """
        data = conn.execute(
            select(self.t.entries.c.data).where(self.t.entries.c.seq == index)
        ).scalar()
        if data is None:
            raise NotFoundError(f"the log has no entry {index}")
        return _as_bytes(data)

    def index_of(self, conn: Connection, entry_hash: bytes) -> int:
        """Return the index of the entry whose leaf hash is ``entry_hash``.

        Raises:
            NotFoundError: if no entry has that hash.
        """
        seq = conn.execute(
            select(self.t.entries.c.seq).where(self.t.entries.c.leaf_hash == entry_hash)
        ).scalar()
        if seq is None:
            raise NotFoundError(f"the log has no entry with hash {entry_hash.hex()}")
        return int(seq)

    def _proof(self, conn: Connection, plan: list[list[Subtree]]) -> list[bytes]:
        found = self._nodes(conn, [s for element in plan for s in element])
        return [fold([found[s] for s in element]) for element in plan]

    def inclusion_proof(self, conn: Connection, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of entry ``index`` in the tree of ``size`` entries.

        Raises:
            ParameterError: if the index or size is outside the log.
        """
        size = self._check_size(conn, size)
        if not 0 <= index < size:
            raise ParameterError(f"index {index} is outside a tree of size {size}")
        return self._proof(conn, inclusion_plan(index, size))

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
        return self._proof(conn, consistency_plan(old_size, new_size))

    # -- appending ------------------------------------------------------------------------

    def _lock(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            # Appenders queue on this lock; readers are not blocked.
            name = self.t.entries.fullname
            conn.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")

    @staticmethod
    def _insert_many(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert positional rows (in column order) as one executemany.

        On SQLite the rows go straight to the driver: SQLAlchemy's per-row parameter
        processing would otherwise cost more than the inserts themselves. Elsewhere the Core
        insert keeps the dialect's batched "insertmanyvalues" path.
        """
        names = [c.name for c in table.columns]
        if conn.dialect.name == "sqlite":
            target = conn.dialect.identifier_preparer.format_table(table)
            columns = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
            marks = ", ".join("?" for _ in names)
            conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) VALUES ({marks})", list(rows))
        else:
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])

    def append(self, conn: Connection, entries: Sequence[bytes]) -> AppendResult:
        """Append raw entry bytes as one batch, in the caller's transaction.

        This is the low tier: it does not look inside the entries. Use ``append_envelopes``
        for signed envelopes.

        Raises:
            IntegrityError: if the stored right edge of the tree is missing, or an entry is
                already in the log (the database refuses the duplicate hash).
        """
        self._lock(conn)
        start = self.size(conn)
        pieces = perfect_subtrees(0, start)
        found = self._nodes(conn, pieces)
        stack = [(level, found[(level, index)]) for level, index in pieces]
        entry_rows: list[tuple[int, bytes, bytes]] = []
        node_rows: list[tuple[int, bytes]] = []
        leaves: list[bytes] = []
        for offset, data in enumerate(entries):
            seq = start + offset
            data = bytes(data)
            leaf = leaf_hash(data)
            leaves.append(leaf)
            entry_rows.append((seq, leaf, data))
            node_id = 2 * seq - seq.bit_count()
            node_rows.append((node_id, leaf))
            level, value = 0, leaf
            while stack and stack[-1][0] == level:
                value = node_hash(stack.pop()[1], value)
                level += 1
                node_rows.append((node_id + level, value))
            stack.append((level, value))
        if entry_rows:
            self._insert_many(conn, self.t.entries, entry_rows)
            self._insert_many(conn, self.t.nodes, node_rows)
        return AppendResult(
            first_index=start,
            size=start + len(entry_rows),
            root=fold([h for _, h in stack]),
            leaf_hashes=tuple(leaves),
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
        after = -1
        while True:
            rows = conn.execute(
                select(c.seq, c.leaf_hash, c.data)
                .where(c.seq > after)
                .order_by(c.seq)
                .limit(_CHUNK)
            ).all()
            if not rows:
                return
            for row in rows:
                yield int(row[0]), _as_bytes(row[1]), _as_bytes(row[2])
            after = int(rows[-1][0])

    def _stream_nodes(self, conn: Connection) -> Iterator[tuple[int, bytes]]:
        c = self.t.nodes.c
        after = -1
        while True:
            rows = conn.execute(
                select(c.id, c.hash).where(c.id > after).order_by(c.id).limit(_CHUNK)
            ).all()
            if not rows:
                return
            for row in rows:
                yield int(row[0]), _as_bytes(row[1])
            after = int(rows[-1][0])

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
            self._stream_nodes(conn),
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
