"""Report sections for overdue notifications, discrepancies and anomalies, as data.

Sections are :class:`armsctl.charts.Section` values (tables and charts, no markup), which
:func:`armsctl.reports.render_sections` turns into HTML for
:func:`armsctl.reports.write_report`'s ``extra_sections``. For the sites with the strongest
evidence, a chart of declared against observed counts over time; the web's monitoring page
draws the same chart with :func:`site_chart`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from armsctl.charts import Axis, Chart, Point, ReferenceLine, Section, Series, Table
from armsctl.monitoring.anomalies import Flag
from armsctl.monitoring.fusion import Fusion
from armsctl.notifications.deadlines import DeadlineStatus
from armsctl.notifications.reconcile import Reconciliation

__all__ = ["SiteObservation", "report_sections", "site_chart", "site_observations"]

SiteObservation = tuple[dt.datetime, int, int, str]
"""One observation of a site: ``(time, declared count, observed count, source)``."""


def site_chart(title: str, observations: Sequence[SiteObservation]) -> Chart:
    """Declared against observed counts of one site over time.

    The declared count is a reference line when it never changes (so a single observation
    still shows what was declared) and a step series when it does (each declared count holds
    until the next); observed counts are markers, one series per source.
    """
    ordered = sorted(observations, key=lambda o: o[0])
    declared = sorted({o[1] for o in ordered})
    series: list[Series] = []
    references: list[ReferenceLine] = []
    if len(declared) == 1:
        references.append(ReferenceLine("y", declared[0], f"declared {declared[0]:,}"))
    elif declared:
        series.append(Series("declared", [Point(o[0], o[1]) for o in ordered], kind="step"))
    for source in sorted({o[3] for o in ordered}):
        points = [Point(o[0], o[2]) for o in ordered if o[3] == source]
        series.append(Series(f"observed ({source})", points, kind="points"))
    return Chart(
        title=title,
        x=Axis("observed at (UTC)", "date"),
        y=Axis("items"),
        series=tuple(series),
        references=tuple(references),
    )


def site_observations(
    fusion: Fusion, party: str, site: str, category: str
) -> list[SiteObservation]:
    """The observations of one site and category that the fusion weighed, oldest first."""
    import pyarrow.compute as pc

    t = fusion.contributions
    mask = pc.and_(
        pc.and_(pc.equal(t.column("party"), party), pc.equal(t.column("site"), site)),
        pc.equal(t.column("category"), category),
    )
    rows = t.filter(mask).to_pylist()
    return sorted(
        ((r["time"], int(r["declared"]), int(r["count"]), str(r["source"])) for r in rows),
        key=lambda o: o[0],
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    return Table(tuple(headers), tuple(tuple(str(c) for c in row) for row in rows))


def report_sections(
    *,
    deadlines: Sequence[DeadlineStatus] = (),
    reconciliations: Sequence[Reconciliation] = (),
    fusion: Fusion | None = None,
    flags: Sequence[Flag] = (),
    charts: int = 3,
    limit: int = 200,
) -> list[Section]:
    """The report sections the inputs allow; empty inputs give no section."""
    sections: list[Section] = []
    overdue = [s for s in deadlines if s.verdict in ("overdue", "late")]
    if overdue:
        sections.append(
            Section(
                "Overdue and late notifications",
                tables=(
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
                ),
            )
        )
    findings = [f for r in reconciliations for f in r.findings(limit)]
    if findings:
        sections.append(
            Section(
                "Declarations against notifications",
                tables=(
                    _table(
                        ("finding", "subject", "explanation"),
                        [(f["kind"], f["subject"], f["explanation"]) for f in findings],
                    ),
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
        sections.append(
            Section(
                "Observations against declarations",
                paragraphs=(
                    "Sites ranked by the evidence (log10 likelihood ratio) that at least "
                    f"{fusion.d} item(s) are undeclared.",
                ),
                tables=(
                    _table(
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
                    ),
                ),
                charts=tuple(
                    site_chart(
                        f"{s.party} {s.site}: {s.category}",
                        site_observations(fusion, s.party, s.site, s.category),
                    )
                    for s in fusion.ranking[:charts]
                ),
            )
        )
    if flags:
        sections.append(
            Section(
                "Anomalies",
                tables=(
                    _table(
                        ("kind", "party", "subject", "explanation"),
                        [(f.kind, f.party, f.subject, f.explanation) for f in flags[:limit]],
                    ),
                ),
            )
        )
    return sections
