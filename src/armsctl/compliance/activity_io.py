"""Read reported activities (CSV or JSON): ``party,event,time,uid`` plus whole-number measures.

``time`` is read by :func:`armsctl.times.parse_day_or_time`: a date alone is the start of that
day in UTC (activities are dated by the day), and a time of day must carry its zone; a bad or
zone-less time is refused naming the file, the line or record and the field.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from armsctl.compliance.activities import Activity
from armsctl.errors import InputError, Problem
from armsctl.inventory.io import parse_count
from armsctl.textio import parse_json, read_utf8
from armsctl.times import parse_day_or_time
from armsctl.treaty.schema import Treaty

__all__ = ["read_activities"]

REQUIRED = ("party", "event", "time", "uid")


def read_activities(path: Path, treaty: Treaty) -> list[Activity]:
    """Every activity in the file, or ``InputError`` naming each bad line; all or nothing."""
    where = str(path)
    if not path.is_file():
        raise InputError([Problem(where, "", "no such file")])
    if path.suffix.lower() == ".json":
        data = parse_json(read_utf8(path), where=where, parse_float=str, parse_constant=str)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError([Problem(where, "", "expected a JSON array of activity records")])
        rows: list[tuple[str, dict[str, Any]]] = [
            (f"record {i + 1}", r) for i, r in enumerate(data)
        ]
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(read_utf8(path), newline=""))
        rows = [(f"line {i + 2}", dict(r)) for i, r in enumerate(reader)]
    else:
        raise InputError([Problem(where, "", "not a .csv or .json file")])
    if not rows:
        raise InputError([Problem(where, "", "holds no activities: nothing to check")])
    missing = [c for c in REQUIRED if c not in rows[0][1]]
    if missing:
        raise InputError([Problem(where, "", f"missing column(s) {', '.join(missing)}")])
    problems: list[Problem] = []
    out: list[Activity] = []
    for loc, row in rows:
        party = str(row.get("party") or "").strip()
        event = str(row.get("event") or "").strip()
        uid = str(row.get("uid") or "").strip()
        time, time_error = parse_day_or_time(row.get("time") or "")
        if not treaty.parties.open and party not in treaty.parties.members:
            problems.append(Problem(where, loc, f"party: unknown party {party!r}"))
        if not event:
            problems.append(Problem(where, loc, "event: missing"))
        if not uid:
            problems.append(Problem(where, loc, "uid: missing"))
        if time_error:
            problems.append(Problem(where, loc, f"time: {time_error}"))
        measures: dict[str, int] = {}
        for key, value in row.items():
            if key in REQUIRED or value in (None, ""):
                continue
            number, error = parse_count(value)
            if error:
                problems.append(Problem(where, loc, f"{key}: {error}"))
            elif number is not None:
                measures[key] = number
        if time is not None:
            out.append(Activity(party, event, time, uid, measures, f"{where}:{loc}"))
    InputError.raise_if_any(problems)
    return out
