"""The limit chart: one builder for the web and the report, with the treaty's cadence."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from armsctl.charts import segments
from armsctl.compliance import history
from armsctl.compliance.charts import data_cadence, limit_chart, limit_points
from armsctl.inventory import DeclarationSet, read_declarations
from armsctl.treaty import Treaty, public_record_path


@pytest.fixture(scope="module")
def record(new_start: Treaty) -> DeclarationSet:
    path = public_record_path(new_start)
    assert path is not None
    return read_declarations([path], new_start)


def test_new_start_exchanges_every_six_months(new_start: Treaty) -> None:
    assert data_cadence(new_start) == dt.timedelta(days=365.25 / 2)


def test_each_party_is_a_series_with_the_limit_and_its_date(
    new_start: Treaty, record: DeclarationSet
) -> None:
    chart = limit_chart(new_start, history(record), "deployed-warheads")
    assert chart.x.kind == "date" and chart.x.title and chart.y.title
    assert [s.name for s in chart.series] == ["USA", "RUS"]
    assert [(r.axis, r.label) for r in chart.references] == [
        ("y", "limit 1,550"),
        ("x", "in force 2018-02-05"),
    ]
    usa = chart.series[0]
    assert len(usa.points) == 25 and len(segments(usa)) == 1  # the record has no gap
    rus = {p.x: p for p in chart.series[1].points}
    assert rus[dt.date(2022, 9, 1)].note == "unverified"


def test_a_missing_exchange_opens_a_gap(new_start: Treaty, record: DeclarationSet) -> None:
    kept = [
        d
        for d in record.declarations
        if not (d.party == "RUS" and dt.date(2019, 9, 1) <= d.as_of <= dt.date(2022, 3, 1))
    ]
    thinned = DeclarationSet(new_start, kept, record.item_sources)
    chart = limit_chart(new_start, history(thinned), "deployed-warheads")
    runs = segments(chart.series[1])
    assert [(run[-1].x, nxt[0].x) for run, nxt in itertools.pairwise(runs)] == [
        (dt.date(2019, 3, 1), dt.date(2022, 9, 1))
    ]


def test_the_reading_is_named_in_the_title(new_start: Treaty, record: DeclarationSet) -> None:
    series = history(record, interpretation="counts-converted")
    chart = limit_chart(
        new_start,
        series,
        "total-launchers",
        points=limit_points(series),
        interpretation="counts-converted",
    )
    assert chart.title.endswith("(reading: counts-converted)")
