"""The inspect, game, simulate and estimate commands, the plots and the demo step."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from armsctl.charts import render_svg
from armsctl.charts.io import write_chart
from armsctl.cli.verification import demo_step, register
from armsctl.verification.plots import detection_curve_chart, time_to_detection_chart
from armsctl.verification.selection import commit

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verification"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_probability_and_sample_size(app: typer.Typer) -> None:
    code, out, _ = run(
        app, "inspect", "probability", "-N", "10", "-M", "2", "-n", "3", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["detection_probability"] == pytest.approx(8 / 15)
    code, out, _ = run(app, "inspect", "sample-size", "-N", "1000", "-M", "5", "--format", "json")
    data = json.loads(out)
    assert data["sample_size"] == 450
    assert data["iaea_approximation"] == pytest.approx(450.72, abs=0.01)
    code, out, _ = run(app, "inspect", "sample-size", "-N", "1000", "-M", "5")
    assert code == 0 and "450" in out


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["inspect", "probability", "-N", "10", "-M", "11", "-n", "1"], "defective"),
        (["inspect", "sample-size", "-N", "10", "-M", "1", "-p", "1.2"], "probability"),
        (["inspect", "sample-size", "-N", "10", "-M", "1", "-p", "0"], "probability"),
        (["estimate", "serials", "5"], "serials"),
        (["estimate", "fraction", "--inspected", "3", "--found", "4"], "found"),
    ],
)
def test_impossible_parameters_exit_2(app: typer.Typer, args: list[str], name: str) -> None:
    code, out, err = run(app, *args)
    assert code == 2
    assert name in err
    assert "Traceback" not in out + err


def test_plan_from_site_list_and_declarations(
    app: typer.Typer, tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "site,type,items\n" + "".join(f"S{i},type-one,50\n" for i in range(20)) + "T,type-two,5\n",
        encoding="utf-8",
    )
    plot = tmp_path / "plan.svg"
    code, out, err = run(
        app,
        "inspect",
        "plan",
        "new-start",
        "--declarations",
        str(sites),
        "--year",
        "2015",
        "--format",
        "json",
        "--plot",
        str(plot),
        "--seed",
        "1",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["guaranteed_by_type"] == pytest.approx({"type-one": 0.5, "type-two": 1.0})
    assert len(data["schedule"]) == 11
    assert plot.read_text(encoding="utf-8").startswith("<?xml")
    decl = write_csv(
        [
            ["party", "as_of", "uid", "category", "status", "facility", "warheads"],
            ["USA", "2020-09-01", "M1", "icbm-launcher", "deployed", "F1", 1],
            ["USA", "2020-09-01", "M2", "icbm-launcher", "non-deployed", "F2", 0],
        ]
    )
    code, out, err = run(app, "inspect", "plan", "new-start", "-d", str(decl), "--year", "2021")
    assert code == 0, err
    assert "F1" in out and "type-two" in out


def test_select_and_verify(app: typer.Typer, tmp_path: Path) -> None:
    nonces = {"USA": "11" * 32, "RUS": "22" * 32}
    files = {
        "commitments.json": {"commitments": {p: commit(p, n) for p, n in nonces.items()}},
        "reveals.json": {"reveals": nonces},
        "candidates.json": {"groups": {"type-one": {"count": 2, "candidates": ["a", "b", "c"]}}},
    }
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
    (tmp_path / "checkpoint").write_text("log\n1\nroot\n", encoding="utf-8")
    common = [
        "--commitments",
        str(tmp_path / "commitments.json"),
        "--reveals",
        str(tmp_path / "reveals.json"),
        "--checkpoint",
        str(tmp_path / "checkpoint"),
        "--candidates",
        str(tmp_path / "candidates.json"),
    ]
    selection = tmp_path / "selection.json"
    code, out, err = run(app, "inspect", "select", *common, "-o", str(selection))
    assert code == 0, err
    assert json.loads(selection.read_text())["mode"] == "normal"
    code, out, _ = run(
        app, "inspect", "verify-selection", str(selection), *common, "--format", "json"
    )
    assert code == 0 and json.loads(out)["verified"] is True
    tampered = json.loads(selection.read_text())
    tampered["selected"]["type-one"] = (
        ["c", "b"] if tampered["selected"]["type-one"] != ["c", "b"] else ["a", "b"]
    )
    selection.write_text(json.dumps(tampered), encoding="utf-8")
    code, _, err = run(app, "inspect", "verify-selection", str(selection), *common)
    assert code == 1 and "does not verify" in err
    code, out, _ = run(app, "inspect", "commit", "--party", "USA", "--format", "json")
    made = json.loads(out)
    assert made["commitment"] == commit("USA", made["nonce"])


def test_game_solve(app: typer.Typer, tmp_path: Path) -> None:
    code, out, err = run(app, "game", "solve", str(EXAMPLES / "game.toml"), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "zero-sum"
    assert sum(data["row_strategy"].values()) == pytest.approx(1.0)
    ragged = tmp_path / "ragged.json"
    ragged.write_text('{"payoff": [[1, 2], [3]]}', encoding="utf-8")
    code, _, err = run(app, "game", "solve", str(ragged))
    assert code == 2 and "ragged" in err
    code, out, _ = run(app, "game", "dresher", "-n", "5", "-m", "2", "--format", "json")
    data = json.loads(out)
    assert data["value_lp"] == pytest.approx(data["value_closed_form"])
    code, out, _ = run(
        app, "game", "dresher", "-n", "6", "-m", "5", "--loss", "100", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["checks_agree"] is True
    assert data["value_exact"] == "1/10615201506"
    assert data["value"] == data["value_lp"] == data["value_closed_form"]
    assert data["inspect_first_period"] == pytest.approx(1 / 101, rel=1e-9)


def test_simulate_regime(app: typer.Typer, tmp_path: Path) -> None:
    plot = tmp_path / "ttd.svg"
    code, out, err = run(
        app,
        "simulate",
        "regime",
        str(EXAMPLES / "regime.toml"),
        "--trials",
        "2000",
        "--format",
        "json",
        "--plot",
        str(plot),
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["results"][0]["label"] == "concentrate size 5"
    assert data["scheduler"] == "serial"
    assert "<svg" in plot.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (EXAMPLES / "regime.toml").read_text().replace("per_year = 10", "per_year = -10")
    )
    code, _, err = run(app, "simulate", "regime", str(bad))
    assert code == 2 and "per_year" in err
    text = (EXAMPLES / "regime.toml").read_text()
    for old, new, message in (
        ("per_year = 10", "per_yer = 10", ":quotas[0].per_yer: unknown key"),
        (
            'strategy = "concentrate"',
            'strategy = "concentrate"\nmove_success = "half"',
            ":cheating[0].move_success: must be a number, got 'half'",
        ),
    ):
        bad.write_text(text.replace(old, new, 1))
        code, _, err = run(app, "simulate", "regime", str(bad))
        assert code == 2 and f"{bad}{message}" in err.replace("\n", ""), err
        assert "Traceback" not in err


def test_estimates(app: typer.Typer) -> None:
    code, out, _ = run(app, "estimate", "serials", "19", "40", "42", "60", "--format", "json")
    assert code == 0
    assert json.loads(out)["unbiased_estimate"] == 74.0
    code, out, _ = run(app, "estimate", "serials", "9", "40", "--format", "json")
    assert code == 0 and json.loads(out)["posterior_median"] == 78  # P(N <= 78) = 1/2 exactly
    code, out, _ = run(app, "estimate", "fraction", "--inspected", "50", "--found", "0")
    assert code == 0 and "credible interval" in out
    code, out, _ = run(
        app,
        "estimate",
        "undeclared",
        "--sites-inspected",
        "4",
        "--found",
        "1",
        "--sites-total",
        "9",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["total_interval"][0] >= 1


def test_plots_are_deterministic_svg(tmp_path: Path) -> None:
    a = render_svg(detection_curve_chart(200, [1, 5], max_sample=100))
    b = write_chart(detection_curve_chart(200, [1, 5], max_sample=100), tmp_path / "c.png")
    assert a == b and "<svg" in a
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_time_to_detection_plot() -> None:
    import numpy as np

    from armsctl.verification.planning import Quota, Site
    from armsctl.verification.simulate import Cheating, Regime, simulate

    regime = Regime((Site("a", "t", 10), Site("b", "t", 10)), (Quota("t", 1),))
    r = simulate(
        regime, Cheating("concentrate", 1), years=3, trials=500, rng=np.random.default_rng(0)
    )
    assert "<svg" in render_svg(time_to_detection_chart([r]))


def test_demo_step(tmp_path: Path) -> None:
    console = Console(record=True, width=140)
    demo_step(console, tmp_path)
    text = console.export_text()
    assert "10 Type One, 8 Type Two" in text
    assert "within 5 years" in text
    assert (tmp_path / "verification-detection.svg").exists()
