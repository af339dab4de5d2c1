"""The server marks the figures ``armsctl check`` marks, on every page and in the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.cli.app import build_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("marks")
    settings = Settings(database_url=f"sqlite:///{work / 'm.db'}", require_party_signatures=False)
    seeded = seed_demo(settings, work, items=20)
    application = create_app(settings)
    application.state.tokens = seeded["tokens"]
    yield application
    application.state.armsctl.db.dispose()


def _signed_in(app: Any, user: str) -> TestClient:
    client = TestClient(app)
    pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert pre is not None
    client.post("/signin", data={"token": app.state.tokens[user], "csrf_token": pre.group(1)})
    return client


def _cli_marks() -> dict[tuple[str, str], bool]:
    result = CliRunner().invoke(
        build_app(), ["check", "new-start", "--at", "2024-09-01", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    return {(p["party"], x["id"]): x["unverified"] for p in doc["parties"] for x in p["limits"]}


def test_the_api_check_marks_what_the_command_line_marks(app: Any) -> None:
    import datetime as dt

    from armsctl.web import views
    from armsctl.web._base import ViewCache

    report = views.compliance_view(
        app.state.armsctl.db,
        ViewCache(),
        treaty="new-start",
        at=dt.date(2024, 9, 1),
        today=dt.date(2024, 9, 1),
    )
    web = {(p["party"], x["id"]): x["unverified"] for p in report["parties"] for x in p["limits"]}
    cli = _cli_marks()
    # RUS's newest data are the record's (USA's are the demo's own synthetic items).
    rus = {k: v for k, v in web.items() if k[0] == "RUS"}
    assert rus == {k: v for k, v in cli.items() if k[0] == "RUS"}
    assert all(rus.values())


def test_pages_and_csv_show_the_marks(app: Any) -> None:
    public = TestClient(app).get("/public").text
    assert '540 <small class="mark">(unverified)</small>' in public
    assert "✓</span> compliant</span></h2>" not in public  # the headline on stale RUS data
    assert re.search(r"compliant on stale data</span> <span[^>]*>\(RUS data as of <time", public)
    overview = _signed_in(app, "observer").get("/overview").text
    rus = overview[overview.index('id="party-new-start-RUS"') :]
    assert rus.count("(unverified)") >= 3
    words = re.sub(r"<[^>]+>", "", rus).lower()
    assert words.count("stale: latest data as of 2022-09-01") == 1
    assert "a newer declaration was due" not in overview
    text = TestClient(app).get("/public/new-start.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    mark = {(r["party"], r["as_of"], r["measure"]): r["mark"] for r in rows}
    assert mark[("RUS", "2022-09-01", "deployed-delivery-vehicles")] == "unverified"
    assert mark[("USA", "2011-02-05", "deployed-warheads")] == ""
    decl = re.search(
        r'<a href="/declarations/(\d+)">2022-09-01</a>',
        _signed_in(app, "observer").get("/declarations?party=RUS").text,
    )
    assert decl is not None
    page = _signed_in(app, "observer").get(f"/declarations/{decl.group(1)}").text
    assert page.count('<small class="mark">(unverified)</small>') == 3
