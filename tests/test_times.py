"""The one time parser: a zone required, and a date alone only where records are dated by day."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.errors import InputError
from armsctl.times import parse_day_or_time, parse_instant, parse_time


def test_a_time_needs_its_zone_and_comes_back_in_utc() -> None:
    assert parse_time("2024-03-01T12:00:00+01:00") == (
        dt.datetime(2024, 3, 1, 11, tzinfo=dt.UTC),
        None,
    )
    assert parse_time("2024-03-01T12:00:00")[1] == (
        "time '2024-03-01T12:00:00' has no time zone (add Z or +00:00)"
    )
    assert parse_time("2024-03-01")[0] is None


def test_a_day_is_the_start_of_that_day_in_utc_only_through_parse_day_or_time() -> None:
    assert parse_day_or_time("2024-03-01") == (dt.datetime(2024, 3, 1, tzinfo=dt.UTC), None)
    assert parse_day_or_time("2024-02-30") == (None, "bad time '2024-02-30' (ISO 8601)")
    assert parse_day_or_time("2024-03-01T00:00:00")[0] is None
    assert parse_day_or_time("2024-03-01T00:00:00Z")[0] == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def test_parse_instant_names_the_field() -> None:
    with pytest.raises(InputError) as exc:
        parse_instant("noon", field="--at", where="cli")
    assert str(exc.value.problems[0]).startswith("cli:--at: bad time 'noon'")
