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
    "EXIT_INPUT",
    "EXIT_VIOLATION",
    "OutputFormat",
    "err_console",
    "fail",
    "out_console",
    "print_json",
    "user_errors",
]

EXIT_VIOLATION = EXIT_FINDING


def _width() -> int | None:
    """Full width on a terminal; 120 columns when piped, so that lines and tables stay whole."""
    return None if sys.stdout.isatty() else 120


out_console = Console(width=_width(), emoji=False)
err_console = Console(stderr=True, width=_width(), emoji=False)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(str, Enum):
    """How a command prints its result."""

    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    """Print machine-readable output on stdout, unstyled, one document."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


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
