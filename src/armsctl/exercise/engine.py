"""The exercise engine: turns, the trainee's actions, the treaty's rules, and the record.

The engine is pure and deterministic. All randomness comes from the scenario seed through
independent NumPy ``Generator`` streams (one for the host, one for the world: sampling and
monitoring), and the only other input is the sequence of action strings. Replaying the same
scenario, seed and actions therefore gives the same record, event for event; a saved exercise
is just that (scenario, seed, actions) and resuming replays it. An illegal action is refused
with the rule that forbids it, is recorded, consumes no randomness, and the turn goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from armsctl.errors import InputError, IntegrityError, Problem
from armsctl.exercise.hosts import HostStrategyBase, make_host
from armsctl.exercise.scenario import Scenario, quota_per_year
from armsctl.exercise.world import (
    MOVEMENT_DUTY,
    exercise_treaty,
    intent_duty_id,
    observation_evidence,
    turn_time,
)
from armsctl.monitoring import Observation
from armsctl.notifications import Notification, assess, notification_to_dict, receive, send

__all__ = [
    "ACTION_HELP",
    "RECORD_FORMAT",
    "Action",
    "Exercise",
    "Outcome",
    "Refusal",
    "SavedExercise",
    "parse_action",
    "replay",
    "resume",
    "saved_exercise",
]

RECORD_FORMAT = "armsctl-exercise/2"
EARLIER_FORMATS = ("armsctl-exercise/1",)
"""Records whose events this version cannot reproduce (texts and event data changed): they are
replayed from their actions, and the debrief says that their events were not compared."""
ACTION_HELP = (
    "notify SITE TYPE (notice of an inspection) | inspect SITE [TYPE] | clarify SITE [question]"
    " | concern SITE [reason] | end (end the turn)"
)
ActionKind = Literal["notify", "inspect", "clarify", "concern", "end"]


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the inspector side does; ``text`` is the free text of a question or concern."""

    kind: ActionKind
    site: str = ""
    type: str = ""
    text: str = ""

    def __str__(self) -> str:
        parts = [self.kind, self.site, self.type if self.kind in ("notify", "inspect") else ""]
        line = " ".join(p for p in parts if p)
        return f"{line} {shlex.quote(self.text)}" if self.text else line


def parse_action(line: str) -> Action:
    """Read ``inspect alpha type-one`` and the like; raise ``InputError`` with the syntax."""
    try:
        words = shlex.split(line.strip())
    except ValueError as exc:
        raise InputError(f"action {line!r}: {exc}") from None
    if not words:
        raise InputError(f"empty action; actions: {ACTION_HELP}")
    verb, rest = words[0].lower(), words[1:]
    if verb in ("end", "end-turn", "pass") and not rest:
        return Action("end")
    if verb == "notify" and len(rest) == 2:
        return Action("notify", rest[0], rest[1])
    if verb == "inspect" and len(rest) in (1, 2):
        return Action("inspect", rest[0], rest[1] if len(rest) == 2 else "")
    if verb in ("clarify", "concern") and rest:
        return Action(verb, rest[0], text=" ".join(rest[1:]))  # type: ignore[arg-type]
    raise InputError(f"cannot read action {line!r}; actions: {ACTION_HELP}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action was refused: the rule (a scenario key or a treaty article) and the reason."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"refused by {self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action produced: the events it recorded, or the refusal."""

    accepted: bool
    events: list[dict[str, Any]]
    refusal: Refusal | None = None


@dataclass(slots=True)
class _Pending:
    type: str
    turn: int
    notification: int = -1  # index in Exercise.notifications


@dataclass(slots=True)
class _State:
    turn: int = 0
    finished: bool = False
    used: dict[str, int] = field(default_factory=dict)
    pending: dict[str, _Pending] = field(default_factory=dict)
    caught: dict[str, int] = field(default_factory=dict)
    dirty: dict[str, list[int]] = field(default_factory=dict)
    concerns: list[dict[str, Any]] = field(default_factory=list)
    inspections: list[dict[str, Any]] = field(default_factory=list)
    clarifications: int = 0
    revealed: set[str] = field(default_factory=set)
    inspected_this_year: set[str] = field(default_factory=set)


class Exercise:
    """One exercise in progress. Create it, read ``view()``, ``act()``, until ``finished``."""

    def __init__(self, scenario: Scenario, *, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        host_ss, world_ss = np.random.SeedSequence([self.seed, 7]).spawn(2)
        self.world_rng = np.random.default_rng(world_ss)
        self.quota = {q.type: q for q in scenario.quotas}
        self.treaty = exercise_treaty(scenario)
        self.notifications: list[Notification] = []
        self.observations: list[Observation] = []
        bundled = self.treaty if scenario.treaty.ref is not None else None
        self.per_year = {q.type: quota_per_year(scenario, q, bundled) for q in scenario.quotas}
        self.declared = {s.id: dict(s.declared) for s in scenario.sites}
        self.base = {s.id: s.truth for s in scenario.sites}
        self.hidden: dict[str, int] = {}
        self.state = _State()
        self.events: list[dict[str, Any]] = []
        self.actions: list[str] = []
        self.note: str | None = None  # how a resumed exercise was rebuilt, when it matters
        self._queued_observations: list[dict[str, Any]] = []
        self.commitment: dict[str, Any] | None = None
        self._opening: dict[str, Any] | None = None
        self.host: HostStrategyBase = make_host(
            scenario.host_strategy, np.random.default_rng(host_ss)
        )
        if scenario.reveal is not None:
            self._commit()
        self.host.setup(self)
        self._start_turn()

    # ------------------------------------------------------------------ queries

    @property
    def finished(self) -> bool:
        """True once the last turn has ended; further actions are refused."""
        return self.state.finished

    @property
    def turn(self) -> int:
        """The current turn, counted from 1 (the constructor starts the first turn)."""
        return self.state.turn

    def year(self, turn: int | None = None) -> int:
        """The treaty year (from 1) that a turn falls in; the current turn by default.

        Quotas are per year, so this is what ``remaining`` and the hosts' estimates count against.
        Turn 0, before the exercise starts, counts as year 1.
        """
        t = self.state.turn if turn is None else turn
        return (max(t, 1) - 1) // self.scenario.turns_per_year + 1

    def turn_time(self, turn: int | None = None) -> dt.datetime:
        """When a turn starts on the exercise clock (the current turn by default)."""
        return turn_time(self.scenario, self.state.turn if turn is None else turn)

    def turns_left_in_year(self) -> int:
        """Turns from this one to the end of the year or of the exercise, this one included."""
        tpy = self.scenario.turns_per_year
        end_of_year = self.year() * tpy
        return min(end_of_year, self.scenario.turns) - self.state.turn + 1

    def remaining(self, qtype: str) -> int:
        """Slots of a type left this year, counting slots reserved by pending notifications."""
        reserved = sum(1 for p in self.state.pending.values() if p.type == qtype)
        return self.per_year[qtype][0] - self.state.used.get(qtype, 0) - reserved

    def truth(self, site: str) -> dict[str, int]:
        """What is at a site now, hidden items included."""
        counts = dict(self.base[site])
        if self.hidden.get(site):
            cat = self.scenario.host_strategy.category or ""
            counts[cat] = counts.get(cat, 0) + self.hidden[site]
        return counts

    def eligible_sites(self, qtype: str) -> list[str]:
        """Sites an inspection of this type may visit now (kind, and reveal stage if any)."""
        kinds = set(self.quota[qtype].site_kinds)
        out = [s.id for s in self.scenario.sites if s.kind in kinds]
        reveal = self.scenario.reveal
        if reveal is not None and reveal.inspect_revealed_only:
            out = [s for s in out if s in self.state.revealed]
        return out

    def types_for(self, site: str) -> list[str]:
        """The inspection types whose quotas may be spent at a site, from its kind.

        The caller must pass a site id of the scenario (an unknown id raises ``StopIteration``).
        """
        kind = self.scenario.site(site).kind
        return [q.type for q in self.scenario.quotas if kind in q.site_kinds]

    def view(self) -> dict[str, Any]:
        """What the inspector side is entitled to see now: never the truth or the host's moves."""
        st = self.state
        return {
            "scenario": self.scenario.id,
            "turn": st.turn,
            "turns": self.scenario.turns,
            "turn_label": self.scenario.turn_label,
            "time": self.turn_time().isoformat(),
            "year": self.year(),
            "finished": st.finished,
            "quotas": {
                t: {
                    "per_year": self.per_year[t][0],
                    "used": st.used.get(t, 0),
                    "remaining": self.remaining(t),
                    "notice_turns": self.quota[t].notice_turns,
                    "notice_hours": self.quota[t].notice_hours,
                }
                for t in self.quota
            },
            "pending": {
                s: {
                    "type": p.type,
                    "notified_turn": p.turn,
                    "earliest_turn": self._earliest(s),
                    "notification": self.notifications[p.notification].id,
                    "arrival_from": self.notifications[p.notification].event_time.isoformat(),
                }
                for s, p in sorted(st.pending.items())
            },
            "sites": [
                {
                    "id": s.id,
                    "kind": s.kind,
                    "declared": self.declared[s.id],
                    "types": self.types_for(s.id),
                    "revealed": s.id in st.revealed if self.scenario.reveal else None,
                }
                for s in self.scenario.sites
            ],
            "events": [e for e in self.events if e["visible"] and e["turn"] == st.turn],
        }

    def visible_events(self) -> list[dict[str, Any]]:
        """Everything the trainee has seen so far, in order."""
        return [e for e in self.events if e["visible"]]

    # ------------------------------------------------------------------ recording

    def record_event(self, kind: str, text: str, *, visible: bool, **data: Any) -> dict[str, Any]:
        """Append an event to the exercise's log and return it.

        ``visible`` decides who may read it: only visible events reach ``view()`` and the inspector
        side; hidden ones (the host's moves, the truth) are kept for the debrief. ``data`` is merged
        into the event, so its keys must not clash with ``seq``, ``turn``, ``kind``, ``visible`` or
        ``text``.
        """
        event = {
            "seq": len(self.events),
            "turn": self.state.turn,
            "kind": kind,
            "visible": visible,
            "text": text,
            **data,
        }
        self.events.append(event)
        return event

    # ------------------------------------------------------------------ turns

    def _start_turn(self) -> None:
        st = self.state
        st.turn += 1
        tpy = self.scenario.turns_per_year
        if (st.turn - 1) % tpy == 0:
            if st.turn > 1:
                for site, p in sorted(st.pending.items()):
                    self.record_event(
                        "notification-lapsed",
                        f"the notification of {self._a(p.type)} of {site} lapsed at year end",
                        visible=True,
                        site=site,
                    )
                st.pending.clear()
            st.used = {t: 0 for t in self.quota}
            st.inspected_this_year = set()
        self.record_event(
            "turn-start",
            f"{self.scenario.turn_label} {st.turn} of {self.scenario.turns} (year {self.year()})",
            visible=True,
        )
        for obs in self._queued_observations:
            self.record_event("observation", obs["text"], visible=True, **obs["data"])
        self._queued_observations = []
        self._record_declaration()
        self._record_compliance()
        self._scripted_events()
        self._reveal_stage()
        self.host.start_turn(self)
        self._mark_dirty()

    def _record_declaration(self) -> None:
        """This turn's declaration from the public record, with its sources and marks.

        The exercise takes the record as the truth (it claims nothing the record does not say):
        the declared and the true figures of the mapped sites both become the record's, and
        only a host strategy of the scenario adds anything hidden on top.
        """
        play = self.scenario.record
        if play is None:
            return
        from armsctl.exercise.world import record_turns

        day, decl = record_turns(self.scenario)[self.state.turn - 1]
        if self.state.turn > 1:
            before = record_turns(self.scenario)[self.state.turn - 2][0]
            for sus in self.treaty.dates.suspensions:
                if sus.party == play.party and before < sus.effective <= day:
                    announced = f" (announced {sus.announced})" if sus.announced else ""
                    self.record_event(
                        "notification",
                        f"{sus.party}: {sus.kind} effective {sus.effective}{announced}. "
                        f"{sus.note} (sources: {sus.source or 'none given'})",
                        visible=True,
                    )
        if decl.status == "not-provided":
            self.record_event(
                "declaration",
                f"{play.party} did not provide its data as of {day}"
                + (f" ({decl.note})" if decl.note else "")
                + "; the previous figures stand",
                visible=True,
                as_of=day.isoformat(),
                status="not-provided",
            )
            return
        figures: dict[str, dict[str, Any]] = {}
        for site, measures in play.sites.items():
            parts = []
            for m in measures:
                fig = decl.limits.get(m)
                if fig is None:
                    continue
                self.declared[site][m] = fig.value
                self.base[site][m] = fig.value
                mark = " (unverified)" if fig.provenance == "M" else ""
                parts.append(f"{fig.value} {m}{mark}")
                figures[m] = {
                    "site": site,
                    "value": fig.value,
                    "provenance": fig.provenance,
                    "unverified": fig.provenance == "M",
                    "source": fig.source,
                    "note": fig.note,
                }
            self.record_event(
                "declaration",
                f"{play.party} data as of {day}, {site}: {', '.join(parts) or 'no figures'}"
                f" (sources: {_domains(f['source'] for f in figures.values() if f['site'] == site)})",
                visible=True,
                site=site,
                as_of=day.isoformat(),
                status="provided",
                figures={m: f for m, f in figures.items() if f["site"] == site},
            )

    def _record_compliance(self) -> None:
        """A record's turn also shows where the party stands against the treaty's limits."""
        if self.scenario.record is None:
            return
        from armsctl.exercise.world import record_compliance

        day = self.turn_time().date()
        text = record_compliance(self.scenario, day)
        self.record_event("compliance", text, visible=True, as_of=day.isoformat())

    def _scripted_events(self) -> None:
        for ev in self.scenario.events:
            if ev.turn != self.state.turn:
                continue
            if ev.kind == "movement":
                assert ev.site and ev.to_site and ev.category
                moved = min(ev.count, self.base[ev.site].get(ev.category, 0))
                for table in (self.base, self.declared):
                    table[ev.site][ev.category] = table[ev.site].get(ev.category, 0) - moved
                    table[ev.to_site][ev.category] = table[ev.to_site].get(ev.category, 0) + moved
                text = ev.text or (
                    f"host notifies the movement of {moved} {ev.category} "
                    f"from {ev.site} to {ev.to_site}"
                )
                moved_at = self.turn_time()
                n = self._notification(
                    MOVEMENT_DUTY,
                    self.scenario.host,
                    self.scenario.inspector,
                    "item-moved",
                    moved_at,
                    {
                        "category": ev.category,
                        "count": str(moved),
                        "from_facility": ev.site,
                        "to_facility": ev.to_site,
                    },
                    received=moved_at + dt.timedelta(hours=ev.delay_hours),
                )
                status = assess(n, self.treaty, at=n.received_at or moved_at)
                if status.verdict == "late":
                    text += f"; LATE: {status.explanation.split(': ', 1)[1]}"
                self.record_event(
                    "notification",
                    text,
                    visible=True,
                    site=ev.site,
                    to_site=ev.to_site,
                    notification=notification_to_dict(n),
                    deadline=status.to_dict(),
                )
            elif ev.kind == "observation":
                text = ev.text or f"observation at {ev.site}"
                data: dict[str, Any] = {"site": ev.site, "reliability": ev.reliability}
                if ev.category is not None and ev.site is not None:
                    obs = Observation(
                        id=f"obs-{len(self.observations) + 1:03d}",
                        party=self.scenario.host,
                        site=ev.site,
                        category=ev.category,
                        count=ev.count,
                        time=self.turn_time(),
                        source=ev.source,
                        p_detect=min(max(ev.reliability, 0.01), 0.99),
                        fp_rate=ev.fp_rate,
                    )
                    self.observations.append(obs)
                    evidence = observation_evidence(obs, self.declared[ev.site].get(ev.category, 0))
                    data["observation"] = _observation_dict(obs)
                    data["evidence"] = evidence
                    text += (
                        f" ({ev.source}: {ev.count} {ev.category} seen, {evidence['declared']} "
                        f"declared; reliability {ev.reliability:.0%}; {evidence['verdict']})"
                    )
                else:
                    text += f" (reliability {ev.reliability:.0%})"
                self.record_event("observation", text, visible=True, **data)
            else:
                self.record_event(ev.kind, ev.text, visible=True, site=ev.site)

    def _mark_dirty(self) -> None:
        """Note every site that differs from its declaration this turn (for concerns, debrief)."""
        for s in self.scenario.sites:
            truth = self.truth(s.id)
            declared = self.declared[s.id]
            if any(truth.get(c, 0) != declared.get(c, 0) for c in set(truth) | set(declared)):
                turns = self.state.dirty.setdefault(s.id, [])
                if not turns or turns[-1] != self.state.turn:
                    turns.append(self.state.turn)

    def _notification(
        self,
        type_id: str,
        sender: str,
        recipient: str,
        event: str,
        event_time: dt.datetime,
        fields: dict[str, str],
        *,
        received: dt.datetime | None = None,
    ) -> Notification:
        """A notification drafted and sent now, received at ``received`` (now by default)."""
        now = self.turn_time()
        n = Notification(
            id=f"N{len(self.notifications) + 1:03d}",
            treaty=self.treaty.id,
            type=type_id,
            sender=sender,
            recipients=(recipient,),
            event=event,
            event_time=event_time,
            fields=fields,
            drafted_at=now,
        )
        n = receive(send(n, at=now), at=received or now)
        self.notifications.append(n)
        return n

    def arrival(self, site: str, qtype: str) -> dt.datetime:
        """When an inspection of ``site`` ordered now can arrive: after its notice in hours.

        A notified site's notice runs from the notification's receipt; an inspection without
        a notification is notified now. Without ``notice_hours``, the team arrives at once.
        """
        hours = self.quota[qtype].notice_hours or 0
        pending = self.state.pending.get(site)
        if pending is not None and pending.notification >= 0:
            received = self.notifications[pending.notification].received_at
            assert received is not None
        else:
            received = self.turn_time()
        return max(self.turn_time(), received + dt.timedelta(hours=hours))

    def move_hidden(self, source: str | None, target: str | None, *, reason: str) -> None:
        """The host moves its hidden items (``None`` is off any declared site); never visible."""
        count = self.hidden.pop(source, 0) if source is not None else self.host.offsite
        if source is None:
            self.host.offsite = 0
        if target is None:
            self.host.offsite += count
        else:
            self.hidden[target] = self.hidden.get(target, 0) + count
        self.record_event(
            "host-move",
            f"host moves {count} hidden item(s) from {source or 'off-site'} to "
            f"{target or 'off-site'}: {reason}",
            visible=False,
            site=source,
            to_site=target,
            count=count,
        )
        mon = self.scenario.monitoring
        # The draw happens only for a real move, so that play without moves stays unchanged.
        if (
            mon.movement_observed > 0
            and source is not None
            and float(self.world_rng.random()) < mon.movement_observed
        ):
            self._queued_observations.append(
                {
                    "text": f"imagery: unusual vehicle activity at {source} "
                    f"(reliability {mon.reliability:.0%})",
                    "data": {"site": source, "reliability": mon.reliability},
                }
            )

    # ------------------------------------------------------------------ actions

    def act(self, action: Action | str) -> Outcome:
        """Apply one action. A refused action is recorded and leaves the state unchanged."""
        if isinstance(action, str):
            text = action
            try:
                action = parse_action(text)
            except InputError as exc:
                bad = Refusal("syntax", exc.problems[0].message)
                self.actions.append(text)
                ev = self.record_event("refused", str(bad), visible=True, action=text)
                return Outcome(False, [ev], bad)
        line = str(action)
        self.actions.append(line)
        start = len(self.events)
        refusal = self._refusal(action)
        if refusal is not None:
            ev = self.record_event(
                "refused", str(refusal), visible=True, action=line, rule=refusal.rule
            )
            return Outcome(False, [ev], refusal)
        getattr(self, f"_do_{action.kind}")(action)
        return Outcome(True, self.events[start:])

    def _refusal(self, a: Action) -> Refusal | None:
        st = self.state
        if st.finished:
            return Refusal(
                "turns",
                f"the exercise ended after {self.scenario.turn_label} {self.scenario.turns}",
            )
        if a.kind == "end":
            return None
        sites = {s.id for s in self.scenario.sites}
        if a.site not in sites:
            return Refusal("sites", f"no site {a.site!r} (sites: {', '.join(sorted(sites))})")
        if a.kind == "clarify":
            limit = self.scenario.max_clarifications
            if limit is not None and st.clarifications >= limit:
                return Refusal("max_clarifications", f"all {limit} clarification requests used")
            return None
        if a.kind == "concern":
            if any(c["site"] == a.site for c in st.concerns):
                return Refusal("concerns", f"a concern about {a.site} is already raised")
            return None
        pending = st.pending.get(a.site)
        qtype = a.type or (pending.type if pending else "")
        if not qtype:
            types = self.types_for(a.site)
            if len(types) == 1:
                qtype = types[0]
            else:
                return Refusal("quotas", f"say which inspection type: {', '.join(types)}")
        if qtype not in self.quota:
            return Refusal(
                "quotas", f"no inspection type {qtype!r} (types: {', '.join(self.quota)})"
            )
        rule = self.quota[qtype]
        article = self.per_year[qtype][1]
        kind = self.scenario.site(a.site).kind
        if kind not in rule.site_kinds:
            return Refusal(
                f"quotas.{qtype}.site_kinds ({article})",
                f"{a.site} is a {kind!r} site; {self._a(qtype)} visits only "
                f"{', '.join(rule.site_kinds)} sites",
            )
        reveal = self.scenario.reveal
        if reveal is not None and reveal.inspect_revealed_only and a.site not in st.revealed:
            stage = next((s.turn for s in reveal.stages if a.site in s.sites), None)
            when = f"it is revealed at turn {stage}" if stage else "it is never revealed"
            return Refusal(
                "reveal.inspect_revealed_only",
                f"{a.site} may be inspected only after its committed items are revealed; {when}",
            )
        if a.kind == "inspect":
            done = next(
                (i for i in st.inspections if i["site"] == a.site and i["turn"] == st.turn), None
            )
            if done is not None:
                # One visit a site a turn: a second request is refused, so that no quota slot is
                # spent on a repeat of a result the team already has (see docs/exercise.md).
                return Refusal(
                    "inspections (one a site a turn)",
                    f"{a.site} was already inspected this {self.scenario.turn_label} "
                    f"({self._title(done['type'])}); no quota slot is used for a repeat",
                )
        hours = rule.notice_hours
        if a.kind == "inspect" and hours and (pending is None or st.turn >= self._earliest(a.site)):
            arrival = self.arrival(a.site, qtype)
            ends = self.turn_time(st.turn + 1)
            if arrival >= ends:
                return Refusal(
                    f"quotas.{qtype}.notice_hours ({article})",
                    f"{self._a(qtype)} needs {hours} hours' notice: the team could arrive "
                    f"{arrival.isoformat()}, after this {self.scenario.turn_label} ends "
                    f"({ends.isoformat()}); notify {a.site} {qtype} and inspect next "
                    f"{self.scenario.turn_label}",
                )
        if a.kind == "notify" or pending is None:
            if pending is not None:
                return Refusal("quotas", f"an inspection of {a.site} is already notified")
            if a.kind == "inspect" and rule.notice_turns > 0:
                return Refusal(
                    f"quotas.{qtype}.notice_turns ({article})",
                    f"{self._a(qtype)} must be notified {rule.notice_turns} "
                    f"{self.scenario.turn_label}(s) ahead: notify {a.site} {qtype} first",
                )
            if self.remaining(qtype) <= 0:
                return Refusal(
                    f"quotas.{qtype}.per_year ({article})",
                    f"the {qtype} quota for year {self.year()} is exhausted "
                    f"({self.per_year[qtype][0]} a year, none left)",
                )
            return None
        if a.type and a.type != pending.type:
            return Refusal("quotas", f"{a.site} was notified for {self._a(pending.type)}")
        earliest = self._earliest(a.site)
        if st.turn < earliest:
            return Refusal(
                f"quotas.{pending.type}.notice_turns ({article})",
                f"{a.site} was notified at turn {pending.turn}; the inspection cannot take "
                f"place before turn {earliest}",
            )
        return None

    def _title(self, qtype: str) -> str:
        """The inspection type as a noun phrase: ``on-site inspection``, ``Type One inspection``.

        Built from the quota's title so that a type named ``inspection`` does not read as
        "inspection inspection"; without a title, the type id with "inspection" added once.
        """
        title = self.quota[qtype].title.strip()
        if title and len(title.split()) <= 3:
            first = title.split()[0]
            keep = first == "Type" or first[1:] != first[1:].lower()
            return title if keep else title[0].lower() + title[1:]
        name = qtype.replace("-", " ") if qtype.startswith("type-") else qtype
        name = name[0].upper() + name[1:] if qtype.startswith("type-") else name
        return name if name.endswith(("inspection", "visit")) else f"{name} inspection"

    def _a(self, qtype: str) -> str:
        title = self._title(qtype)
        return f"{'an' if title[0].lower() in 'aeiou' else 'a'} {title}"

    def _earliest(self, site: str) -> int:
        p = self.state.pending[site]
        return p.turn + self.quota[p.type].notice_turns

    def _do_end(self, a: Action) -> None:
        self.host.react(self)
        self._mark_dirty()
        self.record_event(
            "turn-end", f"end of {self.scenario.turn_label} {self.turn}", visible=True
        )
        if self.state.turn >= self.scenario.turns:
            self.state.finished = True
            self.record_event("finished", "the exercise is over", visible=True)
        else:
            self._start_turn()

    def _do_notify(self, a: Action) -> None:
        qtype = a.type or self.types_for(a.site)[0]
        n = self._intent(a.site, qtype)
        self.state.pending[a.site] = _Pending(qtype, self.state.turn, len(self.notifications) - 1)
        hours = self.quota[qtype].notice_hours
        when = (
            f"arrival from {n.event_time.isoformat()}"
            if hours
            else f"earliest {self.scenario.turn_label} {self._earliest(a.site)}"
        )
        self.record_event(
            "notify",
            f"notification {n.id} of {self._a(qtype)} of {a.site} sent to the host ({when})",
            visible=True,
            site=a.site,
            type=qtype,
            notification=notification_to_dict(n),
        )

    def _intent(self, site: str, qtype: str) -> Notification:
        """The notice of an inspection, sent and received now; its event is the earliest arrival."""
        rule = self.quota[qtype]
        now = self.turn_time()
        earliest = self.turn_time(self.state.turn + rule.notice_turns)
        arrival = max(earliest, now + dt.timedelta(hours=rule.notice_hours or 0))
        return self._notification(
            intent_duty_id(qtype),
            self.scenario.inspector,
            self.scenario.host,
            "inspection-requested",
            arrival,
            {"inspection_type": qtype, "facility": site, "arrival_time": arrival.isoformat()},
        )

    def _do_inspect(self, a: Action) -> None:
        st = self.state
        qtype = st.pending[a.site].type if a.site in st.pending else ""
        qtype = qtype or a.type or self.types_for(a.site)[0]
        arrival = self.arrival(a.site, qtype)
        pending = st.pending.pop(a.site, None)
        if pending is None:
            self._intent(a.site, qtype)
            index = len(self.notifications) - 1
        else:
            index = pending.notification
        # The notice names the arrival; the notifications model judges it against its duty.
        notice = dataclasses.replace(
            self.notifications[index],
            event_time=arrival,
            fields={**self.notifications[index].fields, "arrival_time": arrival.isoformat()},
        )
        self.notifications[index] = notice
        status = assess(notice, self.treaty, at=arrival)
        rule = self.quota[qtype]
        st.used[qtype] = st.used.get(qtype, 0) + 1
        st.inspected_this_year.add(a.site)
        cats = rule.categories or self.scenario.categories
        truth = self.truth(a.site)
        declared = self.declared[a.site]
        extra = sum(max(0, truth.get(c, 0) - declared.get(c, 0)) for c in cats)
        missing = sum(max(0, declared.get(c, 0) - truth.get(c, 0)) for c in cats)
        present = sum(truth.get(c, 0) for c in cats)
        checked = present if rule.sample is None else min(rule.sample, present)
        name = f"{self._title(qtype)} of {a.site}"
        sample: dict[str, Any] | None = None
        if rule.sample is not None and checked < present:
            # Extra items are found only if the sample hits one; missing ones show in the count.
            hits = 0
            if extra + missing:
                hits = int(self.world_rng.hypergeometric(extra, present - extra, checked))
            found = hits > 0 or missing > 0
            sample = _sample_estimate(checked, hits, sum(declared.get(c, 0) for c in cats))
            text = f"{name}: {sample['text']}"
            if missing:
                short = {c: truth.get(c, 0) for c in cats if truth.get(c, 0) < declared.get(c, 0)}
                text += (
                    f"; declared items are missing: counted {_fmt(short, cats)} against "
                    f"{_fmt({c: declared.get(c, 0) for c in short}, cats)} declared"
                )
            if found:
                text = text.replace(f"{name}: ", f"{name}: DISCREPANCY - ", 1)
        else:
            found = extra + missing > 0
            if found:
                counted = {c: truth.get(c, 0) for c in cats if truth.get(c, 0) or declared.get(c)}
                text = (
                    f"{name}: DISCREPANCY - declared {_fmt(declared, cats)}, "
                    f"counted {_fmt(counted, cats)}"
                )
            else:
                counted = {c: truth.get(c, 0) for c in cats if truth.get(c, 0)}
                text = f"{name}: counted {_fmt(counted, cats)}, as declared"
        if found:
            st.caught.setdefault(a.site, st.turn)
        result: dict[str, Any] = {
            "site": a.site,
            "type": qtype,
            "turn": st.turn,
            "found": found,
            "checked": checked,
        }
        if sample is not None:
            result["sample"] = {k: v for k, v in sample.items() if k != "text"}
        st.inspections.append(result)
        if rule.notice_hours:
            text += f" (notice {status.verdict}: {status.rule})"
        self.record_event(
            "inspection",
            text,
            visible=True,
            **result,
            arrival=arrival.isoformat(),
            notification=notification_to_dict(notice),
            deadline=status.to_dict(),
        )

    def _do_clarify(self, a: Action) -> None:
        self.state.clarifications += 1
        site = a.site
        honest_gap = self.base[site] != self.declared[site]
        if self.scenario.host_strategy.kind == "honest" and honest_gap:
            answer = (
                f"the host reports a record-keeping discrepancy at {site} under review; "
                f"its declaration stands at {_fmt(self.declared[site])}"
            )
        else:
            answer = f"the host confirms its declaration for {site}: {_fmt(self.declared[site])}"
        self.record_event(
            "clarification",
            f"asked about {site}" + (f" ({a.text})" if a.text else "") + f"; {answer}",
            visible=True,
            site=site,
        )

    def _do_concern(self, a: Action) -> None:
        st = self.state
        upheld = bool(st.dirty.get(a.site))
        st.concerns.append({"site": a.site, "turn": st.turn, "upheld": upheld, "text": a.text})
        self.record_event(
            "concern",
            f"compliance concern raised about {a.site}" + (f": {a.text}" if a.text else ""),
            visible=True,
            site=a.site,
        )
        self.record_event(
            "concern-truth",
            f"concern about {a.site} " + ("is founded" if upheld else "is unfounded"),
            visible=False,
            site=a.site,
            upheld=upheld,
        )

    # ------------------------------------------------------------------ reveal

    def _commit(self) -> None:
        from armsctl.ledger.escrow import commit_items

        assert self.scenario.reveal is not None
        status = self.scenario.reveal.status
        items = [
            {
                "uid": f"{s.id}-{cat}-{i + 1:03d}",
                "category": cat,
                "status": status,
                "facility": s.id,
            }
            for s in self.scenario.sites
            for cat, n in sorted(self.declared[s.id].items())
            for i in range(n)
        ]
        salt_rng = np.random.default_rng(np.random.SeedSequence([self.seed, 11]))
        c = commit_items(
            items,
            party=self.scenario.host,
            date="turn-0",
            treaty=self.scenario.treaty.ref or self.scenario.id,
            rng=lambda n: salt_rng.bytes(n),
        )
        self.commitment, self._opening = c.public, c.opening
        self.record_event(
            "commitment",
            f"the host commits to {c.public['size']} items (Merkle root {c.public['root']})",
            visible=True,
            public=c.public,
        )

    def _reveal_stage(self) -> None:
        reveal = self.scenario.reveal
        if reveal is None or self._opening is None or self.commitment is None:
            return
        from armsctl.ledger.escrow import reveal_items, verify_reveal

        for stage in reveal.stages:
            if stage.turn != self.state.turn:
                continue
            for site in stage.sites:
                self.state.revealed.add(site)
                if not any(self.declared[site].values()):
                    self.record_event(
                        "reveal", f"{site} revealed: no committed items", visible=True, site=site
                    )
                    continue
                doc = reveal_items(self._opening, facility=site)
                report = verify_reveal(doc, self.commitment)
                self.record_event(
                    "reveal",
                    f"{site} revealed: {report.verified} committed item(s), every proof "
                    f"verified against the root ({_fmt(dict(_count(doc)))})",
                    visible=True,
                    site=site,
                    verified=report.verified,
                )

    # ------------------------------------------------------------------ record

    def to_record(self) -> dict[str, Any]:
        """The whole exercise as JSON-ready data: enough to replay, resume and debrief it."""
        from armsctl.exercise.scoring import score

        return {
            "format": RECORD_FORMAT,
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "actions": list(self.actions),
            "finished": self.finished,
            "turn": self.turn,
            "events": self.events,
            "truth": {
                s.id: {
                    "declared": self.declared[s.id],
                    "holdings": self.truth(s.id),
                    "discrepant_turns": self.state.dirty.get(s.id, []),
                }
                for s in self.scenario.sites
            },
            "score": score(self).to_dict() if self.finished else None,
        }


def _sample_estimate(checked: int, hits: int, declared: int) -> dict[str, Any]:
    """What a sample of ``checked`` items with ``hits`` undeclared ones says about the site.

    The inspector knows the declared number, not the true one, so the share of undeclared items
    (a Wilson 95 % interval on ``hits / checked``) is turned into a count of undeclared items on
    top of the declared ones: ``declared x p / (1 - p)``. No upper bound when the interval
    reaches 1 (every sampled item undeclared).
    """
    from armsctl.verification.simulate import wilson_interval

    lo, hi = wilson_interval(hits, checked)
    p = hits / checked

    def extra(q: float) -> int | None:
        return None if q >= 1 else round(declared * q / (1 - q))

    estimate, low, high = extra(p), extra(lo), extra(hi)
    low = 0 if hits == 0 else low
    upper = "no upper bound" if high is None else f"{high}"
    if hits:
        implies = (
            f"about {estimate if estimate is not None else 'all'} undeclared item(s) at the "
            f"site (95% interval {low}-{upper})"
        )
    else:
        implies = (
            f"with 95% confidence at most {hi:.0%} of the items are undeclared "
            f"(up to {upper} item(s))"
        )
    return {
        "checked": checked,
        "undeclared_in_sample": hits,
        "declared": declared,
        "estimated_undeclared": estimate,
        "ci95": [low, high],
        "share_ci95": [round(lo, 4), round(hi, 4)],
        "text": (
            f"checked a sample of {checked} of the {declared} declared item(s); "
            f"{hits} not on the declaration; {implies}"
        ),
    }


def _domains(sources: Iterable[str]) -> str:
    """The sites a record's sources are on (``insidedefense.com``), for a line of text."""
    from urllib.parse import urlparse

    seen: dict[str, None] = {}
    for text in sources:
        for part in text.split(";"):
            host = urlparse(part.strip()).netloc.removeprefix("www.")
            if host:
                seen[host] = None
    return ", ".join(seen) or "none given"


def _observation_dict(obs: Observation) -> dict[str, Any]:
    """An observation as JSON, in the fields ``monitor`` observation files use."""
    doc = dataclasses.asdict(obs)
    doc["time"] = obs.time.isoformat()
    return {k: v for k, v in doc.items() if v is not None}


def _count(doc: dict[str, Any]) -> Iterable[tuple[str, int]]:
    counts: dict[str, int] = {}
    for row in doc["items"]:
        cat = str(row["item"]["category"])
        counts[cat] = counts.get(cat, 0) + 1
    return sorted(counts.items())


def _fmt(counts: dict[str, int], cats: Iterable[str] | None = None) -> str:
    keys = list(cats) if cats is not None else sorted(counts)
    parts = [f"{counts.get(c, 0)} {c}" for c in keys if counts.get(c, 0)]
    return ", ".join(parts) or "nothing"


def replay(scenario: Scenario, seed: int, actions: Iterable[str]) -> Exercise:
    """Rebuild an exercise from its actions; the result has the same events as the original."""
    ex = Exercise(scenario, seed=seed)
    for line in actions:
        ex.act(line)
    return ex


@dataclass(frozen=True, slots=True)
class SavedExercise:
    """A saved exercise record taken apart: its format, scenario mapping, seed and actions.

    ``events`` is what the record says happened, compared with the replay when ``has_events``.
    """

    format: str
    scenario: Any
    seed: int
    actions: list[str]
    has_events: bool = False
    events: Any = None


def saved_exercise(record: dict[str, Any], *, where: str = "record") -> SavedExercise:
    """Check that ``record`` is a saved exercise and take it apart (the scenario still unchecked)."""
    fmt = record.get("format") if isinstance(record, dict) else None
    if fmt != RECORD_FORMAT and fmt not in EARLIER_FORMATS:
        raise InputError([Problem(where, "format", f"not an exercise record ({RECORD_FORMAT})")])
    try:
        seed = int(record["seed"])
        actions = [str(a) for a in record["actions"]]
        raw = record["scenario"]
    except (KeyError, TypeError, ValueError):
        raise InputError(
            [Problem(where, "", "the record lacks its scenario, seed or actions")]
        ) from None
    return SavedExercise(str(fmt), raw, seed, actions, "events" in record, record.get("events"))


def resume(saved: SavedExercise, scenario: Scenario, *, where: str = "record") -> Exercise:
    """Rebuild a saved exercise, checking that replaying it reproduces its recorded events.

    ``scenario`` is the record's own scenario, checked against its treaty and carrying the
    public record it plays (what :func:`armsctl.exercise.io.resume` gives from a file's record).
    """
    ex = replay(scenario, saved.seed, saved.actions)
    if saved.format in EARLIER_FORMATS:
        ex.note = (
            f"replayed from its actions: a {saved.format} record, whose recorded events this "
            "version words differently and therefore did not compare"
        )
        return ex
    if saved.has_events and saved.events != _jsonable(ex.events):
        raise IntegrityError(f"{where}: replaying the actions does not reproduce the record")
    return ex


def _jsonable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import json

    return list(json.loads(json.dumps(events)))
