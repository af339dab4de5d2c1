"""Read an item list for the crosswalks (CSV, JSON or Parquet): all or nothing, every problem named.

Only ``uid`` and ``kind`` are required; the attribute columns the definitions test
(``calibre_mm``, ``mass_t``, ``range_km``, ``traverse_deg``, ``crew``, ``unmanned``) are read when
present, as finite non-negative decimals, written out (no exponents).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from armsctl.crosswalk import vocabulary
from armsctl.errors import MAX_PROBLEMS, InputError, Problem
from armsctl.textio import parse_json, read_utf8

__all__ = ["read_items"]


def _records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    suffix = path.suffix.lower()
    where = str(path)
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(read_utf8(path), newline=""))
        rows = [
            (f"line {i + 2}", {(k or "").strip(): v for k, v in r.items()})
            for i, r in enumerate(reader)
        ]
        if reader.fieldnames is None:
            raise InputError([Problem(where, "", "empty file: nothing to check")])
        return rows
    if suffix == ".json":
        data = parse_json(read_utf8(path), where=where, parse_float=str, parse_constant=str)
        if isinstance(data, dict):
            data = data.get("items")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(
                [Problem(where, "", "expected a JSON array of item records (objects)")]
            )
        return [(f"record {i + 1}", r) for i, r in enumerate(data)]
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path).to_pylist()
        except Exception as exc:  # pyarrow raises many types for unreadable files
            raise InputError([Problem(where, "", f"cannot be read: {exc}")]) from None
        return [(f"row {i + 1}", r) for i, r in enumerate(table)]
    raise InputError([Problem(where, "", "not a .csv, .json or .parquet file")])


def _number(value: object) -> tuple[float | None, str | None]:
    if value is None or isinstance(value, bool):
        return (None, None) if value is None else (None, f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
        text = repr(value)
    else:
        text = str(value).strip()
        if text == "":
            return None, None
        if "e" in text.lower() and any(c.isdigit() for c in text):
            return None, f"{text!r} uses exponent notation; write the number out"
        try:
            number = float(text)
        except ValueError:
            return None, f"{text!r} is not a number"
    if not math.isfinite(number):
        return None, f"{text!r} is not a finite number"
    if number < 0:
        return None, f"{text} is negative"
    return number, None


def read_items(path: Path) -> list[dict[str, Any]]:
    """The items of one file as ``{"uid", "kind", <attribute>: float | None}`` records."""
    if not path.is_file():
        raise InputError([Problem(str(path), "", "no such file")])
    where = str(path)
    vocab = vocabulary()
    records = _records(path)
    if not records:
        raise InputError(
            [Problem(where, "", "holds no items (a header and no rows): nothing to check")]
        )
    columns = set(records[0][1])
    missing = [c for c in ("uid", "kind") if c not in columns]
    if missing:
        raise InputError([Problem(where, "", f"missing column(s) {', '.join(missing)}")])
    problems: list[Problem] = []
    items: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for location, record in records:
        uid = "" if record.get("uid") is None else str(record["uid"]).strip()
        kind = "" if record.get("kind") is None else str(record["kind"]).strip()
        item: dict[str, Any] = {"uid": uid, "kind": kind}
        if not uid:
            problems.append(Problem(where, location, "uid: missing"))
        elif uid in seen:
            problems.append(
                Problem(where, location, f"uid: duplicate {uid!r} (first at {seen[uid]})")
            )
        else:
            seen[uid] = location
        if kind not in vocab.kinds:
            known = ", ".join(sorted(vocab.kinds))
            problems.append(
                Problem(where, location, f"kind: unknown kind {kind!r} (known: {known})")
            )
        for attribute in vocab.attributes:
            value, error = _number(record.get(attribute))
            if error:
                problems.append(Problem(where, location, f"{attribute}: {error}"))
            item[attribute] = value
        items.append(item)
        if len(problems) >= MAX_PROBLEMS:
            break
    InputError.raise_if_any(problems)
    return items
