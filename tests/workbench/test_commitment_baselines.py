"""Baselines from a committed declaration's public counts: ``commitment:FILE`` and ``log:INDEX``.

A committed declaration publishes items per category only: limits counting every status of
their categories are exact, limits counting some statuses are upper bounds, and attribute sums
(warheads) are not known at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.errors import InputError
from armsctl.treaty import Treaty
from armsctl.workbench.baselines import baseline_from_commitment, commitment_public

runner = CliRunner()

PUBLIC = {
    "scheme": "armsctl/escrow/v2",
    "party": "USA",
    "date": "2026-02-05",
    "treaty": "new-start",
    "counts": {"heavy-bomber": 60, "icbm-launcher": 900},
    "size": 960,
    "root": "AAAA",
}


def test_public_counts_give_exact_figures_bounds_or_nothing(new_start: Treaty) -> None:
    b = baseline_from_commitment(new_start, "USA", dict(PUBLIC), "commitment:c.json")
    # Both launcher limits count some statuses of the categories only: upper bounds.
    assert b.limits == {"deployed-delivery-vehicles": 960, "total-launchers": 960}
    assert b.upper_bounds == ["deployed-delivery-vehicles", "total-launchers"]
    assert any("deployed-warheads" in n for n in b.counting_notes)  # an attribute sum
    assert str(b.as_of) == "2026-02-05"
    # A treaty whose limit counts every status of a category is known exactly.
    from armsctl.treaty import parse_treaty
    from armsctl.workbench.drafts import _clean

    raw = new_start.model_dump(mode="python", exclude_none=True)
    for x in raw["limits"]:
        if x["id"] == "total-launchers":
            x["counting"]["terms"][0]["statuses"] = [
                "deployed",
                "non-deployed",
                "test",
                "converted",
            ]
    import tomli_w

    every = parse_treaty(tomli_w.dumps(_clean(raw)))
    exact = baseline_from_commitment(every, "USA", dict(PUBLIC), "commitment:c.json")
    assert exact.limits["total-launchers"] == 960
    assert exact.upper_bounds == ["deployed-delivery-vehicles"]


def test_a_commitment_for_another_party_or_treaty_is_refused(new_start: Treaty) -> None:
    with pytest.raises(InputError, match="by USA, not RUS"):
        baseline_from_commitment(new_start, "RUS", dict(PUBLIC), "commitment:c.json")
    other = {**PUBLIC, "counts": {"category-1-agent": 5}}
    with pytest.raises(InputError, match="not in new-start: category-1-agent"):
        baseline_from_commitment(new_start, "USA", other, "commitment:c.json")
    with pytest.raises(InputError, match="not a committed declaration"):
        commitment_public({"items": []}, "c.json")
    with pytest.raises(InputError, match=r"counts\.icbm-launcher must be a whole number"):
        commitment_public({**PUBLIC, "counts": {"icbm-launcher": -1}}, "c.json")
    # A reveal file carries the public declaration it was checked against.
    assert commitment_public({"declaration": {"public": PUBLIC}}, "r.json") == PUBLIC


@pytest.fixture
def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[typer.Typer, Path]:
    """`armsctl commit` run for real into a local log: 30 ICBM launchers, 6 bombers."""
    monkeypatch.chdir(tmp_path)
    app = build_app()
    assert runner.invoke(app, ["keys", "generate", "USA"]).exit_code == 0
    rows = ["uid,category,status,facility,warheads,as_of"]
    rows += [
        f"u{i},icbm-launcher,{'deployed' if i % 3 else 'non-deployed'},f1,1,2011-02-05"
        for i in range(30)
    ]
    rows += [f"b{i},heavy-bomber,deployed,f2,0,2011-02-05" for i in range(6)]
    (tmp_path / "items.csv").write_text("\n".join(rows) + "\n")
    result = runner.invoke(
        app,
        ["commit", "items.csv", "--party", "USA", "--date", "2011-02-05", "--treaty",
         "new-start", "--key", "keys/USA.key", "--party-key", "keys/USA.pub",
         "--opening", "opening.json", "--db", "sqlite:///log.db", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (tmp_path / "commit.json").write_text(result.stdout)
    return app, tmp_path


def _cuts(app: typer.Typer, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = runner.invoke(
        app, ["workbench", "cuts", "new-start", "--set", "total-launchers=20", *args]
    )
    return result.exit_code, json.loads(result.stdout) if result.exit_code < 2 else result.output


def test_cuts_from_a_commitment_file_and_from_the_log(committed: tuple[typer.Typer, Path]) -> None:
    app, _ = committed
    for source in ("commitment:commit.json", "log:0"):
        code, doc = _cuts(app, "-b", f"USA={source}", "--db", "sqlite:///log.db", "--format",
                          "json")  # fmt: skip
        assert code == 0
        (usa,) = doc["parties"]
        assert usa["baseline_source"] == source and usa["baseline_as_of"] == "2011-02-05"
        rows = {x["id"]: x for x in usa["limits"]}
        assert rows["total-launchers"] == rows["total-launchers"] | {
            "baseline": 36,
            "max": 20,
            "required_cut": 16,
            "upper_bound": True,
        }
        assert usa["not_in_baseline"] == ["deployed-warheads"]
        assert any("upper bound" in n for n in usa["counting_notes"])
        assert usa["sources"][0].startswith("committed declaration by USA as of 2011-02-05")
    _, doc = _cuts(app, "-b", "USA=log:0", "--db", "sqlite:///log.db", "--format", "json")
    assert any(
        "not checked against a key you trust" in n for n in doc["parties"][0]["counting_notes"]
    )


def test_bad_commitment_sources_exit_2_with_one_line(committed: tuple[typer.Typer, Path]) -> None:
    app, _ = committed
    for source, message in (
        ("RUS=commitment:commit.json", "the declaration is by USA, not RUS"),
        ("USA=commitment:items.csv", "line 1: not JSON"),
        ("USA=commitment:missing.json", "no such file"),
        ("USA=log:7", "the log has no entry 7"),
        ("USA=log:x", "expected log:INDEX"),
    ):
        code, out = _cuts(app, "-b", source, "--db", "sqlite:///log.db")
        assert code == 2 and message in out and "Traceback" not in out, (source, out)
