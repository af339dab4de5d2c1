"""The treaty-file schema: what a treaty says, as data that can be checked and never executed.

A treaty file is TOML validated by these pydantic models. Counting rules are declarative sums
over categories, statuses and numeric attributes, so a file can describe any limit without running
code, and the compliance engine can evaluate it column-wise over millions of items.

Every rule carries the article it comes from and a provenance tag: ``C`` confirmed in a cited
public source, ``D`` derived by arithmetic from confirmed figures, ``M`` unverified (widely reported,
not confirmed). Unverified figures stay marked wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "ActivityRule",
    "Attribute",
    "Category",
    "Condition",
    "CountingRule",
    "CountingTerm",
    "DataExchange",
    "Dates",
    "DeadlineExtension",
    "DeclaredFigure",
    "Extension",
    "FigureRef",
    "Formula",
    "FormulaTerm",
    "InspectionQuota",
    "Interpretation",
    "Limit",
    "NotificationDuty",
    "Parties",
    "PartyDates",
    "Phase",
    "Provenance",
    "QuotaShare",
    "Source",
    "Status",
    "Suspension",
    "Threshold",
    "Treaty",
    "Zone",
    "add_calendar",
    "conditions_label",
]

Provenance = Literal["C", "D", "M"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(\d+)H)?$")
_CALENDAR = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")
_RELATIVE = re.compile(
    r"^(P(?:\d+Y)?(?:\d+M)?(?:\d+D)?) after (entry-into-force|signature)( for the party)?$"
)
RELATIVE_HELP = (
    "a date YYYY-MM-DD or a relative date like 'P3Y after entry-into-force'"
    " or 'P18M after entry-into-force for the party'"
)


def add_calendar(day: dt.date, duration: str) -> dt.date:
    """``day`` plus an ISO 8601 calendar duration ``PnYnMnD``.

    Years and months are calendar units (``P1M`` after 31 January is the last day of February),
    as treaty texts count them; days are added last.
    """
    match = _CALENDAR.match(duration)
    if not match or not any(match.groups()):
        raise ValueError(f"{duration!r} is not an ISO 8601 duration like P3Y, P18M or P1Y6M")
    years, months, days = (int(g or 0) for g in match.groups())
    month_index = day.month - 1 + months + 12 * years
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last)) + dt.timedelta(days=days)


def _date_or_relative(value: object) -> object:
    """Let dates through; refuse any other string with what a date may be written as."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not {RELATIVE_HELP}") from None
    return value


DateField = Annotated[dt.date, BeforeValidator(_date_or_relative)]


def _is_relative(value: object) -> bool:
    return isinstance(value, str) and _RELATIVE.match(value) is not None


def _party_relative(rule: str | None) -> bool:
    return bool(rule) and str(rule).endswith(" for the party")


class _Model(BaseModel):
    # Validators are built on first use, not at import: a command that finds its treaty in the
    # cache (``armsctl.treaty._cache``) never needs them, and building them all costs more than
    # the rest of a command's start-up.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Source(_Model):
    """A public source a figure in the file was taken from."""

    id: Slug
    title: str
    url: str | None = None


class Parties(_Model):
    """Who is bound: a closed list of ISO 3166 alpha-3 codes, or open to any state."""

    members: list[PartyCode] = Field(default_factory=list)
    open: bool = False
    groups: dict[Slug, list[PartyCode]] = Field(default_factory=dict)
    notes: str = ""

    @model_validator(mode="after")
    def _closed_needs_members(self) -> Parties:
        for group, members in self.groups.items():
            if not members:
                raise ValueError(f"groups.{group}: group {group!r} has no members")
        if not self.open and not self.members:
            raise ValueError("a closed treaty must list its members (or set open = true)")
        if len(set(self.members)) != len(self.members):
            raise ValueError("members are listed more than once")
        if not self.open:
            for group, members in self.groups.items():
                unknown = sorted(set(members) - set(self.members))
                if unknown:
                    raise ValueError(f"group {group!r} names non-members {unknown}")
        return self


class Extension(_Model):
    """An agreed prolongation of the treaty's duration."""

    agreed: dt.date
    new_expiry: dt.date
    article: str
    provenance: Provenance = "C"
    source: str | None = None


class Suspension(_Model):
    """A party's declared suspension or withdrawal; the treaty may stay legally in force."""

    party: PartyCode
    announced: dt.date | None = None
    effective: dt.date
    kind: Literal["suspension", "withdrawal", "moratorium"] = "suspension"
    note: str = ""
    provenance: Provenance = "C"
    source: str | None = None


class Dates(_Model):
    """Key dates. ``expiry`` is the first day the treaty no longer applies."""

    signed: dt.date
    entry_into_force: dt.date
    expiry: DateField | None = None
    expiry_rule: str | None = None
    entry_into_force_provenance: Provenance = "C"
    expiry_article: str = ""
    withdrawal_notice_period: str | None = None
    extensions: list[Extension] = Field(default_factory=list)
    suspensions: list[Suspension] = Field(default_factory=list)

    @field_validator("withdrawal_notice_period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            add_calendar(dt.date(2000, 1, 1), value)  # raises a clear message when malformed
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Dates:
        if self.entry_into_force < self.signed:
            raise ValueError("entry_into_force is before signed")
        if self.expiry is not None and self.expiry <= self.entry_into_force:
            raise ValueError("expiry is not after entry_into_force")
        return self


class Status(_Model):
    """An item status (deployed, non-deployed, ...), defined by the treaty."""

    id: Slug
    title: str
    article: str = ""


class Attribute(_Model):
    """A numeric, non-negative, integer attribute that items carry (e.g. ``warheads``)."""

    id: Slug
    title: str
    article: str = ""


class Category(_Model):
    """A kind of limited item, with the statuses and attributes it may have."""

    id: Slug
    title: str
    statuses: list[Slug]
    attributes: list[Slug] = Field(default_factory=list)
    article: str = ""


class Zone(_Model):
    """A geographic zone that a limit can be scoped to (CFE flank zone)."""

    id: Slug
    title: str
    description: str = ""
    article: str = ""
    provenance: Provenance = "C"


class FigureRef(_Model):
    """A figure a party declared: a limit id or a component measure, first or latest.

    ``as_of = "first"`` takes the party's first provided declaration (its declared baseline,
    e.g. a CWC stockpile); ``"latest"`` the declaration being checked.
    """

    measure: str
    as_of: Literal["first", "latest"] = "first"


class FormulaTerm(_Model):
    """One argument of a formula: a constant, or a percentage or fraction of a declared figure."""

    constant: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0)
    fraction: float | None = Field(default=None, ge=0)
    of: str | None = None
    as_of: Literal["first", "latest"] = "latest"

    @model_validator(mode="after")
    def _one_kind(self) -> FormulaTerm:
        kinds = [self.constant is not None, self.percent is not None, self.fraction is not None]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of constant, percent, fraction")
        if self.constant is None and not self.of:
            raise ValueError("of: a percent or fraction needs the measure it is taken of")
        if self.constant is not None and self.of:
            raise ValueError("of: a constant is not taken of a measure")
        return self


class Formula(_Model):
    """An allowance as data: ``op`` over terms, rounded down (CFE Article IX: max(1 %, 250))."""

    op: Literal["max", "min", "sum"] = "max"
    terms: list[FormulaTerm] = Field(min_length=1)
    article: str = ""


class Phase(_Model):
    """One step of a phased limit: from ``date`` on, at most ``maximum`` (or a baseline fraction)."""

    date: DateField
    date_rule: str | None = None
    maximum: int | None = Field(default=None, ge=0)
    fraction: float | None = Field(default=None, ge=0)
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_ceiling(self) -> Phase:
        if (self.maximum is None) == (self.fraction is None):
            raise ValueError("give exactly one of maximum, fraction")
        return self


class Condition(_Model):
    """A test on an item attribute inside a counting term (a range band, a calibre threshold).

    Bounds are whole numbers in the attribute's unit: ``at_least``/``at_most`` include the
    bound, ``above``/``below`` exclude it. INF's band is ``at_least = 500, at_most = 5500``.
    """

    attribute: Slug
    at_least: int | None = None
    at_most: int | None = None
    above: int | None = None
    below: int | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Condition:
        if all(b is None for b in (self.at_least, self.at_most, self.above, self.below)):
            raise ValueError("give at least one of at_least, at_most, above, below")
        return self

    def label(self) -> str:
        """The condition as text, used in component measures (``range-km>=500<=5500``)."""
        parts = [
            f"{op}{bound}"
            for op, bound in (
                (">=", self.at_least),
                (">", self.above),
                ("<=", self.at_most),
                ("<", self.below),
            )
            if bound is not None
        ]
        return f"{self.attribute}{''.join(parts)}"

    def holds(self, value: int) -> bool:
        """Whether an attribute value passes every bound."""
        return (
            (self.at_least is None or value >= self.at_least)
            and (self.above is None or value > self.above)
            and (self.at_most is None or value <= self.at_most)
            and (self.below is None or value < self.below)
        )


def conditions_label(conditions: list[Condition]) -> str:
    """One label for a term's conditions, all of which must hold."""
    return ";".join(c.label() for c in conditions)


class CountingTerm(_Model):
    """One summand: items of these categories and statuses, counted or summed, times a weight.

    ``measure = "count"`` counts items; ``measure = "attribute"`` sums the named attribute.
    """

    categories: list[Slug]
    statuses: list[Slug]
    measure: Literal["count", "attribute"] = "count"
    attribute: Slug | None = None
    weight: int | float = 1
    where: list[Condition] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _attribute_named(self) -> CountingTerm:
        if self.measure == "attribute" and self.attribute is None:
            raise ValueError("measure = 'attribute' needs an attribute")
        if self.measure == "count" and self.attribute is not None:
            raise ValueError("measure = 'count' takes no attribute")
        if not self.categories or not self.statuses:
            raise ValueError("a term needs at least one category and one status")
        return self


class CountingRule(_Model):
    """A limit's figure: the sum of its terms."""

    terms: list[CountingTerm] = Field(min_length=1)
    article: str = ""


class Limit(_Model):
    """A numeric ceiling, from the date it takes effect, for a party, a group or a zone."""

    id: Slug
    title: str
    maximum: int = Field(ge=0)
    effective: DateField
    effective_rule: str | None = None
    ends: DateField | None = None
    ends_rule: str | None = None
    scope: Literal["party", "group", "zone"] = "party"
    groups: list[Slug] = Field(default_factory=list)
    zones: list[Slug] = Field(default_factory=list)
    parties: list[PartyCode] = Field(default_factory=list)
    baseline: FigureRef | None = None
    fraction: float | None = Field(default=None, ge=0)
    formula: Formula | None = None
    phases: list[Phase] = Field(default_factory=list)
    counting: CountingRule
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _scope_targets(self) -> Limit:
        problems: list[str] = []
        if self.scope == "zone" and not self.zones:
            problems.append("zones: scope = 'zone' needs zones")
        if self.scope == "group" and self.zones:
            problems.append("zones: a group limit in zones is scope = 'zone'")
        if self.scope in ("group", "zone") and not self.groups:
            problems.append(
                f"groups: scope = {self.scope!r} needs the groups it applies to"
                " (a limit without them would never be evaluated)"
            )
        if self.scope == "party" and self.groups:
            problems.append("groups: groups are only for scope = 'group' or 'zone'")
        if self.ends is not None and self.ends <= self.effective:
            problems.append(f"ends: {self.ends} is not after effective {self.effective}")
        if self.parties and self.scope != "party":
            problems.append("parties: named states are only for scope = 'party'")
        uses_baseline = self.fraction is not None or any(
            p.fraction is not None for p in self.phases
        )
        if uses_baseline and self.baseline is None:
            problems.append("baseline: a fraction needs the baseline it is a fraction of")
        if self.formula is not None and (self.phases or self.fraction is not None):
            problems.append("formula: a formula allowance takes no phases or fraction")
        for i, phase in enumerate(self.phases):
            if i and phase.date <= self.phases[i - 1].date:
                problems.append(f"phases[{i}].date: {phase.date} is not after the previous step")
        if self.scope != "party" and (
            _party_relative(self.effective_rule)
            or any(_party_relative(p.date_rule) for p in self.phases)
        ):
            problems.append(
                "effective: a date 'for the party' needs scope = 'party' (a group has no such date)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Interpretation(_Model):
    """A counting rule one party has argued for, replacing the treaty's rule for some limits."""

    id: Slug
    title: str
    argued_by: list[PartyCode] = Field(default_factory=list)
    since: dt.date | None = None
    overrides: dict[Slug, CountingRule]
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""


class QuotaShare(_Model):
    """A quota that is a fraction of another quota (a host's passive quota), rounded down."""

    quota: Slug
    fraction: float = Field(gt=0, le=1)


class DeclaredFigure(_Model):
    """A figure a party declares that is neither a limit nor an item count (a whole number).

    The Vienna Document's ``units``: the number of formations and units a participating State
    reports in its annual exchange, from which its evaluation-visit quota follows. Declared as
    an aggregate figure under this id (``measure = "units"``).
    """

    id: Slug
    title: str
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""


class InspectionQuota(_Model):
    """How many inspections (or visits, flights) of one type a party may conduct or must accept.

    A fixed ``per_year``, a per-party table ``per_party``, or a rule ``units_per_inspection``
    (one inspection for every N reported units or portion thereof) capped by ``max_per_year``.
    """

    id: Slug
    title: str
    kind: Literal["active", "passive", "both"] = "both"
    per_year: int | None = Field(default=None, ge=0)
    per_party: dict[str, int] = Field(default_factory=dict)
    units_per_inspection: int | None = Field(default=None, gt=0)
    max_per_year: int | None = Field(default=None, ge=0)
    max_from_same_party: int | None = Field(default=None, ge=0)
    share_from_same_party: float | None = Field(default=None, gt=0, le=1)
    min_from_same_party: int = Field(default=1, ge=0)
    share_of: QuotaShare | None = None
    reciprocal: bool = False
    site_statuses: list[Slug] = Field(default_factory=list)
    starts: dt.date | None = None
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @field_validator("per_party")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for party, n in value.items():
            if n < 0:
                raise ValueError(f"per_party.{party} is negative")
        return value

    @model_validator(mode="after")
    def _one_rule(self) -> InspectionQuota:
        rules = [
            self.per_year is not None,
            bool(self.per_party),
            self.units_per_inspection,
            self.share_of is not None,
        ]
        if sum(bool(r) for r in rules) != 1:
            raise ValueError(
                "give exactly one of per_year, per_party, units_per_inspection, share_of"
            )
        return self

    def passive(self, party: str | None = None, units: int | None = None) -> int | None:
        """How many the host ``party`` must accept in a year (``None``: not determined here).

        ``units`` are the host's reported units for a ``units_per_inspection`` rule (one for
        every N or portion thereof, capped by ``max_per_year``).
        """
        if self.per_year is not None:
            return self.per_year
        if self.per_party:
            return self.per_party.get(party or "")
        if self.units_per_inspection and units is not None:
            n = -(-units // self.units_per_inspection)
            return min(n, self.max_per_year) if self.max_per_year is not None else n
        return None

    def from_same_party(self, passive: int) -> int:
        """At most how many of a host's ``passive`` quota one party may conduct.

        ``share_from_same_party`` (the Vienna Document's one fifth), rounded down but never
        below ``min_from_same_party``, then ``max_from_same_party``; else the whole quota.
        """
        n = passive
        if self.share_from_same_party is not None:
            n = max(self.min_from_same_party, int(self.share_from_same_party * passive + 1e-9))
        if self.max_from_same_party is not None:
            n = min(n, self.max_from_same_party)
        return min(n, passive)


class DeadlineExtension(_Model):
    """A deadline moved for one party: a limit's effective date, or one of its phase steps."""

    limit: Slug
    phase: int | None = Field(default=None, ge=0)
    new_date: dt.date
    granted: dt.date | None = None
    article: str = ""
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""


class PartyDates(_Model):
    """One party's own dates: how and when it joined, withdrew or suspended, and its extensions.

    ``entry_into_force`` is the date the treaty entered into force *for this party* (a later
    ratification or accession); without it, the treaty's own entry into force is used. A
    withdrawal takes effect on ``withdrawal_effective``, or ``withdrawal_notice`` plus the
    treaty's ``dates.withdrawal_notice_period``.
    """

    party: PartyCode
    signature: dt.date | None = None
    ratification: dt.date | None = None
    accession: dt.date | None = None
    entry_into_force: dt.date | None = None
    withdrawal_notice: dt.date | None = None
    withdrawal_effective: dt.date | None = None
    suspension: dt.date | None = None
    extensions: list[DeadlineExtension] = Field(default_factory=list)
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> PartyDates:
        problems: list[str] = []
        joined = self.ratification or self.accession
        if self.entry_into_force and joined and self.entry_into_force < joined:
            problems.append(
                f"entry_into_force: {self.entry_into_force} is before it joined on {joined}"
            )
        if self.ratification and self.signature and self.ratification < self.signature:
            problems.append(f"ratification: {self.ratification} is before signature")
        if (
            self.withdrawal_effective
            and self.withdrawal_notice
            and self.withdrawal_effective < self.withdrawal_notice
        ):
            problems.append("withdrawal_effective: it is before the withdrawal notice")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class DataExchange(_Model):
    """When declarations are due: an initial one after entry into force, then periodic ones."""

    initial_due_days_after_eif: int | None = Field(default=None, ge=0)
    data_dates: list[str] = Field(default_factory=list)
    due_days_after_data_date: int = Field(default=0, ge=0)
    special_data_dates: list[dt.date] = Field(default_factory=list)
    article: str = ""
    provenance: Provenance = "C"

    @field_validator("data_dates")
    @classmethod
    def _month_days(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _MONTH_DAY.match(item):
                raise ValueError(f"data date {item!r} is not MM-DD")
            month, day = (int(x) for x in item.split("-"))
            try:
                dt.date(2001, month, day)  # a common year: the date must exist every year
            except ValueError:
                raise ValueError(f"data date {item!r} does not exist every year") from None
        return sorted(value)


class Threshold(_Model):
    """A quantity above which a duty applies (Vienna Document notification thresholds)."""

    measure: str
    at_least: int = Field(ge=0)
    provenance: Provenance = "C"


class NotificationDuty(_Model):
    """A notification a party must send, with its deadline relative to the triggering event.

    ``deadline`` is an ISO 8601 duration ``PnD`` / ``PTnH`` / ``PnDTnH``; ``direction`` says
    whether it is due after the event (``after``) or in advance of it (``before``).
    """

    id: Slug
    title: str
    deadline: str
    direction: Literal["after", "before"] = "after"
    sender: str = "any-party"
    recipients: str = "other-parties"
    fields: list[str] = Field(default_factory=list)
    triggers: list[str] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @field_validator("deadline")
    @classmethod
    def _duration(cls, value: str) -> str:
        match = _DURATION.match(value)
        if not match or not any(match.groups()):
            raise ValueError(f"deadline {value!r} is not an ISO 8601 duration like P5D or PT24H")
        return value

    @property
    def deadline_delta(self) -> dt.timedelta:
        """The deadline as a time span."""
        match = _DURATION.match(self.deadline)
        assert match is not None  # checked by the validator
        days, hours = match.groups()
        return dt.timedelta(days=int(days or 0), hours=int(hours or 0))


class ActivityRule(_Model):
    """An obligation on activities rather than holdings, evaluated over reported events.

    ``kind = "ban"``: no event of ``events`` by a bound party while the rule is in force (INF's
    ban on flight tests). ``kind = "prior-notification"``: an event reaching any of
    ``thresholds`` (all events when none is given) needs a notification of type
    ``notification`` from the party, received by that duty's deadline (Vienna Document).
    """

    id: Slug
    title: str
    kind: Literal["ban", "prior-notification"]
    events: list[str] = Field(min_length=1)
    effective: DateField
    effective_rule: str | None = None
    ends: DateField | None = None
    ends_rule: str | None = None
    parties: list[PartyCode] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)
    notification: Slug | None = None
    article: str
    provenance: Provenance = "C"
    source: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ActivityRule:
        problems = []
        if self.kind == "prior-notification" and self.notification is None:
            problems.append("notification: a prior-notification rule names its notification duty")
        if self.kind == "ban" and (self.notification or self.thresholds):
            problems.append("notification: a ban takes no notification or thresholds")
        if self.ends is not None and self.ends <= self.effective:
            problems.append(f"ends: {self.ends} is not after effective {self.effective}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Treaty(_Model):
    """A whole treaty: parties, dates, categories, limits, interpretations, quotas and duties."""

    # Written ``schema = 2`` in files; stored documents dumped by field name load back too.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    schema_version: Literal[1, 2] = Field(default=1, alias="schema")
    id: Slug
    title: str
    short_title: str
    kind: Literal["treaty", "political-commitment"] = "treaty"
    parties: Parties
    dates: Dates
    party_dates: list[PartyDates] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list)
    limits: list[Limit] = Field(default_factory=list)
    interpretations: list[Interpretation] = Field(default_factory=list)
    inspection_quotas: list[InspectionQuota] = Field(default_factory=list)
    declared_figures: list[DeclaredFigure] = Field(default_factory=list)
    data_exchange: DataExchange | None = None
    notifications: list[NotificationDuty] = Field(default_factory=list)
    activities: list[ActivityRule] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    public_record: str | None = None
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _resolve_relative_dates(cls, raw: Any) -> Any:
        """Turn ``"P3Y after entry-into-force"`` into a date, keeping the rule it came from.

        A date "for the party" is resolved here against the treaty's own entry into force (the
        date for its original parties) and again, per party, by ``Treaty.limit_effective``.
        """
        if not isinstance(raw, dict) or not isinstance(raw.get("dates"), dict):
            return raw
        events = {
            "entry-into-force": raw["dates"].get("entry_into_force"),
            "signature": raw["dates"].get("signed"),
        }

        def resolve(node: dict[str, Any], key: str) -> None:
            value = node.get(key)
            match = _RELATIVE.match(value) if isinstance(value, str) else None
            base = events.get(match.group(2)) if match else None
            if match and isinstance(base, dt.date) and _CALENDAR.match(match.group(1)):
                if match.group(1) == "P":
                    return
                node[f"{key}_rule"] = value
                node[key] = add_calendar(base, match.group(1))

        raw = dict(raw)
        raw["dates"] = dict(raw["dates"])
        resolve(raw["dates"], "expiry")
        limits = raw.get("limits")
        if isinstance(limits, list):
            raw["limits"] = [dict(x) if isinstance(x, dict) else x for x in limits]
            for limit in raw["limits"]:
                if not isinstance(limit, dict):
                    continue
                resolve(limit, "effective")
                resolve(limit, "ends")
                phases = limit.get("phases")
                if isinstance(phases, list):
                    limit["phases"] = [dict(p) if isinstance(p, dict) else p for p in phases]
                    for phase in limit["phases"]:
                        if isinstance(phase, dict):
                            resolve(phase, "date")
                _default_maximum(limit)
        activities = raw.get("activities")
        if isinstance(activities, list):
            raw["activities"] = [dict(a) if isinstance(a, dict) else a for a in activities]
            for rule in raw["activities"]:
                if isinstance(rule, dict):
                    resolve(rule, "effective")
                    resolve(rule, "ends")
        return raw

    @model_validator(mode="after")
    def _references(self) -> Treaty:
        problems: list[str] = []
        if self.schema_version == 1:
            for key in self._v2_keys():
                problems.append(f"{key}: needs schema = 2 (add `schema = 2` at the top)")
        _unique(problems, "statuses", [s.id for s in self.statuses])
        _unique(problems, "attributes", [a.id for a in self.attributes])
        _unique(problems, "categories", [c.id for c in self.categories])
        _unique(problems, "limits", [x.id for x in self.limits])
        _unique(problems, "interpretations", [i.id for i in self.interpretations])
        _unique(problems, "inspection_quotas", [q.id for q in self.inspection_quotas])
        _unique(problems, "notifications", [n.id for n in self.notifications])
        _unique(problems, "sources", [s.id for s in self.sources])
        _unique(problems, "declared_figures", [f.id for f in self.declared_figures])
        limit_ids = {x.id for x in self.limits}
        for i, fig in enumerate(self.declared_figures):
            if fig.id in limit_ids:
                problems.append(f"declared_figures[{i}].id: {fig.id!r} is also a limit id")
        statuses = {s.id for s in self.statuses}
        attributes = {a.id for a in self.attributes}
        categories = {c.id: c for c in self.categories}
        for i, cat in enumerate(self.categories):
            for status in sorted(set(cat.statuses) - statuses):
                problems.append(f"categories[{i}].statuses: unknown status {status!r}")
            for attr in sorted(set(cat.attributes) - attributes):
                problems.append(f"categories[{i}].attributes: unknown attribute {attr!r}")
        zones = {z.id for z in self.zones}
        groups = set(self.parties.groups)
        limit_ids = {x.id for x in self.limits}
        for i, limit in enumerate(self.limits):
            where = f"limits[{i}]"
            for zone in sorted(set(limit.zones) - zones):
                problems.append(f"{where}.zones: unknown zone {zone!r}")
            for group in sorted(set(limit.groups) - groups):
                problems.append(f"{where}.groups: unknown group {group!r}")
            _check_rule(problems, f"{where}.counting", limit.counting, categories, attributes)
        for i, interp in enumerate(self.interpretations):
            for limit_id, rule in interp.overrides.items():
                where = f"interpretations[{i}].overrides.{limit_id}"
                if limit_id not in limit_ids:
                    problems.append(f"{where}: unknown limit {limit_id!r}")
                _check_rule(problems, where, rule, categories, attributes)
        known_sources = {s.id for s in self.sources}

        def sourced(where: str, source: str | None, parties: list[str]) -> None:
            # A rule cites a listed source and binds member states only (unless open to all).
            if source and source not in known_sources:
                problems.append(f"{where}.source: unknown source {source!r}")
            if not self.parties.open:
                for party in sorted(set(parties) - set(self.parties.members)):
                    problems.append(f"{where}.parties: {party} is not a member")

        for i, limit in enumerate(self.limits):
            sourced(f"limits[{i}]", limit.source, limit.parties)
        duties = {n.id for n in self.notifications}
        _unique(problems, "activities", [a.id for a in self.activities])
        for i, act in enumerate(self.activities):
            if act.notification and act.notification not in duties:
                problems.append(
                    f"activities[{i}].notification: unknown notification {act.notification!r}"
                )
            sourced(f"activities[{i}]", act.source, act.parties)
        quota_ids = {q.id for q in self.inspection_quotas}
        for i, q in enumerate(self.inspection_quotas):
            if q.share_of is not None and q.share_of.quota not in quota_ids - {q.id}:
                problems.append(
                    f"inspection_quotas[{i}].share_of.quota: unknown quota {q.share_of.quota!r}"
                )
        seen_parties: set[str] = set()
        for i, pd in enumerate(self.party_dates):
            where = f"party_dates[{i}]"
            if pd.party in seen_parties:
                problems.append(f"{where}.party: {pd.party} has dates listed twice")
            seen_parties.add(pd.party)
            if not self.parties.open and pd.party not in self.parties.members:
                problems.append(f"{where}.party: {pd.party} is not a member")
            if (
                pd.withdrawal_notice
                and not pd.withdrawal_effective
                and not self.dates.withdrawal_notice_period
            ):
                problems.append(
                    f"{where}.withdrawal_effective: give it, or the treaty's"
                    " dates.withdrawal_notice_period"
                )
            for j, ext in enumerate(pd.extensions):
                if ext.limit not in limit_ids:
                    problems.append(f"{where}.extensions[{j}].limit: unknown limit {ext.limit!r}")
                elif ext.phase is not None and ext.phase >= len(self.limit(ext.limit).phases):
                    problems.append(
                        f"{where}.extensions[{j}].phase: limit {ext.limit!r} has no step {ext.phase}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _v2_keys(self) -> list[str]:
        keys = []
        if self.party_dates:
            keys.append("party_dates")
        if self.dates.withdrawal_notice_period:
            keys.append("dates.withdrawal_notice_period")
        if self.dates.expiry_rule:
            keys.append("dates.expiry")
        if self.activities:
            keys.append("activities")
        for i, q in enumerate(self.inspection_quotas):
            if q.share_of is not None or q.share_from_same_party is not None or q.reciprocal:
                keys.append(f"inspection_quotas[{i}]")
        for i, x in enumerate(self.limits):
            used = [
                name
                for name, on in (
                    ("parties", bool(x.parties)),
                    ("zones", bool(x.zones) and x.scope == "party"),
                    ("baseline", x.baseline is not None),
                    ("fraction", x.fraction is not None),
                    ("formula", x.formula is not None),
                    ("phases", bool(x.phases)),
                    ("effective", x.effective_rule is not None),
                    ("ends", x.ends_rule is not None),
                )
                if on
            ]
            if any(isinstance(t.weight, float) for t in x.counting.terms):
                used.append("counting.terms.weight")
            if any(t.where for t in x.counting.terms):
                used.append("counting.terms.where")
            keys += [f"limits[{i}].{name}" for name in used]
        return keys

    # Lookups used everywhere; small lists, so linear search keeps the model immutable and simple.
    def party_dates_for(self, party: str) -> PartyDates | None:
        """The party's own dates, if the file lists any."""
        return next((pd for pd in self.party_dates if pd.party == party), None)

    def entry_into_force_for(self, party: str | None) -> dt.date:
        """When the treaty entered into force for ``party`` (its own date, else the treaty's)."""
        pd = self.party_dates_for(party) if party else None
        return (pd.entry_into_force if pd else None) or self.dates.entry_into_force

    def resolve(self, rule: str, party: str | None = None) -> dt.date:
        """A relative date (``"P4Y after entry-into-force for the party"``) for ``party``."""
        match = _RELATIVE.match(rule)
        if match is None:
            raise ValueError(f"{rule!r} is not {RELATIVE_HELP}")
        duration, event, for_party = match.groups()
        if event == "signature":
            pd = self.party_dates_for(party) if (party and for_party) else None
            base = (pd.signature if pd else None) or self.dates.signed
        else:
            base = self.entry_into_force_for(party) if for_party else self.dates.entry_into_force
        return add_calendar(base, duration)

    def _extension(self, limit_id: str, phase: int | None, party: str | None) -> dt.date | None:
        pd = self.party_dates_for(party) if party else None
        dates = [
            e.new_date
            for e in (pd.extensions if pd else [])
            if e.limit == limit_id and e.phase == phase
        ]
        return max(dates) if dates else None

    def limit_effective(self, limit: Limit, party: str | None = None) -> dt.date:
        """The date ``limit`` takes effect for ``party``: its rule, then any extension granted."""
        day = limit.effective
        if limit.effective_rule and party is not None:
            day = self.resolve(limit.effective_rule, party)
        return self._extension(limit.id, None, party) or day

    def phase_dates(self, limit: Limit, party: str | None = None) -> list[dt.date]:
        """Each phase step's date for ``party``, after its rule and any extension granted."""
        out = []
        for i, phase in enumerate(limit.phases):
            day = phase.date
            if phase.date_rule and party is not None:
                day = self.resolve(phase.date_rule, party)
            out.append(self._extension(limit.id, i, party) or day)
        return out

    def withdrawal_effective(self, party: str) -> dt.date | None:
        """When ``party``'s withdrawal takes (or took) effect, from its dates or notice."""
        pd = self.party_dates_for(party)
        if pd is not None and pd.withdrawal_effective:
            return pd.withdrawal_effective
        if pd is not None and pd.withdrawal_notice and self.dates.withdrawal_notice_period:
            return add_calendar(pd.withdrawal_notice, self.dates.withdrawal_notice_period)
        return None

    def limit(self, limit_id: str) -> Limit:
        """The limit with this id (``KeyError`` if none)."""
        for limit in self.limits:
            if limit.id == limit_id:
                return limit
        raise KeyError(limit_id)

    def category(self, category_id: str) -> Category:
        """The category with this id (``KeyError`` if none)."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def interpretation(self, interpretation_id: str) -> Interpretation:
        """The interpretation with this id (``KeyError`` if none)."""
        for interp in self.interpretations:
            if interp.id == interpretation_id:
                return interp
        raise KeyError(interpretation_id)

    def quota_towards(
        self,
        quota_id: str,
        host: str,
        *,
        units: int | None = None,
        conductor: str | None = None,
        conductor_units: int | None = None,
    ) -> int | None:
        """How many of quota ``quota_id`` the ``conductor`` may conduct in ``host`` in a year.

        A share quota is its fraction of the host's passive quota; any quota is capped by its
        limit from the same party; a reciprocal quota is also capped by what the conductor
        must itself accept (neither side conducts more than it receives).
        """
        quota = next(q for q in self.inspection_quotas if q.id == quota_id)
        n = self._quota_towards(quota, host, units)
        if n is not None and quota.reciprocal and conductor is not None:
            own = self._quota_towards(quota, conductor, conductor_units)
            n = None if own is None else min(n, own)
        return n

    def _quota_towards(self, quota: InspectionQuota, host: str, units: int | None) -> int | None:
        if quota.share_of is not None:
            base = next(q for q in self.inspection_quotas if q.id == quota.share_of.quota)
            passive = base.passive(host, units)
            if passive is None:
                return None
            return base.from_same_party(int(quota.share_of.fraction * passive + 1e-9))
        passive = quota.passive(host, units)
        return None if passive is None else quota.from_same_party(passive)

    def expiry_on(self) -> dt.date | None:
        """The date the treaty stops applying, after every agreed extension."""
        dates = [self.dates.expiry] if self.dates.expiry else []
        dates += [e.new_expiry for e in self.dates.extensions]
        return max(dates) if dates else None

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the treaty's obligations apply on ``day``."""
        expiry = self.expiry_on()
        return self.dates.entry_into_force <= day and (expiry is None or day < expiry)

    def withdrawn_on(self, party: str, day: dt.date) -> dt.date | None:
        """The date ``party``'s withdrawal took effect, if it did on or before ``day``."""
        dates = [
            s.effective
            for s in self.dates.suspensions
            if s.party == party and s.kind == "withdrawal" and s.effective <= day
        ]
        own = self.withdrawal_effective(party)
        if own is not None and own <= day:
            dates.append(own)
        return min(dates) if dates else None

    def suspended_on(self, party: str, day: dt.date) -> Suspension | None:
        """The latest suspension (or moratorium) ``party`` declared effective by ``day``."""
        found = [
            s
            for s in self.dates.suspensions
            if s.party == party and s.kind != "withdrawal" and s.effective <= day
        ]
        pd = self.party_dates_for(party)
        if pd is not None and pd.suspension is not None and pd.suspension <= day:
            found.append(Suspension(party=party, effective=pd.suspension, source=pd.source))
        return max(found, key=lambda s: s.effective) if found else None

    def counting_rule(
        self, limit_id: str, interpretation: str | None = None, at: dt.date | None = None
    ) -> CountingRule:
        """The counting rule of a limit, under an interpretation when one is named.

        An interpretation argued only ``since`` a date does not apply before it.
        """
        if interpretation is not None:
            interp = self.interpretation(interpretation)
            rule = interp.overrides.get(limit_id)
            applies = interp.since is None or at is None or at >= interp.since
            if rule is not None and applies:
                return rule
        return self.limit(limit_id).counting


def _default_maximum(limit: dict[str, Any]) -> None:
    """A phased limit without ``maximum`` takes its final step's (a final fraction 0 is 0)."""
    phases = limit.get("phases")
    if "maximum" in limit or not isinstance(phases, list) or not phases:
        return
    last = phases[-1]
    if isinstance(last, dict):
        if isinstance(last.get("maximum"), int):
            limit["maximum"] = last["maximum"]
        elif last.get("fraction") == 0:
            limit["maximum"] = 0


def _unique(problems: list[str], key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            problems.append(f"{key}: id {ident!r} is used more than once")
        seen.add(ident)


def _check_rule(
    problems: list[str],
    where: str,
    rule: CountingRule,
    categories: dict[str, Category],
    attributes: set[str],
) -> None:
    for j, term in enumerate(rule.terms):
        at = f"{where}.terms[{j}]"
        for cat_id in term.categories:
            cat = categories.get(cat_id)
            if cat is None:
                problems.append(f"{at}.categories: unknown category {cat_id!r}")
                continue
            if term.attribute is not None and term.attribute not in cat.attributes:
                problems.append(f"{at}.attribute: category {cat_id!r} has no {term.attribute!r}")
        for status in term.statuses:
            if not any(status in c.statuses for c in categories.values()):
                problems.append(f"{at}.statuses: unknown status {status!r}")
        if term.attribute is not None and term.attribute not in attributes:
            problems.append(f"{at}.attribute: unknown attribute {term.attribute!r}")
        for k, cond in enumerate(term.where):
            for cat_id in term.categories:
                cat = categories.get(cat_id)
                if cat is not None and cond.attribute not in cat.attributes:
                    problems.append(
                        f"{at}.where[{k}].attribute: category {cat_id!r} has no {cond.attribute!r}"
                    )
