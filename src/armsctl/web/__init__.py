"""The web dashboard and the public transparency portal, served beside the API.

``install_web(app)`` adds server-rendered pages (Jinja2, HTMX for partial updates) under ``/``
beside the API under ``/api/v1``. Every asset is served from this package (no CDN), every page
decides what to show through ``armsctl.access.authz`` (shared with the API, which this package
never imports; ``armsctl.server`` composes the two), and proofs are checked in the browser with
WebCrypto so that a reader of the public portal need not trust the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Mount the pages and static files on the app ``armsctl.server.create_app`` composes."""
    import jinja2
    from fastapi.staticfiles import StaticFiles

    from armsctl.web import (
        pages,
        pages_activity,
        pages_apidocs,
        pages_declarations,
        pages_signed,
        pages_workbench,
    )
    from armsctl.web._base import HERE, WebState

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from armsctl.web.format import FILTERS
    from armsctl.web.session import SessionStore

    env.filters.update(FILTERS)

    app.state.armsctl_web = WebState(env=env, sessions=SessionStore(app.state.armsctl.db))
    from armsctl.web.prepare import Preparation

    # Slow views are prepared in the background once the server starts (not at import or
    # app construction, so tests and the CLI never start the thread).
    preparation = Preparation(
        app.state.armsctl.db, app.state.armsctl_web.cache, env, app.state.armsctl.clock
    )
    app.state.armsctl_prepare = preparation
    app.router.add_event_handler("startup", preparation.start)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    routers = (pages, pages_declarations, pages_activity, pages_apidocs, pages_workbench)
    for module in (*routers, pages_signed):
        app.include_router(module.router)
