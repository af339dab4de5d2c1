"""The site chart and the report sections are data: tables and charts, no markup."""

from __future__ import annotations

import datetime as dt

from armsctl.charts import render_svg
from armsctl.monitoring.views import site_chart

T0 = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)


def test_one_observation_still_shows_the_declared_line() -> None:
    chart = site_chart("USA F3: icbm-launcher", [(T0, 10, 12, "satellite")])
    assert [(r.axis, r.value, r.label) for r in chart.references] == [("y", 10, "declared 10")]
    (observed,) = chart.series
    assert observed.name == "observed (satellite)" and observed.kind == "points"
    assert "declared 10" in render_svg(chart)


def test_a_changing_declaration_is_a_step_series_and_each_source_its_own_markers() -> None:
    rows = [
        (T0, 10, 10, "satellite"),
        (T0 + dt.timedelta(days=3), 12, 13, "open-source"),
        (T0 + dt.timedelta(days=6), 12, 12, "satellite"),
    ]
    chart = site_chart("s", list(reversed(rows)))
    names = [s.name for s in chart.series]
    assert names == ["declared", "observed (open-source)", "observed (satellite)"]
    assert chart.series[0].kind == "step" and [p.y for p in chart.series[0].points] == [10, 12, 12]
    assert not chart.references
