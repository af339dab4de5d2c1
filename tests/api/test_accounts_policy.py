"""Credentials, acknowledgements and paging as the parties can check them.

The operator bootstraps a party (its first user and token) and manages users of no party; it
never mints a credential for an existing party, whose own users issue them. Every account
change is in the log (no secret, no hash) and in the audit trail. A broadcast is acknowledged
by each recipient on its own; lists are paged with an explicit next offset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _world import LOG_KEY, PARTY_KEYS, World, build_world, fresh_database
from fastapi.testclient import TestClient

from armsctl.ledger.envelope import open_entry
from armsctl.ledger.note import SignerKey
from armsctl.service.log import audit_log

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _entries(world: World, client: TestClient, since: int) -> list[dict[str, Any]]:
    size = client.get(f"{P}/log", headers=world.auth("obs")).json()["size"]
    return [
        json.loads(client.get(f"{P}/log/entries/{i}", headers=world.auth("obs")).json()["entry"])
        for i in range(since, size)
    ]


def test_a_party_issues_its_own_credentials_and_every_change_is_logged_and_audited(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    since = client.get(f"{P}/log", headers=world.auth("obs")).json()["size"]
    usa = world.auth("usa")
    added = client.post(
        f"{P}/users",
        json={"name": "usa-team-7", "role": "inspector", "treaty": "new-start", "party": "USA"},
        headers=usa,
    )
    assert added.status_code == 201, added.text
    issued = client.post(f"{P}/users/usa-team-7/tokens", json={"days": 5}, headers=usa)
    assert issued.status_code == 201
    token, token_id = issued.json()["token"], issued.json()["token_id"]
    me = client.get(f"{P}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "inspector" and me["party"] == "USA"
    assert client.delete(f"{P}/tokens/{token_id}", headers=usa).status_code == 200
    # RUS may not touch USA's users or tokens; the operator may not mint USA credentials.
    for user, method, path, body in (
        ("rus", "POST", f"{P}/users/usa-team-7/tokens", {"days": 1}),
        ("op", "POST", f"{P}/users/usa-team-7/tokens", {"days": 1}),
        ("op", "POST", f"{P}/users/usa/tokens", {"days": 1}),
        (
            "op",
            "POST",
            f"{P}/users",
            {"name": "fake", "role": "party", "treaty": "new-start", "party": "RUS"},
        ),
        ("rus", "DELETE", f"{P}/tokens/{token_id}", None),
    ):
        response = client.request(method, path, json=body, headers=world.auth(user))
        assert response.status_code == 403, (user, path, response.text)
    entries = _entries(world, client, since)
    kinds = [(e["kind"], e["party"]) for e in entries]
    assert kinds == [("user-added", "USA"), ("token-issued", "USA"), ("token-revoked", "USA")]
    issued_entry = entries[1]["body"]
    assert issued_entry["token_id"] == token_id and issued_entry["by"] == "usa"
    assert issued_entry["user"] == "usa-team-7" and issued_entry["role"] == "inspector"
    secret = token.split("_", 2)[2]
    assert all(secret not in json.dumps(e) for e in entries)
    events = client.get(f"{P}/audit-events?limit=50", headers=world.auth("op")).json()["results"]
    changed = {(e["user"], e["action"]) for e in events if e["outcome"] == "changed"}
    assert {("usa", "user.add"), ("usa", "token.issue"), ("usa", "token.revoke")} <= changed
    # A party lists only its own users and tokens.
    users = client.get(f"{P}/users?limit=500", headers=world.auth("rus")).json()["results"]
    assert users and all(u["party"] == "RUS" for u in users)
    tokens = client.get(f"{P}/tokens?limit=500", headers=world.auth("rus")).json()["results"]
    assert tokens and all(t["user"] in {"rus", "rus-insp"} for t in tokens)
    assert audit_log(world.db).ok


def test_the_operator_bootstraps_a_party_with_its_first_user_and_token(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    op = world.auth("op")
    assert client.post(f"{P}/treaties", json={"id": "inf"}, headers=op).status_code == 201
    key = str(PARTY_KEYS["USA"].verifier())
    response = client.post(
        f"{P}/treaties/inf/parties",
        json={"code": "USA", "name": "USA", "key": key, "first_user": "usa-inf"},
        headers=op,
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]["token"]
    me = client.get(f"{P}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["name"], me["role"], me["party"], me["treaty"]) == ("usa-inf", "party", "USA", "inf")
    log = _entries(world, client, 0)
    assert [e["kind"] for e in log if e["treaty"] == "inf"][-3:] == [
        "party-registered",
        "user-added",
        "token-issued",
    ]


def test_a_broadcast_is_acknowledged_once_per_recipient_and_audited(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    sent = client.post(
        f"{T}/notifications", json={"kind": "six-monthly-update"}, headers=world.auth("usa")
    ).json()
    ack = f"{P}/notifications/{sent['id']}/acknowledge"
    assert client.post(ack, headers=world.auth("usa")).status_code == 403  # the sender
    first = client.post(ack, headers=world.auth("rus"))
    assert first.status_code == 200, first.text
    assert first.json()["acknowledgements"] == {"RUS": first.json()["acknowledged_at"]}
    assert client.post(ack, headers=world.auth("rus")).status_code == 409
    listed = client.get(f"{T}/notifications?limit=500", headers=world.auth("usa")).json()
    row = next(n for n in listed["results"] if n["id"] == sent["id"])
    assert set(row["acknowledgements"]) == {"RUS"}
    events = client.get(f"{P}/audit-events?limit=20", headers=world.auth("op")).json()["results"]
    assert any(e["action"] == "notification.acknowledge" and e["user"] == "rus" for e in events)


def test_every_list_is_paged_with_an_explicit_next_offset(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    obs, op = world.auth("obs"), world.auth("op")
    for path, headers in (
        (f"{P}/treaties", obs),
        (f"{T}/parties", obs),
        (f"{T}/quotas", obs),
        (f"{P}/tokens", op),
        (f"{P}/users", op),
    ):
        page = client.get(f"{path}?limit=1", headers=headers).json()
        assert page["limit"] == 1 and len(page["results"]) == 1, path
        # How many treaties the shared world holds depends on which tests ran before.
        assert page["next_offset"] == (1 if page["total"] > 1 else None), path
        last = client.get(f"{path}?limit=1&offset={page['total'] - 1}", headers=headers).json()
        assert last["next_offset"] is None, path
    reveals = client.get(
        f"{P}/inspections/{world.ids['insp-by-RUS']}/reveals?limit=1", headers=world.auth("usa")
    ).json()
    assert reveals["total"] == 1 and reveals["next_offset"] is None
    view = client.get(f"{T}/transparency?limit=1", headers=obs).json()
    assert len(view["declarations"]) == 1
    assert view["declarations_page"]["next_offset"] == 1
    too_big = client.get(f"{T}/declarations?limit=501", headers=obs)  # max_page is 500
    assert too_big.status_code == 422 and too_big.json()["field"] == "limit"


def test_the_log_audit_checks_each_entry_against_trusted_keys(tmp_path: Path) -> None:
    db = fresh_database(f"sqlite:///{tmp_path / 'world.db'}")
    build_world(db)
    # Every party-authored entry of the world is signed by its party, the rest by the log key.
    report = audit_log(db)
    assert report.ok, report.problems
    with db.read() as session:
        conn = session.connection()
        kinds = {}
        for i in range(db.ledger.size(conn)):
            entry = open_entry(db.ledger.entry(conn, i))
            kinds[i] = (entry.kind, entry.key.public_key == LOG_KEY.verifier().public_key)
    party_kinds = {
        "declaration-items",
        "notification",
        "inspection-requested",
        "inspection-notified",
        "inspection-started",
        "items-revealed",
    }
    assert all(not by_log for kind, by_log in kinds.values() if kind in party_kinds), kinds
    assert report.party_signed >= sum(1 for k, _ in kinds.values() if k in party_kinds)
    other = SignerKey.generate("someone-else", seed=bytes([9]) * 32).verifier()
    with db.read() as session:
        conn = session.connection()
        every = {"server": LOG_KEY.verifier(), "USA": LOG_KEY.verifier(), "RUS": LOG_KEY.verifier()}
        wrong = db.ledger.audit(conn, log_key=LOG_KEY.verifier(), trusted={**every, "USA": other})
    db.dispose()
    assert not wrong.ok
    assert "not the key registered for party USA" in wrong.problems[0]
