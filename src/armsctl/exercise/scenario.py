"""The scenario file: a verification exercise as data, validated before anything is played.

A scenario is TOML checked by these pydantic models. It names the treaty (a bundled one by id,
or the scenario's own list of categories), the two parties, the sites with their declared and
true holdings, the host's strategy, the inspector's quotas (by type, per year, with notice
times and what an inspection checks), the number of turns, scripted events, an optional staged
reveal of a committed declaration, and the scoring weights. Every problem in a file is reported
with its TOML key path, all at once, so that an instructor fixes a file in one pass.

Pure: the bundled treaty a scenario names is passed in (:func:`check_treaty`,
:func:`quota_per_year`), and so is the public record a scenario plays
(:meth:`Scenario.with_record`); :func:`armsctl.exercise.io.check_scenario` reads both.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from armsctl.errors import InputError, Problem
from armsctl.sites import Site
from armsctl.treaty.schema import Treaty
from armsctl.validation import validation_problems

if TYPE_CHECKING:
    from armsctl.inventory.model import Declaration, DeclarationSet

__all__ = [
    "HOST_STRATEGIES",
    "Event",
    "HostStrategy",
    "Monitoring",
    "PlayedRecord",
    "QuotaRule",
    "RecordPlay",
    "Reveal",
    "RevealStage",
    "Scenario",
    "ScenarioSite",
    "Scoring",
    "TreatyRef",
    "check_treaty",
    "parse_scenario",
    "quota_per_year",
    "scenario_from_mapping",
]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
HOST_STRATEGIES = ("honest", "static", "shell-game", "opportunist", "equilibrium")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TreatyRef(_Model):
    """The treaty played under: a bundled treaty id, or the scenario's own categories."""

    ref: str | None = None
    title: str = ""
    categories: list[Slug] = Field(default_factory=list)
    article: str = ""
    movement_deadline: str = Field(default="P5D", pattern=r"^P(\d+D)?(T\d+H)?$", min_length=3)


class ScenarioSite(_Model):
    """A declared site as the scenario file gives it; ``holdings`` is the truth when it differs.

    This is the file's record (validated with its key path); where the exercise plans or
    simulates it uses the one :class:`armsctl.sites.Site`, from :meth:`as_site`.
    """

    id: Slug
    title: str = ""
    kind: Slug
    declared: dict[str, int]
    holdings: dict[str, int] | None = None

    @model_validator(mode="after")
    def _non_negative(self) -> ScenarioSite:
        problems = [
            f"{name}.{cat}: must be >= 0"
            for name, table in (("declared", self.declared), ("holdings", self.holdings or {}))
            for cat, n in table.items()
            if n < 0
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def truth(self) -> dict[str, int]:
        """What is really at the site when the exercise starts, before the host acts."""
        return dict(self.holdings if self.holdings is not None else self.declared)

    def as_site(self, inspection_type: str, *, items: int | None = None) -> Site:
        """This site as the planner and the simulator take it, subject to ``inspection_type``.

        ``items`` defaults to the declared total.
        """
        total = sum(self.declared.values()) if items is None else items
        return Site(self.id, inspection_type, total, title=self.title)


class QuotaRule(_Model):
    """One inspection type: its yearly quota, which sites it may visit, notice and sampling.

    ``per_year`` defaults to the treaty's quota of the same id. ``notice_turns`` is how many
    turns must pass between the notification of intent and the inspection (0: the same turn).
    ``notice_hours`` is a notice in hours before the team arrives, judged by the notifications
    model against the clock (an inspection notified in a turn may arrive later in the same
    turn). ``sample`` is the number of items an inspection checks (all items when absent).
    """

    type: Slug
    title: str = ""
    per_year: int | None = Field(default=None, ge=0)
    site_kinds: list[Slug] = Field(min_length=1)
    categories: list[Slug] = Field(default_factory=list)
    notice_turns: int = Field(default=0, ge=0)
    notice_hours: int | None = Field(default=None, ge=1)
    sample: int | None = Field(default=None, ge=1)
    article: str = ""


class HostStrategy(_Model):
    """How the host behaves: which items it hides, where, and how it reacts to inspections.

    ``static`` hides ``hidden`` items of ``category`` at ``site`` for the whole exercise;
    ``shell-game`` does the same but moves them away from a site notified for inspection
    (succeeding with ``move_success`` when the notice leaves time); ``opportunist`` brings them
    in only in turns when its estimate of the chance of an inspection there is at most
    ``threshold``; ``equilibrium`` violates once, at the time and place the inspection-game
    solution says.
    """

    kind: Literal["honest", "static", "shell-game", "opportunist", "equilibrium"]
    site: str | None = None
    category: str | None = None
    hidden: int = Field(default=0, ge=0)
    move_success: float = Field(default=1.0, ge=0.0, le=1.0)
    threshold: float = Field(default=0.2, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _parameters(self) -> HostStrategy:
        problems: list[str] = []
        if self.kind == "honest":
            if self.hidden:
                problems.append("hidden: an honest host hides nothing")
        else:
            if self.hidden < 1:
                problems.append(f"hidden: a {self.kind} host needs hidden >= 1")
            if self.category is None:
                problems.append(f"category: a {self.kind} host needs the category it hides")
            if self.kind in ("static", "shell-game", "opportunist") and self.site is None:
                problems.append(f"site: a {self.kind} host needs the site where it hides")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Event(_Model):
    """Something scripted that happens at a turn: a declared movement, an exercise, imagery.

    A ``movement`` changes truth and declaration alike and is notified to the inspector; an
    ``exercise`` or ``notification`` is a message; an ``observation`` is imagery or open-source
    reporting with a ``reliability`` (the chance it is right, shown to the trainee); with a
    ``category`` it is a counted observation (``count`` items seen, ``reliability`` the chance
    each present item is seen, ``fp_rate`` the spurious items expected) weighed by the monitoring
    fusion. ``delay_hours`` delays a movement's notification (judged against the duty's deadline).
    """

    turn: int = Field(ge=1)
    kind: Literal["movement", "exercise", "observation", "notification"]
    site: str | None = None
    to_site: str | None = None
    category: str | None = None
    count: int = Field(default=0, ge=0)
    text: str = ""
    reliability: float = Field(default=1.0, ge=0.0, le=1.0)
    source: Literal["satellite", "aircraft", "drone", "open-source", "on-site"] = "satellite"
    fp_rate: float = Field(default=0.5, gt=0.0)
    delay_hours: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _movement(self) -> Event:
        if self.kind == "movement":
            missing = [k for k in ("site", "to_site", "category") if getattr(self, k) is None] + (
                ["count"] if self.count < 1 else []
            )
            if missing:
                raise ValueError(f"a movement needs {', '.join(missing)}")
        return self


class Monitoring(_Model):
    """National technical means: the chance a hidden movement is seen, and how reliably."""

    movement_observed: float = Field(default=0.0, ge=0.0, le=1.0)
    reliability: float = Field(default=0.7, ge=0.0, le=1.0)


class RevealStage(_Model):
    """At ``turn`` the host reveals, with proofs, the committed items at ``sites``."""

    turn: int = Field(ge=1)
    sites: list[str] = Field(min_length=1)


class Reveal(_Model):
    """A step-by-step reveal of a declaration committed with the escrow layer at the start."""

    stages: list[RevealStage] = Field(min_length=1)
    inspect_revealed_only: bool = True
    status: Slug = "declared"


class RecordPlay(_Model):
    """Play a party's declarations from its treaty's bundled public record, one turn a date.

    Turn ``t`` is the ``t``-th data date of ``party`` from ``start`` to ``end``; at its start
    the party's figures of that date (with their sources and unverified marks) become the
    declaration of the sites that ``sites`` maps them to (site id to record measures). A date
    the party did not provide data for is shown as such and the previous figures stand.
    """

    party: PartyCode
    start: dt.date
    end: dt.date
    sites: dict[Slug, list[Slug]] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class PlayedRecord:
    """The public record a scenario plays, as read: every declaration, and the party's turns.

    ``declarations`` is the whole record (the compliance engine evaluates the party in it);
    ``turns`` the party's declarations from ``record.start`` to ``record.end``, one a turn.
    """

    declarations: DeclarationSet
    turns: list[tuple[dt.date, Declaration]]


class Scoring(_Model):
    """Weights of the score; every weight is a magnitude and its sign is fixed by its meaning.

    score = detection x sites caught + correct_concern x concerns upheld (at sites not caught)
    - false_accusation x concerns at clean sites - quota_used x inspections conducted
    + time_to_detection x (1 - (turn of first detection - 1) / turns) when something was caught.
    """

    detection: float = Field(default=10.0, ge=0)
    correct_concern: float = Field(default=5.0, ge=0)
    false_accusation: float = Field(default=8.0, ge=0)
    quota_used: float = Field(default=0.5, ge=0)
    time_to_detection: float = Field(default=5.0, ge=0)


class Scenario(_Model):
    """A whole exercise; see ``docs/exercise.md`` for every key."""

    id: Slug
    title: str
    description: str = ""
    briefing: str = ""
    seed: int = Field(default=0, ge=0)
    start: dt.date = dt.date(2025, 1, 1)
    turns: int = Field(ge=1, le=240)
    turns_per_year: int = Field(default=12, ge=1)
    turn_label: str = "month"
    treaty: TreatyRef
    inspector: PartyCode
    host: PartyCode
    sites: list[ScenarioSite] = Field(min_length=1)
    quotas: list[QuotaRule] = Field(min_length=1)
    host_strategy: HostStrategy
    events: list[Event] = Field(default_factory=list)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    reveal: Reveal | None = None
    record: RecordPlay | None = None
    max_clarifications: int | None = Field(default=None, ge=0)
    scoring: Scoring = Field(default_factory=Scoring)
    # The public record ``record`` plays, read once by the io module; not part of the file.
    _played: PlayedRecord | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems: list[str] = []
        sites = {s.id for s in self.sites}
        kinds = {s.kind for s in self.sites}
        if self.inspector == self.host:
            problems.append("host: the host and the inspector must differ")
        if len(sites) != len(self.sites):
            problems.append("sites: a site id is used twice")
        types = [q.type for q in self.quotas]
        if len(set(types)) != len(types):
            problems.append("quotas: a quota type is given twice")
        cats = set(self.treaty.categories)
        if self.treaty.ref is None and not cats:
            problems.append("treaty: give ref (a bundled treaty) or the scenario's categories")
        for i, site in enumerate(self.sites):
            for table in ("declared", "holdings"):
                for cat in sorted(set(getattr(site, table) or {}) - cats) if cats else []:
                    problems.append(f"sites[{i}].{table}.{cat}: unknown category {cat!r}")
        for i, q in enumerate(self.quotas):
            for kind in sorted(set(q.site_kinds) - kinds):
                problems.append(f"quotas[{i}].site_kinds: no site is of kind {kind!r}")
            for cat in sorted(set(q.categories) - cats) if cats else []:
                problems.append(f"quotas[{i}].categories: unknown category {cat!r}")
        hs = self.host_strategy
        if hs.site is not None and hs.site not in sites:
            problems.append(f"host_strategy.site: no site {hs.site!r}")
        if hs.category is not None and cats and hs.category not in cats:
            problems.append(f"host_strategy.category: unknown category {hs.category!r}")
        for i, ev in enumerate(self.events):
            for key in ("site", "to_site"):
                value = getattr(ev, key)
                if value is not None and value not in sites:
                    problems.append(f"events[{i}].{key}: no site {value!r}")
            if ev.category is not None and cats and ev.category not in cats:
                problems.append(f"events[{i}].category: unknown category {ev.category!r}")
            if ev.turn > self.turns:
                problems.append(f"events[{i}].turn: after the last turn ({self.turns})")
        if self.record is not None:
            if self.treaty.ref is None:
                problems.append("record: play from a record needs treaty.ref")
            for name, measures in self.record.sites.items():
                if name not in sites:
                    problems.append(f"record.sites.{name}: no site {name!r}")
                for m in sorted(set(measures) - cats) if cats else []:
                    problems.append(f"record.sites.{name}: {m!r} is not in treaty.categories")
        if self.reveal is not None:
            for i, stage in enumerate(self.reveal.stages):
                for name in stage.sites:
                    if name not in sites:
                        problems.append(f"reveal.stages[{i}].sites: no site {name!r}")
                if stage.turn > self.turns:
                    problems.append(f"reveal.stages[{i}].turn: after the last turn")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def with_record(self, played: PlayedRecord) -> Scenario:
        """This scenario with the public record it plays from (``record``), as data.

        The engine plays the record's declarations turn by turn; they are read from the
        treaty's bundled file by :func:`armsctl.exercise.io.check_scenario`, never here.
        """
        copy = self.model_copy()
        copy._played = played
        return copy

    @property
    def played_record(self) -> PlayedRecord:
        """The public record given by :meth:`with_record`; refused when it was not given."""
        if self._played is None:
            raise InputError(
                f"scenario {self.id!r} plays from a public record that was not read "
                "(load it with armsctl.exercise.load_scenario)"
            )
        return self._played

    def site(self, site_id: str) -> ScenarioSite:
        """The site with this id (the caller has checked that it exists)."""
        return next(s for s in self.sites if s.id == site_id)

    @property
    def categories(self) -> list[str]:
        """Every category that appears in the scenario, in a stable order."""
        seen: dict[str, None] = dict.fromkeys(self.treaty.categories)
        for s in self.sites:
            seen.update(dict.fromkeys(s.declared))
            seen.update(dict.fromkeys(s.holdings or {}))
        return list(seen)


def parse_scenario(text: str, *, where: str = "<scenario>") -> Scenario:
    """Validate scenario TOML text, reporting every problem with its TOML key path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(where, "", f"not valid TOML: {exc}")]) from None
    return scenario_from_mapping(raw, where=where)


def scenario_from_mapping(raw: dict[str, Any], *, where: str = "<scenario>") -> Scenario:
    """Validate an already-parsed scenario (from TOML or a saved exercise) on its own.

    The checks against the bundled treaty it names (:func:`check_treaty`) need that treaty,
    which is loaded by the caller (:func:`armsctl.exercise.io.check_scenario`), not here.
    """
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc, raw, where)
        raise InputError(problems) from None


def check_treaty(
    scenario: Scenario,
    treaty: Treaty,
    *,
    where: str,
    record_dates: Callable[[], Sequence[dt.date]] | None = None,
) -> None:
    """Categories and quota types must exist in ``treaty``, the bundled treaty the scenario names.

    ``record_dates`` gives the party's data dates of a scenario played from the record (it
    reads the record, so it is asked only once every other check has passed); their number
    must be the scenario's turns. All problems are raised together.
    """
    problems: list[Problem] = []
    known = {c.id for c in treaty.categories} | set(scenario.treaty.categories)
    quotas = {q.id: q for q in treaty.inspection_quotas}
    for i, site in enumerate(scenario.sites):
        for table in ("declared", "holdings"):
            for cat in sorted(set(getattr(site, table) or {}) - known):
                problems.append(
                    Problem(where, f"sites[{i}]({site.id}).{table}.{cat}", "unknown category")
                )
    cat = scenario.host_strategy.category
    if cat is not None and cat not in known:
        problems.append(Problem(where, "host_strategy.category", f"unknown category {cat!r}"))
    from armsctl.verification.quotas import allowance

    for i, q in enumerate(scenario.quotas):
        if q.per_year is None and q.type not in quotas:
            problems.append(
                Problem(
                    where,
                    f"quotas[{i}].per_year",
                    f"required: treaty {treaty.id!r} has no quota {q.type!r} to take it from",
                )
            )
        elif q.per_year is None:
            quota = quotas[q.type]
            try:
                allowance(treaty, q.type, (quota.starts or treaty.dates.entry_into_force).year)
            except InputError as exc:
                problems.append(
                    Problem(
                        where,
                        f"quotas[{i}].per_year",
                        f"required: the treaty's {q.type} quota is no fixed number "
                        f"({exc.problems[0].message})",
                    )
                )
    if scenario.record is not None and record_dates is not None and not problems:
        try:
            dates = list(record_dates())
        except InputError as exc:
            problems.append(Problem(where, "record", exc.problems[0].message))
        else:
            if len(dates) != scenario.turns:
                problems.append(
                    Problem(
                        where,
                        "turns",
                        f"the record has {len(dates)} data date(s) of {scenario.record.party} "
                        f"from {scenario.record.start} to {scenario.record.end}: "
                        f"give turns = {len(dates)}",
                    )
                )
    if problems:
        raise InputError(problems)


def quota_per_year(scenario: Scenario, rule: QuotaRule, treaty: Treaty | None) -> tuple[int, str]:
    """The yearly quota of an inspection type and the article it comes from.

    ``treaty`` is the bundled treaty the scenario names (``None`` for a scenario with its own
    categories, whose quotas all give ``per_year``).
    """
    if rule.per_year is not None:
        return rule.per_year, rule.article or f"scenario quotas.{rule.type}"
    from armsctl.verification.quotas import allowance, quota_rule

    assert treaty is not None  # checked by check_treaty
    quota = quota_rule(treaty, rule.type)
    # The quota of its first full year, from the calculator the planner and server use.
    first = (quota.starts or treaty.dates.entry_into_force).year
    return allowance(treaty, rule.type, first).allowed, rule.article or (
        f"{treaty.short_title} {quota.article}"
    )
