"""The token cache on PostgreSQL: a revocation in one worker reaches the others by NOTIFY.

A ``TokenCache`` on a ``Database`` of its own stands for a server worker that holds the token
in memory; ``armsctl tokens revoke``, another process, revokes it (within one process the
flush hook would drop the cache anyway, and prove nothing about the notification). Its ``ttl`` is huge and its clock
stands still, so whatever it refuses it refuses because of the notification, never the ttl.
Notifications are asynchronous (the revoking commit sends them, the other worker's listener
receives them), so the tests wait until the listener has counted one, as a readiness check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from _world import LOG_KEY, NOW, World, build_world, fresh_database, fresh_url

from armsctl.service import Database, accounts
from armsctl.service.token_cache import TokenCache
from armsctl.store.engine import make_engine
from armsctl.store.schema import upgrade

pytestmark = pytest.mark.postgres

HUGE_TTL = 10.0**9
ARMSCTL = str(Path(sys.executable).parent / "armsctl")


def _frozen() -> float:
    return 0.0


def eventually(condition: Callable[[], bool]) -> None:
    """Readiness polling: the bound only stops a test whose condition never comes true."""
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def world(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world on a schema of the module's own; its tokens predate every listener below."""
    with fresh_url("postgres", postgres_url, tmp_path_factory.mktemp("listen")) as url:
        db = fresh_database(url)
        yield build_world(db, with_inspection=False)
        db.dispose()


class Gate:
    """The other worker's listener connections, which the test can refuse for a while."""

    def __init__(self, url: str) -> None:
        self.conninfo = sa.make_url(url).set(drivername="postgresql")
        self.closed = threading.Event()

    def __call__(self) -> Any:
        if self.closed.is_set():
            raise psycopg.OperationalError("connection refused by the test")
        return psycopg.connect(self.conninfo.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture
def other(world: World) -> Iterator[Database]:
    """A second worker: the same database through engines of its own."""
    db = Database(world.db.url, LOG_KEY)
    yield db
    db.dispose()


def _revoke(world: World, user: str, tmp_path: Path) -> None:
    """``armsctl tokens revoke``: the user's token revoked by another process."""
    (token,) = accounts.list_tokens(world.db, user=user)
    key_file = tmp_path / "log.key"
    key_file.write_text(str(LOG_KEY) + "\n")
    env = {**os.environ, "ARMSCTL_LOG_KEY_FILE": str(key_file)}
    command = [ARMSCTL, "tokens", "revoke", token.token_id, "--db", world.db.url]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def test_a_token_revoked_by_another_worker_is_refused_without_waiting_for_the_ttl(
    world: World, other: Database, tmp_path: Path
) -> None:
    cache = TokenCache(other, ttl=HUGE_TTL, clock=_frozen)
    assert cache.listener is not None
    eventually(lambda: cache.listener is not None and cache.listener.listening)
    token = world.tokens["obs"]
    assert cache.authenticate(token, NOW) is not None
    assert cache.lookup(token, NOW) is not None  # held in memory: no query answers it
    seen = cache.listener.generation
    _revoke(world, "obs", tmp_path)
    eventually(lambda: cache.listener is not None and cache.listener.generation > seen)
    assert cache.lookup(token, NOW) is None
    assert cache.authenticate(token, NOW) is None
    assert cache.authenticate(world.tokens["op"], NOW) is not None  # the others still verify
    cache.close()


def test_without_its_listener_a_worker_falls_back_to_the_ttl_then_reconnects(
    world: World, other: Database, tmp_path: Path
) -> None:
    now = [0.0]
    gate = Gate(other.url)
    cache = TokenCache(other, ttl=60, clock=lambda: now[0], connect=gate)
    listener = cache.listener
    assert listener is not None
    eventually(lambda: listener.listening)
    token = world.tokens["usa"]
    assert cache.authenticate(token, NOW) is not None

    gate.closed.set()  # the listener's connection dies, and its reconnections fail
    with world.db.engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid})
    eventually(lambda: not listener.listening)
    assert cache.authenticate(token, NOW) is not None  # cached again after the lost connection
    _revoke(world, "usa", tmp_path)
    assert cache.lookup(token, NOW) is not None  # unnotified: honoured within the ttl only
    now[0] += 61
    assert cache.lookup(token, NOW) is None
    assert cache.authenticate(token, NOW) is None

    gate.closed.clear()  # the listener reconnects (with backoff) and is exact again
    eventually(lambda: listener.listening)
    second = world.tokens["usa-insp"]
    assert cache.authenticate(second, NOW) is not None
    assert cache.lookup(second, NOW) is not None
    seen = listener.generation
    _revoke(world, "usa-insp", tmp_path)
    eventually(lambda: listener.generation > seen)
    assert cache.lookup(second, NOW) is None  # the clock has not moved since
    assert cache.authenticate(second, NOW) is None
    cache.close()


def test_what_was_cached_before_the_listener_listened_is_checked_again_once_it_does(
    world: World, other: Database, tmp_path: Path
) -> None:
    """A revocation committed before LISTEN held is never notified: connecting re-reads."""
    gate = Gate(other.url)
    gate.closed.set()
    cache = TokenCache(other, ttl=HUGE_TTL, clock=_frozen, connect=gate)
    listener = cache.listener
    assert listener is not None and not listener.listening
    token = world.tokens["rus"]
    assert cache.authenticate(token, NOW) is not None
    _revoke(world, "rus", tmp_path)
    assert cache.lookup(token, NOW) is not None  # no listener yet: the ttl (huge) rules
    gate.closed.clear()
    eventually(lambda: listener.listening)
    assert cache.lookup(token, NOW) is None
    assert cache.authenticate(token, NOW) is None
    cache.close()


def test_the_notifying_triggers_exist_on_postgresql_only_at_0011(
    postgres_url: str, tmp_path: Path
) -> None:
    def triggers(engine: sa.Engine) -> set[str]:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT tgisinternal"
                )
            )
            return {r[0] for r in rows} & {"api_tokens_auth_changed", "users_auth_changed"}

    with fresh_url("postgres", postgres_url, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine, "0009")
        assert triggers(engine) == set()
        upgrade(engine)
        assert triggers(engine) == {"api_tokens_auth_changed", "users_auth_changed"}
        engine.dispose()


def test_a_listener_follows_the_schema_that_holds_the_tables_not_the_first_on_the_path(
    world: World, postgres_url: str, tmp_path: Path
) -> None:
    """``current_schema()`` is the first existing schema on the search path, which may hold no
    table of ours (``"$user", public`` with a schema named after the user): the listener must
    still take the tables' schema's notifications."""
    tables = sa.make_url(world.db.url).query["options"].removeprefix("-csearch_path=")
    empty = f"e_{tables}"[:63]
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{empty}"')
    url = world.db.url.replace(f"search_path%3D{tables}", f"search_path%3D{empty}%2C{tables}")
    assert url != world.db.url
    second = Database(url, LOG_KEY)
    try:
        cache = TokenCache(second, ttl=HUGE_TTL, clock=_frozen)
        listener = cache.listener
        assert listener is not None
        eventually(lambda: listener.listening)
        token = world.tokens["rus-insp"]
        assert cache.authenticate(token, NOW) is not None
        seen = listener.generation
        _revoke(world, "rus-insp", tmp_path)
        eventually(lambda: listener.generation > seen)
        assert cache.lookup(token, NOW) is None
        cache.close()
    finally:
        second.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{empty}" CASCADE')
        admin.dispose()
