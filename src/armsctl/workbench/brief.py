"""The brief: one self-contained document with a draft's cuts, schedule, burden and sources.

The content is built here as data; the HTML page is rendered from a Jinja template by
:func:`armsctl.reports.brief_html` (the core imports no template framework). HTML briefs have no
external assets (inline CSS, the schedule chart inline as SVG from the one chart renderer), so
they open offline and can be mailed as one file. Markdown and JSON carry the same content.
"""

from __future__ import annotations

from typing import Any

from armsctl.charts import Axis, Chart, Point, Series, render_svg

__all__ = [
    "baseline_caveat",
    "brief_document",
    "milestone_lines",
    "percent",
    "render_markdown",
    "schedule_chart",
    "schedule_svg",
]


def brief_document(
    analysis: dict[str, Any],
    *,
    changes: list[str],
    burdens: list[dict[str, Any]],
) -> dict[str, Any]:
    """The brief's content as data: the analysis plus the draft's changes and the burden."""
    return {**analysis, "changes": changes, "burden": burdens}


def schedule_chart(party: dict[str, Any]) -> Chart | None:
    """A party's yearly eliminations per limit as a chart (``None`` when none is required).

    One line per limit (or category) over the schedule's years, named with its peak, drawn by
    the one renderer (:mod:`armsctl.charts`).
    """
    years = party["schedule"]
    keys = sorted({k for row in years for k in row["eliminations"]})
    if not years or not keys:
        return None
    return Chart(
        title=f"Yearly eliminations, {party['party']}",
        x=Axis("year", categories=tuple(str(row["year"]) for row in years)),
        y=Axis("eliminations in the year", low=0.0),
        series=tuple(
            Series(
                f"{key} (peak {party['peak_per_year'].get(key, 0):,} a year)",
                [Point(i, row["eliminations"].get(key, 0)) for i, row in enumerate(years)],
            )
            for key in keys
        ),
    )


def schedule_svg(party: dict[str, Any]) -> str:
    """The schedule chart as one inline SVG, or a line saying no elimination is due.

    One drawing (the wide layout, scaled by its ``viewBox``) for a page or the brief; a page
    that wants the phone layout too renders :func:`schedule_chart` with
    :func:`armsctl.charts.render_responsive`.
    """
    chart = schedule_chart(party)
    if chart is None:
        return "<p>No eliminations required.</p>"
    return render_svg(chart)


def milestone_lines(party: dict[str, Any]) -> list[str]:
    """Markdown bullets: each limit's intermediate milestones and upper-bound baselines.

    Shared by the Markdown and the HTML brief so that both say the same; the list starts with
    an empty line when there is anything to say.
    """
    out = []
    for x in party["limits"]:
        for m in x.get("milestones", []):
            if not m["final"]:
                origin = "the draft" if m["source"] == "draft" else m["source"]
                out.append(
                    f"- milestone: {x['id']} at most {m['max']:,} by {m['date']}: "
                    f"{m['required_cut']:,} eliminated by then ({origin})"
                )
        if x.get("upper_bound"):
            out.append(
                f"- {x['id']}: the baseline is an upper bound (public counts of a committed "
                "declaration); the cut shown is the most it can be"
            )
    return ["", *out] if out else []


def percent(p: float) -> str:
    """A probability as a percentage with one decimal, as the brief prints it."""
    return f"{100 * p:.1f}%"


def baseline_caveat(row: dict[str, Any]) -> str:
    """What qualifies a limit's baseline figure: an upper bound, unverified, or nothing."""
    if row.get("upper_bound"):
        return "upper bound"
    return "unverified" if row["unverified"] else ""


def render_markdown(doc: dict[str, Any]) -> str:
    """The brief as Markdown."""
    out = [f"# Brief: {doc['title']} (`{doc['draft']}`)", ""]
    out += ["## What the draft changes", ""] + [f"- {c}" for c in doc["changes"] or ["nothing"]]
    for p in doc["parties"]:
        out += ["", f"## {p['party']}", ""]
        out.append(f"Baseline: `{p['baseline_source']}` as of {p['baseline_as_of']}.")
        out += ["", "| limit | baseline | max | required cut | binding |", "|---|---|---|---|---|"]
        for x in p["limits"]:
            caveat = baseline_caveat(x)
            flag = f" ({caveat})" if caveat else ""
            out.append(
                f"| {x['id']} | {x['baseline']:,}{flag} | {x['max']:,} | {x['required_cut']:,} |"
                f" {'yes' if x['binding'] else 'no'} |"
            )
        out += milestone_lines(p)
        keys = sorted(p["peak_per_year"])
        if keys:
            out += ["", "| year | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
            for row in p["schedule"]:
                cells = " | ".join(f"{row['eliminations'].get(k, 0):,}" for k in keys)
                out.append(f"| {row['year']} | {cells} |")
        opt = p["optimisation"]
        out += [
            "",
            f"Optimal eliminations ({opt['model']} model): "
            + (", ".join(f"{k} {v:,}" for k, v in opt["cuts"].items()) or "none"),
        ]
        out += [f"- {n}" for n in opt["notes"]]
        out += ["", "Sources of the baseline:"] + [f"- {s}" for s in p["sources"]]
        out += [f"- counting: {n}" for n in p["counting_notes"]]
        if p["unverified"]:
            out.append("- unverified figures: " + ", ".join(p["unverified"]))
    for b in doc["burden"]:
        out += ["", f"## Verification burden, {b['party']}", ""]
        out.append(
            f"Against a cheat of {b['cheat']} item(s): {percent(b['per_year_detection'])} a year, "
            f"{percent(b['life_detection'])} over {b['years']} year(s); "
            f"{b['inspector_days_per_year']:,} inspector-days a year."
        )
        out += [
            "",
            "| type | quota | sites | per year | over life | quota for target |",
            "|---|---|---|---|---|---|",
        ]
        for t in b["types"]:
            need = "unreachable" if t["quota_needed"] is None else str(t["quota_needed"])
            out.append(
                f"| {t['type']} | {t['per_year']} | {t['sites']} | {percent(t['per_year_detection'])}"
                f" | {percent(t['life_detection'])} | {need} (target {percent(b['target'])}) |"
            )
        out += [f"- {a}" for a in b["assumptions"]]
    if doc["findings"]:
        out += ["", "## Findings", ""] + [f"- {f['message']}" for f in doc["findings"]]
    out += ["", "## Assumptions", ""] + [f"- {a}" for a in doc["assumptions"]]
    return "\n".join(out) + "\n"
