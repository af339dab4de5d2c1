"""Store fixtures: every storage test runs on SQLite, and on PostgreSQL when it is configured.

Each PostgreSQL test gets its own schema (unique per run and per test), dropped afterwards, so
parallel runs on one server never collide.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import fresh_url

from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore, ledger_tables

POSTGRES_URL = os.environ.get("ARMSCTL_TEST_POSTGRES_URL")


class Log:
    """An engine and a store on fresh tables, plus a way to tamper behind the triggers."""

    def __init__(self, engine: Engine, store: LedgerStore, schema: str | None) -> None:
        self.engine, self.store, self.schema = engine, store, schema

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def bypass(self, conn: Connection, statement: object) -> None:
        """Run a statement with the append-only triggers out of the way (an attacker's move)."""
        if self.dialect == "sqlite":
            triggers = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            ).all()
            for name, _ in triggers:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            conn.execute(statement)  # type: ignore[call-overload]
            for _, sql in triggers:
                conn.exec_driver_sql(sql)
        else:
            tables = [t.fullname for t in self.store.t.metadata.sorted_tables]
            for name in tables:
                conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER USER")
            conn.execute(statement)  # type: ignore[call-overload]
            for name in tables:
                conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER USER")


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database, SQLite and then PostgreSQL (a schema of its own)."""
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_url(request.param, pg, tmp_path) as value:
        yield value


@pytest.fixture
def memory_log() -> Callable[[], Log]:
    """Build throwaway in-memory SQLite logs (for property tests that need many)."""

    def make() -> Log:
        engine = make_engine("sqlite://")
        store = LedgerStore()
        with engine.begin() as conn:
            store.create(conn)
        return Log(engine, store, None)

    return make


def _backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="ARMSCTL_TEST_POSTGRES_URL not set"),
            ],
        ),
    ]


@pytest.fixture(params=_backends())
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Log]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        store = LedgerStore()
        with engine.begin() as conn:
            store.create(conn)
        yield Log(engine, store, None)
        engine.dispose()
        return
    assert POSTGRES_URL
    engine = make_engine(POSTGRES_URL)
    schema = f"armsctl_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    store = LedgerStore(ledger_tables(schema=schema))
    try:
        with engine.begin() as conn:
            store.create(conn)
        yield Log(engine, store, schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()
