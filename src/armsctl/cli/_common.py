"""What every command shares: consoles, the JSON printer and the user-error boundary."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import Enum
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from armsctl.errors import EXIT_FINDING, EXIT_INPUT, ArmsctlError, InputError, outcome

__all__ = [
    "EXIT_FOUND",
    "EXIT_INPUT",
    "EXIT_VIOLATION",
    "PIPED_WIDTH",
    "OutputFormat",
    "colour",
    "err_console",
    "exit_if_found",
    "fail",
    "marker",
    "out_console",
    "plain",
    "print_json",
    "styled",
    "user_errors",
]

EXIT_FOUND = EXIT_FINDING
"""Something was found: a violation, a failed verification, an overdue notice, a flag."""
EXIT_VIOLATION = EXIT_FOUND
PIPED_WIDTH = 100
"""Columns when output goes to a pipe or a file: wide enough for whole tables, still readable."""


def _width() -> int | None:
    """The terminal's own width (Rich follows resizes); a fixed 100 columns when piped."""
    return None if sys.stdout.isatty() else PIPED_WIDTH


out_console = Console(width=_width(), emoji=False)
err_console = Console(stderr=True, width=_width(), emoji=False)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(str, Enum):
    """How a command prints its result."""

    table = "table"
    json = "json"


def colour() -> bool:
    """Whether styles reach the reader (a terminal with colour, NO_COLOR unset)."""
    return out_console.color_system is not None and not out_console.no_color


def marker(text: str, style: str, word: str) -> str:
    """``text`` in ``style`` on a colour terminal; otherwise ``text`` followed by ``word``.

    For a mark that colour alone would carry (a figure above its limit shown in red): piped
    output and NO_COLOR terminals lose the colour, so the word says it instead.
    """
    return f"[{style}]{text}[/]" if colour() else f"{text} {word}"


def styled(text: str, style: str) -> str:
    """``text`` in ``style``, for words that already say what the colour adds."""
    return f"[{style}]{escape(text)}[/]"


def exit_if_found(found: bool) -> None:
    """Leave with exit 1 when the command found something (after it printed its result).

    The one rule of every command: 0 nothing found, 1 something found, 2 bad input.
    """
    if found:
        raise typer.Exit(EXIT_FOUND)


def print_json(data: Any) -> None:
    """Print machine-readable output on stdout, unstyled, one document.

    A service record (anything with ``to_json_dict``), alone or inside a list or dict, prints
    as the JSON a client receives.
    """
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n")


def plain(value: Any) -> Any:
    """A service record as the JSON a client receives (``to_json_dict``); anything else as is."""
    to_json_dict = getattr(value, "to_json_dict", None)
    return to_json_dict() if callable(to_json_dict) else value


def _jsonable(value: Any) -> Any:
    """A record's JSON dict; any other value json cannot write, as its text."""
    shown = plain(value)
    return str(value) if shown is value else shown


def fail(message: str, *, code: int = EXIT_INPUT) -> NoReturn:
    """Print one error line on stderr and leave with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one clear line per problem, never a traceback.

    The exit code comes from ``armsctl.errors.OUTCOMES``, the table the API and the web read
    too: evidence that does not verify (``VerificationError``) exits 1, a finding; every other
    domain error is bad input and exits 2.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ArmsctlError as exc:
            code = outcome(exc).exit_code
            if not isinstance(exc, InputError):
                fail(str(exc), code=code)
            for problem in exc.problems:
                err_console.print(
                    f"[bold red]error:[/] {escape(str(problem))}", highlight=False, soft_wrap=True
                )
            raise typer.Exit(code) from None

    return wrapper
