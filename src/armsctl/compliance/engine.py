"""Evaluate every limit for every party at a date, and explain each figure.

A counting rule is turned into weights over components (category, status, count or attribute);
a declaration's figure for a limit is the weighted sum of its components, or the figure it
declared for the limit outright. Under an interpretation, a declared figure is adjusted by the
components the interpretation adds or removes, so dispute mode works on aggregate data too when
the disputed components were published.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from armsctl.compliance.activities import Activity, ActivityResult, evaluate_activities
from armsctl.errors import NotFoundError
from armsctl.inventory.model import (
    ALL_ZONES,
    ComponentKey,
    Declaration,
    DeclarationSet,
    component_measure,
    parse_component_measure,
)
from armsctl.notifications.model import Notification
from armsctl.treaty.schema import CountingRule, FigureRef, Limit, Treaty, conditions_label

__all__ = [
    "LimitResult",
    "LimitStatus",
    "Part",
    "PartyResult",
    "Report",
    "ScopeResult",
    "WeightCache",
    "component_weights",
    "evaluate",
    "expected_data_date",
    "rule_weights",
]

Number = int | float
LimitStatus = Literal["compliant", "violation", "not-in-force", "expired", "no-data", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Part:
    """One component's contribution to a figure: ``weight * value``."""

    measure: str
    weight: Number
    value: int
    provenance: str = "C"

    @property
    def contribution(self) -> Number:
        """``weight * value``: a float when the weight is fractional (the figure rounds up)."""
        return self.weight * self.value


@dataclass(slots=True)
class LimitResult:
    """A limit evaluated for one party (or group) at one date."""

    id: str
    title: str
    value: int | None
    max: int
    in_force: bool
    status: LimitStatus
    effective: dt.date
    article: str
    basis: Literal["declared-figure", "components", "adjusted", "none"]
    parts: list[Part] = field(default_factory=list)
    provenance: str = "C"
    note: str = ""
    parties: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lower_bound: bool = False
    step: str = ""
    exact: float | None = None
    limit_provenance: str = "C"

    @property
    def margin(self) -> int | None:
        """Headroom, ``max - value``: negative in violation, ``None`` without a figure."""
        return None if self.value is None else self.max - self.value


@dataclass(slots=True)
class PartyResult:
    """Every limit for one party, from its latest declaration on or before the date."""

    party: str
    status: str
    declaration_as_of: dt.date | None
    declaration_kind: str | None
    limits: list[LimitResult]
    stale: bool = False
    not_provided: dt.date | None = None
    flags: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    withdrawn_on: dt.date | None = None
    suspended_on: dt.date | None = None


@dataclass(slots=True)
class ScopeResult:
    """Limits over a group of parties (CFE group ceilings and zone limits).

    ``covers`` is who was counted: the members minus those whose withdrawal has taken effect.
    """

    group: str
    members: list[str]
    status: str
    limits: list[LimitResult]
    covers: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """Compliance of every party with every limit of a treaty at one date."""

    treaty: str
    at: dt.date
    status: str
    interpretation: str | None
    treaty_in_force: bool
    parties: list[PartyResult]
    groups: list[ScopeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    activities: list[ActivityResult] = field(default_factory=list)


def component_weights(
    rule: CountingRule, zones: list[str] | None = None
) -> dict[ComponentKey, Number]:
    """The counting rule as a weight per component (zone-restricted when ``zones`` is given).

    Weights may be fractions (schema 2: a treaty that counts an item as half). Pure and
    uncached: a caller that asks for the same rules many times (``evaluate`` over a history)
    holds a :class:`WeightCache`.
    """
    weights: dict[ComponentKey, Number] = {}
    for term in rule.terms:
        quantity = term.attribute if term.measure == "attribute" and term.attribute else "count"
        where = conditions_label(term.where)
        for category in term.categories:
            for status in term.statuses:
                for zone in zones or [ALL_ZONES]:
                    component = ComponentKey(category, status, quantity, zone, where)
                    weights[component] = weights.get(component, 0) + term.weight
    return weights


class WeightCache:
    """``component_weights`` remembered per rule, for one caller's run of evaluations.

    A whole-history check asks for the weights of the same few rules once per declaration date
    and limit; the caller that runs the evaluations owns one cache (``history`` makes one for
    all its dates, ``evaluate`` one per call when given none), so no state outlives the run or
    is shared between callers. Rules are frozen but not hashable (they hold lists), so entries
    are keyed by the rule's identity and hold the rule, which keeps the identity from being
    reused while the cache lives. Each call returns a fresh copy the caller may change.
    """

    __slots__ = ("_by_rule",)

    def __init__(self) -> None:
        self._by_rule: dict[
            tuple[int, tuple[str, ...] | None], tuple[CountingRule, dict[ComponentKey, Number]]
        ] = {}

    def __call__(
        self, rule: CountingRule, zones: list[str] | None = None
    ) -> dict[ComponentKey, Number]:
        """``component_weights(rule, zones)``, computed once per rule and zones."""
        key = (id(rule), tuple(zones) if zones else None)
        hit = self._by_rule.get(key)
        if hit is None or hit[0] is not rule:
            hit = (rule, component_weights(rule, zones))
            self._by_rule[key] = hit
        return dict(hit[1])


def rule_weights(rule: CountingRule, zones: list[str] | None = None) -> dict[ComponentKey, int]:
    """Whole-number weights per component, for callers that sum integers.

    Raises ``ValueError`` for a rule with a fractional weight: read those with
    ``component_weights``.
    """
    weights = component_weights(rule, zones)
    if any(isinstance(w, float) and not w.is_integer() for w in weights.values()):
        raise ValueError("this counting rule has fractional weights; use component_weights")
    return {k: int(w) for k, w in weights.items()}


def expected_data_date(treaty: Treaty, at: dt.date) -> tuple[dt.date, dt.date] | None:
    """The latest data date whose declaration was due by ``at``, with its due date.

    ``None`` when nothing was due yet (or the treaty has no data-exchange schedule).
    """
    schedule = treaty.data_exchange
    eif = treaty.dates.entry_into_force
    if schedule is None:
        return None
    candidates: list[tuple[dt.date, dt.date]] = []
    if schedule.initial_due_days_after_eif is not None:
        candidates.append((eif, eif + dt.timedelta(days=schedule.initial_due_days_after_eif)))
    due_after = dt.timedelta(days=schedule.due_days_after_data_date)
    for year in range(eif.year, at.year + 1):
        for month_day in schedule.data_dates:
            month, day = (int(x) for x in month_day.split("-"))
            data_date = dt.date(year, month, day)
            if data_date > eif:
                candidates.append((data_date, data_date + due_after))
    for special in schedule.special_data_dates:
        candidates.append((special, special + due_after))
    due = [c for c in candidates if c[1] <= at]
    return max(due) if due else None


def evaluate(
    treaty: Treaty,
    declarations: DeclarationSet,
    at: dt.date,
    *,
    interpretation: str | None = None,
    activities: Sequence[Activity] = (),
    notifications: Sequence[Notification] = (),
    weights: WeightCache | None = None,
) -> Report:
    """Check every limit for every party at ``at``, and every activity rule over ``activities``.

    Uses each party's latest provided declaration on or before ``at``; flags a declaration that
    the data-exchange schedule says is out of date, or a due one that was not provided. An
    activity rule broken (a banned event, an activity above a threshold not notified in time)
    is a violation like a limit's. ``weights`` is the caller's cache of counting-rule weights
    when it evaluates many dates (see :class:`WeightCache`).
    """
    weights = weights if weights is not None else WeightCache()
    if interpretation is not None:
        try:
            treaty.interpretation(interpretation)
        except KeyError:
            known = ", ".join(i.id for i in treaty.interpretations) or "none"
            raise NotFoundError(
                f"treaty {treaty.id!r} has no interpretation {interpretation!r} (known: {known})"
            ) from None
    in_force = treaty.in_force_on(at)
    members = treaty.parties.members or declarations.parties()
    latest: dict[str, Declaration | None] = {}
    parties: list[PartyResult] = []
    for party in members:
        withdrawn_on = treaty.withdrawn_on(party, at)
        if withdrawn_on is not None:
            parties.append(_withdrawn(treaty, party, withdrawn_on))
            continue
        decl = declarations.latest(party, at)
        missing = declarations.latest(party, at, "not-provided")
        latest[party] = decl
        limits = [
            _evaluate_limit(treaty, limit, decl, at, interpretation, weights, party, declarations)
            for limit in treaty.limits
            if limit.scope == "party" and (not limit.parties or party in limit.parties)
        ]
        for x in limits:
            x.parties = [party]
        result = PartyResult(
            party=party,
            status=_party_status(limits, treaty, at, has_data=decl is not None),
            declaration_as_of=decl.as_of if decl else None,
            declaration_kind=decl.kind if decl else None,
            limits=limits,
            unverified=decl.unverified() if decl else [],
        )
        if missing is not None and (decl is None or missing.as_of > decl.as_of):
            result.not_provided = missing.as_of
            result.flags.append(f"declaration as of {missing.as_of} was not provided")
        suspension = treaty.suspended_on(party, at)
        if suspension is not None:
            result.suspended_on = suspension.effective
            result.flags.append(
                f"suspended: {party} declared a {suspension.kind} effective "
                f"{suspension.effective}; its limits are still evaluated"
            )
        _flag_data(result, treaty, decl, at, in_force)
        parties.append(result)
    groups = _evaluate_groups(treaty, latest, at, interpretation, weights)
    _flag_group_violations(parties, groups)
    statuses = [p.status for p in parties] + [g.status for g in groups]
    judged = evaluate_activities(treaty, activities, notifications, at) if activities else []
    statuses += [r.status for r in judged]
    report = Report(
        treaty=treaty.id,
        at=at,
        status=_combine(statuses, treaty, at),
        interpretation=interpretation,
        treaty_in_force=in_force,
        parties=parties,
        groups=groups,
        activities=judged,
    )
    for suspension in treaty.dates.suspensions:
        if suspension.effective <= at:
            report.notes.append(
                f"{suspension.party} declared a {suspension.kind} effective {suspension.effective}"
                + (f": {suspension.note}" if suspension.note else "")
            )
    return report


def _withdrawn(treaty: Treaty, party: str, on: dt.date) -> PartyResult:
    """A party whose withdrawal has taken effect: no longer bound, so nothing is evaluated."""
    note = f"{party} withdrew; no longer bound from {on}"
    limits = [
        LimitResult(
            id=limit.id,
            title=limit.title,
            value=None,
            max=limit.maximum,
            in_force=False,
            status="withdrawn",
            effective=limit.effective,
            article=limit.article,
            basis="none",
            note=note,
            parties=[party],
        )
        for limit in treaty.limits
        if limit.scope == "party" and (not limit.parties or party in limit.parties)
    ]
    return PartyResult(
        party=party,
        status="withdrawn",
        declaration_as_of=None,
        declaration_kind=None,
        limits=limits,
        withdrawn_on=on,
        flags=[f"withdrawn: withdrawal effective {on}; limits not evaluated"],
    )


def _flag_group_violations(parties: list[PartyResult], groups: list[ScopeResult]) -> None:
    """Name, in each member's own record, a group limit that its group violates."""
    by_party = {p.party: p for p in parties}
    for g in groups:
        for x in g.limits:
            if x.status != "violation":
                continue
            for member in g.covers:
                if member in by_party:
                    by_party[member].flags.append(
                        f"group {g.group}: {x.id} violated ({x.value:,} > {x.max:,})"
                    )


def _flag_data(
    result: PartyResult,
    treaty: Treaty,
    decl: Declaration | None,
    at: dt.date,
    in_force: bool,
) -> None:
    expected = expected_data_date(treaty, at) if in_force else None
    if expected is not None and (decl is None or decl.as_of < expected[0]):
        result.stale = True
        have = f"latest data as of {decl.as_of}" if decl else "no data"
        result.flags.append(f"stale: {have}; data as of {expected[0]} were due by {expected[1]}")
    if result.unverified:
        result.flags.append("unverified figures: " + ", ".join(result.unverified))


def _evaluate_limit(
    treaty: Treaty,
    limit: Limit,
    decl: Declaration | None,
    at: dt.date,
    interpretation: str | None,
    weights: WeightCache,
    party: str | None = None,
    declarations: DeclarationSet | None = None,
) -> LimitResult:
    in_force, timing = _timing(treaty, limit, at, party)
    rule = treaty.counting_rule(limit.id, interpretation, at)
    zones = limit.zones or None  # a zone limit, or one party's holdings in named zones
    value, basis, parts, note = _figure(limit, rule, decl, zones, interpretation, weights)
    exact = sum(p.contribution for p in parts) if value is not None else None
    fractional = isinstance(exact, float) and not exact.is_integer()
    if fractional:
        note = "; ".join(n for n in (note, f"exact figure {exact:,.3f}, rounded up") if n)
    ceiling, step, ceiling_note = _ceiling(treaty, limit, party, decl, declarations, at)
    if ceiling_note:
        note = "; ".join(n for n in (note, ceiling_note) if n)
    if value is None or (ceiling is None and timing == "in-force"):
        status: LimitStatus = timing if timing != "in-force" else "no-data"
    elif timing != "in-force":
        status = timing
    else:
        assert ceiling is not None
        status = "compliant" if value <= ceiling else "violation"
    provenance = _weakest_provenance(parts)
    return LimitResult(
        id=limit.id,
        title=limit.title,
        value=value,
        max=limit.maximum if ceiling is None else ceiling,
        in_force=in_force,
        status=status,
        effective=treaty.limit_effective(limit, party),
        article=limit.article,
        basis=basis,
        parts=parts,
        provenance=provenance,
        note=note,
        step=step,
        exact=float(exact) if fractional and exact is not None else None,
        limit_provenance=limit.provenance,
    )


def _ceiling(
    treaty: Treaty,
    limit: Limit,
    party: str | None,
    decl: Declaration | None,
    declarations: DeclarationSet | None,
    at: dt.date,
) -> tuple[int | None, str, str]:
    """The maximum that applies to ``party`` at ``at``, which step set it, and any note.

    Fixed limits give ``maximum``. A phased limit takes its latest step on or before ``at``
    (each step's date for this party, after any extension); a fraction is of the party's
    declared baseline, rounded down; a formula is evaluated over declared figures.
    """
    if limit.formula is not None:
        values: list[int] = []
        for term in limit.formula.terms:
            if term.constant is not None:
                values.append(term.constant)
                continue
            assert term.of is not None
            ref = FigureRef(measure=term.of, as_of=term.as_of)
            figure = _reference(ref, party, decl, declarations)
            if figure is None:
                return None, "", f"formula needs {term.of} ({term.as_of}), not declared"
            share = term.percent / 100 if term.percent is not None else term.fraction or 0.0
            values.append(math.floor(share * figure + 1e-9))
        result = {"max": max(values), "min": min(values), "sum": sum(values)}[limit.formula.op]
        shown = ", ".join(f"{v:,}" for v in values)
        return result, f"{limit.formula.op}({shown})", ""
    maximum: int | None = limit.maximum
    fraction = limit.fraction
    step = ""
    if limit.fraction is not None:
        maximum = None
    for i, day in enumerate(treaty.phase_dates(limit, party)):
        if day > at:
            break
        phase = limit.phases[i]
        maximum, fraction = phase.maximum, phase.fraction
        step = f"step {i + 1} from {day} ({phase.article})"
    if fraction is None:
        return maximum, step, ""
    assert limit.baseline is not None  # checked by the schema
    baseline = _reference(limit.baseline, party, decl, declarations)
    if baseline is None:
        return None, step, f"baseline {limit.baseline.measure} not declared"
    ceiling = math.floor(fraction * baseline + 1e-9)
    basis = f"{fraction:.0%} of baseline {baseline:,}"
    return ceiling, f"{step}: {basis}" if step else basis, ""


def _reference(
    ref: FigureRef,
    party: str | None,
    decl: Declaration | None,
    declarations: DeclarationSet | None,
) -> int | None:
    """A declared figure: the party's first declaration's (its baseline) or the latest's."""
    source = decl
    if ref.as_of == "first":
        first = declarations.for_party(party) if declarations and party else []
        provided = [d for d in first if d.status == "provided"]
        source = provided[0] if provided else None
    if source is None:
        return None
    figure = source.limits.get(ref.measure)
    if figure is not None:
        return figure.value
    key = parse_component_measure(ref.measure)
    if key is None:
        return None
    component = source.components.get(key)
    if component is None:
        return 0 if source.kind == "items" else None
    return component.value


def _timing(
    treaty: Treaty, limit: Limit, at: dt.date, party: str | None = None
) -> tuple[bool, Literal["in-force", "not-in-force", "expired"]]:
    expiry = treaty.expiry_on()
    if (expiry is not None and at >= expiry) or (limit.ends is not None and at >= limit.ends):
        return False, "expired"
    if at < treaty.entry_into_force_for(party) or at < treaty.limit_effective(limit, party):
        return False, "not-in-force"
    return True, "in-force"


def _figure(
    limit: Limit,
    rule: CountingRule,
    decl: Declaration | None,
    zones: list[str] | None,
    interpretation: str | None,
    cache: WeightCache,
) -> tuple[
    int | None, Literal["declared-figure", "components", "adjusted", "none"], list[Part], str
]:
    if decl is None:
        return None, "none", [], "no declaration on or before this date"
    weights = cache(rule, zones)
    if decl.kind == "items":
        # An item-level declaration lists every item: a component it lacks has no items.
        parts = [
            Part(component_measure(k), w, _value(decl, k), _provenance(decl, k))
            for k, w in sorted(weights.items())
        ]
        return _whole(sum(p.contribution for p in parts)), "components", parts, ""
    if all(key in decl.components for key in weights):
        parts = [
            Part(component_measure(k), w, decl.components[k].value, decl.components[k].provenance)
            for k, w in sorted(weights.items())
        ]
        return _whole(sum(p.contribution for p in parts)), "components", parts, ""
    declared = decl.limits.get(limit.id)
    if declared is None:
        absent = sorted(component_measure(k) for k in weights if k not in decl.components)
        return None, "none", [], "not declared; missing " + ", ".join(absent)
    parts = [Part(limit.id, 1, declared.value, declared.provenance)]
    if rule is limit.counting:
        return declared.value, "declared-figure", parts, declared.note
    # Interpretation: adjust the declared figure by the components whose weight it changes.
    base = cache(limit.counting, zones)
    delta = {k: weights.get(k, 0) - base.get(k, 0) for k in set(weights) | set(base)}
    delta = {k: d for k, d in delta.items() if d}
    absent = sorted(component_measure(k) for k in delta if k not in decl.components)
    if absent:
        note = f"interpretation {interpretation!r} needs {', '.join(absent)}, not declared"
        return None, "none", parts, note
    for key, d in sorted(delta.items()):
        fig = decl.components[key]
        parts.append(Part(component_measure(key), d, fig.value, fig.provenance))
    return (
        _whole(sum(p.contribution for p in parts)),
        "adjusted",
        parts,
        f"adjusted under {interpretation!r}",
    )


def _weakest_provenance(parts: Sequence[Part]) -> str:
    """A figure is as good as its weakest part: ``M`` (unverified) over ``D`` over ``C``."""
    provenances = {p.provenance for p in parts}
    return "M" if "M" in provenances else ("D" if "D" in provenances else "C")


def _whole(value: Number) -> int:
    """A figure as an integer: fractional weights' sums are rounded up.

    Maxima are whole numbers, so ``ceil(x) <= max`` exactly when ``x <= max``: rounding up
    keeps every verdict; the exact sum is kept as ``LimitResult.exact``.
    """
    if isinstance(value, float):
        return math.ceil(value - 1e-9)
    return value


def _value(decl: Declaration, key: ComponentKey) -> int:
    figure = decl.components.get(key)
    return figure.value if figure else 0


def _provenance(decl: Declaration, key: ComponentKey) -> str:
    figure = decl.components.get(key)
    return figure.provenance if figure else "C"


def _party_status(limits: list[LimitResult], treaty: Treaty, at: dt.date, *, has_data: bool) -> str:
    in_force = [x for x in limits if x.in_force]
    if any(x.status == "violation" for x in in_force):
        return "violation"
    if in_force:
        return "compliant" if has_data and all(x.value is not None for x in in_force) else "no-data"
    return "not-in-force" if _before_expiry(treaty, at) else "expired"


def _before_expiry(treaty: Treaty, at: dt.date) -> bool:
    expiry = treaty.expiry_on()
    return expiry is None or at < expiry


def _combine(statuses: list[str], treaty: Treaty, at: dt.date) -> str:
    """The top-level status, by the party rule.

    A violation anywhere, else compliant if any limit in force could be evaluated. A party
    without data is flagged in its own record and makes the whole ``no-data`` only when
    nothing in force could be evaluated at all.
    """
    for status in ("violation", "compliant", "no-data"):
        if status in statuses:
            return status
    if statuses and all(s == "withdrawn" for s in statuses):
        return "withdrawn"
    return "not-in-force" if _before_expiry(treaty, at) else "expired"


def _evaluate_groups(
    treaty: Treaty,
    latest: dict[str, Declaration | None],
    at: dt.date,
    interpretation: str | None,
    weights: WeightCache,
) -> list[ScopeResult]:
    results: list[ScopeResult] = []
    for group, members in treaty.parties.groups.items():
        limits = [x for x in treaty.limits if x.scope != "party" and group in x.groups]
        if not limits:
            continue
        withdrawn = [m for m in members if treaty.withdrawn_on(m, at) is not None]
        covers = [m for m in members if m not in withdrawn]
        evaluated = [
            _evaluate_group_limit(
                treaty, limit, covers, withdrawn, latest, at, interpretation, weights
            )
            for limit in limits
        ]
        if not covers:
            status = "withdrawn"
        else:
            has_data = all(x.value is not None for x in evaluated)
            status = _party_status(evaluated, treaty, at, has_data=has_data)
        results.append(ScopeResult(group, list(members), status, evaluated, covers, withdrawn))
    return results


def _evaluate_group_limit(
    treaty: Treaty,
    limit: Limit,
    covers: list[str],
    withdrawn: list[str],
    latest: dict[str, Declaration | None],
    at: dt.date,
    interpretation: str | None,
    weights: WeightCache,
) -> LimitResult:
    """A group's figure is the sum of its members'; a member without data leaves a lower bound.

    The known sum is a lower bound of the true figure (holdings are never negative), so when it
    already exceeds the limit the group is in violation whatever the missing members hold.
    """
    in_force, timing = _timing(treaty, limit, at)
    member_results = {
        m: _evaluate_limit(treaty, limit, latest.get(m), at, interpretation, weights, m)
        for m in covers
    }
    known = {m: r for m, r in member_results.items() if r.value is not None}
    missing = [m for m in covers if m not in known]
    known_total = sum(r.value for r in known.values() if r.value is not None)
    parts = [Part(f"{m}:{limit.id}", 1, r.value or 0, r.provenance) for m, r in known.items()]
    notes: list[str] = []
    if withdrawn:
        notes.append(f"not counted (withdrawn): {', '.join(withdrawn)}")
    value: int | None = known_total
    lower_bound = False
    if not covers:
        status: LimitStatus = "withdrawn"
        value = None
    elif missing:
        notes.append(f"no data for {', '.join(missing)}; declared members total {known_total:,}")
        if timing == "in-force" and known and known_total > limit.maximum:
            status, lower_bound = "violation", True
            notes.append("a lower bound that already exceeds the limit")
        else:
            status = timing if timing != "in-force" else "no-data"
            value = None
    elif timing != "in-force":
        status = timing
    else:
        status = "compliant" if known_total <= limit.maximum else "violation"
    provenance = _weakest_provenance(parts)
    return LimitResult(
        id=limit.id,
        title=limit.title,
        value=value,
        max=limit.maximum,
        in_force=in_force,
        status=status,
        effective=limit.effective,
        article=limit.article,
        basis="components" if value is not None else "none",
        parts=parts,
        provenance=provenance,
        note="; ".join(notes),
        parties=list(covers),
        missing=missing,
        lower_bound=lower_bound,
    )
