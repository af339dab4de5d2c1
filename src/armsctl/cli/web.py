"""``armsctl web seed-demo``: fill a server's database with the dashboard demo data.

The seeded store holds the bundled New START record, a synthetic item-level declaration,
notifications, observations, an inspection, one user per role and a signed checkpoint; the
command prints each user's API token (also written, mode 0600, to ``tokens.txt``). Then
``armsctl serve --db <file>`` and open http://127.0.0.1:8000/ to sign in with a token.
"""

from __future__ import annotations

from pathlib import Path

import typer

from armsctl.cli._common import OutputFormat, out_console, print_json
from armsctl.cli._options import CommandGroup, Format

__all__ = ["register"]

web_app = CommandGroup(help="The web dashboard: demo data for a server.")


@web_app.command("seed-demo")
def seed_demo_command(
    db: str = typer.Option(
        "armsctl-demo.db", "--db", help="Database URL or SQLite file to create (must be new)."
    ),
    workdir: Path = typer.Option(
        Path("out/web-demo"), "--workdir", help="Where tokens.txt and the synthetic items go."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Seed a new database with the dashboard demo (New START, one user per role)."""
    from armsctl.cli.server import _check_sqlite_path
    from armsctl.errors import ParameterError
    from armsctl.store.engine import database_url

    url = database_url(db)
    _check_sqlite_path(url)
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists():
        raise ParameterError(f"--db: {db} exists; the demo seeds a new database")
    # The database checked first: a refused --db costs no import of the settings or the web.
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    result = seed_demo(Settings(database_url=url), workdir)
    if fmt is OutputFormat.json:
        print_json(result)
        return
    # One token per line, never in a table cell that a narrow terminal or a pipe would wrap
    # or cut: each is copied as a whole.
    out_console.print(f"demo users of {db} (tokens also in {result['tokens_file']}):")
    for user, token in result["tokens"].items():
        typer.echo(f"  {user}: {token}")
    out_console.print(
        f"{result['declarations']} declarations, log size {result['log_size']}; party keys in "
        f"{result['keys_dir']}. {result['note']}: for the web forms run "
        f"ARMSCTL_REQUIRE_PARTY_SIGNATURES=false armsctl serve --db {db}, "
        "then open http://127.0.0.1:8000/"
    )


def register(app: typer.Typer) -> None:
    """Add the ``web`` group to the application."""
    app.add_typer(web_app, name="web")
