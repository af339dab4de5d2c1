"""An ASGI application factory for process managers: ``armsctl.api.asgi:create_app_from_env``.

uvicorn (and gunicorn) can only start several worker processes from an import string, since
each worker builds its own application after the fork or spawn; an application object cannot
be handed over. This factory reads the settings from ``ARMSCTL_*`` in each worker, so
``armsctl serve --workers N`` and ``uvicorn --factory armsctl.api.asgi:create_app_from_env``
serve the same database with the same log key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app_from_env"]


def create_app_from_env() -> FastAPI:
    """Build the API from ``ARMSCTL_*`` settings, migrating the database if it is behind.

    Migration is idempotent (a database at the head revision is left alone, and PostgreSQL
    upgrades hold an advisory lock), so several workers starting at once are safe; ``armsctl
    serve`` still migrates once in the parent before starting them.
    """
    from armsctl.api.app import create_app
    from armsctl.api.settings import Settings

    return create_app(Settings())
