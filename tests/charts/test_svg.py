"""The renderer, checked by structure (parsed SVG), not by snapshots."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from armsctl.charts import (
    NARROW,
    WIDE,
    Axis,
    Bar,
    Chart,
    Point,
    ReferenceLine,
    Series,
    render_responsive,
    render_svg,
)

NS = {"s": "http://www.w3.org/2000/svg"}
HALF_YEAR = dt.timedelta(days=182.625)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def _limit_chart(**series_args: object) -> Chart:
    usa = [
        (dt.date(2011, 2, 5) + dt.timedelta(days=round(182.625 * i)), 1800 - 20 * i)
        for i in range(25)
    ]
    return Chart(
        "Deployed warheads",
        x=Axis("data as of", "date"),
        y=Axis("number counted"),
        series=(Series("USA", usa, cadence=HALF_YEAR, **series_args),),  # type: ignore[arg-type]
        references=(
            ReferenceLine("y", 1550, "limit 1,550"),
            ReferenceLine("x", dt.date(2018, 2, 5), "in force 2018-02-05"),
        ),
    )


def test_the_root_is_an_accessible_image_with_title_and_description() -> None:
    root = _parse(render_svg(_limit_chart()))
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == "Deployed warheads"  # type: ignore[union-attr]
    desc = root.find("s:desc", NS).text or ""  # type: ignore[union-attr]
    assert "USA: 25 values from 2011-02-05 (1,800)" in desc and "limit 1,550" in desc
    # Sized in CSS px: the viewBox is the layout's width, the text 13 px.
    assert root.get("viewBox", "").startswith("0 0 720 ") and root.get("font-size") == "13"


def test_axis_titles_ticks_markers_and_legend_are_drawn() -> None:
    root = _parse(render_svg(_limit_chart()))
    texts = _texts(root)
    assert "data as of" in texts and "number counted" in texts
    assert {"USA", "limit 1,550", "in force 2018-02-05"} <= set(texts)
    ticks = root.findall(".//s:g[@class='x-ticks']/s:line", NS)
    assert [t.get("data-date") for t in ticks] == [f"{y}-01-01" for y in range(2011, 2025)]
    labels = root.findall(".//s:g[@class='x-labels']/s:text", NS)
    assert all(t.get("data-date", "").endswith("-01-01") for t in labels)
    assert all(t.text == t.get("data-date", "")[:4] for t in labels)
    markers = root.findall(".//s:g[@class='series']/*[@class='marker']", NS)
    assert len(markers) == 25
    assert markers[0].find("s:title", NS).text == "USA 2011-02-05: 1,800"  # type: ignore[union-attr]
    assert len(root.findall(".//s:line[@class='reference']", NS)) == 2


def test_a_gap_in_the_cadence_splits_the_line() -> None:
    points = [
        (dt.date(2018, 9, 1), 500),
        (dt.date(2019, 3, 1), 510),
        (dt.date(2022, 9, 1), 520),
        (dt.date(2023, 3, 1), 530),
    ]
    chart = Chart("RUS", x=Axis(kind="date"), series=(Series("RUS", points, cadence=HALF_YEAR),))
    root = _parse(render_svg(chart))
    lines = root.findall(".//s:g[@class='series']/s:polyline", NS)
    assert [len(line.get("points", "").split()) for line in lines] == [2, 2]
    # Without the cadence the same points are one line.
    joined = Chart("RUS", x=Axis(kind="date"), series=(Series("RUS", points),))
    assert len(_parse(render_svg(joined)).findall(".//s:polyline", NS)) == 1


def test_a_one_point_series_is_a_marker_and_a_reference_line_still_shows() -> None:
    at = dt.datetime(2024, 3, 7, 10, tzinfo=dt.UTC)
    chart = Chart(
        "One observation",
        x=Axis("observed at", "date"),
        series=(Series("observed", [Point(at, 12)], kind="points"),),
        references=(ReferenceLine("y", 10, "declared 10"),),
    )
    root = _parse(render_svg(chart))
    assert len(root.findall(".//*[@class='marker']", NS)) == 1
    (ref,) = root.findall(".//s:line[@class='reference']", NS)
    assert float(ref.get("x2", 0)) - float(ref.get("x1", 0)) > 500  # across the plot
    assert "declared 10" in _texts(root)


def test_an_empty_chart_draws_a_clear_message() -> None:
    chart = Chart("Nothing yet", x=Axis(kind="date"), series=(Series("USA", []),))
    root = _parse(render_svg(chart))
    assert "No data to show yet." in _texts(root)
    assert root.find("s:desc", NS).text == "Nothing yet: no data to show."  # type: ignore[union-attr]
    assert not root.findall(".//s:polyline", NS)


def test_unverified_points_are_open_markers_named_in_the_legend() -> None:
    chart = Chart(
        "c",
        x=Axis(kind="date"),
        series=(
            Series(
                "RUS",
                [Point(dt.date(2022, 9, 1), 540, note="unverified"), (dt.date(2023, 3, 1), 550)],
            ),
        ),
    )
    root = _parse(render_svg(chart))
    markers = root.findall(".//s:g[@class='series']/*[@class='marker']", NS)
    assert [m.get("fill") for m in markers] == ["#ffffff", markers[1].get("stroke")]
    assert "open marker: unverified" in _texts(root)


def test_a_step_series_holds_each_value_until_the_next() -> None:
    chart = Chart(
        "s", series=(Series("declared", [(0, 1), (10, 2)], kind="step"),), x=Axis(high=20)
    )
    (line,) = _parse(render_svg(chart)).findall(".//s:polyline", NS)
    xy = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
    assert xy[0][1] == xy[1][1] and xy[1][0] == xy[2][0]  # flat, then straight up at x = 10
    assert xy[-1][1] == xy[-2][1]  # the last value holds to the end of the axis


def test_bars_print_their_signed_value() -> None:
    chart = Chart(
        "Score", x=Axis("points"), bars=(Bar("detections", 10), Bar("false accusations", -8))
    )
    texts = _texts(_parse(render_svg(chart)))
    assert {"+10", "-8", "detections", "false accusations", "points"} <= set(texts)


def test_categories_label_the_axis() -> None:
    chart = Chart(
        "Truth",
        x=Axis("turn", low=0.5, high=4.5),
        y=Axis("site", categories=("alpha", "bravo")),
        series=(Series("not as declared", [(1, 1), (2, 0)], kind="points"),),
    )
    labels = [
        t.text for t in _parse(render_svg(chart)).findall(".//s:g[@class='y-ticks']/s:text", NS)
    ]
    assert labels == ["alpha", "bravo"]


def test_long_titles_wrap_inside_the_narrow_drawing() -> None:
    chart = Chart(
        "Deployed ICBMs, deployed SLBMs and deployed heavy bombers (reading: counts-converted)"
    )
    root = _parse(render_svg(chart, NARROW))
    titles = [
        t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("font-weight") == "bold"
    ]
    assert len(titles) >= 2 and root.get("viewBox", "").startswith("0 0 360 ")


def test_responsive_output_holds_both_layouts_and_the_style_that_picks_one() -> None:
    text = render_responsive(_limit_chart())
    wide, narrow = text.split("</svg>")[:2]
    assert 'class="armsctl-chart wide"' in wide and 'class="armsctl-chart narrow"' in narrow
    assert "@media (max-width:48rem)" in wide
    for part in (wide, narrow):
        _parse(part + "</svg>")


def test_long_series_are_decimated_and_drawn_without_markers() -> None:
    start = dt.date(2000, 1, 1)
    points = [(start + dt.timedelta(days=i), (i * 37) % 300) for i in range(20_000)]
    root = _parse(
        render_svg(Chart("long", x=Axis(kind="date"), series=(Series("s", points),)), WIDE)
    )
    (line,) = root.findall(".//s:polyline", NS)
    assert len(line.get("points", "").split()) <= 4 * 720
    assert not root.findall(".//*[@class='marker']", NS)


def test_the_same_chart_gives_the_same_text() -> None:
    assert render_svg(_limit_chart()) == render_svg(_limit_chart())
