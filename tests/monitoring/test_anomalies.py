"""CUSUM run lengths against computed references, and each anomaly flag."""

from __future__ import annotations

import datetime as dt
import math
import os

import pytest
from scipy import stats

from armsctl.errors import ParameterError
from armsctl.inventory import read_declarations
from armsctl.monitoring import (
    TotalRow,
    arl_integral,
    arl_markov,
    arl_siegmund,
    arl_simulated,
    balance_differences,
    check_totals,
    cusum,
    cusum_flags,
    false_alarm_probability,
    false_alarm_simulated,
    false_alarm_union_bound,
    frozen_sites,
    round_numbers,
    series_breaks,
)
from armsctl.notifications import Notification
from armsctl.treaty import Treaty


@pytest.mark.parametrize(
    ("h", "mu", "published"),
    # One-sided CUSUM, k = 0.5 (Hawkins & Olwell 1998; Vance 1986).
    [(4, 0.0, 336), (5, 0.0, 930.9), (4, 1.0, 8.38), (5, 1.0, 10.38)],
)
def test_arl_markov_chain_against_integral_equation_and_tables(
    h: float, mu: float, published: float
) -> None:
    markov = arl_markov(0.5, h, mu)
    assert markov == pytest.approx(arl_integral(0.5, h, mu), rel=2e-4)
    assert markov == pytest.approx(published, rel=5e-3)
    assert markov == pytest.approx(arl_siegmund(0.5, h, mu), rel=1e-2)


FULL = os.environ.get("ARMSCTL_ORACLE_FULL") == "1"
"""``make bench`` sets this (bench/bench_oracles.py) to run the oracle checks at full size."""


def test_siegmund_closed_form() -> None:
    b = 5 + 1.166
    assert arl_siegmund(0.5, 5) == pytest.approx((math.exp(b) - b - 1) / 0.5)
    assert arl_siegmund(0.5, 5, 0.5) == pytest.approx(b * b)


def test_simulation_agrees_with_the_markov_chain() -> None:
    mean, se = arl_simulated(0.5, 3.0, 0.0, runs=3000, seed=1)
    assert abs(mean - arl_markov(0.5, 3.0)) < 4 * se


def test_false_alarm_probability_in_one_period_is_exact() -> None:
    # From S = 0 one step alarms iff z - k > h: probability 1 - Φ(h + k) per side.
    assert false_alarm_probability(0.5, 2.0, 1) == pytest.approx(2 * stats.norm.sf(2.5), rel=1e-6)
    assert false_alarm_probability(0.5, 5.0, 0) == 0.0


@pytest.mark.parametrize(("k", "h", "periods"), [(0.5, 4.0, 250), (0.5, 5.0, 100), (1.0, 3.0, 60)])
def test_false_alarm_probability_matches_monte_carlo_exactly_where_the_bound_fails(
    k: float, h: float, periods: int
) -> None:
    """The joint chain of both sides against simulation (4 standard errors + 0.005 grid)."""
    exact = false_alarm_probability(k, h, periods)
    simulated, se = false_alarm_simulated(
        k, h, periods, runs=200_000 if FULL else 20_000, seed=periods
    )
    assert abs(exact - simulated) <= 4 * se + 0.005
    assert false_alarm_union_bound(k, h, periods) >= exact


def test_false_alarm_k_half_h_four_is_not_the_saturated_bound() -> None:
    exact = false_alarm_probability(0.5, 4.0, 250)
    assert exact == pytest.approx(0.7788, abs=0.002)
    assert false_alarm_union_bound(0.5, 4.0, 250) == 1.0
    # The discretisation converges: halving the cells moves the answer by under 0.001.
    assert abs(false_alarm_probability(0.5, 4.0, 250, cells=50) - exact) < 1e-3
    with pytest.raises(ParameterError, match="periods"):
        false_alarm_probability(0.5, 4.0, -1)


def test_cusum_paths_and_alarms() -> None:
    r = cusum([1.0, 2.0, 3.0, -1.0, 0.0], k=0.5, h=4.0)
    assert r.upper == [0.5, 2.0, 4.5, 0.0, 0.0]  # alarm at index 2 (4.5 > 4), then restart
    assert r.alarms == [(2, "upper")]
    assert r.lower == [0.0, 0.0, 0.0, 0.5, 0.0]
    assert r.arl0 == pytest.approx(arl_markov(0.5, 4.0) / 2)
    with pytest.raises(ParameterError, match="h:"):
        cusum([0.0], h=0)


def _note(i: int, event: str, day: dt.date) -> Notification:
    t = dt.datetime(day.year, day.month, day.day, 6, tzinfo=dt.UTC)
    return Notification(
        id=f"N{i}",
        treaty="new-start",
        type="change-in-data",
        sender="USA",
        recipients=("RUS",),
        event=event,
        event_time=t,
        fields={"category": "icbm-launcher", "uid": f"X{i}"},
        state="received",
        sent_at=t,
        received_at=t,
    )


@pytest.fixture
def series(write_csv, new_start: Treaty):
    # icbm-launcher counts at six dates: 10, 12, 14, 16, 18, 20 (two added per period, one notified).
    rows = [["party", "as_of", "uid", "category", "status", "facility", "warheads"]]
    days = [dt.date(2020 + j // 2, 3 if j % 2 == 0 else 9, 1) for j in range(6)]
    for j, day in enumerate(days):
        for i in range(10 + 2 * j):
            rows.append(
                [
                    "USA",
                    day.isoformat(),
                    f"U{i}",
                    "icbm-launcher",
                    "deployed",
                    "F1" if i < 5 else f"F{2 + i % 3}",
                    1,
                ]
            )
    decls = read_declarations([write_csv(rows)], new_start)
    notes = [_note(j, "item-added", days[j]) for j in range(5)]
    return decls, notes, days


def test_balance_differences_and_series_breaks(series) -> None:
    decls, notes, _days = series
    diffs = [b for b in balance_differences(decls, notes) if b.category == "icbm-launcher"]
    assert [(b.declared_change, b.notified_change, b.difference) for b in diffs] == [(2, 1, 1)] * 5
    flags = series_breaks(diffs)
    assert len(flags) == 5
    assert (
        "declared count changed by +2 between 2020-03-01 and 2020-09-01, but the notifications in between account for +1 (+1 unexplained)"
        in flags[0].explanation
    )
    assert series_breaks(diffs, tolerance=1) == []


def test_cusum_flags_a_steady_small_excess(series) -> None:
    decls, notes, _ = series
    diffs = balance_differences(decls, notes)
    flags = cusum_flags(diffs, sigma=0.5, k=0.5, h=5.0)
    # z = 2 per period, S+ = 1.5, 3, 4.5, 6 -> alarm in the fourth period.
    assert [f.details["period_end"] for f in flags] == ["2022-03-01"]
    assert "false-alarms once every 465 periods" in flags[0].explanation


def test_frozen_site() -> None:
    days = [dt.date(2020, 3, 1) + dt.timedelta(days=182 * j) for j in range(6)]
    data = {("USA", "F1"): {d: 7 for d in days}}
    for s in range(2, 6):
        data[("USA", f"F{s}")] = {d: 10 + (j * s) % 3 + j for j, d in enumerate(days)}
    (flag,) = frozen_sites(data)
    assert flag.subject == "F1"
    assert flag.details["change_rate_elsewhere"] == 1.0 or flag.details["p_value"] < 0.01
    assert "reports the same count (7) in all 6 declarations" in flag.explanation
    assert frozen_sites(data, min_years=5) == []


def test_round_numbers_exact_tail() -> None:
    figures = [(f"x{i}", v) for i, v in enumerate([20, 30, 40, 50, 60, 23, 47, 81, 92, 35])]
    (flag,) = round_numbers(figures, party="USA")
    assert flag.details["p_value"] == pytest.approx(stats.binom.sf(4, 10, 0.1))
    assert "5 of 10 figures" in flag.explanation
    assert round_numbers([(f"x{i}", 21 + i) for i in range(10)], party="USA") == []


def test_totals_that_do_not_add_up() -> None:
    rows = [
        TotalRow("Table 1", "2020", {"a": 1, "b": 2}, 3),
        TotalRow("Table 1", "2021", {"a": 1, "b": 2}, 4),
    ]
    (flag,) = check_totals(rows)
    assert (
        flag.explanation
        == "Table 1, 2021: printed total 4 but the parts add up to 3 (a 1 + b 2); difference +1"
    )
