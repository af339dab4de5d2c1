"""``armsctl ledger monitor``: follow a log over HTTP through its tiles and report findings.

Registered on the ``ledger`` command group of ``armsctl.cli.ledger``. Exit 0 when nothing is
found, 1 on any finding (a bad checkpoint, an inconsistent tree, entries that do not hash to
the signed root, an entry in a watched party's name not signed by the party's key), 2 on bad
input (a key, the state file, a log that cannot be reached).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from armsctl.cli._common import EXIT_VIOLATION, OutputFormat, out_console, print_json, user_errors
from armsctl.cli._options import Format

if TYPE_CHECKING:
    from armsctl.ledger.monitor import MonitorState

__all__ = ["register"]


def _load_state(path: Path) -> MonitorState | None:
    from armsctl.errors import InputError, Problem
    from armsctl.ledger.monitor import MonitorState

    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot read the state file: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(str(path), f"line {exc.lineno}", exc.msg)]) from None
    try:
        return MonitorState.from_json(doc)
    except InputError as exc:
        raise InputError([Problem(str(path), "", str(p)) for p in exc.problems]) from None


def _save_state(path: Path, state: MonitorState) -> None:
    """Write the state atomically: a reader sees the old file or the new one, never half."""
    from armsctl.errors import InputError, Problem

    text = json.dumps(state.to_json(), indent=2) + "\n"
    folder = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot write the state file: {exc}")]) from None


def ledger_monitor(
    url: str = typer.Argument(..., help="The log's tile prefix, e.g. http://host:8000/tlog/."),
    log_key: str = typer.Option(
        ..., "--log-key", help="The log's verifier key (or a file), obtained out of band."
    ),
    state: Path = typer.Option(..., "--state", help="JSON state file (created if missing)."),
    party: list[str] = typer.Option([], "--party", help="A party code to watch (repeatable)."),
    party_key: list[str] = typer.Option(
        [], "--party-key", help="The watched party's verifier key or file, in --party order."
    ),
    timeout: float = typer.Option(30.0, "--timeout", help="HTTP timeout in seconds."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Follow a log through its tiles; report any finding (exit 1)."""
    import httpx

    from armsctl.cli.ledger import _verifier
    from armsctl.errors import InputError
    from armsctl.ledger.monitor import follow

    if len(party) != len(party_key):
        raise InputError("give one --party-key for each --party, in the same order")
    key = _verifier(log_key)
    parties = {code: _verifier(k) for code, k in zip(party, party_key, strict=True)}
    previous = _load_state(state)
    base = url.rstrip("/") + "/"
    if not base.startswith(("http://", "https://")):
        raise InputError(f"log URL {url!r} must start with http:// or https://")

    with httpx.Client(base_url=base, timeout=timeout, follow_redirects=False) as client:

        def fetch(path: str) -> bytes | None:
            try:
                response = client.get(path)
            except httpx.HTTPError as exc:
                raise InputError(f"cannot fetch {base}{path}: {exc}") from None
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise InputError(f"{base}{path} answered HTTP {response.status_code}")
            return response.content

        report, kept = follow(fetch, log_key=key, state=previous, parties=parties)
    if kept is not None and kept != previous:
        _save_state(state, kept)
    data: dict[str, Any] = {
        "ok": report.ok,
        "old_size": report.old_size,
        "new_size": report.new_size,
        "entries_checked": report.entries_checked,
        "party_entries": report.party_entries,
        "findings": report.findings,
    }
    if fmt is OutputFormat.json:
        print_json(data)
    else:
        verdict = (
            "[green]no findings[/]" if report.ok else f"[red]{len(report.findings)} findings[/]"
        )
        out_console.print(
            f"log {key.name}: {report.old_size} -> {report.new_size} entries, "
            f"{report.entries_checked} checked: {verdict}",
            highlight=False,
        )
        for finding in report.findings:
            out_console.print(f"  finding: {finding}", highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(EXIT_VIOLATION)


def register(app: typer.Typer) -> None:
    """Add ``monitor`` to the ``ledger`` group (registered by ``armsctl.cli.ledger``)."""
    from armsctl.cli.ledger import ledger_app

    ledger_app.command("monitor")(user_errors(ledger_monitor))
