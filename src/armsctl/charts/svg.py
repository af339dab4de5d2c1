"""The one chart renderer: a :class:`~armsctl.charts.model.Chart` to SVG text, no I/O.

Sizes are CSS pixels: a layout is drawn for a width (``WIDE`` for desktop pages and files,
``NARROW`` for phones) with its text at 13 px, so that shown at about its own width the text
stays legible. :func:`render_responsive` emits both layouts and a style that shows the one
that fits the screen, so a phone never shows the desktop drawing shrunk to a third (about
5 px text). Every text is real ``<text>``, series differ by colour, dash and marker shape (so
colour is never the only signal), and the root is ``role="img"`` with a ``<title>`` and a
``<desc>`` holding the text alternative.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from armsctl.charts.model import (
    GAP_FACTOR,
    Chart,
    Point,
    Series,
    as_days,
    cadence_days,
    describe,
    format_x,
    format_y,
    segments,
)
from armsctl.charts.ticks import Tick, date_ticks, number_ticks

__all__ = ["NARROW", "WIDE", "Layout", "render_responsive", "render_svg"]


@dataclass(frozen=True, slots=True)
class Layout:
    """The drawing's width, plot height and font size, in CSS pixels."""

    width: int
    plot_height: int
    font: int = 13
    name: str = "wide"


WIDE = Layout(720, 260, 13, "wide")
NARROW = Layout(360, 220, 13, "narrow")

COLOURS = ("#1f5fa8", "#b3261e", "#1e6b3c", "#6a3d9a", "#8a5a00", "#333333")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2")
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "circle")
INK, GRID, FRAME = "#222222", "#dddddd", "#666666"
BREAKPOINT = "48rem"
MARKER_SPACING = 1.6
"""A line gets markers when its points are on average this many marker radii apart or more;
denser markers would merge into a thick line and hide it (a 400-point curve, say)."""

# Shown once per page: the narrow drawing on phones, the wide one elsewhere.
RESPONSIVE_CSS = (
    "svg.armsctl-chart{width:100%;height:auto;display:block}"
    "svg.armsctl-chart.narrow{display:none;max-width:30rem}"
    "svg.armsctl-chart.wide{max-width:60rem}"
    f"@media (max-width:{BREAKPOINT}){{svg.armsctl-chart.wide{{display:none}}"
    "svg.armsctl-chart.narrow{display:block}}"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def _chars(text: str) -> float:
    """Width of ``text`` in ems, erring wide: DejaVu Sans, a common fallback, is a wide face.

    No font metrics are at hand when drawing (the reader's font is not known), so labels are
    spaced for the widest likely face and wrapped early rather than run off the drawing.
    """
    return sum(
        0.34 if c in " ,.:;il|!'()" else 0.74 if c.isupper() else 0.64 if c.isdigit() else 0.62
        for c in text
    )


def _wrap(text: str, room: float, font: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and _chars(trial) * font > room:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines or [""]


def render_responsive(chart: Chart) -> str:
    """The wide and the narrow drawing of ``chart`` and the style that picks one by width."""
    wide = render_svg(chart, WIDE)
    style = f"<style>{RESPONSIVE_CSS}</style>"
    return wide.replace("<desc>", style + "<desc>", 1) + render_svg(chart, NARROW)


def render_svg(chart: Chart, layout: Layout = WIDE) -> str:
    """``chart`` drawn as one ``<svg>`` element for ``layout``; a pure function of its inputs."""
    return _Drawing(chart, layout).svg()


@dataclass(slots=True)
class _Legend:
    label: str
    colour: str
    dash: str
    shape: str | None
    hollow: bool = False


class _Drawing:
    """The geometry of one chart in one layout (margins, scales, ticks) and its SVG parts."""

    def __init__(self, chart: Chart, layout: Layout) -> None:
        self.c, self.l = chart, layout
        self.fs = layout.font
        self.parts: list[str] = []
        self.legend: list[_Legend] = []

    # -- scales -------------------------------------------------------------------------
    def _x_domain(self) -> tuple[float, float, list[Tick]]:
        c = self.c
        if c.bars:
            values = [b.value for b in c.bars] + [0.0]
            low, high = min(values), max(values)
            pad = (high - low) * 0.12  # room for the value printed at each bar's end
            low, high = (low - pad if low < 0 else low), (high + pad if high > 0 else high)
        else:
            xs = [as_days(p.x) for s in c.series for p in s.points]
            xs += [as_days(r.value) for r in c.references if r.axis == "x"]
            low, high = (min(xs), max(xs)) if xs else (0.0, 1.0)
        if c.x.low is not None:
            low = c.x.low
        if c.x.high is not None:
            high = c.x.high
        fits = max(2, int(self.plot_w // (self.fs * 4.5)))
        if c.x.kind == "date":
            return date_ticks(low, high, fits=fits)
        if c.x.categories:
            n = len(c.x.categories)
            return -0.5, n - 0.5, [Tick(i, name) for i, name in enumerate(c.x.categories)]
        if low == high and not c.bars:
            low, high = low - 1, high + 1
        lo, hi, values = number_ticks(low, high, fits=fits, integer=self._whole_x())
        if c.x.low is not None:
            lo = c.x.low
        if c.x.high is not None:
            hi = c.x.high
        labels = [Tick(v, format_y(c.x, v)) for v in values if lo - 1e-9 <= v <= hi + 1e-9]
        return lo, hi, labels

    def _whole_x(self) -> bool:
        xs = [p.x for s in self.c.series for p in s.points]
        return bool(xs) and all(isinstance(x, int) or float(x).is_integer() for x in xs)  # type: ignore[arg-type]

    def _y_domain(self) -> tuple[float, float, list[Tick]]:
        c = self.c
        if c.bars:
            n = len(c.bars)
            return n - 0.5, -0.5, [Tick(i, b.label) for i, b in enumerate(c.bars)]
        if c.y.categories:
            n = len(c.y.categories)
            return n - 0.5, -0.5, [Tick(i, name) for i, name in enumerate(c.y.categories)]
        ys = [v for s in c.series for p in s.points for v in (p.y, p.low, p.high) if v is not None]
        ys += [float(as_days(r.value)) for r in c.references if r.axis == "y"]
        low, high = (min(ys), max(ys)) if ys else (0.0, 1.0)
        pad = (high - low) * 0.04  # markers at the extremes stay inside the frame
        low, high = low - pad, high + pad
        if c.y.low is not None:
            low = min(low, c.y.low)
        if c.y.high is not None:
            high = max(high, c.y.high)
        fits = max(3, int(self.l.plot_height // (self.fs * 2.6)))
        lo, hi, values = number_ticks(low, high, fits=fits, integer=not c.y.percent)
        if c.y.low is not None and c.y.low <= low + pad:
            lo = c.y.low
        if c.y.high is not None and c.y.high >= high - pad:
            hi = c.y.high
        return lo, hi, [Tick(v, format_y(c.y, v)) for v in values if lo - 1e-9 <= v <= hi + 1e-9]

    # -- drawing ------------------------------------------------------------------------
    def svg(self) -> str:
        c, fs, width = self.c, self.fs, self.l.width
        title_lines = _wrap(c.title, width - 16, (fs + 1) * 1.1)  # bold is wider
        self.top = 8 + len(title_lines) * (fs + 5) + fs * 0.6
        # The y labels set the left margin, which sets the plot width, which sets the x ticks.
        self.plot_w = width * 0.8
        y_lo, y_hi, y_ticks = self._y_domain()
        label_w = max((_chars(t.label) * fs for t in y_ticks), default=0.0)
        y_title = fs + 8 if c.y.title and not c.bars else 0
        self.left = 8 + y_title + label_w + 8
        self.right = 16.0
        self.plot_w = width - self.left - self.right
        x_lo, x_hi, x_ticks = self._x_domain()
        labelled = [t for t in x_ticks if t.label]
        if labelled:
            # The first and last x labels are centred on their ticks: keep them on the page.
            self.right = max(self.right, _chars(labelled[-1].label) * fs / 2 + 4)
            self.left = max(self.left, _chars(labelled[0].label) * fs / 2 + 4)
            self.plot_w = width - self.left - self.right
        self.x_lo, self.x_hi, self.y_lo, self.y_hi = x_lo, x_hi, y_lo, y_hi
        plot_h = self.l.plot_height
        self.plot_h = plot_h
        if not c.empty:
            self._series_and_references()
        legend_rows = self._legend_rows()
        self.x_title_lines = _wrap(c.x.title, self.plot_w, fs) if c.x.title else []
        x_title_h = len(self.x_title_lines) * (fs + 4) + 6 if c.x.title else 0
        height = self.top + plot_h + fs + 12 + x_title_h + len(legend_rows) * (fs + 8) + 8
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="armsctl-chart {self.l.name}" '
            f'role="img" viewBox="0 0 {width} {_f(height)}" width="{width}" '
            f'height="{_f(height)}" font-family="system-ui, sans-serif" '
            f'font-size="{fs}" fill="{INK}">',
            f"<title>{_e(c.title)}</title>",
            f"<desc>{_e(describe(c))}</desc>",
            f'<rect width="{width}" height="{_f(height)}" fill="#ffffff"/>',
        ]
        for i, line in enumerate(title_lines):
            out.append(
                f'<text x="{width / 2:.0f}" y="{8 + (i + 1) * (fs + 5) - 4}" '
                f'text-anchor="middle" font-size="{fs + 1}" font-weight="bold">{_e(line)}</text>'
            )
        out += self._grid(x_ticks, y_ticks)
        if c.empty:
            out.append(
                f'<text x="{self.left + self.plot_w / 2:.1f}" y="{self.top + plot_h / 2:.1f}" '
                f'text-anchor="middle" class="no-data">No data to show yet.</text>'
            )
        out += self.parts
        out += self._axis_titles(x_title_h)
        out += self._draw_legend(legend_rows, self.top + plot_h + fs + 12 + x_title_h)
        out.append("</svg>")
        return "".join(out)

    def px(self, x: float) -> float:
        span = (self.x_hi - self.x_lo) or 1.0
        return self.left + (x - self.x_lo) / span * self.plot_w

    def py(self, y: float) -> float:
        span = (self.y_hi - self.y_lo) or 1.0
        return self.top + (self.y_hi - y) / span * self.plot_h

    def _grid(self, x_ticks: list[Tick], y_ticks: list[Tick]) -> list[str]:
        fs, top, left, w, h = self.fs, self.top, self.left, self.plot_w, self.plot_h
        out = [f'<g class="grid" stroke="{GRID}" fill="none">']
        for t in y_ticks:
            y = self.py(t.value)
            out.append(f'<line x1="{_f(left)}" x2="{_f(left + w)}" y1="{y:.1f}" y2="{y:.1f}"/>')
        for t in x_ticks:
            if t.label:
                x = self.px(t.value)
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_f(top)}" y2="{_f(top + h)}"/>')
        out.append("</g>")
        out.append(
            f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(w)}" height="{_f(h)}" '
            f'fill="none" stroke="{FRAME}"/>'
        )
        out.append('<g class="y-ticks" text-anchor="end">')
        for t in y_ticks:
            out.append(
                f'<text x="{_f(left - 6)}" y="{self.py(t.value) + fs * 0.35:.1f}">{_e(t.label)}</text>'
            )
        out.append("</g>")
        out.append(f'<g class="x-ticks" text-anchor="middle" stroke="{FRAME}">')
        for t in x_ticks:
            x = self.px(t.value)
            length = 6 if t.label else 3
            date = f' data-date="{t.when.isoformat()}"' if t.when is not None else ""
            out.append(
                f'<line class="{"major" if t.label else "minor"}"{date} x1="{x:.1f}" '
                f'x2="{x:.1f}" y1="{_f(top + h)}" y2="{_f(top + h + length)}"/>'
            )
        out.append("</g>")
        out.append('<g class="x-labels" text-anchor="middle">')
        for t in x_ticks:
            if t.label:
                date = f' data-date="{t.when.isoformat()}"' if t.when is not None else ""
                out.append(
                    f'<text{date} x="{self.px(t.value):.1f}" y="{_f(top + h + fs + 6)}">'
                    f"{_e(t.label)}</text>"
                )
        out.append("</g>")
        return out

    def _axis_titles(self, x_title_h: float) -> list[str]:
        c, fs = self.c, self.fs
        out = []
        x_title = c.x.title
        y_title = c.y.title if not c.bars else ""
        if x_title:
            for k, line in enumerate(self.x_title_lines):
                y = self.top + self.plot_h + fs + 6 + 6 + (k + 1) * (fs + 4)
                out.append(
                    f'<text class="axis-title x" x="{self.left + self.plot_w / 2:.1f}" '
                    f'y="{_f(y)}" text-anchor="middle">{_e(line)}</text>'
                )
        if y_title:
            cx, cy = 8 + fs * 0.8, self.top + self.plot_h / 2
            out.append(
                f'<text class="axis-title y" x="{_f(cx)}" y="{_f(cy)}" text-anchor="middle" '
                f'transform="rotate(-90 {_f(cx)} {_f(cy)})">{_e(y_title)}</text>'
            )
        return out

    def _series_and_references(self) -> None:
        c = self.c
        if c.bars:
            self._bars()
        notes: set[str] = set()
        for i, s in enumerate(c.series):
            colour, dash, shape = (
                COLOURS[i % len(COLOURS)],
                DASHES[i % len(DASHES)],
                SHAPES[i % len(SHAPES)],
            )
            if s.hollow:
                shape = "circle"
            marked = self._series(s, colour, dash, shape)
            notes |= {p.note for p in s.points if p.note and p.y is not None}
            values = sum(p.y is not None for p in s.points)
            label = s.name if values else f"{s.name} (no data)"
            self.legend.append(
                _Legend(
                    label,
                    colour,
                    "" if s.kind == "points" else dash,
                    shape if marked else None,
                    s.hollow,
                )
            )
            if s.kind == "points":
                self.legend[-1].dash = "none"
        for note in sorted(notes):
            self.legend.append(_Legend(f"open marker: {note}", INK, "none", "circle", True))
        for r in c.references:
            self._reference(r.axis, as_days(r.value), r.label)

    def _bars(self) -> None:
        zero = self.px(0.0)
        band = self.plot_h / max(1, len(self.c.bars))
        thick = min(band * 0.6, self.fs * 1.6)
        self.parts.append('<g class="bars">')
        for i, b in enumerate(self.c.bars):
            x = self.px(b.value)
            y = self.py(i) - thick / 2
            colour = COLOURS[0] if b.value >= 0 else COLOURS[1]
            self.parts.append(
                f'<rect x="{min(x, zero):.1f}" y="{y:.1f}" width="{abs(x - zero):.1f}" '
                f'height="{thick:.1f}" fill="{colour}"><title>{_e(b.label)}: '
                f"{_e(format_y(self.c.x, b.value))}</title></rect>"
            )
            text = format_y(self.c.x, b.value)
            if b.value > 0:
                text = "+" + text
            anchor, tx = ("start", max(x, zero) + 4) if b.value >= 0 else ("end", min(x, zero) - 4)
            self.parts.append(
                f'<text x="{tx:.1f}" y="{self.py(i) + self.fs * 0.35:.1f}" '
                f'text-anchor="{anchor}">{_e(text)}</text>'
            )
        self.parts.append(
            f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{_f(self.top)}" '
            f'y2="{_f(self.top + self.plot_h)}" stroke="{INK}"/></g>'
        )

    def _series(self, s: Series, colour: str, dash: str, shape: str) -> bool:
        """Draw one series; return whether its points have markers (for the legend)."""
        runs = segments(s)
        total = sum(len(r) for r in runs)
        sparse = s.kind == "points" or total * MARKER_SPACING * self.fs * 0.32 <= self.plot_w
        self.parts.append(f'<g class="series" data-name="{_e(s.name)}">')
        if s.kind != "points":
            for k, run in enumerate(runs):
                xy = [(self.px(as_days(p.x)), self.py(p.y or 0.0)) for p in run]
                if s.kind == "step":
                    xy = _stepped(xy)
                    end = self._step_end(s, run, last=k == len(runs) - 1)
                    if end is not None:
                        xy.append((end, xy[-1][1]))
                if len(xy) < 2:
                    continue
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in _decimate(xy, self.plot_w))
                self.parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} '
                    f'points="{coords}"/>'
                )
        for run in runs:
            for p in run:
                if sparse or p.note:
                    self.parts.append(self._marker(p, s, colour, shape))
        self.parts.append("</g>")
        return sparse

    def _step_end(self, s: Series, run: list[Point], *, last: bool) -> float | None:
        """Where the last value of a step run stops: the axis end, or one cadence past it."""
        if not last:
            return None
        end = self.x_hi
        if s.cadence is not None:
            end = min(end, as_days(run[-1].x) + GAP_FACTOR * cadence_days(s.cadence))
        return self.px(end)

    def _marker(self, p: Point, s: Series, colour: str, shape: str) -> str:
        assert p.y is not None
        name = s.name
        x, y = self.px(as_days(p.x)), self.py(p.y)
        r = self.fs * 0.32 * s.size
        fill = "#ffffff" if p.note else "none" if s.hollow else colour
        value = format_y(self.c.y, p.y)
        tip = f"{name} {_x_text(self.c, p)}: {value}" + (f" ({p.note})" if p.note else "")
        parts = []
        if p.low is not None and p.high is not None:
            y1, y2 = self.py(p.low), self.py(p.high)
            parts.append(
                f'<path d="M{x:.1f},{y1:.1f}V{y2:.1f}M{x - r:.1f},{y1:.1f}h{2 * r:.1f}'
                f'M{x - r:.1f},{y2:.1f}h{2 * r:.1f}" stroke="{colour}" fill="none"/>'
            )
        parts.append(_shape(shape, x, y, r, colour, fill, tip))
        return "".join(parts)

    def _reference(self, axis: str, value: float, label: str) -> None:
        # A limit (y) is a black dashed line across the plot; a date (x) a grey dotted one down it.
        if axis == "y":
            y = f"{self.py(value):.1f}"
            x1, x2, y1, y2 = _f(self.left), _f(self.left + self.plot_w), y, y
            colour, dash = "#000000", "8 4"
        else:
            x = f"{self.px(value):.1f}"
            x1, x2, y1, y2 = x, x, _f(self.top), _f(self.top + self.plot_h)
            colour, dash = "#555555", "2 3"
        self.parts.append(
            f'<line class="reference" x1="{x1}" x2="{x2}" y1="{y1}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="{dash}"><title>{_e(label)}</title></line>'
        )
        self.legend.append(_Legend(label, colour, dash, None))

    def _legend_rows(self) -> list[list[tuple[_Legend, float]]]:
        rows: list[list[tuple[_Legend, float]]] = [[]]
        room = self.l.width - 16
        used = 0.0
        for item in self.legend:
            w = 30 + _chars(item.label) * self.fs + 14
            if rows[-1] and used + w > room:
                rows.append([])
                used = 0.0
            rows[-1].append((item, used))
            used += w
        return rows if rows[0] else []

    def _draw_legend(self, rows: list[list[tuple[_Legend, float]]], top: float) -> list[str]:
        fs = self.fs
        out = ['<g class="legend">']
        for k, row in enumerate(rows):
            y = top + k * (fs + 8) + fs
            for item, offset in row:
                x = 8 + offset
                if item.dash != "none":
                    dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
                    out.append(
                        f'<line x1="{_f(x)}" x2="{_f(x + 24)}" y1="{y - fs * 0.35:.1f}" '
                        f'y2="{y - fs * 0.35:.1f}" stroke="{item.colour}" stroke-width="2"{dash}/>'
                    )
                if item.shape is not None:
                    fill = "#ffffff" if item.hollow else item.colour
                    out.append(
                        _shape(item.shape, x + 12, y - fs * 0.35, fs * 0.32, item.colour, fill, "")
                    )
                out.append(f'<text x="{_f(x + 30)}" y="{_f(y)}">{_e(item.label)}</text>')
        out.append("</g>")
        return out


def _x_text(chart: Chart, p: Point) -> str:
    return format_x(chart.x, p.x)


def _shape(shape: str, x: float, y: float, r: float, colour: str, fill: str, tip: str) -> str:
    """A data marker (with ``tip`` as its tooltip) or, without a tip, a legend swatch."""
    title = f"<title>{_e(tip)}</title>" if tip else ""
    kind = "marker" if tip else "swatch"
    common = f'class="{kind}" fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    if shape == "square":
        return (
            f'<rect {common} x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
            f'height="{2 * r:.1f}">{title}</rect>'
        )
    if shape == "triangle":
        return (
            f'<path {common} d="M{x:.1f},{y - r * 1.2:.1f}L{x + r * 1.1:.1f},{y + r * 0.8:.1f}'
            f'L{x - r * 1.1:.1f},{y + r * 0.8:.1f}Z">{title}</path>'
        )
    if shape == "diamond":
        return (
            f'<path {common} d="M{x:.1f},{y - r * 1.3:.1f}L{x + r * 1.3:.1f},{y:.1f}'
            f'L{x:.1f},{y + r * 1.3:.1f}L{x - r * 1.3:.1f},{y:.1f}Z">{title}</path>'
        )
    if shape == "cross":
        return (
            f'<path {common} d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}'
            f'M{x - r:.1f},{y + r:.1f}L{x + r:.1f},{y - r:.1f}">{title}</path>'
        )
    return f'<circle {common} cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">{title}</circle>'


def _stepped(xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for k, point in enumerate(xy):
        if k:
            out.append((point[0], out[-1][1]))
        out.append(point)
    return out


def _decimate(xy: list[tuple[float, float]], width: float) -> list[tuple[float, float]]:
    """Keep the first, lowest, highest and last point of each pixel column, in order.

    A column holds many points when the series is long; a line through these four covers
    exactly the pixels a line through all of them would, so the drawing stays small.
    """
    if len(xy) <= 4 * width:
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
    return out + _column(column)


def _column(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= 4:
        return points
    low = min(range(len(points)), key=lambda i: points[i][1])
    high = max(range(len(points)), key=lambda i: points[i][1])
    return [points[i] for i in sorted({0, low, high, len(points) - 1})]
