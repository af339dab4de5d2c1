"""Migrations: a fresh database (SQLite and PostgreSQL) reaches head, matches the models, makes
the schema the shipped revisions always made, downgrades and upgrades again, and its ledger
tables refuse changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from armsctl.store.engine import make_engine
from armsctl.store.models import Base
from armsctl.store.schema import current_revision, head_revision, upgrade

#: The schema revisions 0001 to 0011 make, as ``describe`` reads it from each backend.
SHIPPED = Path(__file__).parent / "vectors" / "schema_0011.json"


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


def describe(conn: sa.Connection) -> dict[str, Any]:
    """What a migrated database holds, as the backend reports it (not as the code declares it).

    Each table's columns in order (type, nullability, default), its key, foreign keys, unique
    constraints and indexes with their names; the triggers; on PostgreSQL also the functions
    the triggers run. A PostgreSQL schema's own name reads ``SCHEMA``.
    """
    inspector = sa.inspect(conn)
    tables: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        pk = inspector.get_pk_constraint(name)
        columns = []
        for c in inspector.get_columns(name):
            kind = c["type"].compile(dialect=conn.dialect)
            column = f"{c['name']} {kind}{'' if c['nullable'] else ' NOT NULL'}"
            columns.append(column if c["default"] is None else f"{column} DEFAULT {c['default']}")
        foreign_keys = [_foreign_key(fk) for fk in inspector.get_foreign_keys(name)]
        indexes = [
            f"{i['name']} {_listed(i['column_names'])}{' UNIQUE' if i['unique'] else ''}"
            for i in inspector.get_indexes(name)
            if "duplicates_constraint" not in i
        ]
        unique = inspector.get_unique_constraints(name)
        tables[name] = {
            "columns": columns,
            "primary_key": f"{pk['name']} {_listed(pk['constrained_columns'])}",
            "foreign_keys": sorted(foreign_keys),
            "unique": sorted(f"{u['name']} {_listed(u['column_names'])}" for u in unique),
            "indexes": sorted(indexes),
        }
    triggers, functions = _routines(conn)
    found = {"tables": tables, "triggers": triggers, "functions": functions}
    if conn.dialect.name != "postgresql":
        return found
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    return json.loads(json.dumps(found).replace(f"{schema}.", "SCHEMA."))


def _routines(conn: sa.Connection) -> tuple[list[str], list[str]]:
    """The triggers' and (PostgreSQL) their functions' definitions, sorted."""
    if conn.dialect.name != "postgresql":
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger'")
        return sorted(sql.scalars()), []
    here = "current_schema()::regnamespace"
    triggers = conn.exec_driver_sql(
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        f" WHERE NOT t.tgisinternal AND c.relnamespace = {here}"
    ).scalars()
    functions = conn.exec_driver_sql(
        f"SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = {here}"
    ).scalars()
    return sorted(triggers), sorted(" ".join(f.split()) for f in functions)


def _listed(names: list[str]) -> str:
    return f"({', '.join(names)})"


def _foreign_key(fk: Any) -> str:
    options = "".join(f" {option}={value}" for option, value in sorted(fk["options"].items()))
    return (
        f"{fk['name']} {_listed(fk['constrained_columns'])} -> {fk['referred_table']} "
        f"{_listed(fk['referred_columns'])}{options}"
    )


def _downgrade(engine: sa.Engine, revision: str) -> None:
    """Run the revisions' downgrades to ``revision`` (the server never does: tests only)."""
    from alembic import command
    from alembic.config import Config

    import armsctl.store

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(armsctl.store.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_the_shipped_revisions_make_the_schema_they_always_made(url: str) -> None:
    """Revisions ship once: what 0001 to 0011 create is frozen on both backends.

    The comparison with the models above says the head agrees with the code; this says that no
    change to the code the revisions share (``store.migrations.tables``, ``store.ledger``) has
    moved a column, a type, a default, a name, an index or a trigger of a database migrated in
    the past. ``vectors/schema_0011.json`` is ``describe`` of databases the revisions migrated
    as they were released; a later revision leaves it as it is.
    """
    engine = make_engine(url)
    upgrade(engine, "0011")
    with engine.connect() as conn:
        found = describe(conn)
        dialect = conn.dialect.name
    engine.dispose()
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))[dialect]
    assert sorted(found["tables"]) == sorted(shipped["tables"])
    for name, table in shipped["tables"].items():
        assert found["tables"][name] == table, name
    assert found["triggers"] == shipped["triggers"]
    assert found["functions"] == shipped["functions"]


def test_downgrading_to_the_tiles_and_upgrading_again_restores_the_schema(url: str) -> None:
    """Every downgrade that can run (the move to tiles, 0005, is one-way) undoes its upgrade."""
    engine = make_engine(url)

    def schema() -> dict[str, Any]:
        with engine.connect() as conn:
            return describe(conn)

    upgrade(engine, "0005")
    at_tiles = schema()
    upgrade(engine)
    at_head = schema()
    _downgrade(engine, "0005")
    revision, back_at_tiles = current_revision(engine), schema()
    upgrade(engine)
    back_at_head = schema()
    engine.dispose()
    assert revision == "0005"
    assert back_at_tiles == at_tiles
    assert back_at_head == at_head
