"""The bundled public record's provenance tags, for figures a server stores as numbers only.

Reads each treaty's record once per process (a package file that does not change while the
process runs) and matches stored figures against it with ``armsctl.inventory.record``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

from armsctl.errors import InputError
from armsctl.inventory.model import Figure
from armsctl.inventory.record import RecordFigures, index_record, tagged, unverified_in

__all__ = ["record_figure", "record_figures", "unverified_measures"]


@functools.cache
def record_figures(treaty_id: str) -> RecordFigures:
    """``(party, as_of, measure)`` to the figure in the bundled record of ``treaty_id``.

    Empty for a treaty that is not bundled or ships no record.
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
        return index_record(read_declarations([path], treaty).declarations)
    except InputError:  # a broken bundled record fails the treaty tests, not a page
        return {}


def record_figure(treaty_id: str, party: str, as_of: dt.date, measure: str, value: int) -> Figure:
    """A stored figure with the record's tag when the record has the same value."""
    return tagged(record_figures(treaty_id), party, as_of, measure, value)


def unverified_measures(
    treaty_id: str, party: str, as_of: dt.date, figures: Mapping[str, int]
) -> list[str]:
    """The measures of ``figures`` that the record tags unverified, sorted."""
    return unverified_in(record_figures(treaty_id), party, as_of, figures)
