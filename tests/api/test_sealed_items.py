"""Items sealed to their party: the server checks what it can and stores what it cannot read.

A party's client commits, computes the component figures, seals every row to the party's own
key and signs the entry (``declarations.seal_items``). The server checks the figures against the
commitment's public counts, refuses anything inconsistent (422 naming the field, nothing
written), serves the ciphertext to the owner only, and accepts an inspection's reveal only as
the owner's client builds it: verified against the commitment and complete.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from _world import LOG_KEY, NOW, PARTY_KEYS, World, build_world, fresh_database, fresh_url
from fastapi.testclient import TestClient  # (imported first, warnings filtered, by conftest)

from armsctl.errors import InputError
from armsctl.ledger.escrow import reveal_items
from armsctl.ledger.sealing import SealingKey, open_private, open_rows
from armsctl.server import create_app
from armsctl.service import allow_all, declarations, inspections
from armsctl.service._base import LOCAL
from armsctl.service.entries import inspection_request_entry
from armsctl.settings import Settings
from armsctl.treaty.loader import load_treaty

T = "/api/v1/treaties/new-start"
KEY = SealingKey.generate(bytes([5]) * 32)
ITEMS = [
    {
        "uid": f"SEALED-{i}",
        "category": "icbm-launcher" if i % 2 else "heavy-bomber",
        "status": "deployed",
        "facility": "Hidden-Base" if i < 3 else "Other-Base",
        "warheads": 1,
    }
    for i in range(5)
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    with fresh_url("sqlite", None, tmp_path_factory.mktemp("sealed")) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        app = create_app(
            Settings(database_url=url), signer=LOG_KEY, clock=lambda: NOW, migrate=False
        )
        with TestClient(app, raise_server_exceptions=False) as client:
            yield world, client
        app.state.armsctl.db.dispose()
        db.dispose()


def _body(as_of: dt.date) -> dict[str, Any]:
    import os

    return {
        "as_of": as_of.isoformat(),
        **declarations.seal_items(
            PARTY_KEYS["USA"],
            KEY.public(),
            declarations.ClientItems(
                treaty=load_treaty("new-start"), party="USA", as_of=as_of, items=ITEMS, at=NOW
            ),
            rng=os.urandom,
        ),
    }


def test_an_inconsistent_sealed_submission_is_refused_naming_the_field(
    served: tuple[World, TestClient],
) -> None:
    world, client = served
    body = _body(dt.date(2025, 10, 1))
    for change, field in (
        (lambda b: b["components"].update({"icbm-launcher/deployed": 9}), "components"),
        (lambda b: b["sealed"]["rows"].pop(), "sealed.rows"),
        (lambda b: b["commitment"].update({"party": "RUS"}), "commitment.party"),
        (lambda b: b.update({"items": ITEMS}), "sealed"),
    ):
        bad = copy.deepcopy(body)
        change(bad)
        response = client.post(f"{T}/declarations/items", json=bad, headers=world.auth("usa"))
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field, response.text
    listed = client.get(f"{T}/declarations?party=USA", headers=world.auth("obs")).json()
    assert all(d["as_of"] != "2025-10-01" for d in listed["results"])


def test_the_owner_reads_its_sealed_items_back_and_reveals_a_site_completely(
    served: tuple[World, TestClient],
) -> None:
    world, client = served
    response = client.post(
        f"{T}/declarations/items", json=_body(dt.date(2025, 11, 1)), headers=world.auth("usa")
    )
    assert response.status_code == 201, response.text
    decl = response.json()
    assert decl["figures"]["deployed-warheads"] == 5
    path = f"/api/v1/declarations/{decl['id']}/items?limit=500"
    assert client.get(path, headers=world.auth("rus")).status_code == 403
    rows = client.get(path, headers=world.auth("usa")).json()["results"]
    assert "SEALED-" not in str(rows) and "Hidden-Base" not in str(rows)
    sealed = {
        **rows[0]["sealed"],
        "rows": [{"index": r["index"], "ciphertext": r["ciphertext"]} for r in rows],
    }
    context = {"party": "USA", "treaty": "new-start", "date": "2025-11-01"}
    opening = {
        "public": decl["commitment"],
        "items": open_rows(sealed, key=KEY, **context),
        **open_private(sealed, key=KEY, **context),
    }
    assert sorted(r["item"]["uid"] for r in opening["items"]) == sorted(i["uid"] for i in ITEMS)
    # RUS inspects Hidden-Base; USA's client builds the reveal, the server checks it.
    insp = client.post(
        f"{T}/inspections",
        json={
            "inspected_party": "USA",
            "type": "type-one",
            "site": "Hidden-Base",
            "inspectors": ["rus-insp"],
        },
        headers=world.auth("rus"),
    )
    assert insp.status_code == 422  # signatures are required: RUS signs its request
    salt = bytes([3]) * 32
    signed = inspection_request_entry(
        treaty="new-start",
        inspecting="RUS",
        inspected="USA",
        quota_id="type-one",
        year=NOW.year,
        site_commitment=inspections.site_commitment(salt, "Hidden-Base"),
        at=NOW,
    ).seal_b64(PARTY_KEYS["RUS"])
    insp = client.post(
        f"{T}/inspections",
        json={
            "inspected_party": "USA",
            "type": "type-one",
            "site": "Hidden-Base",
            "inspectors": ["rus-insp"],
            "site_salt": salt.hex(),
            "signed_entry": signed,
        },
        headers=world.auth("rus"),
    )
    assert insp.status_code == 201, insp.text
    iid = insp.json()["id"]
    # The steps go through the service (unsigned, as the local operator), to reach the reveal.
    inspections.schedule_inspection(
        world.db, LOCAL, inspection_id=iid, arrival=NOW, allow=allow_all, at=NOW
    )
    inspections.start_inspection(world.db, LOCAL, inspection_id=iid, allow=allow_all, at=NOW)
    with pytest.raises(InputError, match="sends the site's reveal"):
        inspections.reveal_site(
            world.db, LOCAL, inspection_id=iid, declaration_id=decl["id"], allow=allow_all, at=NOW
        )
    whole = reveal_items(opening, facility="Hidden-Base")
    withheld = copy.deepcopy(whole)
    withheld["items"].pop()
    with pytest.raises(InputError, match="does not verify"):
        inspections.reveal_site(
            world.db, LOCAL, inspection_id=iid, declaration_id=decl["id"], allow=allow_all, at=NOW,
            reveal=withheld,
        )  # fmt: skip
    elsewhere = reveal_items(opening, facility="Other-Base")
    with pytest.raises(InputError, match="not the reveal of the inspected site"):
        inspections.reveal_site(
            world.db, LOCAL, inspection_id=iid, declaration_id=decl["id"], allow=allow_all, at=NOW,
            reveal=elsewhere, site_salt=salt.hex(),
        )  # fmt: skip
    done = inspections.reveal_site(
        world.db, LOCAL, inspection_id=iid, declaration_id=decl["id"], allow=allow_all, at=NOW,
        reveal=whole, site_salt=salt.hex(),
    )  # fmt: skip
    assert done.verified == 3 and done.complete is True
