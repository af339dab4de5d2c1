"""Bearer tokens verified in memory: a per-process cache keyed by token id, kept exact.

``accounts.authenticate`` costs a joined query per request. Here a token that verified once is
kept (its secret's hash, expiry and actor), so a request checks the secret's SHA-256 and the
expiry in memory. The cache only ever holds tokens that verified; a token it does not hold, or
whose presented secret does not match, goes to ``accounts.authenticate`` as before, so every
failure still costs one database lookup and a timing probe learns nothing new.

Revocation (and a disabled user) must reach every worker, so each cached entry belongs to an
*auth fingerprint*: the numbers of revoked tokens and of disabled users. When it changes, the
whole cache is dropped. How the fingerprint is watched, per backend:

- SQLite file: a read-only connection of its own asks ``PRAGMA data_version``, which changes
  when any other connection (another worker, the CLI, this process's pool) commits; only then
  is the fingerprint read again. A revocation is seen by the next request, in every process.
- PostgreSQL (psycopg): migration 0011's triggers ``NOTIFY armsctl_auth`` whenever a statement
  changes ``api_tokens`` or ``users``, and an ``AuthListener`` (a connection of its own, in a
  daemon thread started with the cache) counts the notifications as a *generation*. Entries
  hold only at the generation the fingerprint was read at, so a change committed by any
  process drops every worker's cache once its notification arrives (PostgreSQL sends it at the
  commit, before the revoking process answers; it arrives milliseconds later). Each connect
  and each lost connection moves the generation too, so what was read before LISTEN held is
  read again. The fingerprint is also read again at most every ``ttl`` seconds
  (``ARMSCTL_TOKEN_CACHE_SECONDS``, default 2), so correctness never depends on the listener:
  while it is not connected (starting, reconnecting with backoff, another driver), a token
  revoked by another process may work for up to ``ttl``. ``ttl = 0`` checks the fingerprint
  on every request.
- A revocation or a user change flushed by this process drops the cache at once (flush hook);
  that is all an in-memory SQLite database (tests, demos; one process) needs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from armsctl.service._base import Actor, Database
from armsctl.store.models import ApiToken, User

__all__ = ["CHANNEL", "AuthListener", "TokenCache", "token_cache"]

_MAX_ENTRIES = 10_000
#: The PostgreSQL notification channel migration 0011's triggers notify.
CHANNEL = "armsctl_auth"
_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class _Entry:
    secret_hash: bytes
    expires_at: dt.datetime
    actor: Actor


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class AuthListener:
    """``LISTEN armsctl_auth`` on a connection of its own, in a daemon thread that reconnects.

    ``generation`` goes up on every notification about the schema that holds this database's
    ``api_tokens`` table (the payload names the changed table's schema, so deployments sharing
    one server ignore each other; the schema is looked up, not taken from ``current_schema()``,
    which is only the first schema of the search path that exists),
    and whenever the connection is made (LISTEN now holds; anything read before may predate
    it) or lost (notifications may have been missed). ``listening`` says whether LISTEN holds
    right now; ``backend_pid`` is the server process of that connection. ``connect`` returns
    a new autocommit psycopg connection.
    """

    #: Seconds before the first reconnection attempt, doubled after each failure up to the second.
    backoff: tuple[float, float] = (0.05, 5.0)
    #: Seconds one wait for notifications lasts, so that ``close`` is noticed.
    poll: float = 1.0

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._closed = False
        self.generation = 0
        self.listening = False
        self.backend_pid: int | None = None
        self._thread = threading.Thread(target=self._run, name="armsctl-auth-listener", daemon=True)

    def start(self) -> None:
        """Start the thread; it connects, listens, and bumps ``generation`` once LISTEN holds."""
        self._thread.start()

    def close(self) -> None:
        """Stop: the thread closes its connection within ``poll`` seconds."""
        self._closed = True

    def _moved(self, *, connected: int | None = None, lost: bool = False) -> None:
        with self._lock:
            self.generation += 1
            if connected is not None:
                self.listening, self.backend_pid = True, connected
            if lost:
                self.listening, self.backend_pid = False, None

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._closed:
            try:
                conn = self._connect()
            except Exception:  # the server is down, refusing, unreachable: retry later
                conn = None
            if conn is not None:
                try:
                    with conn:
                        conn.execute(f"LISTEN {CHANNEL}")
                        schema = conn.execute(_TOKENS_SCHEMA).fetchone()[0]
                        if schema is None:  # not migrated yet: not listening to anything
                            raise LookupError("no api_tokens table on the search path")
                        self._moved(connected=int(conn.info.backend_pid))
                        delay = self.backoff[0]
                        while not self._closed:
                            for notification in conn.notifies(timeout=self.poll):
                                if notification.payload in ("", schema):
                                    self._moved()
                except Exception:  # terminated, network lost: the cache is on its ttl meanwhile
                    pass
                finally:
                    self._moved(lost=True)
            self._pause(delay)
            delay = min(delay * 2, self.backoff[1])

    def _pause(self, seconds: float) -> None:
        # time.sleep in short steps, not Event.wait(timeout): a lock wait with a timeout never
        # ends under libfaketime (Python's deadline is on the faked clock, the kernel's is not).
        end = time.monotonic() + seconds
        while not self._closed and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))


#: The schema of the ``api_tokens`` table the search path resolves to (NULL if there is none):
#: what the triggers of revision 0011 send as their payload.
_TOKENS_SCHEMA = (
    "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid = to_regclass('api_tokens')"
)

#: TCP keepalives for the listening connection: it sends nothing while it waits, so without
#: them a connection the network silently dropped would look alive for hours (the system's
#: default), notifications lost meanwhile; with them it fails within about a minute, and the
#: reconnection bumps the generation.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def _postgres_connect(engine: Engine) -> Callable[[], Any] | None:
    """A factory of autocommit psycopg connections like the engine's; ``None`` for other drivers."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    cargs, cparams = engine.dialect.create_connect_args(engine.url)

    def connect() -> Any:
        import psycopg

        params = {"connect_timeout": 10, **_KEEPALIVES, **cparams, "autocommit": True}
        return psycopg.connect(*cargs, **params)

    return connect


class TokenCache:
    """Verified tokens of one ``Database``, dropped whenever the auth fingerprint changes.

    On PostgreSQL ``listener`` is the ``AuthListener`` it started (``connect``: its connection
    factory, by default one like ``db.engine``'s); ``None`` elsewhere.
    """

    def __init__(
        self,
        db: Database,
        *,
        ttl: float = 2.0,
        clock: Any = time.monotonic,
        connect: Callable[[], Any] | None = None,
    ) -> None:
        self.db = db
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._fingerprint: tuple[int, int] | None = None
        self._checked = float("-inf")
        #: The listener's generation when the fingerprint was read (entries hold only at it).
        self._seen = 0
        self.listener: AuthListener | None = None
        self._data_version: int | None = None
        self._watch: sqlite3.Connection | None = None
        url = make_url(db.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = url.database
            with contextlib.suppress(sqlite3.Error):
                self._watch = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False
                )
        connect = connect or (None if self._watch is not None else _postgres_connect(db.engine))
        if connect is not None:
            self.listener = AuthListener(connect)
            self.listener.start()
            weakref.finalize(self, self.listener.close)
        _caches.add(self)

    # -- the fingerprint ------------------------------------------------------------------

    def _generation(self) -> int:
        return 0 if self.listener is None else self.listener.generation

    def _read_fingerprint(self) -> tuple[int, int]:
        if self._watch is not None:
            row = self._watch.execute(
                "SELECT (SELECT count(revoked_at) FROM api_tokens), "
                "(SELECT count(disabled_at) FROM users)"
            ).fetchone()
            return int(row[0]), int(row[1])
        with self.db.read() as session:
            revoked = session.scalar(select(func.count(ApiToken.revoked_at)))
            disabled = session.scalar(select(func.count(User.disabled_at)))
        return int(revoked or 0), int(disabled or 0)

    def _fresh(self) -> bool:
        """Whether the entries still hold, without a query unless something may have changed.

        Called with the lock held. Returns False when the fingerprint needs a database query
        that should not run here (PostgreSQL: the caller runs ``refresh`` in a thread): no
        fingerprint yet, a notification since it was read, or ``ttl`` elapsed.
        """
        if self._watch is not None:
            try:
                version = int(self._watch.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return False
            if version == self._data_version and self._fingerprint is not None:
                return True
            fingerprint = self._read_fingerprint()
            if fingerprint != self._fingerprint:
                self._entries.clear()
                self._fingerprint = fingerprint
            self._data_version = version
            return True
        return (
            self._fingerprint is not None
            and self._seen == self._generation()
            and self._clock() - self._checked < self.ttl
        )

    def refresh(self) -> None:
        """Read the fingerprint again (a query), dropping every entry if it or the generation moved.

        The generation is noted before the read, so a notification arriving during it leaves
        the cache stale rather than trusted. A notification may concern what the fingerprint
        does not count (a role changed, a token deleted), so a new generation drops entries too.
        """
        generation = self._generation()
        fingerprint = self._read_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint or generation != self._seen:
                self._entries.clear()
                self._fingerprint = fingerprint
            self._seen = generation
            self._checked = self._clock()

    def invalidate(self) -> None:
        """Drop every entry (this process changed a token or a user)."""
        with self._lock:
            self._entries.clear()
            self._fingerprint = None
            self._data_version = None

    # -- lookups --------------------------------------------------------------------------

    def lookup(self, unverified_token: str, at: dt.datetime) -> Actor | None:
        """The actor, if the token is cached, unexpired and its secret matches; else ``None``.

        Never queries the database on PostgreSQL (``None`` then means "ask ``authenticate``").
        """
        from armsctl.service.accounts import _TOKEN, _hash

        match = _TOKEN.match(unverified_token)
        if match is None:
            return None
        with self._lock:
            if not self._fresh():
                return None
            entry = self._entries.get(match.group(1))
        if entry is None or entry.expires_at <= at:
            return None
        if not hmac.compare_digest(_hash(match.group(2)), entry.secret_hash):
            return None
        return entry.actor

    def authenticate(self, unverified_token: str, at: dt.datetime) -> Actor | None:
        """``lookup``, else ``accounts.authenticate`` (one query), caching what verifies."""
        actor = self.lookup(unverified_token, at)
        if actor is not None:
            return actor
        from armsctl.service.accounts import _TOKEN, _hash, authenticate

        with self._lock:
            stale = self._watch is None and not self._fresh()
        if stale:
            self.refresh()
        with self._lock:
            fingerprint, seen = self._fingerprint, self._seen
        actor = authenticate(self.db, unverified_token, at=at)
        match = _TOKEN.match(unverified_token)
        if actor is None or match is None:
            return actor
        with self.db.read() as session:
            expires = session.scalar(
                select(ApiToken.expires_at).where(ApiToken.token_id == match.group(1))
            )
        if expires is None:
            return actor
        with self._lock:
            # Cache only under the fingerprint read before the token was: a revocation that
            # landed in between changed the fingerprint (or was notified), and then nothing
            # is cached.
            unchanged = fingerprint == self._fingerprint and seen == self._seen
            if fingerprint is not None and unchanged and seen == self._generation():
                if len(self._entries) >= _MAX_ENTRIES:
                    self._entries.clear()
                self._entries[match.group(1)] = _Entry(
                    _hash(match.group(2)), _aware(expires), actor
                )
        return actor

    def data_version(self) -> int | None:
        """SQLite file: ``PRAGMA data_version`` of the watch connection, else ``None``.

        It changes whenever any other connection (another worker, the CLI, this process's
        pool) commits, so a reader that noted it *before* reading a value may keep that value
        for as long as it is unchanged (``read_cache`` does, for the declarations' version).
        """
        if self._watch is None:
            return None
        with self._lock:
            try:
                return int(self._watch.execute("PRAGMA data_version").fetchone()[0])
            except (sqlite3.Error, AttributeError):  # closed meanwhile
                return None

    def close(self) -> None:
        """Close the SQLite watch connection or stop the listener; then ``ttl`` alone holds.

        ``Database.dispose`` calls it, so that a disposed database leaves no file handle or
        listening connection open.
        """
        if self.listener is not None:
            self.listener.close()
        if self._watch is not None:
            self._watch.close()
            self._watch = None


_create = threading.Lock()


def token_cache(db: Database, *, ttl: float = 2.0) -> TokenCache:
    """The cache of ``db`` (one per ``Database``, built on first use)."""
    cache: TokenCache | None = db.__dict__.get("_token_cache")
    if cache is None:
        with _create:
            cache = db.__dict__.get("_token_cache")
            if cache is None:
                cache = TokenCache(db, ttl=ttl)
                db.__dict__["_token_cache"] = cache
    return cache


def _invalidate_all() -> None:
    for cache in list(_caches):
        cache.invalidate()


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A token or user changed in this process: drop every cache now, and again at commit.

    Dropping before the commit alone is not enough: a request of this process may read the
    fingerprint between the flush and the commit, still without the change, and cache the
    token again under it; so the commit drops everything once more (``_on_commit``).
    """
    changed = (*session.dirty, *session.deleted)
    if any(isinstance(obj, (ApiToken, User)) for obj in changed):
        session.info["armsctl_auth_changed"] = True
        _invalidate_all()


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    """The commit that holds a token or user change: drop every cache (see ``_on_flush``)."""
    if session.info.pop("armsctl_auth_changed", False):
        _invalidate_all()


@event.listens_for(Session, "after_rollback")
def _on_rollback(session: Session) -> None:
    session.info.pop("armsctl_auth_changed", None)
