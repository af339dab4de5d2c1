"""The command-line reference, ``docs/cli.md``, generated from the application itself.

Like the cog-generated references of sqlite-utils and datasette: every command, its usage, its
help and every option come from the Typer app, so the page cannot drift from the code. A test
compares the checked-in page with a fresh rendering.

    python -m armsctl.cli.reference > docs/cli.md      # regenerate
    python -m armsctl.cli.reference --check docs/cli.md  # exit 1 when out of date
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

__all__ = ["leaf_commands", "main", "render"]

HEADER = """# Command-line reference

<!-- Generated from the application by `python -m armsctl.cli.reference > docs/cli.md`; do not
edit by hand: tests/cli/test_cli_reference.py fails when this page is out of date. -->

Every `armsctl` command, its arguments and options, as `armsctl COMMAND --help` shows them.

**Exit codes, one rule for every command:** `0` nothing found, `1` something found (a violation,
a failed verification, an overdue or late notification, an anomaly flag, decisive evidence of
undeclared items), `2` bad input (one `error:` line per problem on stderr, naming the file, line
or field; nothing is written).

**Output:** tables adapt to the terminal's width; piped or redirected output is 100 columns wide
and marks that colour would carry are spelled out in words. Every command that prints a result
takes `--format json` for one JSON document on stdout (the commands that only serve, run an
interactive session or write a file are the exceptions, and say so). Flags are written
`--explain` / `--no-explain`; they take no value.

`client` commands talk to a running server: give `--server URL` (or set `ARMSCTL_SERVER`;
default `http://127.0.0.1:8000`) and `--token` (better: `ARMSCTL_TOKEN`). Paths given to
`client get` are relative to `/api/v1` (the prefix may be included).
"""


def leaf_commands(app: typer.Typer) -> dict[str, Any]:
    """Every leaf command of ``app`` by its full name (``client inspect start``), in tree order."""
    out: dict[str, Any] = {}

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])
        else:
            out[" ".join(path)] = command

    walk(typer.main.get_command(app), [])
    return out


def _groups(app: typer.Typer) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            if path:
                out[" ".join(path)] = command
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(p: Any) -> str:
    if getattr(p, "is_flag", False):
        name = (p.opts if p.default else p.secondary_opts or ["off"])[0]
        return f"`{name}`" if p.secondary_opts or p.default else ""
    value = p.default
    if value is None or value == [] or value == () or callable(value):
        return ""
    if isinstance(value, Enum):
        value = value.value
    if getattr(p, "show_default", None) is False:
        return ""
    return f"`{value}`"


def _type(p: Any) -> str:
    if getattr(p, "is_flag", False):
        return "flag"
    return _cell(p.display_type_rich(None) or "").strip("<>") if p.param_type_name else ""


def _usage(name: str, command: Any) -> str:
    pieces = [f"armsctl {name}", "[OPTIONS]"]
    for p in command.params:
        if p.param_type_name == "argument":
            piece = p.name.upper() + ("..." if p.nargs == -1 else "")
            pieces.append(piece if p.required else f"[{piece}]")
    return " ".join(pieces)


def _params(command: Any) -> list[str]:
    rows = ["| argument or option | type | default | description |", "|---|---|---|---|"]
    for p in command.params:
        if p.param_type_name == "argument":
            name = f"`{p.name.upper()}`"
        else:
            name = " / ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
        notes = [p.help or ""]
        if p.required:
            notes.append("(required)")
        envvar = getattr(p, "envvar", None)
        if envvar:
            notes.append(f"(env: `{envvar}`)")
        description = " ".join(n for n in notes if n)
        rows.append(f"| {name} | {_type(p)} | {_default(p)} | {_cell(description)} |")
    return rows


def render(app: typer.Typer) -> str:
    """The whole reference as Markdown, the same on every machine and at every width."""
    lines = [HEADER]
    groups = _groups(app)
    leaves = leaf_commands(app)
    lines.append("## Commands\n")
    for name, command in leaves.items():
        summary = (command.help or "").split("\n\n")[0].replace("\n", " ")
        anchor = "armsctl-" + name.replace(" ", "-")
        lines.append(f"- [`armsctl {name}`](#{anchor}): {summary}")
    lines.append("")
    done: set[str] = set()
    for name, command in leaves.items():
        group = name.rsplit(" ", 1)[0] if " " in name else ""
        if group and group not in done:
            for level in range(1, len(group.split()) + 1):
                part = " ".join(group.split()[:level])
                if part in done:
                    continue
                done.add(part)
                lines += [f"## armsctl {part}\n", _cell(groups[part].help or ""), ""]
        lines += [f"### armsctl {name}\n", "```", _usage(name, command), "```", ""]
        lines += [command.help or "", ""]
        lines += [*_params(command), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or with ``--check FILE`` exit 1 when FILE differs from it."""
    from armsctl.cli.app import build_app

    args = sys.argv[1:] if argv is None else argv
    text = render(build_app())
    if args[:1] == ["--check"] and len(args) == 2:
        current = Path(args[1]).read_text(encoding="utf-8") if Path(args[1]).exists() else ""
        if current != text:
            print(f"{args[1]} is out of date: run python -m armsctl.cli.reference > {args[1]}")
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
