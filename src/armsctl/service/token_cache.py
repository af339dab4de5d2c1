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
- PostgreSQL and others: the fingerprint is read again at most every ``ttl`` seconds
  (``ARMSCTL_TOKEN_CACHE_SECONDS``, default 2), and at once after a revocation or a user change
  flushed by this process. A token revoked by another process may work for up to ``ttl``.
  ``ttl = 0`` checks the fingerprint on every request.
- An in-memory SQLite database (tests, demos) is one process: the flush hook keeps it exact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from armsctl.service._base import Actor, Database
from armsctl.store.models import ApiToken, User

__all__ = ["TokenCache", "token_cache"]

_MAX_ENTRIES = 10_000
_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class _Entry:
    secret_hash: bytes
    expires_at: dt.datetime
    actor: Actor


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class TokenCache:
    """Verified tokens of one ``Database``, dropped whenever the auth fingerprint changes."""

    def __init__(self, db: Database, *, ttl: float = 2.0, clock: Any = time.monotonic) -> None:
        self.db = db
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._fingerprint: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._data_version: int | None = None
        self._watch: sqlite3.Connection | None = None
        url = make_url(db.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = url.database
            with contextlib.suppress(sqlite3.Error):
                self._watch = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False
                )
        _caches.add(self)

    # -- the fingerprint ------------------------------------------------------------------

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
        that should not run here (PostgreSQL: the caller runs ``refresh`` in a thread).
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
        return self._fingerprint is not None and self._clock() - self._checked < self.ttl

    def refresh(self) -> None:
        """Read the fingerprint again (a query), dropping every entry if it changed."""
        fingerprint = self._read_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._entries.clear()
                self._fingerprint = fingerprint
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
            fingerprint = self._fingerprint
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
            # landed in between changed the fingerprint, and then nothing is cached.
            if fingerprint is not None and fingerprint == self._fingerprint:
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
        """Close the SQLite watch connection, if any; the cache then re-checks on the ``ttl`` clock.

        ``Database.dispose`` calls it, so that a disposed database leaves no file handle open.
        """
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


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A token or user changed in this process: drop every cache before it commits."""
    changed = (*session.dirty, *session.deleted)
    if any(isinstance(obj, (ApiToken, User)) for obj in changed):
        for cache in list(_caches):
            cache.invalidate()
