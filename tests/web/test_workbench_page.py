"""The workbench page without a browser: party users compute, save, share and compare drafts.

Access is checked on the server: another party's private draft answers as a missing one (404)
and no page shows its name or figures.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _signed_in(app: Any, token: str) -> TestClient:
    c = TestClient(app)
    page = c.get("/signin")
    pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert pre is not None
    r = c.post("/signin", data={"token": token, "csrf_token": pre.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    return c


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-workbench")
    settings = Settings(database_url=f"sqlite:///{work / 'wb.db'}")
    seeded = seed_demo(settings, work, items=30)
    app = create_app(settings)
    tokens = seeded["tokens"]
    yield {user: _signed_in(app, tokens[user]) for user in ("usa-office", "rus-office", "observer")}
    app.state.armsctl.db.dispose()


@pytest.fixture(scope="module")
def client(world: dict[str, TestClient]) -> TestClient:
    return world["usa-office"]


def _csrf(c: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/workbench").text)
    assert found is not None
    return found.group(1)


def _save(c: TestClient, name: str, sets: str, **extra: str) -> int:
    data = {
        "csrf_token": _csrf(c),
        "treaty": "new-start",
        "name": name,
        "sets": sets,
        "baselines": "USA=record@2011-02-05\nRUS=record@2011-02-05",
        "years": "",
        "cheat": "1",
        **extra,
    }
    r = c.post("/workbench/drafts", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    found = re.search(r"draft=(\d+)", r.headers["location"])
    assert found is not None
    return int(found.group(1))


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


def test_a_saved_draft_is_private_to_its_party_until_shared(world: dict[str, TestClient]) -> None:
    usa, rus, obs = world["usa-office"], world["rus-office"], world["observer"]
    draft = _save(usa, "USA position 1000", "deployed-warheads=1000")
    opened = usa.get("/workbench", params={"draft": draft})
    assert opened.status_code == 200
    assert "USA position 1000" in opened.text and "Private to USA" in opened.text
    row = opened.text.split('id="cuts-USA"')[1].split('data-limit="deployed-warheads"')[1]
    assert ">800<" in row.split("</tr>")[0]
    assert "USA position 1000" in usa.get("/workbench").text  # listed
    # Another party and an observer: the same 404 as for a draft that does not exist, and
    # neither the name nor a figure of the draft anywhere.
    for other in (rus, obs):
        refused = other.get("/workbench", params={"draft": draft})
        missing = other.get("/workbench", params={"draft": 999999})
        assert refused.status_code == missing.status_code == 404
        assert re.sub(r"draft \d+", "draft N", refused.text) == re.sub(
            r"draft \d+", "draft N", missing.text
        )
        assert "USA position 1000" not in other.get("/workbench").text
        compare = other.get("/workbench/compare", params={"a": draft, "b": draft})
        assert compare.status_code == 404 and "1000" not in compare.text
    # Only the owner's users may share it or overwrite it.
    denied = rus.post(
        f"/workbench/drafts/{draft}/share",
        data={"csrf_token": _csrf(rus), "visibility": "public"},
        follow_redirects=False,
    )
    assert denied.status_code == 404
    assert (
        obs.post(
            f"/workbench/drafts/{draft}/share",
            data={"csrf_token": _csrf(obs), "visibility": "public"},
        ).status_code
        == 403
    )
    hijack = rus.post(
        "/workbench/drafts",
        data={"csrf_token": _csrf(rus), "treaty": "new-start", "name": "hijack",
              "sets": "deployed-warheads=1", "draft_id": str(draft)},
    )  # fmt: skip
    assert hijack.status_code == 404 and "hijack" not in usa.get("/workbench").text
    # Shared with RUS: RUS opens it (without learning whom else it is shared with); the
    # observer still cannot.
    r = usa.post(
        f"/workbench/drafts/{draft}/share",
        data={"csrf_token": _csrf(usa), "visibility": "parties", "parties": "RUS"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    seen = rus.get("/workbench", params={"draft": draft})
    assert seen.status_code == 200 and "USA position 1000" in seen.text
    assert 'id="share-form"' not in seen.text  # RUS may not re-share USA's draft
    assert obs.get("/workbench", params={"draft": draft}).status_code == 404
    # Public: everyone signed in.
    usa.post(
        f"/workbench/drafts/{draft}/share",
        data={"csrf_token": _csrf(usa), "visibility": "public"},
    )
    assert obs.get("/workbench", params={"draft": draft}).status_code == 200
    bad = usa.post(
        f"/workbench/drafts/{draft}/share",
        data={"csrf_token": _csrf(usa), "visibility": "parties", "parties": "XYZ"},
    )
    assert bad.status_code == 422 and "XYZ is not a party" in bad.text


def test_drafts_are_reopened_overwritten_and_compared(world: dict[str, TestClient]) -> None:
    usa = world["usa-office"]
    a = _save(usa, "A 1000", "deployed-warheads=1000")
    b = _save(usa, "B 1200", "deployed-warheads=1200")
    assert (
        _save(
            usa,
            "B 1200 with a milestone",
            "deployed-warheads=1200\ndeployed-warheads@2014-02-05=1600",
            draft_id=str(b),
        )
        == b
    )
    page = usa.get("/workbench", params={"draft": b}).text
    assert "B 1200 with a milestone" in page
    assert "Milestone: deployed-warheads at most 1,600 by 2014-02-05: 200 eliminated" in page
    r = usa.get("/workbench/compare", params={"a": a, "b": b})
    assert r.status_code == 200
    row = r.text.split('data-party="USA" data-limit="deployed-warheads"')[1].split("</tr>")[0]
    cells = dict(re.findall(r'class="n (\w+)">([^<]+)<', row))
    assert cells == cells | {"max_a": "1,000", "max_b": "1,200", "cut_a": "800", "cut_b": "600"}


def test_a_draft_that_does_not_compute_is_not_saved(world: dict[str, TestClient]) -> None:
    usa = world["usa-office"]
    r = usa.post(
        "/workbench/drafts",
        data={"csrf_token": _csrf(usa), "treaty": "new-start", "name": "bad", "sets": "x=1"},
    )
    assert r.status_code == 422 and "unknown limit &#39;x&#39;" in r.text
    assert ">bad<" not in usa.get("/workbench").text
    no_token = usa.post("/workbench/drafts", data={"treaty": "new-start", "name": "n"})
    assert no_token.status_code == 400


def test_an_estimate_baseline_shows_its_counting_rule(client: TestClient) -> None:
    r = client.get(
        "/workbench",
        params={
            "treaty": "new-start",
            "sets": "deployed-warheads=1000",
            "baselines": "RUS=estimate:fas-2025-rus-deployed",
        },
    )
    assert r.status_code == 200
    rus = r.text.split('id="cuts-RUS"')[1].split("</section>")[0]
    assert "<details open>" in rus and "bomber bases" in rus
