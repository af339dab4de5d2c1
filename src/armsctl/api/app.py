"""The REST API, installed on the server's app by ``install_api(app)``; nothing at import time.

Routes live under ``/api/v1`` with the OpenAPI document at ``/api/v1/openapi.json``; the public
log is served as tiles under ``/tlog/``. Every route is a thin adapter: it checks the caller's
role (``armsctl.access.authz``), calls one use-case from ``armsctl.service`` and returns its
plain data. The application itself (store, state, middleware, the web beside the API) is
composed by ``armsctl.server.create_app``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from armsctl.access.deps import AppState
from armsctl.api.errors import ErrorBody, install_error_handlers
from armsctl.service import AccessDenied, Actor, audit

__all__ = ["API_PREFIX", "install_api"]

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


def install_api(app: FastAPI) -> None:
    """Add the error handlers and the routers to an app whose ``state.armsctl`` is set."""
    from armsctl.api import (
        routes_admin,
        routes_declarations,
        routes_exchange,
        routes_inspections,
        routes_log,
        routes_tlog,
        routes_zk,
    )

    state: AppState = app.state.armsctl

    def on_denied(request: Request, exc: AccessDenied) -> None:
        actor: Actor | None = getattr(request.state, "actor", None)
        if actor is None:
            return
        with state.db.write() as (session, _conn):
            audit(
                session,
                actor,
                action=exc.action or getattr(request.state, "action", "") or "unknown",
                resource=exc.resource or request.url.path,
                at=state.clock(),
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
