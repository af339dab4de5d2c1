"""Encryption at rest: the database file holds nothing the treaty keeps confidential in clear.

Every item row the server persists is sealed to its owner's registered X25519 key, whichever
path submitted it (items in clear through the API, or sealed in the party's client); a
notification body, an inspection's site and findings and the items revealed to a team are
sealed to the parties entitled to them, with their salts. A raw read of the SQLite file after
the API flows finds no item uid, facility or attribute value, body value, site or finding;
each party's key opens its own copies, and a party without a registered key cannot have its
items taken in clear.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _world import (
    LOG_KEY,
    NOW,
    PARTY_KEYS,
    SEALING_KEYS,
    World,
    build_world,
    fresh_database,
    open_items,
    opened,
)
from fastapi.testclient import TestClient  # (imported first, warnings filtered, by conftest)

from armsctl.api import Settings
from armsctl.errors import IntegrityError
from armsctl.ledger.sealing import open_rows, open_value
from armsctl.server import create_app
from armsctl.service import accounts
from armsctl.service.entries import content_commitment

P = "/api/v1"
T = f"{P}/treaties/new-start"
CLEAR_ITEMS = [
    {
        "uid": f"CLEAR-UID-{i}",
        "category": "icbm-launcher",
        "status": "deployed",
        "facility": "Clear-Facility-North" if i < 2 else "Clear-Facility-South",
        "warheads": 1,
        "serial_note": f"attribute-value-{i}",
    }
    for i in range(4)
]
FINDINGS = [{"result": "discrepancy-found-at-depot"}]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient, Path]]:
    folder = tmp_path_factory.mktemp("at-rest")
    url = f"sqlite:///{folder / 'store.db'}"
    db = fresh_database(url)
    world = build_world(db)
    app = create_app(
        Settings(database_url=url, require_party_signatures=False),
        signer=LOG_KEY,
        clock=lambda: NOW,
        migrate=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        # Items in clear through the API: the server commits, then keeps them sealed only.
        submitted = client.post(
            f"{T}/declarations/items",
            json={"as_of": "2025-10-01", "items": CLEAR_ITEMS},
            headers=world.auth("usa"),
        )
        assert submitted.status_code == 201, submitted.text
        world.ids["clear-decl"] = submitted.json()["id"]
        # A notification sent with an Idempotency-Key: the kept answer is no clear copy.
        kept = client.post(
            f"{T}/notifications",
            json={"recipient": "RUS", "kind": "idem", "body": {"text": "kept-answer-secret"}},
            headers={**world.auth("usa"), "Idempotency-Key": "at-rest-1"},
        )
        assert kept.status_code == 201, kept.text
        again = client.post(
            f"{T}/notifications",
            json={"recipient": "RUS", "kind": "idem", "body": {"text": "kept-answer-secret"}},
            headers={**world.auth("usa"), "Idempotency-Key": "at-rest-1"},
        )
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json() == kept.json()
        reported = client.post(
            f"{P}/inspections/{world.ids['insp-by-USA']}/report",
            json={"findings": FINDINGS},
            headers=world.auth("usa-insp"),
        )
        assert reported.status_code == 200, reported.text
        yield world, client, folder
    app.state.armsctl.db.dispose()
    db.dispose()


def _raw(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.glob("store.db*") if p.is_file())


def test_the_raw_database_file_holds_no_confidential_value_in_clear(
    store: tuple[World, TestClient, Path],
) -> None:
    world, _client, folder = store
    world.db.engine.dispose()  # flush nothing pending; read the file as a thief would
    raw = _raw(folder)
    secrets = [
        *(i["uid"] for i in CLEAR_ITEMS),
        "Clear-Facility-North",
        "Clear-Facility-South",
        *(i["serial_note"] for i in CLEAR_ITEMS),
        "SECRET-USA-0001",
        "SECRET-RUS-0002",
        "USA-base-1",
        "RUS-base-1",
        "RUS-base-2",
        "private note from USA",
        "discrepancy-found-at-depot",
        "kept-answer-secret",
    ]
    for secret in secrets:
        assert secret.encode() not in raw, secret
    assert not re.search(rb'"(facility|uid|warheads)": ?"?', raw)


def test_each_party_opens_its_own_copies_and_only_those(
    store: tuple[World, TestClient, Path],
) -> None:
    world, client, _folder = store
    opening = open_items(world.db, world.ids["clear-decl"], "USA")
    assert sorted(r["item"]["uid"] for r in opening["items"]) == sorted(
        i["uid"] for i in CLEAR_ITEMS
    )
    assert {r["item"]["serial_note"] for r in opening["items"]} == {
        i["serial_note"] for i in CLEAR_ITEMS
    }
    rows = client.get(
        f"{P}/declarations/{world.ids['clear-decl']}/items", headers=world.auth("usa")
    ).json()["results"]
    sealed = {
        **rows[0]["sealed"],
        "rows": [{"index": r["index"], "ciphertext": r["ciphertext"]} for r in rows],
    }
    with pytest.raises(IntegrityError, match="does not open"):
        open_rows(
            sealed, key=SEALING_KEYS["RUS"], party="USA", treaty="new-start", date="2025-10-01"
        )
    insp = world.ids["insp-by-USA"]
    view = client.get(f"{P}/inspections/{insp}", headers=world.auth("rus")).json()
    findings = opened(view["sealed_findings"], "RUS")
    assert findings["value"] == FINDINGS
    assert view["findings_commitment"] == content_commitment(
        bytes.fromhex(findings["salt"]), FINDINGS
    )
    # A reader is served its own wrapped key only, and another party's key opens nothing.
    assert set(view["sealed_site"]["keys"]) == {"RUS"}
    with pytest.raises(IntegrityError, match="no key for USA"):
        open_value(view["sealed_site"], reader="USA", key=SEALING_KEYS["USA"])
    with pytest.raises(IntegrityError, match="does not open"):
        open_value(view["sealed_site"], reader="RUS", key=SEALING_KEYS["USA"])
    # The team of the inspection still in progress (RUS inspects USA) opens the reveal with
    # its party's key.
    in_progress = world.ids["insp-by-RUS"]
    reveals = client.get(
        f"{P}/inspections/{in_progress}/reveals", headers=world.auth("rus-insp")
    ).json()
    document = opened(reveals["results"][0]["sealed_reveal"], "RUS")["value"]
    assert {r["item"]["uid"] for r in document["items"]} == {"SECRET-USA-0001"}
    assert reveals["results"][0]["reveal"] is None


def test_a_sealed_value_moved_to_another_row_does_not_open(
    store: tuple[World, TestClient, Path],
) -> None:
    world, client, _folder = store
    note = client.get(f"{T}/notifications", headers=world.auth("rus")).json()["results"][0]
    sealed: dict[str, Any] = dict(note["sealed_body"])
    moved = {**sealed, "context": {**sealed["context"], "notification": 999}}
    with pytest.raises(IntegrityError, match="does not open"):
        opened(moved, "RUS")
    with pytest.raises(IntegrityError, match="another context"):
        open_value(sealed, reader="RUS", key=SEALING_KEYS["RUS"], context={"kind": "x"})


def test_items_in_clear_are_refused_for_a_party_without_an_encryption_key(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'nokey.db'}"
    db = fresh_database(url)
    accounts.load_treaty(db, "new-start", at=NOW)
    accounts.register_party(
        db, treaty="new-start", code="USA", name="USA", key=str(PARTY_KEYS["USA"].verifier()),
        at=NOW,
    )  # fmt: skip
    accounts.add_user(db, name="usa", role="party", treaty="new-start", party="USA", at=NOW)
    issued = accounts.issue_token(db, user="usa", at=NOW, days=5, rng=os.urandom)
    app = create_app(
        Settings(database_url=url, require_party_signatures=False),
        signer=LOG_KEY,
        clock=lambda: NOW,
        migrate=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            f"{T}/declarations/items",
            json={"as_of": "2025-10-01", "items": CLEAR_ITEMS},
            headers={"Authorization": f"Bearer {issued.token}"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "encryption_key"
        assert "--seal-to" in response.text
        listed = client.get(
            f"{T}/declarations", headers={"Authorization": f"Bearer {issued.token}"}
        )
        assert listed.json()["total"] == 0
    app.state.armsctl.db.dispose()
    db.dispose()
