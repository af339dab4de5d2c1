"""Assemble the Typer application from the command modules.

Each command module exposes ``register(app)``; adding a command group is one line in
``COMMAND_MODULES``. Modules import only Typer and Rich at import time.
"""

from __future__ import annotations

import importlib

import typer

from armsctl import __version__

__all__ = ["COMMAND_MODULES", "build_app"]

COMMAND_MODULES: tuple[str, ...] = (
    "armsctl.cli.treaty",
    "armsctl.cli.compliance",
    "armsctl.cli.ledger",
    "armsctl.cli.witness",
    "armsctl.cli.monitor_log",
    "armsctl.cli.server",
    "armsctl.cli.monitoring",
    "armsctl.cli.verification",
    "armsctl.cli.exercise",
    "armsctl.cli.web",
    "armsctl.cli.demo",
    "armsctl.cli.workbench",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"armsctl {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """Build the ``armsctl`` application with every command group registered."""
    app = typer.Typer(
        name="armsctl",
        help="Open verification infrastructure for arms reduction.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", "-V", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """Treaties as code, declarations, compliance, integrity and verification."""

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app
