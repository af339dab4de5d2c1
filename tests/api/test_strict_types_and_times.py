"""Counts are JSON integers, and times keep their instant, on every backend.

``{"deployed-warheads": true}`` and ``"5"`` used to be coerced to 1 and 5; a time given with an
offset used to read back on SQLite with the offset dropped (five hours wrong).
"""

from __future__ import annotations

import datetime as dt

import pytest
from _world import World
from fastapi.testclient import TestClient

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _log_size(world: World, client: TestClient) -> int:
    return int(client.get(f"{P}/log", headers=world.auth("obs")).json()["size"])


@pytest.mark.parametrize("value", [True, "5", 5.0, 5.5, None], ids=repr)
def test_a_figure_that_is_not_a_json_integer_is_a_422_and_changes_nothing(
    world_client: tuple[World, TestClient], value: object
) -> None:
    world, client = world_client
    before = _log_size(world, client)
    body = {"as_of": "2025-11-03", "figures": {"deployed-warheads": value}}
    response = client.post(f"{T}/declarations", json=body, headers=world.auth("usa"))
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith("figures"), response.json()
    assert _log_size(world, client) == before


def test_an_observation_time_with_an_offset_reads_back_as_the_same_instant(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    body = {"source": "other", "observed_at": "2025-11-30T10:00:00+05:00", "body": {"n": 1}}
    created = client.post(f"{T}/observations", json=body, headers=world.auth("obs"))
    assert created.status_code in (200, 201), created.text
    listed = client.get(f"{T}/observations?limit=500", headers=world.auth("obs")).json()
    rows = [r for r in listed["results"] if r.get("body") == {"n": 1}]
    assert rows, listed
    back = dt.datetime.fromisoformat(rows[-1]["observed_at"].replace("Z", "+00:00"))
    assert back == dt.datetime(2025, 11, 30, 5, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("observed_at", "status"),
    [
        ("2026-01-15T12:04:00Z", (200, 201)),  # within the clock skew of the server's time
        ("1995-06-01T00:00:00Z", (200, 201)),  # any past date
        ("2026-01-15T12:06:00Z", (422,)),  # beyond the skew: nobody has seen the future
        ("2030-01-01T00:00:00+05:00", (422,)),
    ],
)
def test_an_observation_may_be_of_any_past_time_but_not_of_the_future(
    world_client: tuple[World, TestClient], observed_at: str, status: tuple[int, ...]
) -> None:
    world, client = world_client
    before = _log_size(world, client)
    body = {"source": "other", "observed_at": observed_at, "body": {"when": observed_at}}
    response = client.post(f"{T}/observations", json=body, headers=world.auth("obs"))
    assert response.status_code in status, response.text
    if response.status_code == 422:
        assert response.json()["field"] == "observed_at"
        assert "future" in response.json()["detail"]
        assert _log_size(world, client) == before
