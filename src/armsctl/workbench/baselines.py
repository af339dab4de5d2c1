"""Baselines: what each party holds when negotiation starts, and where the figures come from.

A baseline holds a figure per limit (what the draft's counting rule gives) and, when the source
declares them, the components behind it (items per category and status, attribute sums), which
the cut optimiser needs to share eliminations between overlapping limits. Sources are the
treaty's bundled public record (``record@DATE``), a declaration file, a committed declaration's
public counts (``commitment:<file>``, or ``log:<index>`` read from the log by the CLI), or a
public estimate (``estimate:<id>``); a source written for another treaty's categories is refused.

A committed (item-level, committed-without-reveal) declaration publishes only the number of
items per category, whatever their status. A limit counting every status of its categories is
then known exactly; a limit counting some statuses only (deployed launchers) is known only as
an upper bound (the category's items, every status), so its required cut is the most it can be;
an attribute sum (warheads) or a limit with attribute conditions is not known at all.

This module builds baselines from data; :func:`armsctl.workbench.io.resolve_baseline` reads the
source a ``--baseline`` names (a declaration file, a commitment file, the bundled record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from armsctl.errors import InputError, ParameterError
from armsctl.inventory.model import ComponentKey, Declaration
from armsctl.treaty.schema import Treaty
from armsctl.workbench.estimates import Estimate

__all__ = [
    "Baseline",
    "baseline_from_commitment",
    "baseline_from_declaration",
    "baseline_from_estimates",
    "commitment_public",
    "merge_baselines",
    "parse_baseline_arg",
]


@dataclass(slots=True)
class Baseline:
    """One party's starting figures for a draft, with their provenance.

    ``limits`` maps a limit id to its figure; ``components`` the declared components (empty
    when only limit figures are known); ``unverified`` lists figures whose source is tagged
    unverified; ``sources`` and ``counting_notes`` are shown wherever the baseline is used.
    """

    party: str
    source: str
    as_of: dt.date
    limits: dict[str, int]
    components: dict[ComponentKey, int] = field(default_factory=dict)
    unverified: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    counting_notes: list[str] = field(default_factory=list)
    upper_bounds: list[str] = field(default_factory=list)


def parse_baseline_arg(text: str) -> tuple[str, str]:
    """Read ``PARTY=SOURCE``.

    Raises:
        ParameterError: not of that form.
    """
    party, sep, source = text.partition("=")
    party, source = party.strip(), source.strip()
    if not sep or not party or not source:
        raise ParameterError(
            f"--baseline {text!r}: expected PARTY=SOURCE (record@DATE, a file, commitment:FILE, "
            "log:INDEX or estimate:ID)"
        )
    return party, source


def baseline_from_declaration(treaty: Treaty, decl: Declaration, source: str) -> Baseline:
    """The figures of a declaration under the draft's counting rules.

    Limit figures come from the compliance engine (the same arithmetic ``armsctl check`` does);
    components are copied as declared.
    """
    from armsctl.compliance import evaluate
    from armsctl.inventory.model import DeclarationSet

    report = evaluate(treaty, DeclarationSet(treaty, [decl], []), decl.as_of)
    party_result = next(p for p in report.parties if p.party == decl.party)
    limits = {x.id: x.value for x in party_result.limits if x.value is not None}
    sources = sorted({f.source for f in decl.limits.values() if f.source})
    sources += sorted({f.source for f in decl.components.values() if f.source} - set(sources))
    return Baseline(
        party=decl.party,
        source=source,
        as_of=decl.as_of,
        limits=limits,
        components={k: f.value for k, f in decl.components.items()},
        unverified=decl.unverified(),
        sources=sources or [decl.origin],
        counting_notes=[f"declared under the counting rules of {treaty.id}"],
    )


def baseline_from_estimates(treaty: Treaty, party: str, records: list[Estimate]) -> Baseline:
    """A baseline from public estimates, each standing for the limit it is comparable to.

    Raises:
        InputError: a record is for another party, or not comparable to any of the draft's
            limits (another treaty's quantity, or a total no limit counts).
    """
    limits: dict[str, int] = {}
    notes: list[str] = []
    for record in records:
        where = f"estimate:{record.id}"
        if record.party != party:
            raise InputError(f"{where}: the record is for {record.party}, not {party}")
        target = record.comparable_limit()
        limit_ids = {x.id for x in treaty.limits}
        if target is None or target[1] not in limit_ids:
            stands = f"{target[0]}/{target[1]}" if target else f"its own measure {record.measure!r}"
            raise InputError(
                f"{where}: counts {stands}, which is not a limit of {treaty.id} "
                f"(limits: {', '.join(sorted(limit_ids))})"
            )
        if target[1] in limits:
            raise InputError(f"{where}: a second figure for {party} {target[1]}")
        limits[target[1]] = record.value
        notes.append(f"{record.id}: {record.counting_rule}")
    as_of = max(r.as_of for r in records)
    return Baseline(
        party=party,
        source=", ".join(f"estimate:{r.id}" for r in records),
        as_of=as_of,
        limits=limits,
        unverified=[
            f"{r.comparable_limit()[1]} (estimate:{r.id})"  # type: ignore[index]
            for r in records
            if not r.verified
        ],
        sources=[f"{r.publisher}: {r.url}" for r in records],
        counting_notes=notes,
    )


def commitment_public(doc: Any, where: str) -> dict[str, Any]:
    """The public declaration inside what ``armsctl commit`` prints, a reveal or a log entry.

    Accepts the public declaration itself (``scheme``, ``party``, ``date``, ``treaty``,
    ``counts``, ...; ``armsctl commit --format json`` adds ``index`` and ``entry_hash``), the
    opening file ``armsctl commit`` writes (its ``public`` part and log position only: the
    items and salts in it are not read), a reveal file (its ``declaration.public``), or a log
    entry whose ``body`` is one.

    Raises:
        InputError: none of those, or counts that are not whole numbers per category.
    """
    if isinstance(doc, dict) and isinstance(doc.get("declaration"), dict):
        doc = doc["declaration"].get("public")
    elif isinstance(doc, dict) and isinstance(doc.get("public"), dict) and "counts" not in doc:
        log: dict[str, Any] = doc["log"] if isinstance(doc.get("log"), dict) else {}
        doc = {**doc["public"], **({"index": log["index"]} if "index" in log else {})}
    elif isinstance(doc, dict) and isinstance(doc.get("body"), dict) and "counts" not in doc:
        doc = doc["body"]
    if not isinstance(doc, dict) or not isinstance(doc.get("counts"), dict):
        raise InputError(
            f"{where}: not a committed declaration (expected the public declaration that "
            "`armsctl commit --format json` prints, with party, date, treaty and counts)"
        )
    for key in ("party", "date", "treaty"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise InputError(f"{where}: field {key!r} must be a non-empty string")
    for category, n in doc["counts"].items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise InputError(f"{where}: counts.{category} must be a whole number >= 0, got {n!r}")
    return doc


def baseline_from_commitment(
    treaty: Treaty, party: str, public: dict[str, Any], source: str
) -> Baseline:
    """A baseline from a committed declaration's public counts (items per category).

    Raises:
        InputError: the declaration is by another party, has a bad date, or counts a category
            the draft does not have (another treaty's categories).
    """
    from armsctl.compliance import rule_weights

    where = f"--baseline {party}={source}"
    if public["party"] != party:
        raise InputError(f"{where}: the declaration is by {public['party']}, not {party}")
    try:
        as_of = dt.date.fromisoformat(public["date"][:10])
    except ValueError:
        raise InputError(f"{where}: bad date {public['date']!r}") from None
    categories = {c.id: c for c in treaty.categories}
    foreign = sorted(set(public["counts"]) - set(categories))
    if foreign:
        raise InputError(
            f"{where}: counts categories that are not in {treaty.id}: {', '.join(foreign)} "
            f"(categories: {', '.join(categories)})"
        )
    counts: dict[str, int] = {k: int(v) for k, v in public["counts"].items()}
    limits: dict[str, int] = {}
    bounds: list[str] = []
    unknown: list[str] = []
    for x in treaty.limits:
        if x.scope != "party":
            continue
        weights = rule_weights(x.counting)
        if any(k.quantity != "count" or k.where or w < 0 for k, w in weights.items()):
            unknown.append(x.id)
            continue
        by_category: dict[str, set[str]] = {}
        weight_of: dict[str, set[int]] = {}
        for key, w in weights.items():
            by_category.setdefault(key.category, set()).add(key.status)
            weight_of.setdefault(key.category, set()).add(w)
        if any(len(ws) > 1 for ws in weight_of.values()):  # statuses weighted differently
            unknown.append(x.id)
            continue
        limits[x.id] = sum(next(iter(weight_of[c])) * counts.get(c, 0) for c in by_category)
        partial = [c for c, st in by_category.items() if set(categories[c].statuses) - st]
        if partial:
            bounds.append(x.id)
    notes = [
        "a committed declaration publishes items per category only, whatever their status: "
        "the counts are the party's own, signed but not revealed"
    ]
    if bounds:
        notes.append(
            "upper bound (the category's items of every status): "
            + ", ".join(bounds)
            + "; the required cut shown is the most it can be"
        )
    if unknown:
        notes.append(
            "not known from public counts (attribute sums or conditions): " + ", ".join(unknown)
        )
    if public["treaty"] != treaty.id:
        notes.append(f"committed under {public['treaty']}, read with the categories of {treaty.id}")
    logged = public.get("index")
    origin = f"committed declaration by {party} as of {as_of}" + (
        f", log entry {logged}" if isinstance(logged, int) else ""
    )
    return Baseline(
        party=party,
        source=source,
        as_of=as_of,
        limits=limits,
        unverified=[f"{b} (upper bound from public counts)" for b in bounds],
        sources=[origin + f" (root {public.get('root', '?')})"],
        counting_notes=notes,
        upper_bounds=bounds,
    )


def merge_baselines(parts: list[Baseline]) -> Baseline:
    """Several sources for one party, as one baseline; a limit given twice is refused."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    merged = Baseline(first.party, "", first.as_of, {}, {})
    for part in parts:
        for limit, value in part.limits.items():
            if limit in merged.limits:
                raise InputError(f"--baseline {part.party}: {limit} is given by two sources")
            merged.limits[limit] = value
        for key, count in part.components.items():
            merged.components.setdefault(key, count)
        merged.unverified += part.unverified
        merged.sources += part.sources
        merged.counting_notes += part.counting_notes
        merged.upper_bounds += part.upper_bounds
    merged.source = " + ".join(p.source for p in parts)
    merged.as_of = max(p.as_of for p in parts)
    return merged
