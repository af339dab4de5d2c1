"""``armsctl treaty``: list, show and validate treaty files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from armsctl.cli._common import OutputFormat, out_console, print_json
from armsctl.cli._options import CommandGroup, Format, TreatyRef

if TYPE_CHECKING:
    from armsctl.treaty import Treaty

__all__ = ["per_party_dates", "register"]

treaty_app = CommandGroup(
    help="Treaties as code: list, show and validate treaty files.", no_args_is_help=True
)


@treaty_app.command("list")
def list_(
    fmt: Format = OutputFormat.table,
) -> None:
    """List the bundled treaties."""
    from armsctl.treaty import bundled_treaty_ids, load_treaty

    treaties = [load_treaty(t) for t in bundled_treaty_ids()]
    if fmt is OutputFormat.json:
        print_json(
            [
                {
                    "id": t.id,
                    "short_title": t.short_title,
                    "entry_into_force": t.dates.entry_into_force.isoformat(),
                    "expiry": (e.isoformat() if (e := t.expiry_on()) else None),
                    "limits": len(t.limits),
                }
                for t in treaties
            ]
        )
        return
    table = Table(title="Bundled treaties")
    for col in ("id", "treaty", "in force", "ends", "limits", "quotas", "notifications"):
        table.add_column(col)
    for t in treaties:
        expiry = t.expiry_on()
        table.add_row(
            t.id,
            t.short_title,
            t.dates.entry_into_force.isoformat(),
            expiry.isoformat() if expiry else "-",
            str(len(t.limits)),
            str(len(t.inspection_quotas)),
            str(len(t.notifications)),
        )
    out_console.print(table)


@treaty_app.command("show")
def show(
    treaty: TreatyRef,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show a treaty's dates, limits, interpretations, quotas and notification duties."""
    from armsctl.treaty import load_treaty

    t = load_treaty(treaty)
    if fmt is OutputFormat.json:
        doc = t.model_dump(mode="json", by_alias=True)
        doc["per_party"] = per_party_dates(t)
        print_json(doc)
        return
    expiry = t.expiry_on()
    out_console.print(f"[bold]{t.short_title}[/] ({t.id}): {t.title}")
    members = ", ".join(t.parties.members) if t.parties.members else "open to any state"
    out_console.print(f"Parties: {members}")
    out_console.print(
        f"Signed {t.dates.signed}, in force {t.dates.entry_into_force}"
        + (f", ends {expiry}" if expiry else "")
    )
    for s in t.dates.suspensions:
        out_console.print(
            f"  {s.party} {s.kind} effective {s.effective}"
            + (" (unverified)" if s.provenance == "M" else "")
        )
    if t.limits:
        table = Table(title="Limits")
        for col in ("id", "maximum", "effective", "scope", "article", "source"):
            table.add_column(col)
        for x in t.limits:
            mark = " (unverified)" if x.provenance == "M" else ""
            scope = x.scope + (f": {', '.join(x.groups + x.zones)}" if x.groups or x.zones else "")
            table.add_row(
                x.id,
                f"{x.maximum:,}{mark}",
                x.effective_rule or x.effective.isoformat(),
                scope + (f" ({', '.join(x.parties)})" if x.parties else ""),
                x.article,
                x.source or "",
            )
        out_console.print(table)
    for x in t.limits:
        for day, phase in zip(t.phase_dates(x), x.phases, strict=True):
            ceiling = (
                f"{phase.maximum:,}"
                if phase.maximum is not None
                else f"{phase.fraction:.0%} of baseline"
            )
            out_console.print(
                f"  {x.id} from {day}: at most {ceiling} ({phase.article})", highlight=False
            )
    for pd in t.party_dates:
        own = [
            f"{key.replace('_', ' ')} {value}"
            for key in (
                "signature",
                "ratification",
                "accession",
                "entry_into_force",
                "withdrawal_notice",
                "withdrawal_effective",
                "suspension",
            )
            if (value := getattr(pd, key)) is not None
        ]
        own += [f"{e.limit} extended to {e.new_date}" for e in pd.extensions]
        mark = " (unverified)" if pd.provenance == "M" else ""
        out_console.print(f"{pd.party}: {'; '.join(own) or 'treaty dates'}{mark}", highlight=False)
    for i in t.interpretations:
        out_console.print(
            f"Interpretation [bold]{i.id}[/]: {i.title} (argued by {', '.join(i.argued_by)})"
        )
    if t.inspection_quotas:
        table = Table(title="Inspection quotas")
        for col in ("id", "quota", "kind", "article"):
            table.add_column(col)
        for q in t.inspection_quotas:
            if q.per_year is not None:
                quota = f"{q.per_year} per year"
            elif q.per_party:
                quota = ", ".join(f"{k} {v}" for k, v in q.per_party.items())
            else:
                quota = f"1 per {q.units_per_inspection} units, at most {q.max_per_year}"
            if q.provenance == "M":
                quota += " (unverified)"
            table.add_row(q.id, quota, q.kind, q.article)
        out_console.print(table)
    if t.notifications:
        table = Table(title="Notification duties")
        for col in ("id", "deadline", "article"):
            table.add_column(col)
        for n in t.notifications:
            mark = " (unverified)" if n.provenance == "M" else ""
            table.add_row(n.id, f"{n.deadline} {n.direction}{mark}", n.article)
        out_console.print(table)


def per_party_dates(t: Treaty) -> dict[str, dict[str, Any]]:
    """Every date as it applies to each party with its own dates (and every listed member).

    Entry into force for the party, withdrawal, and each limit's effective date and phase
    steps after relative dates and extensions are resolved for that party.
    """
    parties = list(dict.fromkeys([*t.parties.members, *(pd.party for pd in t.party_dates)]))
    out: dict[str, dict[str, Any]] = {}
    for party in parties:
        withdrawal = t.withdrawal_effective(party) or t.withdrawn_on(party, dt.date.max)
        out[party] = {
            "entry_into_force": t.entry_into_force_for(party).isoformat(),
            "withdrawal_effective": withdrawal.isoformat() if withdrawal else None,
            "limits": {
                x.id: {
                    "effective": t.limit_effective(x, party).isoformat(),
                    "phases": [
                        {
                            "date": day.isoformat(),
                            "maximum": phase.maximum,
                            "fraction": phase.fraction,
                            "article": phase.article,
                        }
                        for day, phase in zip(t.phase_dates(x, party), x.phases, strict=True)
                    ],
                }
                for x in t.limits
                if x.scope == "party" and (not x.parties or party in x.parties)
            },
        }
    return out


@treaty_app.command("validate")
def validate(
    path: Path = typer.Argument(..., help="A treaty .toml file."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Check a treaty file against the schema; exit 2 with one line per problem.

    With --format json the verdict is also a document on stdout: ``valid`` and, for an
    invalid file, every ``problems`` entry (file, where, message).
    """
    from armsctl.errors import InputError
    from armsctl.treaty import load_treaty

    try:
        t = load_treaty(path)
    except InputError as exc:
        if fmt is OutputFormat.json:
            print_json(
                {
                    "file": str(path),
                    "valid": False,
                    "problems": [
                        {"where": p.where, "location": p.location, "message": p.message}
                        for p in exc.problems
                    ],
                }
            )
        raise
    doc = {
        "file": str(path),
        "valid": True,
        "id": t.id,
        "limits": len(t.limits),
        "categories": len(t.categories),
    }
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    out_console.print(
        f"{path}: valid treaty {t.id!r} ({len(t.limits)} limits, {len(t.categories)} categories)"
    )


def register(app: typer.Typer) -> None:
    """Add ``armsctl treaty`` to the application."""
    app.add_typer(treaty_app, name="treaty")
