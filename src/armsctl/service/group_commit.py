"""Group commit: concurrent write transactions of one process share one database commit.

Every use-case's transaction (``Database.write()``) is run as a SAVEPOINT inside a batch
transaction that the process holds on one connection. The use-cases of a batch run one after
the other (they would queue on the database's write lock anyway: SQLite has one writer and
the log's append lock serialises PostgreSQL's appenders), and the batch is committed by the
member that finds nobody else waiting, or once it holds ``max_batch`` members. Under load a
single commit (one WAL write on SQLite, one WAL flush on PostgreSQL) then covers many requests;
alone, a request commits at once, exactly as before.

The guarantee is unchanged: ``write()`` returns only after the commit that contains its
changes, so nothing is acknowledged before it is durable. A use-case that raises rolls back
its own savepoint only; the other members of its batch are unaffected. If the batch commit
itself fails, every member of the batch sees that error (none was acknowledged).

Rows that need no use-case logic (the audit events of audited reads) join a batch without a
savepoint or an ORM session (``insert()``): they are held with the batch and written by one
executemany per table just before its commit (in a savepoint of their own if the batch also
holds use-cases' writes), so a batch of hundreds of audited reads costs one INSERT and one
commit. If that INSERT fails, only the ``insert()`` callers of the batch see the error; the
use-cases' writes still commit.

Cross-process, the batches of different workers still queue on the database's own lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Insert, RootTransaction, Table
from sqlalchemy.orm import Session

from armsctl.store.ledger import committed as ledger_committed

__all__ = ["GroupCommit"]


@dataclass
class _Batch:
    conn: Connection
    tx: RootTransaction
    members: int = 0
    #: Members that ran a use-case (``write()``); the others only hold rows.
    writes: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    #: Rows held by ``insert()`` callers, written just before the commit.
    rows: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    rows_error: BaseException | None = None


class GroupCommit:
    """One process's writer: use-cases join the open batch; the last one in commits it."""

    def __init__(self, engine: Engine, *, max_batch: int = 64) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._lock = threading.Lock()  # who may use the batch connection now
        self._count = threading.Lock()  # guards _waiting
        self._waiting = 0
        self._batch: _Batch | None = None
        self._local = threading.local()
        #: One INSERT statement per table, built once, so its compiled form is found in the
        #: engine's cache by identity instead of by a cache key computed for each batch.
        self._inserts: dict[Table, Insert] = {}
        #: Batches committed and members acknowledged, for benchmarks and tests.
        self.commits = 0
        self.acknowledged = 0

    @contextlib.contextmanager
    def write(self) -> Iterator[tuple[Session, Connection]]:
        """One use-case's transaction; returns once the batch holding it is committed."""
        if getattr(self._local, "inside", False):
            # A use-case inside a use-case on the same thread: its own transaction, as before
            # (the outer one holds the batch; joining it would make the inner one wait on
            # itself).
            with (
                self.engine.begin() as conn,
                Session(bind=conn, expire_on_commit=False) as session,
            ):
                yield session, conn
                session.flush()
            return
        self._enter()
        batch: _Batch | None = None
        joined = False
        try:
            batch = self._open()
            savepoint = batch.conn.begin_nested()
            self._local.inside = True
            try:
                # rollback_only: a failed flush rolls back this savepoint, not the batch.
                with Session(
                    bind=batch.conn, expire_on_commit=False, join_transaction_mode="rollback_only"
                ) as session:
                    yield session, batch.conn
                    session.flush()
                # The savepoint is left open rather than released: RELEASE would be one more
                # round trip per member, and the batch's COMMIT ends it anyway. The next
                # member's savepoint nests inside it, so rolling that one back keeps this one.
            except BaseException:
                if savepoint.is_active:
                    savepoint.rollback()
                raise
            finally:
                self._local.inside = False
            batch.members += 1
            batch.writes += 1
            joined = True
        finally:
            self._release(batch)
        if joined:
            assert batch is not None
            batch.done.wait()
            if batch.error is not None:
                raise batch.error

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (column name to value, the same keys in each) with the open batch.

        Returns once the batch holding them is committed, like ``write()``. No savepoint, no
        session: the rows are only held here and written by one executemany per table when
        the batch commits.

        Raises:
            sqlalchemy.exc.SQLAlchemyError: if the INSERT or the batch's commit failed (then
                nothing of these rows was written).
        """
        if not rows:
            return
        if getattr(self._local, "inside", False):
            with self.engine.begin() as conn:
                conn.execute(self._insert(table), rows)
            return
        self._enter()
        batch: _Batch | None = None
        try:
            batch = self._open()
            batch.rows.setdefault(table, []).extend(rows)
            batch.members += 1
        finally:
            self._release(batch)
        assert batch is not None
        batch.done.wait()
        if batch.error is not None:
            raise batch.error
        if batch.rows_error is not None:
            raise batch.rows_error

    def _enter(self) -> None:
        """Take the batch connection, counted as waiting until then (see ``_release``)."""
        with self._count:
            self._waiting += 1
        self._lock.acquire()
        with self._count:
            self._waiting -= 1

    def _open(self) -> _Batch:
        """The open batch, or a new one (its BEGIN takes the database's write lock)."""
        if self._batch is not None:
            if self._batch.tx.is_active:
                return self._batch
            self._commit(self._batch)  # broken: its members get the error
            self._batch = None
        conn = self.engine.connect()
        try:
            tx = conn.begin()
        except BaseException:
            conn.close()
            raise
        self._batch = _Batch(conn, tx)
        return self._batch

    def _release(self, batch: _Batch | None) -> None:
        """Commit the batch if nobody waits to join it (or it is full); let the next one in."""
        try:
            if batch is None:
                return
            with self._count:
                waiting = self._waiting
            if waiting and batch.members < self.max_batch and batch.tx.is_active:
                return  # the next one in continues the batch and commits it
            self._batch = None
            self._commit(batch)
        finally:
            self._lock.release()

    def _insert(self, table: Table) -> Insert:
        statement = self._inserts.get(table)
        if statement is None:
            statement = self._inserts[table] = table.insert()
        return statement

    def _commit(self, batch: _Batch) -> None:
        try:
            if batch.rows and batch.tx.is_active and not self._write_rows(batch):
                return  # only rows, and they failed: their callers see ``rows_error``
            if batch.members and batch.tx.is_active:
                batch.tx.commit()
                ledger_committed(batch.conn)  # the log keeps its right edge as committed
                self.commits += 1
                self.acknowledged += batch.members
            elif batch.tx.is_active:
                batch.tx.rollback()
            elif batch.members:
                batch.error = RuntimeError("the batch transaction was rolled back")
        except BaseException as exc:
            batch.error = exc
            with contextlib.suppress(Exception):
                batch.tx.rollback()
        finally:
            with contextlib.suppress(Exception):
                batch.conn.close()
            batch.done.set()

    def _write_rows(self, batch: _Batch) -> bool:
        """The held rows, one executemany per table; False if they failed in a rows-only batch.

        Beside use-cases' writes the rows go in a savepoint of their own, so that their failure
        rolls back only them. A batch holding nothing but rows (the common case: audited reads)
        needs no savepoint (SAVEPOINT and RELEASE are two statements more per batch): if its
        INSERT fails, the whole transaction is rolled back, and it held only these rows.
        """
        savepoint = batch.conn.begin_nested() if batch.writes else None
        try:
            for table, rows in batch.rows.items():
                batch.conn.execute(self._insert(table), rows)
            if savepoint is not None:
                savepoint.commit()
        except Exception as exc:  # only the insert() callers of this batch see it
            batch.rows_error = exc
            if savepoint is None:
                batch.tx.rollback()  # _commit's finally closes the connection, sets done
                return False
            if savepoint.is_active:
                savepoint.rollback()
        return True

    def stats(self) -> dict[str, Any]:
        """Commits and acknowledged writes so far (their ratio is the mean batch size)."""
        return {"commits": self.commits, "acknowledged": self.acknowledged}
