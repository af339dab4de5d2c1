"""One upload is one transaction: every declaration of a file is stored and logged, or none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from _world import BACKENDS, NOW, build_world, counter_rng, fresh_database, fresh_url, postgres_for

from armsctl.errors import DeclarationError
from armsctl.service import Database, Listing, accounts, allow_all, declarations
from armsctl.service._base import AccessDenied, ConflictError
from armsctl.service.declarations import Submission

FIGURES = {"deployed-warheads": 1400, "deployed-delivery-vehicles": 600}


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Database, Any]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        w = build_world(db, with_inspection=False)
        actor = accounts.authenticate(db, w.tokens["usa"], at=NOW)
        yield db, actor
        db.dispose()


def _state(db: Database) -> tuple[int, int, list[tuple[str, str]]]:
    """The number of declarations and of log entries, and the dates declared."""
    listed = declarations.list_declarations(db, Listing("new-start", limit=500))
    with db.engine.connect() as conn:
        size = db.ledger.size(conn)
    return listed.total, size, sorted((d.party, d.as_of) for d in listed.results)


def _submit(
    db: Database, actor: Any, subs: list[Submission], **kw: Any
) -> list[declarations.DeclarationPublic]:
    return declarations.submit_declarations(
        db,
        actor,
        treaty="new-start",
        submissions=subs,
        allow=allow_all,
        rng=counter_rng(99),
        at=NOW,
        **kw,
    )


def test_a_file_whose_second_date_is_declared_stores_and_logs_nothing(world) -> None:
    db, actor = world
    before = _state(db)
    subs = [
        Submission("USA", dt.date(2025, 3, 1), FIGURES),
        Submission("USA", dt.date(2025, 9, 1), FIGURES),  # declared by the world already
    ]
    with pytest.raises(ConflictError, match="USA already declared as of 2025-09-01"):
        _submit(db, actor, subs)
    assert _state(db) == before


def test_a_file_with_a_bad_item_in_its_second_declaration_stores_nothing(world) -> None:
    db, actor = world
    before = _state(db)
    item = {"uid": "A-1", "category": "icbm-launcher", "status": "deployed", "facility": "F1"}
    subs = [
        Submission("USA", dt.date(2024, 3, 1), FIGURES),
        Submission(
            "USA", dt.date(2024, 9, 1), items=[item, {**item, "uid": "A-2", "category": "nope"}]
        ),
    ]
    with pytest.raises(DeclarationError, match="unknown category 'nope'"):
        _submit(db, actor, subs)
    assert _state(db) == before


def test_a_file_with_another_partys_declaration_is_refused_whole(world) -> None:
    db, actor = world
    before = _state(db)
    subs = [
        Submission("USA", dt.date(2024, 3, 1), FIGURES),
        Submission("RUS", dt.date(2024, 3, 1), FIGURES),
    ]

    def only_usa(resource: Any) -> None:
        if resource.owner != actor.party_id:
            raise AccessDenied("a party declares only its own party")

    with pytest.raises(AccessDenied):
        declarations.submit_declarations(
            db,
            actor,
            treaty="new-start",
            submissions=subs,
            allow=only_usa,
            rng=counter_rng(),
            at=NOW,
        )
    assert _state(db) == before


def test_a_clean_file_stores_and_logs_every_declaration(world) -> None:
    db, actor = world
    total, size, _ = _state(db)
    item = {"uid": "A-1", "category": "icbm-launcher", "status": "deployed", "facility": "F1"}
    rows = _submit(
        db,
        actor,
        [
            Submission("USA", dt.date(2024, 3, 1), FIGURES),
            Submission("USA", dt.date(2024, 9, 1), items=[item]),
        ],
    )
    assert [r.kind for r in rows] == ["aggregate", "items"]
    assert [r.log_index for r in rows] == [size, size + 1]
    assert _state(db)[:2] == (total + 2, size + 2)


def test_the_same_date_twice_in_one_file_is_refused(world) -> None:
    db, actor = world
    before = _state(db)
    subs = [Submission("USA", dt.date(2024, 3, 1), FIGURES)] * 2
    with pytest.raises(DeclarationError, match="declared twice in the upload"):
        _submit(db, actor, subs)
    assert _state(db) == before


# --- the API's file submission ------------------------------------------------------------------

P = "/api/v1"


def _post_file(client: Any, world: Any, text: str, query: str = "") -> Any:
    return client.post(
        f"{P}/treaties/new-start/declarations/file{query}",
        content=text.encode(),
        headers={**world.auth("usa"), "Content-Type": "text/csv"},
    )


def _api_state(client: Any, world: Any) -> tuple[int, int]:
    listed = client.get(f"{P}/treaties/new-start/declarations?limit=1", headers=world.auth("obs"))
    size = client.get(f"{P}/log", headers=world.auth("obs")).json()["size"]
    return listed.json()["total"], size


def test_api_file_whose_second_date_is_declared_changes_nothing(world_client) -> None:
    world, client = world_client
    before = _api_state(client, world)
    text = (
        "party,as_of,measure,value\n"
        "USA,2023-03-01,deployed-warheads,1400\n"
        "USA,2025-09-01,deployed-warheads,1400\n"
    )
    r = _post_file(client, world, text)
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "conflict" and "2025-09-01" in r.json()["detail"]
    assert _api_state(client, world) == before


def test_api_file_with_a_bad_line_names_it(world_client) -> None:
    world, client = world_client
    before = _api_state(client, world)
    text = (
        "party,as_of,measure,value\n"
        "USA,2023-03-01,deployed-warheads,1400\n"
        "USA,2023-09-01,deployed-warheads,many\n"
    )
    r = _post_file(client, world, text)
    assert r.status_code == 422
    body = r.json()
    assert (
        body["field"] == "line 3"
        and "upload.csv:line 3: value: 'many' is not a number" in (body["detail"])
    )
    assert _api_state(client, world) == before


def test_api_file_after_expiry_is_refused_unless_recording_history(world_client) -> None:
    world, client = world_client
    before = _api_state(client, world)
    text = "party,as_of,measure,value\nUSA,2026-03-01,deployed-warheads,1400\n"
    r = _post_file(client, world, text)
    assert r.status_code == 422 and r.json()["field"] == "as_of"
    assert "expired after its extension on 2026-02-05" in r.json()["detail"]
    assert _api_state(client, world) == before
    r = _post_file(client, world, text, "?recording_history=true")
    assert r.status_code == 201, r.text
    index = r.json()["results"][0]["log_index"]
    entry = client.get(f"{P}/log/entries/{index}", headers=world.auth("obs")).json()["entry"]
    assert '"recording_history":true' in entry


def test_api_file_with_two_dates_is_one_submission(world_client) -> None:
    world, client = world_client
    total, size = _api_state(client, world)
    text = (
        "party,as_of,uid,category,status,facility,warheads\n"
        "USA,2022-03-01,U-1,icbm-launcher,deployed,F1,1\n"
        "USA,2022-09-01,U-1,icbm-launcher,deployed,F1,1\n"
        "USA,2022-09-01,U-2,heavy-bomber,deployed,F2,1\n"
    )
    r = _post_file(client, world, text)
    assert r.status_code == 201, r.text
    assert [d["commitment"]["size"] for d in r.json()["results"]] == [1, 2]
    assert _api_state(client, world) == (total + 2, size + 2)
