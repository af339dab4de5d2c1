"""The notifications and monitoring step of ``armsctl demo``: a synthetic month with planted problems.

A month of a party's item changes is generated with every change notified on time except one
late notification and one change never notified; a few observations of four sites are made, one
of which sees clearly more items than declared. The step writes the files, reads them back through
the validating readers (as a user's files would be), and prints findings naming exactly the
planted problems.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table

__all__ = ["DemoResult", "demo_sections", "demo_step", "run_demo"]

PARTY = "USA"
BEFORE = dt.date(2024, 3, 1)
AFTER = dt.date(2024, 4, 1)
AT = dt.datetime(2024, 4, 15, tzinfo=dt.UTC)
CONTRADICTING_SITE_RANK = 1  # which of the observed sites gets the undeclared items


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the step found, and what was planted, for the printout and for tests."""

    reconciliation: Any
    fusion: Any
    deadlines: list[Any]
    planted_late: list[str]
    planted_unnotified: list[tuple[str, str]]
    planted_site: str
    files: dict[str, Path]


def run_demo(workdir: Path) -> DemoResult:
    """Generate the month, write its files, read them back and compute the findings."""
    import pyarrow.csv as pacsv

    from armsctl.inventory import read_declarations, read_party_items
    from armsctl.monitoring import declared_counts, fuse, read_observations, read_sites
    from armsctl.notifications import read_notifications, reconcile, track, write_notifications
    from armsctl.notifications.synthetic import notifications_from_table, synthetic_exchange
    from armsctl.treaty import load_treaty

    treaty = load_treaty("new-start")
    folder = workdir / "monitoring"
    folder.mkdir(parents=True, exist_ok=True)
    exchange = synthetic_exchange(
        120, 12, party=PARTY, before=BEFORE, after=AFTER, late=1, unnotified=1, facilities=8, seed=7
    )
    decl_path = folder / "declarations.csv"
    pacsv.write_csv(exchange.items, decl_path)
    notes_path = folder / "notifications.json"
    notes = notifications_from_table(exchange.notifications, treaty.id, ("RUS",))
    write_notifications(notes_path, treaty, notes)

    decls = read_declarations([decl_path], treaty)
    notes = read_notifications(notes_path, treaty)
    items = read_party_items(decls, party=PARTY, dates=(BEFORE, AFTER))
    result = reconcile(decls, items, notes, party=PARTY, before=BEFORE, after=AFTER, at=AT)

    declared = declared_counts(decls)
    current = sorted(
        (r for r in declared.to_pylist() if r["as_of"] == AFTER and r["site"] is not None),
        key=lambda r: (-r["declared"], r["site"], r["category"]),
    )
    chosen: list[dict[str, Any]] = []
    for r in current:
        if r["site"] not in {c["site"] for c in chosen}:
            chosen.append(r)
        if len(chosen) == 4:
            break
    planted = chosen[CONTRADICTING_SITE_RANK]["site"]
    sites_path = folder / "sites.geojson"
    sites_path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [-100.0 + i, 45.0 + i / 2]},
                        "properties": {
                            "id": r["site"],
                            "party": PARTY,
                            "name": f"Site {r['site']}",
                        },
                    }
                    for i, r in enumerate(chosen)
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    lines = ["id,site,category,count,time,source,p_detect,fp_rate,se"]
    for i, r in enumerate(chosen):
        base = int(r["declared"])
        extra = 6 if r["site"] == planted else 0
        # Counting sources see 90% of what is there; the open-source estimate is unbiased.
        lines.append(
            f"O{i}a,{r['site']},{r['category']},{round(0.9 * (base + extra))},2024-04-03T10:00:00Z,satellite,0.9,0.2,"
        )
        lines.append(
            f"O{i}b,{r['site']},{r['category']},{round(0.9 * (base + extra))},2024-04-09T10:00:00Z,aircraft,0.9,0.2,"
        )
        lines.append(
            f"O{i}c,{r['site']},{r['category']},{base + extra},2024-04-11T00:00:00Z,open-source,,,2.5"
        )
    obs_path = folder / "observations.csv"
    obs_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sites = read_sites(sites_path, treaty)
    observations = read_observations([obs_path], treaty, now=AT, sites=sites)
    fusion = fuse(observations, declared, d=1)
    return DemoResult(
        result,
        fusion,
        track(notes, treaty, at=AT),
        exchange.late_ids,
        exchange.unnotified,
        planted,
        {
            "declarations": decl_path,
            "notifications": notes_path,
            "observations": obs_path,
            "sites": sites_path,
        },
    )


def demo_sections(result: DemoResult) -> list[tuple[str, str]]:
    """The demo's report sections: overdue notifications, discrepancies, per-site charts."""
    from armsctl.monitoring.views import report_sections
    from armsctl.reports import render_sections

    return render_sections(
        report_sections(
            deadlines=result.deadlines,
            reconciliations=[result.reconciliation],
            fusion=result.fusion,
        )
    )


def demo_step(console: Console, workdir: Path) -> DemoResult:
    """Print the monitoring part of the demo and return its findings (for the report)."""
    from armsctl.cli._monitoring_commands import evidence_cells

    result = run_demo(workdir)
    r = result.reconciliation
    console.print(Rule("Notifications between data exchanges (synthetic month)"))
    c = r.counts
    console.print(
        f"{PARTY} declarations as of {r.before} and {r.after}: {c['changes']} item changes, "
        f"{c['notifications']} notifications ({result.files['notifications']}); checked at {AT:%Y-%m-%d}."
    )
    console.print(
        f"{c['covered']} changes covered on time, {c['covered-late']} covered late, "
        f"{c['uncovered']} uncovered, {c['unsupported']} unsupported notifications."
    )
    for f in r.findings():
        console.print(f"  [bold red]{f['kind']}[/]: {escape(f['explanation'])}", soft_wrap=True)
    console.print(Rule("Observations against declarations"))
    table = Table(title="Sites ranked by evidence of at least 1 undeclared item")
    for col in ("site", "category", "obs", "declared", "observed", "log10 LR", "verdict"):
        table.add_column(
            col, justify="right" if col in ("obs", "declared", "observed", "log10 LR") else "left"
        )
    for s in result.fusion.ranking:
        style = "bold red" if s.log10_lr > 2 else "white"
        table.add_row(*evidence_cells(s), f"[{style}]{s.verdict}[/]")
    console.print(table)
    contradicted = [s for s in result.fusion.ranking if s.log10_lr > 2]
    for s in contradicted:
        console.print(
            f"  [bold red]contradicts the declaration[/]: {escape(s.explanation(result.fusion.d))}",
            soft_wrap=True,
        )
    return result
