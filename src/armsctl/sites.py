"""The one ``Site``: a place items are declared at, inspected and observed.

Verification plans inspections over sites (each subject to one inspection type, with its declared
item count), monitoring weighs observations made at sites (each belonging to a party, with a
position), and the exercises plan and simulate over the sites of a scenario. They share this
type, so that a site read from a declaration, a site list, a GeoJSON file or a scenario is the
same value everywhere; the fields a domain does not use keep their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from armsctl.errors import ParameterError

__all__ = ["Site"]


@dataclass(frozen=True, slots=True)
class Site:
    """A declared site; ``id`` is its facility id in declarations and its name in plans.

    ``type`` is the inspection type it is subject to and ``items`` its declared item count (the
    planner's fields; ``""`` and 0 where a domain does not classify or count); ``party`` is the
    party it belongs to, ``title`` a display name and ``lon``/``lat`` its position (monitoring's
    fields).
    """

    id: str
    type: str = ""
    items: int = 0
    party: str = ""
    title: str = ""
    lon: float | None = None
    lat: float | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ParameterError("site name must not be empty")
        if isinstance(self.items, bool) or not isinstance(self.items, int) or self.items < 0:
            raise ParameterError(f"items of site {self.id} must be >= 0, got {self.items!r}")

    @property
    def name(self) -> str:
        """The site's name in plans, schedules and simulations: its ``id``."""
        return self.id
