"""The brief: one self-contained document with a draft's cuts, schedule, burden and sources.

HTML briefs have no external assets (inline CSS, the schedule chart inline as SVG from the one
chart renderer), so they open offline and can be mailed as one file. Markdown and JSON carry the same content.
"""

from __future__ import annotations

import html
from typing import Any

from armsctl.charts import Axis, Chart, Point, Series, render_svg

__all__ = ["brief_document", "render_html", "render_markdown", "schedule_chart", "schedule_svg"]


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


def _milestone_lines(party: dict[str, Any]) -> list[str]:
    """Markdown bullets: each limit's intermediate milestones and upper-bound baselines."""
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


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _baseline_caveat(row: dict[str, Any]) -> str:
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
            caveat = _baseline_caveat(x)
            flag = f" ({caveat})" if caveat else ""
            out.append(
                f"| {x['id']} | {x['baseline']:,}{flag} | {x['max']:,} | {x['required_cut']:,} |"
                f" {'yes' if x['binding'] else 'no'} |"
            )
        out += _milestone_lines(p)
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
            f"Against a cheat of {b['cheat']} item(s): {_pct(b['per_year_detection'])} a year, "
            f"{_pct(b['life_detection'])} over {b['years']} year(s); "
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
                f"| {t['type']} | {t['per_year']} | {t['sites']} | {_pct(t['per_year_detection'])}"
                f" | {_pct(t['life_detection'])} | {need} (target {_pct(b['target'])}) |"
            )
        out += [f"- {a}" for a in b["assumptions"]]
    if doc["findings"]:
        out += ["", "## Findings", ""] + [f"- {f['message']}" for f in doc["findings"]]
    out += ["", "## Assumptions", ""] + [f"- {a}" for a in doc["assumptions"]]
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #bbb;"
    "padding:.2rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}"
    ".warn{color:#a40}.small{color:#555;font-size:.9em}"
)


def render_html(doc: dict[str, Any]) -> str:
    """The brief as one self-contained HTML page (inline CSS and SVG; no external assets)."""
    e = html.escape
    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>Brief: {e(doc['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Brief: {e(doc['title'])} <code>{e(doc['draft'])}</code></h1>",
        "<h2>What the draft changes</h2><ul>",
    ]
    out += [f"<li>{e(c)}</li>" for c in doc["changes"] or ["nothing"]]
    out.append("</ul>")
    for p in doc["parties"]:
        out.append(f"<section><h2>{e(p['party'])}</h2>")
        out.append(
            f"<p>Baseline <code>{e(p['baseline_source'])}</code> as of {e(p['baseline_as_of'])}.</p>"
        )
        out.append(
            "<table><tr><th>limit</th><th>baseline</th><th>max</th><th>required cut</th>"
            "<th>binding</th></tr>"
        )
        for x in p["limits"]:
            caveat = _baseline_caveat(x)
            flag = f' <span class="warn">({caveat})</span>' if caveat else ""
            out.append(
                f"<tr><td>{e(x['id'])}</td><td>{x['baseline']:,}{flag}</td><td>{x['max']:,}</td>"
                f"<td>{x['required_cut']:,}</td><td>{'yes' if x['binding'] else 'no'}</td></tr>"
            )
        out.append("</table>")
        lines = _milestone_lines(p)
        if lines:
            out.append("<ul>" + "".join(f"<li>{e(m.removeprefix('- '))}</li>" for m in lines if m))
            out.append("</ul>")
        out.append(schedule_svg(p))
        opt = p["optimisation"]
        cuts = ", ".join(f"{k} {v:,}" for k, v in opt["cuts"].items()) or "none"
        out.append(f"<p>Optimal eliminations ({e(opt['model'])} model): {e(cuts)}</p>")
        out.append('<ul class="small">' + "".join(f"<li>{e(n)}</li>" for n in opt["notes"]))
        out.append("</ul><h3>Sources of the baseline</h3><ul>")
        out += [f"<li>{e(s)}</li>" for s in p["sources"]]
        out += [f"<li>counting: {e(n)}</li>" for n in p["counting_notes"]]
        if p["unverified"]:
            out.append(f'<li class="warn">unverified figures: {e(", ".join(p["unverified"]))}</li>')
        out.append("</ul></section>")
    for b in doc["burden"]:
        out.append(f"<section><h2>Verification burden, {e(b['party'])}</h2>")
        out.append(
            f"<p>Against a cheat of {b['cheat']} item(s): {_pct(b['per_year_detection'])} a year,"
            f" {_pct(b['life_detection'])} over {b['years']} year(s);"
            f" {b['inspector_days_per_year']:,} inspector-days a year.</p>"
        )
        out.append(
            "<table><tr><th>type</th><th>quota</th><th>sites</th><th>per year</th>"
            "<th>over life</th><th>quota for target</th></tr>"
        )
        for t in b["types"]:
            need = "unreachable" if t["quota_needed"] is None else str(t["quota_needed"])
            out.append(
                f"<tr><td>{e(t['type'])}</td><td>{t['per_year']}</td><td>{t['sites']}</td>"
                f"<td>{_pct(t['per_year_detection'])}</td><td>{_pct(t['life_detection'])}</td>"
                f"<td>{need} (target {_pct(b['target'])})</td></tr>"
            )
        out.append('</table><ul class="small">')
        out += [f"<li>{e(a)}</li>" for a in b["assumptions"]]
        out.append("</ul></section>")
    if doc["findings"]:
        out.append('<h2>Findings</h2><ul class="warn">')
        out += [f"<li>{e(f['message'])}</li>" for f in doc["findings"]]
        out.append("</ul>")
    out.append("<h2>Assumptions</h2><ul>")
    out += [f"<li>{e(a)}</li>" for a in doc["assumptions"]]
    out.append("</ul>")
    out.append("</body></html>")
    return "".join(out) + "\n"
