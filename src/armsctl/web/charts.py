"""Hand-built SVG line charts for the pages: a polyline per series, no plotting library.

A page must answer in well under 200 ms with a series of thousands of dates; drawing it with
matplotlib costs about half a second per chart. These charts are plain SVG text: each series is
one ``<polyline>`` (decimated to the minimum and maximum of each pixel column, so the drawn
shape is the same as with every point), reference lines are ``<line>`` elements, and every
label is text, so colour is never the only signal. The data behind each chart is also shown as
a table on the page.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Series", "line_chart_svg"]

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 58
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "4 4")


@dataclass(slots=True)
class Series:
    """One named series of ``(time, value)`` points, oldest first.

    ``step`` draws it as a step function (a declared count holds until the next one);
    ``markers`` draws a mark at each point instead of a line; ``notes`` labels single points
    (for instance "unverified").
    """

    name: str
    points: Sequence[tuple[dt.date | dt.datetime, int]]
    step: bool = False
    markers: bool = False
    notes: Sequence[tuple[dt.date | dt.datetime, int, str]] = field(default_factory=tuple)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ordinal(t: dt.date | dt.datetime) -> float:
    if isinstance(t, dt.datetime):
        return t.timestamp() / 86400.0
    return float((t - dt.date(1970, 1, 1)).days)


def _decimate(xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep the first, lowest, highest and last point of each pixel column, in order.

    A column holds many dates when the series is long; a line through these four points
    covers exactly the pixels a line through all of them would.
    """
    if len(xy) <= 4 * (WIDTH - LEFT - RIGHT):
        return xy
    out: list[tuple[float, float]] = []
    column: list[tuple[float, float]] = []
    current = None
    for point in xy:
        px = int(point[0])
        if px != current and column:
            out += _column(column)
            column = []
        current = px
        column.append(point)
    out += _column(column)
    return out


def _column(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= 4:
        return points
    low = min(points, key=lambda p: p[1])
    high = max(points, key=lambda p: p[1])
    chosen = {id(points[0]): points[0], id(points[-1]): points[-1], id(low): low, id(high): high}
    order = {id(p): i for i, p in enumerate(points) if id(p) in chosen}
    return [chosen[k] for k in sorted(chosen, key=lambda k: order[k])]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or 1.0
    raw = span / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = (low // step + 1) * step if low % step else low
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return ticks


def line_chart_svg(
    title: str,
    series: Sequence[Series],
    *,
    hline: tuple[int, str] | None = None,
    vline: tuple[dt.date, str] | None = None,
    y_label: str = "",
) -> str:
    """An SVG chart of ``series`` with an optional horizontal and vertical reference line.

    ``hline`` is ``(value, label)`` (the limit), ``vline`` ``(date, label)`` (when it takes
    effect); both are drawn dashed and named in the legend.
    """
    xs = [_ordinal(t) for s in series for t, _ in s.points]
    ys = [float(v) for s in series for _, v in s.points]
    if vline is not None:
        xs.append(_ordinal(vline[0]))
    if hline is not None:
        ys.append(float(hline[0]))
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    pad = (y1 - y0) * 0.08 or max(1.0, abs(y1) * 0.08)
    y0, y1 = y0 - pad, y1 + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return TOP + (y1 - y) / (y1 - y0) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{_e(title)}</title>",
        f'<text x="{WIDTH / 2:.0f}" y="16" text-anchor="middle" font-size="12">{_e(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#888"/>',
    ]
    for value in _ticks(y0, y1):
        y = py(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>'
        )
    span_days = x1 - x0
    for value in _ticks(x0, x1, 6):
        x = px(value)
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(value))
        label = day.isoformat() if span_days < 3 * 365 else str(day.year)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{label}</text>'
        )
    if y_label:
        parts.append(
            f'<text x="12" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {TOP + plot_h / 2:.0f})">{_e(y_label)}</text>'
        )
    legend: list[tuple[str, str, str, bool]] = []
    for i, s in enumerate(series):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        xy = [(px(_ordinal(t)), py(float(v))) for t, v in s.points]
        if s.step:
            stepped: list[tuple[float, float]] = []
            for k, point in enumerate(xy):
                if k:
                    stepped.append((point[0], stepped[-1][1]))
                stepped.append(point)
            xy = stepped
        if s.markers:
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in xy]
        elif xy:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in _decimate(xy))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash_attr} '
                f'points="{coords}"><title>{_e(s.name)}</title></polyline>'
            )
        for t, v, note in s.notes:
            parts.append(
                f'<text x="{px(_ordinal(t)):.1f}" y="{py(float(v)) - 6:.1f}" '
                f'text-anchor="middle" font-size="9">{_e(note)}</text>'
            )
        legend.append((s.name, colour, dash, s.markers))
    if hline is not None:
        y = py(float(hline[0]))
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#000" '
            'stroke-dasharray="6 3"/>'
        )
        legend.append((hline[1], "#000", "6 3", False))
    if vline is not None:
        x = px(_ordinal(vline[0]))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#666" '
            'stroke-dasharray="2 2"/>'
        )
        legend.append((vline[1], "#666", "2 2", False))
    lx, ly = LEFT, HEIGHT - 22
    for name, colour, dash, marker in legend:
        if marker:
            parts.append(f'<circle cx="{lx + 10}" cy="{ly - 4}" r="3" fill="{colour}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{lx}" x2="{lx + 20}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" '
                f'stroke-width="1.5"{dash_attr}/>'
            )
        parts.append(f'<text x="{lx + 24}" y="{ly}">{_e(name)}</text>')
        lx += 34 + 7 * len(name)
        if lx > WIDTH - 120:
            lx, ly = LEFT, ly + 14
    parts.append("</svg>")
    return "".join(parts)
