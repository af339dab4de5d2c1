"""Declarations as the compliance engine sees them: small, reduced figures per party and date.

Item-level inventories can hold millions of rows, so they are reduced once, column-wise, to
*components*: for each category, status and zone, the number of items and the sum of each numeric
attribute. Aggregate declarations name the same components directly (``icbm-launcher/deployed``,
``icbm-launcher/deployed/warheads``) or give a limit's figure outright. Either way a counting rule
becomes a weighted sum over components, which is why the item and aggregate paths agree.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from armsctl.treaty.schema import Condition, Treaty, conditions_label

__all__ = [
    "ComponentKey",
    "Declaration",
    "DeclarationSet",
    "Figure",
    "ItemSource",
    "aggregate_measures",
    "component_measure",
    "counting_conditions",
    "measure_problem",
    "parse_component_measure",
]

ALL_ZONES = ""


@dataclass(frozen=True, slots=True, order=True)
class ComponentKey:
    """Items of one category and status (in one zone, or all zones), counted or summed.

    ``quantity`` is ``"count"`` or the id of a numeric attribute whose sum is meant; ``where``
    the label of attribute conditions the items must meet (``range-km>=500<=5500``), if any.
    """

    category: str
    status: str
    quantity: str = "count"
    zone: str = ALL_ZONES
    where: str = ""


def component_measure(key: ComponentKey) -> str:
    """The measure name of a component in an aggregate declaration."""
    name = f"{key.category}/{key.status}"
    if key.quantity != "count":
        name += f"/{key.quantity}"
    if key.where:
        name += f"[{key.where}]"
    if key.zone:
        name += f"@{key.zone}"
    return name


def parse_component_measure(measure: str) -> ComponentKey | None:
    """Read ``category/status[/attribute][[where]][@zone]``; ``None`` when not of that form."""
    body, _, zone = measure.partition("@")
    where = ""
    if body.endswith("]") and "[" in body:
        body, _, where = body[:-1].partition("[")
    parts = body.split("/")
    if len(parts) == 2:
        return ComponentKey(parts[0], parts[1], "count", zone, where)
    if len(parts) == 3:
        return ComponentKey(parts[0], parts[1], parts[2], zone, where)
    return None


def aggregate_measures(treaty: Treaty) -> set[str]:
    """The measures an aggregate declaration gives outright: limit ids and declared figures.

    A declared figure (the Vienna Document's ``units``) is read like a limit's value.
    """
    return {x.id for x in treaty.limits} | {f.id for f in treaty.declared_figures}


def counting_conditions(treaty: Treaty) -> dict[str, list[Condition]]:
    """Every set of attribute conditions a counting term uses (limits and interpretations).

    Keyed by label (``range-km>=500<=5500``): the only ``[where]`` a component measure may
    carry, since no counting rule reads any other.
    """
    rules = [x.counting for x in treaty.limits]
    rules += [r for i in treaty.interpretations for r in i.overrides.values()]
    return {conditions_label(t.where): t.where for rule in rules for t in rule.terms if t.where}


def measure_problem(measure: str, treaty: Treaty) -> str | None:
    """What is wrong with a measure of an aggregate declaration; ``None`` if the treaty has it.

    The one check of a measure: the file reader and the service both ask it, so that the same
    bad measure reads the same from a file and from the API. The message names the part of
    the measure at fault (its category, status, attribute, zone or condition) and its value.
    """
    if measure in aggregate_measures(treaty):
        return None
    key = parse_component_measure(measure)
    if key is None:
        return (
            f"unknown measure {measure!r} (a limit id, a declared figure, or "
            "category/status[/attribute][@zone])"
        )
    try:
        category = treaty.category(key.category)
    except KeyError:
        return f"unknown category {key.category!r}"
    if key.status not in category.statuses:
        return f"category {key.category!r} has no status {key.status!r}"
    if key.quantity != "count" and key.quantity not in category.attributes:
        return f"category {key.category!r} has no attribute {key.quantity!r}"
    if key.zone and key.zone not in {z.id for z in treaty.zones}:
        return f"unknown zone {key.zone!r}"
    if key.where:
        known = sorted(counting_conditions(treaty))
        if key.where not in known:
            return f"unknown condition [{key.where}] (the treaty's: {', '.join(known) or 'none'})"
    return None


@dataclass(frozen=True, slots=True)
class Figure:
    """One declared number with where it came from and how sure the source is."""

    value: int
    provenance: str = "C"
    source: str = ""
    note: str = ""


@dataclass(slots=True)
class Declaration:
    """What one party declared as of one date, from one file.

    ``status = "not-provided"`` records a declaration that was due but not given (New START,
    Russia, as of 2023-03-01): it carries no figures, and compliance says so.
    """

    party: str
    as_of: dt.date
    kind: Literal["aggregate", "items"]
    origin: str
    status: Literal["provided", "not-provided"] = "provided"
    limits: dict[str, Figure] = field(default_factory=dict)
    components: dict[ComponentKey, Figure] = field(default_factory=dict)
    note: str = ""

    def unverified(self) -> list[str]:
        """Measures in this declaration whose source is tagged unverified (``M``)."""
        names = [k for k, f in self.limits.items() if f.provenance == "M"]
        names += [component_measure(k) for k, f in self.components.items() if f.provenance == "M"]
        return sorted(names)


@dataclass(frozen=True, slots=True)
class ItemSource:
    """A validated item-level file; kept so that explanations and diffs can read the items."""

    path: Path
    fmt: str
    columns: tuple[str, ...]

    def relation_sql(self, *, row_numbers: bool = True) -> str:
        """A DuckDB table expression over the file, with a 0-based ``__row`` column if asked.

        Row numbers cost a window (CSV, JSON) or an extra column (Parquet): the hot paths
        that only aggregate leave them out.
        """
        quoted = str(self.path).replace("'", "''")
        if self.fmt == "parquet":
            if not row_numbers:
                return f"read_parquet('{quoted}')"
            return f"(SELECT *, file_row_number AS __row FROM read_parquet('{quoted}', file_row_number = true))"
        if self.fmt == "csv":
            scan = f"read_csv('{quoted}', header = true, all_varchar = true, parallel = false)"
        else:
            scan = f"read_json('{quoted}', format = 'array', records = true)"
        if not row_numbers:
            return scan
        return f"(SELECT *, row_number() OVER () - 1 AS __row FROM {scan})"

    def locate(self, row: int) -> str:
        """How a user finds row ``row``: a line in CSV, a record in JSON, a row in Parquet."""
        if self.fmt == "csv":
            return f"line {row + 2}"
        if self.fmt == "json":
            return f"record {row + 1}"
        return f"row {row + 1}"


@dataclass(slots=True)
class DeclarationSet:
    """Every declaration read for one treaty, keyed by party and date."""

    treaty: Treaty
    declarations: list[Declaration]
    item_sources: list[ItemSource]
    _index: dict[tuple[str, str], tuple[list[dt.date], list[Declaration]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def for_party(self, party: str) -> list[Declaration]:
        """The party's declarations, oldest first."""
        return sorted((d for d in self.declarations if d.party == party), key=lambda d: d.as_of)

    def latest(self, party: str, at: dt.date, status: str = "provided") -> Declaration | None:
        """The party's latest declaration of ``status`` on or before ``at``.

        A history evaluates every date, so the per-party index is built once and searched
        by bisection; treat the set as read-only after the first call.
        """
        key = (party, status)
        if key not in self._index:
            chosen = sorted(
                (d for d in self.declarations if d.party == party and d.status == status),
                key=lambda d: d.as_of,
            )
            self._index[key] = ([d.as_of for d in chosen], chosen)
        days, chosen = self._index[key]
        position = bisect.bisect_right(days, at)
        return chosen[position - 1] if position else None

    def parties(self) -> list[str]:
        """Parties that declared anything, sorted."""
        return sorted({d.party for d in self.declarations})

    def dates(self) -> list[dt.date]:
        """Every declaration date, sorted."""
        return sorted({d.as_of for d in self.declarations})
