"""Monitoring files: sites from GeoJSON, observations from CSV or JSON, declared counts.

The monitoring package's one boundary with files. Each reader parses the file and hands the
records, with their line or record numbers, to the pure validators in
:mod:`armsctl.monitoring.observations`, so that a problem names file, location and field.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armsctl.errors import InputError, Problem
from armsctl.inventory.model import DeclarationSet
from armsctl.monitoring.observations import (
    Observation,
    Site,
    parse_observations,
    sites_from_geojson,
)
from armsctl.textio import read_json
from armsctl.treaty.schema import Treaty

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["declared_counts", "read_observations", "read_sites"]


def read_sites(path: Path, treaty: Treaty) -> list[Site]:
    """Sites from a GeoJSON FeatureCollection of Points with ``id`` and ``party`` properties."""
    return sites_from_geojson(read_json(path), treaty, where=str(path))


def _rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    where = str(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = read_json(path)
        if isinstance(data, dict):
            data = data.get("observations")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError([Problem(where, "", "expected an array of observation records")])
        return [(f"record {i + 1}", r) for i, r in enumerate(data)]
    if suffix != ".csv":
        raise InputError([Problem(where, "", "not a .csv or .json file")])
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return [
                (f"line {i + 2}", {(k or "").strip(): v for k, v in r.items()})
                for i, r in enumerate(csv.DictReader(handle))
            ]
    except FileNotFoundError:
        raise InputError([Problem(where, "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(where, "", f"cannot be read: {exc}")]) from None


def read_observations(
    paths: Sequence[Path],
    treaty: Treaty,
    *,
    now: dt.datetime,
    sites: Sequence[Site] | None = None,
) -> list[Observation]:
    """Read observation files for ``treaty``; all or nothing (see ``parse_observations``).

    Files are read one after the other as validation reaches them, so a run of problems in the
    first file is reported without reading the rest.
    """

    def files() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
        for path in paths:
            yield str(path), _rows(path)

    return parse_observations(files(), treaty, now=now, sites=sites)


def declared_counts(declarations: DeclarationSet) -> pa.Table:
    """Declared items per party, site (facility), category and declaration date, from item files.

    The table that :func:`armsctl.monitoring.fusion.fuse` and
    :func:`armsctl.monitoring.anomalies.detect` take, read here so that they read no file. Also
    lists every declaration date of each party (with ``category`` null) so that a site a later
    declaration no longer lists counts as zero rather than keeping an old figure.
    """
    import duckdb

    if not declarations.item_sources:
        raise InputError("fusion needs item-level declarations (they say which site holds what)")
    union = " UNION ALL ".join(
        "SELECT CAST(party AS VARCHAR) AS party, CAST(facility AS VARCHAR) AS site, "
        "CAST(category AS VARCHAR) AS category, CAST(as_of AS DATE) AS as_of "
        f"FROM {s.relation_sql(row_numbers=False)}"
        for s in declarations.item_sources
    )
    con = duckdb.connect(":memory:")
    table: pa.Table = con.sql(
        f"SELECT party, site, category, as_of, count(*) AS declared FROM ({union}) GROUP BY ALL "
        f"UNION ALL SELECT DISTINCT party, NULL, NULL, as_of, 0 FROM ({union}) "
        "ORDER BY party, as_of, site, category"
    ).to_arrow_table()
    return table
