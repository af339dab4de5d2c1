"""Hostile request bodies: refused with a 422 naming the field, never stored, never a 500.

A body nested hundreds of levels deep used to be committed and then break the response and
every later list; non-string item fields reached the use-case and failed there. Each case here
must be refused before anything is written (the log does not grow), and the lists keep working
even when a row outside the bounds is already in the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from _world import NOW, World
from fastapi.testclient import TestClient

from armsctl.errors import InputError
from armsctl.service._json import MAX_DEPTH, check_json, json_problem, renderable
from armsctl.store.models import Notification, Observation

P = "/api/v1"
T = f"{P}/treaties/new-start"
DEEP = "[" * 900 + "]" * 900
JSON = {"content-type": "application/json"}


def _log_size(world: World, client: TestClient) -> int:
    return int(client.get(f"{P}/log", headers=world.auth("obs")).json()["size"])


FREE_FORM = [
    ("notification deep", "usa", f"{T}/notifications", '{"kind":"x","body":{"a":' + DEEP + "}}"),
    (
        "observation deep",
        "obs",
        f"{T}/observations",
        '{"source":"other","observed_at":"2025-01-01T00:00:00Z","body":{"a":' + DEEP + "}}",
    ),
    ("notification 1e400", "usa", f"{T}/notifications", '{"kind":"x","body":{"a":1e400}}'),
    ("notification NaN", "usa", f"{T}/notifications", '{"kind":"x","body":{"a":NaN}}'),
    (
        "notification huge int",
        "usa",
        f"{T}/notifications",
        '{"kind":"x","body":{"a":' + "9" * 30 + "}}",
    ),
    ("notification surrogate", "usa", f"{T}/notifications", '{"kind":"x","body":{"a":"\\ud800"}}'),
    ("notification NUL", "usa", f"{T}/notifications", '{"kind":"x","body":{"a":"\\u0000"}}'),
    (
        "notification wide",
        "usa",
        f"{T}/notifications",
        '{"kind":"x","body":{"a":[' + ",".join(["0"] * 25_000) + "]}}",
    ),
]


@pytest.mark.parametrize(("name", "user", "path", "raw"), FREE_FORM, ids=[c[0] for c in FREE_FORM])
def test_free_form_json_outside_the_bounds_is_a_422_naming_the_field_and_changes_nothing(
    world_client: tuple[World, TestClient], name: str, user: str, path: str, raw: str
) -> None:
    world, client = world_client
    before = _log_size(world, client)
    response = client.post(path, content=raw, headers={**world.auth(user), **JSON})
    doc = response.json()
    assert response.status_code in (400, 413, 422), (name, doc)
    if response.status_code == 422:
        assert doc["field"] == "body", doc
    assert _log_size(world, client) == before
    for lister in ("usa", "rus"):
        assert client.get(f"{T}/notifications", headers=world.auth(lister)).status_code == 200
    assert client.get(f"{T}/observations", headers=world.auth("obs")).status_code == 200


def test_findings_outside_the_bounds_are_refused(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    insp = world.ids["insp-by-USA"]
    for raw in ('{"findings":[{"a":1e400}]}', '{"findings":[{"a":' + DEEP + "}]}"):
        response = client.post(
            f"{P}/inspections/{insp}/report", content=raw, headers={**world.auth("usa"), **JSON}
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"].startswith("findings")


ITEM = {"uid": "H-1", "category": "icbm-launcher", "status": "deployed", "facility": "f"}
BAD_ITEMS: list[tuple[str, dict[str, Any], str]] = [
    ("zone list", {"zone": ["x"]}, "items.0.zone"),
    ("zone number", {"zone": 3}, "items.0.zone"),
    ("category list", {"category": ["a"]}, "items.0.category"),
    ("category null", {"category": None}, "items.0.category"),
    ("status number", {"status": 1}, "items.0.status"),
    ("uid object", {"uid": {"a": 1}}, "items.0.uid"),
    ("nested attribute", {"x": [[[]]]}, "items.0"),
    ("huge attribute", {"warheads": 10**30}, "items.0"),
    ("float warheads", {"warheads": 1.5}, "items.0.warheads"),
]


@pytest.mark.parametrize(("name", "change", "field"), BAD_ITEMS, ids=[c[0] for c in BAD_ITEMS])
def test_item_fields_of_the_wrong_type_are_a_422_with_the_field_path(
    world_client: tuple[World, TestClient], name: str, change: dict[str, Any], field: str
) -> None:
    world, client = world_client
    before = _log_size(world, client)
    body = {"as_of": "2025-10-02", "items": [{**ITEM, **change}]}
    response = client.post(f"{T}/declarations/items", json=body, headers=world.auth("usa"))
    doc = response.json()
    assert response.status_code == 422, (name, doc)
    assert doc["field"] == field, doc
    assert _log_size(world, client) == before


def test_lists_survive_a_stored_row_outside_the_bounds(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    deep: Any = 1
    for _ in range(200):
        deep = [deep]
    with world.db.write() as (session, _conn):
        sent = session.get(Notification, world.ids["note-from-USA"])
        assert sent is not None
        note = Notification(
            treaty_id="new-start",
            sender_id=sent.sender_id,
            recipient_id=None,
            kind="legacy",
            body={"a": deep},
            sent_at=NOW,
            log_index=0,
        )
        session.add(note)
        session.add(
            Observation(
                treaty_id="new-start",
                subject_id=None,
                recorded_by=1,
                source="other",
                observed_at=NOW - dt.timedelta(days=1),
                body={"a": deep},
                recorded_at=NOW,
                log_index=0,
            )
        )
    listed = client.get(f"{T}/notifications?limit=500", headers=world.auth("rus"))
    assert listed.status_code == 200
    legacy = [n for n in listed.json()["results"] if n["kind"] == "legacy"]
    assert legacy and "unreadable" in legacy[0]["body"]
    observed = client.get(f"{T}/observations?limit=500", headers=world.auth("obs"))
    assert observed.status_code == 200
    assert any("unreadable" in o["body"] for o in observed.json()["results"])


def test_an_unexpected_error_does_not_claim_nothing_changed(
    world_client: tuple[World, TestClient],
) -> None:
    _, client = world_client
    app: Any = client.app

    def boom() -> None:
        raise RuntimeError("after commit")

    app.add_api_route("/api/v1/_boom", boom)
    try:
        response = client.get("/api/v1/_boom")
    finally:
        app.router.routes.pop()
    doc = response.json()
    assert response.status_code == 500 and doc["error"] == "internal"
    assert "nothing was changed" not in doc["detail"]
    assert "before retrying" in doc["detail"]


def test_the_bounds_walk_without_recursion() -> None:
    deep: Any = 0
    for _ in range(100_000):
        deep = [deep]
    assert json_problem(deep) == (
        ".".join(["0"] * MAX_DEPTH),
        f"nests deeper than {MAX_DEPTH} levels",
    )
    assert json_problem({"a": [1, 2.5, "x", None, True]}) is None
    assert renderable({"a": 1}) == {"a": 1}
    assert "unreadable" in renderable(deep)
    with pytest.raises(InputError, match=r"findings\.0\.a"):
        check_json([{"a": float("inf")}], "findings")
