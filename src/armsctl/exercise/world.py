"""The exercise's clock, notifications and observations, as armsctl's own types.

An exercise runs on the same model as real treaty business: every notice the inspector gives
and every movement the host notifies is an :class:`armsctl.notifications.Notification` with its
lifecycle times, judged by :func:`armsctl.notifications.assess` against a duty; every counted
observation is an :class:`armsctl.monitoring.Observation` weighed by the monitoring fusion's
likelihood ratio. So a trainee sees the verdicts and rule texts (with their unverified marks)
that ``armsctl notify due`` and ``armsctl monitor fuse`` would give.

The duties come from the scenario's bundled treaty where it has them (New START's
``inspection-intent``, 32 hours before arrival, unverified; its ``movement``, 5 days after);
otherwise they are rules of the exercise, named as such. Time is a real clock: turn ``t``
starts at ``start`` plus ``t - 1`` turns (calendar months when the year divides into whole
months), so a notice can be given in hours inside a turn.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from armsctl.treaty.schema import Category, Dates, NotificationDuty, Parties, Status, Treaty

if TYPE_CHECKING:
    from armsctl.exercise.scenario import PlayedRecord, QuotaRule, Scenario
    from armsctl.inventory.model import Declaration, DeclarationSet
    from armsctl.monitoring import Observation

__all__ = [
    "MOVEMENT_DUTY",
    "exercise_treaty",
    "intent_duty_id",
    "observation_evidence",
    "played_record",
    "record_compliance",
    "record_turns",
    "turn_time",
]

MOVEMENT_DUTY = "movement"


def turn_time(scenario: Scenario, turn: int) -> dt.datetime:
    """When turn ``turn`` starts (UTC midnight); turn ``turns + 1`` is when the exercise ends.

    A scenario played from a public record runs on the record's data dates; the turn after
    the last ends one data-exchange period (half a year) later.
    """
    if scenario.record is not None:
        dates = [d for d, _ in record_turns(scenario)]
        day = dates[turn - 1] if turn <= len(dates) else dates[-1] + dt.timedelta(days=182)
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    start = dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC)
    tpy = scenario.turns_per_year
    if 12 % tpy == 0:
        months = (turn - 1) * (12 // tpy)
        if months == 0:
            return start
        year, month = divmod(start.month - 1 + months, 12)
        mday = min(start.day, 28)  # every month has a 28th: no turn skips a month
        return start.replace(year=start.year + year, month=month + 1, day=mday)
    return start + dt.timedelta(days=(turn - 1) * 365 / tpy)


def intent_duty_id(qtype: str) -> str:
    """The notification type of the notice of an inspection of this quota type."""
    return f"{qtype}-intent"


def exercise_treaty(scenario: Scenario) -> Treaty:
    """The treaty the exercise's notifications are judged under, with every duty they need.

    A bundled treaty keeps its own duties; a notice duty per quota type is added, taken from
    the treaty's ``inspection-requested`` duty when its span is the quota's ``notice_hours``
    (its article and provenance travel with it), and a movement duty when the treaty has none
    named ``movement``. A scenario with its own treaty gets a minimal treaty of its parties and
    categories. Added duties cite the scenario, never a treaty article they do not come from.
    """
    if scenario.treaty.ref is not None:
        from armsctl.treaty import load_treaty

        treaty = load_treaty(scenario.treaty.ref)
    else:
        treaty = Treaty(
            id=scenario.id,
            title=scenario.treaty.title or scenario.title,
            short_title=scenario.treaty.title or scenario.title,
            parties=Parties(members=sorted({scenario.inspector, scenario.host})),
            dates=Dates(signed=scenario.start, entry_into_force=scenario.start),
            statuses=[Status(id="declared", title="declared")],
            categories=[
                Category(id=c, title=c, statuses=["declared"]) for c in scenario.categories
            ],
        )
    duties = list(treaty.notifications)
    known = {d.id for d in duties}
    requested = [d for d in duties if "inspection-requested" in d.triggers]
    for rule in scenario.quotas:
        duties.append(_intent_duty(scenario, rule, requested))
    if MOVEMENT_DUTY not in known:
        duties.append(
            NotificationDuty(
                id=MOVEMENT_DUTY,
                title="Movement of declared items",
                deadline=scenario.treaty.movement_deadline,
                fields=["category", "count", "from_facility", "to_facility"],
                triggers=["item-moved"],
                article=f"exercise rule ({scenario.id}: treaty.movement_deadline)",
                note="A rule of the exercise, not of a treaty.",
            )
        )
    parties = treaty.parties
    if not parties.open and not {scenario.inspector, scenario.host} <= set(parties.members):
        # Fictional parties (BLU, RED) play under a real treaty's rules.
        members = sorted({*parties.members, scenario.inspector, scenario.host})
        parties = parties.model_copy(update={"members": members})
    return treaty.model_copy(update={"notifications": duties, "parties": parties})


def _intent_duty(
    scenario: Scenario, rule: QuotaRule, requested: list[NotificationDuty]
) -> NotificationDuty:
    hours = rule.notice_hours or 0
    for duty in requested:
        if duty.deadline_delta == dt.timedelta(hours=hours) and hours:
            return duty.model_copy(update={"id": intent_duty_id(rule.type)})
    article = rule.article or f"exercise rule ({scenario.id}: quotas.{rule.type}.notice_hours)"
    return NotificationDuty(
        id=intent_duty_id(rule.type),
        title=f"Notice of a {rule.title or rule.type}",
        deadline=f"PT{hours}H",
        direction="before",
        fields=["inspection_type", "facility", "arrival_time"],
        triggers=["inspection-requested"],
        article=article,
        note="A rule of the exercise: notice before the inspection team arrives.",
    )


def observation_evidence(obs: Observation, declared: int) -> dict[str, object]:
    """The monitoring fusion's weight of evidence that a counted observation shows more items.

    The log-likelihood ratio of one more item than declared against the declaration
    (``armsctl.monitoring.fusion.log_likelihood_ratio``, the measure ``monitor fuse`` ranks
    sites by), in base 10, with its words (Kass & Raftery).
    """
    import math

    import numpy as np

    from armsctl.monitoring.fusion import log_likelihood_ratio, verdict

    llr = log_likelihood_ratio(
        np.asarray([obs.count]),
        np.asarray([declared]),
        1,
        p=np.asarray([obs.p_detect if obs.p_detect is not None else np.nan]),
        lam=np.asarray([obs.fp_rate if obs.fp_rate is not None else np.nan]),
        se=np.asarray([obs.se if obs.se is not None else np.nan]),
    )
    log10 = round(float(llr[0]) / math.log(10), 3)
    return {"declared": declared, "log10_lr": log10, "verdict": verdict(log10)}


def played_record(scenario: Scenario, declarations: DeclarationSet) -> PlayedRecord:
    """The record ``scenario.record`` plays, from the treaty's public record ``declarations``.

    Its turns are the party's declarations from start to end, one a data date; a date the
    party did not provide data for is its ``not-provided`` declaration. A range with none is
    refused.
    """
    from armsctl.errors import InputError
    from armsctl.exercise.scenario import PlayedRecord

    assert scenario.record is not None
    r = scenario.record
    turns = [(d.as_of, d) for d in declarations.for_party(r.party) if r.start <= d.as_of <= r.end]
    if not turns:
        raise InputError(
            f"the {scenario.treaty.ref} record has no declaration of {r.party} "
            f"from {r.start} to {r.end}"
        )
    return PlayedRecord(declarations, turns)


def record_turns(scenario: Scenario) -> list[tuple[dt.date, Declaration]]:
    """The party's declarations in the record the scenario carries, one a turn."""
    return scenario.played_record.turns


def record_compliance(scenario: Scenario, day: dt.date) -> str:
    """The party's standing against the treaty's limits on ``day``, from the compliance engine.

    The same evaluation as ``armsctl check`` on the bundled record: each limit's value and
    ceiling, ``(unverified)`` where the figure is, and the engine's flags (data not provided,
    suspension, unverified figures).
    """
    from armsctl.compliance.engine import evaluate
    from armsctl.treaty import load_treaty

    assert scenario.record is not None and scenario.treaty.ref is not None
    treaty = load_treaty(scenario.treaty.ref)
    report = evaluate(treaty, scenario.played_record.declarations, day)
    result = next(p for p in report.parties if p.party == scenario.record.party)
    figures = [
        f"{x.value} of {x.max} {x.id}" + (" (unverified)" if x.provenance == "M" else "")
        for x in result.limits
        if x.value is not None
    ]
    text = f"{result.party} against the limits as of {day}: {result.status}"
    if result.status == "not-in-force":
        starts = min(x.effective for x in result.limits)
        text += f" (the limits apply from {starts})"
    text += f"; {', '.join(figures)}" if figures else ""
    return text + (f"; flags: {'; '.join(result.flags)}" if result.flags else "")
