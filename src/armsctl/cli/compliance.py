"""``armsctl check``, ``history``, ``diff`` and ``report``: compliance from declaration files."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from armsctl.cli._common import (
    EXIT_VIOLATION,
    OutputFormat,
    out_console,
    print_json,
    user_errors,
)
from armsctl.errors import InputError, ParameterError

if TYPE_CHECKING:
    from armsctl.compliance import Report
    from armsctl.inventory import DeclarationSet
    from armsctl.treaty import Treaty

__all__ = ["load_inputs", "parse_date", "register"]

STATUS_STYLE = {
    "compliant": "green",
    "violation": "bold red",
    "not-in-force": "yellow",
    "expired": "dim",
    "no-data": "magenta",
}

TREATY_ARG = typer.Argument(
    ..., help="A bundled treaty id (see `armsctl treaty list`) or a .toml file."
)
DECL_OPT = typer.Option(
    None,
    "--declarations",
    "-d",
    help="Declaration file(s) or folder(s): CSV, JSON or Parquet. Default: the treaty's bundled public record.",
)
INTERP_OPT = typer.Option(
    None, "--interpretation", help="Count under a named interpretation (dispute mode)."
)


class ReportFormat(str, Enum):
    """Report file formats."""

    html = "html"
    md = "md"
    json = "json"


def parse_date(value: str, name: str) -> dt.date:
    """A YYYY-MM-DD option value, or a clear error naming the option."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{name}: bad date {value!r} (expected YYYY-MM-DD)") from None


def load_inputs(treaty_ref: str, paths: list[Path] | None) -> tuple[Treaty, DeclarationSet]:
    """The treaty and its declarations (the bundled public record when no path is given)."""
    from armsctl.inventory import read_declarations
    from armsctl.treaty import load_treaty, public_record_path

    treaty = load_treaty(treaty_ref)
    if not paths:
        record = public_record_path(treaty)
        if record is None:
            raise InputError(
                f"treaty {treaty.id!r} ships no public record: give --declarations PATH"
            )
        paths = [record]
    return treaty, read_declarations(paths, treaty)


def _styled(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def print_report(report: Report, title: str) -> None:
    """Render a compliance report as Rich tables, with flags and notes."""
    table = Table(title=title)
    for col in ("party", "data as of", "limit", "value", "max", "margin", "status"):
        table.add_column(col, justify="right" if col in ("value", "max", "margin") else "left")
    for p in report.parties:
        for i, x in enumerate(p.limits):
            value = (
                "-"
                if x.value is None
                else f"{x.value:,}" + (" (unverified)" if x.provenance == "M" else "")
            )
            table.add_row(
                p.party if i == 0 else "",
                (str(p.declaration_as_of) if p.declaration_as_of else "none") if i == 0 else "",
                x.id,
                value,
                f"{x.max:,}",
                "-" if x.margin is None else f"{x.margin:,}",
                _styled(x.status),
            )
    for g in report.groups:
        for x in g.limits:
            table.add_row(
                g.group,
                "",
                x.id,
                "-" if x.value is None else f"{x.value:,}",
                f"{x.max:,}",
                "-" if x.margin is None else f"{x.margin:,}",
                _styled(x.status),
            )
    out_console.print(table)
    for p in report.parties:
        out_console.print(f"{p.party}: {_styled(p.status)}")
        for flag in p.flags:
            out_console.print(f"  [yellow]![/] {flag}", highlight=False)
    for note in report.notes:
        out_console.print(f"[dim]note: {note}[/]", highlight=False)
    out_console.print(f"Overall at {report.at}: {_styled(report.status)}")


@user_errors
def check(
    treaty: str = TREATY_ARG,
    declarations: list[Path] | None = DECL_OPT,
    at: str | None = typer.Option(
        None, "--at", help="Date to check (YYYY-MM-DD); default: the latest declaration date."
    ),
    interpretation: str | None = INTERP_OPT,
    explain: bool = typer.Option(False, "--explain", help="Show how each figure is made up."),
    items: int = typer.Option(
        0, "--items", min=0, help="With item-level data: list up to N items behind each component."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json"),
) -> None:
    """Check every limit for every party at a date. Exit 0 compliant, 1 violation, 2 bad input."""
    from armsctl.compliance import evaluate, report_to_dict

    t, decls = load_inputs(treaty, declarations)
    day = (
        parse_date(at, "--at") if at else (max(decls.dates()) if decls.dates() else dt.date.today())
    )
    report = evaluate(t, decls, day, interpretation=interpretation)
    doc = report_to_dict(report)
    if items:
        _attach_items(doc, decls, items)
    if fmt is OutputFormat.json:
        print_json(doc)
    else:
        title = f"{t.short_title} at {day}" + (
            f" under {interpretation!r}" if interpretation else ""
        )
        print_report(report, title)
        if explain or items:
            _print_explanations(doc)
    if report.status == "violation":
        raise typer.Exit(EXIT_VIOLATION)


def _attach_items(doc: dict[str, Any], decls: DeclarationSet, limit: int) -> None:
    """Add to each explanation part of an item-level declaration the items that make it up."""
    from armsctl.compliance import explain_items
    from armsctl.inventory.model import parse_component_measure

    for party in doc["parties"]:
        if party["declaration_kind"] != "items":
            continue
        as_of = dt.date.fromisoformat(party["declaration_as_of"])
        for limit_doc in party["limits"]:
            for part in limit_doc["explanation"]:
                key = parse_component_measure(part["measure"])
                if key is not None and part["value"]:
                    part["items"] = explain_items(
                        decls,
                        party=party["party"],
                        as_of=as_of,
                        category=key.category,
                        status=key.status,
                        limit=limit,
                    )


def _print_explanations(doc: dict[str, Any]) -> None:
    for party in doc["parties"]:
        for x in party["limits"]:
            parts = " + ".join(
                (f"{part['weight']} x " if part["weight"] != 1 else "")
                + f"{part['measure']} ({part['value']:,})"
                for part in x["explanation"]
            )
            out_console.print(
                f"{party['party']} {x['id']} = {parts or x['note'] or '-'}", highlight=False
            )
            for part in x["explanation"]:
                for item in part.get("items", []):
                    out_console.print(
                        f"    {part['measure']}: {item['uid']} at {item['facility']}"
                        + (f", warheads {item['warheads']}" if "warheads" in item else ""),
                        highlight=False,
                    )


@user_errors
def history(
    treaty: str = TREATY_ARG,
    declarations: list[Path] | None = DECL_OPT,
    interpretation: str | None = INTERP_OPT,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json"),
) -> None:
    """Every declaration date against every limit."""
    from armsctl.compliance import history as run_history
    from armsctl.compliance import report_to_dict

    t, decls = load_inputs(treaty, declarations)
    reports = run_history(decls, interpretation=interpretation)
    if fmt is OutputFormat.json:
        print_json([report_to_dict(r) for r in reports])
        return
    table = Table(title=f"{t.short_title}: compliance history")
    table.add_column("as of")
    for limit in t.limits:
        if limit.scope == "party":
            for party in t.parties.members or decls.parties():
                table.add_column(f"{party} {limit.id}\n(max {limit.maximum:,})", justify="right")
    table.add_column("status")
    for r in reports:
        cells = []
        for limit in t.limits:
            if limit.scope != "party":
                continue
            for p in r.parties:
                x = next(y for y in p.limits if y.id == limit.id)
                own = p.declaration_as_of == r.at
                text = "-" if x.value is None or not own else f"{x.value:,}"
                if own and x.provenance == "M":
                    text += "*"
                if own and x.margin is not None and x.margin < 0:
                    text = f"[red]{text}[/]"
                cells.append(text)
        table.add_row(str(r.at), *cells, _styled(r.status))
    out_console.print(table)
    out_console.print(
        "* unverified figure; red: above the limit (a violation only once the limit is in force)"
    )


@user_errors
def diff(
    treaty: str = TREATY_ARG,
    declarations: list[Path] = typer.Option(
        ..., "--declarations", "-d", help="Item-level declaration file(s)."
    ),
    party: str = typer.Option(..., "--party", help="Party code, e.g. USA."),
    before: str = typer.Option(..., "--from", help="Earlier declaration date (YYYY-MM-DD)."),
    after: str = typer.Option(..., "--to", help="Later declaration date (YYYY-MM-DD)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json"),
) -> None:
    """Items added, removed and changed between two declarations of a party."""
    from armsctl.inventory import diff_items

    _, decls = load_inputs(treaty, declarations)
    changes = diff_items(
        decls, party=party, before=parse_date(before, "--from"), after=parse_date(after, "--to")
    )
    if fmt is OutputFormat.json:
        print_json(
            [
                {
                    "party": c.party,
                    "uid": c.uid,
                    "change": c.change,
                    "category": c.category,
                    "fields": {k: {"before": v[0], "after": v[1]} for k, v in c.fields.items()},
                }
                for c in changes
            ]
        )
        return
    table = Table(title=f"{party}: {before} -> {after} ({len(changes)} changes)")
    for col in ("uid", "change", "category", "what"):
        table.add_column(col)
    for c in changes:
        what = (
            "; ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in c.fields.items())
            if c.change == "changed"
            else ""
        )
        table.add_row(c.uid, c.change, c.category, what)
    out_console.print(table)


@user_errors
def report(
    treaty: str = TREATY_ARG,
    declarations: list[Path] | None = DECL_OPT,
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="File to write."),
    fmt: ReportFormat = typer.Option(ReportFormat.html, "--format", help="html, md or json"),
    interpretation: str | None = INTERP_OPT,
) -> None:
    """Write a compliance report: charts per limit, the latest table and the explanations."""
    from armsctl.reports import write_report

    t, decls = load_inputs(treaty, declarations)
    path = write_report(t, decls, output, fmt=fmt.value, interpretation=interpretation)
    out_console.print(f"report written to {path}")


def register(app: typer.Typer) -> None:
    """Add the compliance commands to the application."""
    app.command("check")(check)
    app.command("history")(history)
    app.command("diff")(diff)
    app.command("report")(report)
