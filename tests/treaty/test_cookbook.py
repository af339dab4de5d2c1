"""Every treaty file in docs/treaty-cookbook.md validates and does what the page says."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from armsctl.compliance import evaluate
from armsctl.errors import TreatyFileError
from armsctl.inventory import Declaration, DeclarationSet
from armsctl.inventory.model import ComponentKey, Figure
from armsctl.treaty import Treaty, parse_treaty

DOCS = Path(__file__).parents[2] / "docs"
BLOCKS = re.findall(r"```toml\n(.*?)```", (DOCS / "treaty-cookbook.md").read_text(), re.S)


def cookbook(treaty_id: str) -> Treaty:
    for block in BLOCKS:
        if f'id = "{treaty_id}"' in block and "schema_note" not in block:
            return parse_treaty(block, where=f"{treaty_id}.toml")
    raise AssertionError(treaty_id)


def test_the_page_holds_five_files() -> None:
    assert len(BLOCKS) == 5


def test_the_deliberate_mistake_is_reported() -> None:
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(BLOCKS[0], where="twin.toml")
    lines = [str(p) for p in exc.value.problems]
    assert "twin.toml:dates.schema_note: unknown key" in lines
    fixed = BLOCKS[0].replace('schema_note = "removed below"\n', "")
    with pytest.raises(TreatyFileError) as exc:
        parse_treaty(fixed, where="twin.toml")
    assert [str(p) for p in exc.value.problems] == [
        "twin.toml:dates.expiry: needs schema = 2 (add `schema = 2` at the top)"
    ]


def test_bilateral_dates() -> None:
    t = cookbook("twin-ceilings")
    assert t.expiry_on() == dt.date(2030, 6, 1)
    assert {x.effective for x in t.limits} == {dt.date(2023, 6, 1)}


def band_value(t: Treaty, limit_id: str, ranges: list[int]) -> int | None:
    decl = Declaration("AAA", dt.date(1992, 1, 1), "aggregate", "test")
    for label in ("range-km>=500<1000", "range-km>=1000<=5500"):
        lo, hi = (500, 1000) if label.endswith("<1000") else (1000, 5500)
        n = sum(1 for r in ranges if lo <= r and (r < hi if hi == 1000 else r <= hi))
        for status in ("deployed", "non-deployed"):
            key = ComponentKey("ground-launched-missile", status, "count", "", label)
            decl.components[key] = Figure(n if status == "deployed" else 0)
    report = evaluate(t, DeclarationSet(t, [decl], []), dt.date(1992, 1, 1))
    aaa = next(p for p in report.parties if p.party == "AAA")
    return next(x.value for x in aaa.limits if x.id == limit_id)


def test_inf_band() -> None:
    t = cookbook("band-ban")
    assert t.limit("shorter-range").effective == dt.date(1989, 12, 1)
    assert t.limit("intermediate-range").effective == dt.date(1991, 6, 1)
    assert band_value(t, "intermediate-range", [499, 1000, 5500, 5501]) == 2
    assert band_value(t, "shorter-range", [499, 500, 999, 1000]) == 2


def test_open_multilateral_deadlines() -> None:
    t = cookbook("open-ban")
    limit = t.limit("stockpile-destruction")
    assert t.limit_effective(limit, "FIN") == dt.date(2016, 7, 1)
    assert t.limit_effective(limit, "UKR") == dt.date(2012, 6, 1)
    assert t.limit_effective(limit, "NOR") == dt.date(2003, 3, 1)
    assert t.withdrawn_on("XXA", dt.date(2024, 7, 15)) == dt.date(2024, 7, 15)
    assert t.withdrawn_on("XXA", dt.date(2024, 7, 14)) is None


@pytest.mark.parametrize(
    ("party", "at", "ceiling"),
    [
        ("AAA", dt.date(2000, 4, 29), 39600),
        ("AAA", dt.date(2002, 4, 29), 32000),
        ("AAA", dt.date(2004, 4, 29), 22000),
        ("AAA", dt.date(2007, 4, 29), 0),
        ("BBB", dt.date(2007, 4, 29), 22000),
        ("BBB", dt.date(2012, 4, 29), 0),
    ],
)
def test_phased_ceilings(party: str, at: dt.date, ceiling: int) -> None:
    t = cookbook("phased-destruction")
    first = Declaration(party, dt.date(1997, 4, 29), "aggregate", "test")
    first.components[ComponentKey("agent", "held")] = Figure(40000)
    report = evaluate(t, DeclarationSet(t, [first], []), at)
    record = next(p for p in report.parties if p.party == party)
    assert record.limits[0].max == ceiling
