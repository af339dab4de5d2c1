"""``armsctl client inspect show``: a party opens an inspection's sealed parts in its client.

The server keeps the site, the arrival time and the findings sealed to the two parties; the
client opens the reader's party's copy with its key and checks each against the commitment in
the view (the one the log carries). The server here is the API in process.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import LOG_KEY, NOW, SEALING_KEYS, World, build_world, fresh_database

from armsctl.cli.app import build_app
from armsctl.server import create_app
from armsctl.settings import Settings

SERVER = "http://testserver"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Any]]:
    with warnings.catch_warnings():
        # starlette 1.x prefers httpx2 for its test client; httpx works and is what we ship.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path_factory.mktemp('show') / 'store.db'}"
    db = fresh_database(url)
    world = build_world(db)
    app = create_app(
        Settings(database_url=url, require_party_signatures=False),
        signer=LOG_KEY,
        clock=lambda: NOW,
        migrate=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield world, client
    app.state.armsctl.db.dispose()
    db.dispose()


def _show(
    served: tuple[World, Any], monkeypatch: pytest.MonkeyPatch, user: str, key: Path, iid: int
) -> tuple[int, str]:
    world, client = served

    def request(method: str, url: str, **kw: Any) -> httpx.Response:
        kw.pop("timeout", None)  # transport options: the test client has its own
        kw.pop("verify", None)
        response: httpx.Response = client.request(method, url, **kw)
        return response

    monkeypatch.setattr(httpx, "request", request)
    result = CliRunner().invoke(
        build_app(),
        ["client", "inspect", "show", str(iid), "--decrypt-key", str(key),
         "--server", SERVER, "--token", world.tokens[user]],
    )  # fmt: skip
    return result.exit_code, result.output


@pytest.mark.parametrize(("user", "party"), [("usa", "USA"), ("rus", "RUS"), ("usa-insp", "USA")])
def test_each_party_and_its_inspector_open_the_site_and_the_arrival_time(
    served: tuple[World, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    user: str,
    party: str,
) -> None:
    key = tmp_path / f"{party}.x25519.key"
    key.write_text(str(SEALING_KEYS[party]), encoding="utf-8")
    code, out = _show(served, monkeypatch, user, key, served[0].ids["insp-by-USA"])
    assert code == 0, out
    row = json.loads(out)
    assert row["site"] == "RUS-base-1" and row["scheduled_for"] == NOW.isoformat()
    assert row["sealed_site"] is None and row["sealed_arrival"] is None
    assert len(row["site_salt"]) == 64 and len(row["arrival_salt"]) == 64


def test_another_partys_key_opens_nothing_and_exits_2(
    served: tuple[World, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = tmp_path / "RUS.x25519.key"
    key.write_text(str(SEALING_KEYS["RUS"]), encoding="utf-8")
    code, out = _show(served, monkeypatch, "usa", key, served[0].ids["insp-by-USA"])
    assert code == 2 and "does not open" in out and "RUS-base-1" not in out, out
