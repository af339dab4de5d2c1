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
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Attribute",
    "Category",
    "CountingRule",
    "CountingTerm",
    "DataExchange",
    "Dates",
    "Extension",
    "InspectionQuota",
    "Interpretation",
    "Limit",
    "NotificationDuty",
    "Parties",
    "Provenance",
    "Source",
    "Status",
    "Suspension",
    "Threshold",
    "Treaty",
    "Zone",
]

Provenance = Literal["C", "D", "M"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(\d+)H)?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    expiry: dt.date | None = None
    entry_into_force_provenance: Provenance = "C"
    expiry_article: str = ""
    extensions: list[Extension] = Field(default_factory=list)
    suspensions: list[Suspension] = Field(default_factory=list)

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


class CountingTerm(_Model):
    """One summand: items of these categories and statuses, counted or summed, times a weight.

    ``measure = "count"`` counts items; ``measure = "attribute"`` sums the named attribute.
    """

    categories: list[Slug]
    statuses: list[Slug]
    measure: Literal["count", "attribute"] = "count"
    attribute: Slug | None = None
    weight: int = 1
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
    effective: dt.date
    ends: dt.date | None = None
    scope: Literal["party", "group", "zone"] = "party"
    groups: list[Slug] = Field(default_factory=list)
    zones: list[Slug] = Field(default_factory=list)
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
        if self.scope != "zone" and self.zones:
            problems.append("zones: zones are only for scope = 'zone'")
        if self.scope in ("group", "zone") and not self.groups:
            problems.append(
                f"groups: scope = {self.scope!r} needs the groups it applies to"
                " (a limit without them would never be evaluated)"
            )
        if self.scope == "party" and self.groups:
            problems.append("groups: groups are only for scope = 'group' or 'zone'")
        if self.ends is not None and self.ends <= self.effective:
            problems.append(f"ends: {self.ends} is not after effective {self.effective}")
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
        rules = [self.per_year is not None, bool(self.per_party), self.units_per_inspection]
        if sum(bool(r) for r in rules) != 1:
            raise ValueError("give exactly one of per_year, per_party, units_per_inspection")
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


class Treaty(_Model):
    """A whole treaty: parties, dates, categories, limits, interpretations, quotas and duties."""

    id: Slug
    title: str
    short_title: str
    kind: Literal["treaty", "political-commitment"] = "treaty"
    parties: Parties
    dates: Dates
    statuses: list[Status] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    zones: list[Zone] = Field(default_factory=list)
    limits: list[Limit] = Field(default_factory=list)
    interpretations: list[Interpretation] = Field(default_factory=list)
    inspection_quotas: list[InspectionQuota] = Field(default_factory=list)
    data_exchange: DataExchange | None = None
    notifications: list[NotificationDuty] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    public_record: str | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _references(self) -> Treaty:
        problems: list[str] = []
        _unique(problems, "statuses", [s.id for s in self.statuses])
        _unique(problems, "attributes", [a.id for a in self.attributes])
        _unique(problems, "categories", [c.id for c in self.categories])
        _unique(problems, "limits", [x.id for x in self.limits])
        _unique(problems, "interpretations", [i.id for i in self.interpretations])
        _unique(problems, "inspection_quotas", [q.id for q in self.inspection_quotas])
        _unique(problems, "notifications", [n.id for n in self.notifications])
        _unique(problems, "sources", [s.id for s in self.sources])
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
        for i, limit in enumerate(self.limits):
            if limit.source and limit.source not in known_sources:
                problems.append(f"limits[{i}].source: unknown source {limit.source!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups used everywhere; small lists, so linear search keeps the model immutable and simple.
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
        return min(dates) if dates else None

    def suspended_on(self, party: str, day: dt.date) -> Suspension | None:
        """The latest suspension (or moratorium) ``party`` declared effective by ``day``."""
        found = [
            s
            for s in self.dates.suspensions
            if s.party == party and s.kind != "withdrawal" and s.effective <= day
        ]
        return max(found, key=lambda s: s.effective) if found else None

    def counting_rule(self, limit_id: str, interpretation: str | None = None) -> CountingRule:
        """The counting rule of a limit, under an interpretation when one is named."""
        if interpretation is not None:
            rule = self.interpretation(interpretation).overrides.get(limit_id)
            if rule is not None:
                return rule
        return self.limit(limit_id).counting


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
