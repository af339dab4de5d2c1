"""``armsctl workbench`` (draft, cuts, burden, compare, brief) and ``armsctl estimates``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from armsctl.cli._common import (
    OutputFormat,
    exit_if_found,
    out_console,
    print_json,
)
from armsctl.cli._options import CommandGroup, DocFormat, DocumentFormat, Format
from armsctl.errors import InputError

if TYPE_CHECKING:
    from armsctl.treaty import Treaty
    from armsctl.workbench import Baseline, Options

__all__ = ["register"]

workbench_app = CommandGroup(
    help="Negotiation workbench: draft a treaty, see the cuts, schedules and verification burden.",
    no_args_is_help=True,
)
estimates_app = CommandGroup(
    help="Public figures on nuclear forces (declarations and FAS/SIPRI estimates), with sources.",
    no_args_is_help=True,
)

DRAFT_ARG = typer.Argument(..., help="A draft .toml file or a bundled treaty id.")
SET_OPT = typer.Option(None, "--set", help="LIMIT=MAX or LIMIT.effective=YYYY-MM-DD (repeatable).")
QUOTA_OPT = typer.Option(None, "--quota", help="TYPE=N inspections a year (repeatable).")
BASELINE_OPT = typer.Option(
    None,
    "--baseline",
    "-b",
    help=(
        "PARTY=SOURCE: record@DATE, a declaration file, commitment:FILE (what `armsctl commit "
        "--format json` prints), log:INDEX (a committed declaration in the --db log), or "
        "estimate:ID[,ID] (repeatable)."
    ),
)
DB_OPT = typer.Option(
    None, "--db", help="The log database for log:INDEX baselines (default: $ARMSCTL_DATABASE_URL)."
)
YEARS_OPT = typer.Option(
    None, "--years", min=1, help="Meet every limit N years after the baseline date."
)
MILESTONE_OPT = typer.Option(
    None, "--milestone", help="LIMIT@YYYY-MM-DD=MAX: an intermediate milestone (repeatable)."
)
CAPACITY_OPT = typer.Option(
    None, "--capacity", help="LIMIT=N: at most N eliminations of that limit a year (repeatable)."
)
COST_OPT = typer.Option(
    None, "--cost", help="CELL=COST per elimination (a component, category or limit; repeatable)."
)
FIX_OPT = typer.Option(None, "--fix", help="CELL=N: a cut decided in advance (repeatable).")
LOADING_OPT = typer.Option(
    None,
    "--loading",
    help="CATEGORY/STATUS/ATTRIBUTE=N: units leaving with each eliminated item (repeatable).",
)


def _changes(sets: list[str] | None, quotas: list[str] | None) -> list[Any]:
    """The ``--set`` and ``--quota`` changes, in the order a draft applies them."""
    from armsctl.workbench import parse_quota, parse_set

    return [parse_set(s) for s in sets or []] + [parse_quota(q) for q in quotas or []]


def _draft(ref: str, sets: list[str] | None, quotas: list[str] | None) -> tuple[Treaty, list[str]]:
    from armsctl.treaty import load_treaty
    from armsctl.workbench import apply_changes

    treaty = load_treaty(ref)
    changes = _changes(sets, quotas)
    if not changes:
        return treaty, []
    return apply_changes(treaty, changes)


def _analysis(
    draft: str,
    sets: list[str] | None,
    quotas: list[str] | None,
    baselines: list[str] | None,
    db: str | None,
    years: int | None,
    milestones: list[str] | None,
    capacity: list[str] | None,
    costs: list[str] | None = None,
    fixed: list[str] | None = None,
    loading: list[str] | None = None,
) -> tuple[Treaty, list[str], dict[str, Any]]:
    """The draft (DRAFT with its changes), what changed, and its analysis from the baselines.

    What ``cuts`` prints and ``brief`` writes up; the inputs are read in the order the user
    meets their errors: the draft, then the baselines, then the schedule options.
    """
    from armsctl.workbench import analyse

    treaty, changes = _draft(draft, sets, quotas)
    result = analyse(
        treaty,
        _baselines(treaty, baselines, db),
        _options(years, milestones, capacity, costs, fixed, loading),
    )
    return treaty, changes, result


def _baselines(treaty: Treaty, args: list[str] | None, db: str | None = None) -> list[Baseline]:
    from armsctl.workbench import merge_baselines, parse_baseline_arg, resolve_baseline

    if not args:
        raise InputError("give at least one --baseline PARTY=SOURCE")
    by_party: dict[str, list[Baseline]] = {}
    for arg in args:
        party, source = parse_baseline_arg(arg)
        if source.startswith("log:"):
            found = _log_baseline(treaty, party, source, db)
        else:
            found = resolve_baseline(treaty, party, source)
        by_party.setdefault(party, []).append(found)
    return [merge_baselines(parts) for parts in by_party.values()]


def _log_baseline(treaty: Treaty, party: str, source: str, db: str | None) -> Baseline:
    """A committed declaration's public counts, read from entry INDEX of the log.

    The entry's signature is checked against the key it carries; that the key is the party's
    is not (a planning baseline, not a verification): the baseline's notes say so.
    """
    from armsctl.cli.ledger import _database_errors, _open_log
    from armsctl.errors import IntegrityError, NotFoundError
    from armsctl.ledger.envelope import open_entry
    from armsctl.store.engine import database_url
    from armsctl.workbench.baselines import baseline_from_commitment, commitment_public

    where = f"--baseline {party}={source}"
    raw = source.removeprefix("log:")
    if not raw.isdigit():
        raise InputError(f"{where}: expected log:INDEX with a whole number")
    url = database_url(db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise InputError(f"{where}: no database {url} (give --db)")
    engine, store, url = _open_log(db)
    try:
        with _database_errors(url), engine.begin() as conn:
            data = store.entry(conn, int(raw))
    except NotFoundError:
        raise InputError(f"{where}: the log has no entry {raw}") from None
    finally:
        engine.dispose()
    try:
        entry = open_entry(data)
    except IntegrityError as exc:
        raise InputError(f"{where}: {exc}") from None
    public = commitment_public(entry.body, where)
    baseline = baseline_from_commitment(treaty, party, {**public, "index": int(raw)}, source)
    baseline.counting_notes.append(
        f"log entry {raw} is signed by {entry.key.name}; that key was not checked against a key "
        f"you trust for {party}"
    )
    return baseline


def _options(
    years: int | None,
    milestones: list[str] | None,
    capacity: list[str] | None,
    costs: list[str] | None,
    fixed: list[str] | None,
    loading: list[str] | None = None,
) -> Options:
    from armsctl.workbench import Options, parse_capacity, parse_cost, parse_fix, parse_milestone

    fixes = dict(parse_fix(f) for f in fixed or [])
    return Options(
        years=years,
        milestones=[parse_milestone(m) for m in milestones or []],
        capacity=dict(parse_capacity(c) for c in capacity or []),
        costs=dict(parse_cost(c) for c in costs or []),
        fixed=fixes,
        loading=_loading(loading),
    )


def _loading(texts: list[str] | None) -> dict[str, int]:
    from armsctl.workbench import parse_fix

    out = {}
    for text in texts or []:
        key, value = parse_fix(text)
        out[key] = value
    return out


def _write(path: Path, text: str) -> None:
    """Write atomically: a failed write leaves no partial file."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_out(path: Path) -> None:
    if not path.parent.resolve().is_dir():
        raise InputError(f"-o {path}: no such folder {path.parent}")


@workbench_app.command("draft")
def draft_cmd(
    base: str = typer.Argument(..., help="The bundled treaty id or treaty file to start from."),
    sets: list[str] | None = SET_OPT,
    quotas: list[str] | None = QUOTA_OPT,
    draft_id: str | None = typer.Option(None, "--id", help="The draft's id (default BASE-draft)."),
    output: Path = typer.Option(..., "-o", "--output", help="The draft .toml file to write."),
) -> None:
    """Write a draft treaty file derived from BASE, with a note of what changed."""
    from armsctl.treaty import load_treaty, parse_treaty
    from armsctl.workbench import derive_draft, draft_toml

    changes = _changes(sets, quotas)
    _check_out(output)
    draft, notes = derive_draft(load_treaty(base), changes, draft_id=draft_id)
    text = draft_toml(draft, notes)
    parse_treaty(text, where=str(output))  # the file must load with the same loader
    _write(output, text)
    out_console.print(f"wrote {output} ({draft.id})", highlight=False)
    for note in notes or ["nothing changed (a copy of the base)"]:
        out_console.print(f"  changed: {note}", highlight=False)


@workbench_app.command("cuts")
def cuts_cmd(
    draft: str = DRAFT_ARG,
    baselines: list[str] | None = BASELINE_OPT,
    years: int | None = YEARS_OPT,
    sets: list[str] | None = SET_OPT,
    quotas: list[str] | None = QUOTA_OPT,
    milestones: list[str] | None = MILESTONE_OPT,
    capacity: list[str] | None = CAPACITY_OPT,
    costs: list[str] | None = COST_OPT,
    fixed: list[str] | None = FIX_OPT,
    loading: list[str] | None = LOADING_OPT,
    db: str | None = DB_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """What each party must cut, the optimal eliminations and the minimal-peak schedule.

    Exit 1 when a milestone cannot be met (the finding names it and the shortfall).
    """
    _, _, result = _analysis(
        draft, sets, quotas, baselines, db, years, milestones, capacity, costs, fixed, loading
    )
    if fmt is OutputFormat.json:
        print_json(result)
    else:
        _print_cuts(result)
    exit_if_found(bool(result["findings"]))


def _print_cuts(result: dict[str, Any]) -> None:
    for p in result["parties"]:
        table = Table(
            title=f"{p['party']}: cuts under {result['draft']} from {p['baseline_source']}"
            f" (as of {p['baseline_as_of']})"
        )
        for col in ("limit", "baseline", "max", "required cut", "binding", "peak a year"):
            table.add_column(col, justify="left" if col == "limit" else "right")
        for x in p["limits"]:
            table.add_row(
                x["id"],
                f"{x['baseline']:,}"
                + (
                    " (upper bound)"
                    if x.get("upper_bound")
                    else " (unverified)"
                    if x["unverified"]
                    else ""
                ),
                f"{x['max']:,}",
                f"{x['required_cut']:,}",
                "yes" if x["binding"] else "no",
                f"{p['peak_per_year'].get(x['id'], 0):,}",
            )
        out_console.print(table)
        for x in p["limits"]:
            steps = [m for m in x.get("milestones", []) if not m["final"]]
            if steps:
                shown = "; ".join(
                    f"<= {m['max']:,} by {m['date']} (cut {m['required_cut']:,}, {m['source']})"
                    for m in steps
                )
                out_console.print(f"milestones of {x['id']}: {shown}", highlight=False)
        keys = sorted(p["peak_per_year"])
        if keys:
            sched = Table(title=f"{p['party']}: yearly eliminations")
            sched.add_column("year")
            for k in keys:
                sched.add_column(k, justify="right")
            for row in p["schedule"]:
                sched.add_row(str(row["year"]), *(f"{row['eliminations'][k]:,}" for k in keys))
            out_console.print(sched)
        opt = p["optimisation"]
        cuts = ", ".join(f"{k} {v:,}" for k, v in opt["cuts"].items()) or "none"
        out_console.print(f"optimal eliminations ({opt['model']}): {cuts}", highlight=False)
        for note in opt["notes"] + [f"counting: {n}" for n in p["counting_notes"]]:
            out_console.print(f"[dim]note: {note}[/]", highlight=False)
        for src in p["sources"]:
            out_console.print(f"[dim]source: {src}[/]", highlight=False)
        if p["not_in_baseline"]:
            out_console.print(
                f"[yellow]not in the baseline:[/] {', '.join(p['not_in_baseline'])}",
                highlight=False,
            )
    for f in result["findings"]:
        out_console.print(f"[bold red]![/] {f['message']}", highlight=False)


def _sites(
    treaty: Treaty, sites_file: Path | None, site_items: int, sites_per_type: int
) -> tuple[list[Any], str]:
    """The sites a burden is computed for and where they come from: a file, or synthetic."""
    from armsctl.workbench import synthetic_sites

    if sites_file is not None:
        from armsctl.verification.io import read_site_list  # NumPy: only for a site list

        return read_site_list(sites_file), f"site list {sites_file}"
    sites = synthetic_sites(treaty, site_items, per_type=sites_per_type)
    return sites, (
        f"synthetic site list (not real data): {sites_per_type} sites per type, {site_items:,} items"
    )


CHEAT_OPT = typer.Option(1, "--cheat", min=1, help="Items not as declared, hidden at one site.")
CHECKS_OPT = typer.Option(
    None, "--checks", min=1, help="Items checked per inspection (default: all at the site)."
)
TARGET_OPT = typer.Option(0.9, "--target", help="Target detection probability over the life.")
SITES_OPT = typer.Option(None, "--sites", help="A site list CSV (site,type,items).")
TEAM_OPT = typer.Option(10, "--team-size", min=1, help="Inspectors per inspection (assumption).")
DAYS_OPT = typer.Option(1, "--days", min=1, help="Days per inspection (assumption).")


@workbench_app.command("burden")
def burden_cmd(
    draft: str = DRAFT_ARG,
    party: str = typer.Option(..., "--party", help="The inspected party."),
    sites_file: Path | None = SITES_OPT,
    site_items: int = typer.Option(
        800, "--site-items", min=0, help="Items on a synthetic site list (without --sites)."
    ),
    sites_per_type: int = typer.Option(10, "--sites-per-type", min=1, help="Synthetic sites."),
    cheat: int = CHEAT_OPT,
    checks: int | None = CHECKS_OPT,
    target: float = TARGET_OPT,
    year: int | None = typer.Option(None, "--year", help="Quota year (default: entry into force)."),
    years: int | None = typer.Option(None, "--life", min=1, help="Years (default: the treaty's)."),
    team_size: int = TEAM_OPT,
    days: int = DAYS_OPT,
    sets: list[str] | None = SET_OPT,
    quotas: list[str] | None = QUOTA_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """Detection per year and over the treaty's life, quota needed, inspector-days."""
    from armsctl.workbench import verification_burden
    from armsctl.workbench.burden import burden_to_dict, treaty_years

    treaty, _ = _draft(draft, sets, quotas)
    start = treaty.dates.entry_into_force
    life = years or treaty_years(treaty, start)
    sites, origin = _sites(treaty, sites_file, site_items, sites_per_type)
    burden = verification_burden(
        treaty,
        party,
        sites,
        cheat=cheat,
        years=life,
        year=year or start.year,
        checks=checks,
        target=target,
        team_size=team_size,
        days_per_inspection=days,
    )
    data = burden_to_dict(burden, origin=origin)
    if fmt is OutputFormat.json:
        print_json(data)
        return
    _print_burden(data)


def _print_burden(b: dict[str, Any]) -> None:
    table = Table(title=f"Verification burden, {b['party']}: a cheat of {b['cheat']} item(s)")
    for col in ("type", "quota", "sites", "per visit", "per year", "over life", "quota needed"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for t in b["types"]:
        table.add_row(
            t["type"],
            str(t["per_year"]),
            str(t["sites"]),
            f"{100 * t['visit_detection']:.1f}%",
            f"{100 * t['per_year_detection']:.1f}%",
            f"{100 * t['life_detection']:.1f}%",
            "unreachable" if t["quota_needed"] is None else str(t["quota_needed"]),
        )
    out_console.print(table)
    out_console.print(
        f"worst case: {100 * b['per_year_detection']:.1f}% a year, "
        f"{100 * b['life_detection']:.1f}% over {b['years']} year(s); quota needed for "
        f"{100 * b['target']:.0f}% over the life as shown; "
        f"{b['inspector_days_per_year']:,} inspector-days a year",
        highlight=False,
    )
    for a in b["assumptions"]:
        out_console.print(f"[dim]assumption: {a}[/]", highlight=False)


@workbench_app.command("compare")
def compare_cmd(
    draft_a: str = typer.Argument(..., help="First draft (file or bundled id)."),
    draft_b: str = typer.Argument(..., help="Second draft (file or bundled id)."),
    baselines: list[str] | None = BASELINE_OPT,
    years: int | None = YEARS_OPT,
    db: str | None = DB_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """Two drafts side by side from the same baselines: maxima, cuts and peak years."""
    from armsctl.treaty import load_treaty
    from armsctl.workbench import Options, analyse, compare

    options = Options(years=years)
    docs = []
    for ref in (draft_a, draft_b):
        treaty = load_treaty(ref)
        docs.append(analyse(treaty, _baselines(treaty, baselines, db), options))
    result = compare(docs[0], docs[1])
    if fmt is OutputFormat.json:
        print_json(result)
        return
    table = Table(title=f"{result['a']} (A) vs {result['b']} (B)")
    for col in (
        "party",
        "limit",
        "baseline",
        "max A",
        "max B",
        "cut A",
        "cut B",
        "peak A",
        "peak B",
    ):
        table.add_column(col, justify="left" if col in ("party", "limit") else "right")
    for r in result["rows"]:
        table.add_row(
            r["party"],
            r["limit"],
            *(
                "-" if r[k] is None else f"{r[k]:,}"
                for k in ("baseline", "max_a", "max_b", "cut_a", "cut_b", "peak_a", "peak_b")
            ),
        )
    out_console.print(table)
    for f in result["findings_a"] + result["findings_b"]:
        out_console.print(f"[bold red]![/] {f['message']}", highlight=False)


@workbench_app.command("brief")
def brief_cmd(
    draft: str = DRAFT_ARG,
    baselines: list[str] | None = BASELINE_OPT,
    output: Path = typer.Option(..., "-o", "--output", help="The brief file to write."),
    fmt: DocFormat = DocumentFormat.html,
    years: int | None = YEARS_OPT,
    sets: list[str] | None = SET_OPT,
    quotas: list[str] | None = QUOTA_OPT,
    milestones: list[str] | None = MILESTONE_OPT,
    capacity: list[str] | None = CAPACITY_OPT,
    cheat: int = CHEAT_OPT,
    checks: int | None = CHECKS_OPT,
    target: float = TARGET_OPT,
    sites_file: Path | None = SITES_OPT,
    team_size: int = TEAM_OPT,
    days: int = DAYS_OPT,
    db: str | None = DB_OPT,
) -> None:
    """A self-contained brief: cuts, schedule chart, burden, assumptions and sources."""
    import json

    from armsctl.reports import brief_html
    from armsctl.workbench.brief import brief_document, render_markdown
    from armsctl.workbench.burden import analysis_burdens

    _check_out(output)
    treaty, changes, result = _analysis(
        draft, sets, quotas, baselines, db, years, milestones, capacity
    )
    if not changes:
        changes = _notes_of(treaty)
    sites = None
    if sites_file is not None:
        from armsctl.verification.io import read_site_list  # NumPy: only for a site list

        sites = read_site_list(sites_file)
    burdens = analysis_burdens(
        treaty,
        result,
        cheat=cheat,
        checks=checks,
        target=target,
        team_size=team_size,
        days_per_inspection=days,
        sites=sites,
        origin=f"site list {sites_file}" if sites_file is not None else "",
    )
    doc = brief_document(result, changes=changes, burdens=burdens)
    if fmt is DocumentFormat.json:
        text = json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
    elif fmt is DocumentFormat.md:
        text = render_markdown(doc)
    else:
        text = brief_html(doc)
    _write(output, text)
    out_console.print(f"wrote {output}", highlight=False)
    exit_if_found(bool(result["findings"]))


def _notes_of(treaty: Treaty) -> list[str]:
    return [
        line.removeprefix("Changed: ")
        for line in treaty.notes.splitlines()
        if line.startswith("Changed: ")
    ]


@estimates_app.command("list")
def estimates_list(
    party: str | None = typer.Option(None, "--party", help="Only this party's records."),
    fmt: Format = OutputFormat.table,
) -> None:
    """List the public figures, with publisher, date, counting rule and verified flag."""
    from armsctl.workbench.estimates import estimate_to_dict, estimates

    records = [r for r in estimates() if party is None or r.party == party]
    if fmt is OutputFormat.json:
        print_json([estimate_to_dict(r) for r in records])
        return
    table = Table(title="Public figures (verified = confirmed in a stored copy of the source)")
    table.add_column("id", no_wrap=True)
    for col in ("party", "measure", "value", "as of", "publisher", "verified"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for r in records:
        table.add_row(
            r.id,
            r.party,
            r.measure,
            ("~" if r.approximate else "") + f"{r.value:,}",
            r.as_of.isoformat(),
            r.publisher,
            "yes" if r.verified else "[yellow]no (secondary)[/]",
        )
    out_console.print(table)
    out_console.print(
        "[dim]note: FAS 'deployed' warheads include bombs at bomber bases; New START counts one "
        "warhead per deployed heavy bomber. See `armsctl estimates show ID` for each rule.[/]",
        highlight=False,
    )


@estimates_app.command("show")
def estimates_show(
    estimate_id: str = typer.Argument(..., help="The record id (see `armsctl estimates list`)."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Show one record with its source and counting rule."""
    from armsctl.workbench.estimates import estimate, estimate_to_dict

    record = estimate(estimate_id)
    data = estimate_to_dict(record)
    if fmt is OutputFormat.json:
        print_json(data)
        return
    for key, value in data.items():
        out_console.print(f"[bold]{key}[/]: {value}", highlight=False)
    if not record.verified:
        out_console.print(
            "[yellow]unverified: secondary source, not checked against the primary[/]"
        )


@estimates_app.command("observations")
def estimates_observations(
    ids: list[str] = typer.Argument(..., help="Record ids (see `armsctl estimates list`)."),
    treaty: str = typer.Option(..., "--treaty", help="The treaty the observations are for."),
    category: str = typer.Option(..., "--category", help="The treaty category they stand for."),
    site: str = typer.Option("national", "--site", help="The notional site of a national total."),
    relative_error: float = typer.Option(
        0.05, "--relative-error", help="Standard error as a share of the value (0.05 = 5%)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="The observations .json to write."),
) -> None:
    """Write records as monitoring observations (open source, with a standard error)."""
    import datetime as dt
    import json

    from armsctl.monitoring import read_observations
    from armsctl.treaty import load_treaty
    from armsctl.workbench.estimates import estimate, estimate_observation

    doc = load_treaty(treaty)
    _check_out(output)
    if category not in {c.id for c in doc.categories}:
        raise InputError(f"--category {category}: not a category of {doc.id}")
    records = [estimate(i) for i in ids]
    rows = []
    for record in records:
        obs = estimate_observation(
            record, category=category, site=site, relative_error=relative_error
        )
        rows.append(
            {
                "id": obs.id,
                "party": obs.party,
                "site": obs.site,
                "category": obs.category,
                "count": obs.count,
                "time": obs.time.isoformat(),
                "source": obs.source,
                "se": obs.se,
                "counting_rule": record.counting_rule,
                "verified": record.verified,
            }
        )
    text = json.dumps({"observations": rows}, indent=1) + "\n"
    _write(output, text)
    try:  # what monitoring will read: refuse the file now rather than there
        read_observations([output], doc, now=dt.datetime.now(dt.UTC))
    except InputError:
        output.unlink(missing_ok=True)
        raise
    out_console.print(f"wrote {len(rows)} observation(s) to {output}", highlight=False)
    for record in records:
        flag = "" if record.verified else " (unverified: secondary source)"
        out_console.print(f"[dim]counting: {record.id}: {record.counting_rule}{flag}[/]")


def register(app: typer.Typer) -> None:
    """Add ``armsctl workbench`` and ``armsctl estimates`` to the application."""
    app.add_typer(workbench_app, name="workbench")
    app.add_typer(estimates_app, name="estimates")
