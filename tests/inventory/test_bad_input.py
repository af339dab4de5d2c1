"""Every kind of bad declaration input is refused whole, one line per problem naming where."""

from __future__ import annotations

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
AGG_HEADER = ["party", "as_of", "measure", "value"]


def problems(paths: list[Path], treaty: Treaty) -> list[str]:
    with pytest.raises(DeclarationError) as exc:
        read_declarations(paths, treaty)
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("inf", "'inf' is not a finite number"),
        ("nan", "'nan' is not a finite number"),
        ("-Infinity", "'-Infinity' is not a finite number"),
        ("9223372036854775808", "outside the 64-bit integer range"),
        ("123456789012345678901234567890", "outside the 64-bit integer range"),
        ("1e3", "'1e3' uses exponent notation; write the whole number"),
        ("12.5", "12.5 is not a whole number"),
        ("-3", "-3 is negative"),
        ("many", "'many' is not a number"),
    ],
)
def test_aggregate_values(
    new_start: Treaty, write_csv: Callable[..., Path], value: str, message: str
) -> None:
    path = write_csv([AGG_HEADER, ["USA", "2020-09-01", "deployed-warheads", value]])
    (line,) = problems([path], new_start)
    assert line.startswith(f"{path}:line 2: value: ")
    assert message in line


def test_largest_int64_is_kept_exactly(new_start: Treaty, write_csv: Callable[..., Path]) -> None:
    path = write_csv([AGG_HEADER, ["USA", "2020-09-01", "deployed-warheads", str(2**63 - 1)]])
    (decl,) = read_declarations([path], new_start).declarations
    assert decl.limits["deployed-warheads"].value == 2**63 - 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("inf", "not a whole number"),
        ("nan", "not a whole number"),
        ("9223372036854775808", "outside the 64-bit integer range"),
        ("123456789012345678901234567890", "outside the 64-bit integer range"),
        ("1e3", "uses exponent notation"),
    ],
)
def test_item_attribute_values(
    new_start: Treaty, write_csv: Callable[..., Path], value: str, message: str
) -> None:
    path = write_csv(
        [
            ITEM_HEADER,
            ["USA", "2020-09-01", "M1", "icbm-launcher", "deployed", "F1", "1"],
            ["USA", "2020-09-01", "M2", "icbm-launcher", "deployed", "F1", value],
        ]
    )
    (line,) = problems([path], new_start)
    assert line.startswith(f"{path}:line 3: warheads: ")
    # inf/nan are refused either way; the message names what is wrong with the text.
    assert message in line or "finite" in line


def test_item_attribute_in_json_with_exponent_or_nan(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    rows = [
        '{"party": "USA", "as_of": "2020-09-01", "uid": "M1", "category": "icbm-launcher", '
        '"status": "deployed", "facility": "F1", "warheads": 1e3}',
        '{"party": "USA", "as_of": "2020-09-01", "uid": "M2", "category": "icbm-launcher", '
        '"status": "deployed", "facility": "F1", "warheads": NaN}',
    ]
    path.write_text("[" + ",\n".join(rows) + "]", encoding="utf-8")
    assert problems([path], new_start) == [
        f"{path}:record 1: warheads: '1e3' uses exponent notation; write the whole number",
        f"{path}:record 2: warheads: 'NaN' is not a finite number",
    ]


def test_parquet_attribute_beyond_int64(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "items.parquet"
    table = pa.table(
        {
            "party": ["USA"],
            "as_of": ["2020-09-01"],
            "uid": ["M1"],
            "category": ["icbm-launcher"],
            "status": ["deployed"],
            "facility": ["F1"],
            "warheads": pa.array([2**63], type=pa.uint64()),
        }
    )
    pq.write_table(table, path)
    (line,) = problems([path], new_start)
    assert line.startswith(f"{path}:row 1: warheads: ") and "64-bit" in line


@pytest.mark.parametrize("header", [ITEM_HEADER, AGG_HEADER])
def test_header_only_file_has_nothing_to_check(
    new_start: Treaty, write_csv: Callable[..., Path], header: list[str]
) -> None:
    path = write_csv([header])
    assert problems([path], new_start) == [
        f"{path}: holds no declarations (a header and no rows): nothing to check"
    ]


def test_empty_json_array_has_nothing_to_check(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]", encoding="utf-8")
    assert problems([path], new_start) == [f"{path}: no records: nothing to check"]


def test_not_provided_row_carrying_a_value(
    new_start: Treaty, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        [
            ["party", "as_of", "measure", "value", "status"],
            ["RUS", "2023-03-01", "deployed-warheads", "1500", "not-provided"],
        ]
    )
    assert problems([path], new_start) == [
        f"{path}:line 2: value: a row marked not-provided carries a value (1500); "
        "leave value empty or mark the row provided"
    ]


@pytest.mark.parametrize("shape", ["aggregate", "items"])
def test_byte_order_mark_is_accepted(new_start: Treaty, tmp_path: Path, shape: str) -> None:
    path = tmp_path / "bom.csv"
    if shape == "aggregate":
        text = "party,as_of,measure,value\nUSA,2020-09-01,deployed-warheads,1457\n"
    else:
        text = ",".join(ITEM_HEADER) + "\nUSA,2020-09-01,M1,icbm-launcher,deployed,F1,1\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    (decl,) = read_declarations([path], new_start).declarations
    assert decl.party == "USA"
    if shape == "items":
        assert decl.components[ComponentKey("icbm-launcher", "deployed", "warheads")].value == 1


def test_latin1_file_is_named_with_its_line(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    text = "party,as_of,measure,value,note\nUSA,2020-09-01,deployed-warheads,1457,ok\n"
    text += "USA,2020-09-01,deployed-delivery-vehicles,675,d\xe9clar\xe9\n"
    path.write_bytes(text.encode("latin-1"))
    assert problems([path], new_start) == [
        f"{path}:line 3: not UTF-8 (byte 0xe9); save the file as UTF-8"
    ]


def test_json_values_as_numbers(new_start: Treaty, tmp_path: Path) -> None:
    path = tmp_path / "agg.json"
    records = [
        {"party": "USA", "as_of": "2020-09-01", "measure": "deployed-warheads", "value": 1457},
        {"party": "USA", "as_of": "2020-09-01", "measure": "total-launchers", "value": 800.0},
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
    (decl,) = read_declarations([path], new_start).declarations
    assert decl.limits["total-launchers"].value == 800
    path.write_text(json.dumps(records).replace("800.0", "Infinity"), encoding="utf-8")
    assert problems([path], new_start) == [
        f"{path}:record 2: value: 'Infinity' is not a finite number"
    ]
