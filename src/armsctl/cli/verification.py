"""``armsctl inspect | game | simulate | estimate``: verification science on the command line.

Every command wraps one library call of ``armsctl.verification``; NumPy, SciPy, Dask and
Matplotlib are imported inside the commands so that the CLI starts fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armsctl.cli._common import (
    EXIT_VIOLATION,
    OutputFormat,
    err_console,
    fail,
    out_console,
    print_json,
)
from armsctl.cli._options import CommandGroup, Format, TreatyRef
from armsctl.textio import read_json

if TYPE_CHECKING:
    from armsctl.verification.planning import InspectionPlan

__all__ = ["demo_step", "register"]

#: The interval mass of every ``estimate`` command.
CREDIBILITY = typer.Option(0.95, "--credibility", help="Interval mass, in (0, 1).")

inspect_app = CommandGroup(
    help="Inspection statistics, planning within quotas and verifiable random selection.",
    no_args_is_help=True,
)
game_app = CommandGroup(help="Inspection games: zero-sum (LP) and bimatrix.", no_args_is_help=True)
simulate_app = CommandGroup(
    help="Monte Carlo evaluation of inspection regimes (Dask for sweeps).", no_args_is_help=True
)
estimate_app = CommandGroup(
    help="Inference from inspection results and serial numbers.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the ``inspect``, ``game``, ``simulate`` and ``estimate`` groups to ``app``."""
    app.add_typer(inspect_app, name="inspect")
    app.add_typer(game_app, name="game")
    app.add_typer(simulate_app, name="simulate")
    app.add_typer(estimate_app, name="estimate")


def _pct(p: float) -> str:
    """A probability as a percentage that never rounds a near-certainty up to 100 %.

    Differences from 0 or 1 below 1e-9 are solver round-off, shown as 0 % or 100 %.
    """
    if abs(p) < 1e-9 or abs(1 - p) < 1e-9:
        return f"{100 * round(p):.2f} %"
    if 0 < p < 1e-4:
        return f"{100 * p:.2g} %"
    if 1 - 1e-4 < p < 1:
        return f"1 - {1 - p:.1e}"
    return f"{100 * p:.2f} %"


# --- inspect -----------------------------------------------------------------------------------


@inspect_app.command("probability")
def probability(
    population: int = typer.Option(..., "--population", "-N", help="Items in the population."),
    defective: int = typer.Option(..., "--defective", "-M", help="Items not as declared."),
    sample: int = typer.Option(..., "--sample", "-n", help="Items inspected at random."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Chance that a random sample finds at least one falsified item (exact hypergeometric)."""
    from armsctl.verification.sampling import detection_probability, miss_probability

    p = detection_probability(population, defective, sample)
    miss = miss_probability(population, defective, sample)
    if fmt is OutputFormat.json:
        print_json(
            {
                "population": population,
                "defective": defective,
                "sample": sample,
                "detection_probability": p,
                "miss_probability": miss,
            }
        )
        return
    out_console.print(
        f"Sampling {sample:,} of {population:,} items with {defective:,} falsified: "
        f"detection probability [bold]{_pct(p)}[/] (miss {miss:.6g})."
    )


@inspect_app.command("sample-size")
def sample_size_cmd(
    population: int = typer.Option(..., "--population", "-N", help="Items in the population."),
    defective: int = typer.Option(..., "--defective", "-M", help="Items not as declared."),
    probability: float = typer.Option(
        0.95, "--probability", "-p", help="Detection probability wanted, in (0, 1)."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Smallest sample reaching a detection probability (exact), beside the IAEA approximation."""
    from armsctl.verification.sampling import (
        detection_probability,
        iaea_sample_size,
        sample_size,
    )

    n = sample_size(population, defective, probability)
    approx = iaea_sample_size(population, defective, probability)
    achieved = detection_probability(population, defective, n)
    data = {
        "population": population,
        "defective": defective,
        "probability": probability,
        "sample_size": n,
        "achieved_probability": achieved,
        "iaea_approximation": approx,
    }
    if fmt is OutputFormat.json:
        print_json(data)
        return
    out_console.print(
        f"Exact: inspect [bold]{n:,}[/] items (detection {_pct(achieved)}). "
        f"IAEA approximation N(1 - beta^(1/M)) = {approx:,.1f}."
    )


@inspect_app.command("plan")
def plan(
    treaty: TreatyRef,
    declarations: list[Path] = typer.Option(
        ...,
        "--declarations",
        "-d",
        help="Item-level declaration files/folders, or a site-list CSV (site,type,items).",
    ),
    year: int = typer.Option(..., "--year", help="The year to plan."),
    party: str | None = typer.Option(None, "--party", help="The inspected party."),
    periods: int = typer.Option(12, "--periods", help="Periods in the year (12: months)."),
    window: int | None = typer.Option(
        None, "--window", help="Periods a violation lasts (the whole year by default)."
    ),
    violation_size: int = typer.Option(1, "--violation-size", help="Items hidden."),
    items_checked: int | None = typer.Option(
        None, "--items-checked", help="Items examined per inspection (all by default)."
    ),
    years: int = typer.Option(5, "--years", help="Horizon for the cumulative detection."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a detection chart (.svg/.png)."),
    seed: int | None = typer.Option(
        None, "--seed", help="Also draw one concrete schedule from the plan with this seed."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """The year's optimal inspection strategy over sites and periods, within the treaty's quotas."""
    import numpy as np

    from armsctl.errors import ParameterError
    from armsctl.treaty import load_treaty
    from armsctl.verification.io import is_site_list, read_site_list, sites_from_declarations
    from armsctl.verification.planning import draw_schedule, plan_inspections
    from armsctl.verification.sites import quotas_for_year

    t = load_treaty(treaty)
    source = ""
    if len(declarations) == 1 and is_site_list(declarations[0]):
        sites = read_site_list(declarations[0])
        source = f"site list {declarations[0]}"
    else:
        sites, party, as_of = sites_from_declarations(declarations, t, year=year, party=party)
        source = f"{party}'s declaration as of {as_of}"
    quotas = [q for q in quotas_for_year(t, year, party=party, items=sum(s.items for s in sites))]
    if not quotas:
        raise ParameterError(f"treaty {t.id} sets no inspection quota")
    result = plan_inspections(
        sites,
        quotas,
        periods=periods,
        window=window,
        violation_size=violation_size,
        items_checked=items_checked,
    )
    schedule = draw_schedule(result, np.random.default_rng(seed)) if seed is not None else None
    if plot is not None:
        _plan_plot(result, plot)
    if fmt is OutputFormat.json:
        data = result.to_dict()
        data.update(
            treaty=t.id,
            year=year,
            source=source,
            years=years,
            guaranteed_within_years=result.within_years(years),
        )
        if schedule is not None:
            data["schedule"] = [{"site": s, "period": p + 1} for s, p in schedule]
        print_json(data)
        return
    _print_plan(out_console, result, title=f"{t.short_title} inspection plan {year} ({source})")
    out_console.print(
        f"Guaranteed detection of a {violation_size}-item violation: "
        f"[bold]{_pct(result.guaranteed)}[/] per year, "
        f"[bold]{_pct(result.within_years(years))}[/] within {years} years."
    )
    if schedule is not None:
        out_console.print(
            "Drawn schedule: " + ", ".join(f"{s} (period {p + 1})" for s, p in schedule)
        )


def _print_plan(console: Console, result: InspectionPlan, *, title: str) -> None:
    table = Table(title=title)
    for col, just in (
        ("site", "left"),
        ("type", "left"),
        ("items", "right"),
        ("P(inspected)", "right"),
        ("P(detect | inspected)", "right"),
        ("detection / year", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    site_p = result.site_probability
    site_d = result.site_detection
    for i, s in enumerate(result.sites):
        table.add_row(
            s.name,
            s.type,
            f"{s.items:,}",
            _pct(float(site_p[i])),
            _pct(float(result.visit_detection[i])),
            _pct(float(site_d[i])),
        )
    console.print(table)
    quotas = ", ".join(f"{q.per_year} {q.type}" for q in result.quotas)
    by_type = ", ".join(f"{k} {_pct(v)}" for k, v in result.guaranteed_by_type.items())
    console.print(f"Quotas: {quotas} per year; guaranteed by type: {by_type}.")
    if result.excluded:
        console.print(
            "[yellow]Not subject to inspection:[/] " + ", ".join(s.name for s in result.excluded)
        )


def _plan_plot(result: InspectionPlan, path: Path) -> str:
    from armsctl.charts.io import write_chart
    from armsctl.verification.plots import detection_curve_chart

    biggest = max(result.sites, key=lambda s: s.items)
    sizes = sorted({1, 2, 5, 10} & set(range(1, biggest.items + 1)))
    chart = detection_curve_chart(
        biggest.items, sizes, title=f"Items checked at {biggest.name} ({biggest.items} items)"
    )
    return write_chart(chart, path)


@inspect_app.command("commit")
def commit_cmd(
    party: str = typer.Option(..., "--party", help="The committing party."),
    nonce: str | None = typer.Option(
        None, "--nonce", help="A 64-hex-digit nonce; a fresh one from the OS when omitted."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Draw a nonce and print the commitment to publish (keep the nonce secret until reveal)."""
    from armsctl.verification.selection import commit, new_nonce

    value = nonce.lower() if nonce else new_nonce(os.urandom(32))
    data = {"party": party, "nonce": value, "commitment": commit(party, value)}
    if fmt is OutputFormat.json:
        print_json(data)
        return
    out_console.print(f"commitment: {data['commitment']}\nnonce (secret until reveal): {value}")


def _mapping(data: Any, key: str, path: Path) -> dict[str, str]:
    from armsctl.errors import InputError, Problem

    inner = data.get(key, data) if isinstance(data, dict) else None
    if not isinstance(inner, dict) or not all(isinstance(v, str) for v in inner.values()):
        raise InputError([Problem(str(path), key, "expected an object of party -> hex string")])
    return {str(k): v for k, v in inner.items()}


def _groups(path: Path) -> dict[str, tuple[list[str], int]]:
    from armsctl.errors import InputError, Problem

    data = read_json(path)
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, dict) or not groups:
        raise InputError(
            [
                Problem(
                    str(path),
                    "groups",
                    'expected {"groups": {NAME: {"count": K, "candidates": [...]}}}',
                )
            ]
        )
    out: dict[str, tuple[list[str], int]] = {}
    for name, g in groups.items():
        if (
            not isinstance(g, dict)
            or not isinstance(g.get("candidates"), list)
            or not all(isinstance(c, str) for c in g["candidates"])
            or not isinstance(g.get("count"), int)
        ):
            raise InputError(
                [
                    Problem(
                        str(path), f"groups.{name}", "needs count (integer) and candidates (names)"
                    )
                ]
            )
        out[str(name)] = (list(g["candidates"]), int(g["count"]))
    return out


def _checkpoint(path: Path | None) -> bytes | None:
    from armsctl.errors import InputError, Problem

    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(str(path), "", f"cannot read the checkpoint: {exc.strerror}")]
        ) from None


_COMMITMENTS = typer.Option(..., "--commitments", help='JSON: {"commitments": {PARTY: HEX}}.')
_REVEALS = typer.Option(..., "--reveals", help='JSON: {"reveals": {PARTY: NONCE}}.')
_CHECKPOINT = typer.Option(..., "--checkpoint", help="The signed checkpoint (opaque file).")
_CANDIDATES = typer.Option(
    ..., "--candidates", help='JSON: {"groups": {NAME: {"count": K, "candidates": [...]}}}.'
)
_FALLBACK = typer.Option(
    None,
    "--fallback-checkpoint",
    help="First checkpoint after the reveal deadline; used when a party withheld its nonce.",
)


def _selection_inputs(
    commitments: Path,
    reveals: Path,
    checkpoint: Path,
    candidates: Path,
    fallback_checkpoint: Path | None,
) -> tuple[
    tuple[dict[str, str], dict[str, str], bytes, dict[str, tuple[list[str], int]]],
    bytes | None,
]:
    """The public inputs of a selection read from their files, and the fallback checkpoint."""
    public = (
        _mapping(read_json(commitments), "commitments", commitments),
        _mapping(read_json(reveals), "reveals", reveals),
        _checkpoint(checkpoint) or b"",
        _groups(candidates),
    )
    return public, _checkpoint(fallback_checkpoint)


@inspect_app.command("select")
def select_cmd(
    commitments: Path = _COMMITMENTS,
    reveals: Path = _REVEALS,
    checkpoint: Path = _CHECKPOINT,
    candidates: Path = _CANDIDATES,
    fallback_checkpoint: Path | None = _FALLBACK,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the selection JSON."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Draw the sites to inspect from the parties' revealed nonces and the checkpoint."""
    from armsctl.verification.selection import select_from_log

    public, fallback = _selection_inputs(
        commitments, reveals, checkpoint, candidates, fallback_checkpoint
    )
    sel = select_from_log(*public, fallback_checkpoint=fallback)
    data = sel.to_dict()
    if output is not None:
        output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json(data)
        return
    out_console.print(f"Seed {sel.seed} ({sel.mode}).")
    if sel.withheld:
        out_console.print(f"[yellow]Fallback applied: withheld by {', '.join(sel.withheld)}[/]")
    for group, names in sel.selected.items():
        out_console.print(f"[bold]{group}[/]: {', '.join(names) if names else '-'}")


@inspect_app.command("verify-selection")
def verify_selection_cmd(
    selection: Path = typer.Argument(..., help="The selection JSON to check."),
    commitments: Path = _COMMITMENTS,
    reveals: Path = _REVEALS,
    checkpoint: Path = _CHECKPOINT,
    candidates: Path = _CANDIDATES,
    fallback_checkpoint: Path | None = _FALLBACK,
    fmt: Format = OutputFormat.table,
) -> None:
    """Re-derive a selection from the public inputs; exit 1 when it does not match."""
    from armsctl.errors import IntegrityError
    from armsctl.verification.selection import verify_selection

    claimed = read_json(selection)
    if not isinstance(claimed, dict):
        fail(f"{selection}: expected a selection object")
    try:
        public, fallback = _selection_inputs(
            commitments, reveals, checkpoint, candidates, fallback_checkpoint
        )
        again = verify_selection(claimed, *public, fallback_checkpoint=fallback)
    except IntegrityError as exc:
        if fmt is OutputFormat.json:
            print_json({"verified": False, "reason": str(exc)})
        fail(f"selection does not verify: {exc}", code=EXIT_VIOLATION)
    if fmt is OutputFormat.json:
        print_json({"verified": True, **again.to_dict()})
        return
    out_console.print(
        f"[green]verified[/]: the selection follows from seed {again.seed} ({again.mode})."
    )


# --- game --------------------------------------------------------------------------------------


@game_app.command("solve")
def game_solve(
    file: Path = typer.Argument(..., help="A game file (.json or .toml)."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Solve a zero-sum game ('payoff') by LP or a bimatrix game ('row_payoff', 'column_payoff')."""
    from armsctl.errors import InputError, Problem
    from armsctl.verification.games import game_from_mapping

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(str(file), "", f"cannot be read: {exc.strerror}")]) from None
    if file.suffix.lower() == ".toml":
        import tomllib

        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError([Problem(str(file), "", f"not valid TOML: {exc}")]) from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                [Problem(str(file), f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
            ) from None
    from armsctl.errors import ParameterError

    try:
        result = game_from_mapping(data, where=str(file))
    except ParameterError as exc:
        raise ParameterError(f"{file}: {exc}") from None
    if fmt is OutputFormat.json:
        print_json(result)
        return
    if result["kind"] == "zero-sum":
        out_console.print(f"Value (to the row player): [bold]{result['value']:.6g}[/]")
        _print_strategy("row player", result["row_strategy"])
        _print_strategy("column player", result["column_strategy"])
        return
    style = "bold yellow" if result["degenerate"] else "green"
    out_console.print(f"[{style}]{escape(result['note'])}[/]")
    for i, eq in enumerate(result["equilibria"], start=1):
        out_console.print(
            f"[bold]Equilibrium {i}[/]: payoffs {eq['row_payoff']:.6g} / {eq['column_payoff']:.6g}"
        )
        _print_strategy("row player", eq["row_strategy"])
        _print_strategy("column player", eq["column_strategy"])


def _print_strategy(who: str, strategy: dict[str, float]) -> None:
    shown = ", ".join(f"{k}: {v:.4g}" for k, v in strategy.items() if v > 1e-9)
    out_console.print(f"  {who}: {shown}")


@game_app.command("dresher")
def game_dresher(
    periods: int = typer.Option(..., "--periods", "-n", help="Periods."),
    inspections: int = typer.Option(..., "--inspections", "-m", help="Inspections available."),
    loss: float = typer.Option(1.0, "--loss", help="Inspectee's loss when caught (b)."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Dresher's sequential inspection game, exactly; the stage LPs and closed form as checks."""
    from armsctl.verification.games import dresher_closed_form_exact, dresher_game, dresher_lp

    sol = dresher_game(periods, inspections, loss=loss)
    lp = dresher_lp(periods, inspections, loss=loss)
    closed = dresher_closed_form_exact(periods, inspections, loss=loss)
    n, m = periods, inspections
    data = {
        "periods": periods,
        "inspections": inspections,
        "loss": loss,
        "value": sol.game_value,
        "value_exact": str(sol.exact_value[n][m]),
        "value_lp": lp.game_value,
        "value_closed_form": float(closed),
        "inspect_first_period": sol.inspect[n][m],
        "inspect_first_period_exact": str(sol.exact_inspect[n][m]),
        "violate_first_period": sol.violate[n][m],
        "violate_first_period_exact": str(sol.exact_violate[n][m]),
        "checks_agree": sol.exact_value == lp.exact_value
        and sol.exact_inspect == lp.exact_inspect
        and sol.exact_value[n][m] == closed,
    }
    if fmt is OutputFormat.json:
        print_json(data)
        return
    agree = "agree" if data["checks_agree"] else "[red]DISAGREE[/]"
    out_console.print(
        f"Inspectee's value {sol.game_value:.6g} = {data['value_exact']} (stage LPs and closed "
        f"form {agree}); inspect now with probability {data['inspect_first_period']:.6g}, "
        f"violate now with {data['violate_first_period']:.6g}."
    )


# --- simulate ----------------------------------------------------------------------------------


@simulate_app.command("regime")
def simulate_regime(
    scenario: Path = typer.Argument(..., help="A scenario file (TOML)."),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask: 'local' (a local cluster) or tcp://HOST:PORT. Sweeps use 'local' by default.",
    ),
    serial: bool = typer.Option(
        False, "--serial/--no-serial", show_default=False, help="Run in this process, without Dask."
    ),
    workers: int = typer.Option(2, "--workers", help="Workers of the local Dask cluster."),
    seed: int | None = typer.Option(None, "--seed", help="Override the file's seed."),
    trials: int | None = typer.Option(None, "--trials", help="Override the file's trials."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write the time-to-detection chart (.svg/.png)."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Simulate a regime against cheating strategies; a [sweep] runs its grid on Dask."""
    import dataclasses
    import tomllib

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from armsctl.errors import InputError, ParameterError, Problem

    try:
        data = tomllib.loads(scenario.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError([Problem(str(scenario), "", f"cannot be read: {exc.strerror}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(scenario), "", f"not valid TOML: {exc}")]) from None
    from armsctl.verification.scenario import study_from_mapping  # NumPy: after the file reads
    from armsctl.verification.simulate import run_sweep

    study = study_from_mapping(data, where=str(scenario))
    scenarios = study.scenarios
    if trials is not None:
        if trials < 1:
            raise ParameterError(f"trials must be >= 1, got {trials}")
        scenarios = [dataclasses.replace(s, trials=trials) for s in scenarios]
    use = None if serial else (scheduler or ("local" if "sweep" in data else None))
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"simulating ({use or 'serial'})", total=len(scenarios))
        try:
            results = run_sweep(
                scenarios,
                seed=study.seed if seed is None else seed,
                scheduler=use,
                workers=workers,
                progress=lambda done, total: progress.update(task, completed=done),
                note=lambda text: err_console.print(f"note: {text}"),
            )
        except ParameterError as exc:  # the file was checked; this names it all the same
            raise InputError([Problem(str(scenario), "", str(exc))]) from None
    if plot is not None:
        from armsctl.charts.io import write_chart
        from armsctl.verification.plots import time_to_detection_chart

        write_chart(time_to_detection_chart(results[:8]), plot)
    if fmt is OutputFormat.json:
        print_json(
            {
                "title": study.title,
                "seed": study.seed if seed is None else seed,
                "scheduler": use or "serial",
                "results": [
                    {**r.to_dict(), **sc.meta} for r, sc in zip(results, scenarios, strict=True)
                ],
            }
        )
        return
    table = Table(title=study.title or f"Simulation of {scenario.name}")
    for col in ("scenario", "trials", "detected", "95 % CI", "exact", "mean time (y)"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for r in results:
        lo, hi = r.interval
        mean = r.mean_time_to_detection()
        table.add_row(
            r.label,
            f"{r.trials:,}",
            _pct(r.probability),
            f"{_pct(lo)} - {_pct(hi)}",
            _pct(r.exact) if r.exact is not None else "-",
            f"{mean:.2f}" if mean is not None else "-",
        )
    out_console.print(table)


# --- estimate ----------------------------------------------------------------------------------


@estimate_app.command("serials")
def estimate_serials_cmd(
    serials: list[int] = typer.Argument(None, help="Observed serial numbers."),
    file: Path | None = typer.Option(
        None, "--file", help="A text file with one serial number per line."
    ),
    start: int = typer.Option(1, "--start", help="The first serial number issued."),
    credibility: float = CREDIBILITY,
    fmt: Format = OutputFormat.table,
) -> None:
    """How many were produced, from serial numbers seen (German tank estimators)."""
    from armsctl.errors import InputError, Problem
    from armsctl.verification.inference import estimate_serials

    values = list(serials or [])
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").split()
        except OSError as exc:
            raise InputError([Problem(str(file), "", f"cannot be read: {exc.strerror}")]) from None
        for i, token in enumerate(lines, start=1):
            try:
                values.append(int(token))
            except ValueError:
                raise InputError(
                    [Problem(str(file), f"entry {i}", f"not a whole number: {token!r}")]
                ) from None
    est = estimate_serials(values, start=start, credibility=credibility)
    lo, hi = est.credible_interval
    mean = f"{est.posterior_mean:,.1f}" if est.posterior_mean is not None else "undefined (k = 2)"
    _say_estimate(
        fmt,
        est,
        f"{est.observed} serials, largest {est.maximum:,}: unbiased estimate "
        f"[bold]{est.unbiased:,.1f}[/]; posterior mean {mean}, median {est.posterior_median:,}, "
        f"{_interval(credibility, f'{lo:,}', f'{hi:,}')}.",
    )


def _interval(credibility: float, lo: str, hi: str) -> str:
    """How every estimate states its interval: its mass in percent, then its two ends."""
    return f"{100 * credibility:g} % credible interval {lo} - {hi}"


def _say_estimate(fmt: OutputFormat, estimate: Any, *sentences: str) -> None:
    """An estimate as one JSON document (its ``to_dict``), or as the sentences that say it."""
    if fmt is OutputFormat.json:
        print_json(estimate.to_dict())
        return
    for sentence in sentences:
        out_console.print(sentence)


@estimate_app.command("fraction")
def estimate_fraction(
    inspected: int = typer.Option(..., "--inspected", help="Items checked at random."),
    found: int = typer.Option(..., "--found", help="Of them, not as declared."),
    population: int | None = typer.Option(None, "--population", help="Declared items in all."),
    credibility: float = CREDIBILITY,
    fmt: Format = OutputFormat.table,
) -> None:
    """Posterior on the fraction (and number) of items not as declared (Beta-binomial)."""
    from armsctl.verification.inference import fraction_not_as_declared

    post = fraction_not_as_declared(
        inspected, found, population=population, credibility=credibility
    )
    lo, hi = post.interval
    sentences = [
        f"Fraction not as declared: mean {_pct(post.mean)}, "
        f"{_interval(credibility, _pct(lo), _pct(hi))}."
    ]
    if post.count_interval is not None and post.count_mean is not None:
        sentences.append(
            f"Items not as declared among {post.population:,}: mean {post.count_mean:,.1f}, "
            f"interval {post.count_interval[0]:,} - {post.count_interval[1]:,}."
        )
    _say_estimate(fmt, post, *sentences)


@estimate_app.command("undeclared")
def estimate_undeclared(
    sites_inspected: int = typer.Option(..., "--sites-inspected", help="Sites inspected."),
    found: int = typer.Option(..., "--found", help="Undeclared items found there."),
    sites_total: int = typer.Option(..., "--sites-total", help="Sites in all."),
    credibility: float = CREDIBILITY,
    fmt: Format = OutputFormat.table,
) -> None:
    """Posterior on the number of undeclared items across all sites (Poisson-Gamma)."""
    from armsctl.verification.inference import undeclared_items

    post = undeclared_items(
        sites_inspected, found, sites_total=sites_total, credibility=credibility
    )
    lo, hi = post.total_interval
    _say_estimate(
        fmt,
        post,
        f"Undeclared items in all: mean {post.total_mean:,.1f}, "
        f"{_interval(credibility, f'{lo:,}', f'{hi:,}')}.",
    )


# --- demo --------------------------------------------------------------------------------------


def demo_sites() -> list[Any]:
    """A synthetic New START-like site list (not real data): bases, storage and test sites."""
    from armsctl.sites import Site

    sites = [Site(f"ICBM base {i}", "type-one", n) for i, n in enumerate((150, 150, 100), 1)]
    sites += [Site(f"SSBN base {i}", "type-one", n) for i, n in enumerate((240, 192), 1)]
    sites += [Site(f"Bomber base {i}", "type-one", n) for i, n in enumerate((30, 25, 12), 1)]
    sites += [Site(f"Storage site {i}", "type-two", n) for i, n in enumerate((40, 25, 18, 10), 1)]
    sites += [Site(f"Test range {i}", "type-two", n) for i, n in enumerate((8, 6), 1)]
    sites += [Site(f"Conversion facility {i}", "type-two", n) for i, n in enumerate((12, 5), 1)]
    return sites


def demo_step(console: Console, workdir: Path) -> None:
    """Print this year's New START-style plan (10 Type One, 8 Type Two) and write its chart."""
    from armsctl.charts.io import write_chart
    from armsctl.verification.planning import Quota, plan_inspections
    from armsctl.verification.plots import detection_curve_chart

    sites = demo_sites()
    quotas = [Quota("type-one", 10), Quota("type-two", 8)]
    result = plan_inspections(sites, quotas, periods=12, violation_size=5, items_checked=10)
    _print_plan(
        console,
        result,
        title="Inspection plan for one year: 10 Type One, 8 Type Two (synthetic site list)",
    )
    console.print(
        "A 5-item violation (10 items checked per inspection) is detected with probability "
        f"[bold]{_pct(result.guaranteed)}[/] per year at worst, "
        f"[bold]{_pct(result.within_years(5))}[/] within 5 years."
    )
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "verification-detection.svg"
    write_chart(
        detection_curve_chart(
            240, [1, 2, 5, 10], max_sample=120, title="Items checked at a 240-item site"
        ),
        path,
    )
    console.print(f"Detection chart: {path}")
