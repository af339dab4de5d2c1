"""Slow views are prepared when the server starts; until then a page says so, never waits."""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.web.prepare import Preparation


def _app(tmp_path: Path) -> tuple[Any, dict[str, str]]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}", require_party_signatures=False
    )
    tokens = seed_demo(settings, tmp_path, items=20)["tokens"]
    return create_app(settings), tokens


def _sign_in(client: TestClient, token: str) -> None:
    page = client.get("/signin")
    pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert pre is not None
    r = client.post(
        "/signin", data={"token": token, "csrf_token": pre.group(1)}, follow_redirects=False
    )
    assert r.status_code == 303


def test_monitoring_says_flags_are_being_prepared_then_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, tokens = _app(tmp_path)
    release = threading.Event()
    original = Preparation._prepare

    def held(self: Preparation) -> None:
        assert release.wait(120), "the test never released the preparation"
        original(self)

    monkeypatch.setattr(Preparation, "_prepare", held)
    preparation: Preparation = app.state.armsctl_prepare
    try:
        with TestClient(app) as client:  # runs the start-up: the preparation begins
            assert preparation.preparing
            _sign_in(client, tokens["usa-office"])
            early = client.get("/monitoring")
            assert early.status_code == 200
            assert 'id="anomalies-preparing"' in early.text
            release.set()
            assert preparation.join(120)
            assert preparation.failure is None, preparation.failure
            late = client.get("/monitoring")
            assert late.status_code == 200
            assert 'id="anomalies-preparing"' not in late.text
            assert "Anomalies in the declarations" in late.text
    finally:
        release.set()
        app.state.armsctl.db.dispose()


def test_without_a_server_start_views_are_built_on_demand(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path)
    try:
        client = TestClient(app)  # no start-up event: nothing is prepared in the background
        assert not app.state.armsctl_prepare.preparing
        _sign_in(client, tokens["usa-office"])
        page = client.get("/monitoring")
        assert page.status_code == 200 and 'id="anomalies-preparing"' not in page.text
    finally:
        app.state.armsctl.db.dispose()
