"""What command modules share beyond ``_common``: the command group, and the shared options.

``CommandGroup`` is a Typer group whose every command passes through ``user_errors``, so that
no command of a group can be added without the one-line error boundary. The arguments and
options that many commands take are defined here once, each with its type, flags and help:
a command declares ``fmt: Format = OutputFormat.table`` or ``treaty: TreatyRef``; the flag's
spelling and its help line then read the same in every ``--help`` and in ``docs/cli.md``.
Each is an ``Annotated`` alias, so the parameter's type is checked where it is used and its
default stays with the command (a client command prints JSON unless asked for a table).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, cast

import typer
from typer.models import CommandFunctionType

from armsctl.cli._common import OutputFormat, user_errors

__all__ = ["CommandGroup", "DocFormat", "DocumentFormat", "Format", "TreatyRef"]


class CommandGroup(typer.Typer):
    """A Typer group whose commands all turn domain errors into one clear line (``user_errors``).

    ``@group.command("name")`` registers the wrapped function and returns it, as ``@user_errors``
    under ``@typer_app.command("name")`` did, so a test may still call the command directly.
    """

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        """Typer's ``command``, with the command wrapped in ``user_errors`` first."""
        register = super().command(*args, **kwargs)

        def decorator(fn: CommandFunctionType) -> CommandFunctionType:
            return register(cast(CommandFunctionType, user_errors(fn)))

        return decorator


Format = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
"""``--format table|json``: a table or sentences for a reader, one JSON document for a program."""


class DocumentFormat(str, Enum):
    """What a written document (a compliance report, a negotiation brief) is written as."""

    html = "html"
    md = "md"
    json = "json"


DocFormat = Annotated[DocumentFormat, typer.Option("--format", help="html, md or json")]
"""``--format html|md|json`` of a command that writes a document file."""

TreatyRef = Annotated[
    str, typer.Argument(help="A bundled treaty id (see `armsctl treaty list`) or a .toml file.")
]
"""The treaty a command reads: a bundled id (``new-start``) or the path of a treaty file."""
