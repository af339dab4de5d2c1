"""HTML report sections for overdue notifications, discrepancies and anomalies.

Sections are ``(title, html)`` pairs for :func:`armsctl.reports.write_report`'s
``extra_sections``: plain tables (no map, so the report opens offline anywhere) and, for the sites
with the strongest evidence, a chart of declared against observed counts over time, rendered to
inline SVG with Matplotlib's Agg backend.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

from armsctl.monitoring.anomalies import Flag
from armsctl.monitoring.fusion import Fusion
from armsctl.notifications.deadlines import DeadlineStatus
from armsctl.notifications.reconcile import Reconciliation

__all__ = ["report_sections", "site_chart_svg"]


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def site_chart_svg(fusion: Fusion, party: str, site: str, category: str) -> str:
    """Declared (steps) and observed (markers per source) counts of one site over time, as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.compute as pc

    t = fusion.contributions
    mask = pc.and_(
        pc.and_(pc.equal(t.column("party"), party), pc.equal(t.column("site"), site)),
        pc.equal(t.column("category"), category),
    )
    rows = t.filter(mask).to_pylist()
    fig, ax = plt.subplots(figsize=(6.5, 2.6), dpi=100)
    if rows:
        times = [r["time"] for r in rows]
        ax.step(times, [r["declared"] for r in rows], where="post", label="declared", color="black")
        for source in sorted({r["source"] for r in rows}):
            pts = [r for r in rows if r["source"] == source]
            ax.plot(
                [r["time"] for r in pts],
                [r["count"] for r in pts],
                "o",
                label=f"observed ({source})",
            )
    ax.set_title(f"{party} {site}: {category}", fontsize=9)
    ax.set_ylabel("items")
    ax.legend(fontsize=7, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def report_sections(
    *,
    deadlines: Sequence[DeadlineStatus] = (),
    reconciliations: Sequence[Reconciliation] = (),
    fusion: Fusion | None = None,
    flags: Sequence[Flag] = (),
    charts: int = 3,
    limit: int = 200,
) -> list[tuple[str, str]]:
    """The report sections the inputs allow; empty inputs give no section."""
    sections: list[tuple[str, str]] = []
    overdue = [s for s in deadlines if s.verdict in ("overdue", "late")]
    if overdue:
        sections.append(
            (
                "Overdue and late notifications",
                _table(
                    ("notification", "type", "sender", "deadline", "verdict", "rule"),
                    [
                        (
                            s.notification_id,
                            s.type,
                            s.sender,
                            s.deadline.isoformat(),
                            s.verdict,
                            s.rule,
                        )
                        for s in overdue[:limit]
                    ],
                ),
            )
        )
    findings = [f for r in reconciliations for f in r.findings(limit)]
    if findings:
        sections.append(
            (
                "Declarations against notifications",
                _table(
                    ("finding", "subject", "explanation"),
                    [(f["kind"], f["subject"], f["explanation"]) for f in findings],
                ),
            )
        )
    if fusion is not None and fusion.ranking:
        rows = [
            (
                s.party,
                s.site,
                s.category,
                s.observations,
                s.latest_declared,
                s.latest_observed,
                f"{s.log10_lr:+.2f}",
                s.verdict,
            )
            for s in fusion.ranking[:limit]
        ]
        charts_html = "".join(
            f"<figure>{site_chart_svg(fusion, s.party, s.site, s.category)}</figure>"
            for s in fusion.ranking[:charts]
        )
        sections.append(
            (
                "Observations against declarations",
                f"<p>Sites ranked by the evidence (log10 likelihood ratio) that at least "
                f"{fusion.d} item(s) are undeclared.</p>"
                + _table(
                    (
                        "party",
                        "site",
                        "category",
                        "observations",
                        "declared",
                        "observed",
                        "log10 LR",
                        "verdict",
                    ),
                    rows,
                )
                + charts_html,
            )
        )
    if flags:
        sections.append(
            (
                "Anomalies",
                _table(
                    ("kind", "party", "subject", "explanation"),
                    [(f.kind, f.party, f.subject, f.explanation) for f in flags[:limit]],
                ),
            )
        )
    return sections
