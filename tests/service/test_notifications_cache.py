"""The notifications list served as kept bytes: each viewer its own page, new after every change.

``list_notifications_json`` keeps each page's JSON bytes per treaty, role, party, page and store
version. What keeping them must never change: each viewer is served its own page (its own
sealed copies, its own view of the acknowledgements) while another viewer's page is kept; a new
notification or acknowledgement, committed by this process or by another worker, is in the next
answer; a page with a row still in clear is read again each time; and every answer, kept or
not, records its audit event. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import pytest
from _svc import NOW, Env
from _world import LOG_KEY, opened
from sqlalchemy import func, null, select, update

from armsctl.service import AccessDenied, Database, Listing
from armsctl.service import notifications as notes
from armsctl.store.models import AuditEvent, Notification

T = TypeVar("T")


def _listed(env: Env, use_case: Callable[..., T], user: str, **page: int) -> T:
    """What ``use_case`` (a notifications list) gives ``user`` for the page asked."""
    return use_case(
        env.db,
        env.actors[user],
        Listing("new-start", **page),
        allow=env.allow(user, "notification.read"),
        at=NOW,
    )


def _served(env: Env, user: str, **page: int) -> dict[str, Any]:
    """The page the API serves ``user`` (the kept bytes, when they are kept)."""
    served: dict[str, Any] = orjson.loads(_listed(env, notes.list_notifications_json, user, **page))
    return served


def _read_now(env: Env, user: str, **page: int) -> dict[str, Any]:
    """The same page read from the store now, with nothing kept, as the JSON it is served as."""
    read = _listed(env, notes.list_notifications, user, **page)
    return {**read.to_dict(), "results": [row.to_json_dict() for row in read.results]}


def _row(env: Env, user: str, note_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in _served(env, user, limit=1000)["results"] if r["id"] == note_id
    )
    return found


def _send(
    env: Env, db: Database, sender: str, recipient: str, text: str
) -> notes.NotificationPublic:
    user = sender.lower()
    return notes.submit_notification(
        db,
        env.actors[user],
        treaty="new-start",
        sender=sender,
        recipient=recipient,
        kind="status-change",
        body={"text": text},
        allow=env.allow(user, "notification.submit"),
        at=NOW,
    )


def test_each_viewer_is_served_its_own_page_while_another_viewers_page_is_kept(
    store_env: Env,
) -> None:
    env = store_env
    for _round in range(2):  # the second round is served from what the first one kept
        usa, rus = _served(env, "usa"), _served(env, "rus")
        assert usa != rus
        assert usa == _read_now(env, "usa")
        assert rus == _read_now(env, "rus")
        assert list(usa) == ["results", "total", "limit", "offset", "next_offset"]
        assert usa["results"] and rus["results"]
        assert all(set(r["sealed_body"]["keys"]) == {"USA"} for r in usa["results"])
        assert all(set(r["sealed_body"]["keys"]) == {"RUS"} for r in rus["results"])
        second = _served(env, "usa", limit=1, offset=1)
        assert second == _read_now(env, "usa", limit=1, offset=1) != usa


@pytest.mark.parametrize("user", ["usa-insp", "rus-insp", "obs", "op"])
def test_a_kept_page_is_never_served_to_a_role_that_may_not_read_it(
    store_env: Env, user: str
) -> None:
    env = store_env
    _served(env, "usa")
    _served(env, "rus")
    with pytest.raises(AccessDenied) as refused:
        _served(env, user)
    assert "private note" not in refused.value.reason


@pytest.mark.parametrize("writer", ["this process", "another worker"])
def test_a_new_notification_or_acknowledgement_is_in_the_next_answer(
    store_env: Env, writer: str
) -> None:
    env = store_env
    db = env.db if writer == "this process" else Database(env.db.url, LOG_KEY)
    try:
        before = _served(env, "usa", limit=1000)
        assert _served(env, "usa", limit=1000) == before  # kept
        note = _send(env, db, "RUS", "USA", f"sent by {writer}")
        after = _served(env, "usa", limit=1000)
        assert after["total"] == before["total"] + 1
        assert after == _read_now(env, "usa", limit=1000)
        assert _row(env, "rus", note.id)["acknowledged_at"] is None  # the sender's page, kept
        notes.acknowledge_notification(
            db,
            env.actors["usa"],
            notification_id=note.id,
            allow=env.allow("usa", "notification.acknowledge"),
            at=NOW,
        )
        seen = _row(env, "rus", note.id)
        assert seen["acknowledged_at"] == NOW.isoformat()
        assert seen["acknowledgements"] == {"USA": NOW.isoformat()}
        assert _row(env, "usa", note.id)["acknowledged_at"] == NOW.isoformat()
    finally:
        if db is not env.db:
            db.dispose()


def test_a_page_with_a_row_still_in_clear_is_read_again_each_time(store_env: Env) -> None:
    env = store_env
    note = _send(env, env.db, "USA", "RUS", "to be planted in clear")
    with env.db.write() as (session, _conn):  # as an older server stored it: no log entry
        session.execute(
            update(Notification)
            .where(Notification.id == note.id)
            .values(sealed_body=null(), body={"text": "stored in clear"})
            .execution_options(synchronize_session=False)
        )
    for _round in range(2):
        assert _row(env, "rus", note.id)["body"] == {"text": "stored in clear"}
    with env.db.write() as (session, _conn):  # sealed in place, as reseal does: no log entry
        row = session.get(Notification, note.id)
        assert row is not None
        assert notes.reseal_notification(session, row, os.urandom)
    seen = _row(env, "rus", note.id)
    assert seen["body"] is None
    assert opened(seen["sealed_body"], "RUS")["value"] == {"text": "stored in clear"}


def test_every_answer_kept_or_not_records_its_audit_event(store_env: Env) -> None:
    env = store_env
    reads = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "notification.read",
            AuditEvent.user_id == env.actors["rus"].user_id,
        )
    )
    with env.db.read() as session:
        before = session.scalar(reads)
    for _ in range(3):
        _served(env, "rus", limit=7)
    with env.db.read() as session:
        assert session.scalar(reads) == (before or 0) + 3
