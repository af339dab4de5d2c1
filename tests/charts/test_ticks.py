"""Date and number ticks: calendar boundaries, every year present, round steps."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.charts import date_ticks, number_ticks
from armsctl.charts.model import as_days


def _dates(ticks: list) -> list[dt.date]:
    return [t.when for t in ticks]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(1972, 5, 26), dt.date(1979, 6, 18)),  # SALT I to SALT II
        (dt.date(1987, 12, 8), dt.date(1991, 7, 31)),  # INF to START
        (dt.date(2011, 2, 5), dt.date(2023, 3, 1)),  # New START's data exchanges
        (dt.date(1970, 1, 1), dt.date(2026, 12, 31)),  # the whole record
    ],
)
def test_long_spans_tick_on_1_january_of_every_year(start: dt.date, end: dt.date) -> None:
    low, high, ticks = date_ticks(as_days(start), as_days(end), fits=8)
    days = _dates(ticks)
    assert all(d.month == 1 and d.day == 1 for d in days)
    assert [d.year for d in days] == list(range(start.year, end.year + 2))  # none skipped
    assert low == as_days(dt.date(start.year, 1, 1)) and low <= as_days(start)
    assert high >= as_days(end)
    labelled = [t for t in ticks if t.label]
    assert len(labelled) <= 8
    assert all(t.label == str(t.when.year) for t in labelled)
    # Labels fall on a regular step of years (every 1, 2, 5, 10, ...), never at odd intervals.
    steps = {b.when.year - a.when.year for a, b in itertools.pairwise(labelled)}
    assert len(steps) == 1 and steps <= {1, 2, 5, 10, 20}


def test_labels_every_year_when_they_fit() -> None:
    _, _, ticks = date_ticks(as_days(dt.date(2011, 2, 5)), as_days(dt.date(2023, 3, 1)), fits=20)
    assert [t.label for t in ticks] == [str(y) for y in range(2011, 2025)]


def test_tick_positions_count_the_days_of_leap_years() -> None:
    _, _, ticks = date_ticks(as_days(dt.date(2019, 6, 1)), as_days(dt.date(2022, 6, 1)), fits=10)
    widths = {t.when.year: b.value - t.value for t, b in itertools.pairwise(ticks)}
    assert widths[2020] == 366 and widths[2019] == widths[2021] == 365


def test_short_spans_tick_on_month_starts_including_29_february() -> None:
    _, _, ticks = date_ticks(as_days(dt.date(2024, 1, 20)), as_days(dt.date(2024, 6, 10)), fits=12)
    days = _dates(ticks)
    assert days == [dt.date(2024, m, 1) for m in range(1, 8)]
    assert ticks[2].value - ticks[1].value == 29  # February 2024 has 29 days
    assert ticks[0].label == "Jan 2024" and ticks[1].label == "Feb"


def test_month_labels_name_the_year_at_january_and_first() -> None:
    _, _, ticks = date_ticks(as_days(dt.date(2023, 9, 15)), as_days(dt.date(2024, 8, 1)), fits=30)
    labels = {t.when: t.label for t in ticks}
    assert labels[dt.date(2023, 9, 1)] == "Sep 2023"
    assert labels[dt.date(2024, 1, 1)] == "Jan 2024"
    assert labels[dt.date(2023, 10, 1)] == "Oct"


def test_a_single_day_gets_a_few_days_around_it() -> None:
    day = as_days(dt.datetime(2024, 2, 29, 10, tzinfo=dt.UTC))
    low, high, ticks = date_ticks(day, day, fits=6)
    assert low < day < high and high - low >= 4
    assert dt.date(2024, 2, 29) in _dates(ticks)
    assert all(isinstance(d, dt.date) for d in _dates(ticks))


def test_number_ticks_are_round_and_cover_the_data() -> None:
    # (1,800 - 473) / 5 intervals is 265: the next round step is 500 (1, 2, 2.5 or 5 x 10^k).
    assert number_ticks(473, 1_800, fits=6) == (0, 2000, [0, 500, 1000, 1500, 2000])
    assert number_ticks(473, 1_800, fits=12)[2][:3] == [400, 600, 800]
    assert number_ticks(0, 1, fits=5)[2] == [0, 0.25, 0.5, 0.75, 1.0]


def test_number_ticks_of_one_value_and_whole_steps() -> None:
    low, high, _ticks = number_ticks(5, 5, fits=5)
    assert low < 5 < high
    assert all(float(t).is_integer() for t in number_ticks(1, 4, fits=12, integer=True)[2])


@settings(deadline=None)  # a property, not a timing: never fail on a slow machine
@given(
    start=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2060, 1, 1)),
    days=st.integers(min_value=0, max_value=40_000),
    fits=st.integers(min_value=2, max_value=20),
)
def test_ticks_cover_the_span_on_consecutive_calendar_boundaries(
    start: dt.date, days: int, fits: int
) -> None:
    end = start + dt.timedelta(days=days)
    low, high, ticks = date_ticks(as_days(start), as_days(end), fits=fits)
    assert low <= as_days(start) and high >= as_days(end)
    values = [t.value for t in ticks]
    assert values == sorted(values) and values[0] == low and values[-1] == high
    assert all(t.value == as_days(t.when) for t in ticks)
    assert sum(bool(t.label) for t in ticks) >= 1
    whens = _dates(ticks)
    if all(d.month == 1 and d.day == 1 for d in whens) and days >= 730:
        assert [d.year for d in whens] == list(range(whens[0].year, whens[-1].year + 1))
