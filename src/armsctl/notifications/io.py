"""Notification files: CSV or JSON in, a JSON document out; validated all or nothing.

CSV has one notification per line with the columns ``id, type, sender, event, event_time`` and
optionally ``recipients`` (``;``-separated), ``state``, the lifecycle times and
``rejection_reason``; every other non-empty column is a field of the notification (``uid``,
``category``, ``to_facility``...). JSON is an array of records with the same keys and a
``fields`` object, or a document ``{"format": ..., "treaty": ..., "notifications": [...]}``,
which is also what :func:`write_notifications` writes. Every problem names the file, the line
(CSV) or record (JSON) and the field; a file with any problem yields nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from armsctl.errors import MAX_PROBLEMS, InputError, Problem
from armsctl.notifications.model import (
    STATES,
    Notification,
    State,
    check_against_duty,
    default_recipients,
)
from armsctl.textio import parse_json, read_utf8
from armsctl.times import parse_time
from armsctl.treaty.schema import Treaty

__all__ = [
    "FORMAT",
    "TIME_FIELDS",
    "from_record",
    "notification_to_dict",
    "parse_time",
    "read_notifications",
    "write_notifications",
]

FORMAT = "armsctl-notifications/1"
TIME_FIELDS = ("drafted_at", "sent_at", "received_at", "acknowledged_at", "rejected_at")
CORE = ("id", "type", "sender", "recipients", "event", "event_time", "state", "rejection_reason")


def from_record(record: Mapping[str, Any], treaty: Treaty, where: str = "") -> Notification:
    """A notification as the server stores it (``armsctl.service.notifications``), for ``assess``.

    The server keeps the duty as ``kind``, one ``recipient`` (or none: every other party), the
    time it accepted the notification as ``sent_at`` (which is also when it counts as received:
    the server delivers at once), an ``acknowledged_at`` and the body, whose ``event`` and
    ``event_time`` say what is notified. Times are read with :func:`parse_time`, the rule of the
    file reader the command line uses, so a time without a zone is refused, never guessed; the
    web and the command line therefore judge the same notification the same way.

    Raises:
        InputError: naming ``kind``, ``sent_at``, ``acknowledged_at`` or ``body.event_time``
            when one is unknown, missing or not an instant with a time zone.
    """
    loc = f"notification {record.get('id', '?')}"
    problems: list[Problem] = []
    type_id = _text(record.get("kind"))
    duty = next((d for d in treaty.notifications if d.id == type_id), None)
    if duty is None:
        known = ", ".join(d.id for d in treaty.notifications)
        problems.append(
            Problem(
                where, loc, f"kind: {type_id!r} is not a notification duty of {treaty.id} ({known})"
            )
        )

    def instant(name: str, value: object, required: bool) -> dt.datetime | None:
        if not _text(value):
            if required:
                problems.append(Problem(where, loc, f"{name}: missing"))
            return None
        parsed, error = parse_time(value)
        if error:
            problems.append(Problem(where, loc, f"{name}: {error}"))
        return parsed

    body = record.get("body")
    body = body if isinstance(body, Mapping) else {}
    sent = instant("sent_at", record.get("sent_at"), True)
    acknowledged = instant("acknowledged_at", record.get("acknowledged_at"), False)
    event_time = instant("body.event_time", body.get("event_time"), False) or sent
    if problems or duty is None or sent is None or event_time is None:
        raise InputError(problems)
    sender = _text(record.get("sender"))
    recipient = _text(record.get("recipient"))
    return Notification(
        id=_text(record.get("id")),
        treaty=treaty.id,
        type=duty.id,
        sender=sender,
        recipients=(recipient,) if recipient else default_recipients(treaty, sender),
        event=_text(body.get("event")) or (duty.triggers[0] if duty.triggers else ""),
        event_time=event_time,
        state="acknowledged" if acknowledged else "received",
        sent_at=sent,
        received_at=sent,
        acknowledged_at=acknowledged,
    )


def notification_to_dict(n: Notification) -> dict[str, Any]:
    """The JSON form of a notification (times in ISO 8601 UTC, absent times as null)."""
    return {
        "id": n.id,
        "type": n.type,
        "sender": n.sender,
        "recipients": list(n.recipients),
        "event": n.event,
        "event_time": n.event_time.isoformat(),
        "fields": dict(sorted(n.fields.items())),
        "state": n.state,
        **{t: None if getattr(n, t) is None else getattr(n, t).isoformat() for t in TIME_FIELDS},
        "rejection_reason": n.rejection_reason,
    }


def write_notifications(path: Path, treaty: Treaty, notifications: Sequence[Notification]) -> Path:
    """Write the notifications atomically (a crash leaves the old file), in the file's format.

    A ``.csv`` path gets the CSV format :func:`read_notifications` reads (the core columns, the
    lifecycle times, then one column per field name), so a CSV file stays CSV through the
    lifecycle commands; any other path gets the JSON document.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".csv":
        field_names = sorted(
            {k for n in notifications for k in n.fields} - set(CORE) - set(TIME_FIELDS)
        )
        columns = ["id", "type", "event", "sender", "event_time", "recipients", "state"]
        columns += [*TIME_FIELDS, "rejection_reason", *field_names]
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for n in notifications:
                d = notification_to_dict(n)
                row = {c: d.get(c) for c in columns if c in d}
                row["recipients"] = ";".join(n.recipients)
                row.update(n.fields)
                writer.writerow({c: "" if row.get(c) is None else row[c] for c in columns})
    else:
        doc = {
            "format": FORMAT,
            "treaty": treaty.id,
            "notifications": [notification_to_dict(n) for n in notifications],
        }
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_notifications(path: Path, treaty: Treaty) -> list[Notification]:
    """Read and validate a notification file (CSV or JSON) for ``treaty``; all or nothing."""
    where = str(path)
    if not path.exists():
        raise InputError([Problem(where, "", "no such file")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            rows = _csv_rows(path)
        elif suffix == ".json":
            rows = _json_rows(path, treaty)
        else:
            raise InputError([Problem(where, "", "not a .csv or .json file")])
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(where, "", f"cannot be read: {exc}")]) from None
    problems: list[Problem] = []
    out: list[Notification] = []
    seen: dict[str, str] = {}
    for loc, row in rows:
        n = _parse_row(row, treaty, where, loc, problems)
        if n is None:
            continue
        if n.id in seen:
            problems.append(Problem(where, loc, f"id: {n.id!r} already used at {seen[n.id]}"))
        seen.setdefault(n.id, loc)
        out.append(n)
        if len(problems) >= MAX_PROBLEMS:
            break
    InputError.raise_if_any(problems)
    return out


def _csv_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows: list[tuple[str, dict[str, Any]]] = []
        for i, raw in enumerate(reader):
            row: dict[str, Any] = {}
            fields: dict[str, str] = {}
            for key, value in raw.items():
                if key is None:
                    raise InputError(
                        [Problem(str(path), f"line {i + 2}", "more values than header columns")]
                    )
                key = key.strip()
                if key in CORE or key in TIME_FIELDS:
                    row[key] = value
                elif value not in (None, ""):
                    fields[key] = value.strip()
            row["fields"] = fields
            rows.append((f"line {i + 2}", row))
    return rows


def _json_rows(path: Path, treaty: Treaty) -> list[tuple[str, dict[str, Any]]]:
    where = str(path)
    data = parse_json(read_utf8(path, where=where), where=where)
    if isinstance(data, dict):
        if data.get("treaty") not in (None, treaty.id):
            raise InputError(
                [Problem(where, "treaty", f"file is for {data['treaty']!r}, not {treaty.id!r}")]
            )
        data = data.get("notifications")
    if not isinstance(data, list):
        raise InputError([Problem(where, "", "expected an array of notification records")])
    rows: list[tuple[str, dict[str, Any]]] = []
    for i, record in enumerate(data):
        if not isinstance(record, dict):
            raise InputError([Problem(where, f"record {i + 1}", "not a JSON object")])
        rows.append((f"record {i + 1}", record))
    return rows


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _parse_row(
    row: dict[str, Any], treaty: Treaty, where: str, loc: str, problems: list[Problem]
) -> Notification | None:
    before = len(problems)
    ident, type_id, sender = _text(row.get("id")), _text(row.get("type")), _text(row.get("sender"))
    for name, value in (("id", ident), ("type", type_id), ("sender", sender)):
        if not value:
            problems.append(Problem(where, loc, f"{name}: missing"))
    duty = next((d for d in treaty.notifications if d.id == type_id), None)
    if type_id and duty is None:
        known = ", ".join(d.id for d in treaty.notifications)
        problems.append(
            Problem(where, loc, f"type: unknown notification type {type_id!r} ({known})")
        )
    event_time, error = (
        parse_time(row.get("event_time"))
        if _text(row.get("event_time"))
        else (
            None,
            "missing",
        )
    )
    if error:
        problems.append(Problem(where, loc, f"event_time: {error}"))
    times: dict[str, dt.datetime | None] = {}
    for name in TIME_FIELDS:
        if _text(row.get(name)):
            times[name], error = parse_time(row[name])
            if error:
                problems.append(Problem(where, loc, f"{name}: {error}"))
        else:
            times[name] = None
    fields_raw = row.get("fields") or {}
    if not isinstance(fields_raw, dict):
        problems.append(Problem(where, loc, "fields: expected an object of name: value"))
        fields_raw = {}
    fields = {str(k): _text(v) for k, v in fields_raw.items() if _text(v)}
    recipients_raw = row.get("recipients")
    if isinstance(recipients_raw, list):
        recipients = tuple(_text(r) for r in recipients_raw if _text(r))
    else:
        recipients = tuple(r.strip() for r in _text(recipients_raw).split(";") if r.strip())
    state = _state(row, times, where, loc, problems)
    if len(problems) > before or duty is None or event_time is None or state is None:
        return None
    n = Notification(
        id=ident,
        treaty=treaty.id,
        type=type_id,
        sender=sender,
        recipients=recipients or default_recipients(treaty, sender),
        event=_text(row.get("event")) or (duty.triggers[0] if len(duty.triggers) == 1 else ""),
        event_time=event_time,
        fields=fields,
        state=state,
        rejection_reason=_text(row.get("rejection_reason")),
        **times,
    )
    checks = check_against_duty(treaty, duty, n, where, loc)
    if not n.event:
        checks = [p for p in checks if not p.message.startswith("event:")]
        checks.append(Problem(where, loc, f"event: give one of {', '.join(duty.triggers)}"))
    unknown = [
        r for r in n.recipients if not treaty.parties.open and r not in treaty.parties.members
    ]
    checks += [Problem(where, loc, f"recipients: {r!r} is not a party") for r in unknown]
    problems += checks
    return None if checks else n


_NEEDS: dict[State, tuple[str, ...]] = {
    "drafted": (),
    "sent": ("sent_at",),
    "received": ("sent_at", "received_at"),
    "acknowledged": ("sent_at", "received_at", "acknowledged_at"),
    "rejected": ("sent_at", "received_at", "rejected_at"),
}


def _state(
    row: dict[str, Any],
    times: dict[str, dt.datetime | None],
    where: str,
    loc: str,
    problems: list[Problem],
) -> State | None:
    """The state given (or implied by the times), checked against the times it needs."""
    given = _text(row.get("state"))
    if given and given not in STATES:
        problems.append(Problem(where, loc, f"state: {given!r} is not one of {', '.join(STATES)}"))
        return None
    implied: State = "drafted"
    steps: tuple[tuple[State, str], ...] = (
        ("sent", "sent_at"),
        ("received", "received_at"),
        ("acknowledged", "acknowledged_at"),
        ("rejected", "rejected_at"),
    )
    for step, name in steps:
        if times.get(name) is not None:
            implied = step
    state: State = next((s for s in STATES if s == given), implied)
    ok = True
    for name in _NEEDS[state]:
        if times.get(name) is None:
            problems.append(Problem(where, loc, f"{name}: missing for state {state}"))
            ok = False
    for name in TIME_FIELDS[1:]:
        if times.get(name) is not None and name not in _NEEDS[state]:
            problems.append(Problem(where, loc, f"{name}: given but the state is {state}"))
            ok = False
    order = [(n, times[n]) for n in TIME_FIELDS if times.get(n) is not None]
    for (a, ta), (b, tb) in itertools.pairwise(order):
        assert ta is not None and tb is not None
        if tb < ta:
            problems.append(Problem(where, loc, f"{b}: {tb.isoformat()} precedes {a}"))
            ok = False
    if state == "rejected" and not _text(row.get("rejection_reason")):
        problems.append(
            Problem(where, loc, "rejection_reason: missing for a rejected notification")
        )
        ok = False
    return state if ok else None
