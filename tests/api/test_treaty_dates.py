"""Records dated where the treaty does not apply are refused with the rule, unless history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from _world import BACKENDS, NOW, build_world, fresh_database, fresh_url, postgres_for

from armsctl.errors import DeclarationError, InputError
from armsctl.service import (
    Database,
    accounts,
    allow_all,
    declarations,
    inspections,
    log,
    notifications,
)

AFTER_EXPIRY = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)  # New START expired 2026-02-05


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Database, Any]]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path) as url:
        db = fresh_database(url)
        w = build_world(db, with_inspection=False)
        actors = {u: accounts.authenticate(db, w.tokens[u], at=NOW) for u in ("usa", "rus")}
        yield db, actors
        db.dispose()


def _size(db: Database) -> int:
    with db.engine.connect() as conn:
        return db.ledger.size(conn)


def _declare(db: Database, actor: Any, as_of: dt.date, **kw: Any) -> declarations.DeclarationPublic:
    return declarations.submit_aggregate(
        db,
        actor,
        treaty="new-start",
        party="USA",
        as_of=as_of,
        figures={"deployed-warheads": 1500},
        allow=allow_all,
        at=NOW,
        **kw,
    )


@pytest.mark.parametrize(
    ("as_of", "rule"),
    [
        (dt.date(2026, 3, 1), "is after New START expired after its extension on 2026-02-05"),
        (dt.date(9999, 12, 31), "is after New START expired"),
        (dt.date(1, 1, 1), r"is before New START was signed \(2010-04-08\)"),
    ],
)
def test_a_declaration_dated_outside_the_treaty_is_refused(world, as_of, rule) -> None:
    db, actors = world
    size = _size(db)
    with pytest.raises(DeclarationError, match=rule) as caught:
        _declare(db, actors["usa"], as_of)
    assert caught.value.problems[0].location == "as_of"
    assert _size(db) == size


def test_recording_history_is_accepted_and_logged(world) -> None:
    db, actors = world
    row = _declare(db, actors["usa"], dt.date(2026, 3, 1), recording_history=True)
    entry = json.loads(log.log_entry(db, index=row.log_index).entry)
    assert entry["body"]["recording_history"] is True
    plain = _declare(db, actors["usa"], dt.date(2025, 3, 1))
    assert (
        "recording_history"
        not in json.loads(log.log_entry(db, index=plain.log_index).entry)["body"]
    )


def _notify(
    db: Database, actors: Any, at: dt.datetime, **kw: Any
) -> notifications.NotificationPublic:
    return notifications.submit_notification(
        db,
        actors["usa"],
        treaty="new-start",
        sender="USA",
        recipient="RUS",
        kind="status-change",
        body={"text": "x"},
        allow=allow_all,
        at=at,
        **kw,
    )


def test_a_notification_after_expiry_is_refused_unless_history(world) -> None:
    db, actors = world
    size = _size(db)
    with pytest.raises(InputError, match="a notification sent on 2026-03-01 is after New START"):
        _notify(db, actors, AFTER_EXPIRY)
    assert _size(db) == size
    row = _notify(db, actors, AFTER_EXPIRY, recording_history=True)
    entry = json.loads(log.log_entry(db, index=row.log_index).entry)
    assert entry["body"]["recording_history"] is True


def _inspect(db: Database, actors: Any, at: dt.datetime, **kw: Any) -> inspections.InspectionPublic:
    return inspections.request_inspection(
        db,
        actors["usa"],
        treaty="new-start",
        inspecting="USA",
        inspected="RUS",
        quota_id="type-one",
        site="RUS-base-1",
        inspectors=["usa-insp"],
        allow=allow_all,
        at=at,
        **kw,
    )


def test_a_quota_consuming_request_after_expiry_is_refused(world) -> None:
    db, actors = world
    size = _size(db)
    with pytest.raises(InputError, match="an inspection request made on 2026-03-01 is after"):
        _inspect(db, actors, AFTER_EXPIRY)
    assert _size(db) == size


def test_a_quota_for_a_year_after_expiry_is_refused(world) -> None:
    from armsctl.service._base import ConflictError

    db, actors = world
    with pytest.raises(ConflictError, match="no longer applies from 2026-02-05"):
        _inspect(db, actors, NOW, year=2027)
    assert _inspect(db, actors, NOW, year=2026).year == 2026  # before expiry: allowed
