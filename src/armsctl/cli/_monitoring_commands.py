"""``armsctl observe import``, ``fuse`` and ``anomalies``: thin wrappers over armsctl.monitoring."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from armsctl.cli._common import OutputFormat, exit_if_found, out_console, print_json, user_errors
from armsctl.cli._options import Format, TreatyRef
from armsctl.cli.monitoring import parse_instant

if TYPE_CHECKING:
    from armsctl.monitoring import SiteEvidence

__all__ = ["anomalies_cmd", "evidence_cells", "fuse_cmd", "observe_import"]


def evidence_cells(s: SiteEvidence) -> list[str]:
    """A site's evidence as table cells: site, category, observations, declared, observed, LR."""
    return [
        s.site,
        s.category,
        str(s.observations),
        str(s.latest_declared),
        str(s.latest_observed),
        f"{s.log10_lr:+.2f}",
    ]


DECISIVE_LOG10_LR = 2.0
"""Kass & Raftery's "decisive" on the log10 scale, the verdict ``fuse`` exits 1 on."""
OBS_OPT = typer.Option(..., "--observations", "-o", help="Observation file(s): CSV or JSON.")
SITES_OPT = typer.Option(None, "--sites", help="GeoJSON sites (Points with id and party).")
NOW_OPT = typer.Option(
    None, "--now", help="The present (ISO 8601 with a zone); later observations are refused."
)


@user_errors
def observe_import(
    observations: list[Path] = OBS_OPT,
    treaty_ref: str = typer.Option("new-start", "--treaty", help="Treaty id or .toml file."),
    sites: Path | None = SITES_OPT,
    now: str | None = NOW_OPT,
    output: Path | None = typer.Option(
        None, "--output", help="Write the validated observations here as JSON."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Validate observation files (all or nothing) and summarise them."""
    import json

    from armsctl.monitoring import read_observations, read_sites
    from armsctl.treaty import load_treaty

    treaty = load_treaty(treaty_ref)
    site_list = read_sites(sites, treaty) if sites else None
    obs = read_observations(observations, treaty, now=parse_instant(now, "--now"), sites=site_list)
    records = [
        {
            "id": o.id,
            "party": o.party,
            "site": o.site,
            "category": o.category,
            "count": o.count,
            "time": o.time.isoformat(),
            "source": o.source,
            "p_detect": o.p_detect,
            "fp_rate": o.fp_rate,
            "se": o.se,
        }
        for o in obs
    ]
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(json.dumps({"observations": records}, indent=2) + "\n", encoding="utf-8")
        tmp.replace(output)
    by_source: dict[str, int] = {}
    for o in obs:
        by_source[o.source] = by_source.get(o.source, 0) + 1
    summary = {
        "observations": len(obs),
        "sites": len({(o.party, o.site) for o in obs}),
        "by_source": by_source,
        "output": str(output) if output else None,
    }
    if fmt is OutputFormat.json:
        print_json(summary)
        return
    out_console.print(
        f"{len(obs)} observations of {summary['sites']} sites imported "
        f"({', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))})"
        + (f"; written to {output}" if output else "")
    )


@user_errors
def fuse_cmd(
    treaty_ref: TreatyRef,
    declarations: list[Path] = typer.Option(
        ..., "--declarations", "-d", help="Item-level declaration file(s)."
    ),
    observations: list[Path] = OBS_OPT,
    sites: Path | None = SITES_OPT,
    d: int = typer.Option(1, "--d", help="Understatement tested: at least this many items."),
    now: str | None = NOW_OPT,
    top: int = typer.Option(20, "--top", help="Sites to show."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Rank sites by the evidence that observations show undeclared items.

    Exit 1 when a site shows decisive evidence (log10 LR above 2), 0 otherwise.
    """
    from armsctl.cli.compliance import load_inputs
    from armsctl.monitoring import declared_counts, fuse, read_observations, read_sites

    treaty, decls = load_inputs(treaty_ref, declarations)
    site_list = read_sites(sites, treaty) if sites else None
    obs = read_observations(observations, treaty, now=parse_instant(now, "--now"), sites=site_list)
    result = fuse(obs, declared_counts(decls), d=d)
    decisive = any(s.log10_lr > DECISIVE_LOG10_LR for s in result.ranking)
    if fmt is OutputFormat.json:
        print_json(result.to_dict(top))
        exit_if_found(decisive)
        return
    table = Table(title=f"Evidence of at least {d} undeclared item(s), strongest first")
    for col in ("party", "site", "category", "obs", "declared", "observed", "log10 LR", "verdict"):
        table.add_column(col)
    for s in result.ranking[:top]:
        table.add_row(s.party, *evidence_cells(s), s.verdict)
    out_console.print(table)
    if result.without_declaration:
        out_console.print(
            f"{result.without_declaration} observation(s) predate the party's first declaration "
            "and were not scored."
        )
    exit_if_found(decisive)


@user_errors
def anomalies_cmd(
    treaty_ref: TreatyRef,
    declarations: list[Path] | None = typer.Option(
        None, "--declarations", "-d", help="Declaration file(s). Default: the bundled record."
    ),
    notifications: Path | None = typer.Option(
        None, "--notifications", "-n", help="Notifications (CSV/JSON) for balance checks."
    ),
    sigma: float = typer.Option(1.0, "--sigma", help="Balance-difference noise, in items."),
    k: float = typer.Option(0.5, "--k", help="CUSUM reference value (in sigma)."),
    h: float = typer.Option(5.0, "--h", help="CUSUM decision interval (in sigma)."),
    tolerance: int = typer.Option(0, "--tolerance", help="Series-break tolerance (items)."),
    fmt: Format = OutputFormat.table,
) -> None:
    """CUSUM on balance differences, series breaks, frozen sites, round numbers, totals.

    Exit 1 when anything is flagged, 0 when nothing is.
    """
    from armsctl.cli.compliance import load_inputs
    from armsctl.monitoring import arl_markov, declared_counts, detect
    from armsctl.notifications import read_notifications

    treaty, decls = load_inputs(treaty_ref, declarations)
    notes = read_notifications(notifications, treaty) if notifications else None
    declared = declared_counts(decls) if decls.item_sources else None
    flags = detect(decls, notes, sigma=sigma, k=k, h=h, tolerance=tolerance, declared=declared)
    arl0 = arl_markov(k, h) / 2
    if fmt is OutputFormat.json:
        print_json(
            {
                "cusum": {"k": k, "h": h, "sigma": sigma, "arl0_periods": arl0},
                "flags": [f.to_dict() for f in flags],
            }
        )
        exit_if_found(bool(flags))
        return
    out_console.print(
        f"CUSUM k={k}, h={h} (sigma {sigma} items): one false alarm per {arl0:,.0f} periods "
        "when nothing is wrong"
        + ("" if notes is not None else "; no notifications given, so no balance checks")
    )
    if not flags:
        out_console.print("no anomalies")
    for f in flags:
        out_console.print(f"  [bold]{f.kind}[/]: {escape(f.explanation)}", soft_wrap=True)
    exit_if_found(bool(flags))
