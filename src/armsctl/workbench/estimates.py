"""Public figures on nuclear forces: treaty declarations and open-source estimates, with sources.

Every record names its publisher, URL, date and the counting rule it follows, because the same
words mean different quantities in different sources: FAS "deployed strategic warheads" include
bombs stored at bomber bases, while New START counts one warhead per deployed heavy bomber. A
record is ``verified`` only when its figure was confirmed in a stored copy of the source;
secondary reports ship with ``verified = false`` and say so wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from armsctl.errors import NotFoundError, ParameterError

if TYPE_CHECKING:
    from armsctl.monitoring import Observation

__all__ = [
    "Estimate",
    "estimate",
    "estimate_observation",
    "estimate_to_dict",
    "estimates",
]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One public figure: what it counts, for whom, as of when, and who says so."""

    id: str
    party: str
    measure: str
    value: int
    as_of: dt.date
    publisher: str
    url: str
    kind: Literal["declaration", "estimate"]
    counting_rule: str
    verified: bool
    tag: str
    approximate: bool = False
    comparable_to: str = ""
    note: str = ""

    def comparable_limit(self) -> tuple[str, str] | None:
        """``(treaty id, limit id)`` this figure may stand for as a baseline, if any."""
        if not self.comparable_to:
            return None
        treaty, _, limit = self.comparable_to.partition("/")
        return treaty, limit

    def label(self) -> str:
        """A short line for reports: value, date, publisher, and unverified when it is."""
        approx = "~" if self.approximate else ""
        flag = "" if self.verified else " (unverified: secondary source)"
        return f"{approx}{self.value:,} as of {self.as_of} ({self.publisher}){flag}"


@functools.cache
def estimates() -> tuple[Estimate, ...]:
    """Every bundled record, in file order."""
    text = resources.files("armsctl.workbench.data").joinpath("estimates.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return tuple(_record(r) for r in raw.get("estimates", []))


def _record(r: dict[str, Any]) -> Estimate:
    return Estimate(
        id=str(r["id"]),
        party=str(r["party"]),
        measure=str(r["measure"]),
        value=int(r["value"]),
        as_of=dt.date.fromisoformat(str(r["as_of"])),
        publisher=str(r["publisher"]),
        url=str(r["url"]),
        kind=r["kind"],
        counting_rule=str(r["counting_rule"]),
        verified=bool(r["verified"]),
        tag=str(r.get("tag", "V" if r["verified"] else "S")),
        approximate=bool(r.get("approximate", False)),
        comparable_to=str(r.get("comparable_to", "")),
        note=str(r.get("note", "")),
    )


def estimate(estimate_id: str) -> Estimate:
    """The record with this id.

    Raises:
        NotFoundError: no such record (the message says how to list them).
    """
    for record in estimates():
        if record.id == estimate_id:
            return record
    raise NotFoundError(f"unknown estimate {estimate_id!r} (see `armsctl estimates list`)")


def estimate_to_dict(record: Estimate) -> dict[str, Any]:
    """The record as JSON-ready data (dates as ISO strings)."""
    data = asdict(record)
    data["as_of"] = record.as_of.isoformat()
    return data


def estimate_observation(
    record: Estimate,
    *,
    category: str,
    site: str = "national",
    relative_error: float = 0.05,
) -> Observation:
    """The record as a monitoring observation: an open-source count with a standard error.

    National totals have no site, so they are observed at a notional ``site`` (default
    ``national``) and stand for ``category`` (a treaty category the caller chooses: the
    record's own ``measure`` is in the publisher's terms, not the treaty's). The standard error
    is ``relative_error`` of the value (5% by default, the band suggested for FAS deployed
    figures); an unverified record should be given a wider band by the caller.

    Raises:
        ParameterError: ``relative_error`` is not positive.
    """
    from armsctl.monitoring import Observation

    if not relative_error > 0:
        raise ParameterError(f"relative_error must be positive, got {relative_error}")
    moment = dt.datetime.combine(record.as_of, dt.time(), tzinfo=dt.UTC)
    return Observation(
        id=f"estimate:{record.id}",
        party=record.party,
        site=site,
        category=category,
        count=record.value,
        time=moment,
        source="open-source",
        se=max(1.0, record.value * relative_error),
    )
