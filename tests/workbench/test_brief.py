"""The brief's schedule chart: data for the one renderer, one line per limit, years as labels."""

from __future__ import annotations

from typing import Any

from armsctl.workbench.brief import schedule_chart, schedule_svg


def _party(schedule: list[dict[str, Any]]) -> dict[str, Any]:
    return {"party": "USA", "schedule": schedule, "peak_per_year": {"a": 3, "b": 1}}


def test_a_schedule_is_one_line_per_limit_over_the_years() -> None:
    chart = schedule_chart(
        _party(
            [
                {"year": 2012, "eliminations": {"a": 3, "b": 1}},
                {"year": 2013, "eliminations": {"a": 2}},
            ]
        )
    )
    assert chart is not None and chart.title == "Yearly eliminations, USA"
    assert chart.x.categories == ("2012", "2013")
    assert [s.name for s in chart.series] == ["a (peak 3 a year)", "b (peak 1 a year)"]
    assert [p.y for p in chart.series[1].points] == [1, 0]


def test_no_elimination_draws_no_chart() -> None:
    assert schedule_chart(_party([])) is None
    assert schedule_svg(_party([{"year": 2012, "eliminations": {}}])) == (
        "<p>No eliminations required.</p>"
    )
    svg = schedule_svg(_party([{"year": 2012, "eliminations": {"a": 1}}]))
    assert svg.count("<svg") == 1 and "<title>Yearly eliminations, USA</title>" in svg
