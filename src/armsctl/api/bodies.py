"""Reading a request's whole body ahead of the app, and answering without it (ASGI).

The body limit (``armsctl.api.errors.BodyLimit``) and idempotency keys
(``armsctl.api.idempotency``) both read the body before the application does, hand the
application the same bytes again, and may answer by themselves with a short JSON body.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Send

__all__ = ["TooLarge", "read_body", "replay", "send_bytes"]


class TooLarge(Exception):
    """The body grew past the limit while it was read."""


async def read_body(receive: Receive, *, limit: int | None = None) -> bytes | None:
    """Every chunk of the body, joined; ``None`` if the client went away first.

    Raises:
        TooLarge: as soon as more than ``limit`` bytes arrived (nothing more is read).
    """
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise TooLarge
        chunks.append(chunk)
        more = bool(message.get("more_body", False))
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that delivers ``body`` once, then whatever the client sends next."""
    delivered = False

    async def again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """Answer with ``body`` as it is: its type and length, then ``headers``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode("latin-1")),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
