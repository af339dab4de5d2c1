"""``armsctl demo``: the main job on the bundled New START record, one command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.rule import Rule
from rich.table import Table

from armsctl.cli._common import colour, marker, out_console, user_errors

if TYPE_CHECKING:
    from armsctl.compliance import LimitResult
    from armsctl.treaty import Treaty

__all__ = ["register"]

TURNING_POINT = dt.date(2018, 2, 5)


@user_errors
def demo(
    output_dir: Path = typer.Option(
        Path("out"), "--output-dir", "-o", help="Where the report and demo files go."
    ),
    serve: bool = typer.Option(
        False,
        "--serve/--no-serve",
        show_default=False,
        help="Then seed a fresh store (OUTPUT_DIR/demo.db) and serve the dashboard and API.",
    ),
    port: int = typer.Option(8000, "--port", help="Port for --serve (on 127.0.0.1)."),
) -> None:
    """Run the New START demo: the 2011-2023 data exchanges, compliance history, latest status, report."""
    from armsctl.cli.compliance import load_inputs, print_report
    from armsctl.compliance import evaluate
    from armsctl.compliance import history as run_history
    from armsctl.reports import write_report

    console = out_console
    treaty, decls = load_inputs("new-start", None)
    console.print(
        Rule(
            f"{treaty.short_title}: the public data exchanges {decls.dates()[0].year}-{decls.dates()[-1].year}"
        )
    )
    console.print(
        f"{len(decls.declarations)} declarations of {', '.join(decls.parties())} from the bundled public record "
        "(sources kept in the file; 'unverified' marks figures not confirmed in a cited source)."
    )
    reports = run_history(decls)
    table = Table(title="Compliance at each data exchange")
    table.add_column("as of")
    for party in treaty.parties.members:
        table.add_column(f"{party}\nDV / WH / L", justify="right")
    table.add_column("status", no_wrap=True)  # one word
    for r in reports:
        cells = []
        for p in r.parties:
            if p.declaration_as_of != r.at:
                cells.append("[magenta]not provided[/]" if p.not_provided == r.at else "-")
                continue
            cells.append(" / ".join(_figure(x) for x in p.limits))
        table.add_row(str(r.at), *cells, r.status)
    console.print(table)
    console.print(
        "DV deployed delivery vehicles (limit 700), WH deployed warheads (1,550), "
        f"L total launchers (800); {'[red]red[/]' if colour() else 'ABOVE'}: above the limit; "
        f"* unverified figure. The central limits take effect on {TURNING_POINT}."
    )
    before = [
        r
        for r in reports
        if r.at < TURNING_POINT
        and any(x.margin is not None and x.margin < 0 for p in r.parties for x in p.limits)
    ]
    after = [r for r in reports if r.at >= TURNING_POINT]
    console.print(
        f"Before {TURNING_POINT}: {len(before)} exchanges show a party above a limit, reported as not-in-force. "
        f"From {TURNING_POINT}: {sum(r.status == 'compliant' for r in after)} of {len(after)} exchanges compliant."
    )
    console.print(Rule("Latest status"))
    latest = evaluate(treaty, decls, max(decls.dates()))
    print_report(latest, f"{treaty.short_title} at {latest.at}")
    console.print(Rule("Dispute mode"))
    disputed = evaluate(treaty, decls, dt.date(2020, 9, 1), interpretation="counts-converted")
    usa = next(p for p in disputed.parties if p.party == "USA")
    launchers = next(x for x in usa.limits if x.id == "total-launchers")
    console.print(
        f"Under Russia's 'counts-converted' reading, US total launchers as of 2020-09-01 are "
        f"{launchers.value} against 800 ({launchers.status}); under the treaty's own rule, 800 (compliant).",
        highlight=False,
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    console.print(Rule("Integrity: a tamper-evident log of the exchanges"))
    from armsctl.cli import ledger

    ledger.demo_step(console, output_dir / "ledger", _record_rows(treaty))
    from armsctl.cli._monitoring_demo import demo_sections
    from armsctl.cli._monitoring_demo import demo_step as monitoring_step

    findings = monitoring_step(console, output_dir)
    console.print(Rule("Verification: this year's inspection plan"))
    from armsctl.cli import verification

    verification.demo_step(console, output_dir)
    console.print(Rule("Zero knowledge: a total within the limit, the figure kept secret"))
    from armsctl.cli import zk

    zk.demo_step(console, output_dir)
    chart = (output_dir / "verification-detection.svg").read_text(encoding="utf-8")
    sections = [
        *((f"{title} (synthetic demo data)", body) for title, body in demo_sections(findings)),
        (
            "Inspection planning: detection probability against items checked (synthetic sites)",
            chart,
        ),
    ]
    path = write_report(
        treaty,
        decls,
        output_dir / "new-start-report.html",
        at=dt.date.today(),
        extra_sections=sections,
    )
    console.print(Rule("Report"))
    console.print(f"HTML report written to {path.resolve()}")
    from armsctl.exercise import demo_hint

    console.print(demo_hint())
    if serve:
        _serve(output_dir, port)


def _serve(output_dir: Path, port: int) -> None:
    """Seed a fresh demo store and run the server on it until interrupted."""
    import uvicorn

    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import DEMO_SETTINGS_NOTE, seed_demo

    database = output_dir / "demo.db"
    for stale in output_dir.glob("demo.db*"):
        stale.unlink()
    settings = Settings(database_url=f"sqlite:///{database}", require_party_signatures=False)
    seeded = seed_demo(settings, output_dir / "web")
    out_console.print(Rule("Dashboard"))
    out_console.print(f"[bold yellow]{DEMO_SETTINGS_NOTE}[/]")
    out_console.print(
        f"Store seeded at {database}. Sign in at http://127.0.0.1:{port}/ with a token:"
    )
    for user, token in seeded["tokens"].items():
        out_console.print(f"  {user}: {token}", highlight=False)
    out_console.print(
        f"Public portal (no sign-in): http://127.0.0.1:{port}/public (its zero-knowledge proof "
        "is checked in your browser). Ctrl-C stops."
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


def _record_rows(treaty: Treaty) -> list[dict[str, object]]:
    """The bundled record's provided figures as plain rows, for the log."""
    import csv

    from armsctl.treaty import public_record_path

    path = public_record_path(treaty)
    assert path is not None
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {k: row[k] for k in ("party", "as_of", "measure", "value", "source")}
            for row in csv.DictReader(handle)
            if row["status"] == "provided"
        ]


def _figure(x: LimitResult) -> str:
    """A value for the history table: red (or ABOVE without colour) above the limit, * unverified."""
    text = "-" if x.value is None else f"{x.value:,}"
    if x.margin is not None and x.margin < 0:
        text = marker(text, "red", "ABOVE")
    return text + ("*" if x.provenance == "M" else "")


def register(app: typer.Typer) -> None:
    """Add ``armsctl demo`` to the application."""
    app.command("demo")(demo)
