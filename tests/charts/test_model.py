"""The chart model: gaps from the declared cadence, text alternatives, tables, bad values."""

from __future__ import annotations

import datetime as dt

import pytest

from armsctl.charts import (
    GAP_FACTOR,
    Axis,
    Bar,
    Chart,
    Point,
    ReferenceLine,
    Series,
    chart_table,
    describe,
    segments,
)
from armsctl.errors import ParameterError

HALF_YEAR = dt.timedelta(days=182.625)


def _dates(*days: str) -> list[tuple[dt.date, int]]:
    return [(dt.date.fromisoformat(d), 500 + i) for i, d in enumerate(days)]


def test_points_three_and_a_half_years_apart_are_not_joined() -> None:
    s = Series(
        "RUS", _dates("2018-09-01", "2019-03-01", "2022-09-01", "2023-03-01"), cadence=HALF_YEAR
    )
    runs = segments(s)
    assert [[p.x.isoformat() for p in run] for run in runs] == [  # type: ignore[union-attr]
        ["2018-09-01", "2019-03-01"],
        ["2022-09-01", "2023-03-01"],
    ]


def test_a_special_data_date_between_exchanges_stays_joined() -> None:
    # New START: 2017-09-01, the special date 2018-02-05, then 2018-09-01 (208 days later).
    s = Series("USA", _dates("2017-09-01", "2018-02-05", "2018-09-01"), cadence=HALF_YEAR)
    assert len(segments(s)) == 1
    # One missed exchange (a year between points) is more than 1.5 cadences: a gap.
    assert dt.timedelta(days=365) > GAP_FACTOR * HALF_YEAR
    assert len(segments(Series("USA", _dates("2019-03-01", "2020-03-01"), cadence=HALF_YEAR))) == 2


def test_without_a_cadence_only_explicit_gaps_break_the_line() -> None:
    points = [Point(1, 1), Point(50, 2), Point(51, None), Point(52, 3)]
    assert [len(run) for run in segments(Series("s", points))] == [2, 1]


def test_segments_sort_by_x() -> None:
    s = Series("s", [(3, 3), (1, 1), (2, 2)])
    assert [p.x for p in segments(s)[0]] == [1, 2, 3]


def test_text_alternative_names_each_series_and_reference() -> None:
    chart = Chart(
        "Deployed warheads",
        x=Axis("data as of", "date"),
        series=(Series("USA", _dates("2011-02-05", "2023-03-01")), Series("RUS", [])),
        references=(ReferenceLine("y", 1550, "limit 1,550"),),
    )
    text = describe(chart)
    assert text.startswith("Deployed warheads. ")
    assert "USA: 2 values from 2011-02-05 (500) to 2023-03-01 (501)" in text
    assert "RUS: no data" in text and "limit 1,550" in text
    assert describe(Chart("c", description="As told.")) == "As told."


def test_an_empty_chart_says_so() -> None:
    chart = Chart("Nothing yet", x=Axis(kind="date"), series=(Series("USA", []),))
    assert chart.empty
    assert describe(chart) == "Nothing yet: no data to show."


def test_the_table_has_one_row_per_x_and_marks_notes_and_intervals() -> None:
    chart = Chart(
        "c",
        x=Axis("year"),
        y=Axis(percent=True),
        series=(
            Series("a", [Point(1, 0.5, low=0.4, high=0.6), Point(2, 0.75)]),
            Series("b", [Point(2, 0.25, note="unverified")]),
        ),
    )
    table = chart_table(chart)
    assert table.headers == ("year", "a", "b")
    assert table.rows == (("1", "50% (40% to 60%)", "-"), ("2", "75%", "25% (unverified)"))
    bars = chart_table(Chart("s", x=Axis("points"), y=Axis("part"), bars=(Bar("x", -2),)))
    assert bars.rows == (("x", "-2"),) and bars.headers == ("part", "points")


@pytest.mark.parametrize(
    ("chart_args", "message"),
    [
        ({"x": Axis(kind="date"), "series": (Series("s", [(3, 1)]),)}, "not a date"),
        ({"series": (Series("s", [(dt.date(2020, 1, 1), 1)]),)}, "a date on a number axis"),
        ({"series": (Series("s", [(1, float("nan"))]),)}, "not a finite number"),
        ({"bars": (Bar("b", float("inf")),)}, "bar b"),
    ],
)
def test_bad_values_are_refused_with_the_chart_and_series_named(chart_args, message) -> None:
    with pytest.raises(ParameterError, match=message) as info:
        Chart("My chart", **chart_args)
    assert "'My chart'" in str(info.value)
