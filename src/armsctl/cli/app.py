"""Assemble the Typer application from the command modules.

Each command module exposes ``register(app)``; adding a command group is one line in
``COMMAND_MODULES``. Modules import only Typer and Rich at import time.
"""

from __future__ import annotations

import copy
import importlib
import inspect
from collections.abc import Sequence
from typing import Any

import typer

from armsctl import __version__

__all__ = ["COMMAND_MODULES", "TOP_LEVEL", "build_app"]

COMMAND_MODULES: tuple[str, ...] = (
    "armsctl.cli.treaty",
    "armsctl.cli.compliance",
    "armsctl.cli.crosswalk",
    "armsctl.cli.ledger",
    "armsctl.cli.witness",
    "armsctl.cli.monitor_log",
    "armsctl.cli.server",
    "armsctl.cli.monitoring",
    "armsctl.cli.verification",
    "armsctl.cli.exercise",
    "armsctl.cli.web",
    "armsctl.cli.zk",
    "armsctl.cli.demo",
    "armsctl.cli.workbench",
)


def _flags_without_type() -> None:
    """Show ``--explain`` in help, not ``--explain <bool>``.

    Typer labels every option with its type, flags included, which reads as if the flag took a
    value (``--explain true``, which is refused). A flag takes none: its help shows only its
    name(s), e.g. ``--explain/--no-explain``. Typer offers no per-option class, so the label is
    dropped here, once, for flags only.
    """
    from typer.core import TyperOption

    if getattr(TyperOption.display_type_rich, "_armsctl", False):
        return
    typed = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else typed(self, ctx)

    display_type_rich._armsctl = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _unwrap(text: str) -> str:
    """Join the hard-wrapped lines of each docstring paragraph, so help reflows to the width.

    Typer keeps single line breaks after the first paragraph, which cuts sentences at the
    source's line length ("proves the" / "party"). Indented lines (examples) stay as written.
    """
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p if any(line[:1].isspace() for line in p.splitlines()) else " ".join(p.split("\n"))
        for p in paragraphs
    )


def _reflow_help(app: typer.Typer) -> None:
    """Give every command and group of ``app`` its docstring help, unwrapped (see ``_unwrap``)."""
    for command in app.registered_commands:
        if command.help is None and command.callback is not None and command.callback.__doc__:
            command.help = _unwrap(command.callback.__doc__)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"armsctl {__version__}")
        raise typer.Exit()


# Which module(s) register each top-level command, so that ``armsctl check ...`` imports and
# registers only ``armsctl.cli.compliance``: every other module would cost start-up time for
# nothing. tests/cli/test_import_cost.py checks this map against the modules' registrations.
_LEDGER = ("armsctl.cli.ledger", "armsctl.cli.monitor_log")
TOP_LEVEL: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("check", "diff", "history", "report"), ("armsctl.cli.compliance",)),
    **dict.fromkeys(
        ("client", "db", "parties", "serve", "tokens", "users"), ("armsctl.cli.server",)
    ),
    **dict.fromkeys(("commit", "keys", "ledger", "reveal", "verify-reveal"), _LEDGER),
    **dict.fromkeys(
        ("anomalies", "fuse", "notify", "observe", "reconcile"), ("armsctl.cli.monitoring",)
    ),
    **dict.fromkeys(("estimate", "game", "inspect", "simulate"), ("armsctl.cli.verification",)),
    "crosswalk": ("armsctl.cli.crosswalk",),
    "demo": ("armsctl.cli.demo",),
    "estimates": ("armsctl.cli.workbench",),
    "exercise": ("armsctl.cli.exercise",),
    "treaty": ("armsctl.cli.treaty",),
    "web": ("armsctl.cli.web",),
    "witness": ("armsctl.cli.witness",),
    "workbench": ("armsctl.cli.workbench",),
    "zk": ("armsctl.cli.zk",),
}


def _takes_no_argument(callback: Any) -> bool:
    """Whether a group's callback reads no positional word (options only, or no callback).

    Then the first word after the group that is not an option can only name a sub-command.
    """
    if not callback:  # None, or Typer's stand-in for "not given" (false)
        return True
    return callable(callback) and all(
        isinstance(q.default, typer.models.OptionInfo)
        for q in inspect.signature(callback).parameters.values()
    )


def _narrow(app: typer.Typer, words: Sequence[str]) -> typer.Typer:
    """``app`` knowing only the sub-command that ``words`` name, down to the leaf.

    Typer turns every command of the tree into a Click command before it parses a word, so
    ``armsctl client inspect schedule`` would build all 26 commands of ``armsctl.cli.server``
    (about 10 ms) to run one. At each level, when the next word is the exact name of a
    sub-command, the copy keeps only what has that name; any other word (an option, ``--help``,
    an unknown or misspelt name) or a level whose callback may read the word keeps the whole
    level, so help, usage errors and suggestions read as they do for the whole application.
    The command modules' Typer objects are copied, never changed: the whole application can
    still be built in the same process.
    """
    if not words or words[0].startswith("-"):
        return app
    callback = app.registered_callback.callback if app.registered_callback else app.info.callback
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    if not _takes_no_argument(callback) or not all(isinstance(name, str) for name in names):
        return app  # a name Typer would derive, or a word the callback may read: no guessing
    commands = [c for c in app.registered_commands if c.name == words[0]]
    groups = []
    for group in app.registered_groups:
        if group.name != words[0] or group.typer_instance is None:
            continue
        if not _takes_no_argument(group.callback):
            return app
        narrowed_group = copy.copy(group)
        narrowed_group.typer_instance = _narrow(group.typer_instance, words[1:])
        groups.append(narrowed_group)
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


def build_app(*argv: str) -> typer.Typer:
    """Build the ``armsctl`` application with every command group registered.

    With ``argv`` (the command line's words, e.g. ``check new-start``), only the module(s) that
    register its top-level command are imported, and only the commands on its path are kept
    (see ``_narrow``): the application then knows that command alone, which is all a run of
    ``armsctl check ...`` needs. An unknown name or an option first builds the whole
    application, so that errors and ``--help`` list every command.
    """
    _flags_without_type()
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

    command = argv[0] if argv else ""
    for name in TOP_LEVEL.get(command, COMMAND_MODULES):
        importlib.import_module(name).register(app)
    if command in TOP_LEVEL:
        app = _narrow(app, argv)
    _reflow_help(app)
    return app
