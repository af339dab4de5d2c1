"""Bring a database to the current schema with the Alembic migrations shipped in the package.

``upgrade(engine)`` runs inside one transaction that first takes a lock (``BEGIN IMMEDIATE`` on
SQLite, an advisory lock on PostgreSQL), so two servers starting at once on a fresh database
migrate it once, not twice. A database already at the newest shipped revision is left as it
is without importing Alembic: one query of ``alembic_version`` against the revision files'
own ``revision``/``down_revision`` lines, so every database command does not pay for the
migration machinery it does not run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import Engine, inspect

__all__ = ["current_revision", "head_revision", "shipped_head", "upgrade"]

_HERE = Path(__file__).parent
_LOCK_KEY = 0x61726D73  # "arms"
#: ``revision = "0009"`` or ``down_revision: str | None = "0007"`` at the start of a line.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def _config() -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE / "migrations"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` (default: the newest); return the new revision."""
    if revision == "head":
        current = current_revision(engine)
        if current is not None and current == shipped_head():
            return current
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


def shipped_head() -> str | None:
    """The newest shipped revision, read from the revision files without Alembic.

    Each file's ``revision`` and ``down_revision`` assignments (the only lines Alembic reads
    from it) are read as literals; the head is the one revision no other names as its parent.
    ``None`` when the files do not say it plainly (no single head, an assignment that is not a
    literal): ``upgrade`` then lets Alembic decide, as it always did.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_HERE / "migrations" / "versions").glob("*.py"):
        found = {m[1]: m[2] for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            continue
        try:
            rev = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None
        downs = down if isinstance(down, tuple | list) else () if down is None else (down,)
        if not isinstance(rev, str) or not all(isinstance(d, str) for d in downs):
            return None
        revisions.add(rev)
        parents.update(downs)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
