"""Axis ticks: calendar ticks for dates, round numbers for values.

Date axes tick on calendar boundaries, never on a fixed count of days: on a span of two years
or more, a tick on 1 January of every year (the axis runs from a 1 January to a 1 January), and
labels on every year or on every 2nd, 5th, 10th... year when the labels would not fit, so no
year is ever skipped out of the sequence; on shorter spans, ticks on the first of each month;
under two months, on days. Leap years need no special case: ticks are dates, and their position
is their distance in days.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from armsctl.charts.model import as_days

__all__ = ["Tick", "date_ticks", "number_ticks"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
_MONTH_STEPS = (1, 2, 3, 6)
_DAY_STEPS = (1, 2, 7, 14)


@dataclass(frozen=True, slots=True)
class Tick:
    """A tick at ``value`` (days since 1970 on date axes); ``label`` empty for a minor tick."""

    value: float
    label: str
    when: dt.date | None = None


def _step(count: int, steps: tuple[int, ...], fits: int) -> int:
    """The smallest step from ``steps`` that leaves at most ``fits`` labels out of ``count``."""
    for step in steps:
        if math.ceil(count / step) <= max(1, fits):
            return step
    return steps[-1]


def date_ticks(low: float, high: float, *, fits: int) -> tuple[float, float, list[Tick]]:
    """Domain (snapped to calendar boundaries) and ticks for a date axis from ``low`` to ``high``.

    ``low``/``high`` are days since 1970; ``fits`` is how many four-character labels (years)
    the axis has room for; month and day labels are longer, so two thirds as many of them.
    """
    start = dt.date(1970, 1, 1) + dt.timedelta(days=math.floor(low))
    end = dt.date(1970, 1, 1) + dt.timedelta(days=math.ceil(high))
    if (end - start).days < 4:
        middle = start + (end - start) / 2
        start, end = middle - dt.timedelta(days=2), middle + dt.timedelta(days=2)
    if (end - start).days >= 730:
        first = dt.date(start.year, 1, 1)
        last = dt.date(end.year + (end != dt.date(end.year, 1, 1)), 1, 1)
        years = list(range(first.year, last.year + 1))
        step = _step(len(years), _YEAR_STEPS, fits)
        ticks = [
            Tick(as_days(dt.date(y, 1, 1)), str(y) if y % step == 0 else "", dt.date(y, 1, 1))
            for y in years
        ]
        return as_days(first), as_days(last), ticks
    if (end - start).days >= 62:
        first = dt.date(start.year, start.month, 1)
        last = _add_months(dt.date(end.year, end.month, 1), 0 if end.day == 1 else 1)
        months = []
        day = first
        while day <= last:
            months.append(day)
            day = _add_months(day, 1)
        step = _step(len(months), _MONTH_STEPS, fits * 2 // 3)
        ticks = []
        for i, m in enumerate(months):
            labelled = (m.month - 1) % step == 0
            text = _MONTHS[m.month - 1] + (f" {m.year}" if m.month == 1 or i == 0 else "")
            ticks.append(Tick(as_days(m), text if labelled else "", m))
        if not any(t.label for t in ticks[:step]):
            ticks[0] = Tick(ticks[0].value, f"{_MONTHS[first.month - 1]} {first.year}", first)
        return as_days(first), as_days(last), ticks
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    step = _step(len(days), _DAY_STEPS, fits * 2 // 3)
    ticks = []
    for i, d in enumerate(days):
        labelled = i % step == 0
        text = f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if i == 0 else "")
        ticks.append(Tick(as_days(d), text if labelled else "", d))
    return as_days(start), as_days(end), ticks


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def number_ticks(
    low: float, high: float, *, fits: int, integer: bool = False
) -> tuple[float, float, list[float]]:
    """A domain snapped to round numbers around ``low``..``high`` and the ticks inside it.

    Steps are 1, 2, 2.5 or 5 times a power of ten, the smallest that leaves at most ``fits``
    ticks; ``integer`` keeps steps whole (counts, turns, categories).
    """
    if high < low:
        low, high = high, low
    if high == low:
        pad = max(1.0, abs(high) * 0.1)
        low, high = low - pad, high + pad
    fits = max(2, fits)
    raw = (high - low) / (fits - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(
        (m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9)), 10 * power
    )
    if integer and step < 1:
        step = 1.0
    if integer and not float(step).is_integer():
        step = math.ceil(step)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    ticks = [round(first + i * step, 10) for i in range(count + 1)]
    return first, last, ticks
