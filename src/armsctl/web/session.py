"""Browser sessions: an API token exchanged for an opaque cookie; CSRF tokens for forms.

The API token a person signs in with stays on the server, in memory, keyed by the SHA-256 of a
random session id; the browser only holds that id in an ``HttpOnly``, ``SameSite=Strict``
cookie (``Secure`` over HTTPS). Every request re-checks the token through
``service.accounts.authenticate``, so revoking or expiring the token ends its web sessions
too. Each session has its own CSRF token, checked (in constant time) on every form post and
every HTMX request; the sign-in form, which has no session yet, is protected by a double-submit
cookie. Sessions live in one process: a restart signs everyone out, which is the safe failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PRE_COOKIE",
    "SESSION_COOKIE",
    "SessionStore",
    "WebSession",
    "same_token",
    "set_cookie",
]

SESSION_COOKIE = "armsctl_session"
PRE_COOKIE = "armsctl_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def _random_text(rng: Callable[[int], bytes], n: int = 32) -> str:
    return base64.urlsafe_b64encode(rng(n)).decode("ascii").rstrip("=")


def _key(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).digest()


def same_token(expected: str, unverified: str | None) -> bool:
    """Compare a CSRF token in constant time; a missing one never matches."""
    if not unverified or not expected:
        return False
    return hmac.compare_digest(expected.encode(), unverified.encode("utf-8", "replace"))


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int) -> None:
    """Set a cookie with the attributes every armsctl cookie carries."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


@dataclass(frozen=True, slots=True)
class WebSession:
    """One signed-in browser: the token it signed in with and its CSRF token."""

    token: str
    csrf: str
    created: dt.datetime
    expires: dt.datetime


@dataclass
class SessionStore:
    """Sessions of this process, keyed by the hash of their id (never the id itself)."""

    lifetime: dt.timedelta = dt.timedelta(hours=8)
    _sessions: dict[bytes, WebSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(
        self, token: str, *, at: dt.datetime, rng: Callable[[int], bytes]
    ) -> tuple[str, WebSession]:
        """Start a session for a token already checked; return the cookie value and session."""
        session_id = _random_text(rng)
        session = WebSession(token, _random_text(rng), at, at + self.lifetime)
        with self._lock:
            self._drop_expired(at)
            self._sessions[_key(session_id)] = session
        return session_id, session

    def get(self, unverified_id: str | None, *, at: dt.datetime) -> WebSession | None:
        """The live session behind a cookie value, or ``None``."""
        if not unverified_id or len(unverified_id) > 100:
            return None
        with self._lock:
            session = self._sessions.get(_key(unverified_id))
            if session is not None and session.expires <= at:
                del self._sessions[_key(unverified_id)]
                return None
        return session

    def end(self, unverified_id: str | None) -> None:
        """Forget a session (sign-out); unknown ids are ignored."""
        if unverified_id:
            with self._lock:
                self._sessions.pop(_key(unverified_id), None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _drop_expired(self, at: dt.datetime) -> None:
        for key in [k for k, s in self._sessions.items() if s.expires <= at]:
            del self._sessions[key]

    @staticmethod
    def new_signin_token(rng: Callable[[int], bytes]) -> str:
        """A fresh double-submit token for the sign-in form."""
        return _random_text(rng)
