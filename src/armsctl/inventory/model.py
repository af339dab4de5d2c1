"""Declarations as the compliance engine sees them: small, reduced figures per party and date.

Item-level inventories can hold millions of rows, so they are reduced once, column-wise, to
*components*: for each category, status and zone, the number of items and the sum of each numeric
attribute. Aggregate declarations name the same components directly (``icbm-launcher/deployed``,
``icbm-launcher/deployed/warheads``) or give a limit's figure outright. Either way a counting rule
becomes a weighted sum over components, which is why the item and aggregate paths agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ComponentKey",
    "Declaration",
    "Figure",
    "component_measure",
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
