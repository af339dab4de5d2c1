"""Web sessions kept in the database: every server process sees every session.

A session used to live in one process's memory, so behind ``armsctl serve --workers 2`` a
browser signed in on one worker was sent back to ``/signin`` by the other. These use-cases store
what ``armsctl.web.session`` seals (never a usable token in clear) and are the only code that
touches the ``web_sessions`` table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from armsctl.service._base import Database
from armsctl.store.models import WebSessionRow

__all__ = ["drop_session", "load_session", "save_session"]


def save_session(
    db: Database, key: bytes, sealed: bytes, *, created: dt.datetime, expires: dt.datetime
) -> None:
    """Store a new session and forget every session that has expired."""
    with db.write() as (session, _conn):
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= created))
        session.add(WebSessionRow(key=key, sealed=sealed, created_at=created, expires_at=expires))


def load_session(db: Database, key: bytes, *, at: dt.datetime) -> bytes | None:
    """The sealed session stored under ``key`` if it is still live at ``at``."""
    with db.read() as session:
        row = session.get(WebSessionRow, key)
        if row is None:
            return None
        live = row.expires_at > at
        sealed = row.sealed
    if not live:
        drop_session(db, key)
        return None
    return sealed


def drop_session(db: Database, key: bytes) -> None:
    """Forget one session (sign-out or expiry); an unknown key is ignored."""
    with db.write() as (session, _conn):
        session.execute(delete(WebSessionRow).where(WebSessionRow.key == key))
