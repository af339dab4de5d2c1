"""``armsctl zk prove`` / ``zk verify`` end to end through the real application."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app

CONTEXT = ["--treaty", "new-start", "--limit", "deployed-warheads", "--party", "RUS"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    app = build_app()
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


def _counts(tmp_path: Path, *counts: int, name: str = "counts.json") -> str:
    sites = [{"label": f"base-{i:02}", "count": c} for i, c in enumerate(counts)]
    (tmp_path / name).write_text(json.dumps({"sites": sites}))
    return name


def _prove(cli: Any, tmp_path: Path, *counts: int, code: int = 0) -> str:
    return cli(
        "zk", "prove", _counts(tmp_path, *counts), *CONTEXT, "--date", "2023-09-01",
        "--proof", "proof.json", "--openings", "openings.json", code=code,
    )  # fmt: skip


def test_prove_writes_a_public_proof_and_private_openings_then_verify_passes(
    cli: Any, tmp_path: Path
) -> None:
    out = _prove(cli, tmp_path, 400, 350, 420, 380)
    assert "within 1,550" in out
    assert stat.S_IMODE((tmp_path / "openings.json").stat().st_mode) == 0o600
    public = (tmp_path / "proof.json").read_text()
    assert '"value"' not in public and "blinding" not in public  # no count, no opening
    report = json.loads(
        cli("zk", "verify", "proof.json", *CONTEXT, "--date", "2023-09-01", "--format", "json")
    )
    assert report["verified"] is True and report["failed"] is None
    assert report["from_proof"] == ["bits"]
    assert report["expected"]["maximum"] == 1550  # from the treaty, not the proof


def test_the_prover_refuses_a_total_above_the_limit_and_writes_nothing(
    cli: Any, tmp_path: Path
) -> None:
    out = _prove(cli, tmp_path, 800, 751, code=1)
    assert "above the deployed-warheads limit of 1550" in out
    assert not (tmp_path / "proof.json").exists() and not (tmp_path / "openings.json").exists()


@pytest.mark.parametrize(
    "option,value",
    [("--party", "USA"), ("--date", "2023-03-01"), ("--limit", "deployed-delivery-vehicles")],
)
def test_verify_fails_with_exit_1_for_another_context(
    cli: Any, tmp_path: Path, option: str, value: str
) -> None:
    _prove(cli, tmp_path, 700, 800)
    out = cli("zk", "verify", "proof.json", option, value, code=1)
    assert "FAIL  context" in out and "the context check failed" in out


def test_verify_names_the_failed_check_of_a_tampered_proof(cli: Any, tmp_path: Path) -> None:
    _prove(cli, tmp_path, 700, 800)
    doc = json.loads((tmp_path / "proof.json").read_text())
    doc["sites"].pop()
    (tmp_path / "proof.json").write_text(json.dumps(doc))
    report = json.loads(cli("zk", "verify", "proof.json", "--format", "json", code=1))
    assert report["failed"] == "bit-sum"


def test_verify_accepts_the_apis_response_wrapper(cli: Any, tmp_path: Path) -> None:
    _prove(cli, tmp_path, 10)
    doc = json.loads((tmp_path / "proof.json").read_text())
    (tmp_path / "api.json").write_text(json.dumps({"id": 1, "log_index": 3, "proof": doc}))
    assert "Verified" in cli("zk", "verify", "api.json")


@pytest.mark.parametrize(
    "content,message",
    [
        ("{", "proof.json:line 1"),
        ("[]", "proof.json: proof: expected an object"),
        ("TRUNCATE", "proof.bits[0].a1: expected 64 lowercase hex digits"),
    ],
)
def test_malformed_proofs_exit_2_with_one_line(
    cli: Any, tmp_path: Path, content: str, message: str
) -> None:
    _prove(cli, tmp_path, 10)
    if content == "TRUNCATE":
        doc = json.loads((tmp_path / "proof.json").read_text())
        doc["bits"][0]["a1"] = doc["bits"][0]["a1"][:-2]
        content = json.dumps(doc)
    (tmp_path / "proof.json").write_text(content)
    out = cli("zk", "verify", "proof.json", code=2)
    assert message in out


@pytest.mark.parametrize(
    "override,message",
    [
        ({"--bits": "8"}, "--bits: the maximum 1550 needs a range of at least 11 bits"),
        ({"--limit": "tanks"}, "--limit: new-start has no limit 'tanks'"),
        ({"--date": "2011-03-01"}, "not in effect on 2011-03-01"),
        ({"--date": "1 March"}, "--date: '1 March' is not an ISO date"),
        ({"--party": "FRA"}, "--party: 'FRA' is not a party"),
    ],
)
def test_prove_refuses_bad_parameters_with_exit_2(
    cli: Any, tmp_path: Path, override: dict[str, str], message: str
) -> None:
    options = {"--limit": "deployed-warheads", "--party": "RUS", "--date": "2023-09-01"}
    options.update(override)
    flat = [x for pair in options.items() for x in pair]
    out = cli(
        "zk", "prove", _counts(tmp_path, 5), "--treaty", "new-start", *flat,
        "--proof", "p.json", "--openings", "o.json", code=2,
    )  # fmt: skip
    assert message in out
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize(
    "sites,message",
    [
        ([], "sites: expected a non-empty list"),
        ([{"label": "a", "count": -1}], "sites[0].count: expected a non-negative integer"),
        ([{"label": "a", "count": 1}, {"label": "a", "count": 2}], "'a' repeats"),
    ],
)
def test_bad_counts_files_exit_2(cli: Any, tmp_path: Path, sites: Any, message: str) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"sites": sites}))
    out = cli(
        "zk", "prove", "c.json", *CONTEXT, "--date", "2023-09-01",
        "--proof", "p.json", "--openings", "o.json", code=2,
    )  # fmt: skip
    assert message in out


def test_existing_openings_are_never_overwritten(cli: Any, tmp_path: Path) -> None:
    _prove(cli, tmp_path, 10)
    before = (tmp_path / "openings.json").read_text()
    assert "not overwriting" in _prove(cli, tmp_path, 10, code=2)
    assert (tmp_path / "openings.json").read_text() == before


def test_the_demo_step_proves_the_synthetic_total_and_the_cli_verifies_it(
    cli: Any, tmp_path: Path
) -> None:
    from rich.console import Console

    from armsctl.cli.zk import demo_step

    console = Console(record=True, width=200)
    demo_step(console, tmp_path)
    demo_step(console, tmp_path)  # a second run replaces its own files
    text = " ".join(console.export_text().split())
    assert "within 1,550 deployed warheads" in text and "fails (context)" in text
    for name in ("counts.json", "openings.json"):
        assert stat.S_IMODE((tmp_path / "zk" / name).stat().st_mode) == 0o600
    public = json.loads((tmp_path / "zk" / "proof.json").read_text())
    assert set(public) == {"format", "context", "sites", "bits"}
    assert all(set(site) == {"label", "commitment"} for site in public["sites"])
    out = cli("zk", "verify", "zk/proof.json", "--party", "RUS", "--date", "2023-09-01")
    assert "Verified" in out


def test_a_limit_the_verifiers_treaty_lacks_is_named_in_the_proof(cli: Any, tmp_path: Path) -> None:
    _prove(cli, tmp_path, 10)
    doc = json.loads((tmp_path / "proof.json").read_text())
    doc["context"]["limit"] = "tanks"
    (tmp_path / "proof.json").write_text(json.dumps(doc))
    out = cli("zk", "verify", "proof.json", code=2)
    assert "proof.json: proof.context.limit: new-start has no limit 'tanks'" in out
