"""Bring a database to the current schema with the Alembic migrations shipped in the package.

``upgrade(engine)`` runs inside one transaction that first takes a lock (``BEGIN IMMEDIATE`` on
SQLite, an advisory lock on PostgreSQL), so two servers starting at once on a fresh database
migrate it once, not twice.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect

__all__ = ["current_revision", "head_revision", "upgrade"]

_HERE = Path(__file__).parent
_LOCK_KEY = 0x61726D73  # "arms"


def _config() -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` (default: the newest); return the new revision."""
    from alembic import command
    from alembic.config import Config

    cfg = _config()
    assert isinstance(cfg, Config)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """Return the database's schema revision, or ``None`` for a database never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return None if value is None else str(value)


def head_revision() -> str:
    """Return the newest revision shipped with this version of armsctl."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = _config()
    assert isinstance(cfg, Config)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head
