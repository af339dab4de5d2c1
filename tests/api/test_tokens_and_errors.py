"""Tokens (wrong, expired, revoked: 401; constant-time; never logged) and the error contract."""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from _world import NOW, World
from fastapi.testclient import TestClient

from armsctl.service import accounts

P = "/api/v1"


def test_missing_wrong_expired_and_revoked_tokens_get_401(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    db = world.db
    short = accounts.issue_token(
        db, user="obs", at=NOW - dt.timedelta(days=2), days=1, rng=os.urandom
    )
    revoked = accounts.issue_token(db, user="obs", at=NOW, rng=os.urandom)
    accounts.revoke_token(db, token_id=revoked.token_id, at=NOW)
    good = world.tokens["obs"]
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    cases = {
        "missing": {},
        "not bearer": {"Authorization": f"Basic {good}"},
        "garbage": {"Authorization": "Bearer x"},
        "tampered": {"Authorization": f"Bearer {tampered}"},
        "expired": {"Authorization": f"Bearer {short.token}"},
        "revoked": {"Authorization": f"Bearer {revoked.token}"},
    }
    for name, headers in cases.items():
        response = client.get(f"{P}/me", headers=headers)
        assert response.status_code == 401, name
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get(f"{P}/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_token_hashes_are_compared_in_constant_time(
    world_client: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = world_client
    calls: list[tuple[bytes, bytes]] = []
    real = accounts.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(accounts.hmac, "compare_digest", spy)
    assert accounts.authenticate(world.db, world.tokens["obs"], at=NOW) is not None
    assert accounts.authenticate(world.db, "armsctl_0000000000000000_" + "A" * 43, at=NOW) is None
    assert len(calls) == 2


def test_no_token_appears_in_logs_or_in_the_database(
    world_client: tuple[World, TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    world, client = world_client
    caplog.set_level(logging.DEBUG)
    token = world.tokens["usa"]
    client.get(f"{P}/declarations/1/items", headers=world.auth("usa"))
    client.get(f"{P}/audit-events", headers=world.auth("usa"))
    client.post(f"{P}/users", json={"name": "!"}, headers=world.auth("op"))
    assert token not in caplog.text
    secret = token.split("_", 2)[2]
    with world.db.read() as session:
        for table in ("api_tokens", "audit_events", "ledger_entries"):
            rows = session.connection().exec_driver_sql(f"SELECT * FROM {table}").all()
            assert secret not in repr(rows) and secret.encode() not in repr(rows).encode()


def test_errors_are_json_with_the_right_status(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    usa = world.auth("usa")
    decl = f"{P}/treaties/new-start/declarations"
    cases = [
        (
            client.post(
                decl, content=b"{not json", headers={**usa, "content-type": "application/json"}
            ),
            400,
            None,
        ),
        (client.post(decl, json={"as_of": "2025-13-01", "figures": {}}, headers=usa), 422, "as_of"),
        (
            client.post(decl, json={"as_of": "2025-01-01", "figures": {"nope": 1}}, headers=usa),
            422,
            "nope",
        ),
        (client.get(f"{P}/declarations/999999", headers=usa), 404, None),
        (client.get(f"{P}/treaties/unknown/declarations", headers=usa), 404, None),
        (client.post(decl, content=b"x" * (70 * 1024), headers=usa), 413, None),
        (
            client.get(f"{P}/treaties/new-start/declarations?limit=100000", headers=usa),
            422,
            "limit",
        ),
        # Hostile bodies: deep nesting, non-string fields, huge numbers, 1e400.
        (
            client.post(
                f"{P}/treaties/new-start/notifications",
                content=b'{"kind":"x","body":{"a":' + b"[" * 900 + b"]" * 900 + b"}}",
                headers={**usa, "content-type": "application/json"},
            ),
            422,
            "body",
        ),
        (
            client.post(
                f"{P}/treaties/new-start/notifications",
                content=b'{"kind":"x","body":{"a":1e400}}',
                headers={**usa, "content-type": "application/json"},
            ),
            422,
            "body",
        ),
        (
            client.post(
                f"{P}/treaties/new-start/notifications",
                json={"kind": "x", "body": {"a": 10**40}},
                headers=usa,
            ),
            422,
            "body",
        ),
        (
            client.post(
                f"{decl}/items",
                json={
                    "as_of": "2025-10-09",
                    "items": [
                        {
                            "uid": "Z",
                            "category": "icbm-launcher",
                            "status": "deployed",
                            "facility": "f",
                            "zone": ["x"],
                        }
                    ],
                },
                headers=usa,
            ),
            422,
            "items.0.zone",
        ),
    ]
    for response, status, field in cases:
        doc = response.json()
        assert response.status_code == status, (status, doc)
        assert set(doc) == {"error", "detail", "field"}
        assert doc["field"] == field, doc


def test_a_declaration_twice_is_a_conflict_and_lists_paginate(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    decl = f"{P}/treaties/new-start/declarations"
    body = {"as_of": "2020-02-05", "figures": {"deployed-warheads": 1500}}
    assert client.post(decl, json=body, headers=world.auth("rus")).status_code == 201
    second = client.post(decl, json=body, headers=world.auth("rus"))
    assert second.status_code == 409 and second.json()["error"] == "conflict"
    page = client.get(f"{decl}?limit=1&offset=1", headers=world.auth("obs")).json()
    assert page["limit"] == 1 and page["offset"] == 1 and len(page["results"]) == 1
    assert page["total"] >= 3
