"""Observations: parties, inspectors and observers record; everyone reads; time must be sane."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from _svc import NOW, Env

from armsctl.errors import InputError, NotFoundError, ParameterError
from armsctl.service import AccessDenied, Listing
from armsctl.service import observations as obs
from armsctl.service.log import log_entry


def _record(env: Env, user: str, **kw: Any) -> obs.ObservationPublic:
    return obs.record_observation(
        env.db,
        env.actors[user],
        treaty="new-start",
        subject=kw.pop("subject", "RUS"),
        source=kw.pop("source", "satellite"),
        observed_at=kw.pop("observed_at", NOW - dt.timedelta(days=2)),
        body=kw.pop("body", {"text": "two launchers at the pad"}),
        allow=env.allow(user, "observation.record"),
        at=NOW,
        **kw,
    )


def _fields(exc: InputError) -> set[str]:
    return {p.location for p in exc.problems}


@pytest.mark.parametrize("user", ["usa", "usa-insp", "obs"])
def test_parties_inspectors_and_observers_record_observations(env: Env, user: str) -> None:
    row = _record(env, user, body={"text": f"seen by {user}"})
    assert row.recorded_by == user and row.subject == "RUS"
    assert row.log_index >= 0 and row.body_commitment


def test_the_operator_records_no_observation(env: Env) -> None:
    with pytest.raises(AccessDenied):
        _record(env, "op")


def test_a_partys_observation_is_logged_under_its_party_an_observers_under_its_name(
    env: Env,
) -> None:
    by_party = _record(env, "usa-insp", body={"text": "party"})
    by_observer = _record(env, "obs", body={"text": "observer"})
    assert '"USA"' in log_entry(env.db, index=by_party.log_index).entry
    assert '"obs"' in log_entry(env.db, index=by_observer.log_index).entry


def test_an_observer_cannot_send_a_party_signed_entry(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _record(env, "obs", signed_entry="AAAA", body_salt="00" * 32)
    assert _fields(bad.value) == {"signed_entry"}


def test_an_observation_time_needs_a_zone_and_may_not_lie_in_the_future(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _record(env, "obs", observed_at=dt.datetime(2026, 1, 1, 12, 0))
    assert _fields(bad.value) == {"observed_at"}
    with pytest.raises(InputError) as bad:
        _record(env, "obs", observed_at=NOW + dt.timedelta(days=1))
    assert _fields(bad.value) == {"observed_at"} and "in the future" in str(bad.value)


def test_an_observation_from_long_ago_is_accepted(env: Env) -> None:
    old = dt.datetime(1990, 6, 1, tzinfo=dt.UTC)
    assert _record(env, "obs", observed_at=old).observed_at == old.isoformat()


def test_an_unknown_source_or_subject_is_refused(env: Env) -> None:
    with pytest.raises(ParameterError, match="source must be one of"):
        _record(env, "obs", source="rumour")
    with pytest.raises(NotFoundError, match="'GBR'"):
        _record(env, "obs", subject="GBR")


def test_an_observation_without_a_subject_is_allowed(env: Env) -> None:
    assert _record(env, "obs", subject=None).subject is None


def test_observations_are_listed_for_everyone_and_filtered_by_subject(env: Env) -> None:
    _record(env, "rus", subject="USA", body={"text": "about the USA"})
    everything = obs.list_observations(env.db, Listing("new-start", limit=1000))
    about_usa = obs.list_observations(env.db, Listing("new-start", party="USA"))
    assert about_usa.total >= 1 and all(r.subject == "USA" for r in about_usa.results)
    assert everything.total > about_usa.total
