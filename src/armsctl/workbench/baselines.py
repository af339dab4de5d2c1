"""Baselines: what each party holds when negotiation starts, and where the figures come from.

A baseline holds a figure per limit (what the draft's counting rule gives) and, when the source
declares them, the components behind it (items per category and status, attribute sums), which
the cut optimiser needs to share eliminations between overlapping limits. Sources are the
treaty's bundled public record (``record@DATE``), a declaration file, or a public estimate
(``estimate:<id>``); a source written for another treaty's categories is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from armsctl.errors import InputError, ParameterError
from armsctl.inventory.model import ComponentKey, Declaration
from armsctl.treaty.schema import Treaty
from armsctl.workbench.estimates import Estimate, estimate

__all__ = [
    "Baseline",
    "baseline_from_declaration",
    "baseline_from_estimates",
    "merge_baselines",
    "parse_baseline_arg",
    "resolve_baseline",
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


def parse_baseline_arg(text: str) -> tuple[str, str]:
    """Read ``PARTY=SOURCE``.

    Raises:
        ParameterError: not of that form.
    """
    party, sep, source = text.partition("=")
    party, source = party.strip(), source.strip()
    if not sep or not party or not source:
        raise ParameterError(
            f"--baseline {text!r}: expected PARTY=SOURCE (record@DATE, a file, or estimate:ID)"
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


def resolve_baseline(treaty: Treaty, party: str, source: str) -> Baseline:
    """Read one ``SOURCE`` for ``party``: ``record@DATE``, ``estimate:ID[,ID...]`` or a file.

    Raises:
        InputError: a bad date, a treaty without a public record, no declaration on or before
            the date, a file for another treaty's categories, an estimate that does not fit.
        NotFoundError: an unknown estimate id.
    """
    if party not in treaty.parties.members and not treaty.parties.open:
        raise InputError(
            f"--baseline {party}: not a party to {treaty.id} "
            f"(members: {', '.join(treaty.parties.members)})"
        )
    if source.startswith("estimate:"):
        ids = [s.strip() for s in source.removeprefix("estimate:").split(",") if s.strip()]
        if not ids:
            raise InputError(f"--baseline {party}={source}: name an estimate id")
        return baseline_from_estimates(treaty, party, [estimate(i) for i in ids])
    if source.startswith("record@"):
        from armsctl.treaty.loader import public_record_path

        raw = source.removeprefix("record@")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise InputError(
                f"--baseline {party}={source}: bad date {raw!r} (expected YYYY-MM-DD)"
            ) from None
        path = public_record_path(treaty)
        if path is None:
            raise InputError(f"--baseline {party}={source}: {treaty.id} ships no public record")
        return _from_file(treaty, party, path, day, source)
    path = Path(source)
    if not path.exists():
        raise InputError(
            f"--baseline {party}={source}: no such file (or use record@DATE or estimate:ID)"
        )
    return _from_file(treaty, party, path, None, source)


def _from_file(
    treaty: Treaty, party: str, path: Path, day: dt.date | None, source: str
) -> Baseline:
    from armsctl.inventory import read_declarations

    decls = read_declarations([path], treaty)
    at = day or dt.date.max
    decl = decls.latest(party, at)
    if decl is None:
        when = f" on or before {day}" if day else ""
        missing = decls.latest(party, at, "not-provided")
        extra = f" (as of {missing.as_of}: not provided)" if missing else ""
        raise InputError(f"--baseline {party}={source}: no declaration by {party}{when}{extra}")
    baseline = baseline_from_declaration(treaty, decl, source)
    missing = decls.latest(party, at, "not-provided")
    if missing is not None and missing.as_of > decl.as_of:
        baseline.counting_notes.append(
            f"{party}'s declaration as of {missing.as_of} was not provided: the latest provided "
            f"one, as of {decl.as_of}, is used"
        )
    return baseline


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
    merged.source = " + ".join(p.source for p in parts)
    merged.as_of = max(p.as_of for p in parts)
    return merged
