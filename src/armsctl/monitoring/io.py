"""Monitoring files: sites from GeoJSON, observations from CSV or JSON.

The monitoring package's one boundary with files. Each reader parses the file and hands the
records, with their line or record numbers, to the pure validators in
:mod:`armsctl.monitoring.observations`, so that a problem names file, location and field.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from armsctl.errors import InputError, Problem
from armsctl.monitoring.observations import (
    Observation,
    Site,
    parse_observations,
    sites_from_geojson,
)
from armsctl.textio import read_json
from armsctl.treaty.schema import Treaty

__all__ = ["read_observations", "read_sites"]


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
