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
    assert {"ledger_entries", "ledger_tiles", "ledger_checkpoints", "ledger_meta"} <= names
    assert "ledger_nodes" not in names
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ledger_meta (key, value) VALUES ('k', 'v')"))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE ledger_meta SET value = 'w'"))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_meta"))
    engine.dispose()


def _legacy_rows(entries: list[bytes]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Entry and node rows as revisions 0001 to 0004 stored them: one row per perfect subtree."""
    from armsctl.ledger.merkle import leaf_hash, node_hash

    entry_rows, node_rows = [], []
    stack: list[tuple[int, bytes]] = []
    for seq, data in enumerate(entries):
        leaf = leaf_hash(data)
        entry_rows.append({"seq": seq, "leaf_hash": leaf, "data": data})
        node_id = 2 * seq - seq.bit_count()
        node_rows.append({"id": node_id, "hash": leaf})
        level, value = 0, leaf
        while stack and stack[-1][0] == level:
            value = node_hash(stack.pop()[1], value)
            level += 1
            node_rows.append({"id": node_id + level, "hash": value})
        stack.append((level, value))
    return entry_rows, node_rows


@pytest.mark.parametrize("tamper", [False, True])
def test_a_log_stored_per_node_moves_to_tiles(url: str, tamper: bool) -> None:
    """Revision 0005 copies the tile hashes from the old nodes; the audit still sees tampering."""
    from armsctl.ledger import merkle
    from armsctl.ledger.checkpoint import Checkpoint, sign_checkpoint
    from armsctl.ledger.note import SignerKey
    from armsctl.store.ledger import LedgerStore

    key = SignerKey.generate("example.org/log", seed=b"\x41" * 32)
    entries = [b"old entry %d" % i for i in range(600)]
    engine = make_engine(url)
    upgrade(engine, "0004")
    entry_rows, node_rows = _legacy_rows(entries)
    if tamper:  # node (level 8, index 1), stored before the move: a level-1 tile hash
        victim = merkle.stored_index(8, 1)
        for row in node_rows:
            if row["id"] == victim:
                row["hash"] = b"\x00" * 32
    md = sa.MetaData()
    md.reflect(engine, only=["ledger_entries", "ledger_nodes", "ledger_checkpoints", "ledger_meta"])
    note = sign_checkpoint(Checkpoint(key.name, 600, merkle.root(entries)), key)
    with engine.begin() as conn:
        conn.execute(md.tables["ledger_entries"].insert(), entry_rows)
        conn.execute(md.tables["ledger_nodes"].insert(), node_rows)
        conn.execute(
            md.tables["ledger_checkpoints"].insert(), {"seq": 0, "size": 600, "note": note}
        )
        conn.execute(
            md.tables["ledger_meta"].insert(),
            [
                {"key": "origin", "value": key.name},
                {"key": "log_key", "value": str(key.verifier())},
            ],
        )
    assert upgrade(engine) == head_revision()
    store = LedgerStore()
    with engine.begin() as conn:
        assert not sa.inspect(conn).has_table("ledger_nodes")
        report = store.audit(conn, log_key=key.verifier(), check_envelopes=False)
        if tamper:
            assert report.problems[0].startswith("tile row "), report.problems
            assert "level 1, index 0): hash 1 does not match" in report.problems[0]
        else:
            assert report.ok, report.problems
            assert store.root(conn) == merkle.root(entries)
            assert store.inclusion_proof(conn, 300) == merkle.inclusion_proof(entries, 300)
            store.append(conn, [b"new entry"])
            assert store.root(conn) == merkle.root([*entries, b"new entry"])
    engine.dispose()
