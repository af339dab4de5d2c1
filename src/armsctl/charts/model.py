"""Charts as data: what a chart shows, independent of how it is drawn.

The core builds these (a limit history, a site's declared and observed counts, a detection
curve, a debrief score) and one renderer, :func:`armsctl.charts.render_svg`, draws them. Keeping
the chart as data means the text alternative (:func:`describe`) and the data table
(:func:`chart_table`) come from the same values as the picture, and tests can check what a
chart says without parsing a drawing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from armsctl.errors import ParameterError

__all__ = [
    "GAP_FACTOR",
    "Axis",
    "Bar",
    "Chart",
    "Point",
    "ReferenceLine",
    "Section",
    "Series",
    "Table",
    "X",
    "as_days",
    "cadence_days",
    "chart_table",
    "describe",
    "format_x",
    "format_y",
    "segments",
]

X = dt.date | dt.datetime | float
"""An x value: a date, a time (aware; naive times are read as UTC) or a plain number."""

GAP_FACTOR = 1.5
"""Two neighbours further apart than ``GAP_FACTOR`` times the series' cadence are not joined.

A series declares how often it is expected to have a value (New START's data exchanges every
six months, for instance). When two consecutive points are more than one and a half expected
intervals apart, at least one expected value is missing between them, so a line across the
gap would draw values nobody reported; the line stops and starts again. Points that arrive a
little early or late (a special data date, a report a few weeks off) stay joined.
"""

_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Point:
    """One value; ``y=None`` is an explicit gap (no value at this x: the line breaks).

    ``low``/``high`` draw an interval (a confidence interval, a p10-p90 range); ``note``
    marks the point (drawn with an open marker and named in the legend, e.g. "unverified").
    """

    x: X
    y: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    """A named sequence of points.

    ``kind``: ``line`` joins neighbours, ``step`` holds each value until the next point (a
    declared count holds until it changes; the last value holds to the end of the axis), and
    ``points`` draws markers only. ``cadence`` is the expected spacing of points (a
    ``timedelta`` on a date axis, a number otherwise); see :data:`GAP_FACTOR` for how it opens
    gaps. ``None`` means no expected spacing: only explicit gaps (``y=None``) break the line.
    ``hollow`` draws open markers ``size`` times the usual size (rings around other marks,
    such as "inspected" around "not as declared").
    """

    name: str
    points: tuple[Point, ...]
    kind: Literal["line", "step", "points"] = "line"
    cadence: dt.timedelta | float | None = None
    hollow: bool = False
    size: float = 1.0

    def __init__(
        self,
        name: str,
        points: Sequence[Point | tuple[X, float | None]],
        kind: Literal["line", "step", "points"] = "line",
        cadence: dt.timedelta | float | None = None,
        *,
        hollow: bool = False,
        size: float = 1.0,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(
            self,
            "points",
            tuple(p if isinstance(p, Point) else Point(p[0], p[1]) for p in points),
        )
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "cadence", cadence)
        object.__setattr__(self, "hollow", hollow)
        object.__setattr__(self, "size", size)


@dataclass(frozen=True, slots=True)
class ReferenceLine:
    """A labelled line across the plot: a limit (``axis="y"``) or a date in force (``"x"``)."""

    axis: Literal["x", "y"]
    value: X
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar of a bar chart: a category and its (possibly negative) value."""

    label: str
    value: float


@dataclass(frozen=True, slots=True)
class Axis:
    """An axis: its title, whether it holds dates or numbers, and optional fixed bounds.

    ``categories`` names the integer positions 0, 1, ... (sites, inspectors) instead of
    printing numbers; ``percent`` prints fractions as percentages.
    """

    title: str = ""
    kind: Literal["date", "number"] = "number"
    low: float | None = None
    high: float | None = None
    categories: tuple[str, ...] = ()
    percent: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart: title, text alternative, axes and what is drawn on them.

    ``description`` is the text alternative read by screen readers; when empty, one is made
    from the data by :func:`describe`. A chart has either ``series`` (points over an x axis)
    or ``bars`` (categories on the y axis, values on the x axis).
    """

    title: str
    x: Axis = field(default_factory=Axis)
    y: Axis = field(default_factory=Axis)
    series: tuple[Series, ...] = ()
    references: tuple[ReferenceLine, ...] = ()
    bars: tuple[Bar, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        for s in self.series:
            for p in s.points:
                if self.x.kind == "date" and not isinstance(p.x, dt.date):
                    problems.append(f"{s.name}: x {p.x!r} is not a date on a date axis")
                if self.x.kind == "number" and isinstance(p.x, dt.date):
                    problems.append(f"{s.name}: x {p.x} is a date on a number axis")
                for v in (p.x, p.y, p.low, p.high):
                    if isinstance(v, float) and not math.isfinite(v):
                        problems.append(f"{s.name}: value {v} is not a finite number")
        for b in self.bars:
            if not math.isfinite(b.value):
                problems.append(f"bar {b.label}: value {b.value} is not a finite number")
        if problems:
            raise ParameterError(f"chart {self.title!r}: " + "; ".join(problems[:5]))

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw (no value in any series and no bar)."""
        return not self.bars and not any(p.y is not None for s in self.series for p in s.points)


@dataclass(frozen=True, slots=True)
class Table:
    """A table as data: column headers and rows of already formatted cells."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of a document (a report section): paragraphs, tables and charts, as data."""

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


def as_days(x: X) -> float:
    """The position of ``x`` on its axis: days since 1970-01-01 for dates and times."""
    if isinstance(x, dt.datetime):
        aware = x if x.tzinfo is not None else x.replace(tzinfo=dt.UTC)
        return aware.timestamp() / 86400.0
    if isinstance(x, dt.date):
        return float((x - _EPOCH).days)
    return float(x)


def cadence_days(cadence: dt.timedelta | float) -> float:
    """A cadence in axis units: days for a ``timedelta``, the number itself otherwise."""
    return cadence.total_seconds() / 86400.0 if isinstance(cadence, dt.timedelta) else cadence


def segments(series: Series) -> list[list[Point]]:
    """The runs of points that are joined: split at ``y=None`` and at gaps past the cadence."""
    out: list[list[Point]] = []
    run: list[Point] = []
    limit = None if series.cadence is None else GAP_FACTOR * cadence_days(series.cadence)
    for p in sorted(series.points, key=lambda q: as_days(q.x)):
        if p.y is None:
            if run:
                out.append(run)
            run = []
            continue
        if run and limit is not None and as_days(p.x) - as_days(run[-1].x) > limit:
            out.append(run)
            run = []
        run.append(p)
    if run:
        out.append(run)
    return out


def format_x(axis: Axis, x: X) -> str:
    """``x`` as the table and the text alternative print it."""
    if isinstance(x, dt.datetime):
        return x.isoformat(timespec="minutes")
    if isinstance(x, dt.date):
        return x.isoformat()
    if axis.categories and float(x).is_integer() and 0 <= int(x) < len(axis.categories):
        return axis.categories[int(x)]
    return _number(float(x))


def format_y(axis: Axis, y: float) -> str:
    """``y`` as labels, tables and the text alternative print it."""
    if axis.percent:
        return f"{y:.1%}" if abs(y * 100 - round(y * 100)) > 1e-9 else f"{y:.0%}"
    if axis.categories and float(y).is_integer() and 0 <= int(y) < len(axis.categories):
        return axis.categories[int(y)]
    return _number(y)


def _number(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def describe(chart: Chart) -> str:
    """The chart's text alternative: its own description, or one made from the data."""
    if chart.description:
        return chart.description
    if chart.empty:
        return f"{chart.title}: no data to show."
    parts = []
    if chart.bars:
        parts += [f"{b.label} {format_y(chart.x, b.value)}" for b in chart.bars]
    for s in chart.series:
        values = [p for p in s.points if p.y is not None]
        if not values:
            parts.append(f"{s.name}: no data")
            continue
        first, last = values[0], values[-1]
        assert first.y is not None and last.y is not None
        if len(values) == 1:
            parts.append(f"{s.name}: {format_y(chart.y, first.y)} at {format_x(chart.x, first.x)}")
            continue
        ys = [p.y for p in values if p.y is not None]
        parts.append(
            f"{s.name}: {len(values)} values from {format_x(chart.x, first.x)} "
            f"({format_y(chart.y, first.y)}) to {format_x(chart.x, last.x)} "
            f"({format_y(chart.y, last.y)}), lowest {format_y(chart.y, min(ys))}, "
            f"highest {format_y(chart.y, max(ys))}"
        )
    parts += [r.label for r in chart.references]
    return f"{chart.title}. " + "; ".join(parts) + "."


def chart_table(chart: Chart) -> Table:
    """The chart's values as a table: one row per x value (or bar), one column per series."""
    if chart.bars:
        return Table(
            (chart.y.title or "category", chart.x.title or "value"),
            tuple((b.label, format_y(chart.x, b.value)) for b in chart.bars),
            chart.title,
        )
    xs = sorted({p.x for s in chart.series for p in s.points}, key=as_days)
    cells: dict[tuple[int, X], str] = {}
    for i, s in enumerate(chart.series):
        for p in s.points:
            if p.y is None:
                continue
            text = format_y(chart.y, p.y)
            if p.low is not None and p.high is not None:
                text += f" ({format_y(chart.y, p.low)} to {format_y(chart.y, p.high)})"
            if p.note:
                text += f" ({p.note})"
            cells[(i, p.x)] = text
    rows = tuple(
        (format_x(chart.x, x), *(cells.get((i, x), "-") for i in range(len(chart.series))))
        for x in xs
    )
    headers = (chart.x.title or "x", *(s.name for s in chart.series))
    return Table(headers, rows, chart.title)
