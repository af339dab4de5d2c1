"""Read declaration files (CSV, JSON, Parquet), detect their shape and validate them.

Aggregate files are small and read row by row so that every problem names its line. Item-level
files can hold millions of rows: they are scanned by DuckDB, once to reduce them to components
and catch bad values, once (on integer hashes) to catch duplicate uids; only when a problem is
found is a third query run to name the offending lines. Nothing is kept half-read: a file with
any problem raises ``DeclarationError`` listing every problem (up to a cap) and yields nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armsctl.errors import MAX_PROBLEMS, DeclarationError, InputError, Problem
from armsctl.inventory.model import (
    ALL_ZONES,
    ComponentKey,
    Declaration,
    DeclarationSet,
    Figure,
    ItemSource,
    aggregate_measures,
    counting_conditions,
    measure_problem,
    parse_component_measure,
)
from armsctl.textio import check_utf8, read_utf8
from armsctl.treaty.schema import Treaty

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "AGGREGATE_COLUMNS",
    "ITEM_COLUMNS",
    "DeclarationSet",
    "ItemSource",
    "explain_items",
    "item_records",
    "parse_count",
    "read_declarations",
    "read_party_items",
    "write_items",
]

AGGREGATE_COLUMNS = ("party", "as_of", "measure", "value")
ITEM_COLUMNS = ("party", "as_of", "uid", "category", "status", "facility")
SUFFIXES = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
INT64_MAX = 2**63 - 1
NOTHING_TO_CHECK = "holds no declarations (a header and no rows): nothing to check"
_WHOLE = re.compile(r"^\+?-?[0-9]+(?:\.0*)?$")
_EXPONENT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$")
_NON_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"}


class _JsonNumber(str):
    """A JSON float or constant kept as written, so that ``1e3`` and ``NaN`` can be refused."""

    __slots__ = ()


def read_declarations(paths: Sequence[str | Path], treaty: Treaty) -> DeclarationSet:
    """Read files and folders of declarations for ``treaty``; all or nothing."""
    files = _expand(paths)
    problems: list[Problem] = []
    declarations: list[Declaration] = []
    sources: list[ItemSource] = []
    for path, fmt in files:
        try:
            columns = _columns(path, fmt)
            if set(ITEM_COLUMNS) <= set(columns):
                source = ItemSource(path, fmt, tuple(columns))
                declarations += _read_items(source, treaty)
                sources.append(source)
            elif set(AGGREGATE_COLUMNS) <= set(columns):
                declarations += _read_aggregate(path, fmt, treaty)
            else:
                problems.append(Problem(str(path), "", _shape_message(columns)))
        except DeclarationError as exc:
            problems += exc.problems
    seen: dict[tuple[str, dt.date], str] = {}
    for decl in declarations:
        key = (decl.party, decl.as_of)
        if key in seen and seen[key] != decl.origin:
            problems.append(
                Problem(
                    decl.origin,
                    "",
                    f"{decl.party} as of {decl.as_of} is also declared in {seen[key]}",
                )
            )
        seen.setdefault(key, decl.origin)
    DeclarationError.raise_if_any(problems)
    return DeclarationSet(treaty, declarations, sources)


def _expand(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
            if not found:
                problems.append(Problem(str(path), "", "folder holds no .csv, .json or .parquet"))
            files += [(p, SUFFIXES[p.suffix.lower()]) for p in found]
        elif not path.exists():
            problems.append(Problem(str(path), "", "no such file or folder"))
        elif path.suffix.lower() not in SUFFIXES:
            problems.append(Problem(str(path), "", "not a .csv, .json or .parquet file"))
        else:
            files.append((path, SUFFIXES[path.suffix.lower()]))
    if problems:
        raise DeclarationError(problems)
    return files


def _shape_message(columns: Iterable[str]) -> str:
    have = set(columns)
    missing_items = [c for c in ITEM_COLUMNS if c not in have]
    missing_agg = [c for c in AGGREGATE_COLUMNS if c not in have]
    closest = missing_items if len(missing_items) < len(missing_agg) else missing_agg
    shape = "item-level" if closest is missing_items else "aggregate"
    return f"missing column(s) {', '.join(closest)} for an {shape} declaration"


def _columns(path: Path, fmt: str) -> list[str]:
    try:
        if fmt == "csv":
            check_utf8(path)
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle), [])
            if not header:
                raise DeclarationError([Problem(str(path), "", "empty file: nothing to check")])
            return [h.strip() for h in header]
        if fmt == "json":
            records = _json_records(path)
            if not records:
                raise DeclarationError([Problem(str(path), "", "no records: nothing to check")])
            return list(records[0].keys())
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    except InputError as exc:
        raise DeclarationError(exc.problems) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DeclarationError([Problem(str(path), "", f"cannot be read: {exc}")]) from None


def _json_records(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(read_utf8(path), parse_float=_JsonNumber, parse_constant=_JsonNumber)
    except json.JSONDecodeError as exc:
        raise DeclarationError(
            [Problem(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
        ) from None
    except (ValueError, RecursionError) as exc:  # a huge integer, or nesting past the limit
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise DeclarationError([Problem(str(path), "", f"not valid JSON: {why}")]) from None
    if isinstance(data, dict):
        data = data.get("declarations", data.get("items", data.get("records")))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DeclarationError(
            [Problem(str(path), "", "expected a JSON array of records (objects)")]
        )
    return data


# --- aggregate declarations -------------------------------------------------------------------


def _read_aggregate(path: Path, fmt: str, treaty: Treaty) -> list[Declaration]:
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [
                ({k.strip(): v for k, v in r.items() if k}, f"line {i + 2}")
                for i, r in enumerate(csv.DictReader(handle))
            ]
    elif fmt == "json":
        rows = [(r, f"record {i + 1}") for i, r in enumerate(_json_records(path))]
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path).to_pylist()
        rows = [(r, f"row {i + 1}") for i, r in enumerate(table)]
    where = str(path)
    if not rows:
        raise DeclarationError([Problem(where, "", NOTHING_TO_CHECK)])
    problems: list[Problem] = []
    by_key: dict[tuple[str, dt.date], Declaration] = {}
    measures = aggregate_measures(treaty)
    for row, loc in rows:
        party = _text(row.get("party"))
        as_of = _date(row.get("as_of"))
        status = _text(row.get("status")) or "provided"
        measure = _text(row.get("measure"))
        if not _party_ok(party, treaty):
            problems.append(Problem(where, loc, f"party: unknown party {party!r}"))
        if as_of is None:
            problems.append(
                Problem(where, loc, f"as_of: bad date {row.get('as_of')!r} (YYYY-MM-DD)")
            )
        if status not in ("provided", "not-provided"):
            problems.append(Problem(where, loc, f"status: {status!r} is not provided/not-provided"))
            continue
        if as_of is None or not _party_ok(party, treaty):
            continue
        decl = by_key.setdefault(
            (party, as_of), Declaration(party, as_of, "aggregate", where, status="provided")
        )
        if status == "not-provided":
            carried = _text(row.get("value"))
            if carried:
                problems.append(
                    Problem(
                        where,
                        loc,
                        f"value: a row marked not-provided carries a value ({carried}); "
                        "leave value empty or mark the row provided",
                    )
                )
                continue
            decl.status = "not-provided"
            decl.note = _text(row.get("note")) or "declaration not provided"
            continue
        value, error = parse_count(row.get("value"))
        if error:
            problems.append(Problem(where, loc, f"value: {error}"))
            continue
        assert value is not None
        provenance = _text(row.get("provenance")) or "C"
        if provenance not in ("C", "D", "M"):
            problems.append(Problem(where, loc, f"provenance: {provenance!r} is not C, D or M"))
            continue
        figure = Figure(value, provenance, _text(row.get("source")), _text(row.get("note")))
        if (error := measure_problem(measure, treaty)) is not None:
            problems.append(Problem(where, loc, f"measure: {error}"))
            continue
        component = None if measure in measures else parse_component_measure(measure)
        target: dict[Any, Figure] = decl.limits if component is None else decl.components
        key: Any = measure if component is None else component
        if key in target:
            problems.append(
                Problem(where, loc, f"measure: {measure!r} given twice for {party} {as_of}")
            )
            continue
        target[key] = figure
    for decl in by_key.values():
        if decl.status == "not-provided" and (decl.limits or decl.components):
            problems.append(
                Problem(
                    where, "", f"{decl.party} {decl.as_of}: marked not-provided but has figures"
                )
            )
    DeclarationError.raise_if_any(problems)
    return list(by_key.values())


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        return None


def parse_count(value: object) -> tuple[int | None, str | None]:
    """A declared figure: a whole, non-negative number that fits a 64-bit integer, written out.

    Refused, each with its reason: non-finite values, fractions, exponent notation (``1e3`` is
    ambiguous in a figure a treaty office signs), and values outside the int64 range (they
    would otherwise be rounded or wrap silently downstream).
    """
    if isinstance(value, bool):
        return None, f"{value!r} is not a number"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, f"{value!r} is not a finite number"
        if not value.is_integer():
            return None, f"{value!r} is not a whole number"
        value = int(value)
    text = _text(value)
    if text == "":
        return None, "missing"
    if text.lower() in _NON_FINITE:
        return None, f"{text!r} is not a finite number"
    if not _WHOLE.match(text):
        if _EXPONENT.match(text):
            return None, f"{text!r} uses exponent notation; write the whole number"
        try:
            float(text)
        except ValueError:
            return None, f"{text!r} is not a number"
        return None, f"{text} is not a whole number"
    number = int(text.split(".")[0])
    if number < 0:
        return None, f"{text} is negative"
    if number > INT64_MAX:
        return None, f"{text} is outside the 64-bit integer range (at most {INT64_MAX})"
    return number, None


def _party_ok(party: str, treaty: Treaty) -> bool:
    if treaty.parties.open:
        return len(party) == 3 and party.isalpha() and party.isupper()
    return party in treaty.parties.members


# --- item-level declarations ------------------------------------------------------------------


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect(":memory:")


def _read_items(source: ItemSource, treaty: Treaty) -> list[Declaration]:
    con = _connect()
    rel = source.relation_sql(row_numbers=False)
    attrs = sorted({a for c in treaty.categories for a in c.attributes})
    missing = [a for a in attrs if a not in source.columns]
    has_zone = "zone" in source.columns
    where = str(source.path)
    if missing:
        raise DeclarationError(
            [Problem(where, "", f"missing attribute column(s) {', '.join(missing)}")]
        )
    try:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    except Exception as exc:  # duckdb raises many types for unreadable files
        raise DeclarationError([Problem(where, "", f"cannot be read: {exc}")]) from None
    sums = ", ".join(f'{_sum_sql(a, types.get(a, "VARCHAR"))} AS "s_{a}"' for a in attrs)
    conditions = _treaty_conditions(treaty)
    conditional = [
        f'count_if({sql}) AS "w{k}_n"'
        + "".join(f', sum(CASE WHEN {sql} THEN {_int_sql(a)} END) AS "w{k}_{a}"' for a in attrs)
        for k, (_, sql) in enumerate(conditions)
    ]
    if conditional:
        sums = ", ".join([*([sums] if sums else []), *conditional])
    # NULL-safe: an empty attribute is not a bad one (a NULL here would make the whole group's
    # count NULL and hide it).
    bad_attr = (
        " OR ".join(
            f"coalesce({_bad_number_sql(a, types.get(a, 'VARCHAR'))}, false)" for a in attrs
        )
        or "false"
    )
    zone = "CAST(zone AS VARCHAR)" if has_zone else "''"
    as_of = "as_of" if types.get("as_of") == "DATE" else "try_cast(as_of AS DATE)"
    query = f"""
        SELECT CAST(party AS VARCHAR) AS party, {as_of} AS as_of,
               CAST(category AS VARCHAR) AS category, CAST(status AS VARCHAR) AS status,
               {zone} AS zone, count(*) AS n,
               count_if({bad_attr} OR uid IS NULL OR CAST(uid AS VARCHAR) = ''
                        OR facility IS NULL OR CAST(facility AS VARCHAR) = '') AS bad
               {"," if sums else ""} {sums}
        FROM {rel} GROUP BY ALL
    """
    try:
        groups = con.execute(query).fetchall()
    except Exception as exc:  # duckdb raises many types for unreadable files
        raise DeclarationError([Problem(where, "", f"cannot be read: {exc}")]) from None
    if not groups:
        raise DeclarationError([Problem(where, "", NOTHING_TO_CHECK)])
    if source.fmt == "json":
        _check_json_numbers(source, attrs)
    statuses = {c.id: set(c.statuses) for c in treaty.categories}
    zones = {z.id for z in treaty.zones}
    clean = all(
        g[1] is not None
        and _party_ok(g[0] or "", treaty)
        and g[2] in statuses
        and g[3] in statuses.get(g[2], set())
        and (not g[4] or g[4] in zones)
        and g[6] == 0
        for g in groups
    )
    if not clean:
        located = _locate_item_problems(con, source, treaty, attrs)
        raise DeclarationError(
            located or [Problem(where, "", "holds rows that cannot be read as items")]
        )
    _check_duplicates(con, source)
    by_key: dict[tuple[str, dt.date], Declaration] = {}
    for party, as_of, category, status, zone_id, n, _bad, *rest in groups:
        decl = by_key.setdefault((party, as_of), Declaration(party, as_of, "items", where))
        own = treaty.category(category).attributes
        totals, rest = rest[: len(attrs)], rest[len(attrs) :]
        for zone_key in {ALL_ZONES, zone_id or ALL_ZONES}:
            _add(decl, ComponentKey(category, status, "count", zone_key), int(n))
            for attr, total in zip(attrs, totals, strict=True):
                if attr in own:
                    _add(decl, ComponentKey(category, status, attr, zone_key), int(total or 0))
            for k, (label, _) in enumerate(conditions):
                block = rest[k * (len(attrs) + 1) : (k + 1) * (len(attrs) + 1)]
                key = ComponentKey(category, status, "count", zone_key, label)
                _add(decl, key, int(block[0] or 0))
                for attr, total in zip(attrs, block[1:], strict=True):
                    if attr in own:
                        key = ComponentKey(category, status, attr, zone_key, label)
                        _add(decl, key, int(total or 0))
    return list(by_key.values())


def _int_sql(column: str) -> str:
    """A validated attribute as BIGINT whatever its column type (``500.0`` text included)."""
    return (
        f"""try_cast(regexp_replace(trim(CAST("{column}" AS VARCHAR)), '\\.0*$', '') AS BIGINT)"""
    )


def _treaty_conditions(treaty: Treaty) -> list[tuple[str, str]]:
    """Every set of attribute conditions a counting term uses, as (label, SQL), sorted.

    Item files are reduced once; a term with conditions reads the components counted over
    the items that meet them, so each distinct set is one more aggregate in that pass.
    """
    found: list[tuple[str, str]] = []
    for label, conditions in sorted(counting_conditions(treaty).items()):
        parts = []
        for cond in conditions:
            value = _int_sql(cond.attribute)
            for op, bound in (
                (">=", cond.at_least),
                (">", cond.above),
                ("<=", cond.at_most),
                ("<", cond.below),
            ):
                if bound is not None:
                    parts.append(f"{value} {op} {int(bound)}")
        found.append((label, "(" + " AND ".join(parts) + ")"))
    return found


def _bad_number_sql(column: str, sql_type: str) -> str:
    """SQL that is true for a value that is not a whole number in ``0..INT64_MAX``.

    Typed integer columns (Parquet) need only range tests; floats must also be finite and
    integral; text (CSV) must be written as digits (no exponent, no fraction but ``.0``).
    """
    col = f'"{column}"'
    if sql_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT"):
        return f"{col} < 0"
    if sql_type == "HUGEINT" or (sql_type.startswith("U") and sql_type.endswith("INT")):
        return f"({col} < 0 OR {col} > {INT64_MAX})"
    if sql_type in ("DOUBLE", "FLOAT", "REAL") or sql_type.startswith("DECIMAL"):
        value = f"CAST({col} AS DOUBLE)"
        return (
            f"({col} IS NOT NULL AND (isnan({value}) OR isinf({value}) OR {value} < 0"
            f" OR {value} <> floor({value}) OR {value} >= 9223372036854775807.0))"
        )
    text = f"trim(CAST({col} AS VARCHAR))"
    return (
        f"({col} IS NOT NULL AND {text} <> '' AND ("
        f"NOT regexp_full_match({text}, '\\+?[0-9]+(\\.0*)?')"
        f" OR try_cast(regexp_replace({text}, '\\.0*$', '') AS BIGINT) IS NULL))"
    )


def _check_json_numbers(source: ItemSource, attrs: list[str]) -> None:
    """Refuse JSON attribute values written with exponents or as non-finite constants.

    DuckDB reads ``1e3`` as the double 1000.0 and cannot tell it from ``1000``; the records
    kept as written by the Python reader can.
    """
    problems: list[Problem] = []
    for i, record in enumerate(_json_records(source.path)):
        for message in _attribute_problems(record, attrs):
            problems.append(Problem(str(source.path), source.locate(i), message))
            if len(problems) >= MAX_PROBLEMS:
                raise DeclarationError(problems)
    if problems:
        raise DeclarationError(problems)


def _attribute_problems(record: Mapping[str, object], attrs: Sequence[str]) -> list[str]:
    """Why each of a record's attribute values is not a declared figure (empty ones are fine)."""
    out: list[str] = []
    for attr in attrs:
        raw = record.get(attr)
        if raw is None or raw == "":
            continue
        _, error = parse_count(raw)
        if error:
            out.append(f"{attr}: {error}")
    return out


def _sum_sql(column: str, sql_type: str) -> str:
    """The sum of a validated attribute column as BIGINTs (text written ``12.0`` included)."""
    col = f'"{column}"'
    if sql_type == "VARCHAR":
        col = f"regexp_replace(trim({col}), '\\.0*$', '')"
    return f"sum(try_cast({col} AS BIGINT))"


def _add(decl: Declaration, key: ComponentKey, value: int) -> None:
    old = decl.components.get(key)
    decl.components[key] = Figure(value + (old.value if old else 0))


def _check_duplicates(con: duckdb.DuckDBPyConnection, source: ItemSource) -> None:
    """Refuse a uid declared twice by one party as of one date.

    Sorting 64-bit hashes in NumPy is several times faster than a hash aggregate over the
    strings; equal neighbours are only candidates, confirmed on the real values.
    """
    import numpy as np

    key = "hash(party, as_of, uid)"
    hashes = con.execute(
        f"SELECT {key} AS k FROM {source.relation_sql(row_numbers=False)}"
    ).fetchnumpy()["k"]
    hashes.sort()
    same = hashes[1:] == hashes[:-1]
    if not same.any():
        return
    candidates = np.unique(hashes[1:][same]).tolist()
    rel = source.relation_sql()
    query = f"""
        SELECT CAST(party AS VARCHAR), CAST(as_of AS VARCHAR), CAST(uid AS VARCHAR),
               list(__row ORDER BY __row) AS rows
        FROM {rel} WHERE {key} IN (SELECT unnest(CAST($candidates AS UBIGINT[])))
        GROUP BY ALL HAVING count(*) > 1 ORDER BY min(__row) LIMIT {MAX_PROBLEMS}
    """
    dups = con.execute(query, {"candidates": candidates}).fetchall()
    if dups:
        raise DeclarationError(
            [
                Problem(
                    str(source.path),
                    source.locate(rows[1]),
                    f"uid: duplicate uid {uid!r} in the declaration of {party} as of {as_of} "
                    f"(first at {source.locate(rows[0])})",
                )
                for party, as_of, uid, rows in dups
            ]
        )


def _locate_item_problems(
    con: duckdb.DuckDBPyConnection, source: ItemSource, treaty: Treaty, attrs: list[str]
) -> list[Problem]:
    """Name the offending rows; only run when the reduction found something wrong."""
    cols = ["party", "as_of", "uid", "category", "status", "facility", *attrs]
    if "zone" in source.columns:
        cols.append("zone")
    select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols)
    rows = con.execute(
        f"SELECT __row, {select} FROM {source.relation_sql()} ORDER BY __row"
    ).fetchall()
    problems: list[Problem] = []
    where = str(source.path)
    zones = {z.id for z in treaty.zones}
    for row_id, *values in rows:
        rec = dict(zip(cols, values, strict=True))
        loc = source.locate(int(row_id))
        for message in _item_row_problems(rec, treaty, attrs, zones):
            problems.append(Problem(where, loc, message))
            if len(problems) >= MAX_PROBLEMS:
                return problems
    return problems


def _item_row_problems(
    rec: dict[str, str | None], treaty: Treaty, attrs: list[str], zones: set[str]
) -> list[str]:
    out: list[str] = []
    party = rec["party"] or ""
    if not _party_ok(party, treaty):
        out.append(f"party: unknown party {party!r}")
    if _date(rec["as_of"]) is None:
        out.append(f"as_of: bad date {rec['as_of']!r} (YYYY-MM-DD)")
    if not rec["uid"]:
        out.append("uid: missing")
    if not rec["facility"]:
        out.append("facility: missing")
    category = rec["category"] or ""
    try:
        cat = treaty.category(category)
    except KeyError:
        out.append(f"category: unknown category {category!r}")
        cat = None
    if cat is not None and rec["status"] not in cat.statuses:
        out.append(
            f"status: unknown status {rec['status']!r} for {category!r} ({', '.join(cat.statuses)})"
        )
    out += _attribute_problems(rec, attrs)
    zone = rec.get("zone")
    if zone and zone not in zones:
        out.append(f"zone: unknown zone {zone!r}")
    return out


def item_records(
    source: ItemSource, treaty: Treaty, party: str, as_of: dt.date
) -> list[dict[str, Any]]:
    """The item records of one (party, date) declaration of a validated file, typed once.

    What a party commits to, whatever the file's format: ``uid``, ``category``, ``status`` and
    ``facility`` as text, ``zone`` as text when given, each of the treaty's attributes as a
    whole number (validated by ``read_declarations``; an empty cell is left out), and any other
    column as text (left out when empty). ``party`` and ``as_of`` belong to the declaration,
    not to the item. The rows are typed by DuckDB and arrive in Arrow batches: a CSV ``500``,
    a JSON ``500`` and a Parquet ``500`` are the same record.
    """
    attrs = sorted({a for c in treaty.categories for a in c.attributes})
    text_columns = [c for c in source.columns if c not in ("party", "as_of", *attrs)]
    select = [f'NULLIF(CAST("{c}" AS VARCHAR), \'\') AS "{c}"' for c in text_columns]
    select += [f'{_int_sql(a)} AS "{a}"' for a in attrs if a in source.columns]
    as_of_sql = "try_cast(as_of AS DATE)"
    con = _connect()
    reader = con.sql(
        f"SELECT {', '.join(select)} FROM {source.relation_sql(row_numbers=False)} "
        f"WHERE CAST(party AS VARCHAR) = $party AND {as_of_sql} = $as_of",
        params={"party": party, "as_of": as_of},
    ).to_arrow_reader(65_536)
    records: list[dict[str, Any]] = []
    for batch in reader:
        columns = batch.to_pydict()
        names = list(columns)
        for values in zip(*columns.values(), strict=True):
            records.append({k: v for k, v in zip(names, values, strict=True) if v is not None})
    return records


def explain_items(
    declarations: DeclarationSet,
    *,
    party: str,
    as_of: dt.date,
    category: str,
    status: str,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The items behind one component of an item-level declaration (first ``limit`` by uid).

    What ``check --explain --items`` shows under a figure: read from the declaration's item
    files, so it lives with the other readers rather than in the compliance engine.
    """
    import duckdb

    rows: list[dict[str, Any]] = []
    con = duckdb.connect(":memory:")
    for source in declarations.item_sources:
        cur = con.execute(
            f"""SELECT * EXCLUDE (__row) FROM {source.relation_sql()}
                WHERE CAST(party AS VARCHAR) = ? AND try_cast(as_of AS DATE) = ?
                  AND CAST(category AS VARCHAR) = ? AND CAST(status AS VARCHAR) = ?
                ORDER BY CAST(uid AS VARCHAR) LIMIT ?""",
            [party, as_of, category, status, limit],
        )
        names = [d[0] for d in cur.description]
        rows += [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return [
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
        for r in rows[:limit]
    ]


def read_party_items(
    declarations: DeclarationSet,
    *,
    party: str,
    dates: Sequence[dt.date] | None = None,
) -> pa.Table:
    """Every item row of ``party`` in the item files, as text with its ``as_of`` date.

    The one reader of item rows for the pure comparisons: the input of
    :func:`armsctl.inventory.diff.diff_items` and of
    :func:`armsctl.notifications.reconcile.reconcile`. ``uid``, ``as_of`` and the columns of
    :func:`armsctl.inventory.diff.item_columns`, each cast to text, from every item file.
    ``dates`` keeps only the rows as of those dates, filtered in the scan (Parquet keeps its
    types, so the filter reaches the file's row groups). A set without item files has no
    rows; the comparisons refuse it, each in its own words.
    """
    import pyarrow as pa

    from armsctl.inventory.diff import item_columns

    cols = item_columns(declarations.treaty)
    if not declarations.item_sources:
        fields = [("uid", pa.string()), ("as_of", pa.date32()), *((c, pa.string()) for c in cols)]
        return pa.schema(fields).empty_table()
    select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols)
    params: dict[str, Any] = {"party": party}
    if dates is not None:
        params.update({f"d{i}": day for i, day in enumerate(dates)})
    union = " UNION ALL ".join(
        f"SELECT CAST(uid AS VARCHAR) AS uid, try_cast(as_of AS DATE) AS as_of, {select} "
        f"FROM {s.relation_sql(row_numbers=False)} WHERE {_party_filter(s, dates)}"
        for s in declarations.item_sources
    )
    table: pa.Table = _connect().sql(union, params=params).to_arrow_table()
    return table


def _party_filter(source: ItemSource, dates: Sequence[dt.date] | None) -> str:
    """The party's rows (of ``dates`` if given); Parquet's typed columns are compared as they are."""
    typed = source.fmt == "parquet"
    where = "party = $party" if typed else "CAST(party AS VARCHAR) = $party"
    if dates is None:
        return where
    days = ", ".join(f"$d{i}" for i in range(len(dates))) or "NULL"
    return f"{where} AND {'as_of' if typed else 'CAST(as_of AS DATE)'} IN ({days})"


def write_items(path: Path, items: pa.Table) -> Path:
    """Write an item table (e.g. from ``inventory.synthetic.generate_items``) to ``path``.

    Parquet, CSV or JSON (an array of records) by the suffix, in a form ``read_declarations``
    reads back; the folder is created if needed. Returns ``path``.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(items, path)
    elif path.suffix == ".csv":
        pacsv.write_csv(items, path)
    else:
        path.write_text(json.dumps(items.to_pylist(), default=str), encoding="utf-8")
    return path
