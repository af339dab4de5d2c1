"""Party-signed log entries: a party, not the operator, vouches for what it submits.

A request may carry ``signed_entry``: the entry the server would log for it, sealed with the
party's registered key. The server logs those bytes as they are, after checking they verify
under the party's key and say exactly what the request says. Without it the server seals the
entry (operator-attested), unless ``require_party_signatures`` is on.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from _world import (
    BACKENDS,
    LOG_KEY,
    NOW,
    PARTY_KEYS,
    World,
    build_world,
    fresh_database,
    fresh_url,
    postgres_for,
)
from fastapi.testclient import TestClient  # (imported first, warnings filtered, by conftest)

from armsctl.ledger.envelope import open_entry
from armsctl.ledger.note import SignerKey
from armsctl.server import create_app
from armsctl.service import log
from armsctl.service.entries import declaration_entry, notification_entry
from armsctl.settings import Settings

TREATY = "new-start"
DECLS = f"/api/v1/treaties/{TREATY}/declarations"
NOTES = f"/api/v1/treaties/{TREATY}/notifications"
FIGURES = {"deployed-warheads": 1400, "deployed-delivery-vehicles": 650, "total-launchers": 790}


@pytest.fixture(params=BACKENDS, scope="module")
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient, TestClient]]:
    """One world, served twice: signatures optional, and signatures required."""
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path_factory.mktemp("sig")) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        apps = [
            create_app(
                Settings(database_url=url, require_party_signatures=required),
                signer=LOG_KEY,
                clock=lambda: NOW,
                migrate=False,
            )
            for required in (False, True)
        ]
        with (
            TestClient(apps[0], raise_server_exceptions=False) as optional,
            TestClient(apps[1], raise_server_exceptions=False) as required,
        ):
            yield world, optional, required
        for app in apps:
            app.state.armsctl.db.dispose()
        db.dispose()


def _declaration(as_of: dt.date, signer: SignerKey | None = None, **change: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"as_of": as_of.isoformat(), "figures": FIGURES}
    if signer is not None:
        draft = declaration_entry(
            treaty=TREATY, party="USA", as_of=as_of, figures=FIGURES, at=NOW, **change
        )
        request["signed_entry"] = draft.seal_b64(signer)
    return request


def _size(world: World, client: TestClient) -> int:
    return int(client.get("/api/v1/log", headers=world.auth("obs")).json()["size"])


def _entry(world: World, client: TestClient, index: int) -> bytes:
    doc = client.get(f"/api/v1/log/entries/{index}", headers=world.auth("obs")).json()
    return str(doc["entry"]).encode("utf-8")


def test_a_party_signed_declaration_is_logged_as_signed_and_verifies_under_the_party_key(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    as_of = dt.date(2026, 1, 1)
    response = client.post(
        DECLS, json=_declaration(as_of, PARTY_KEYS["USA"]), headers=world.auth("usa")
    )
    assert response.status_code == 201, response.text
    data = _entry(world, client, response.json()["log_index"])
    entry = open_entry(data, trusted={"USA": PARTY_KEYS["USA"].verifier()})
    assert entry.kind == "declaration-aggregate" and entry.party == "USA"
    assert entry.body["figures"] == FIGURES and "declaration" not in entry.body
    assert data == base64.b64decode(_declaration(as_of, PARTY_KEYS["USA"])["signed_entry"])


def test_a_party_signed_notification_is_logged_as_signed(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    body = {"point_of_entry": "Moscow", "eta": "2026-02-01"}
    salt = bytes(range(32))
    draft = notification_entry(
        treaty=TREATY,
        sender="USA",
        recipient="RUS",
        kind="inspection-intent",
        body=body,
        salt=salt,
        at=NOW,
    )
    request = {
        "recipient": "RUS",
        "kind": "inspection-intent",
        "body": body,
        "body_salt": salt.hex(),
        "signed_entry": draft.seal_b64(PARTY_KEYS["USA"]),
    }
    response = client.post(NOTES, json=request, headers=world.auth("usa"))
    assert response.status_code == 201, response.text
    data = _entry(world, client, response.json()["log_index"])
    entry = open_entry(data, trusted={"USA": PARTY_KEYS["USA"].verifier()})
    assert entry.body == draft.body
    before = _size(world, client)
    replay = client.post(NOTES, json=request, headers=world.auth("usa"))
    assert replay.status_code == 409, replay.text
    assert _size(world, client) == before


def _refused(
    world: World, client: TestClient, request: dict[str, Any], status: int, path: str = DECLS
) -> dict[str, Any]:
    before = _size(world, client)
    listed = client.get(DECLS, headers=world.auth("obs")).json()["total"]
    response = client.post(path, json=request, headers=world.auth("usa"))
    assert response.status_code == status, response.text
    assert _size(world, client) == before
    assert client.get(DECLS, headers=world.auth("obs")).json()["total"] == listed
    return dict(response.json())


def test_a_tampered_signature_is_refused_naming_signed_entry_and_nothing_is_written(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    request = _declaration(dt.date(2026, 1, 2), PARTY_KEYS["USA"])
    raw = bytearray(base64.b64decode(request["signed_entry"]))
    at = raw.index(b'"sig":"') + 10
    raw[at] = ord("A") if raw[at] != ord("A") else ord("B")
    request["signed_entry"] = base64.b64encode(bytes(raw)).decode()
    assert _refused(world, client, request, 422)["field"] == "signed_entry"
    request["signed_entry"] = "bm90IGFuIGVudHJ5"  # "not an entry"
    assert _refused(world, client, request, 422)["field"] == "signed_entry"


def test_an_entry_signed_with_another_partys_key_is_forbidden(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    request = _declaration(dt.date(2026, 1, 3), PARTY_KEYS["RUS"])
    assert "registered for USA" in _refused(world, client, request, 403)["detail"]
    stranger = SignerKey.generate("USA", seed=bytes([9]) * 32)
    _refused(world, client, _declaration(dt.date(2026, 1, 3), stranger), 403)


def test_a_signed_entry_that_says_something_else_than_the_request_is_refused(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    as_of = dt.date(2026, 1, 4)
    other_figures = _declaration(as_of, PARTY_KEYS["USA"])
    other_figures["figures"] = {**FIGURES, "deployed-warheads": 1550}
    assert _refused(world, client, other_figures, 422)["field"] == "signed_entry"
    other_date = _declaration(as_of, PARTY_KEYS["USA"])
    other_date["as_of"] = "2026-01-05"
    _refused(world, client, other_date, 422)
    stale = {
        "as_of": as_of.isoformat(),
        "figures": FIGURES,
        "signed_entry": declaration_entry(
            treaty=TREATY, party="USA", as_of=as_of, figures=FIGURES, at=NOW - dt.timedelta(hours=1)
        ).seal_b64(PARTY_KEYS["USA"]),
    }
    assert "clock" in _refused(world, client, stale, 422)["detail"]
    salt = bytes(32)
    rus_note = notification_entry(
        treaty=TREATY,
        sender="USA",
        recipient="RUS",
        kind="status-change",
        body={},
        salt=salt,
        at=NOW,
    )
    to_nobody = {
        "kind": "status-change",
        "body_salt": salt.hex(),
        "signed_entry": rus_note.seal_b64(PARTY_KEYS["USA"]),
    }
    assert _refused(world, client, to_nobody, 422, path=NOTES)["field"] == "signed_entry"
    other_salt = {**to_nobody, "recipient": "RUS", "body_salt": "11" * 32}
    assert _refused(world, client, other_salt, 422, path=NOTES)["field"] == "signed_entry"
    no_salt = {k: v for k, v in to_nobody.items() if k != "body_salt"} | {"recipient": "RUS"}
    assert _refused(world, client, no_salt, 422, path=NOTES)["field"] == "body_salt"


def test_required_signatures_refuse_an_unsigned_submission_and_accept_a_signed_one(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, _, required = servers
    refused = _refused(world, required, _declaration(dt.date(2026, 1, 6)), 422)
    assert refused["field"] == "signed_entry"
    _refused(world, required, {"recipient": "RUS", "kind": "status-change"}, 422, path=NOTES)
    response = required.post(
        DECLS, json=_declaration(dt.date(2026, 1, 6), PARTY_KEYS["USA"]), headers=world.auth("usa")
    )
    assert response.status_code == 201, response.text


def test_optional_signatures_let_the_operator_seal_an_unsigned_submission_and_say_so(
    servers: tuple[World, TestClient, TestClient],
) -> None:
    world, client, _ = servers
    response = client.post(DECLS, json=_declaration(dt.date(2026, 1, 7)), headers=world.auth("usa"))
    assert response.status_code == 201, response.text
    entry = open_entry(_entry(world, client, response.json()["log_index"]))
    assert entry.key == LOG_KEY.verifier()
    assert entry.body["declaration"] == response.json()["id"]
    audit = client.get("/api/v1/log/audit", headers=world.auth("op")).json()
    assert audit["ok"], audit
    assert audit["party_signed"] >= 1 and audit["operator_sealed"] >= 1


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_audit_names_an_entry_signed_by_a_key_not_registered_for_its_party(
    kind: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        try:
            build_world(db, with_inspection=False)
            assert log.audit_log(db).ok
            stranger = SignerKey.generate("USA", seed=bytes([7]) * 32)
            data = declaration_entry(
                treaty=TREATY, party="USA", as_of=dt.date(2026, 1, 8), figures=FIGURES, at=NOW
            ).seal(stranger)
            with db.write() as (_session, conn):
                index = db.ledger.append(conn, [data]).first_index
            report = log.audit_log(db)
            assert not report.ok
            assert report.problems[-1].startswith(f"entry {index}: signed by neither")
        finally:
            db.dispose()
