"""Declarations: who may submit for whom, what the public sees, who reads the sealed items."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from _svc import NOW, Env
from _world import PARTY_KEYS, SEALING_KEYS

from armsctl.errors import DeclarationError, InputError, IntegrityError, NotFoundError
from armsctl.ledger.escrow import commitment, root
from armsctl.ledger.sealing import SealingKey, open_rows
from armsctl.service import AccessDenied, ConflictError, Listing
from armsctl.service import declarations as decl
from armsctl.service.log import list_audit_events

FIGURES = {"deployed-delivery-vehicles": 700, "deployed-warheads": 1550, "total-launchers": 800}


def _fields(exc: InputError) -> set[str]:
    return {p.location for p in exc.problems}


def _aggregate(
    env: Env, user: str, party: str, as_of: dt.date, **kw: Any
) -> decl.DeclarationPublic:
    return decl.submit_aggregate(
        env.db,
        env.actors[user],
        treaty="new-start",
        party=party,
        as_of=as_of,
        figures=kw.pop("figures", FIGURES),
        allow=env.allow(user, "declaration.submit"),
        at=NOW,
        **kw,
    )


def _count(env: Env) -> int:
    return decl.list_declarations(env.db, Listing("new-start")).total


# -- the public view -----------------------------------------------------------------------------


def test_the_public_list_shows_figures_and_commitments_but_never_an_item(env: Env) -> None:
    page = decl.list_declarations(env.db, Listing("new-start"))
    assert {d.party for d in page.results} == {"USA", "RUS"}
    for row in page.results:
        assert row.kind == "items"
        assert row.figures and row.commitment
    assert "SECRET-" not in repr(page.to_dict())


def test_the_public_list_filters_by_party_and_pages_with_a_total(env: Env) -> None:
    usa = decl.list_declarations(env.db, Listing("new-start", party="USA"))
    assert [d.party for d in usa.results] == ["USA"]
    first = decl.list_declarations(env.db, Listing("new-start", limit=1))
    assert len(first.results) == 1 and first.total >= 2 and first.next_offset == 1


def test_one_declaration_is_read_by_id_and_an_unknown_id_is_not_found(env: Env) -> None:
    row = decl.get_declaration(env.db, declaration_id=env.id("decl-RUS"))
    assert row.party == "RUS" and row.proof
    assert "SECRET-" not in repr(row)
    with pytest.raises(NotFoundError, match="no declaration 99999"):
        decl.get_declaration(env.db, declaration_id=99999)


def test_an_unknown_treaty_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError, match="no treaty 'inf'"):
        decl.list_declarations(env.db, Listing("inf"))


# -- the sealed items ----------------------------------------------------------------------------


def _sealed_rows(rows: list[decl.DeclarationItemPublic]) -> dict[str, Any]:
    """The sealed document of a page of rows, as the party's client reassembles it."""
    return {
        **rows[0].to_json_dict()["sealed"],
        "rows": [{"index": r.index, "ciphertext": r.ciphertext} for r in rows],
    }


def test_the_declaring_party_reads_its_own_sealed_items_and_opens_them_with_its_key(
    env: Env,
) -> None:
    page = decl.read_items(
        env.db,
        env.actors["usa"],
        declaration_id=env.id("decl-USA"),
        allow=env.allow("usa", "declaration.items.read"),
        at=NOW,
    )
    assert page.total == 2
    # The server hands back ciphertext only: no item, salt or facility in clear.
    served = [r.to_json_dict() for r in page.results]
    assert all("item" not in r and "salt" not in r for r in served)
    assert "SECRET-" not in repr(page.to_dict()) and "USA-base-1" not in repr(page.to_dict())
    public = decl.get_declaration(env.db, declaration_id=env.id("decl-USA"))
    context = {"party": "USA", "treaty": "new-start", "date": public.as_of}
    rows = open_rows(_sealed_rows(page.results), key=SEALING_KEYS["USA"], **context)
    assert {r["item"]["uid"] for r in rows} == {"SECRET-USA-0001", "SECRET-USA-0002"}
    assert all(len(bytes.fromhex(r["salt"])) == 32 for r in rows)
    # The opened salts and items reproduce the root the party committed to in public.
    ordered = sorted(rows, key=lambda r: r["index"])
    leaves = [commitment(bytes.fromhex(r["salt"]), r["item"]) for r in ordered]
    assert base64.b64encode(root(leaves)).decode("ascii") == public.commitment["root"]
    # Another party's key opens nothing.
    with pytest.raises(IntegrityError, match="does not open"):
        open_rows(_sealed_rows(page.results), key=SEALING_KEYS["RUS"], **context)


def test_reading_sealed_items_is_audited_with_who_and_how_many(env: Env) -> None:
    decl.read_items(
        env.db,
        env.actors["rus"],
        declaration_id=env.id("decl-RUS"),
        allow=env.allow("rus", "declaration.items.read"),
        limit=1,
        at=NOW,
    )
    events = list_audit_events(env.db, limit=1000).results
    mine = [
        e
        for e in events
        if e.action == "declaration.items.read"
        and e.resource == f"declaration/{env.id('decl-RUS')}"
        and e.user == "rus"
    ]
    assert mine and "1 sealed items from offset 0" in mine[0].detail


@pytest.mark.parametrize("user", ["rus", "usa-insp", "rus-insp", "obs", "op"])
def test_no_one_but_the_declaring_party_reads_its_items(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied) as refused:
        decl.read_items(
            env.db,
            env.actors[user],
            declaration_id=env.id("decl-USA"),
            allow=env.allow(user, "declaration.items.read"),
            at=NOW,
        )
    assert "SECRET-" not in refused.value.reason


def test_reading_the_items_of_an_unknown_declaration_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError):
        decl.read_items(
            env.db,
            env.actors["usa"],
            declaration_id=99999,
            allow=env.allow("usa", "declaration.items.read"),
            at=NOW,
        )


# -- submitting ----------------------------------------------------------------------------------


def test_a_party_submits_an_aggregate_for_itself_and_it_is_logged(env: Env) -> None:
    row = _aggregate(env, "usa", "USA", dt.date(2024, 3, 1))
    assert row.kind == "aggregate" and row.party == "USA"
    assert row.figures == FIGURES
    assert row.log_index >= 0 and row.proof
    assert decl.get_declaration(env.db, declaration_id=row.id) == row


def test_a_second_declaration_of_a_party_at_the_same_date_is_a_conflict(env: Env) -> None:
    _aggregate(env, "rus", "RUS", dt.date(2024, 3, 1))
    with pytest.raises(ConflictError, match="RUS already declared as of 2024-03-01"):
        _aggregate(env, "rus", "RUS", dt.date(2024, 3, 1))


@pytest.mark.parametrize("user", ["usa", "usa-insp", "obs", "op"])
def test_no_one_submits_for_another_party_and_nothing_is_written(env: Env, user: str) -> None:
    before = _count(env)
    with pytest.raises(AccessDenied):
        _aggregate(env, user, "RUS", dt.date(2023, 3, 1))
    assert _count(env) == before


def test_an_unknown_measure_and_a_negative_figure_are_each_named(env: Env) -> None:
    with pytest.raises(DeclarationError) as bad:
        _aggregate(
            env,
            "usa",
            "USA",
            dt.date(2023, 4, 1),
            figures={"no-such-limit": 1, "deployed-warheads": -1},
        )
    assert {"no-such-limit", "deployed-warheads"} <= _fields(bad.value)


def test_a_not_provided_declaration_carries_no_figures(env: Env) -> None:
    with pytest.raises(DeclarationError) as bad:
        _aggregate(env, "usa", "USA", dt.date(2023, 5, 1), status="not-provided")
    assert _fields(bad.value) == {"figures"}
    row = _aggregate(env, "usa", "USA", dt.date(2023, 5, 1), status="not-provided", figures={})
    assert row.status == "not-provided"


def test_a_status_other_than_provided_or_not_provided_is_named(env: Env) -> None:
    with pytest.raises(DeclarationError) as bad:
        _aggregate(env, "usa", "USA", dt.date(2023, 6, 1), status="maybe")
    assert _fields(bad.value) == {"status"}


def test_an_unsigned_submission_is_refused_when_signatures_are_required(env: Env) -> None:
    before = _count(env)
    with pytest.raises(InputError) as bad:
        _aggregate(env, "usa", "USA", dt.date(2023, 7, 1), require_signature=True)
    assert "signed_entry" in str(bad.value)
    assert _count(env) == before


def test_an_unregistered_party_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError, match="party 'GBR' is not registered"):
        _aggregate(env, "usa", "GBR", dt.date(2023, 8, 1))


def test_malformed_items_name_every_row_and_field_and_write_nothing(env: Env) -> None:
    before = _count(env)
    items: list[dict[str, Any]] = [
        {"uid": "A-1", "category": "icbm-launcher", "status": "deployed", "facility": "f"},
        {"uid": 7, "category": "icbm-launcher", "status": "deployed", "facility": "f"},
        {"uid": "A-3", "category": "no-such", "status": "deployed", "facility": "f"},
        {"uid": "A-4", "category": "icbm-launcher", "status": "melted", "facility": "f"},
        {"uid": "A-5", "category": "icbm-launcher", "status": "deployed", "facility": "f", "x": []},
    ]
    with pytest.raises(DeclarationError) as bad:
        decl.submit_items(
            env.db,
            env.actors["usa"],
            treaty="new-start",
            party="USA",
            as_of=dt.date(2022, 1, 1),
            items=items,
            allow=env.allow("usa", "declaration.submit"),
            rng=os.urandom,
            at=NOW,
        )
    assert {"items.1.uid", "items.4.x"} <= _fields(bad.value)
    assert _count(env) == before


def test_items_of_an_unknown_category_or_status_are_named(env: Env) -> None:
    items = [
        {"uid": "A-3", "category": "no-such", "status": "deployed", "facility": "f"},
        {"uid": "A-4", "category": "icbm-launcher", "status": "melted", "facility": "f"},
    ]
    with pytest.raises(DeclarationError) as bad:
        decl.submit_items(
            env.db,
            env.actors["usa"],
            treaty="new-start",
            party="USA",
            as_of=dt.date(2022, 1, 2),
            items=items,
            allow=env.allow("usa", "declaration.submit"),
            rng=os.urandom,
            at=NOW,
        )
    assert _fields(bad.value) == {"items.0.category", "items.1.status"}


def test_an_item_level_declaration_releases_only_the_treaty_limit_values(env: Env) -> None:
    items = [
        {"uid": f"X-{i}", "category": "icbm-launcher", "status": "deployed", "facility": "f"}
        for i in range(3)
    ]
    row = decl.submit_items(
        env.db,
        env.actors["rus"],
        treaty="new-start",
        party="RUS",
        as_of=dt.date(2022, 2, 1),
        items=items,
        allow=env.allow("rus", "declaration.submit"),
        rng=os.urandom,
        at=NOW,
    )
    assert set(row.figures) == set(decl.released_figures(items, _new_start()))
    assert row.figures["deployed-delivery-vehicles"] == 3
    assert "X-0" not in repr(row)


def _new_start() -> Any:
    from armsctl.treaty import load_treaty

    return load_treaty("new-start")


# -- items sealed to their party -----------------------------------------------------------------

SEALING = SealingKey.generate(bytes([5]) * 32)
SEALED_ITEMS = [
    {
        "uid": f"SEALED-{i}",
        "category": "icbm-launcher",
        "status": "deployed",
        "facility": "Hidden-Base",
        "warheads": 1,
    }
    for i in range(3)
]


def _sealed(env: Env, as_of: dt.date) -> decl.DeclarationPublic:
    body = decl.seal_items(
        PARTY_KEYS["USA"],
        SEALING.public(),
        decl.ClientItems(treaty=_new_start(), party="USA", as_of=as_of, items=SEALED_ITEMS, at=NOW),
        rng=os.urandom,
    )
    return decl.submit_sealed_items(
        env.db,
        env.actors["usa"],
        treaty="new-start",
        party="USA",
        as_of=as_of,
        allow=env.allow("usa", "declaration.submit"),
        at=NOW,
        require_signature=True,
        **body,
    )


def test_sealed_items_reach_the_owner_as_ciphertext_it_alone_can_open(env: Env) -> None:
    made = _sealed(env, dt.date(2021, 1, 1))
    assert made.figures["deployed-warheads"] == 3
    page = decl.read_items(
        env.db,
        env.actors["usa"],
        declaration_id=made.id,
        allow=env.allow("usa", "declaration.items.read"),
        at=NOW,
    )
    assert "SEALED-" not in repr(page.to_dict()) and "Hidden-Base" not in repr(page.to_dict())
    sealed = _sealed_rows(page.results)
    opened = open_rows(sealed, key=SEALING, party="USA", treaty="new-start", date="2021-01-01")
    assert sorted(r["item"]["uid"] for r in opened) == [i["uid"] for i in SEALED_ITEMS]
    for user in ("rus", "usa-insp", "obs", "op"):
        with pytest.raises(AccessDenied):
            decl.read_items(
                env.db,
                env.actors[user],
                declaration_id=made.id,
                allow=env.allow(user, "declaration.items.read"),
                at=NOW,
            )


def test_no_sealed_item_is_stored_in_clear_anywhere_in_the_database(env: Env) -> None:
    _sealed(env, dt.date(2021, 2, 1))
    _aggregate(env, "usa", "USA", dt.date(2021, 3, 1), note="PUBLIC-CONTROL-NOTE")
    env.db.dispose()  # fold SQLite's write-ahead log into the file before reading its bytes
    raw = Path(env.db.url.removeprefix("sqlite:///")).read_bytes()
    assert b"SEALED-" not in raw and b"Hidden-Base" not in raw
    assert b"PUBLIC-CONTROL-NOTE" in raw  # a public note is, so the scan reads the data


def test_a_client_sealed_row_that_is_not_padded_is_refused_since_its_size_would_leak(
    env: Env,
) -> None:
    import base64

    body = decl.seal_items(
        PARTY_KEYS["USA"],
        SEALING.public(),
        decl.ClientItems(
            treaty=_new_start(), party="USA", as_of=dt.date(2021, 4, 1), items=SEALED_ITEMS, at=NOW
        ),
        rng=os.urandom,
    )
    row = body["sealed"]["rows"][1]
    row["ciphertext"] = base64.b64encode(base64.b64decode(row["ciphertext"])[:-40]).decode()
    with pytest.raises(DeclarationError) as refused:
        decl.submit_sealed_items(
            env.db,
            env.actors["usa"],
            treaty="new-start",
            party="USA",
            as_of=dt.date(2021, 4, 1),
            allow=env.allow("usa", "declaration.submit"),
            at=NOW,
            require_signature=True,
            **body,
        )
    assert {p.location for p in refused.value.problems} == {"sealed.rows.1"}
    assert "padded" in str(refused.value)
