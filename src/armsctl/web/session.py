"""Browser sessions: an API token exchanged for an opaque cookie; CSRF tokens for forms.

The API token a person signs in with stays on the server, sealed in the database under the
SHA-256 of a random session id; the browser only holds that id in an ``HttpOnly``, ``SameSite=Strict``
cookie (``Secure`` over HTTPS). Every request re-checks the token through
``service.accounts.authenticate``, so revoking or expiring the token ends its web sessions
too. Each session has its own CSRF token, checked (in constant time) on every form post and
every HTMX request; the sign-in form, which has no session yet, is protected by a double-submit
cookie. Sessions live in the database (sealed, see ``SessionStore``), so every worker of
``armsctl serve --workers N`` shares them and a restart keeps people signed in.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.responses import Response

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    from armsctl.service import Database

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


def _aead(session_id: str) -> ChaCha20Poly1305:
    """The cipher that seals a session, keyed by its id (which only the browser holds)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    seed = b"armsctl/web-session-seal/v1\n" + session_id.encode("utf-8", "replace")
    return ChaCha20Poly1305(hashlib.sha256(seed).digest())


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
    """Sessions in the database, shared by every worker, keyed by the hash of their id.

    The row holds the session's API token and CSRF token sealed (ChaCha20-Poly1305) under a key
    derived from the session id, which only the browser's cookie carries: the database alone
    yields no usable token, and a stolen row cannot be opened without the cookie.
    """

    db: Database
    lifetime: dt.timedelta = dt.timedelta(hours=8)

    def create(
        self, token: str, *, at: dt.datetime, rng: Callable[[int], bytes]
    ) -> tuple[str, WebSession]:
        """Start a session for a token already checked; return the cookie value and session."""
        from armsctl.service.web_sessions import save_session

        session_id = _random_text(rng)
        session = WebSession(token, _random_text(rng), at, at + self.lifetime)
        plain = json.dumps(
            {
                "token": session.token,
                "csrf": session.csrf,
                "created": session.created.isoformat(),
                "expires": session.expires.isoformat(),
            }
        ).encode()
        nonce = rng(12)
        sealed = nonce + _aead(session_id).encrypt(nonce, plain, _key(session_id))
        save_session(self.db, _key(session_id), sealed, created=at, expires=session.expires)
        return session_id, session

    def get(self, unverified_id: str | None, *, at: dt.datetime) -> WebSession | None:
        """The live session behind a cookie value, or ``None``."""
        from cryptography.exceptions import InvalidTag

        from armsctl.service.web_sessions import load_session

        if not unverified_id or len(unverified_id) > 100:
            return None
        key = _key(unverified_id)
        sealed = load_session(self.db, key, at=at)
        if sealed is None or len(sealed) < 12:
            return None
        try:
            plain = _aead(unverified_id).decrypt(sealed[:12], sealed[12:], key)
        except InvalidTag:
            return None
        doc = json.loads(plain)
        return WebSession(
            str(doc["token"]),
            str(doc["csrf"]),
            dt.datetime.fromisoformat(doc["created"]),
            dt.datetime.fromisoformat(doc["expires"]),
        )

    def end(self, unverified_id: str | None) -> None:
        """Forget a session (sign-out); unknown ids are ignored."""
        from armsctl.service.web_sessions import drop_session

        if unverified_id and len(unverified_id) <= 100:
            drop_session(self.db, _key(unverified_id))

    @staticmethod
    def new_signin_token(rng: Callable[[int], bytes]) -> str:
        """A fresh double-submit token for the sign-in form."""
        return _random_text(rng)
