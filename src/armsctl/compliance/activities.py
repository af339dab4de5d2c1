"""Obligations on activities: bans and prior-notification thresholds, over reported events.

Limits count holdings; some obligations are about what a party does: INF banned flight tests of
intermediate-range missiles, the Vienna Document requires prior notification of military
activities above a size. A rule is evaluated for each reported event, with the notification that
satisfies it or the reason it is broken. Pure: the events, the notifications and the date of the
question are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from armsctl.notifications.deadlines import deadline_of
from armsctl.notifications.model import Notification
from armsctl.treaty.schema import ActivityRule, Treaty

__all__ = ["Activity", "ActivityResult", "activity_to_dict", "evaluate_activities"]


@dataclass(frozen=True, slots=True)
class Activity:
    """One reported event: who did what, when, and its size (``troops``, ``battle-tanks``...)."""

    party: str
    event: str
    time: dt.datetime
    uid: str
    measures: Mapping[str, int] = field(default_factory=dict)
    origin: str = ""


@dataclass(frozen=True, slots=True)
class ActivityResult:
    """A rule applied to one event: ``compliant`` or ``violation``, and why."""

    rule: str
    title: str
    article: str
    party: str
    uid: str
    event: str
    time: dt.datetime
    status: str
    reason: str
    notification: str | None = None
    provenance: str = "C"


def _norm(name: str) -> str:
    return name.replace("_", "-").lower()


def _applies(rule: ActivityRule, treaty: Treaty, activity: Activity) -> bool:
    day = activity.time.date()
    if activity.event not in rule.events:
        return False
    if rule.parties and activity.party not in rule.parties:
        return False
    if day < rule.effective or (rule.ends is not None and day >= rule.ends):
        return False
    if not treaty.in_force_on(day) or day < treaty.entry_into_force_for(activity.party):
        return False
    withdrawn = treaty.withdrawn_on(activity.party, day)
    return withdrawn is None


def _reached(rule: ActivityRule, activity: Activity) -> list[str]:
    given = {_norm(k): v for k, v in activity.measures.items()}
    return [
        f"{t.measure} {given.get(_norm(t.measure), 0):,} >= {t.at_least:,}"
        for t in rule.thresholds
        if given.get(_norm(t.measure), 0) >= t.at_least
    ]


def _matches(n: Notification, rule: ActivityRule, activity: Activity) -> bool:
    if n.type != rule.notification or n.sender != activity.party:
        return False
    uid = n.fields.get("uid") or n.fields.get("activity")
    return uid == activity.uid if uid else n.event_time.date() == activity.time.date()


def _result(
    rule: ActivityRule, activity: Activity, status: str, reason: str, notification: str | None
) -> ActivityResult:
    return ActivityResult(
        rule.id,
        rule.title,
        rule.article,
        activity.party,
        activity.uid,
        activity.event,
        activity.time,
        status,
        reason,
        notification,
        rule.provenance,
    )


def _judge(
    rule: ActivityRule,
    treaty: Treaty,
    activity: Activity,
    notifications: Sequence[Notification],
) -> ActivityResult | None:
    if rule.kind == "ban":
        return _result(rule, activity, "violation", f"{activity.event} is banned", None)
    reached = _reached(rule, activity)
    if rule.thresholds and not reached:
        return None
    duty = next(d for d in treaty.notifications if d.id == rule.notification)  # schema-checked
    due = deadline_of(duty, activity.time)
    size = "; ".join(reached) or "any size"
    found = [n for n in notifications if _matches(n, rule, activity)]
    on_time = [n for n in found if n.provided_at is not None and n.provided_at <= due]
    if on_time:
        n = on_time[0]
        reason = f"{size}: notified by {n.id}, received {n.provided_at}"
        return _result(rule, activity, "compliant", reason, n.id)
    if found:
        n = found[0]
        got = f"received {n.provided_at}" if n.provided_at else f"not received ({n.state})"
        return _result(rule, activity, "violation", f"{size}: {n.id} {got}, due by {due}", n.id)
    reason = f"{size}: no {duty.id} notification received by {due}"
    return _result(rule, activity, "violation", reason, None)


def evaluate_activities(
    treaty: Treaty,
    activities: Sequence[Activity],
    notifications: Sequence[Notification],
    at: dt.date,
) -> list[ActivityResult]:
    """Every activity rule against every event up to ``at``, oldest first."""
    events = sorted((a for a in activities if a.time.date() <= at), key=lambda a: a.time)
    results = [
        judged
        for rule in treaty.activities
        for activity in events
        if _applies(rule, treaty, activity)
        and (judged := _judge(rule, treaty, activity, notifications)) is not None
    ]
    return sorted(results, key=lambda r: (r.time, r.rule, r.uid))


def activity_to_dict(r: ActivityResult) -> dict[str, Any]:
    """One activity result in the ``check --format json`` document."""
    return {
        "rule": r.rule,
        "title": r.title,
        "article": r.article,
        "party": r.party,
        "uid": r.uid,
        "event": r.event,
        "time": r.time.isoformat(),
        "status": r.status,
        "reason": r.reason,
        "notification": r.notification,
        "unverified": r.provenance == "M",
    }
