"""``armsctl exercise``: list, play, run, resume and debrief training exercises."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from armsctl.cli._common import OutputFormat, out_console, print_json
from armsctl.cli._options import CommandGroup, Format

if TYPE_CHECKING:
    from armsctl.exercise import Exercise

__all__ = ["register"]

SCENARIO_ARG = typer.Argument(
    ..., help="A bundled scenario id (see `armsctl exercise list`) or a scenario .toml file."
)
SEED_OPT = typer.Option(None, "--seed", help="Override the scenario's seed.")
SAVE_OPT = typer.Option(
    None, "--save", help="Write the exercise record here (resumable, debriefable)."
)

exercise_app = CommandGroup(
    help="Training exercises: verification games against a simulated host.", no_args_is_help=True
)


def _read_record(path: Path) -> dict[str, Any]:
    from armsctl.errors import InputError, NotFoundError, Problem

    if not path.is_file():
        raise NotFoundError(f"{path}: no such exercise record")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"not valid JSON: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), "", "not an exercise record")])
    return data


def _save(ex: Exercise, path: Path | None) -> None:
    if path is None:
        return
    path.write_text(
        json.dumps(ex.to_record(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out_console.print(f"[dim]saved to {escape(str(path))}[/]", highlight=False)


@exercise_app.command("list")
def list_scenarios(fmt: Format = OutputFormat.table) -> None:
    """List the bundled scenarios."""
    from armsctl.exercise import bundled_scenario_ids, load_scenario

    rows: list[dict[str, Any]] = []
    for sid in bundled_scenario_ids():
        sc = load_scenario(sid)
        rows.append(
            {
                "id": sc.id,
                "title": sc.title,
                "turns": sc.turns,
                "sites": len(sc.sites),
                "description": sc.description,
            }
        )
    if fmt is OutputFormat.json:
        print_json(rows)
        return
    table = Table(title="Exercise scenarios")
    for col in ("id", "title", "turns", "sites"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["title"], str(r["turns"]), str(r["sites"]))
    out_console.print(table)
    out_console.print("Start one with: armsctl exercise play ID", highlight=False)


def _print_view(ex: Exercise) -> None:
    view = ex.view()
    lines = [
        f"[bold]{escape(view['turn_label'])} {view['turn']} of {view['turns']}[/] "
        f"(year {view['year']}, {view['time'][:10]})"
    ]
    for q, info in view["quotas"].items():
        notice = (
            f"{info['notice_hours']} hours before arrival"
            if info["notice_hours"]
            else f"{info['notice_turns']} turn(s)"
        )
        lines.append(
            f"quota {escape(q)}: {info['remaining']} of {info['per_year']} left this "
            f"year; notice {notice}"
        )
    for site, p in view["pending"].items():
        lines.append(
            f"pending: {escape(site)} ({escape(p['type'])}, {escape(p['notification'])}), "
            f"inspect from turn {p['earliest_turn']}"
        )
    for ev in view["events"]:
        if ev["kind"] in ("turn-start",):
            continue
        style = (
            "red"
            if ev["kind"] == "refused"
            else "yellow"
            if ev["kind"] in ("observation", "notification")
            else "white"
        )
        lines.append(f"[{style}]- {escape(ev['text'])}[/]")
    out_console.print(Panel("\n".join(lines), title=escape(ex.scenario.title)))


def _print_sites(ex: Exercise) -> None:
    table = Table(title="Declared sites")
    for col in ("site", "kind", "declared", "inspection types"):
        table.add_column(col)
    for s in ex.view()["sites"]:
        declared = ", ".join(f"{v} {k}" for k, v in sorted(s["declared"].items()) if v)
        table.add_row(s["id"], s["kind"], declared, ", ".join(s["types"]))
    out_console.print(table)


def _print_score(ex: Exercise) -> None:
    from armsctl.exercise import score

    sc = score(ex)
    table = Table(title=f"Score: {sc.total:g}")
    table.add_column("part")
    table.add_column("points", justify="right")
    for k, v in sc.parts.items():
        table.add_row(k, f"{v:g}")
    out_console.print(table)


# CSI (ESC [ ... final), SS3 (ESC O x) and other two-byte escapes, then any control character.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[O@-Z\\-_].?|\x1b|[\x00-\x08\x0b-\x1f\x7f]")
COMMANDS = ("notify", "inspect", "clarify", "concern", "end", "sites", "help", "save", "quit")


def clean_line(line: str) -> str:
    r"""A typed line without terminal escape sequences or control characters.

    Keys a terminal sends as escape sequences (arrows, Home, function keys) are editing keys,
    never part of an action: without line editing they would reach the engine as text such as
    ``'\x1b[A'`` and be recorded as refused actions.
    """
    return _ESCAPES.sub("", line).strip()


def line_reader(ex: Exercise) -> Callable[[str], str]:
    """Read one action: prompt_toolkit (editing, history, completion) on a terminal, else plain.

    On a terminal the arrow keys move in the line and recall earlier actions of the session
    (an in-memory history, so that nothing typed in an exercise is written to disk); Tab
    completes actions, site ids and inspection types. Piped or scripted input (a plan fed to
    stdin, tests) is read line by line as before.
    """
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import WordCompleter
        from prompt_toolkit.history import InMemoryHistory

        words = [*COMMANDS, *(s.id for s in ex.scenario.sites), *ex.quota]
        session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(), completer=WordCompleter(words), complete_while_typing=False
        )

        def ask(prompt: str) -> str:
            out_console.file.flush()
            return session.prompt(f"{prompt}: ")

        return ask

    from rich.prompt import Prompt

    def plain(prompt: str) -> str:
        return Prompt.ask(f"[bold]{escape(prompt)}[/]", console=out_console)

    return plain


def _interactive(ex: Exercise, save: Path | None) -> None:
    """The prompt loop: one action a line until the exercise ends or the trainee quits."""
    from armsctl.exercise import ACTION_HELP

    out_console.print(
        f"[dim]actions: {escape(ACTION_HELP)}; also: sites, help, save, quit[/]", highlight=False
    )
    ask = line_reader(ex)
    shown = -1
    while not ex.finished:
        if shown != ex.turn:
            _print_view(ex)
            shown = ex.turn
        try:
            line = clean_line(ask(f"turn {ex.turn} action"))
        except (EOFError, KeyboardInterrupt):
            out_console.print("\nstopped", highlight=False)
            _save(ex, save)
            return
        if not line:
            continue
        word = line.split()[0].lower()
        if word in ("quit", "exit"):
            _save(ex, save)
            out_console.print("stopped; resume with: armsctl exercise resume FILE", highlight=False)
            return
        if word == "help":
            out_console.print(escape(ACTION_HELP), highlight=False)
            continue
        if word == "sites":
            _print_sites(ex)
            continue
        if word == "save":
            _save(ex, save)
            continue
        turn = ex.turn
        outcome = ex.act(line)
        for ev in outcome.events:
            if ev["turn"] != turn:
                break  # the next turn's news is shown in its panel
            if ev["visible"] and ev["kind"] not in ("turn-start", "turn-end", "finished"):
                style = "red" if ev["kind"] == "refused" else "cyan"
                out_console.print(f"[{style}]{escape(ev['text'])}[/]", highlight=False)
    out_console.print("[bold]The exercise is over.[/]")
    _print_timeline(ex)
    _print_score(ex)
    _save(ex, save)


_KIND_STYLE = {
    "refused": "red",
    "inspection": "cyan",
    "finding": "magenta",
    "host": "magenta",
    "observation": "yellow",
    "notification": "yellow",
}


def _print_timeline(ex: Exercise) -> None:
    """The debrief timeline in the terminal: each turn's events, findings and the score."""
    from armsctl.exercise.debrief import turn_timeline

    _print_turns(turn_timeline(ex))


def _print_turns(turns: list[dict[str, Any]]) -> None:
    table = Table(title="Timeline (* not seen during play)", show_lines=False)
    table.add_column("turn", justify="right", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("what", overflow="fold", ratio=1)
    table.add_column("score", justify="right", no_wrap=True)
    for turn in turns:
        rows = turn["events"] or [{"kind": "-", "seen": True, "text": "nothing happened"}]
        for i, ev in enumerate(rows):
            style = _KIND_STYLE.get(ev["kind"], "white")
            last = i == len(rows) - 1
            table.add_row(
                str(turn["turn"]) if i == 0 else "",
                f"[{style}]{escape(ev['kind'])}[/]" + ("" if ev["seen"] else " *"),
                escape(ev["text"]),
                f"{turn['score']:g}" if last and turn["score"] is not None else "",
                end_section=last,
            )
    out_console.print(table)


@exercise_app.command("play")
def play(
    scenario: str = SCENARIO_ARG, seed: int | None = SEED_OPT, save: Path | None = SAVE_OPT
) -> None:
    """Play a scenario interactively, one action at a time."""
    from armsctl.exercise import load_scenario

    sc = load_scenario(scenario)  # first: an unknown scenario costs no import of the engine
    from armsctl.exercise import Exercise

    ex = Exercise(sc, seed=seed)
    if sc.briefing:
        out_console.print(Panel(escape(sc.briefing.strip()), title="Briefing"))
    _print_sites(ex)
    _interactive(ex, save)


@exercise_app.command("resume")
def resume_cmd(
    record: Path = typer.Argument(..., help="A record written by --save."),
    save: Path | None = typer.Option(None, "--save", help="Save here (default: the same file)."),
) -> None:
    """Resume a saved exercise interactively (the record is replayed and checked first)."""
    data = _read_record(record)  # first: a refused file costs no import of the engine
    from armsctl.exercise import resume

    ex = resume(data, where=str(record))
    if ex.note:
        out_console.print(f"[yellow]{escape(str(record))}: {escape(ex.note)}[/]", highlight=False)
    _print_sites(ex)
    _interactive(ex, save or record)


@exercise_app.command("run")
def run(
    scenario: str = SCENARIO_ARG,
    policy: str = typer.Option(
        ...,
        "--policy",
        help="A file of actions (one a line, 'end' ends a turn) or random|greedy|equilibrium.",
    ),
    seed: int | None = SEED_OPT,
    save: Path | None = SAVE_OPT,
    fmt: Format = OutputFormat.table,
) -> None:
    """Play a scenario non-interactively with scripted actions or an automatic inspector."""
    from armsctl.errors import InputError
    from armsctl.exercise import load_scenario

    sc = load_scenario(scenario)  # first: an unknown scenario costs no import of the engine
    from armsctl.exercise import AUTO_INSPECTORS, read_script, run_inspector, run_script, score

    if policy in AUTO_INSPECTORS:
        ex = run_inspector(sc, policy, seed=seed)
    else:
        path = Path(policy)
        if not path.is_file():
            raise InputError(
                f"--policy: {policy!r} is neither a file nor one of {', '.join(AUTO_INSPECTORS)}"
            )
        script = read_script(path.read_text(encoding="utf-8"), where=str(path))
        ex = run_script(sc, script, seed=seed)
    from armsctl.exercise.debrief import turn_timeline

    result = score(ex).to_dict()
    refused = [e["text"] for e in ex.events if e["kind"] == "refused"]
    if save is not None:
        save.write_text(
            json.dumps(ex.to_record(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if fmt is OutputFormat.json:
        print_json(
            {
                "scenario": sc.id,
                "seed": ex.seed,
                "policy": policy,
                "score": result,
                "refused": refused,
                "timeline": turn_timeline(ex),
            }
        )
        return
    _print_timeline(ex)
    _print_score(ex)


@exercise_app.command("debrief")
def debrief(
    record: Path = typer.Argument(..., help="A record written by --save."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML debrief here."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the JSON debrief here."),
    seeds: int = typer.Option(50, "--seeds", min=0, help="Seeds for the distribution."),
    fmt: Format = OutputFormat.table,
) -> None:
    """The instructor's view of an exercise: score, timeline, truth, baselines, charts."""
    data = _read_record(record)  # first: a refused file costs no import of the engine
    from armsctl.exercise import build_debrief
    from armsctl.reports import debrief_html

    doc = build_debrief(data, seeds=seeds, where=str(record))
    if html is not None:
        html.write_text(debrief_html(doc), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json(doc)
        return
    s = doc["score"]
    if doc["note"]:
        out_console.print(
            f"[yellow]{escape(str(record))}: {escape(doc['note'])}[/]", highlight=False
        )
    _print_turns(doc["turns"])
    out_console.print(
        f"[bold]{escape(doc['scenario']['title'])}[/]: score {s['total']:g} "
        f"({s['detections']} caught, {s['false_accusations']} false accusations)",
        highlight=False,
    )
    table = Table(title="Same seed, automatic inspectors")
    for col in ("inspector", "score", "detections", f"mean over {seeds} seeds", "detection rate"):
        table.add_column(col)
    for name, d in doc["same_seed"].items():
        dist = doc["distribution"].get(name)
        table.add_row(
            name,
            f"{d['total']:g}",
            str(d["detections"]),
            f"{dist['mean']:.2f}" if dist else "-",
            f"{dist['detection_rate']:.0%}" if dist else "-",
        )
    out_console.print(table)
    for path in (html, json_out):
        if path is not None:
            out_console.print(f"wrote {escape(str(path))}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``exercise`` command group."""
    app.add_typer(exercise_app, name="exercise")
