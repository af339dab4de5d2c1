"""``Idempotency-Key`` on every POST: a retry gets the first answer, never a second write.

A client that lost the answer to a POST (a timeout, a dropped connection) cannot tell whether
its write happened; retrying without a key may append a second notification to the immutable
log, and a retried declaration is refused with a 409 it cannot tell from someone else's. With a
key the rules are:

* The key is scoped to the caller: a digest of its credentials (``Authorization`` header, or
  the session cookie), never the credentials themselves. One caller's key never answers
  another caller's request.
* A retry with the same key and the same request (method, path, query and body) gets the first
  answer again: the same status and body, with ``Idempotent-Replayed: true``.
* The same key with another request is a 422; a retry while the first request is still running
  is a 409. A first request that was interrupted after it started (the server died) leaves its
  outcome unknown: its retries get a 409 saying so, rather than risk a second write.
* Answers are kept for at least :data:`RETENTION` (24 hours); 5xx answers are not kept, so they
  can be retried. Records older than the retention are removed as new ones arrive.
* Nothing in a record tells a reader of the database what the request or its answer said: the
  fingerprint is an HMAC keyed with the caller's credentials (which the store never holds), so
  a dictionary of guessed bodies confirms nothing, and the kept answer is encrypted
  (ChaCha20-Poly1305) under a key derived from the same credentials; only the same caller's
  retry opens it. It is padded first (``sealing.pad``: to a power of two, at least 1 KiB), so
  its stored length does not tell one answer (a list of reveals, say) from a similar one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armsctl.api.bodies import read_body, replay, send_bytes
from armsctl.api.errors import error_json
from armsctl.service import Database
from armsctl.store.models import IdempotencyRecord

__all__ = ["HEADER", "RETENTION", "Idempotency"]

HEADER = "idempotency-key"
RETENTION = dt.timedelta(hours=24)
#: How long a first request may run before its record is considered interrupted.
_RUNNING = dt.timedelta(minutes=5)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _error(status: int, detail: str) -> tuple[int, bytes]:
    return status, error_json(status, detail, field="Idempotency-Key")


class Idempotency:
    """ASGI middleware that records and replays answers to POSTs that carry a key."""

    def __init__(self, app: ASGIApp, db: Database, clock: Callable[[], dt.datetime]) -> None:
        self.app, self.db, self.clock = app, db, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Replay or record the answer to a POST that carries ``Idempotency-Key``; pass others on.

        A key that is not 1 to 255 visible ASCII characters is a 400. The whole body is read before
        the fingerprint is taken, so the same key with a different body is recognised (422).
        """
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        raw_key = headers.get(HEADER.encode())
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not _KEY.match(key):
            await _send(send, *_error(400, "must be 1 to 255 visible ASCII characters"))
            return
        body = await read_body(receive)
        if body is None:
            return
        caller = headers.get(b"authorization") or headers.get(b"cookie") or b"anonymous"
        scope_id = hashlib.sha256(b"armsctl/idempotency-scope\n" + caller).hexdigest()
        fingerprint = hmac.new(
            b"armsctl/idempotency-fingerprint\n" + caller,
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body]),
            hashlib.sha256,
        ).hexdigest()
        sealer = _Sealer(caller, key)
        found = await anyio.to_thread.run_sync(self._claim, scope_id, key, fingerprint)
        if found is not None:
            answer = sealer.open(found[1]) if found[3] else found[1]
            await _send(send, found[0], answer, content_type=found[2], replayed=found[3])
            return

        status = 500
        content_type = ""
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay(body, receive), capture)
        finally:
            await anyio.to_thread.run_sync(
                self._finish, scope_id, key, status, content_type, sealer.seal(b"".join(chunks))
            )

    def _claim(
        self, scope_id: str, key: str, fingerprint: str
    ) -> tuple[int, bytes, str, bool] | None:
        """Record a new key as running, or return the answer its earlier request got."""
        now = self.clock()
        try:
            with self.db.write() as (session, _conn):
                session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
                )
                row = session.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key
                    )
                ).scalar_one_or_none()
                if row is None:
                    session.add(
                        IdempotencyRecord(
                            scope=scope_id,
                            key=key,
                            fingerprint=fingerprint,
                            status=None,
                            content_type="",
                            body=b"",
                            created_at=now,
                        )
                    )
                    return None
                if row.fingerprint != fingerprint:
                    return (
                        *_error(422, "this key was used for a different request"),
                        "application/json",
                        False,
                    )
                if row.status is None:
                    if now - row.created_at > _RUNNING:
                        detail = (
                            "the first request with this key was interrupted and its outcome is "
                            "unknown: check the resource, then retry with a new key"
                        )
                    else:
                        detail = "the first request with this key is still running; retry later"
                    return (*_error(409, detail), "application/json", False)
                return row.status, row.body, row.content_type, True
        except IntegrityError:
            # Another request claimed the same key between our read and our insert.
            detail = "the first request with this key is still running; retry later"
            return (*_error(409, detail), "application/json", False)

    def _finish(self, scope_id: str, key: str, status: int, content_type: str, body: bytes) -> None:
        """Keep the answer (or forget a 5xx, so that it may be retried)."""
        with self.db.write() as (session, _conn):
            row = session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status.is_(None),
                )
            ).scalar_one_or_none()
            if row is None:
                return
            if status >= 500:
                session.delete(row)
                return
            row.status, row.content_type, row.body = status, content_type[:100], body


class _Sealer:
    """Encrypts a kept answer under a key only the same caller's retry can derive."""

    def __init__(self, caller: bytes, key: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        secret = hmac.new(b"armsctl/idempotency-answer\n" + caller, key.encode(), "sha256")
        self._aead = ChaCha20Poly1305(secret.digest())

    def seal(self, body: bytes) -> bytes:
        """The answer padded (``sealing.pad``) and encrypted: its stored length is a bucket."""
        from armsctl.ledger.sealing import VALUE_FLOOR, pad

        # One answer per (caller, key), so the derived key is used once: a fixed nonce is safe.
        return self._aead.encrypt(bytes(12), pad(body, VALUE_FLOOR), None)

    def open(self, stored: bytes) -> bytes:
        """The kept answer; one kept before answers were padded is returned as it was."""
        from cryptography.exceptions import InvalidTag

        from armsctl.errors import IntegrityError
        from armsctl.ledger.sealing import unpad

        try:
            plain = self._aead.decrypt(bytes(12), bytes(stored), None)
        except InvalidTag:
            return _error(409, "the kept answer cannot be read; retry with a new key")[1]
        try:
            return unpad(plain)
        except IntegrityError:
            return plain  # kept unpadded (a JSON answer never ends in 0x80 and zeros)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    replayed: bool = False,
) -> None:
    await send_bytes(
        send,
        status,
        body,
        content_type=content_type or "application/octet-stream",
        headers=((b"idempotent-replayed", b"true"),) if replayed else (),
    )
