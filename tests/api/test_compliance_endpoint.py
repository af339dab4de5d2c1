"""The compliance endpoint reads only each party's latest declarations, and still gets every
flag right: the latest figures, a later declaration that was not provided, the limits' status."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ._world import World

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _submit(client: TestClient, world: World, user: str, body: dict[str, object]) -> None:
    r = client.post(f"{T}/declarations", json=body, headers=world.auth(user))
    assert r.status_code == 201, r.text


def test_compliance_uses_the_latest_declaration_on_or_before_the_date(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    figures = {"deployed-delivery-vehicles": 600, "total-launchers": 700}
    _submit(
        client,
        world,
        "usa",
        {"as_of": "2019-03-01", "figures": {**figures, "deployed-warheads": 1400}},
    )
    _submit(
        client,
        world,
        "usa",
        {"as_of": "2019-09-01", "figures": {**figures, "deployed-warheads": 1600}},
    )
    _submit(
        client,
        world,
        "rus",
        {"as_of": "2019-03-01", "figures": {**figures, "deployed-warheads": 1500}},
    )
    _submit(client, world, "rus", {"as_of": "2019-09-01", "figures": {}, "status": "not-provided"})

    def parties(at: str) -> dict[str, dict[str, object]]:
        r = client.get(f"{T}/compliance?at={at}", headers=world.auth("obs"))
        assert r.status_code == 200, r.text
        return {p["party"]: p for p in r.json()["parties"]}

    early = parties("2019-06-01")
    usa = {x["id"]: x for x in early["USA"]["limits"]}  # type: ignore[attr-defined]
    assert early["USA"]["declaration_as_of"] == "2019-03-01"
    assert (usa["deployed-warheads"]["value"], usa["deployed-warheads"]["status"]) == (
        1400,
        "compliant",
    )
    assert early["RUS"]["not_provided"] is None

    late = parties("2019-12-01")
    usa = {x["id"]: x for x in late["USA"]["limits"]}  # type: ignore[attr-defined]
    assert late["USA"]["declaration_as_of"] == "2019-09-01"
    assert (usa["deployed-warheads"]["value"], usa["deployed-warheads"]["status"]) == (
        1600,
        "violation",
    )
    assert late["RUS"]["declaration_as_of"] == "2019-03-01"
    assert late["RUS"]["not_provided"] == "2019-09-01"
