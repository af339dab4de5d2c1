"""API fixtures: a migrated database (SQLite, and PostgreSQL when configured) and a world."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its test client; httpx works and is what we ship.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from _world import (
    BACKENDS,
    LOG_KEY,
    NOW,
    World,
    build_world,
    fresh_database,
    fresh_url,
    postgres_for,
)

from armsctl.server import create_app
from armsctl.settings import Settings


@pytest.fixture(params=BACKENDS, scope="module")
def world_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path_factory.mktemp("api")) as url:
        db = fresh_database(url)
        world = build_world(db)
        app = create_app(
            # Roles and refusals, not signatures, are under test here: requests are unsigned, so
            # the server seals them (test_party_signatures.py covers required signatures).
            Settings(database_url=url, max_body_bytes=64 * 1024, require_party_signatures=False),
            signer=LOG_KEY,
            clock=lambda: NOW,
            migrate=False,
        )
        with TestClient(app, raise_server_exceptions=False) as client:
            yield world, client
        app.state.armsctl.db.dispose()
        db.dispose()


__all__ = ["TestClient"]
