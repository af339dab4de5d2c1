"""Documents written to files: the compliance report (HTML, Markdown, JSON) and the debrief.

The HTML opens offline in a treaty office: charts are built as data by the core
(:func:`armsctl.compliance.charts.limit_chart`, :func:`armsctl.exercise.debrief.debrief_charts`,
:func:`armsctl.monitoring.views.report_sections`), drawn by the one renderer
(:mod:`armsctl.charts`) and inlined; styles are inline; every page goes through one Jinja
environment with autoescaping. Later features add sections through ``extra_sections`` (title
and HTML, e.g. from :func:`render_sections`) rather than editing the template.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from armsctl.charts import Section
from armsctl.compliance import LimitResult, Report, evaluate, history, report_to_dict
from armsctl.compliance.charts import limit_chart, limit_points
from armsctl.errors import ParameterError
from armsctl.inventory import DeclarationSet
from armsctl.reports._templates import render as _render
from armsctl.treaty import Treaty

__all__ = [
    "brief_html",
    "debrief_html",
    "render_html",
    "render_markdown",
    "render_sections",
    "write_report",
]


def write_report(
    treaty: Treaty,
    declarations: DeclarationSet,
    output: Path,
    *,
    fmt: str = "html",
    interpretation: str | None = None,
    extra_sections: list[tuple[str, str]] | None = None,
    at: dt.date | None = None,
) -> Path:
    """Write the report in ``fmt`` (html, md, json) to ``output`` atomically; return the path.

    ``at`` is the date to evaluate when there is no declaration at all. The shell passes it (the
    CLI gives today): the report reads no clock, so the same inputs give the same document.

    Raises:
        ParameterError: no declaration and no ``at``.
    """
    series = history(declarations, interpretation=interpretation)
    if series:
        latest = series[-1]
    elif at is None:
        raise ParameterError("at: no declaration to report on; give the date to evaluate")
    else:
        latest = evaluate(treaty, declarations, at)
    if fmt == "json":
        text = json.dumps(
            {"latest": report_to_dict(latest), "history": [report_to_dict(r) for r in series]},
            indent=2,
        )
    elif fmt == "md":
        text = render_markdown(treaty, series, latest)
    else:
        text = render_html(treaty, series, latest, extra_sections or [])
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return output


def _value(x: LimitResult) -> str:
    if x.value is None:
        return "-"
    text = (">= " if x.lower_bound else "") + f"{x.value:,}"
    return text + (" (unverified)" if x.provenance == "M" else "")


def _rows(latest: Report) -> list[tuple[str, str, LimitResult]]:
    """Every evaluated limit as (who, data as of, result): parties first, then groups."""
    rows: list[tuple[str, str, LimitResult]] = []
    for p in latest.parties:
        if p.withdrawn_on is not None:
            continue
        rows += [(p.party, str(p.declaration_as_of or "none"), x) for x in p.limits]
    for g in latest.groups:
        covers = ", ".join(g.covers) or "nobody"
        rows += [(f"group {g.group} ({covers})", "", x) for x in g.limits]
    return rows


def _summary(latest: Report) -> list[str]:
    """One line per party and group: its status, and every flag and note behind it."""
    lines = []
    for p in latest.parties:
        status = f"withdrawn on {p.withdrawn_on}" if p.withdrawn_on else p.status
        lines.append(f"{p.party}: {status}" + "".join(f"; {f}" for f in p.flags))
    for g in latest.groups:
        notes = [f"{x.id}: {x.note}" for x in g.limits if x.note]
        covers = ", ".join(g.covers) or "nobody"
        lines.append(f"group {g.group} ({covers}): {g.status}" + "".join(f"; {n}" for n in notes))
    return lines


def _explanation(x: LimitResult) -> str:
    parts = " + ".join(
        (f"{part.weight} × " if part.weight != 1 else "")
        + f"{part.measure} ({part.value:,}{', unverified' if part.provenance == 'M' else ''})"
        for part in x.parts
    )
    note = f" ({x.note})" if parts and x.note else ""
    return (parts or x.note or "-") + note


def render_html(
    treaty: Treaty, series: list[Report], latest: Report, extra_sections: list[tuple[str, str]]
) -> str:
    """The self-contained HTML report."""
    from markupsafe import Markup

    points = limit_points(series)
    charts = [
        {
            "heading": f"{x.id} (max {x.maximum:,}, in force {x.effective}, {x.article}"
            + (f"; for each of {', '.join(x.groups)}" if x.scope != "party" else "")
            + ")",
            "chart": limit_chart(
                treaty, series, x.id, points=points, interpretation=latest.interpretation
            ),
        }
        for x in treaty.limits
    ]
    rows = [
        {
            "who": who,
            "as_of": as_of,
            "id": x.id,
            "value": _value(x),
            "max": f"{x.max:,}",
            "margin": "-" if x.margin is None else f"{x.margin:,}",
            "status": x.status,
        }
        for who, as_of, x in _rows(latest)
    ]
    explanations = [
        {"who": who, "id": x.id, "article": x.article, "parts": _explanation(x)}
        for who, _, x in _rows(latest)
    ]
    return _render(
        "report.html",
        treaty=treaty,
        latest=latest,
        rows=rows,
        summary=_summary(latest),
        charts=charts,
        explanations=explanations,
        # Sections arrive as HTML made by render_sections (or another template).
        extra=[(title, Markup(body)) for title, body in extra_sections],
    )


def render_sections(sections: Sequence[Section]) -> list[tuple[str, str]]:
    """``(title, HTML)`` for each section, ready for ``write_report(extra_sections=...)``."""
    return [(s.title, _render("section.html", s=s)) for s in sections]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if v) or "nothing"


def brief_html(doc: dict[str, Any]) -> str:
    """The workbench brief (:func:`armsctl.workbench.brief.brief_document`) as one HTML page.

    Self-contained so that it opens offline and can be mailed as one file: inline CSS and the
    schedule charts inline as SVG from the one renderer; the page asks for nothing beyond itself.
    """
    from markupsafe import Markup

    from armsctl.workbench.brief import baseline_caveat, milestone_lines, percent, schedule_svg

    return _render(
        "brief.html",
        doc=doc,
        n=lambda value: f"{value:,}",
        pct=percent,
        cuts=lambda cuts: ", ".join(f"{k} {v:,}" for k, v in cuts.items()) or "none",
        baseline_caveat=baseline_caveat,
        milestone_lines=milestone_lines,
        # The renderer escapes what it draws; the no-schedule line is fixed text.
        schedule=lambda party: Markup(schedule_svg(party)),
    )


def debrief_html(doc: dict[str, Any]) -> str:
    """A self-contained HTML page (inline CSS and SVG, no external asset) for a debrief."""
    from markupsafe import Markup

    from armsctl.exercise.debrief import debrief_charts

    # JSON inside <script> is raw text: "<" is written as its JSON escape so nothing closes it.
    data = json.dumps(doc, default=str).replace("<", "\\u003c")
    return _render(
        "debrief.html",
        doc=doc,
        charts=debrief_charts(doc),
        counts=_counts,
        data=Markup(data),
    )


def render_markdown(treaty: Treaty, series: list[Report], latest: Report) -> str:
    """The report as Markdown tables."""
    lines = [
        f"# {treaty.short_title}: compliance report",
        "",
        f"Latest status at {latest.at}: **{latest.status}**",
        "",
    ]
    lines += [
        "| party | data as of | limit | value | max | margin | status |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for who, as_of, x in _rows(latest):
        margin = "-" if x.margin is None else f"{x.margin:,}"
        lines.append(
            f"| {who} | {as_of} | {x.id} | {_value(x)} | {x.max:,} | {margin} | {x.status} |"
        )
    lines += ["", "## Status of each party and group", ""]
    lines += [f"- {line}" for line in _summary(latest)]
    lines += ["", "## History", "", "| as of | status | violated |", "|---|---|---|"]
    for r in series:
        violated = [
            f"{p.party} {x.id}" for p in r.parties for x in p.limits if x.status == "violation"
        ]
        violated += [
            f"{g.group} {x.id}" for g in r.groups for x in g.limits if x.status == "violation"
        ]
        lines.append(f"| {r.at} | {r.status} | {', '.join(violated) or '-'} |")
    notes = [f"- {n}" for n in latest.notes]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"
