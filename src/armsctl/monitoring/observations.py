"""Monitoring observations and the sites they are made at, validated from parsed records.

An observation is a count of one category of items seen at one site at one time by one source.
What makes a count evidence is the source's reliability, so every observation carries either a
detection probability and a false-positive rate (a counting source: imagery, overflights) or a
standard error (an estimate: open-source analysis, an on-site tally with its uncertainty).
Records are validated all or nothing (the readers in :mod:`armsctl.monitoring.io` parse the
CSV, JSON and GeoJSON files); each problem names the file, line or record, and field.
Observations dated after ``now`` are refused: the caller passes ``now`` so that the check is
reproducible.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from armsctl.errors import MAX_PROBLEMS, InputError, Problem
from armsctl.sites import Site
from armsctl.times import parse_time
from armsctl.treaty.schema import Treaty

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "SOURCE_KINDS",
    "Observation",
    "Site",
    "SourceKind",
    "observations_table",
    "parse_observations",
    "sites_from_geojson",
]

SourceKind = Literal["satellite", "aircraft", "drone", "open-source", "on-site"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("satellite", "aircraft", "drone", "open-source", "on-site")


@dataclass(frozen=True, slots=True)
class Observation:
    """A count of one category at one site and time, with the reliability of its source.

    A counting source has ``p_detect`` (each present item is seen with this probability) and
    ``fp_rate`` (the expected number of spurious items counted per observation); an estimating
    source has ``se`` (the standard error of its count).
    """

    id: str
    party: str
    site: str
    category: str
    count: int
    time: dt.datetime
    source: SourceKind
    p_detect: float | None = None
    fp_rate: float | None = None
    se: float | None = None


def sites_from_geojson(doc: object, treaty: Treaty, *, where: str) -> list[Site]:
    """Sites from a parsed GeoJSON FeatureCollection of Points with ``id`` and ``party``.

    ``where`` names the document in every problem (the reader passes the file's path).
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError([Problem(where, "type", "expected a GeoJSON FeatureCollection")])
    problems: list[Problem] = []
    sites: list[Site] = []
    seen: set[str] = set()
    for i, feature in enumerate(doc.get("features") or []):
        loc = f"features[{i}]"
        if not isinstance(feature, dict):
            problems.append(Problem(where, loc, "not a GeoJSON Feature"))
            continue
        props = feature.get("properties") or {}
        ident = str(props.get("id") or feature.get("id") or "").strip()
        party = str(props.get("party") or "").strip()
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not ident:
            problems.append(Problem(where, f"{loc}.properties.id", "missing"))
        elif ident in seen:
            problems.append(Problem(where, f"{loc}.properties.id", f"site {ident!r} listed twice"))
        seen.add(ident)
        if not treaty.parties.open and party not in treaty.parties.members:
            problems.append(Problem(where, f"{loc}.properties.party", f"unknown party {party!r}"))
        lon = lat = None
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            problems.append(Problem(where, f"{loc}.geometry", "expected a Point [lon, lat]"))
        else:
            lon, lat = _float(coords[0]), _float(coords[1])
            if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                problems.append(
                    Problem(where, f"{loc}.geometry.coordinates", f"bad position {coords[:2]!r}")
                )
        if ident:
            title = str(props.get("name") or "")
            sites.append(Site(ident, party=party, title=title, lon=lon, lat=lat))
    InputError.raise_if_any(problems)
    return sites


def _float(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def parse_observations(
    files: Iterable[tuple[str, Iterable[tuple[str, dict[str, Any]]]]],
    treaty: Treaty,
    *,
    now: dt.datetime,
    sites: Sequence[Site] | None = None,
) -> list[Observation]:
    """Validate observation records for ``treaty``; all or nothing.

    ``files`` holds, for each file, its name and its records, each with its location (``line
    3``, ``record 2``), so that every problem names file, location and field. They are consumed
    in order, so a reader may yield them lazily and the fiftieth problem stops the reading.
    With ``sites``, every observation must name a known site and its party comes from the site
    when the record gives none. Observations after ``now`` are refused.
    """
    from armsctl.notifications.model import utc

    now = utc(now, "now")
    by_site = {s.id: s for s in sites} if sites is not None else None
    categories = {c.id for c in treaty.categories}
    problems: list[Problem] = []
    out: list[Observation] = []
    seen: set[str] = set()
    for where, records in files:
        for loc, row in records:
            obs = _parse(row, where, loc, treaty, categories, by_site, now, problems)
            if obs is not None:
                if obs.id in seen:
                    problems.append(Problem(where, loc, f"id: {obs.id!r} is used twice"))
                seen.add(obs.id)
                out.append(obs)
            if len(problems) >= MAX_PROBLEMS:
                InputError.raise_if_any(problems)
    InputError.raise_if_any(problems)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _parse(
    row: dict[str, Any],
    where: str,
    loc: str,
    treaty: Treaty,
    categories: set[str],
    by_site: dict[str, Site] | None,
    now: dt.datetime,
    problems: list[Problem],
) -> Observation | None:
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(Problem(where, loc, f"{field}: {message}"))

    ident, site, category = _text(row.get("id")), _text(row.get("site")), _text(row.get("category"))
    party = _text(row.get("party"))
    if not ident:
        bad("id", "missing")
    if not site:
        bad("site", "missing")
    elif by_site is not None:
        known = by_site.get(site)
        if known is None:
            bad("site", f"unknown site {site!r} (not in the sites file)")
        elif party and party != known.party:
            bad("party", f"{party!r} but site {site!r} belongs to {known.party}")
        elif not party:
            party = known.party
    if not party:
        bad("party", "missing (give it, or a sites file that names the site's party)")
    elif not treaty.parties.open and party not in treaty.parties.members:
        bad("party", f"unknown party {party!r}")
    if category not in categories:
        bad("category", f"unknown category {category!r} for {treaty.id}")
    count = _float(row.get("count"))
    if count is None or count < 0 or count != int(count):
        bad("count", f"{row.get('count')!r} is not a whole number >= 0")
    time, error = parse_time(row.get("time")) if _text(row.get("time")) else (None, "missing")
    if error:
        bad("time", error)
    elif time is not None and time > now:
        bad("time", f"{time.isoformat()} is in the future (now is {now.isoformat()})")
    source = _text(row.get("source"))
    if source not in SOURCE_KINDS:
        bad("source", f"{source!r} is not one of {', '.join(SOURCE_KINDS)}")
    p = _float(row.get("p_detect")) if _text(row.get("p_detect")) else None
    fp = _float(row.get("fp_rate")) if _text(row.get("fp_rate")) else None
    se = _float(row.get("se")) if _text(row.get("se")) else None
    for name in ("p_detect", "fp_rate", "se"):
        if _text(row.get(name)) and _float(row.get(name)) is None:
            bad(name, f"{row.get(name)!r} is not a number")
    if se is not None:
        if se <= 0:
            bad("se", "must be > 0")
        if p is not None or fp is not None:
            bad("se", "give either se or p_detect and fp_rate, not both")
    elif p is None or fp is None:
        if not any(_text(row.get(n)) for n in ("p_detect", "fp_rate", "se")) or (p is None) != (
            fp is None
        ):
            bad("p_detect", "give p_detect and fp_rate (a counting source) or se (an estimate)")
    else:
        if not 0 < p < 1:
            bad("p_detect", f"{p} is not in (0, 1) (a certain count: give se instead)")
        if fp <= 0:
            bad("fp_rate", f"{fp} must be > 0 (use a small rate if spurious counts are rare)")
    if len(problems) > before:
        return None
    assert count is not None and time is not None
    return Observation(ident, party, site, category, int(count), time, source, p, fp, se)  # type: ignore[arg-type]


def observations_table(observations: Sequence[Observation]) -> pa.Table:
    """The Arrow table fusion reads; times UTC without a zone marker."""
    import pyarrow as pa

    return pa.table(
        {
            "id": pa.array([o.id for o in observations], pa.string()),
            "party": pa.array([o.party for o in observations], pa.string()),
            "site": pa.array([o.site for o in observations], pa.string()),
            "category": pa.array([o.category for o in observations], pa.string()),
            "count": pa.array([o.count for o in observations], pa.int64()),
            "time": pa.array(
                [o.time.astimezone(dt.UTC).replace(tzinfo=None) for o in observations],
                pa.timestamp("us"),
            ),
            "source": pa.array([o.source for o in observations], pa.string()),
            "p_detect": pa.array([o.p_detect for o in observations], pa.float64()),
            "fp_rate": pa.array([o.fp_rate for o in observations], pa.float64()),
            "se": pa.array([o.se for o in observations], pa.float64()),
        }
    )
