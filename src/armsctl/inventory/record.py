"""How sure the public record is of each figure, for declarations stored without that tag.

A treaty can ship its public record of data exchanges (``public_record`` in the treaty file,
e.g. ``new-start.record.csv``), where every figure carries a provenance tag (``C`` confirmed in
a cited source, ``D`` derived, ``M`` unverified) and its sources. ``armsctl check`` reads that
file and so marks RUS's 2022-09-01 figures "(unverified)". A declaration submitted to a server
keeps only its numbers; :func:`record_figure` gives back the record's tag for a stored figure
when the record has the same party, date, measure *and value*, so the server's views mark the
same figures the command line marks. A figure that differs from the record is the declaring
party's own and gets no tag from it.
"""

from __future__ import annotations

import datetime as dt
import functools

from armsctl.errors import InputError
from armsctl.inventory.model import Figure, component_measure

__all__ = ["record_figure", "record_figures", "unverified_measures"]

Key = tuple[str, dt.date, str]


@functools.cache
def record_figures(treaty_id: str) -> dict[Key, Figure]:
    """``(party, as_of, measure)`` to the figure in the bundled record of ``treaty_id``.

    Empty for a treaty that is not bundled or ships no record. Read once per process: the
    record is a package file that does not change while the process runs.
    """
    from armsctl.inventory.io import read_declarations
    from armsctl.treaty import bundled_treaty_ids, load_treaty, public_record_path

    if treaty_id not in bundled_treaty_ids():
        return {}
    treaty = load_treaty(treaty_id)
    path = public_record_path(treaty)
    if path is None:
        return {}
    try:
        declarations = read_declarations([path], treaty).declarations
    except InputError:  # a broken bundled record is a test failure elsewhere, not a page error
        return {}
    out: dict[Key, Figure] = {}
    for d in declarations:
        for measure, figure in d.limits.items():
            out[(d.party, d.as_of, measure)] = figure
        for key, figure in d.components.items():
            out[(d.party, d.as_of, component_measure(key))] = figure
    return out


def record_figure(treaty_id: str, party: str, as_of: dt.date, measure: str, value: int) -> Figure:
    """The stored figure with the record's provenance, source and note when the record agrees."""
    known = record_figures(treaty_id).get((party, as_of, measure))
    if known is not None and known.value == value:
        return known
    return Figure(value)


def unverified_measures(
    treaty_id: str, party: str, as_of: dt.date, figures: dict[str, int]
) -> list[str]:
    """The measures of ``figures`` that the record tags unverified (``M``), sorted."""
    return sorted(
        m
        for m, v in figures.items()
        if record_figure(treaty_id, party, as_of, m, int(v)).provenance == "M"
    )
