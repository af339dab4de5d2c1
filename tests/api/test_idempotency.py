"""``Idempotency-Key``: a retried POST gets the first answer and writes nothing twice.

Without a key, the same notification POSTed twice was two log entries, and a retried
declaration got a 409 that a client could not tell from someone else's earlier declaration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from _world import NOW, World
from fastapi.testclient import TestClient

from armsctl.store.models import IdempotencyRecord

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _log_size(world: World, client: TestClient) -> int:
    return int(client.get(f"{P}/log", headers=world.auth("obs")).json()["size"])


def _post(
    world: World, client: TestClient, user: str, path: str, body: object, key: str | None
) -> tuple[int, dict[str, object], dict[str, str]]:
    headers = world.auth(user)
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    response = client.post(path, json=body, headers=headers)
    return response.status_code, response.json(), dict(response.headers)


def test_a_retried_notification_returns_the_first_answer_and_appends_once(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    body = {"kind": "idem-test", "body": {"n": 1}}
    before = _log_size(world, client)
    first = _post(world, client, "usa", f"{T}/notifications", body, "note-retry-1")
    second = _post(world, client, "usa", f"{T}/notifications", body, "note-retry-1")
    assert first[0] in (200, 201), first
    assert (second[0], second[1]) == (first[0], first[1])
    assert second[2].get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first[2]
    assert _log_size(world, client) == before + 1


def test_without_a_key_every_post_is_a_new_request(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    body = {"kind": "idem-test", "body": {"n": 2}}
    before = _log_size(world, client)
    for _ in range(2):
        assert _post(world, client, "usa", f"{T}/notifications", body, None)[0] in (200, 201)
    assert _log_size(world, client) == before + 2


def test_a_retried_declaration_gets_its_own_201_not_a_conflict(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    body = {"as_of": "2025-12-01", "figures": {"deployed-warheads": 1400}}
    first = _post(world, client, "usa", f"{T}/declarations", body, "decl-2025-12-01")
    second = _post(world, client, "usa", f"{T}/declarations", body, "decl-2025-12-01")
    assert first[0] == 201, first
    assert (second[0], second[1]) == (first[0], first[1])
    # A new request for the same date, without the key, is the genuine conflict.
    assert _post(world, client, "usa", f"{T}/declarations", body, None)[0] == 409


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    path = f"{T}/notifications"
    assert _post(world, client, "usa", path, {"kind": "idem-test", "body": {"n": 3}}, "k3")[0] in (
        200,
        201,
    )
    before = _log_size(world, client)
    status, doc, _ = _post(
        world, client, "usa", path, {"kind": "idem-test", "body": {"n": 4}}, "k3"
    )
    assert status == 422
    assert doc["field"] == "Idempotency-Key"
    assert _log_size(world, client) == before


def test_keys_are_scoped_to_the_caller(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    body = {"kind": "idem-test", "body": {"n": 5}}
    before = _log_size(world, client)
    usa = _post(world, client, "usa", f"{T}/notifications", body, "shared-key")
    rus = _post(world, client, "rus", f"{T}/notifications", body, "shared-key")
    assert usa[0] in (200, 201) and rus[0] in (200, 201)
    assert "idempotent-replayed" not in rus[2]
    assert usa[1] != rus[1]
    assert _log_size(world, client) == before + 2


@pytest.mark.parametrize(
    ("age", "words"),
    [(dt.timedelta(seconds=1), "still running"), (dt.timedelta(hours=1), "interrupted")],
)
def test_a_retry_of_a_request_that_has_not_answered_is_a_409(
    world_client: tuple[World, TestClient], age: dt.timedelta, words: str
) -> None:
    world, client = world_client
    body = {"kind": "idem-test", "body": {"n": 6}}
    key = f"pending-{age.total_seconds()}"
    caller = world.auth("usa")["Authorization"].encode()
    path = f"{T}/notifications"
    with world.db.write() as (session, _conn):
        session.add(
            IdempotencyRecord(
                scope=hashlib.sha256(b"armsctl/idempotency-scope\n" + caller).hexdigest(),
                key=key,
                # Keyed with the caller's credentials, which the store never holds.
                fingerprint=hmac.new(
                    b"armsctl/idempotency-fingerprint\n" + caller,
                    b"\n".join(
                        [path.encode(), b"", client.build_request("POST", path, json=body).content]
                    ),
                    hashlib.sha256,
                ).hexdigest(),
                status=None,
                content_type="",
                body=b"",
                created_at=NOW - age,
            )
        )
    before = _log_size(world, client)
    status, doc, _ = _post(world, client, "usa", path, body, key)
    assert status == 409, doc
    assert words in str(doc["detail"])
    assert _log_size(world, client) == before


def test_a_malformed_key_is_a_400(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    status, doc, _ = _post(world, client, "usa", f"{T}/notifications", {}, "x" * 256)
    assert status == 400
    assert doc["field"] == "Idempotency-Key"
