"""The one reader of times that users, files and requests give: ISO 8601 with a time zone.

A time without a zone names no instant (a treaty office in Vienna and one in Washington would
read it six hours apart), so every shell refuses it, as the API's schemas do
(``AwareDatetime``): the CLI's options, the files the core reads and the web's stored rows all
go through ``parse_time`` or ``parse_instant``. Instants come back in UTC.

The one default: records dated by the day (reported activities, whose treaty rules are dated
by the day) may give a calendar date alone, ``YYYY-MM-DD``, which names the start of that day
in UTC (``parse_day_or_time``). A time of day always needs its zone.
"""

from __future__ import annotations

import datetime as dt

from armsctl.errors import InputError, Problem

__all__ = ["parse_day_or_time", "parse_instant", "parse_time"]


def parse_time(value: object) -> tuple[dt.datetime | None, str | None]:
    """An ISO 8601 instant with a time zone, in UTC; or the reason it is not one.

    For readers that collect every problem of a file before refusing it.
    """
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, f"bad time {text!r} (ISO 8601 with a time zone, e.g. 2024-03-01T12:00:00Z)"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, f"time {text!r} has no time zone (add Z or +00:00)"
    return parsed.astimezone(dt.UTC), None


def parse_instant(value: object, *, field: str, where: str = "") -> dt.datetime:
    """``parse_time`` that raises: an ``InputError`` naming the field (and file) it came from."""
    parsed, error = parse_time(value)
    if parsed is None:
        raise InputError([Problem(where, field, error or "not a time")])
    return parsed


def parse_day_or_time(value: object) -> tuple[dt.datetime | None, str | None]:
    """A calendar date (the start of that day in UTC) or ``parse_time``'s instant; or why not.

    For files whose records are dated by the day (see the module's docstring); a date and time
    without a zone is refused as ``parse_time`` refuses it.
    """
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None, f"bad time {text!r} (ISO 8601)"
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), None
    return parse_time(text)
