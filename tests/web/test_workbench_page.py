"""The workbench page without a browser: party users compute drafts; nothing is stored."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-workbench")
    settings = Settings(database_url=f"sqlite:///{work / 'wb.db'}")
    seeded = seed_demo(settings, work, items=30)
    app = create_app(settings)
    c = TestClient(app)
    page = c.get("/signin")
    pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert pre is not None
    r = c.post(
        "/signin",
        data={"token": seeded["tokens"]["usa-office"], "csrf_token": pre.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    yield c
    app.state.armsctl.db.dispose()


def test_signed_out_users_are_sent_to_sign_in(tmp_path_factory: Any, client: TestClient) -> None:
    fresh = TestClient(client.app)
    r = fresh.get("/workbench", follow_redirects=False)
    assert r.status_code == 303 and "/signin" in r.headers["location"]


def test_page_computes_the_cuts_of_a_draft(client: TestClient) -> None:
    r = client.get(
        "/workbench",
        params={
            "treaty": "new-start",
            "sets": "deployed-warheads=1000",
            "baselines": "USA=record@2011-02-05\nRUS=record@2011-02-05",
        },
    )
    assert r.status_code == 200
    usa = r.text.split('id="cuts-USA"')[1].split("</section>")[0]
    row = usa.split('data-limit="deployed-warheads"')[1].split("</tr>")[0]
    assert "1,800" in row and "800" in row and "yes" in row
    assert "<svg" in usa
    burden = r.text.split('id="burden-USA"')[1].split("</section>")[0]
    assert "type-one" in burden and "inspector-days" in burden
    brief = client.get(
        "/workbench/brief",
        params={"treaty": "new-start", "sets": "deployed-warheads=1000"},
    )
    assert brief.status_code == 200 and "attachment" in brief.headers["content-disposition"]
    assert "<svg" in brief.text and "<script" not in brief.text


def test_bad_changes_are_shown_not_raised(client: TestClient) -> None:
    r = client.get("/workbench", params={"treaty": "new-start", "sets": "nope=1"})
    assert r.status_code == 422
    assert "unknown limit" in r.text and 'id="workbench-errors"' in r.text
    r = client.get("/workbench", params={"treaty": "new-start", "baselines": "USA=/etc/passwd"})
    assert r.status_code == 422 and "record@DATE" in r.text
