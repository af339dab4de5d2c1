"""How pages write times, dates and identifiers: one form everywhere, readable and machine-read.

A time is shown to the minute in UTC with its zone ("2026-11-30 10:00 UTC") inside a
``<time datetime>`` element that carries the exact instant; a date is a ``<time>`` too, which
the style sheet keeps on one line. Identifiers such as item uids sort in natural order
(U2 before U10), as a person counts them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markupsafe import Markup, escape

__all__ = [
    "FILTERS",
    "dated",
    "day",
    "natural",
    "natural_key",
    "plain_refusal",
    "when",
    "when_text",
]

_DIGITS = re.compile(r"(\d+)")


def _instant(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else None


def when_text(value: Any) -> str:
    """``2026-11-30 10:00 UTC``; a value that is not an instant with a zone is shown as given.

    A time without a zone is not guessed to be UTC: it is shown as it came, with a note.
    """
    instant = _instant(value)
    if instant is None:
        return "—" if value in (None, "") else f"{value} (no time zone)"
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def when(value: Any) -> Markup:
    """A time as ``<time datetime="...">2026-11-30 10:00 UTC</time>``."""
    instant = _instant(value)
    if instant is None:
        return Markup("{}").format(when_text(value))
    return Markup('<time datetime="{}">{}</time>').format(
        instant.isoformat(timespec="seconds").replace("+00:00", "Z"), when_text(instant)
    )


def day(value: Any) -> Markup:
    """A date as ``<time datetime="2024-09-01">2024-09-01</time>`` (kept on one line)."""
    if value in (None, ""):
        return Markup("none")
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return Markup('<time datetime="{0}">{0}</time>').format(escape(text))


_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def dated(text: Any) -> Markup:
    """Free text (a flag, a note) with each ISO date in a ``<time>``, so none breaks mid-date."""
    return Markup(_DATE.sub(r'<time datetime="\1">\1</time>', str(escape(text))))


def natural_key(text: Any) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders the digit runs of ``text`` by value: U0, U1, U2, ..., U10."""
    return tuple(
        (0, int(part)) if part.isdecimal() else (1, part)
        for part in _DIGITS.split(str(text))
        if part
    )


def natural(rows: Any, *path: str) -> list[Any]:
    """``rows`` in natural order of the value at ``path`` (``natural('item', 'uid')``)."""

    def at(row: Any) -> Any:
        for name in path:
            row = row.get(name) if isinstance(row, dict) else getattr(row, name, None)
        return row

    return sorted(rows, key=lambda row: natural_key(at(row)))


def plain_refusal(role: str | None, action: str, reason: str) -> str:
    """A refusal in words a reader of the page understands, from the role x action table.

    "Your role (observer) cannot read notifications sent or received by its party; party users
    can." rather than the audit trail's "the observer role may not notification.read".
    """
    from armsctl.access.authz import ACTIONS, ROLE_ORDER

    entry = ACTIONS.get(action)
    if entry is None or role is None:
        return f"You are not allowed to do this: {reason}."
    what, rules = entry
    what = re.sub(r" \([^)]*\)$", "", what)  # "(audited)" is for the audit trail's readers
    if role in rules:  # the role may, but not on this resource (another party's data...)
        return f"Your role ({role}) may {what} only within its own scope: {reason}."
    who = [r for r in ROLE_ORDER if r in rules]
    names = ", ".join(who[:-1]) + (" or " if len(who) > 1 else "") + who[-1] if who else "nobody"
    return f"Your role ({role}) cannot {what}. Only {names} users can; ask your administrator for such an account if you need one."


#: The filters every template has: ``{{ n.sent_at | when }}``, ``{{ d.as_of | day }}``.
FILTERS = {"when": when, "day": day, "dated": dated, "natural": natural}
