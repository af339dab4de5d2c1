"""One item list, classified into UNROCA, ATT, CFE and Vienna Document categories, with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.crosswalk import REGIMES, classify, load_regime, summarise, vocabulary
from armsctl.crosswalk.io import read_items
from armsctl.errors import InputError

HEADER = "uid,kind,calibre_mm,mass_t,range_km,traverse_deg,crew,unmanned\n"


def item(uid: str, kind: str, **attrs: float) -> dict[str, object]:
    base: dict[str, object] = {"uid": uid, "kind": kind}
    base.update({a: attrs.get(a) for a in vocabulary().attributes})
    return base


def test_82_mm_mortar_is_unroca_iii_but_not_cfe_artillery() -> None:
    (entry,) = classify([item("M82", "mortar", calibre_mm=82)], ["unroca", "cfe"])
    assert entry["regimes"]["unroca"] == {"category": "III", "counted": True}
    cfe = entry["regimes"]["cfe"]
    assert (cfe["category"], cfe["counted"]) == (None, False)
    assert "calibre_mm 82 is not at least 100" in cfe["reason"]
    assert "unverified" in cfe["reason"]  # the CFE 100 mm row is not confirmed in a primary text


@pytest.mark.parametrize(
    ("calibre", "unroca", "cfe"),
    [(74.9, None, None), (75, "III", None), (99, "III", None), (100, "III", "artillery")],
)
def test_artillery_thresholds_at_their_edges(
    calibre: float, unroca: str | None, cfe: str | None
) -> None:
    (entry,) = classify([item("G", "gun", calibre_mm=calibre)], ["unroca", "cfe"])
    assert entry["regimes"]["unroca"]["category"] == unroca
    assert entry["regimes"]["cfe"]["category"] == cfe


def test_warships_by_tonnage_or_missile_range() -> None:
    ships = [
        item("big", "warship", mass_t=500),
        item("small-armed", "warship", mass_t=300, range_km=25),
        item("small", "warship", mass_t=300, range_km=10),
    ]
    out = {e["uid"]: e["regimes"] for e in classify(ships, list(REGIMES))}
    assert out["big"]["unroca"]["category"] == "VI" and out["big"]["att"]["category"] == "f"
    assert out["small-armed"]["unroca"]["category"] == "VI"
    assert out["small"]["unroca"]["counted"] is False
    assert "no naval" in out["big"]["cfe"]["reason"]


def test_tank_needs_every_threshold_and_says_which_is_missing() -> None:
    (entry,) = classify([item("T", "tank", mass_t=40, calibre_mm=120)], ["unroca", "cfe"])
    assert entry["regimes"]["unroca"]["category"] == "I"
    assert "traverse_deg not given" in entry["regimes"]["cfe"]["reason"]


def test_every_row_has_a_source_and_a_verified_flag() -> None:
    for regime_id in REGIMES:
        regime = load_regime(regime_id)
        assert regime.rows
        for row in regime.rows:
            assert row.source and isinstance(row.verified, bool)
    # What the curated notes mark unverified stays unverified.
    assert not any(r.verified for r in load_regime("vd2011").rows)
    cfe = {r.category: r.verified for r in load_regime("cfe").rows}
    assert cfe == {
        "battle-tank": False,
        "acv": False,
        "artillery": False,
        "combat-aircraft": False,
        "attack-helicopter": True,
    }


def test_summary_counts_and_unverified_categories() -> None:
    classified = classify([item("M", "mortar", calibre_mm=120), item("X", "salw")], ["cfe", "att"])
    summary = summarise(classified, ["cfe", "att"])
    assert summary["cfe"]["counted"] == 1 and summary["cfe"]["excluded"] == 1
    assert summary["cfe"]["unverified_categories"] == ["artillery"]
    assert summary["att"]["by_category"] == {"c": 1, "h": 1}


def test_cli_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(HEADER + "M82,mortar,82,,,,,\n", encoding="utf-8")
    result = CliRunner().invoke(
        build_app(), ["crosswalk", str(path), "--to", "all", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"items", "summary"}
    (entry,) = doc["items"]
    assert entry["uid"] == "M82" and set(entry["regimes"]) == set(REGIMES)
    assert entry["regimes"]["unroca"] == {"category": "III", "counted": True}
    assert set(entry["regimes"]["cfe"]) == {"category", "counted", "reason"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "nothing to check"),
        ("M1,mortar,inf,,,,,\n", "line 2: calibre_mm: 'inf' is not a finite number"),
        ("M1,mortar,1e2,,,,,\n", "line 2: calibre_mm: '1e2' uses exponent notation"),
        ("M1,spear,,,,,,\n", "line 2: kind: unknown kind 'spear'"),
        ("M1,mortar,82,,,,,\nM1,mortar,82,,,,,\n", "line 3: uid: duplicate 'M1' (first at line 2)"),
    ],
)
def test_bad_item_lists_exit_2(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "items.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_items(path)
    assert any(message in str(p) and str(path) in str(p) for p in exc.value.problems)
    result = CliRunner().invoke(build_app(), ["crosswalk", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_json_and_bom_inputs(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(
        json.dumps([{"uid": "H", "kind": "howitzer", "calibre_mm": 155}]), encoding="utf-8"
    )
    assert read_items(path)[0]["calibre_mm"] == 155.0
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + "M,mortar,82,,,,,\n").encode())
    assert read_items(bom)[0]["uid"] == "M"
