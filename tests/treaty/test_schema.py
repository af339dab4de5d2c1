"""A treaty file is data: validated, every problem named by its key, nothing executed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armsctl.errors import NotFoundError, TreatyFileError
from armsctl.treaty import Treaty, bundled_treaty_ids, load_treaty, parse_treaty

BUNDLED = Path(__file__).parents[2] / "src" / "armsctl" / "treaty" / "data" / "new-start.toml"


def test_new_start_central_limits(new_start: Treaty) -> None:
    assert {x.id: x.maximum for x in new_start.limits} == {
        "deployed-delivery-vehicles": 700,
        "deployed-warheads": 1550,
        "total-launchers": 800,
    }
    assert all(x.effective == dt.date(2018, 2, 5) for x in new_start.limits)
    assert all(x.article for x in new_start.limits)


def test_new_start_dates(new_start: Treaty) -> None:
    assert new_start.dates.entry_into_force == dt.date(2011, 2, 5)
    assert new_start.expiry_on() == dt.date(2026, 2, 5)
    assert new_start.in_force_on(dt.date(2026, 2, 4))
    assert not new_start.in_force_on(dt.date(2026, 2, 5))
    assert not new_start.in_force_on(dt.date(2011, 2, 4))
    assert new_start.dates.suspensions[0].party == "RUS"


def test_new_start_quotas_and_duties(new_start: Treaty) -> None:
    quotas = {q.id: q.per_year for q in new_start.inspection_quotas}
    assert quotas == {"type-one": 10, "type-two": 8}
    duties = {n.id: n.deadline_delta for n in new_start.notifications}
    assert duties["change-in-data"] == dt.timedelta(days=5)
    assert duties["six-monthly-update"] == dt.timedelta(days=30)


def test_interpretation_replaces_one_rule(new_start: Treaty) -> None:
    base = new_start.counting_rule("total-launchers")
    disputed = new_start.counting_rule("total-launchers", "counts-converted")
    assert base is new_start.limit("total-launchers").counting
    assert disputed is not base
    assert (
        new_start.counting_rule("deployed-warheads", "counts-converted")
        is new_start.limit("deployed-warheads").counting
    )


def test_every_bundled_treaty_loads() -> None:
    ids = bundled_treaty_ids()
    assert "new-start" in ids
    for treaty_id in ids:
        assert load_treaty(treaty_id).id == treaty_id


def test_unknown_treaty_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="unknown treaty 'nope'"):
        load_treaty("nope")


def _broken(old: str, new: str) -> str:
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        (
            "maximum = 700",
            "maximum = -700",
            "limits[0](deployed-delivery-vehicles).maximum",
            "greater than or equal to 0",
        ),
        (
            'members = ["USA", "RUS"]',
            'members = ["USA", "Russia"]',
            "parties.members[1]",
            "pattern",
        ),
        (
            'statuses = ["deployed"]\nmeasure = "count"',
            'statuses = ["deplyed"]\nmeasure = "count"',
            "limits[0].counting.terms[0].statuses",
            "unknown status 'deplyed'",
        ),
        (
            "maximum = 1550",
            "maximum = 1550\nceiling = 3",
            "limits[1](deployed-warheads).ceiling",
            "unknown key",
        ),
        (
            'deadline = "P5D"',
            'deadline = "five days"',
            "notifications[0](change-in-data).deadline",
            "ISO 8601",
        ),
        (
            "entry_into_force = 2011-02-05",
            "entry_into_force = 2009-02-05",
            "dates",
            "before signed",
        ),
        (
            'measure = "attribute"\nattribute = "warheads"',
            'measure = "attribute"',
            "limits[1](deployed-warheads).counting.terms[0]",
            "needs an attribute",
        ),
    ],
)
def test_schema_errors_name_the_key(old: str, new: str, location: str, message: str) -> None:
    with pytest.raises(TreatyFileError) as info:
        parse_treaty(_broken(old, new), where="mine.toml")
    found = [(p.location, p.message) for p in info.value.problems]
    assert any(loc == location and message in msg for loc, msg in found), found
    assert all(p.where == "mine.toml" for p in info.value.problems)


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(TreatyFileError, match=r"mine.toml: not valid TOML: .*line 3"):
        parse_treaty('id = "x"\ntitle = "t"\nshort_title = \n', where="mine.toml")


def test_unknown_category_in_rule_is_reported_with_every_other_problem() -> None:
    text = _broken('categories = ["heavy-bomber"]', 'categories = ["bomber"]')
    text = text.replace('id = "test"', 'id = "test"\nextra = 1', 1)
    with pytest.raises(TreatyFileError) as info:
        parse_treaty(text, where="mine.toml")
    messages = " | ".join(str(p) for p in info.value.problems)
    assert "unknown key" in messages and "statuses[2](test).extra" in messages


def test_rule_with_unknown_category_is_named() -> None:
    with pytest.raises(TreatyFileError) as info:
        parse_treaty(_broken('categories = ["heavy-bomber"]', 'categories = ["bomber"]'), where="x")
    assert any(
        p.location == "limits[1].counting.terms[1].categories"
        and "unknown category 'bomber'" in p.message
        for p in info.value.problems
    )


def test_load_treaty_from_a_users_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        BUNDLED.read_text(encoding="utf-8").replace('id = "new-start"', 'id = "my-treaty"', 1)
    )
    assert load_treaty(path).id == "my-treaty"
    assert load_treaty(str(path)).id == "my-treaty"
