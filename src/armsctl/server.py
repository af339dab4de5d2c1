"""The one place the HTTP application is composed: the API and the web over one database.

``create_app(settings)`` opens the store, builds the shared state (``armsctl.access.deps``),
installs the API (``armsctl.api.install_api``, under ``/api/v1`` and ``/tlog/``) and the web
(``armsctl.web.install_web``, under ``/``) and wraps both in the request middleware. This
module sits above both shells, so that ``armsctl.api`` and ``armsctl.web`` never import each
other (the import-linter contracts in ``pyproject.toml``). Nothing happens at import time.

Entry points:

- ``create_app_from_env``: the factory for process managers (``uvicorn --factory
  armsctl.server:create_app_from_env``). uvicorn and gunicorn can only start several workers
  from an import string, since each worker builds its own application after the fork or spawn;
  this factory reads ``ARMSCTL_*`` in each worker, so ``armsctl serve --workers N`` serves the
  same database with the same log key. ``armsctl.api.asgi:create_app_from_env`` stays as an
  alias for existing deployments.
- ``python -m armsctl.server [--host H] [--port P]``: the same as ``armsctl serve`` without the
  CLI, used by the tests and the benchmarks to run a server in a child process they can kill.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from armsctl.ledger.note import SignerKey
    from armsctl.settings import Settings

__all__ = ["create_app", "create_app_from_env", "main"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(
    settings: Settings,
    *,
    signer: SignerKey | None = None,
    clock: Callable[[], dt.datetime] = _now,
    rng: Callable[[int], bytes] = os.urandom,
    migrate: bool = True,
    freeze_heap: bool = False,
) -> FastAPI:
    """Build the server (API and web) for one database.

    Args:
        settings: Typed settings (``Settings()`` reads ``ARMSCTL_*``).
        signer: The log key; default: ``load_signer(settings)``.
        clock: Now, as an aware datetime (tests pass a fixed clock).
        rng: Cryptographic random bytes, for token secrets and commitment salts.
        migrate: Bring the database to the current schema first.
        freeze_heap: After start-up, move every object then alive out of the garbage
            collector's reach (``gc.freeze``), as a serving process should: see
            ``_freeze_heap``. Off for apps built and dropped in one process (tests), whose
            frozen objects would never be collected.
    """
    from fastapi import FastAPI

    from armsctl.access.authz import ACTIONS
    from armsctl.access.deps import AppState
    from armsctl.api import API_PREFIX, install_api
    from armsctl.api.errors import BodyLimit
    from armsctl.api.idempotency import Idempotency
    from armsctl.service import Database
    from armsctl.settings import load_signer
    from armsctl.store.schema import upgrade
    from armsctl.web import install_web

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
    install_api(app)  # the API under /api/v1 and the public log as tiles at /tlog/
    install_web(app)  # the dashboard and public portal under /
    # Added before BodyLimit, so an oversized body is refused before it is fingerprinted.
    app.add_middleware(Idempotency, db=db, clock=clock)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        upload_paths=("/declarations/upload", "/declarations/file"),
    )
    app.state.actions = ACTIONS
    if freeze_heap:
        # Registered after install_web's start-up handler, so the warmed imports and
        # templates are frozen too.
        app.router.add_event_handler("startup", _freeze_heap)
    return app


def _freeze_heap() -> None:
    """Collect once, then freeze what start-up built, so full collections skip it.

    Start-up builds the imported modules, the treaty models, the compiled templates and the
    ORM's mappers. A serving process keeps hundreds of thousands of such objects for its whole life, and
    every full collection walked them all: each one stopped the event loop for tens of
    milliseconds, which was most of the API's p99 latency (``bench/bench_api.py``: ``/health``
    p99 110 ms before, 44 ms after, with the load generator on its own CPU). Frozen objects
    are still freed by reference counting; only cycles among them are never collected.
    """
    import gc

    gc.collect()
    gc.freeze()


def create_app_from_env() -> FastAPI:
    """Build the server from ``ARMSCTL_*`` settings, migrating the database if it is behind.

    Migration is idempotent (a database at the head revision is left alone, and PostgreSQL
    upgrades hold an advisory lock), so several workers starting at once are safe; ``armsctl
    serve`` still migrates once in the parent before starting them.
    """
    from armsctl.settings import Settings

    return create_app(Settings(), freeze_heap=True)


def main() -> None:
    """Serve with settings from ``ARMSCTL_*`` (``python -m armsctl.server``)."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m armsctl.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    app = create_app_from_env()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
