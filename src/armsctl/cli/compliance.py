"""``armsctl check``, ``history``, ``diff`` and ``report``: compliance from declaration files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from armsctl.cli._common import (
    OutputFormat,
    exit_if_found,
    out_console,
    print_json,
    user_errors,
)
from armsctl.cli._options import DocFormat, DocumentFormat, Format, TreatyRef
from armsctl.errors import InputError, ParameterError

if TYPE_CHECKING:
    from armsctl.compliance import LimitResult, Report
    from armsctl.inventory import DeclarationSet
    from armsctl.treaty import Treaty

__all__ = ["load_inputs", "parse_date", "register"]

STATUS_STYLE = {
    "compliant": "green",
    "violation": "bold red",
    "not-in-force": "yellow",
    "expired": "dim",
    "no-data": "magenta",
    "withdrawn": "cyan",
}

DECL_OPT = typer.Option(
    None,
    "--declarations",
    "-d",
    help="Declaration file(s) or folder(s): CSV, JSON or Parquet. Default: the treaty's bundled public record.",
)
INTERP_OPT = typer.Option(
    None, "--interpretation", help="Count under a named interpretation (dispute mode)."
)


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


def _value_text(x: LimitResult) -> str:
    if x.value is None:
        return "-"
    text = f"{x.value:,}"
    if x.lower_bound:
        text = f">= {text}"
    return text + (" (unverified)" if x.provenance == "M" else "")


def _table(title: str | None = None) -> Table:
    """A table whose cells wrap (fold) instead of being cut: identifiers stay whole.

    Light borders and no edge padding, so that the widest report still reads at 80 columns.
    """
    from rich import box

    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)


def _add_columns(table: Table, names: tuple[str, ...]) -> None:
    for col in names:
        table.add_column(
            col,
            justify="right" if col in ("value", "max", "margin") else "left",
            overflow="fold",
            no_wrap=col in ("limit", "max", "margin", "status"),  # identifiers stay whole
            min_width=len("(unverified)") if col == "value" else None,
        )


def print_report(report: Report, title: str) -> None:
    """Render a compliance report as Rich tables, with flags and notes.

    Group and zone limits are listed with the group they apply to and the parties counted.
    """
    table = _table(title)
    # The party's data date goes under its code (one column for both), so that the widest
    # rows, "deployed-delivery-vehicles" and "540 (unverified)", stay whole at 80 columns.
    _add_columns(table, ("party, data as of", "limit", "value", "max", "margin", "status"))
    for p in report.parties:
        as_of = str(p.declaration_as_of) if p.declaration_as_of else "none"
        for i, x in enumerate(p.limits):
            if p.withdrawn_on is not None and i > 0:
                continue
            if p.withdrawn_on is not None:
                table.add_row(p.party, "all", "-", "", "", _styled(f"withdrawn {p.withdrawn_on}"))
                continue
            who = {0: p.party, 1: as_of}.get(i, "")
            if i == 0 and len(p.limits) == 1:
                who = f"{p.party}\n{as_of}"
            table.add_row(
                who,
                x.id,
                _value_text(x),
                f"{x.max:,}",
                "-" if x.margin is None else f"{x.margin:,}",
                _styled(x.status),
            )
    for g in report.groups:
        for i, x in enumerate(g.limits):
            table.add_row(
                f"group {g.group}" if i == 0 else "",
                x.id,
                _value_text(x),
                f"{x.max:,}",
                "-" if x.margin is None else f"{x.margin:,}",
                _styled(x.status),
            )
    out_console.print(table)
    for p in report.parties:
        out_console.print(f"{p.party}: {_styled(p.status)}")
        for flag in p.flags:
            out_console.print(f"  [yellow]![/] {flag}", highlight=False)
    for g in report.groups:
        covers = ", ".join(g.covers) or "nobody"
        out_console.print(f"group {g.group} ({covers}): {_styled(g.status)}", highlight=False)
        for x in g.limits:
            if x.note:
                out_console.print(f"  [yellow]![/] {x.id}: {x.note}", highlight=False)
    for note in report.notes:
        out_console.print(f"[dim]note: {escape(note)}[/]", highlight=False)
    for r in report.activities:
        out_console.print(
            f"activity {escape(r.uid)} ({r.party} {r.event} {r.time:%Y-%m-%d}) under {r.rule}: "
            f"{_styled(r.status)}: {escape(r.reason)}",
            highlight=False,
        )
    out_console.print(f"Overall at {report.at}: {_styled(report.status)}")


@user_errors
def check(
    treaty: TreatyRef,
    declarations: list[Path] | None = DECL_OPT,
    at: str | None = typer.Option(
        None, "--at", help="Date to check (YYYY-MM-DD); default: the latest declaration date."
    ),
    interpretation: str | None = INTERP_OPT,
    explain: bool = typer.Option(
        False, "--explain/--no-explain", show_default=False, help="Show how each figure is made up."
    ),
    items: int = typer.Option(
        0, "--items", min=0, help="With item-level data: list up to N items behind each component."
    ),
    activities: Path | None = typer.Option(
        None, "--activities", help="Reported activities (CSV/JSON: party,event,time,uid,...)."
    ),
    notifications: Path | None = typer.Option(
        None, "--notifications", help="Notifications (CSV/JSON) that activity rules check."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Check every limit for every party at a date. Exit 0 compliant, 1 violation, 2 bad input."""
    from armsctl.compliance import evaluate, report_to_dict
    from armsctl.compliance.activity_io import read_activities
    from armsctl.notifications import read_notifications

    t, decls = load_inputs(treaty, declarations)
    day = (
        parse_date(at, "--at") if at else (max(decls.dates()) if decls.dates() else dt.date.today())
    )
    events = read_activities(activities, t) if activities else []
    notes = read_notifications(notifications, t) if notifications else []
    report = evaluate(
        t, decls, day, interpretation=interpretation, activities=events, notifications=notes
    )
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
    exit_if_found(report.status == "violation")


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


def _explain_line(who: str, x: dict[str, Any]) -> str:
    parts = " + ".join(
        (f"{part['weight']} x " if part["weight"] != 1 else "")
        + f"{part['measure']} ({part['value']:,})"
        for part in x["explanation"]
    )
    line = f"{who} {x['id']} = {parts or x['note'] or '-'}"
    if parts and x["note"]:
        line += f" ({x['note']})"
    if x.get("step"):
        line += f"; max {x['max']:,} from {x['step']}"
    return escape(line)


def _print_explanations(doc: dict[str, Any]) -> None:
    for party in doc["parties"]:
        for x in party["limits"]:
            out_console.print(_explain_line(party["party"], x), highlight=False)
            for part in x["explanation"]:
                for item in part.get("items", []):
                    out_console.print(
                        f"    {part['measure']}: {item['uid']} at {item['facility']}"
                        + (f", warheads {item['warheads']}" if "warheads" in item else ""),
                        highlight=False,
                    )
    for group in doc["groups"]:
        who = f"group {group['group']} ({', '.join(group['covers']) or 'nobody'})"
        for x in group["limits"]:
            out_console.print(_explain_line(who, x), highlight=False)


@user_errors
def history(
    treaty: TreatyRef,
    declarations: list[Path] | None = DECL_OPT,
    interpretation: str | None = INTERP_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """Every declaration date against every limit. Exit 1 if any date has a violation."""
    from armsctl.compliance import history as run_history
    from armsctl.compliance import report_to_dict

    t, decls = load_inputs(treaty, declarations)
    reports = run_history(decls, interpretation=interpretation)
    if fmt is OutputFormat.json:
        print_json([report_to_dict(r) for r in reports])
    else:
        out_console.print(history_table(t.short_title, reports))
        out_console.print(
            "Each row is a figure declared that day (a group's when a member declared), with its "
            "status; * unverified figure; >= a lower bound (a member has no data)"
        )
    exit_if_found(any(r.status == "violation" for r in reports))


def history_table(title: str, reports: list[Report]) -> Table:
    """The history in long form: per date, its overall status, then each figure declared that day.

    Long rather than wide, so that it reads at 80 columns with every identifier whole, has no
    empty columns, and every status shown is the status of the figures on its own row. A
    group's figures are listed on the dates one of its members declared.
    """
    from rich import box

    table = Table(
        title=f"{title}: compliance history",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in ("as of / party", "limit", "value", "max", "status"):
        table.add_column(
            col, justify="right" if col in ("value", "max") else "left", overflow="fold"
        )
    for r in reports:
        declared = {p.party for p in r.parties if p.declaration_as_of == r.at}
        carried = sorted(
            p.party for p in r.parties if p.party not in declared and p.declaration_as_of
        )
        withdrawn = sorted(p.party for p in r.parties if p.withdrawn_on is not None)
        overall = "overall" + (f", {', '.join(carried)} carried forward" if carried else "")
        overall += f"; {', '.join(withdrawn)} withdrawn" if withdrawn else ""
        table.add_row(f"[bold]{r.at}[/]", overall, "", "", _styled(r.status))
        rows: list[tuple[str, LimitResult]] = [
            (p.party, x) for p in r.parties if p.party in declared for x in p.limits
        ]
        rows += [(g.group, x) for g in r.groups if declared & set(g.members) for x in g.limits]
        for who, x in rows:
            table.add_row(
                who,
                x.id,
                _value_text(x).replace(" (unverified)", "*"),
                f"{x.max:,}",
                _styled(x.status),
            )
        table.add_section()
    return table


@user_errors
def diff(
    treaty: TreatyRef,
    declarations: list[Path] = typer.Option(
        ..., "--declarations", "-d", help="Item-level declaration file(s)."
    ),
    party: str = typer.Option(..., "--party", help="Party code, e.g. USA."),
    before: str = typer.Option(..., "--from", help="Earlier declaration date (YYYY-MM-DD)."),
    after: str = typer.Option(..., "--to", help="Later declaration date (YYYY-MM-DD)."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Items added, removed and changed between two declarations of a party."""
    from armsctl.inventory import diff_items, read_party_items

    _, decls = load_inputs(treaty, declarations)
    day_before, day_after = parse_date(before, "--from"), parse_date(after, "--to")
    items = read_party_items(decls, party=party)
    changes = diff_items(decls, items, party=party, before=day_before, after=day_after)
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
    treaty: TreatyRef,
    declarations: list[Path] | None = DECL_OPT,
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="File to write."),
    fmt: DocFormat = DocumentFormat.html,
    interpretation: str | None = INTERP_OPT,
) -> None:
    """Write a compliance report: charts per limit, the latest table and the explanations."""
    from armsctl.reports import write_report

    t, decls = load_inputs(treaty, declarations)
    path = write_report(
        t, decls, output, at=dt.date.today(), fmt=fmt.value, interpretation=interpretation
    )
    out_console.print(f"report written to {path}")


def register(app: typer.Typer) -> None:
    """Add the compliance commands to the application."""
    app.command("check")(check)
    app.command("history")(history)
    app.command("diff")(diff)
    app.command("report")(report)
