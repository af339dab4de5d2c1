"""Every failure becomes ``{"error": code, "detail": text, "field": path-or-null}``.

Domain errors take their status from ``armsctl.errors.OUTCOMES``, the table the CLI and the
web read too: refused 403, unknown 404, clashing state 409, invalid input 422. The HTTP
layer's own failures are mapped here: malformed JSON 400, missing or bad token 401, body too
large 413, a database that stays busy 503. A catch-all turns anything unexpected into a JSON
500 without echoing the request (the fuzzing test asserts it never happens). The 500 does not claim that nothing
changed: the failure may come after the use-case committed (while writing the response), so it
tells the caller to check before retrying.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from armsctl.api.bodies import TooLarge, read_body, replay, send_bytes
from armsctl.errors import AccessDenied, ArmsctlError, InputError, outcome

__all__ = [
    "BodyLimit",
    "ErrorBody",
    "error_body",
    "error_json",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger("armsctl.api")

_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "busy",
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str
    detail: str
    field: str | None = None


def error_body(status: int, detail: str, *, field: str | None = None) -> dict[str, Any]:
    """The one error shape: the status's code, the reason, and the field it is about (or null)."""
    return {"error": _CODES.get(status, "error"), "detail": detail, "field": field}


def error_json(status: int, detail: str, *, field: str | None = None) -> bytes:
    """``error_body`` as JSON bytes, for the middleware that answers before the app."""
    return json.dumps(error_body(status, detail, field=field)).encode()


def error_response(
    status: int, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """``error_body`` as a response, with the headers the status needs (``Retry-After``, ...).

    ``field`` names the offending input path (``None`` when no one field is at fault); a status
    without a code of its own is reported as ``"error"``. The body-limit and idempotency
    middlewares answer with ``error_json``, the same body as bytes, so every error a client sees
    looks alike.
    """
    return JSONResponse(
        error_body(status, detail, field=field), status_code=status, headers=headers
    )


def _loc(loc: Any) -> str | None:
    """The field path without FastAPI's leading source (a body field may be named ``body``)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def install_error_handlers(
    app: FastAPI, on_denied: Callable[[Request, AccessDenied], None]
) -> None:
    """Register the handlers; ``on_denied`` writes the audit event of a refusal."""

    @app.exception_handler(ArmsctlError)
    async def _domain(request: Request, exc: ArmsctlError) -> JSONResponse:
        status = outcome(exc).http_status  # the one table, shared with the CLI and the web
        if isinstance(exc, AccessDenied):
            from starlette.concurrency import run_in_threadpool

            try:
                await run_in_threadpool(on_denied, request, exc)
            except Exception:  # the refusal stands even if its audit write fails
                log.exception("could not record a refusal in the audit trail")
            return error_response(status, exc.reason)
        if isinstance(exc, InputError):
            field = next((p.location for p in exc.problems if p.location), None)
            return error_response(status, "; ".join(str(p) for p in exc.problems), field=field)
        return error_response(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "the request body is not valid JSON")
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        detail = "; ".join(
            f"{_loc(e.get('loc', ())) or 'request'}: "
            + str(e.get("msg", "invalid")).removeprefix("Value error, ")
            for e in errors[:10]
        )
        return error_response(422, detail, field=_loc(first.get("loc", ())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(sa_exc.IntegrityError)
    async def _db_integrity(_r: Request, _exc: sa_exc.IntegrityError) -> JSONResponse:
        return error_response(409, "the change clashes with stored data; retry or change it")

    @app.exception_handler(sa_exc.DataError)
    async def _db_data(_r: Request, _exc: sa_exc.DataError) -> JSONResponse:
        return error_response(422, "a value cannot be stored (out of range or invalid characters)")

    @app.exception_handler(sa_exc.OperationalError)
    async def _db_busy(_r: Request, _exc: sa_exc.OperationalError) -> JSONResponse:
        log.warning("database busy or unavailable")
        return error_response(503, "the database is busy; retry", headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error_response(
            500,
            "internal error; the change may or may not have been recorded: "
            "check (list or read it) before retrying",
        )


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, whether declared or streamed.

    The body is read (up to the limit) before the application sees it, so an oversized
    chunked upload is cut off without being parsed.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        *,
        upload_bytes: int | None = None,
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.upload_bytes = upload_bytes or max_bytes
        self.upload_paths = upload_paths

    async def _too_large(self, send: Send, limit: int) -> None:
        body = error_json(413, f"request body over {limit} bytes")
        await send_bytes(send, 413, body, headers=((b"connection", b"close"),))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 once its body is over the limit for its path.

        A declared ``Content-Length`` over the limit (or not a number) is refused before reading;
        otherwise the body is counted as it streams in, so a chunked body cannot slip past. Non-HTTP
        scopes (lifespan, websockets) pass through untouched.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = (
            self.upload_bytes
            if any(path.endswith(p) for p in self.upload_paths)
            else self.max_bytes
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await self._too_large(send, limit)
                return
        try:
            payload = await read_body(receive, limit=limit)
        except TooLarge:
            await self._too_large(send, limit)
            return
        if payload is not None:
            await self.app(scope, replay(payload, receive), send)
