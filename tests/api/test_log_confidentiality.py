"""What the log and the public views may say: site commitments, released figures, quota years.

The log is readable by every role, observers included. It must name no inspected site (only a
salted commitment the two parties can check), and an item-level declaration must release only
the party, the date, the item count per category, the Merkle root and the treaty's limit
values: no status breakdown, attribute sum or per-zone count, in the log or any public view.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from _world import World
from fastapi.testclient import TestClient

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _entries(world: World, client: TestClient, user: str = "obs") -> list[dict[str, Any]]:
    size = client.get(f"{P}/log", headers=world.auth(user)).json()["size"]
    return [
        json.loads(client.get(f"{P}/log/entries/{i}", headers=world.auth(user)).json()["entry"])
        for i in range(size)
    ]


def test_the_log_names_no_inspected_site_only_a_commitment_the_parties_can_check(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    entries = _entries(world, client)
    assert all("-base-" not in json.dumps(e) for e in entries), "a facility name is in the log"
    insp = world.ids["insp-by-USA"]
    requested = next(
        e
        for e in entries
        if e["kind"] == "inspection-requested" and e["body"]["inspection"] == insp
    )
    revealed = next(
        e for e in entries if e["kind"] == "items-revealed" and e["body"]["inspection"] == insp
    )
    for user in ("usa", "rus", "usa-insp"):
        view = client.get(f"{P}/inspections/{insp}", headers=world.auth(user)).json()
        assert view["site"] == "RUS-base-1"
        expected = hashlib.sha256(bytes.fromhex(view["site_salt"]) + b"RUS-base-1").hexdigest()
        assert view["site_commitment"] == expected
        assert requested["body"]["site_commitment"] == expected
        assert revealed["body"]["site_commitment"] == expected
    for user in ("obs", "op", "rus-insp"):
        assert client.get(f"{P}/inspections/{insp}", headers=world.auth(user)).status_code == 403


def test_an_item_level_declaration_releases_only_counts_root_and_limit_values(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    items = [
        {"uid": "C-1", "category": "icbm-launcher", "status": "deployed", "facility": "F"},
        {"uid": "C-2", "category": "icbm-launcher", "status": "non-deployed", "facility": "F"},
        {"uid": "C-3", "category": "heavy-bomber", "status": "deployed", "facility": "G"},
    ]
    for item in items[:2]:
        item["warheads"] = 1
    response = client.post(
        f"{T}/declarations/items",
        json={"as_of": "2025-12-01", "items": items},
        headers=world.auth("usa"),
    )
    assert response.status_code == 201, response.text
    decl = response.json()
    assert all("/" not in measure and "@" not in measure for measure in decl["figures"])
    assert set(decl["commitment"]) <= {
        "scheme",
        "party",
        "date",
        "treaty",
        "counts",
        "size",
        "root",
    }
    assert decl["commitment"]["counts"] == {"heavy-bomber": 1, "icbm-launcher": 2}
    entry = _entries(world, client)[decl["log_index"]]
    assert entry["kind"] == "declaration-items"
    assert all("/" not in m for m in entry["body"]["figures"]), entry["body"]["figures"]
    assert "icbm-launcher/" not in json.dumps(entry)
    for path in (
        f"{T}/declarations?party=USA&limit=500",
        f"{P}/declarations/{decl['id']}",
        f"{T}/compliance?at=2025-12-31",
        f"{T}/transparency",
    ):
        text = client.get(path, headers=world.auth("obs")).text
        # Limit titles may say "non-deployed"; component measures are "category/status".
        assert "icbm-launcher/" not in text and "heavy-bomber/" not in text, path


def test_a_quota_year_must_be_this_year_or_the_next(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    body = {"inspected_party": "RUS", "type": "type-two", "site": "RUS-base-2"}
    for year in (1900, 2025, 2028, 2200):  # the clock is 2026-01-15
        response = client.post(
            f"{T}/inspections", json={**body, "year": year}, headers=world.auth("usa")
        )
        assert response.status_code == 422, (year, response.text)
        assert response.json()["field"] == "year"
    # 2027 is next year, but New START expired on 2026-02-05: its quota calculator gives none.
    after_expiry = client.post(
        f"{T}/inspections", json={**body, "year": 2027}, headers=world.auth("usa")
    )
    assert after_expiry.status_code == 409 and "no longer applies" in after_expiry.text
    this_year = client.post(
        f"{T}/inspections", json={**body, "year": 2026}, headers=world.auth("usa")
    )
    assert this_year.status_code == 201
    iid = this_year.json()["id"]
    for arrival in ("2025-06-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"):
        response = client.post(
            f"{P}/inspections/{iid}/schedule", json={"arrival": arrival}, headers=world.auth("usa")
        )
        assert response.status_code == 422, (arrival, response.text)
        assert response.json()["field"] == "arrival"
    far = client.post(
        f"{P}/inspections/{iid}/schedule",
        json={"arrival": "9999-12-31T23:59:59-23:59"},
        headers=world.auth("usa"),
    )
    assert far.status_code == 422
    ok = client.post(
        f"{P}/inspections/{iid}/schedule",
        json={"arrival": "2026-01-20T08:00:00Z"},
        headers=world.auth("usa"),
    )
    assert ok.status_code == 200 and ok.json()["state"] == "notified"
