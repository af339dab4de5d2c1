"""Migrations: a fresh database (SQLite and PostgreSQL) reaches head, matches the models, and
its ledger tables refuse changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import fresh_url

from armsctl.store.engine import make_engine
from armsctl.store.models import Base
from armsctl.store.schema import current_revision, head_revision, upgrade


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    pg = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with fresh_url(request.param, pg, tmp_path) as value:
        yield value


def test_upgrade_reaches_head_twice_and_matches_the_models(url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        names = set(sa.inspect(conn).get_table_names())
    assert [d for d in diff if d[0] != "remove_table"] == []
    assert {"ledger_entries", "ledger_nodes", "ledger_checkpoints", "ledger_meta"} <= names
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ledger_meta (key, value) VALUES ('k', 'v')"))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE ledger_meta SET value = 'w'"))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_meta"))
    engine.dispose()
