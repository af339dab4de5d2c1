"""Compliance reports: one self-contained HTML file (inline SVG, no CDN), Markdown or JSON.

The HTML opens offline in a treaty office: charts are rendered to SVG on the machine that writes
the report and embedded in the page, styles are inline. Later features add sections through
``extra_sections`` rather than editing the template.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from armsctl.compliance import LimitResult, Report, evaluate, history, report_to_dict
from armsctl.inventory import DeclarationSet
from armsctl.treaty import Treaty

__all__ = ["limit_chart_svg", "render_html", "render_markdown", "write_report"]


def write_report(
    treaty: Treaty,
    declarations: DeclarationSet,
    output: Path,
    *,
    today: dt.date,
    fmt: str = "html",
    interpretation: str | None = None,
    extra_sections: list[tuple[str, str]] | None = None,
) -> Path:
    """Write the report in ``fmt`` (html, md, json) to ``output`` atomically; return the path.

    ``today`` (the caller's clock) is the date evaluated when there are no declarations.
    """
    series = history(declarations, interpretation=interpretation)
    latest = series[-1] if series else evaluate(treaty, declarations, today)
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


def _series(series: list[Report], limit_id: str, party: str) -> list[tuple[dt.date, int, bool]]:
    points = []
    for r in series:
        for p in r.parties:
            if p.party != party or p.declaration_as_of != r.at:
                continue
            x = next((y for y in p.limits if y.id == limit_id), None)
            if x is not None and x.value is not None:
                points.append((r.at, x.value, x.provenance == "M"))
        for g in r.groups:
            if g.group != party:
                continue
            x = next((y for y in g.limits if y.id == limit_id), None)
            if x is not None and x.value is not None:
                points.append((r.at, x.value, x.provenance == "M"))
    return points


def limit_chart_svg(treaty: Treaty, series: list[Report], limit_id: str) -> str:
    """Each party's series for one limit against the limit line and its effective date, as SVG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    limit = treaty.limit(limit_id)
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=100)
    parties = (
        list(limit.groups)
        if limit.scope != "party"
        else treaty.parties.members or sorted({p.party for r in series for p in r.parties})
    )
    markers = ["o", "s", "^", "D", "v"]
    for i, party in enumerate(parties):
        points = _series(series, limit_id, party)
        if not points:
            continue
        xs, ys, unverified = zip(*points, strict=True)
        ax.plot(xs, ys, marker=markers[i % len(markers)], markersize=4, label=party)
        for x, y, m in points:
            if m:
                ax.annotate(
                    "unverified", (x, y), fontsize=6, textcoords="offset points", xytext=(0, 6)
                )
        del unverified
    ax.axhline(
        limit.maximum, color="black", linestyle="--", linewidth=1, label=f"limit {limit.maximum:,}"
    )
    from matplotlib.dates import date2num

    ax.axvline(
        float(date2num(limit.effective)),  # type: ignore[no-untyped-call]
        color="grey",
        linestyle=":",
        linewidth=1,
        label=f"in force {limit.effective}",
    )
    ax.set_title(limit.title, fontsize=9)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem}
td.n{text-align:right}.violation{color:#b00;font-weight:bold}.compliant{color:#060}
.not-in-force{color:#a60}.expired,.no-data{color:#666}.flag{color:#a60}svg{max-width:100%;height:auto}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


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


def _latest_table(latest: Report) -> str:
    rows = []
    for who, as_of, x in _rows(latest):
        margin = "-" if x.margin is None else f"{x.margin:,}"
        rows.append(
            f"<tr><td>{_e(who)}</td><td>{_e(as_of)}</td>"
            f"<td>{_e(x.id)}</td><td class=n>{_e(_value(x))}</td><td class=n>{x.max:,}</td>"
            f"<td class=n>{_e(margin)}</td><td class='{_e(x.status)}'>{_e(x.status)}</td></tr>"
        )
    head = "<tr><th>party</th><th>data as of</th><th>limit</th><th>value</th><th>max</th><th>margin</th><th>status</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _explanations(latest: Report) -> str:
    items = []
    for who, _, x in _rows(latest):
        parts = " + ".join(
            (f"{part.weight} &times; " if part.weight != 1 else "")
            + f"{_e(part.measure)} ({part.value:,}{', unverified' if part.provenance == 'M' else ''})"
            for part in x.parts
        )
        note = f" ({_e(x.note)})" if parts and x.note else ""
        items.append(
            f"<li><b>{_e(who)} {_e(x.id)}</b> ({_e(x.article)}) = {parts or _e(x.note or '-')}{note}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def render_html(
    treaty: Treaty, series: list[Report], latest: Report, extra_sections: list[tuple[str, str]]
) -> str:
    """The self-contained HTML report."""
    charts = "".join(
        f"<h3>{_e(x.id)} (max {x.maximum:,}, in force {x.effective}, {_e(x.article)}"
        + (f"; for each of {_e(', '.join(x.groups))}" if x.scope != "party" else "")
        + ")</h3>"
        + limit_chart_svg(treaty, series, x.id)
        for x in treaty.limits
    )
    flags = "".join(f"<li class=flag>{_e(line)}</li>" for line in _summary(latest))
    notes = "".join(f"<li>{_e(n)}</li>" for n in latest.notes)
    extra = "".join(f"<h2>{_e(title)}</h2>{body}" for title, body in extra_sections)
    interp = f" under interpretation {_e(latest.interpretation)}" if latest.interpretation else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{_e(treaty.short_title)} compliance report</title><style>{_CSS}</style></head><body>
<h1>{_e(treaty.short_title)}: compliance report</h1>
<p>{_e(treaty.title)}. Latest status at {_e(latest.at)}{interp}:
<span class="{_e(latest.status)}">{_e(latest.status)}</span>.</p>
<h2>Latest figures</h2>{_latest_table(latest)}
<ul>{flags}{notes}</ul>
<h2>History per limit</h2>{charts}
<h2>How each figure is made up</h2>{_explanations(latest)}
{extra}
<p><small>Generated by armsctl. Figures tagged unverified are not confirmed in a cited public source.</small></p>
</body></html>
"""


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
