"""Schedules: the minimal peak, ceil arithmetic, milestone edges and capacity shortfalls."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import ParameterError
from armsctl.workbench.schedule import (
    Milestone,
    anniversary,
    min_peak_schedule,
    years_until,
)

START = dt.date(2011, 2, 5)


def cumulative(per_year: list[int]) -> list[int]:
    return list(itertools.accumulate(per_year))


@given(total=st.integers(0, 5000), years=st.integers(1, 15))
def test_single_milestone_peak_is_ceil_and_figures_add_up(total: int, years: int) -> None:
    sched = min_peak_schedule(START, years, [Milestone(anniversary(START, years), total)])
    assert len(sched.per_year) == years
    assert sum(sched.per_year) == total
    assert sched.peak == max(sched.per_year) == math.ceil(total / years)
    assert min(sched.per_year) >= 0
    assert sched.shortfall is None


def test_new_start_warheads_800_over_seven_years() -> None:
    sched = min_peak_schedule(START, 7, [Milestone(dt.date(2018, 2, 5), 800)])
    assert sched.per_year == [115, 115, 114, 114, 114, 114, 114]


def brute_min_peak(years: int, need: dict[int, int], total: int) -> int:
    """The smallest peak of any integer schedule meeting every cumulative need (exhaustive)."""
    for peak in range(total + 1):
        for combo in itertools.product(range(peak + 1), repeat=years):
            cum = cumulative(list(combo))
            if cum[-1] == total and all(cum[t - 1] >= r for t, r in need.items()):
                return peak
    raise AssertionError("no schedule")


@settings(max_examples=60, deadline=None)
@given(
    years=st.integers(1, 4),
    first=st.integers(0, 8),
    at=st.integers(1, 4),
    extra=st.integers(0, 6),
)
def test_peak_with_an_intermediate_milestone_matches_brute_force(
    years: int, first: int, at: int, extra: int
) -> None:
    at = min(at, years)
    total = first + extra
    stones = [
        Milestone(anniversary(START, at), first, "mid"),
        Milestone(anniversary(START, years), total, "end"),
    ]
    sched = min_peak_schedule(START, years, stones)
    cum = cumulative(sched.per_year)
    assert cum[-1] == total and cum[at - 1] >= first
    assert sched.peak == brute_min_peak(years, {at: first, years: total}, total)


def test_milestone_on_the_anniversary_counts_that_year_one_day_earlier_does_not() -> None:
    on = min_peak_schedule(
        START, 4, [Milestone(anniversary(START, 2), 100), Milestone(anniversary(START, 4), 100)]
    )
    assert on.peak == 50  # two whole years before the milestone
    early = min_peak_schedule(
        START,
        4,
        [
            Milestone(anniversary(START, 2) - dt.timedelta(days=1), 100),
            Milestone(anniversary(START, 4), 100),
        ],
    )
    assert early.peak == 100  # only one year ends by the day before


def test_a_milestone_due_before_the_first_year_ends_is_a_shortfall() -> None:
    sched = min_peak_schedule(START, 3, [Milestone(dt.date(2011, 6, 1), 40, "early")])
    assert sched.shortfall is not None
    assert (sched.shortfall.label, sched.shortfall.required, sched.shortfall.shortfall) == (
        "early",
        40,
        40,
    )


def test_capacity_below_the_peak_names_the_milestone_and_the_shortfall() -> None:
    stones = [
        Milestone(anniversary(START, 2), 250, "mid"),
        Milestone(anniversary(START, 10), 300, "end"),
    ]
    sched = min_peak_schedule(START, 10, stones, capacity=100)
    assert sched.shortfall is not None
    assert sched.shortfall.label == "mid"
    assert (sched.shortfall.required, sched.shortfall.achievable, sched.shortfall.shortfall) == (
        250,
        200,
        50,
    )
    assert max(sched.per_year) <= 100


def test_capacity_at_the_peak_is_feasible() -> None:
    sched = min_peak_schedule(START, 7, [Milestone(dt.date(2018, 2, 5), 800)], capacity=115)
    assert sched.shortfall is None and sched.peak == 115


def test_leap_day_anniversaries_and_year_counts() -> None:
    leap = dt.date(2024, 2, 29)
    assert anniversary(leap, 1) == dt.date(2025, 2, 28)
    assert years_until(leap, dt.date(2025, 2, 27)) == 0
    assert years_until(START, dt.date(2018, 2, 5)) == 7
    assert years_until(START, dt.date(2018, 2, 4)) == 6


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="years"):
        min_peak_schedule(START, 0, [])
    with pytest.raises(ParameterError, match="capacity"):
        min_peak_schedule(START, 2, [], capacity=-1)
