"""How sure the public record is of each figure, for declarations stored without that tag.

A treaty can ship its public record of data exchanges (``public_record`` in the treaty file,
e.g. ``new-start.record.csv``), where every figure carries a provenance tag (``C`` confirmed in
a cited source, ``D`` derived, ``M`` unverified) and its sources. ``armsctl check`` reads that
file and so marks RUS's 2022-09-01 figures "(unverified)". A declaration submitted to a server
keeps only its numbers; :func:`tagged` gives back the record's tag for a stored figure when the
record has the same party, date, measure *and value*, so the server's views mark the same
figures the command line marks. A figure that differs from the record is the declaring party's
own and gets no tag from it. Pure: the shells read the record (``armsctl.service.record``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from armsctl.inventory.model import Declaration, Figure, component_measure

__all__ = ["RecordFigures", "index_record", "tagged", "unverified_in"]

#: ``(party, as_of, measure)`` to the record's figure.
RecordFigures = Mapping[tuple[str, dt.date, str], Figure]


def index_record(declarations: Iterable[Declaration]) -> dict[tuple[str, dt.date, str], Figure]:
    """The record's declarations as ``(party, as_of, measure) -> Figure``."""
    out: dict[tuple[str, dt.date, str], Figure] = {}
    for d in declarations:
        for measure, figure in d.limits.items():
            out[(d.party, d.as_of, measure)] = figure
        for key, figure in d.components.items():
            out[(d.party, d.as_of, component_measure(key))] = figure
    return out


def tagged(record: RecordFigures, party: str, as_of: dt.date, measure: str, value: int) -> Figure:
    """The stored figure with the record's provenance, source and note when the record agrees."""
    known = record.get((party, as_of, measure))
    if known is not None and known.value == value:
        return known
    return Figure(value)


def unverified_in(
    record: RecordFigures, party: str, as_of: dt.date, figures: Mapping[str, int]
) -> list[str]:
    """The measures of ``figures`` that the record tags unverified (``M``), sorted."""
    return sorted(
        m for m, v in figures.items() if tagged(record, party, as_of, m, int(v)).provenance == "M"
    )
