"""Resealing: rows an older server stored in clear are sealed once the parties have keys.

Each test plants rows the way the server stored them before encryption at rest (item rows,
facility salts, a notification body, an inspection's site, arrival and findings, a reveal, all
in clear), runs ``reseal``, and checks three things: the raw database file holds none of them
in clear, the parties entitled to them open their copies, and a row whose party has no key is
left as it was and reported.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _svc import NOW, Env
from _world import BACKENDS, LOG_KEY, World, fresh_database, fresh_url, opened, postgres_for
from _world import open_items as _open_items
from sqlalchemy import select, update

from armsctl.ledger.escrow import commit_items, reveal_items, verify_reveal
from armsctl.service import Database, Listing
from armsctl.service import inspections as insp
from armsctl.service import reseal as resealing
from armsctl.service.accounts import authenticate
from armsctl.service.declarations import read_items
from armsctl.service.entries import content_commitment
from armsctl.service.notifications import list_notifications
from armsctl.store.models import (
    Declaration,
    DeclarationItem,
    Inspection,
    Notification,
    Party,
    Reveal,
    SealedItem,
    User,
)

#: What the old rows hold in clear, each a string no sealed row can contain.
SECRETS = (
    "OLD-UID-0001",
    "Old-Facility-Q",
    "old-attribute-value",
    "Old-Ulan-Ude",
    "Old-Site-Q",
    "old-violation",
    "2026-01-20 08:00:00",  # as SQLite stores a time
)
ARRIVAL = dt.datetime(2026, 1, 20, 8, 0, tzinfo=dt.UTC)


def _copy(source: Path, target: Path) -> str:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


def _env(db: Database) -> Env:
    from _world import build_world

    world = build_world(db)
    actors = {}
    for name, token in world.tokens.items():
        actor = authenticate(db, token, at=NOW)
        assert actor is not None
        actors[name] = actor
    return Env(world, actors)


@pytest.fixture
def old(_templates: tuple[Path, Path, Env], tmp_path: Path) -> Iterator[tuple[Env, Path]]:
    """The world on a SQLite file of the test's own, and the file."""
    _empty, full, made = _templates
    path = tmp_path / "old.db"
    db = Database(_copy(full, path), LOG_KEY)
    world = World(db, tokens=dict(made.world.tokens), ids=dict(made.world.ids))
    yield Env(world, dict(made.actors)), path
    db.dispose()


def _plant(db: Database) -> dict[str, int]:
    """Rows stored the old way: everything confidential in clear, nothing sealed."""
    records = [
        {
            "uid": f"OLD-UID-000{i}",
            "category": "icbm-launcher",
            "status": "deployed",
            "facility": "Old-Facility-Q",
            "variant": "old-attribute-value",
        }
        for i in (1, 2)
    ]
    made = commit_items(records, party="USA", date="2024-09-01", treaty="new-start", rng=os.urandom)
    opening = made.opening
    salt = os.urandom(32)
    with db.write() as (session, _conn):
        parties = {p.code: p.id for p in session.scalars(select(Party)).all()}
        user = session.scalars(select(User.id)).first()
        assert user is not None
        decl = Declaration(
            treaty_id="new-start",
            party_id=parties["USA"],
            as_of=dt.date(2024, 9, 1),
            kind="items",
            status="provided",
            figures={},
            commitment=made.public,
            private={"facilities": opening["facilities"], "pad_salt": opening["pad_salt"]},
            note="",
            submitted_by=user,
            submitted_at=NOW,
            log_index=0,
        )
        session.add(decl)
        session.flush()
        session.add_all(
            DeclarationItem(
                declaration_id=decl.id,
                position=r["index"],
                uid=r["item"]["uid"],
                facility=r["item"]["facility"],
                salt=bytes.fromhex(r["salt"]),
                record=r["item"],
            )
            for r in opening["items"]
        )
        note = Notification(
            treaty_id="new-start",
            sender_id=parties["USA"],
            recipient_id=parties["RUS"],
            kind="inspection-intent",
            body={"point_of_entry": "Old-Ulan-Ude"},
            body_salt=salt,
            sent_at=NOW,
            log_index=0,
        )
        row = Inspection(
            treaty_id="new-start",
            inspecting_party_id=parties["RUS"],
            inspected_party_id=parties["USA"],
            quota_id="type-one",
            year=2020,
            slot=99,
            site="Old-Site-Q",
            site_salt=salt,
            state="reported",
            requested_at=NOW,
            scheduled_for=ARRIVAL,
            arrival_salt=salt,
            findings_salt=salt,
            findings=[{"result": "old-violation"}],
            reported_at=NOW,
        )
        session.add_all([note, row])
        session.flush()
        reveal = Reveal(
            inspection_id=row.id,
            declaration_id=decl.id,
            document={"items": [opening["items"][0]], "facility": "Old-Facility-Q"},
            verified=2,  # older servers kept the number of items verified
            created_at=NOW,
        )
        session.add(reveal)
        session.flush()
        return {"decl": decl.id, "note": note.id, "insp": row.id, "reveal": reveal.id}


def _raw(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _owners_open_everything(env: Env, ids: dict[str, int]) -> None:
    """The parties open their copies of every resealed row, and each matches the log."""
    opening = _open_items(env.db, ids["decl"], "USA")
    assert sorted(r["item"]["uid"] for r in opening["items"]) == ["OLD-UID-0001", "OLD-UID-0002"]
    assert opening["facilities"].keys() == {"Old-Facility-Q"}
    for user, party in (("usa", "USA"), ("rus", "RUS")):
        view = insp.get_inspection(
            env.db,
            env.actors[user],
            inspection_id=ids["insp"],
            allow=env.allow(user, "inspection.read"),
            at=NOW,
        )
        assert view.site is None and view.scheduled_for is None and view.findings is None
        site = opened(view.sealed_site, party)
        assert site["value"] == "Old-Site-Q"
        assert insp.site_commitment(bytes.fromhex(site["salt"]), "Old-Site-Q") == (
            view.site_commitment
        )
        arrival = opened(view.sealed_arrival, party)
        assert arrival["value"] == ARRIVAL.isoformat()
        assert content_commitment(bytes.fromhex(arrival["salt"]), arrival["value"]) == (
            view.arrival_commitment
        )
        assert opened(view.sealed_findings, party)["value"] == [{"result": "old-violation"}]
        notes = list_notifications(
            env.db,
            env.actors[user],
            Listing("new-start", limit=500),
            allow=env.allow(user, "notification.read"),
            at=NOW,
        ).results
        mine = next(n for n in notes if n.id == ids["note"])
        assert mine.body is None
        body = opened(mine.sealed_body, party)
        assert body["value"] == {"point_of_entry": "Old-Ulan-Ude"}
        assert content_commitment(bytes.fromhex(body["salt"]), body["value"]) == (
            mine.body_commitment
        )
    with env.db.read() as session:
        stored = session.get(Reveal, ids["reveal"])
        assert stored is not None
        document = opened(stored.document["sealed"], "RUS")["value"]
    assert document["items"][0]["item"]["uid"].startswith("OLD-UID-")


def test_reseal_seals_every_clear_row_so_the_raw_file_holds_none_and_the_owners_open_them(
    old: tuple[Env, Path],
) -> None:
    env, path = old
    ids = _plant(env.db)
    _checkpoint(path)
    before = _raw(path)
    assert all(s.encode() in before for s in SECRETS)  # the old way, in clear
    report = resealing.reseal(env.db)
    assert report.sealed == {
        "declarations": 1,
        "items": 2,
        "notifications": 1,
        "inspection_parts": 3,
        "reveals": 1,
    }
    assert report.still_clear == []
    assert resealing.scrub(env.db) is True
    raw = _raw(path)
    found = [s for s in (*SECRETS, "2026-01-20T08:00") if s.encode() in raw]
    assert not found, f"in clear in the database file after resealing: {found}"
    _owners_open_everything(env, ids)
    with env.db.read() as session:
        assert session.scalar(select(DeclarationItem.id)) is None
        rows = session.scalars(
            select(SealedItem).where(SealedItem.declaration_id == ids["decl"])
        ).all()
        assert len(rows) == 2
        assert len({len(r.ciphertext) for r in rows}) == 1  # padded to one size


def test_reseal_is_idempotent_and_a_dry_run_writes_nothing(old: tuple[Env, Path]) -> None:
    env, _path = old
    ids = _plant(env.db)
    dry = resealing.reseal(env.db, dry_run=True)
    assert dry.sealed["declarations"] == 1 and dry.sealed["notifications"] == 1
    with env.db.read() as session:
        assert session.get(Notification, ids["note"]).sealed_body is None  # type: ignore[union-attr]
    first = resealing.reseal(env.db)
    assert first.sealed == dry.sealed
    with env.db.read() as session:
        sealed_once = session.get(Notification, ids["note"]).sealed_body  # type: ignore[union-attr]
    again = resealing.reseal(env.db)
    assert set(again.sealed.values()) == {0} and again.still_clear == []
    with env.db.read() as session:
        assert session.get(Notification, ids["note"]).sealed_body == sealed_once  # type: ignore[union-attr]
    _owners_open_everything(env, ids)


def test_a_row_whose_party_has_no_key_stays_clear_and_is_reported_until_the_key_comes(
    old: tuple[Env, Path],
) -> None:
    env, _path = old
    ids = _plant(env.db)
    with env.db.write() as (session, _conn):
        key = session.scalar(select(Party.encryption_key).where(Party.code == "RUS"))
        session.execute(update(Party).where(Party.code == "RUS").values(encryption_key=None))
    report = resealing.reseal(env.db)
    # USA's own items are sealed; what RUS is entitled to waits for its key.
    assert report.sealed["declarations"] == 1 and report.sealed["notifications"] == 0
    assert {(r["record"], r["id"]) for r in report.still_clear} == {
        ("notification", ids["note"]),
        ("inspection", ids["insp"]),
        ("reveal", ids["reveal"]),
    }
    assert all(r["missing_keys"] == ["RUS"] for r in report.still_clear)
    parts = next(r for r in report.still_clear if r["record"] == "inspection")["parts"]
    assert parts == ["site", "arrival", "findings"]
    with env.db.read() as session:
        row = session.get(Inspection, ids["insp"])
        assert row is not None and row.site == "Old-Site-Q" and row.sealed is None
    with env.db.write() as (session, _conn):
        session.execute(update(Party).where(Party.code == "RUS").values(encryption_key=key))
    later = resealing.reseal(env.db)
    assert later.sealed["notifications"] == 1 and later.sealed["inspection_parts"] == 3
    assert later.still_clear == []
    _owners_open_everything(env, ids)


def test_reseal_is_atomic_a_failure_part_way_leaves_every_row_as_it_was(
    old: tuple[Env, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    env, _path = old
    ids = _plant(env.db)

    def broken(*_args: Any) -> bool:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(resealing, "reseal_reveal", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        resealing.reseal(env.db)
    with env.db.read() as session:
        decl = session.get(Declaration, ids["decl"])
        assert decl is not None and "sealed" not in (decl.private or {})
        assert len(session.scalars(select(DeclarationItem)).all()) == 2
        assert session.get(Notification, ids["note"]).sealed_body is None  # type: ignore[union-attr]


def test_new_arrivals_are_sealed_and_the_store_keeps_no_arrival_time(
    old: tuple[Env, Path],
) -> None:
    env, path = old
    row = insp.request_inspection(
        env.db,
        env.actors["usa"],
        treaty="new-start",
        inspecting="USA",
        inspected="RUS",
        quota_id="type-one",
        site="RUS-base-2",
        inspectors=["usa-insp"],
        allow=env.allow("usa", "inspection.request"),
        at=NOW,
    )
    arrival = dt.datetime(2026, 3, 17, 6, 45, 13, tzinfo=dt.UTC)
    done = insp.schedule_inspection(
        env.db,
        env.actors["usa"],
        inspection_id=row.id,
        arrival=arrival,
        allow=env.allow("usa", "inspection.schedule"),
        at=NOW,
    )
    # The author is shown what it sent; everyone else's view holds the sealed copy only.
    assert done.scheduled_for == arrival.isoformat() and done.arrival_salt
    for user, party in (("usa", "USA"), ("rus", "RUS"), ("usa-insp", "USA")):
        view = insp.get_inspection(
            env.db,
            env.actors[user],
            inspection_id=row.id,
            allow=env.allow(user, "inspection.read"),
            at=NOW,
        )
        assert view.scheduled_for is None and view.arrival_salt is None
        assert set(view.sealed_arrival.keys) == {party}
        copy = opened(view.sealed_arrival, party)
        assert copy["value"] == arrival.isoformat()
        assert content_commitment(bytes.fromhex(copy["salt"]), copy["value"]) == (
            done.arrival_commitment
        )
    with env.db.read() as session:
        stored = session.get(Inspection, row.id)
        assert stored is not None
        assert stored.scheduled_for is None and stored.arrival_salt is None
    _checkpoint(path)
    assert b"2026-03-17" not in _raw(path) and b"06:45:13" not in _raw(path)


@pytest.fixture(params=BACKENDS)
def any_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Env]:
    """A fresh world on SQLite and, when configured, PostgreSQL."""
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path_factory.mktemp("reseal")) as url:
        db = fresh_database(url)
        yield _env(db)
        db.dispose()


def test_on_every_backend_reseal_empties_the_clear_columns_and_the_owners_open_the_rows(
    any_store: Env,
) -> None:
    env = any_store
    ids = _plant(env.db)
    report = resealing.reseal(env.db)
    assert report.still_clear == [] and report.sealed["inspection_parts"] == 3
    assert resealing.scrub(env.db) is True
    with env.db.read() as session:
        assert session.scalars(select(DeclarationItem)).all() == []
        note = session.get(Notification, ids["note"])
        assert note is not None and note.body == {} and note.body_salt is None
        row = session.get(Inspection, ids["insp"])
        assert row is not None
        assert (row.site, row.site_salt, row.scheduled_for, row.arrival_salt) == (
            "",
            None,
            None,
            None,
        )
        assert (row.findings, row.findings_salt) == (None, None)
        reveal = session.get(Reveal, ids["reveal"])
        assert reveal is not None and set(reveal.document) == {"commitment", "sealed"}
        assert reveal.verified == 1  # no longer the site's item count
    _owners_open_everything(env, ids)
    assert resealing.reseal(env.db).sealed["declarations"] == 0
    # A reveal built from the resealed items still verifies against the logged commitment.
    opening = _open_items(env.db, ids["decl"], "USA")
    assert verify_reveal(
        reveal_items(opening, facility="Old-Facility-Q", declaration={}),
        opening["public"],
    ).complete


def test_read_items_of_a_resealed_declaration_serves_ciphertexts_only(
    old: tuple[Env, Path],
) -> None:
    env, _path = old
    ids = _plant(env.db)
    resealing.reseal(env.db)
    page = read_items(
        env.db,
        env.actors["usa"],
        declaration_id=ids["decl"],
        allow=env.allow("usa", "declaration.items.read"),
        at=NOW,
    )
    served = [r.to_json_dict() for r in page.results]
    assert served and all("ciphertext" in r and "item" not in r for r in served)
    assert "OLD-UID" not in repr(page.results)


def test_an_arrival_stored_in_clear_next_to_a_sealed_site_is_sealed_alone(
    old: tuple[Env, Path],
) -> None:
    """The common older row: site and findings sealed (0009), the arrival time in clear."""
    env, _path = old
    iid = env.id("insp-by-USA")
    salt = os.urandom(32)
    with env.db.write() as (session, _conn):
        row = session.get(Inspection, iid)
        assert row is not None and row.sealed is not None
        site_before = row.sealed["site"]
        row.sealed = {k: v for k, v in row.sealed.items() if k != "arrival"}
        row.scheduled_for, row.arrival_salt = ARRIVAL, salt
    report = resealing.reseal(env.db)
    assert report.sealed["inspection_parts"] == 1 and report.still_clear == []
    view = insp.get_inspection(
        env.db,
        env.actors["rus"],
        inspection_id=iid,
        allow=env.allow("rus", "inspection.read"),
        at=NOW,
    )
    assert view.scheduled_for is None
    copy = opened(view.sealed_arrival, "RUS")
    assert copy == {"value": ARRIVAL.isoformat(), "salt": salt.hex()}
    assert view.arrival_commitment == content_commitment(salt, ARRIVAL.isoformat())
    with env.db.read() as session:
        row = session.get(Inspection, iid)
        assert row is not None and row.sealed is not None
        assert row.sealed["site"] == site_before  # a sealed part is never sealed again
