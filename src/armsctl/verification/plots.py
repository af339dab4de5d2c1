"""Charts of detection statistics as SVG text (for inlining in HTML reports) or files.

Matplotlib runs on the Agg backend with a fixed SVG hash salt and no date, so the same numbers
give byte-identical SVG: charts can be diffed, cached and tested.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from armsctl.verification.sampling import detection_probability

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from armsctl.verification.simulate import SimulationResult

__all__ = ["detection_curve_svg", "save_figure_svg", "time_to_detection_svg"]


def _figure() -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    matplotlib.rcParams["svg.hashsalt"] = "armsctl"
    from matplotlib.figure import Figure

    return Figure(figsize=(6.4, 4.0), layout="constrained")


def _svg(fig: Figure, path: Path | None) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    if path is not None:
        if path.suffix.lower() == ".png":
            fig.savefig(path, format="png", dpi=144, metadata={"Software": None})
        else:
            path.write_text(text, encoding="utf-8")
    return text


def save_figure_svg(fig: Figure, path: Path | None = None) -> str:
    """SVG text of a figure, also written to ``path`` (``.svg`` or ``.png``) when given."""
    return _svg(fig, path)


def detection_curve_svg(
    population: int,
    sizes: Sequence[int],
    *,
    max_sample: int | None = None,
    path: Path | None = None,
    title: str | None = None,
) -> str:
    """Detection probability against the number of items inspected, one curve per violation size.

    Exact hypergeometric values at every sample size up to ``max_sample`` (the population by
    default, at most 400 points).
    """
    top = population if max_sample is None else min(max_sample, population)
    step = max(1, top // 400)
    xs = list(range(0, top + 1, step))
    fig = _figure()
    ax = fig.add_subplot()
    for m in sizes:
        ax.plot(xs, [detection_probability(population, m, n) for n in xs], label=f"{m} falsified")
    ax.set_xlabel("items inspected (random sample, without replacement)")
    ax.set_ylabel("detection probability")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title or f"Attribute sampling, population {population:,}")
    return _svg(fig, path)


def time_to_detection_svg(
    results: Sequence[SimulationResult], *, path: Path | None = None, title: str | None = None
) -> str:
    """Cumulative detection by year (with 95 % intervals) for simulated regimes or strategies."""
    fig = _figure()
    ax = fig.add_subplot()
    for r in results:
        rows = r.by_year()
        years = list(range(1, len(rows) + 1))
        est = [p for p, _, _ in rows]
        lo = [p - a for p, a, _ in rows]
        hi = [b - p for p, _, b in rows]
        ax.errorbar(years, est, yerr=[lo, hi], marker="o", capsize=3, label=r.label or None)
    ax.set_xlabel("years of inspections")
    ax.set_ylabel("probability detected by then")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if any(r.label for r in results):
        ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title or "Time to detection (Monte Carlo, 95 % intervals)")
    return _svg(fig, path)
