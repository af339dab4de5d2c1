"""A notification and its lifecycle: drafted, sent, received, then acknowledged or rejected.

Treaties count a notification as provided when the receiving party has it, so the lifecycle keeps
every time it passed through (sent, received, acknowledged or rejected) rather than only its
current state: deadline rules read those times later. Every time is a timezone-aware datetime
normalised to UTC; a naive datetime is refused because a notification's lateness can hinge on
a few hours. Transitions return a new notification and refuse anything the lifecycle does not
allow, so a file of notifications can never hold an impossible history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from armsctl.errors import InputError, ParameterError, Problem
from armsctl.treaty.schema import NotificationDuty, Treaty

__all__ = [
    "STATES",
    "TRANSITIONS",
    "Notification",
    "State",
    "TransitionError",
    "acknowledge",
    "check_against_duty",
    "default_recipients",
    "draft",
    "duty_of",
    "receive",
    "reject",
    "send",
    "utc",
]

State = Literal["drafted", "sent", "received", "acknowledged", "rejected"]
STATES: tuple[State, ...] = ("drafted", "sent", "received", "acknowledged", "rejected")
TRANSITIONS: dict[State, tuple[State, ...]] = {
    "drafted": ("sent",),
    "sent": ("received",),
    "received": ("acknowledged", "rejected"),
    "acknowledged": (),
    "rejected": (),
}


class TransitionError(InputError):
    """A lifecycle step the notification's current state does not allow."""


def utc(value: dt.datetime, name: str = "time") -> dt.datetime:
    """The same instant in UTC; a naive datetime is refused because its instant is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ParameterError(
            f"{name}: {value.isoformat()} has no time zone (give e.g. +00:00 or Z)"
        )
    return value.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification of a treaty duty, with every lifecycle time it has reached.

    ``type`` is the id of a :class:`~armsctl.treaty.schema.NotificationDuty`; ``event`` is the
    trigger it reports (``item-moved``, ``data-date``...); ``event_time`` is when that happened
    (or, for a duty due *before* the event, when it is planned).
    """

    id: str
    treaty: str
    type: str
    sender: str
    recipients: tuple[str, ...]
    event: str
    event_time: dt.datetime
    fields: dict[str, str] = field(default_factory=dict)
    state: State = "drafted"
    drafted_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    rejected_at: dt.datetime | None = None
    rejection_reason: str = ""

    @property
    def provided_at(self) -> dt.datetime | None:
        """When the notification counts as provided: on receipt, and never once rejected."""
        return None if self.state == "rejected" else self.received_at

    def last_time(self) -> dt.datetime | None:
        """The latest lifecycle time reached, which the next step may not precede."""
        times = [
            t
            for t in (
                self.drafted_at,
                self.sent_at,
                self.received_at,
                self.acknowledged_at,
                self.rejected_at,
            )
            if t is not None
        ]
        return max(times) if times else None


def duty_of(treaty: Treaty, type_id: str) -> NotificationDuty:
    """The treaty duty a notification type names, or a clear error listing the known ones."""
    for duty in treaty.notifications:
        if duty.id == type_id:
            return duty
    known = ", ".join(d.id for d in treaty.notifications) or "none"
    raise InputError(
        [Problem("", "type", f"unknown notification type {type_id!r} (known: {known})")]
    )


def default_recipients(treaty: Treaty, sender: str) -> tuple[str, ...]:
    """Every other member, which is what ``other-parties`` duties mean for a closed treaty."""
    return tuple(m for m in treaty.parties.members if m != sender)


def draft(
    treaty: Treaty,
    *,
    id: str,
    type: str,
    sender: str,
    event_time: dt.datetime,
    at: dt.datetime,
    fields: dict[str, str] | None = None,
    event: str | None = None,
    recipients: tuple[str, ...] | None = None,
) -> Notification:
    """A new drafted notification, checked against the treaty's duty (type, event, fields)."""
    duty = duty_of(treaty, type)
    problems = _check(treaty, duty, sender, event, fields or {})
    if problems:
        raise InputError(problems)
    return Notification(
        id=id,
        treaty=treaty.id,
        type=type,
        sender=sender,
        recipients=recipients or default_recipients(treaty, sender),
        event=event or duty.triggers[0],
        event_time=utc(event_time, "event_time"),
        fields=dict(fields or {}),
        drafted_at=utc(at, "at"),
    )


def check_against_duty(
    treaty: Treaty, duty: NotificationDuty, n: Notification, where: str = "", location: str = ""
) -> list[Problem]:
    """What in ``n`` disagrees with its duty; used by the file reader to name each problem."""
    return _check(treaty, duty, n.sender, n.event, n.fields, where, location)


def _check(
    treaty: Treaty,
    duty: NotificationDuty,
    sender: str,
    event: str | None,
    fields: dict[str, str],
    where: str = "",
    location: str = "",
) -> list[Problem]:
    problems: list[Problem] = []
    if not treaty.parties.open and sender not in treaty.parties.members:
        problems.append(
            Problem(where, location, f"sender: {sender!r} is not a party of {treaty.id}")
        )
    if event is None and len(duty.triggers) != 1:
        problems.append(
            Problem(where, location, f"event: give one of {', '.join(duty.triggers)} for {duty.id}")
        )
    if event is not None and event not in duty.triggers:
        problems.append(
            Problem(
                where,
                location,
                f"event: {event!r} does not trigger {duty.id} (it takes {', '.join(duty.triggers)})",
            )
        )
    required = [f for f in duty.fields if not f.endswith("_time")]
    for name in required:
        if not fields.get(name):
            problems.append(
                Problem(where, location, f"fields.{name}: missing (required by {duty.id})")
            )
    for name in sorted(set(fields) - set(duty.fields)):
        problems.append(
            Problem(
                where,
                location,
                f"fields.{name}: not a field of {duty.id} ({', '.join(duty.fields)})",
            )
        )
    return problems


def _step(n: Notification, to: State, at: dt.datetime, **changes: object) -> Notification:
    if to not in TRANSITIONS[n.state]:
        allowed = ", ".join(TRANSITIONS[n.state]) or "nothing (final)"
        raise TransitionError(
            [Problem(n.id, "state", f"cannot go from {n.state} to {to} (allowed: {allowed})")]
        )
    at = utc(at, "at")
    last = n.last_time()
    if last is not None and at < last:
        raise TransitionError(
            [Problem(n.id, "time", f"{to} at {at.isoformat()} precedes {last.isoformat()}")]
        )
    return dataclasses.replace(n, state=to, **changes)  # type: ignore[arg-type]


def send(n: Notification, *, at: dt.datetime) -> Notification:
    """Mark as sent at ``at``; only a draft can be sent."""
    return _step(n, "sent", at, sent_at=utc(at, "at"))


def receive(n: Notification, *, at: dt.datetime) -> Notification:
    """Mark as received at ``at``: the moment the notification counts as provided."""
    return _step(n, "received", at, received_at=utc(at, "at"))


def acknowledge(n: Notification, *, at: dt.datetime) -> Notification:
    """The recipient accepts the notification; only a received one can be acknowledged."""
    return _step(n, "acknowledged", at, acknowledged_at=utc(at, "at"))


def reject(n: Notification, *, at: dt.datetime, reason: str) -> Notification:
    """The recipient refuses the notification, saying why; it then no longer counts as provided."""
    if not reason.strip():
        raise ParameterError("reason: a rejection needs a reason")
    return _step(n, "rejected", at, rejected_at=utc(at, "at"), rejection_reason=reason.strip())
