"""Deadline rules: when each notification is due, and whether it is due, overdue, on time or late.

A duty's deadline is a span (``P5D``, ``PT24H``) counted from the triggering event, forwards for
duties due *after* the event and backwards for duties due *before* it (prior notification,
inspection intent). A notification counts as provided when it is received, so:

* received (and not rejected) by the deadline: ``on-time``; received after it: ``late``;
* sent after the deadline: ``late`` even before it arrives (it cannot arrive in time);
* sent in time but not yet received: ``pending`` until the deadline, then ``overdue``;
* drafted, or rejected by the recipient: ``due`` until the deadline, then ``overdue``.

Each verdict names the rule (duty, span, direction, article) that made it so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from armsctl.notifications.model import Notification, State, duty_of, utc
from armsctl.treaty.schema import NotificationDuty, Threshold, Treaty

__all__ = [
    "DeadlineStatus",
    "Obligation",
    "Verdict",
    "assess",
    "deadline_of",
    "due",
    "known_at",
    "periodic_obligations",
    "rule_sentence",
    "rule_text",
    "span_text",
    "thresholds_met",
    "track",
]

Verdict = Literal["on-time", "late", "pending", "due", "overdue"]


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """A notification's standing against its deadline at a moment, with the rule behind it."""

    notification_id: str
    type: str
    sender: str
    state: str
    event_time: dt.datetime
    deadline: dt.datetime
    verdict: Verdict
    rule: str
    article: str
    provenance: str
    lateness: dt.timedelta | None
    explanation: str
    why: str = ""
    """The finding in plain words, without the id and rule that ``explanation`` adds."""

    def to_dict(self) -> dict[str, object]:
        """The status as plain JSON: times in ISO 8601 (UTC), ``lateness_hours`` rounded to 0.01 h.

        ``lateness_hours`` is how far past the deadline a late or overdue one is, else ``None``.
        """
        return {
            "notification": self.notification_id,
            "type": self.type,
            "sender": self.sender,
            "state": self.state,
            "event_time": self.event_time.isoformat(),
            "deadline": self.deadline.isoformat(),
            "verdict": self.verdict,
            "rule": self.rule,
            "article": self.article,
            "provenance": self.provenance,
            "lateness_hours": None
            if self.lateness is None
            else round(self.lateness.total_seconds() / 3600, 2),
            "explanation": self.explanation,
            "why": self.why,
        }


def deadline_of(duty: NotificationDuty, event_time: dt.datetime) -> dt.datetime:
    """The last moment the notification may be received: event time plus (or minus) the span."""
    event_time = utc(event_time, "event_time")
    if duty.direction == "before":
        return event_time - duty.deadline_delta
    return event_time + duty.deadline_delta


def rule_text(duty: NotificationDuty) -> str:
    """The rule as a sentence fragment an analyst can check against the treaty text."""
    side = "before" if duty.direction == "before" else "after"
    text = f"{duty.id}: received within {duty.deadline} {side} the event ({duty.article})"
    if duty.provenance == "M":
        text += " [unverified deadline]"
    return text


def span_text(span: dt.timedelta, *, in_days: bool = True) -> str:
    """A deadline span in words ("30 days", "24 hours", "1 day and 12 hours"), for people.

    ``in_days=False`` counts whole hours only, as a treaty that writes ``PT24H`` means them.
    """
    days, hours = (
        (span.days, span.seconds // 3600) if in_days else (0, int(span.total_seconds()) // 3600)
    )
    words = [
        f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((days, "day"), (hours, "hour")) if n
    ]
    return " and ".join(words) or "0 hours"


def rule_sentence(duty: NotificationDuty) -> str:
    """``rule_text`` in plain words: "received within 30 days after the event (Article ...)".

    ``rule_text`` keeps the treaty file's ISO 8601 span (``P30D``), which scripts match on;
    this is what a page shows a reader who has never seen that notation.
    """
    side = "before" if duty.direction == "before" else "after"
    span = span_text(duty.deadline_delta, in_days="D" in duty.deadline)
    text = f"received within {span} {side} the event ({duty.article})"
    if duty.provenance == "M":
        text += " [unverified deadline]"
    return text


def _hours(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


def known_at(n: Notification, at: dt.datetime) -> Notification:
    """``n`` as it stood at ``at``: lifecycle steps dated after ``at`` had not happened yet.

    Judging a notification at a past moment must not use a receipt recorded later (a notice
    received in 2026 was still awaited on 2024-03-07). Each step needs the one before it, so a
    step is kept only if every earlier step is kept too.
    """
    at = utc(at, "at")

    def by(t: dt.datetime | None) -> dt.datetime | None:
        return t if t is not None and t <= at else None

    sent = by(n.sent_at)
    received = by(n.received_at) if sent else None
    acknowledged = by(n.acknowledged_at) if received else None
    rejected = by(n.rejected_at) if received else None
    if (sent, received, acknowledged, rejected) == (
        n.sent_at,
        n.received_at,
        n.acknowledged_at,
        n.rejected_at,
    ):
        return n
    state: State = (
        "rejected"
        if rejected
        else "acknowledged"
        if acknowledged
        else "received"
        if received
        else "sent"
        if sent
        else "drafted"
    )
    return dataclasses.replace(
        n,
        state=state,
        sent_at=sent,
        received_at=received,
        acknowledged_at=acknowledged,
        rejected_at=rejected,
        rejection_reason=n.rejection_reason if rejected else "",
    )


def assess(n: Notification, treaty: Treaty, *, at: dt.datetime) -> DeadlineStatus:
    """Where ``n`` stands against its duty's deadline at ``at``, knowing only what was known then.

    Steps recorded after ``at`` are ignored (see ``known_at``), so a past ``at`` gives the
    verdict an analyst would have reached that day.
    """
    at = utc(at, "at")
    n = known_at(n, at)
    duty = duty_of(treaty, n.type)
    deadline = deadline_of(duty, n.event_time)
    lateness: dt.timedelta | None = None
    verdict: Verdict
    if n.provided_at is not None:
        if n.provided_at <= deadline:
            verdict, why = "on-time", f"received {n.provided_at.isoformat()}, by the deadline"
        else:
            lateness = n.provided_at - deadline
            verdict, why = "late", f"received {_hours(lateness)} after the deadline"
    elif n.state == "sent" and n.sent_at is not None and n.sent_at > deadline:
        lateness = n.sent_at - deadline
        verdict, why = "late", f"sent {_hours(lateness)} after the deadline, not yet received"
    elif n.state == "sent":
        if at > deadline:
            lateness = at - deadline
            verdict, why = "overdue", "sent in time but not received by the deadline"
        else:
            verdict, why = "pending", "sent, awaiting receipt"
    else:
        what = f"rejected ({n.rejection_reason})" if n.state == "rejected" else "not yet sent"
        if at > deadline:
            lateness = at - deadline
            verdict, why = "overdue", f"{what}; deadline passed {_hours(lateness)} ago"
        else:
            verdict, why = "due", f"{what}; {_hours(deadline - at)} left"
    return DeadlineStatus(
        notification_id=n.id,
        type=n.type,
        sender=n.sender,
        state=n.state,
        event_time=n.event_time,
        deadline=deadline,
        verdict=verdict,
        rule=rule_text(duty),
        article=duty.article,
        provenance=duty.provenance,
        lateness=lateness,
        explanation=f"{n.id} ({n.type}, event {n.event_time.isoformat()}): {why}; rule {rule_text(duty)}",
        why=why,
    )


def track(
    notifications: Iterable[Notification], treaty: Treaty, *, at: dt.datetime
) -> list[DeadlineStatus]:
    """Every notification's deadline standing at ``at``, soonest deadline first."""
    return sorted(
        (assess(n, treaty, at=at) for n in notifications),
        key=lambda s: (s.deadline, s.notification_id),
    )


def due(
    notifications: Iterable[Notification], treaty: Treaty, *, at: dt.datetime
) -> list[DeadlineStatus]:
    """What still needs action at ``at``: due, pending and overdue notifications."""
    return [
        s for s in track(notifications, treaty, at=at) if s.verdict in ("due", "pending", "overdue")
    ]


@dataclass(frozen=True, slots=True)
class Obligation:
    """A notification a periodic rule requires whether or not anyone has drafted it yet."""

    type: str
    sender: str
    event: str
    event_time: dt.datetime
    deadline: dt.datetime
    rule: str
    met_by: str | None
    verdict: Verdict


def periodic_obligations(
    treaty: Treaty,
    notifications: Sequence[Notification],
    *,
    start: dt.date,
    end: dt.date,
    at: dt.datetime,
) -> list[Obligation]:
    """Data-date duties (six-monthly update) for each party and data date in ``[start, end]``.

    A duty triggered by ``data-date`` is owed after every data date of the treaty's data exchange;
    the notification meeting it is one of that type, from that party, dated that day.
    """
    at = utc(at, "at")
    exchange = treaty.data_exchange
    if exchange is None:
        return []
    days = [
        dt.date(year, int(md[:2]), int(md[3:]))
        for year in range(start.year, end.year + 1)
        for md in exchange.data_dates
    ]
    days += list(exchange.special_data_dates)
    days = sorted(d for d in set(days) if start <= d <= end and treaty.in_force_on(d))
    out: list[Obligation] = []
    for duty in treaty.notifications:
        if "data-date" not in duty.triggers:
            continue
        for party in treaty.parties.members:
            for day in days:
                event_time = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
                match = [
                    n
                    for n in notifications
                    if n.type == duty.id and n.sender == party and n.event_time.date() == day
                ]
                best = (
                    min(
                        match, key=lambda n: n.provided_at or dt.datetime.max.replace(tzinfo=dt.UTC)
                    )
                    if match
                    else None
                )
                verdict = (
                    assess(best, treaty, at=at).verdict
                    if best is not None
                    else ("overdue" if at > deadline_of(duty, event_time) else "due")
                )
                out.append(
                    Obligation(
                        duty.id,
                        party,
                        "data-date",
                        event_time,
                        deadline_of(duty, event_time),
                        rule_text(duty),
                        best.id if best is not None else None,
                        verdict,
                    )
                )
    return out


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def thresholds_met(duty: NotificationDuty, measures: Mapping[str, int]) -> list[Threshold]:
    """The thresholds an activity reaches; any one of them makes the duty apply.

    Measure names are matched with ``_`` and ``-`` treated alike, since treaty files use slugs
    and notification fields use identifiers.
    """
    given = {_norm(k): v for k, v in measures.items()}
    return [t for t in duty.thresholds if given.get(_norm(t.measure), 0) >= t.at_least]
