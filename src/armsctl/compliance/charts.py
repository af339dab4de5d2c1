"""The limit chart as data: each party's (or group's) counted value at each data date.

One builder for every shell: the web's history page, the HTML report and anything else that
charts a limit. Only the dates a party actually declared are points (a party that did not
declare at a date has no point there, not its older value), unverified figures carry the note
"unverified", and the series' cadence is the treaty's data-exchange rhythm, so a missing
exchange leaves the line open (see :data:`armsctl.charts.GAP_FACTOR`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from armsctl.charts import Axis, Chart, Point, ReferenceLine, Series
from armsctl.compliance.engine import Report
from armsctl.treaty.schema import Treaty

__all__ = ["LimitPoints", "data_cadence", "limit_chart", "limit_points"]

LimitPoints = dict[tuple[str, str], list[Point]]
"""Per ``(limit id, party or group)``: the points of its series, oldest first."""


def limit_points(series: Sequence[Report]) -> LimitPoints:
    """Every limit's points per party and group, from a history of reports (one pass)."""
    out: LimitPoints = {}

    def add(key: tuple[str, str], at: dt.date, value: int | None, provenance: str) -> None:
        if value is None:
            return
        points = out.setdefault(key, [])
        if points and points[-1].x == at:
            return  # the first result for a limit id counts
        points.append(Point(at, value, note="unverified" if provenance == "M" else ""))

    for r in series:
        for p in r.parties:
            if p.declaration_as_of != r.at:
                continue
            for x in p.limits:
                add((x.id, p.party), r.at, x.value, x.provenance)
        for g in r.groups:
            for x in g.limits:
                add((x.id, g.group), r.at, x.value, x.provenance)
    return out


def data_cadence(treaty: Treaty) -> dt.timedelta | None:
    """How often declarations are due: a year divided by the treaty's data dates, if it has any."""
    exchange = treaty.data_exchange
    if exchange is None or not exchange.data_dates:
        return None
    return dt.timedelta(days=365.25 / len(exchange.data_dates))


def limit_chart(
    treaty: Treaty,
    series: Sequence[Report],
    limit_id: str,
    *,
    points: LimitPoints | None = None,
    interpretation: str | None = None,
) -> Chart:
    """Each party's (or group's) series for one limit, the limit line and its date in force."""
    limit = treaty.limit(limit_id)
    found = limit_points(series) if points is None else points
    if limit.scope == "party":
        who = treaty.parties.members or sorted({p.party for r in series for p in r.parties})
    else:
        who = list(limit.groups)
    cadence = data_cadence(treaty)
    lines = tuple(
        Series(name, found[(limit_id, name)], cadence=cadence)
        for name in who
        if found.get((limit_id, name))
    )
    reading = f" (reading: {interpretation})" if interpretation else ""
    return Chart(
        title=limit.title + reading,
        x=Axis("data as of", "date"),
        y=Axis("number counted"),
        series=lines,
        references=(
            ReferenceLine("y", limit.maximum, f"limit {limit.maximum:,}"),
            ReferenceLine("x", limit.effective, f"in force {limit.effective}"),
        ),
    )
