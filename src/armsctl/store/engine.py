"""Engines for the project database, built by a factory (never at import time).

``--db`` and ``ARMSCTL_DATABASE_URL`` accept a SQLAlchemy URL or a plain file path, which means
SQLite. SQLite connections run in WAL mode and begin every transaction with ``BEGIN IMMEDIATE``:
a writer takes the write lock before it reads the tree size, so two appending processes queue
behind each other instead of failing halfway with a lock upgrade error.

SQLAlchemy is imported when an engine is made, not with this module: ``database_url`` is what
``serve`` and ``web seed-demo`` need to check ``--db`` before anything else, and a refused
``--db`` should not pay for the database toolkit.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

__all__ = [
    "DATABASE_ENV",
    "DEFAULT_DATABASE",
    "POOL_SIZE",
    "database_url",
    "insert_rows",
    "make_engine",
]

DEFAULT_DATABASE = "armsctl.db"
DATABASE_ENV = "ARMSCTL_DATABASE_URL"
POOL_SIZE = 40
#: Rows per executemany in ``insert_rows``.
INSERT_CHUNK = 10_000


def database_url(value: str | None = None) -> str:
    """Turn ``--db`` (a URL or a path), else the environment, else ``./armsctl.db`` into a URL."""
    chosen = value or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    if "://" in chosen:
        return chosen
    return f"sqlite:///{chosen}"


def _sqlite_setup(engine: Engine, *, synchronous: str, read_only: bool) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:  # the writer's connections set the file's journal mode
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            # 64 MiB of page cache keeps the random-order entry-hash index in memory longer.
            cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # A writer takes SQLite's write lock when its transaction begins, so that two writers never
    # deadlock upgrading; a reader's transaction is deferred and never takes it.
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def make_engine(
    url: str, *, synchronous: str = "NORMAL", echo: bool = False, read_only: bool = False
) -> Engine:
    """Create an engine for ``url`` with the project's SQLite settings.

    Args:
        url: A SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``).
        synchronous: SQLite's ``synchronous`` pragma. ``NORMAL`` in WAL mode survives a killed
            process without losing a committed transaction; ``FULL`` also survives power loss.
        echo: Log SQL (never enable where entries are confidential).
        read_only: SQLite: an engine whose transactions are deferred and refuse writes
            (``query_only``), for reads that must not queue on the write lock; it leaves the
            journal mode to the writer's engine. Ignored for other databases.
    """
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"unknown synchronous mode {synchronous!r}")
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    if url.startswith("sqlite"):
        # SQLAlchemy's default pool (5 + 10) is smaller than a server's 40 request threads:
        # every request past it would connect, run the PRAGMAs and close again.
        kwargs: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(url, echo=echo, **kwargs)
        _sqlite_setup(engine, synchronous=synchronous, read_only=read_only)
        return engine
    # PostgreSQL counts connections against max_connections: keep fewer idle, allow bursts.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=30)


def insert_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert positional rows (values in the order of ``names``) as executemany calls.

    On SQLite the rows go straight to the driver: SQLAlchemy's per-row parameter processing
    would cost more than the inserts themselves (100,000 sealed items, a large log append).
    Only for columns whose values the driver takes as they are (integers, text, bytes).
    Elsewhere the Core insert keeps the dialect's batched "insertmanyvalues" path. ``rows``
    may be a generator: it is consumed ``INSERT_CHUNK`` rows at a time, so a large insert never
    holds all its parameter tuples at once.
    """
    if conn.dialect.name == "sqlite":
        quote = conn.dialect.identifier_preparer
        target = quote.format_table(table)
        columns = ", ".join(quote.quote(n) for n in names)
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {target} ({columns}) VALUES ({marks})"
        for chunk in _chunks(rows):
            conn.exec_driver_sql(sql, chunk)
    else:
        for chunk in _chunks(rows):
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in chunk])


def _chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in lists of at most ``INSERT_CHUNK``."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, INSERT_CHUNK)):
        yield chunk
