"""The composed server: a serving process freezes its start-up heap, a test's app does not.

``gc.freeze`` after start-up keeps the garbage collector's full passes off the hundreds of
thousands of objects a server builds once and keeps (``armsctl.server._freeze_heap``): the
serving entry points ask for it, apps that tests build and drop must not.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.server import create_app
from armsctl.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("freeze", [True, False])
def test_start_up_freezes_the_heap_only_when_asked(
    tmp_path: Path, unfrozen: None, freeze: bool
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), freeze_heap=freeze)
    assert gc.get_freeze_count() == 0, "building the app freezes nothing; start-up does"
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert (gc.get_freeze_count() > 0) is freeze
    app.state.armsctl.db.dispose()
