"""``armsctl crosswalk``: classify an item list into each reporting regime's categories."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from armsctl.cli._common import OutputFormat, out_console, print_json, user_errors
from armsctl.cli._options import Format

__all__ = ["register"]


class Target(str, Enum):
    """Which regime to classify into."""

    unroca = "unroca"
    att = "att"
    cfe = "cfe"
    vd2011 = "vd2011"
    all = "all"


@user_errors
def crosswalk(
    items: Path = typer.Argument(..., help="Item list (CSV, JSON or Parquet) with uid and kind."),
    to: Target = typer.Option(Target.all, "--to", help="unroca, att, cfe, vd2011 or all"),
    fmt: Format = OutputFormat.table,
) -> None:
    """Classify items into UNROCA, ATT, CFE and Vienna Document categories, with exclusions."""
    from armsctl.crosswalk import REGIMES, classify, summarise
    from armsctl.crosswalk.io import read_items

    regimes = list(REGIMES) if to is Target.all else [to.value]
    records = read_items(items)
    classified = classify(records, regimes)
    summary = summarise(classified, regimes)
    if fmt is OutputFormat.json:
        print_json({"items": classified, "summary": summary})
        return
    table = Table(title=f"Crosswalk of {items.name}")
    table.add_column("uid", overflow="fold")
    for regime in regimes:
        table.add_column(regime, overflow="fold")
    for entry in classified:
        cells = [
            r["category"] if r["counted"] else "-"
            for r in (entry["regimes"][regime] for regime in regimes)
        ]
        table.add_row(entry["uid"], *cells)
    out_console.print(table)
    for entry in classified:
        for regime in regimes:
            result = entry["regimes"][regime]
            if not result["counted"]:
                out_console.print(
                    f"{escape(entry['uid'])} not counted by {regime}: {escape(result['reason'])}",
                    highlight=False,
                )
    for regime, s in summary.items():
        marks = s["unverified_categories"]
        note = f"; unverified definitions: {', '.join(marks)}" if marks else ""
        out_console.print(f"{regime}: {s['counted']} counted, {s['excluded']} excluded{note}")


def register(app: typer.Typer) -> None:
    """Add ``armsctl crosswalk`` to the application."""
    app.command("crosswalk")(crosswalk)
