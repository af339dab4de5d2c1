"""Hot reads serialised once: JSON bytes kept per store version.

The compliance report at a date depends only on the treaty (fixed once loaded) and its
declarations, which are never changed once stored: their count and newest id
(``dashboard.declarations_version``) is the version of the inputs. A report is computed and
serialised (orjson) once per ``(treaty, date, version)``; each request then costs one indexed
count query (none on a SQLite file while nothing was committed) and no ORM, evaluation or
serialisation work. What is cached is the public report
every caller allowed to read compliance gets alike, so no caller sees anything another would not.

Other reads keep what they serialised here too (``lookup``, ``keep``), under a key of their own
that holds everything deciding what their caller is served: the notifications list
(``notifications.list_notifications_json``) keys its pages by the viewer's role, party and page
as well as the store's version, so one viewer is never served bytes kept for another. Access
is decided, and audit events recorded, before and after a lookup, never cached.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select

from armsctl.service._base import Database
from armsctl.store.models import Declaration

__all__ = ["compliance_json", "dumps", "keep", "lookup"]

_MAX = 256
_lock = threading.Lock()


def dumps(value: Any) -> bytes:
    """JSON bytes as the API writes them (orjson; non-string keys as strings)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


_VERSION_QUERY = select(func.count(), func.max(Declaration.id)).where(
    Declaration.treaty_id == bindparam("treaty")
)


def _version(db: Database, treaty: str) -> tuple[int, int]:
    """Count and newest id of the treaty's declarations: one Core query on the read engine.

    On a SQLite file the answer is kept while ``PRAGMA data_version`` (``token_cache``) stays
    the same: nothing committed since, so the request costs no query at all. The data version
    is read before the query, so a commit racing with it only makes the next request ask again.
    """
    from armsctl.service.token_cache import token_cache

    seen = token_cache(db).data_version()
    versions: dict[str, tuple[int, tuple[int, int]]] = db.__dict__.setdefault(
        "_read_cache_versions", {}
    )
    if seen is not None:
        known = versions.get(treaty)
        if known is not None and known[0] == seen:
            return known[1]
    with db.reader.connect() as conn:
        count, top = conn.execute(_VERSION_QUERY, {"treaty": treaty}).one()
        conn.rollback()
    version = int(count or 0), int(top or 0)
    if seen is not None:
        versions[treaty] = (seen, version)
    return version


def _cache(db: Database) -> OrderedDict[tuple[Any, ...], Any]:
    found: OrderedDict[tuple[Any, ...], Any] | None = db.__dict__.get("_read_cache")
    if found is None:
        with _lock:
            found = db.__dict__.setdefault("_read_cache", OrderedDict())
    return found


def lookup(db: Database, key: tuple[Any, ...]) -> Any:
    """What ``keep`` kept under ``key`` for ``db`` (the most recently used of ``_MAX``), or None.

    The key must hold the version of every input and everything that decides what the caller
    is served: two requests with equal keys get the very same value.
    """
    cache = _cache(db)
    with _lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
        return hit


def keep(db: Database, key: tuple[Any, ...], value: Any) -> None:
    """Keep ``value`` under ``key`` (see ``lookup``), dropping the least recently used."""
    cache = _cache(db)
    with _lock:
        cache[key] = value
        while len(cache) > _MAX:
            cache.popitem(last=False)


def compliance_json(db: Database, *, treaty: str, at: dt.date) -> bytes:
    """``transparency.check_compliance`` as JSON bytes, computed once per version.

    The bytes are serialised from the report's plain data, key for key the
    ``CompliancePublic`` record the use-case returns, without building that record.

    Raises:
        NotFoundError: if the treaty is not on this server (never cached).
    """
    from armsctl.service.transparency import _compliance_report

    key = ("compliance", treaty, at, _version(db, treaty))
    hit: bytes | None = lookup(db, key)
    if hit is not None:
        return hit
    body = dumps(_compliance_report(db, treaty=treaty, at=at))
    keep(db, key, body)
    return body
