"""The FastAPI application, built by ``create_app(settings)``; nothing happens at import time.

Routes live under ``/api/v1`` with the OpenAPI document at ``/api/v1/openapi.json``. Every
route is a thin adapter: it checks the caller's role (``armsctl.api.authz``), calls one
use-case from ``armsctl.service`` and returns its plain data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request

from armsctl.api.authz import ACTIONS
from armsctl.api.deps import AppState
from armsctl.api.errors import BodyLimit, ErrorBody, install_error_handlers
from armsctl.api.settings import Settings, load_signer
from armsctl.ledger.note import SignerKey
from armsctl.service._base import AccessDenied, Actor, Database, audit

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Malformed request"),
        (401, "Missing, wrong, expired or revoked token"),
        (403, "Refused by the role x action table (with the reason)"),
        (404, "Not found"),
        (409, "Clashes with stored state (quota spent, duplicate, wrong state)"),
        (413, "Request body too large"),
        (422, "Invalid input"),
        (503, "Database busy; retry"),
    )
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    settings: Settings,
    *,
    signer: SignerKey | None = None,
    clock: Callable[[], dt.datetime] = _now,
    rng: Callable[[int], bytes] = os.urandom,
    migrate: bool = True,
) -> FastAPI:
    """Build the API for one database.

    Args:
        settings: Typed settings (``Settings()`` reads ``ARMSCTL_*``).
        signer: The log key; default: ``load_signer(settings)``.
        clock: Now, as an aware datetime (tests pass a fixed clock).
        rng: Cryptographic random bytes, for token secrets and commitment salts.
        migrate: Bring the database to the current schema first.
    """
    from armsctl.api import (
        routes_admin,
        routes_declarations,
        routes_exchange,
        routes_inspections,
        routes_log,
        routes_tlog,
        routes_zk,
    )
    from armsctl.store.schema import upgrade

    witnessing = None
    if settings.witnesses.strip():  # a bad witness entry stops the start before any database
        from armsctl.service.witnessing import Witnessing, http_poster, parse_witnesses

        endpoints = parse_witnesses(settings.witnesses)
        witnessing = Witnessing(endpoints, http_poster(settings.witness_timeout))
    db = Database(settings.database_url, signer or load_signer(settings))
    if migrate:
        upgrade(db.engine)
    if witnessing is not None:
        db.witnessing = witnessing
    app = FastAPI(
        title="armsctl",
        version="1",
        summary="Open verification infrastructure for arms reduction: the multi-party server.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Served by armsctl.web from vendored assets, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.armsctl = AppState(db=db, settings=settings, clock=clock, rng=rng)

    def on_denied(request: Request, exc: AccessDenied) -> None:
        actor: Actor | None = getattr(request.state, "actor", None)
        if actor is None:
            return
        with db.write() as (session, _conn):
            audit(
                session,
                actor,
                action=exc.action or getattr(request.state, "action", "") or "unknown",
                resource=exc.resource or request.url.path,
                at=clock(),
                outcome="denied",
                detail=exc.reason[:500],
            )

    install_error_handlers(app, on_denied)
    for module in (
        routes_admin,
        routes_declarations,
        routes_exchange,
        routes_inspections,
        routes_log,
        routes_zk,
    ):
        app.include_router(module.router, prefix=API_PREFIX, responses=_ERRORS)
    app.include_router(routes_tlog.router)  # the public log as tiles, at /tlog/
    from armsctl.web import install_web  # the dashboard and public portal under /

    install_web(app)
    from armsctl.api.idempotency import Idempotency

    # Added before BodyLimit, so an oversized body is refused before it is fingerprinted.
    app.add_middleware(Idempotency, db=db, clock=clock)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        upload_paths=("/declarations/upload", "/declarations/file"),
    )
    app.state.actions = ACTIONS
    return app
