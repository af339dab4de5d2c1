"""Declarations are read whole or not at all, and every problem names its file, line and field."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from armsctl.errors import DeclarationError
from armsctl.inventory import ComponentKey, read_declarations
from armsctl.treaty import Treaty

ITEM_HEADER = ["party", "as_of", "uid", "category", "status", "facility", "warheads"]

GOOD_ITEMS = [
    ["USA", "2020-09-01", "M1", "icbm-launcher", "deployed", "F1", 1],
    ["USA", "2020-09-01", "M2", "icbm-launcher", "non-deployed", "F1", 0],
    ["USA", "2020-09-01", "S1", "slbm-launcher", "deployed", "F2", 4],
    ["USA", "2020-09-01", "B1", "heavy-bomber", "deployed", "F3", 16],
    ["USA", "2020-09-01", "B2", "heavy-bomber", "converted", "F3", 0],
]


def _problems(exc: pytest.ExceptionInfo[DeclarationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_item_declaration_is_reduced_to_components(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([ITEM_HEADER, *GOOD_ITEMS])
    decls = read_declarations([path], new_start)
    (decl,) = decls.declarations
    assert (decl.party, decl.as_of, decl.kind) == ("USA", dt.date(2020, 9, 1), "items")
    assert decl.components[ComponentKey("icbm-launcher", "deployed")].value == 1
    assert decl.components[ComponentKey("slbm-launcher", "deployed", "warheads")].value == 4
    assert decl.components[ComponentKey("heavy-bomber", "deployed", "warheads")].value == 16


def test_aggregate_declaration(new_start: Treaty, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            ["party", "as_of", "measure", "value", "source"],
            ["RUS", "2019-03-01", "deployed-warheads", "1461", "fact sheet"],
            ["RUS", "2019-03-01", "heavy-bomber/deployed", "50", ""],
        ]
    )
    (decl,) = read_declarations([path], new_start).declarations
    assert decl.kind == "aggregate"
    assert decl.limits["deployed-warheads"].value == 1461
    assert decl.limits["deployed-warheads"].source == "fact sheet"
    assert decl.components[ComponentKey("heavy-bomber", "deployed")].value == 50


def test_formats_agree(new_start: Treaty, tmp_path: Path) -> None:
    table = pa.table({h: [row[i] for row in GOOD_ITEMS] for i, h in enumerate(ITEM_HEADER)})
    pq.write_table(table, tmp_path / "d.parquet")
    (tmp_path / "d.json").write_text(
        json.dumps([dict(zip(ITEM_HEADER, r, strict=True)) for r in GOOD_ITEMS])
    )
    with (tmp_path / "d.csv").open("w") as handle:
        handle.write(",".join(ITEM_HEADER) + "\n")
        handle.writelines(",".join(map(str, r)) + "\n" for r in GOOD_ITEMS)
    results = [
        read_declarations([tmp_path / name], new_start).declarations[0].components
        for name in ("d.parquet", "d.json", "d.csv")
    ]
    assert results[0] == results[1] == results[2]


def test_a_folder_is_read_whole(new_start: Treaty, write_csv: Callable[..., Path]) -> None:
    write_csv([ITEM_HEADER, *GOOD_ITEMS], "a.csv")
    later = [[*r[:1], "2021-03-01", *r[2:]] for r in GOOD_ITEMS]
    path = write_csv([ITEM_HEADER, *later], "b.csv")
    decls = read_declarations([path.parent], new_start)
    assert decls.dates() == [dt.date(2020, 9, 1), dt.date(2021, 3, 1)]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["USA", "2020-09-01", "X1", "cruise-missile", "deployed", "F1", 1],
            "line 7: category: unknown category 'cruise-missile'",
        ),
        (
            ["USA", "2020-09-01", "X1", "icbm-launcher", "parked", "F1", 1],
            "line 7: status: unknown status 'parked'",
        ),
        (
            ["USA", "2020-09-01", "X1", "icbm-launcher", "deployed", "F1", -2],
            "line 7: warheads: -2 is negative",
        ),
        (
            ["USA", "2020-09-01", "X1", "icbm-launcher", "deployed", "F1", 1.5],
            "line 7: warheads: 1.5 is not a whole number",
        ),
        (
            ["USA", "2020-09-01", "X1", "icbm-launcher", "deployed", "F1", "many"],
            "line 7: warheads: 'many' is not a number",
        ),
        (
            ["USA", "2020-13-01", "X1", "icbm-launcher", "deployed", "F1", 1],
            "line 7: as_of: bad date '2020-13-01'",
        ),
        (
            ["FRA", "2020-09-01", "X1", "icbm-launcher", "deployed", "F1", 1],
            "line 7: party: unknown party 'FRA'",
        ),
        (["USA", "2020-09-01", "", "icbm-launcher", "deployed", "F1", 1], "line 7: uid: missing"),
        (
            ["USA", "2020-09-01", "M1", "icbm-launcher", "deployed", "F1", 1],
            "line 7: uid: duplicate uid 'M1' in the declaration of USA as of 2020-09-01 (first at line 2)",
        ),
    ],
)
def test_bad_item_rows_are_named(
    new_start: Treaty, write_csv: Callable[..., Path], row: list[object], expected: str
) -> None:
    path = write_csv([ITEM_HEADER, *GOOD_ITEMS, row])
    with pytest.raises(DeclarationError) as info:
        read_declarations([path], new_start)
    assert any(
        p == f"{path}:{expected}" or p.startswith(f"{path}:{expected}") for p in _problems(info)
    ), _problems(info)


def test_missing_column_is_named(new_start: Treaty, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            ["party", "as_of", "uid", "category", "facility", "warheads"],
            ["USA", "2020-09-01", "M1", "icbm-launcher", "F", 1],
        ]
    )
    with pytest.raises(
        DeclarationError, match=r"missing column\(s\) status for an item-level declaration"
    ):
        read_declarations([path], new_start)


def test_missing_attribute_column_is_named(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([ITEM_HEADER[:-1], GOOD_ITEMS[0][:-1]])
    with pytest.raises(DeclarationError, match=r"missing attribute column\(s\) warheads"):
        read_declarations([path], new_start)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["USA", "2019-03-01", "deployed-warheads", "-5"], "line 2: value: -5 is negative"),
        (
            ["USA", "2019-03-01", "deployed-warheads", "12.5"],
            "line 2: value: 12.5 is not a whole number",
        ),
        (["USA", "2019-03-01", "deployed-warheads", ""], "line 2: value: missing"),
        (["USA", "03/01/2019", "deployed-warheads", "5"], "line 2: as_of: bad date '03/01/2019'"),
        (["USA", "2019-03-01", "warheads", "5"], "line 2: measure: unknown measure 'warheads'"),
        (
            ["USA", "2019-03-01", "bomber/deployed", "5"],
            "line 2: measure: unknown category 'bomber'",
        ),
        (
            ["USA", "2019-03-01", "heavy-bomber/parked", "5"],
            "line 2: measure: category 'heavy-bomber' has no status 'parked'",
        ),
    ],
)
def test_bad_aggregate_rows_are_named(
    new_start: Treaty, write_csv: Callable[..., Path], row: list[str], expected: str
) -> None:
    path = write_csv([["party", "as_of", "measure", "value"], row])
    with pytest.raises(DeclarationError) as info:
        read_declarations([path], new_start)
    assert any(p.startswith(f"{path}:{expected}") for p in _problems(info)), _problems(info)


def test_every_problem_is_reported_not_just_the_first(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        [
            ITEM_HEADER,
            *GOOD_ITEMS,
            ["USA", "2020-09-01", "X1", "tank", "deployed", "F", 1],
            ["USA", "bad", "X2", "icbm-launcher", "deployed", "F", -1],
        ]
    )
    with pytest.raises(DeclarationError) as info:
        read_declarations([path], new_start)
    problems = _problems(info)
    assert len(problems) == 3
    assert [p.split(":")[1] for p in problems] == ["line 7", "line 8", "line 8"]


def test_bad_json_names_the_line(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[\n{"party": "USA",\n "as_of": }\n]')
    with pytest.raises(DeclarationError, match=r"d.json:line 3: not valid JSON"):
        read_declarations([path], new_start)


def test_unknown_file_type_and_missing_file(new_start: Treaty, tmp_path: Path) -> None:
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(DeclarationError) as info:
        read_declarations([tmp_path / "d.xlsx", tmp_path / "none.csv"], new_start)
    assert [p.message for p in info.value.problems] == [
        "not a .csv, .json or .parquet file",
        "no such file or folder",
    ]


def test_same_party_and_date_in_two_files_is_refused(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    write_csv([ITEM_HEADER, *GOOD_ITEMS], "a.csv")
    path = write_csv(
        [["party", "as_of", "measure", "value"], ["USA", "2020-09-01", "deployed-warheads", "1"]],
        "b.csv",
    )
    with pytest.raises(DeclarationError, match="also declared in"):
        read_declarations([path.parent], new_start)


def test_parquet_rows_are_named(new_start: Treaty, tmp_path: Path) -> None:
    rows = [*GOOD_ITEMS, ["USA", "2020-09-01", "X", "icbm-launcher", "deployed", "F1", -1]]
    table = pa.table({h: [row[i] for row in rows] for i, h in enumerate(ITEM_HEADER)})
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(DeclarationError, match=r"d.parquet:row 6: warheads: -1 is negative"):
        read_declarations([tmp_path / "d.parquet"], new_start)


def test_a_declared_figure_is_read_like_a_limit(tmp_path: Path) -> None:
    from armsctl.treaty import load_treaty

    path = tmp_path / "aemi.csv"
    path.write_text("party,as_of,measure,value\nDEU,2026-01-01,units,250\n", encoding="utf-8")
    read = read_declarations([path], load_treaty("vienna-document-2011"))
    assert read.declarations[0].limits["units"].value == 250


def test_item_records_are_typed_the_same_from_every_format(
    new_start: Treaty, tmp_path: Path
) -> None:
    from armsctl.inventory.io import item_records

    rows = [
        {"party": "USA", "as_of": "2024-03-01", "uid": "007", "category": "icbm-launcher",
         "status": "deployed", "facility": "F1", "warheads": "1", "zone": ""},
        {"party": "USA", "as_of": "2024-03-01", "uid": "8", "category": "heavy-bomber",
         "status": "deployed", "facility": "F2", "warheads": "", "zone": ""},
    ]  # fmt: skip
    csv_path = tmp_path / "items.csv"
    header = list(rows[0])
    csv_path.write_text(
        ",".join(header) + "\n" + "".join(",".join(r[k] for k in header) + "\n" for r in rows),
        encoding="utf-8",
    )
    json_path = tmp_path / "items.json"
    typed = [{**r, "warheads": int(r["warheads"]) if r["warheads"] else None} for r in rows]
    json_path.write_text(json.dumps(typed), encoding="utf-8")
    parquet_path = tmp_path / "items.parquet"
    pq.write_table(pa.Table.from_pylist(typed), parquet_path)
    want = [
        {"uid": "007", "category": "icbm-launcher", "status": "deployed", "facility": "F1",
         "warheads": 1},
        {"uid": "8", "category": "heavy-bomber", "status": "deployed", "facility": "F2"},
    ]  # fmt: skip
    for path in (csv_path, json_path, parquet_path):
        read = read_declarations([path], new_start)
        got = item_records(read.item_sources[0], new_start, "USA", dt.date(2024, 3, 1))
        assert sorted(got, key=lambda r: r["uid"]) == want, path.suffix
