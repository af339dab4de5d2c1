"""``armsctl notify``, ``reconcile``, ``observe``, ``fuse`` and ``anomalies``.

Notifications live in one file given by ``--file`` (JSON, or the documented CSV format with
``--treaty``, kept as CSV) (the server will keep them in the store
later); every lifecycle command reads it, applies one step through the pure core and writes it
back atomically, so a refused step leaves the file as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from armsctl.cli._common import (
    OutputFormat,
    exit_if_found,
    out_console,
    print_json,
    styled,
    user_errors,
)
from armsctl.cli._options import Format, TreatyRef

if TYPE_CHECKING:
    from armsctl.notifications import Notification
    from armsctl.treaty import Treaty

__all__ = ["parse_instant", "register"]

FILE_OPT = typer.Option(
    ..., "--file", "-f", help="The notifications file (.json, or .csv with --treaty)."
)
TREATY_OPT = typer.Option(
    None, "--treaty", help="Treaty id or file; needed for a CSV file, which names none."
)
AT_OPT = typer.Option(
    None,
    "--at",
    help="When (ISO 8601 with a time zone). Default: now; give it on every step when recording "
    "past events.",
)


def parse_instant(value: str | None, name: str) -> dt.datetime:
    """An option's instant in UTC (now when absent); times without a zone are refused."""
    from armsctl import times

    if value is None:
        return dt.datetime.now(dt.UTC)
    return times.parse_instant(value, field=name)


def _folding_table(title: str, columns: tuple[str, ...]) -> Table:
    """A table whose long cells wrap within their column rather than widen the table."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


def _load(path: Path, treaty_ref: str | None) -> tuple[Treaty, list[Notification]]:
    """The treaty and notifications of a notifications file (JSON or CSV).

    A JSON document names its treaty; a CSV file (the documented format of
    ``read_notifications``) does not, so ``--treaty`` is needed for it.
    """
    import json

    from armsctl.errors import InputError, Problem
    from armsctl.notifications import read_notifications
    from armsctl.treaty import load_treaty

    is_csv = path.suffix.lower() == ".csv"
    if is_csv and not treaty_ref:
        raise InputError(
            [Problem(str(path), "", "a CSV notifications file names no treaty: give --treaty")]
        )
    if not path.exists():
        if treaty_ref is None:
            raise InputError([Problem(str(path), "", "no such notifications file")])
        return load_treaty(treaty_ref), []
    if is_csv:
        assert treaty_ref is not None
        treaty = load_treaty(treaty_ref)
        return treaty, read_notifications(path, treaty)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
        ) from None
    ref = treaty_ref or (doc.get("treaty") if isinstance(doc, dict) else None)
    if not ref:
        raise InputError([Problem(str(path), "treaty", "file names no treaty: give --treaty")])
    treaty = load_treaty(ref)
    return treaty, read_notifications(path, treaty)


def _find(notifications: list[Notification], ident: str, path: Path) -> int:
    from armsctl.errors import NotFoundError

    for i, n in enumerate(notifications):
        if n.id == ident:
            return i
    raise NotFoundError(f"{path}: no notification {ident!r}")


def _when(t: dt.datetime) -> str:
    """A UTC time to the minute, as a table cell: 2024-03-06 08:00Z."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%MZ")


def _show(notifications: list[Notification], fmt: OutputFormat, title: str) -> None:
    from armsctl.notifications import notification_to_dict

    if fmt is OutputFormat.json:
        print_json([notification_to_dict(n) for n in notifications])
        return
    columns = ("id", "type", "event", "sender", "event time", "state", "received", "fields")
    table = _folding_table(title, columns)
    for n in notifications:
        table.add_row(
            n.id,
            n.type,
            n.event,
            n.sender,
            _when(n.event_time),
            n.state + (f" ({n.rejection_reason})" if n.rejection_reason else ""),
            _when(n.received_at) if n.received_at else "-",
            escape("\n".join(f"{k}={v}" for k, v in sorted(n.fields.items()))),
        )
    out_console.print(table)


@user_errors
def notify_draft(
    file: Path = FILE_OPT,
    type: str = typer.Option(..., "--type", help="A notification type of the treaty."),
    sender: str = typer.Option(..., "--sender", help="The sending party (ISO alpha-3)."),
    event_time: str = typer.Option(..., "--event-time", help="When the event happened (UTC)."),
    event: str | None = typer.Option(None, "--event", help="The trigger reported, if several."),
    field: list[str] = typer.Option([], "--field", help="A field as name=value (repeatable)."),
    ident: str | None = typer.Option(None, "--id", help="Notification id. Default: next N-000001."),
    treaty: str | None = TREATY_OPT,
    at: str | None = AT_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """Draft a notification and add it to the file (created if needed)."""
    from armsctl.errors import InputError, ParameterError, Problem
    from armsctl.notifications import draft, write_notifications

    loaded_treaty, notifications = _load(file, treaty)
    fields: dict[str, str] = {}
    for item in field:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--field: {item!r} is not name=value")
        fields[name.strip()] = value.strip()
    new_id = ident or f"N-{len(notifications) + 1:06d}"
    if any(n.id == new_id for n in notifications):
        raise InputError([Problem(str(file), "id", f"{new_id!r} is already in the file")])
    n = draft(
        loaded_treaty,
        id=new_id,
        type=type,
        sender=sender,
        event=event,
        event_time=parse_instant(event_time, "--event-time"),
        fields=fields,
        at=parse_instant(at, "--at"),
    )
    write_notifications(file, loaded_treaty, [*notifications, n])
    _show([n], fmt, f"drafted in {file}")


def _step(
    file: Path,
    ident: str,
    at: str | None,
    fmt: OutputFormat,
    step: str,
    reason: str = "",
    treaty_ref: str | None = None,
) -> None:
    from armsctl.errors import InputError, Problem
    from armsctl.notifications import acknowledge, receive, reject, send, write_notifications

    treaty, notifications = _load(file, treaty_ref)
    i = _find(notifications, ident, file)
    when = parse_instant(at, "--at")
    n = notifications[i]
    last = n.last_time()
    if last is not None and when < last:
        given = f"--at {at}" if at is not None else "now (no --at given)"
        raise InputError(
            [
                Problem(
                    str(file),
                    ident,
                    f"{step} at {when.isoformat()} ({given}) precedes the notification's "
                    f"latest step at {last.isoformat()}: each step's --at defaults to now, so "
                    "when recording past events give --at on every step, the draft included",
                )
            ]
        )
    if step == "send":
        n = send(n, at=when)
    elif step == "receive":
        n = receive(n, at=when)
    elif step == "ack":
        n = acknowledge(n, at=when)
    else:
        n = reject(n, at=when, reason=reason)
    notifications[i] = n
    write_notifications(file, treaty, notifications)
    _show([n], fmt, f"{ident}: {n.state}")


IDENT_ARG = typer.Argument(..., help="Notification id.")


def _lifecycle(step: str, doc: str) -> Callable[..., None]:
    """A command that applies one lifecycle ``step`` (send, receive) to a notification."""

    def command(
        ident: str = IDENT_ARG,
        file: Path = FILE_OPT,
        at: str | None = AT_OPT,
        treaty: str | None = TREATY_OPT,
        fmt: Format = OutputFormat.table,
    ) -> None:
        _step(file, ident, at, fmt, step, treaty_ref=treaty)

    command.__doc__ = doc
    command.__name__ = f"notify_{step}"
    return user_errors(command)


notify_send = _lifecycle("send", "Mark a drafted notification as sent.")
notify_receive = _lifecycle(
    "receive", "Mark a sent notification as received: from now on it counts as provided."
)


@user_errors
def notify_ack(
    ident: str = IDENT_ARG,
    file: Path = FILE_OPT,
    at: str | None = AT_OPT,
    treaty: str | None = TREATY_OPT,
    reject_reason: str | None = typer.Option(
        None, "--reject", help="Reject instead of acknowledging, with this reason."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Acknowledge a received notification (or reject it with --reject REASON)."""
    if reject_reason is None:
        _step(file, ident, at, fmt, "ack", treaty_ref=treaty)
    else:
        _step(file, ident, at, fmt, "reject", reject_reason, treaty_ref=treaty)


@user_errors
def notify_list(
    file: Path = FILE_OPT,
    state: str | None = typer.Option(None, "--state", help="Only notifications in this state."),
    treaty: str | None = TREATY_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """List the notifications in the file."""
    _treaty, notifications = _load(file, treaty)
    chosen = [n for n in notifications if state is None or n.state == state]
    _show(chosen, fmt, f"{len(chosen)} notification(s) in {file}")


@user_errors
def notify_due(
    file: Path = FILE_OPT,
    at: str | None = AT_OPT,
    show_all: bool = typer.Option(False, "--all", help="Also show the ones received on time."),
    treaty_ref: str | None = TREATY_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """What is due, pending, overdue or late at --at, with the deadline rule behind each.

    Judged with what was known at --at: a step recorded later (a receipt after --at) is not
    counted. Exit 1 when a notice is overdue or was late, 0 otherwise.
    """
    from armsctl.notifications import track

    treaty, notifications = _load(file, treaty_ref)
    when = parse_instant(at, "--at")
    every = track(notifications, treaty, at=when)
    rows = every if show_all else [s for s in every if s.verdict != "on-time"]
    found = [s for s in every if s.verdict in ("overdue", "late")]
    if fmt is OutputFormat.json:
        print_json({"at": when.isoformat(), "deadlines": [s.to_dict() for s in rows]})
        exit_if_found(bool(found))
        return
    style = {"overdue": "bold red", "late": "red", "due": "yellow", "pending": "cyan"}
    table = _folding_table(
        f"Notification deadlines as of {when.isoformat()}",
        ("id", "type", "sender", "deadline", "verdict", "finding"),
    )
    for s in rows:
        table.add_row(
            s.notification_id,
            s.type,
            s.sender,
            _when(s.deadline),
            styled(s.verdict, style.get(s.verdict, "green")),
            escape(s.why),
        )
    if rows:
        out_console.print(table)
        for rule in dict.fromkeys(s.rule for s in rows):
            out_console.print(f"rule {escape(rule)}", highlight=False, soft_wrap=True)
    counts = {v: sum(s.verdict == v for s in every) for v in DUE_VERDICTS}
    said = ", ".join(f"{counts[v]} {v}" for v in DUE_VERDICTS if counts[v]) or "none"
    hidden = "" if show_all or not counts["on-time"] else " (on-time ones shown with --all)"
    out_console.print(f"{len(every)} notification(s) as of {when.isoformat()}: {said}{hidden}")
    exit_if_found(bool(found))


DUE_VERDICTS = ("overdue", "late", "due", "pending", "on-time")


@user_errors
def reconcile_cmd(
    treaty_ref: TreatyRef,
    declarations: list[Path] = typer.Option(
        ..., "--declarations", "-d", help="Item-level declaration file(s)."
    ),
    notifications_path: Path = typer.Option(
        ..., "--notifications", "-n", help="Notifications (CSV or JSON)."
    ),
    party: str | None = typer.Option(
        None, "--party", help="Only this party. Default: every party."
    ),
    before: str | None = typer.Option(
        None, "--before", help="Earlier declaration date (YYYY-MM-DD)."
    ),
    after: str | None = typer.Option(None, "--after", help="Later declaration date (YYYY-MM-DD)."),
    at: str | None = AT_OPT,
    limit: int = typer.Option(50, "--limit", help="Findings to print per party."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Check every change between two declarations against the notifications in between."""
    from armsctl.cli.compliance import load_inputs, parse_date
    from armsctl.errors import InputError
    from armsctl.inventory import read_party_items
    from armsctl.notifications import read_notifications, reconcile

    treaty, decls = load_inputs(treaty_ref, declarations)
    notes = read_notifications(notifications_path, treaty)
    when = parse_instant(at, "--at")
    results = []
    parties = [party] if party else decls.parties()
    for p in parties:
        dates = sorted({d.as_of for d in decls.for_party(p) if d.kind == "items"})
        b = parse_date(before, "--before") if before else (dates[-2] if len(dates) >= 2 else None)
        a = parse_date(after, "--after") if after else (dates[-1] if dates else None)
        if b is None or a is None:
            if party:
                raise InputError(f"{p}: needs two item-level declarations to reconcile")
            continue
        items = read_party_items(decls, party=p, dates=(b, a))
        results.append(reconcile(decls, items, notes, party=p, before=b, after=a, at=when))
    if not results:
        raise InputError("no party has two item-level declarations to reconcile")
    found = any(
        r.counts["uncovered"] or r.counts["late"] or r.counts["unsupported"] for r in results
    )
    if fmt is OutputFormat.json:
        print_json({"treaty": treaty.id, "results": [r.to_dict(limit) for r in results]})
    else:
        for r in results:
            c = r.counts
            out_console.print(
                f"[bold]{r.party}[/] {r.before} -> {r.after}: {c['changes']:,} changes, "
                f"{c['covered']:,} covered, {c['covered-late']:,} covered late, "
                f"[red]{c['uncovered']:,} uncovered[/], {c['awaiting']:,} awaiting; "
                f"{c['notifications']:,} notifications, {c['late']:,} late, "
                f"{c['unsupported']:,} unsupported"
            )
            for f in r.findings(limit):
                out_console.print(
                    f"  [bold]{f['kind']}[/]: {escape(f['explanation'])}", soft_wrap=True
                )
    exit_if_found(found)


def register(app: typer.Typer) -> None:
    """Add ``notify``, ``reconcile``, ``observe``, ``fuse`` and ``anomalies`` to the app."""
    notify = typer.Typer(
        help="Draft, send, receive, acknowledge and track treaty notifications.",
        no_args_is_help=True,
    )
    notify.command("draft")(notify_draft)
    notify.command("send")(notify_send)
    notify.command("receive")(notify_receive)
    notify.command("ack")(notify_ack)
    notify.command("list")(notify_list)
    notify.command("due")(notify_due)
    app.add_typer(notify, name="notify")
    app.command("reconcile")(reconcile_cmd)
    _register_monitoring(app)


def _register_monitoring(app: typer.Typer) -> None:
    """Observation, fusion and anomaly commands (kept apart: they share no options)."""
    from armsctl.cli import _monitoring_commands as commands

    observe = typer.Typer(help="Import monitoring observations.", no_args_is_help=True)
    observe.command("import")(commands.observe_import)
    app.add_typer(observe, name="observe")
    app.command("fuse")(commands.fuse_cmd)
    app.command("anomalies")(commands.anomalies_cmd)
