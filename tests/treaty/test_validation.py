"""Inconsistent treaty files are refused at validation, each problem with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from armsctl.errors import TreatyFileError
from armsctl.treaty import load_treaty, parse_treaty

BLOCS = (Path(__file__).parents[1] / "compliance" / "blocs.toml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(text, where="t.toml")
    return [str(p) for p in exc.value.problems]


def test_blocs_is_valid() -> None:
    assert parse_treaty(BLOCS).id == "blocs"


def test_zone_limit_without_groups() -> None:
    text = BLOCS.replace('scope = "zone"\ngroups = ["east", "west"]', 'scope = "zone"')
    assert problems(text) == [
        "t.toml:limits[2](flank-tank).groups: scope = 'zone' needs the groups it applies to"
        " (a limit without them would never be evaluated)"
    ]


def test_group_limit_without_groups() -> None:
    text = BLOCS.replace('scope = "group"\ngroups = ["east", "west"]', 'scope = "group"')
    assert problems(text) == [
        "t.toml:limits[1](group-tank).groups: scope = 'group' needs the groups it applies to"
        " (a limit without them would never be evaluated)"
    ]


def test_group_without_members() -> None:
    text = BLOCS.replace('west = ["BLU", "BLA"]', "west = []")
    assert problems(text) == ["t.toml:parties.groups.west: group 'west' has no members"]


def test_ends_before_effective() -> None:
    text = BLOCS.replace(
        'effective = 2000-06-01\narticle = "Article 1"',
        'effective = 2000-06-01\nends = 2000-01-01\narticle = "Article 1"',
    )
    assert problems(text) == [
        "t.toml:limits[0](party-tank).ends: 2000-01-01 is not after effective 2000-06-01"
    ]


@pytest.mark.parametrize("day", ["02-30", "02-29", "04-31"])
def test_impossible_data_date(day: str) -> None:
    text = BLOCS + f'\n[data_exchange]\ndata_dates = ["03-01", "{day}"]\n'
    assert problems(text) == [
        f"t.toml:data_exchange.data_dates: data date {day!r} does not exist every year"
    ]


def test_impossible_calendar_date() -> None:
    (line,) = problems(BLOCS.replace("signed = 2000-01-01", "signed = 2000-02-30"))
    assert line.startswith("t.toml: not valid TOML:")


def test_latin1_treaty_file_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    text = BLOCS.replace('title = "Fictional Treaty on Blocs"', 'title = "Trait\xe9 fictif"')
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(TreatyFileError) as exc:
        load_treaty(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:line 3: not UTF-8 (byte 0xe9); save the file as UTF-8"
    ]
