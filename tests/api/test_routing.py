"""What a route hands its use-case: the store and the caller, the body's fields, the signing policy.

``armsctl.api.routing.Call`` puts together, once for every route, what each use-case is given
besides the request's own values; these are its rules, checked against a recording use-case
(no store is opened).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest

from armsctl.access.deps import AppState, Guard
from armsctl.api.routing import Call, fields
from armsctl.api.schemas import InspectionCreate, ScheduleCreate, Signed
from armsctl.service import AccessDenied, Actor, Database, Resource
from armsctl.settings import Settings

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
USA = Actor(user_id=1, name="usa", role="party", party_id=1, party="USA", treaty="new-start")


def _allow(resource: Resource) -> None:
    return None


def _call(actor: Actor = USA, *, require: bool = True) -> Call:
    state = AppState(
        db=cast(Database, "the-store"),
        settings=Settings(require_party_signatures=require),
        clock=lambda: NOW,
        rng=lambda n: bytes(n),
    )
    return Call(state, Guard(actor, _allow, "inspection.schedule"))


def _recorded(db: Any, actor: Actor, **args: Any) -> dict[str, Any]:
    return {"db": db, "actor": actor, **args}


def test_run_hands_on_the_store_the_caller_the_check_and_now() -> None:
    got = _call().run(_recorded, inspection_id=7)
    assert got == {
        "db": "the-store",
        "actor": USA,
        "inspection_id": 7,
        "allow": _allow,
        "at": NOW,
    }


def test_logs_hands_on_every_body_field_by_name_with_the_signing_policy() -> None:
    arrival = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)
    body = ScheduleCreate(arrival=arrival, arrival_salt="ab" * 32, signed_entry="c2lnbmVk")
    got = _call(require=True).logs(_recorded, body, inspection_id=7)
    assert {k: v for k, v in got.items() if k not in ("db", "actor", "allow", "at")} == {
        "inspection_id": 7,
        "arrival": arrival,
        "arrival_salt": "ab" * 32,
        "signed_entry": "c2lnbmVk",
        "require_signature": True,
    }


def test_logs_without_a_body_sends_no_signed_entry_and_keeps_the_policy() -> None:
    got = _call(require=False).logs(_recorded, None, inspection_id=7)
    assert got["signed_entry"] is None
    assert got["require_signature"] is False
    assert _call(require=False).logs(_recorded, Signed(), inspection_id=7) == got


def test_logs_renames_fields_and_the_route_value_wins_over_the_body() -> None:
    body = InspectionCreate(inspected_party="RUS", type="short-notice", site="base-1")
    got = _call().logs(
        _recorded,
        body,
        renamed={"inspected_party": "inspected", "type": "quota_id"},
        year=2026,
    )
    assert (got["inspected"], got["quota_id"], got["site"]) == ("RUS", "short-notice", "base-1")
    assert "inspected_party" not in got and "type" not in got
    assert got["year"] == 2026  # the body left it out (None); the route's value is what counts


def test_fields_keep_nested_values_as_validated() -> None:
    body = InspectionCreate(
        inspected_party="RUS", type="short-notice", site="base-1", inspectors=["a", "b"]
    )
    assert fields(body)["inspectors"] == ["a", "b"]
    assert list(fields(body)) == list(InspectionCreate.model_fields)


def test_party_is_the_callers_own_and_refused_without_one() -> None:
    assert _call().party("requests inspections") == "USA"
    observer = Actor(user_id=2, name="obs", role="observer")
    with pytest.raises(AccessDenied, match="only a party requests inspections"):
        _call(observer).party("requests inspections")
