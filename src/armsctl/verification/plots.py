"""Charts of detection statistics, as data (:class:`armsctl.charts.Chart`).

The values are exact where the statistics are (hypergeometric detection probabilities) and
Monte Carlo estimates with their 95 % intervals where they are simulated. The charts are drawn
by :func:`armsctl.charts.render_svg` and written to files by
:func:`armsctl.charts.io.write_chart`; nothing here writes a file. The same numbers give the
same chart, so drawings can be diffed, cached and tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from armsctl.charts import Axis, Chart, Point, Series
from armsctl.verification.sampling import detection_probability

if TYPE_CHECKING:
    from armsctl.verification.simulate import SimulationResult

__all__ = ["detection_curve_chart", "time_to_detection_chart"]


def detection_curve_chart(
    population: int,
    sizes: Sequence[int],
    *,
    max_sample: int | None = None,
    title: str | None = None,
) -> Chart:
    """Detection probability against the number of items inspected, one curve per violation size.

    Exact hypergeometric values at every sample size up to ``max_sample`` (the population by
    default, at most about 400 points).
    """
    top = population if max_sample is None else min(max_sample, population)
    step = max(1, top // 400)
    xs = list(range(0, top + 1, step))
    return Chart(
        title=title or f"Attribute sampling, population {population:,}",
        x=Axis("items inspected (random sample, without replacement)"),
        y=Axis("detection probability", low=0.0, high=1.0, percent=True),
        series=tuple(
            Series(
                f"{m} falsified",
                [Point(n, detection_probability(population, m, n)) for n in xs],
            )
            for m in sizes
        ),
    )


def time_to_detection_chart(
    results: Sequence[SimulationResult], *, title: str | None = None
) -> Chart:
    """Cumulative detection by year (with 95 % intervals) for simulated regimes or strategies."""
    series = []
    for i, r in enumerate(results):
        points = [
            Point(year, p, low=a, high=b) for year, (p, a, b) in enumerate(r.by_year(), start=1)
        ]
        series.append(Series(r.label or f"regime {i + 1}", points))
    return Chart(
        title=title or "Time to detection (Monte Carlo, 95 % intervals)",
        x=Axis("years of inspections"),
        y=Axis("probability detected by then", low=0.0, high=1.0, percent=True),
        series=tuple(series),
    )
