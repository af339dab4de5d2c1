"""A draft against baselines: required cuts, optimal eliminations and schedules per party.

This joins the pure parts (cuts, schedules) into the document ``armsctl workbench cuts`` prints:
``{"draft", "parties": [{"party", "baseline_source", "baseline_as_of", "limits": [...],
"schedule": [...], "peak_per_year": {...}, ...}], "findings": [...]}``.

A limit's *steps* are its start (``effective``, ``maximum``) and each of its ``phases``, with the
dates that apply to the party (rules and extensions resolved by the treaty). The final step is
what the cuts must reach (``max``); every earlier step is a milestone of the schedule, as is each
``--milestone``. A step given as a fraction is a fraction of the party's baseline figure for the
limit's ``baseline`` measure, rounded down, as the compliance engine computes it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from armsctl.errors import InputError, ParameterError
from armsctl.treaty.schema import Limit, Treaty
from armsctl.workbench.baselines import Baseline
from armsctl.workbench.cuts import limit_rows, optimise_cuts, parse_count_option
from armsctl.workbench.schedule import (
    Milestone,
    Shortfall,
    anniversary,
    min_peak_schedule,
    years_until,
)

__all__ = [
    "Options",
    "Step",
    "analyse",
    "compare",
    "limit_steps",
    "parse_capacity",
    "parse_milestone",
]


@dataclass(frozen=True, slots=True)
class Step:
    """At most ``maximum`` from ``date`` on; ``source`` says where the step comes from."""

    date: dt.date
    maximum: int
    source: str  # "draft" (the treaty file) or "--milestone"
    article: str = ""


def limit_steps(draft: Treaty, limit: Limit, baseline: Baseline) -> list[Step]:
    """The limit's steps for the party, the last being the final ceiling.

    Raises:
        InputError: a step is a fraction of a baseline measure the party's baseline lacks.
    """
    from armsctl.inventory.model import parse_component_measure

    party = baseline.party
    try:
        start = draft.limit_effective(limit, party)
        dates = draft.phase_dates(limit, party)
    except (KeyError, ValueError):  # a party the treaty has no dates for: the written dates
        start, dates = limit.effective, [p.date for p in limit.phases]

    def ceiling(maximum: int | None, fraction: float | None) -> int:
        if fraction is None:
            assert maximum is not None
            return maximum
        assert limit.baseline is not None  # checked by the schema
        measure = limit.baseline.measure
        base = baseline.limits.get(measure)
        key = parse_component_measure(measure)
        if base is None and key is not None:
            base = baseline.components.get(key)
        if base is None:
            raise InputError(
                f"--baseline {party}={baseline.source}: limit {limit.id} is a fraction of "
                f"{measure}, which this baseline does not give"
            )
        return math.floor(fraction * base + 1e-9)

    steps = [Step(start, ceiling(limit.maximum, limit.fraction), "draft", limit.article)]
    for day, phase in zip(dates, limit.phases, strict=True):
        steps.append(Step(day, ceiling(phase.maximum, phase.fraction), "draft", phase.article))
    return steps


@dataclass(slots=True)
class Options:
    """What the user chose beyond the draft and baselines."""

    years: int | None = None
    milestones: list[tuple[str, dt.date, int]] = field(default_factory=list)
    capacity: dict[str, int] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)
    loading: dict[str, int] = field(default_factory=dict)


def parse_milestone(text: str) -> tuple[str, dt.date, int]:
    """Read ``LIMIT@DATE=MAX``: the limit's figure must be at most ``MAX`` by ``DATE``."""
    head, sep, raw = text.partition("=")
    limit, at, day = head.partition("@")
    if not sep or not at:
        raise ParameterError(f"--milestone {text!r}: expected LIMIT@YYYY-MM-DD=MAX")
    try:
        due = dt.date.fromisoformat(day.strip())
        value = int(raw.strip())
    except ValueError:
        raise ParameterError(f"--milestone {text!r}: expected LIMIT@YYYY-MM-DD=MAX") from None
    if value < 0:
        raise ParameterError(f"--milestone {text!r}: a maximum must not be negative")
    return limit.strip(), due, value


def parse_capacity(text: str) -> tuple[str, int]:
    """Read ``LIMIT=N``: at most ``N`` of the limit's units eliminated per year."""
    return parse_count_option(text, "--capacity", "LIMIT=N", "expected LIMIT=N")


def analyse(
    draft: Treaty, baselines: list[Baseline], options: Options | None = None
) -> dict[str, Any]:
    """Cuts and schedules of every party, as the contract document.

    Raises:
        InputError: a milestone, capacity, cost or fixed cut names an unknown limit or cell,
            or the years are not positive.
    """
    opts = options or Options()
    limit_ids = [x.id for x in draft.limits if x.scope == "party"]
    for key in [m[0] for m in opts.milestones]:
        if key not in limit_ids:
            raise InputError(f"--milestone {key}: unknown limit (limits: {', '.join(limit_ids)})")
    categories = [c.id for c in draft.categories]
    for key in opts.capacity:
        if key not in limit_ids and key not in categories:
            raise InputError(
                f"--capacity {key}: not a limit or category of {draft.id} "
                f"(limits: {', '.join(limit_ids)}; categories: {', '.join(categories)})"
            )
    if opts.years is not None and opts.years < 1:
        raise InputError(f"--years must be at least 1, got {opts.years}")
    parties = [_party(draft, b, opts) for b in baselines]
    findings = [f for p in parties for f in p["findings"]]
    return {
        "draft": draft.id,
        "title": draft.short_title,
        "parties": parties,
        "findings": findings,
        "assumptions": _assumptions(opts),
    }


def _party(draft: Treaty, baseline: Baseline, opts: Options) -> dict[str, Any]:
    limits = {x.id: x for x in draft.limits}
    steps: dict[str, list[Step]] = {}
    unknown_base: dict[str, InputError] = {}
    for x in draft.limits:
        if x.scope == "party":
            try:
                steps[x.id] = limit_steps(draft, x, baseline)
            except InputError as exc:
                unknown_base[x.id] = exc
    maxima = {k: v[-1].maximum for k, v in steps.items()}
    model, rows, cells = limit_rows(draft, baseline.components or None, maxima=maxima)
    missing = [r.id for r in rows if r.id not in baseline.limits]
    if model == "limits":
        rows = [r for r in rows if r.id in baseline.limits]
        cells = {r.id: baseline.limits[r.id] for r in rows}
    for r in rows:
        if r.id in unknown_base:
            raise unknown_base[r.id]
    if not rows:
        raise InputError(
            f"--baseline {baseline.party}={baseline.source}: gives no figure for any limit of "
            f"{draft.id}"
        )
    start = baseline.as_of
    final_due = {k: v[-1].date for k, v in steps.items()}
    horizon = opts.years or max([1] + [years_until(start, final_due[r.id]) for r in rows])
    caps = {
        category: cap
        * min(horizon, years_until(start, _category_due(draft, category, start, opts)))
        for category, cap in opts.capacity.items()
        if model == "components" and category not in limits
    }
    if opts.loading and model != "components":
        raise InputError("--loading needs a baseline that declares components")
    plan = optimise_cuts(
        rows, cells, model=model, costs=opts.costs, fixed=opts.fixed, loading=opts.loading
    )
    if model == "limits" and any(k not in limits for k in opts.capacity):
        plan.notes.append(
            "a per-category capacity needs a baseline with components; it is not applied here"
        )
    if caps:
        try:  # prefer cuts that the per-category capacity can carry, if there are any
            plan = optimise_cuts(
                rows,
                cells,
                model=model,
                costs=opts.costs,
                fixed=opts.fixed,
                caps=caps,
                loading=opts.loading,
            )
        except InputError:
            plan.notes.append(
                "no cuts fit the per-category capacity: the schedule reports the shortfall"
            )
    schedule_rows: dict[str, list[int]] = {}
    peaks: dict[str, int] = {}
    findings: list[dict[str, Any]] = []
    milestones: dict[str, list[dict[str, Any]]] = {}
    for cut in plan.limits:
        due = anniversary(start, opts.years) if opts.years else final_due[cut.id]
        wanted = list(steps[cut.id][:-1])
        wanted += [Step(day, m, "--milestone") for k, day, m in opts.milestones if k == cut.id]
        wanted.sort(key=lambda st: st.date)
        milestones[cut.id] = [
            {
                "date": st.date.isoformat(),
                "max": st.maximum,
                "required_cut": max(0, cut.baseline - st.maximum),
                "source": st.source,
                "final": False,
            }
            for st in wanted
        ] + [
            {
                "date": due.isoformat(),
                "max": cut.max,
                "required_cut": cut.required_cut,
                "source": "--years" if opts.years else "draft",
                "final": True,
            }
        ]
        if cut.required_cut == 0:
            continue
        label = f"{cut.id} <= {cut.max:,} by {due}"
        stones = [Milestone(due, cut.required_cut, label)]
        for st in wanted:
            need = max(0, cut.baseline - st.maximum)
            what = "milestone of the draft" if st.source == "draft" else "--milestone"
            stones.append(
                Milestone(st.date, need, f"{cut.id} <= {st.maximum:,} by {st.date} ({what})")
            )
        sched = min_peak_schedule(start, horizon, stones, capacity=opts.capacity.get(cut.id))
        schedule_rows[cut.id] = sched.per_year
        peaks[cut.id] = sched.peak
        if sched.shortfall is not None:
            s = sched.shortfall
            message = (
                f"{baseline.party}: milestone {s.label} cannot be met: needs "
                f"{s.required:,} eliminations, at most {s.achievable:,} possible "
                f"(short by {s.shortfall:,})"
            )
            findings.append(_shortfall_finding(baseline.party, cut.id, s, message))
    by_category, category_peaks = _category_schedule(
        draft,
        baseline,
        plan.cuts if plan.model == "components" else {},
        start,
        horizon,
        opts,
        findings,
    )
    stepped = any(m["required_cut"] for v in milestones.values() for m in v if not m["final"])
    if by_category and stepped:
        plan.notes.append(
            "the per-category schedule meets each category's final date only; the intermediate "
            "milestones are met by the per-limit schedule"
        )
    schedule = [
        {
            "year": start.year + t + 1,
            "ends": anniversary(start, t + 1).isoformat(),
            "eliminations": {k: v[t] for k, v in schedule_rows.items()},
        }
        for t in range(horizon)
    ]
    return {
        "party": baseline.party,
        "baseline_source": baseline.source,
        "baseline_as_of": baseline.as_of.isoformat(),
        "limits": [
            {
                "id": c.id,
                "baseline": c.baseline,
                "max": c.max,
                "required_cut": c.required_cut,
                "binding": c.binding,
                "after": c.after,
                "effective": limits[c.id].effective.isoformat(),
                "due": milestones[c.id][-1]["date"],
                "milestones": milestones[c.id],
                "unverified": _unverified(draft, c.id, baseline),
                "upper_bound": c.id in baseline.upper_bounds,
            }
            for c in plan.limits
        ],
        "not_in_baseline": missing,
        "schedule": schedule,
        "peak_per_year": peaks,
        "category_schedule": [
            {"year": start.year + t + 1, "eliminations": {k: v[t] for k, v in by_category.items()}}
            for t in range(horizon)
        ]
        if by_category
        else [],
        "category_peak_per_year": category_peaks,
        "optimisation": {
            "model": plan.model,
            "cuts": plan.cuts,
            "total_eliminations": plan.total,
            "objective": plan.objective,
            "notes": plan.notes,
        },
        "findings": findings,
        "sources": baseline.sources,
        "counting_notes": baseline.counting_notes,
        "unverified": baseline.unverified,
    }


def _unverified(draft: Treaty, limit_id: str, baseline: Baseline) -> bool:
    """Whether the limit's baseline figure rests on a figure tagged unverified.

    ``baseline.unverified`` names limits (``ID (why)``) or the declared measures behind them
    (components such as ``category-1-agent/held``).
    """
    from armsctl.compliance import rule_weights
    from armsctl.inventory.model import component_measure

    names = {u.split(" ")[0] for u in baseline.unverified}
    if limit_id in names:
        return True
    try:
        counted = {component_measure(k) for k in rule_weights(draft.limit(limit_id).counting)}
    except ValueError:  # fractional weights: compare by category and status only
        counted = set()
    return bool(counted & names)


def _category_schedule(
    draft: Treaty,
    baseline: Baseline,
    cuts: dict[str, int],
    start: dt.date,
    horizon: int,
    opts: Options,
    findings: list[dict[str, Any]],
) -> tuple[dict[str, list[int]], dict[str, int]]:
    """Items eliminated per category and year (component model only), under category capacity.

    A category's items are due by the earliest deadline among the limits that count them; the
    schedule is minimal-peak, and a per-category ``--capacity`` that cannot carry it is a finding.
    """
    items: dict[str, int] = {}
    for cell, n in cuts.items():
        parts = cell.split("/")
        if len(parts) == 2:  # item counts, not attribute sums
            items[parts[0]] = items.get(parts[0], 0) + n
    out: dict[str, list[int]] = {}
    peaks: dict[str, int] = {}
    for category, total in sorted(items.items()):
        due = _category_due(draft, category, start, opts)
        label = f"{category}: {total:,} items eliminated by {due}"
        sched = min_peak_schedule(
            start, horizon, [Milestone(due, total, label)], capacity=opts.capacity.get(category)
        )
        out[category], peaks[category] = sched.per_year, sched.peak
        if sched.shortfall is not None:
            s = sched.shortfall
            message = (
                f"{baseline.party}: {s.label} cannot be met"
                + (" under the capacity" if category in opts.capacity else "")
                + f": at most {s.achievable:,} possible (short by {s.shortfall:,})"
            )
            findings.append(_shortfall_finding(baseline.party, category, s, message))
    return out, peaks


def _shortfall_finding(party: str, limit: str, s: Shortfall, message: str) -> dict[str, Any]:
    """A milestone the schedule cannot meet, as one finding of the analysis."""
    return {
        "party": party,
        "limit": limit,
        "milestone": s.label,
        "due": s.due.isoformat(),
        "required": s.required,
        "achievable": s.achievable,
        "shortfall": s.shortfall,
        "message": message,
    }


def _category_due(draft: Treaty, category: str, start: dt.date, opts: Options) -> dt.date:
    """When a category's eliminations are due: the earliest deadline of a limit counting it."""
    from armsctl.compliance import rule_weights

    if opts.years:
        return anniversary(start, opts.years)
    dues = [
        (draft.phase_dates(x)[-1] if x.phases else x.effective)
        for x in draft.limits
        if x.scope == "party" and any(k.category == category for k in rule_weights(x.counting))
    ]
    return min(dues) if dues else draft.dates.entry_into_force


def _assumptions(opts: Options) -> list[str]:
    out = [
        "required_cut = max(0, baseline - max) for every limit, in the limit's counting units",
        "year t is the twelve months ending on the t-th anniversary of the baseline date",
        "schedules minimise the peak year for each limit, spreading what remains evenly",
    ]
    if opts.years:
        out.append(f"every limit is met {opts.years} year(s) after the baseline date (--years)")
    else:
        out.append(
            "every limit is met by its final step in the draft (its effective date, or its last "
            "phase); earlier steps of a phased limit are milestones on the way"
        )
    out.append("a milestone is met by the eliminations of the years that end on or before its date")
    if opts.capacity:
        out.append(
            "per-year capacity: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(opts.capacity.items()))
        )
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two analyses side by side: per party and limit, each draft's maximum, cut and peak."""
    rows: list[dict[str, Any]] = []
    b_parties = {p["party"]: p for p in b["parties"]}
    for pa in a["parties"]:
        pb = b_parties.get(pa["party"])
        lb = {x["id"]: x for x in pb["limits"]} if pb else {}
        ids = [x["id"] for x in pa["limits"]] + [
            i for i in lb if i not in {x["id"] for x in pa["limits"]}
        ]
        la = {x["id"]: x for x in pa["limits"]}
        for limit_id in ids:
            xa, xb = la.get(limit_id), lb.get(limit_id)
            rows.append(
                {
                    "party": pa["party"],
                    "limit": limit_id,
                    "baseline": (xa or xb or {}).get("baseline"),
                    "max_a": xa["max"] if xa else None,
                    "max_b": xb["max"] if xb else None,
                    "cut_a": xa["required_cut"] if xa else None,
                    "cut_b": xb["required_cut"] if xb else None,
                    "peak_a": pa["peak_per_year"].get(limit_id, 0) if xa else None,
                    "peak_b": pb["peak_per_year"].get(limit_id, 0) if pb and xb else None,
                }
            )
    return {
        "a": a["draft"],
        "b": b["draft"],
        "rows": rows,
        "findings_a": a["findings"],
        "findings_b": b["findings"],
    }
