"""Charts as data, drawn by one renderer to SVG.

The core builds a :class:`Chart` (series of ``(date or number, value)`` points with gaps,
reference lines such as limits and declared counts, markers, axis titles, a title and a text
alternative); :func:`render_svg` draws it as SVG text (a pure function) and
:func:`render_responsive` draws it for desktop and phone at once. Writing a chart to an
``.svg`` or ``.png`` file is :func:`armsctl.charts.io.write_chart`, the package's only I/O.
"""

from armsctl.charts.model import (
    GAP_FACTOR,
    Axis,
    Bar,
    Chart,
    Point,
    ReferenceLine,
    Section,
    Series,
    Table,
    chart_table,
    describe,
    segments,
)
from armsctl.charts.svg import NARROW, WIDE, Layout, render_responsive, render_svg
from armsctl.charts.ticks import Tick, date_ticks, number_ticks

__all__ = [
    "GAP_FACTOR",
    "NARROW",
    "WIDE",
    "Axis",
    "Bar",
    "Chart",
    "Layout",
    "Point",
    "ReferenceLine",
    "Section",
    "Series",
    "Table",
    "Tick",
    "chart_table",
    "date_ticks",
    "describe",
    "number_ticks",
    "render_responsive",
    "render_svg",
    "segments",
]
