"""Service fixtures: the API tests' two-party world, reached through the use-cases directly.

Each test module gets its own migrated database (a SQLite file; modules whose behaviour depends
on the store also run on PostgreSQL when ``ARMSCTL_TEST_POSTGRES_URL`` is set) holding the world
of ``tests/api/_world.py``: an operator, two parties (USA, RUS) with a user and an inspector
each, an observer, one item-level declaration and one notification per party, and one
inspection each way, already in progress with its site revealed.

``actors`` are the ``Actor`` values the shells would pass; ``allow(actor, action)`` is the
API's own role x action decision, so a test states what each role may do or see.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "api"))
sys.path.insert(0, str(Path(__file__).parent))
from _svc import Env
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

from armsctl.service import Database
from armsctl.service.accounts import authenticate


def _env(db: Database) -> Env:
    world = build_world(db)
    actors = {}
    for name, token in world.tokens.items():
        actor = authenticate(db, token, at=NOW)
        assert actor is not None
        actors[name] = actor
    return Env(world, actors)


def _copy(source: Path, target: Path) -> str:
    """Copy a SQLite database with SQLite's own backup (safe with its WAL) and return its URL."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Env]:
    """Built once: a migrated empty database and the world, copied for each module."""
    folder = tmp_path_factory.mktemp("templates")
    empty, full = folder / "empty.db", folder / "world.db"
    fresh_database(f"sqlite:///{empty}").dispose()
    db = fresh_database(f"sqlite:///{full}")
    made = _env(db)
    db.dispose()
    return empty, full, made


@pytest.fixture(scope="module")
def env(
    _templates: tuple[Path, Path, Env], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Env]:
    """The world on a SQLite file of the module's own, shared by the module's tests."""
    _empty, full, made = _templates
    db = Database(_copy(full, tmp_path_factory.mktemp("svc") / "world.db"), LOG_KEY)
    world = World(db, tokens=dict(made.world.tokens), ids=dict(made.world.ids))
    yield Env(world, dict(made.actors))
    db.dispose()


@pytest.fixture(params=BACKENDS, scope="module")
def store_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Env]:
    """The world on SQLite and, when configured, PostgreSQL: for rules the store enforces."""
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path_factory.mktemp("svc")) as url:
        db = fresh_database(url)
        yield _env(db)
        db.dispose()


@pytest.fixture
def empty_db(_templates: tuple[Path, Path, Env], tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database (no treaty, no party)."""
    db = Database(_copy(_templates[0], tmp_path / "empty.db"), LOG_KEY)
    yield db
    db.dispose()
