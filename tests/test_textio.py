"""The one JSON reader and parser: every failure is one problem naming the file (or whatever the
text came from), and the line when known."""

from __future__ import annotations

from pathlib import Path

import pytest

from armsctl.errors import DeclarationError, InputError
from armsctl.textio import parse_json, read_json


def _problem(path: Path) -> str:
    with pytest.raises(InputError) as exc:
        read_json(path)
    (problem,) = exc.value.problems
    return str(problem)


def test_a_document_is_read_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": [1, 2]}')
    assert read_json(path) == {"a": [1, 2]}


def test_each_failure_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    assert _problem(path) == f"{path}: no such file"
    path.write_text('{\n"a": 1,\n}', encoding="utf-8")
    assert _problem(path).startswith(f"{path}:line 3: not valid JSON: ")
    path.write_bytes(b'{"a": "\xe9"}')
    assert _problem(path) == f"{path}:line 1: not UTF-8 (byte 0xe9); save the file as UTF-8"
    assert _problem(tmp_path).startswith(f"{tmp_path}: cannot be read: ")


def test_a_json_file_too_deep_or_with_a_huge_integer_is_bad_input_naming_the_file(
    tmp_path: Path,
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    huge = tmp_path / "huge.json"
    huge.write_text('{"n": ' + "9" * 5000 + "}")
    for path in (deep, huge):
        with pytest.raises(InputError) as caught:
            read_json(path)
        assert caught.value.problems[0].where == str(path)
        assert "not valid JSON" in caught.value.problems[0].message


def test_text_already_read_is_parsed_into_the_callers_kind_of_bad_input() -> None:
    assert parse_json('{"x": 1.5}', where="upload", parse_float=str) == {"x": "1.5"}
    with pytest.raises(DeclarationError) as caught:
        parse_json('{\n"a": 1,\n}', where="items.json", error=DeclarationError)
    (problem,) = caught.value.problems
    assert str(problem).startswith("items.json:line 3: not valid JSON: ")
    with pytest.raises(DeclarationError, match=r"items\.json: not valid JSON: nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000, where="items.json", error=DeclarationError)
