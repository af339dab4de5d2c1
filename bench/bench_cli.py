"""Start-up of every command: each leaf on its smallest input, as whole processes.

Every leaf command of the application is run on the smallest input of its row in
tests/cli/test_exit_codes.py (the first case that finds nothing, else its first case, which is
usually bad input refused at once; a command whose row only points to another test runs with
``--help``), as a fresh process, against ``python -c pass`` in the same run. Start-up is the
median time minus the baseline's. Wall time on a shared machine mostly measures the machine, so
the CPU time (user + system) of each process is recorded as well, with the load average.

Each command's exit code is recorded next to the one its case expects, and a mismatch is marked:
a figure taken on another path than the case's (a date the treaty no longer allows, a missing
input) would measure something else. Rows that exit 2 are refusals of bad input: they measure
what a command loads before it looks at its input, not a full run.

The treaty cache of the command line (``ARMSCTL_CACHE_DIR``) lives in a fresh folder, warmed by
one untimed pass, as it is for a user after the first call; ``--no-cache`` turns it off, to
measure the cost of validating the treaty on every call.

``--against SRC`` also runs every command from another checkout's ``src`` (on ``PYTHONPATH``),
interleaved with this one's in the same run, so that a change is measured as a ratio that the
load of a shared machine hits on both sides alike.

Targets (issue #15): every command's start-up under 0.2 s; ``armsctl check new-start`` under
0.25 s.

    python bench/bench_cli.py --repeat 5          # every leaf
    python bench/bench_cli.py --quick             # one run each
    python bench/bench_cli.py --only check --only "treaty list"
    python bench/bench_cli.py --only "check new-start" --no-cache
    python bench/bench_cli.py --against ../main/src   # also each command from another checkout
    python -X importtime -c "from armsctl.cli import main; main()" check new-start  # what loads
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ARMSCTL = str(Path(sys.executable).with_name("armsctl"))
BASELINE = "python -c pass"
TARGET_S = 0.2
CHECK_TARGET_S = 0.25


def _table_module() -> Any:
    """tests/cli/test_exit_codes.py: its table holds every leaf's smallest input."""
    if "exit_table" in sys.modules:
        return sys.modules["exit_table"]
    spec = importlib.util.spec_from_file_location(
        "exit_table", REPO / "tests" / "cli" / "test_exit_codes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["exit_table"] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Spec:
    """One leaf's run: its arguments (with the table's placeholders), files, expected exit."""

    args: tuple[str, ...]
    code: int
    copy: tuple[str, ...] = ()


def commands() -> dict[str, Spec]:
    """Each leaf's smallest input, as ``armsctl`` arguments and the exit code it expects.

    The baseline and ``armsctl check new-start`` (the issue's own example: New START as of its
    latest declarations, a date the treaty allowed) come first.
    """
    table = _table_module()
    out = {BASELINE: Spec((), 0), "check new-start": Spec(("check", "new-start"), 0)}
    for name, cases in table.TABLE.items():
        runnable = [c for c in cases if isinstance(c, table.Case)]
        case = next((c for c in runnable if c.code == 0), runnable[0] if runnable else None)
        if case is None:
            out[name] = Spec((*name.split(), "--help"), 0)
        else:
            out[name] = Spec(tuple(case.args), case.code, tuple(case.copy))
    return out


def prepare(spec: Spec, world: Path, pristine: Path, run: Path) -> list[str]:
    """The command line of one run, in its own fresh folder ``run`` (``{t}``), untimed.

    Commands that write (``keys generate``, ``notify send``, ``users add``, ``db load-treaty``)
    would find their own output on a second run and refuse it: each run gets fresh copies of
    the files its case copies, its own name (``{n}``) and a fresh copy of the shared server
    database as it was before the command's first run (``pristine``), the rows above it in the
    table applied in order as the test applies them (``parties list`` after ``db load-treaty``),
    so that every run takes the path its case expects.
    """
    if not spec.args:
        return [sys.executable, "-c", "pass"]
    run.mkdir(parents=True)
    for file in spec.copy:
        shutil.copyfile(world / file, run / file)
    for db in pristine.glob("server.db*"):
        shutil.copyfile(db, run / db.name)
    args = [a.replace("{w}/server.db", str(run / "server.db")).replace("{w}", str(world))
            .replace("{t}", str(run)).replace("{n}", run.name) for a in spec.args]  # fmt: skip
    return [ARMSCTL, *args]


def snapshot(world: Path, into: Path) -> None:
    """Copy the shared server database (and its WAL files) of ``world`` into ``into``."""
    into.mkdir(parents=True)
    for db in world.glob("server.db*"):
        shutil.copyfile(db, into / db.name)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds (user + system) of one process, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--only", action="append", default=[], help="only these leaves")
    parser.add_argument(
        "--no-cache", action="store_true", help="no treaty cache (validate each run)"
    )
    parser.add_argument("--against", type=Path, help="another checkout's src, timed alongside")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    sys.path.insert(0, str(REPO / "src"))
    from armsctl.cli.app import build_app

    with tempfile.TemporaryDirectory() as tmp:
        world, scratch, states = Path(tmp) / "world", Path(tmp) / "scratch", Path(tmp) / "db"
        world.mkdir()
        scratch.mkdir()
        _table_module().build_world(world, build_app())
        specs = commands()
        if args.only:
            specs = {k: v for k, v in specs.items() if k in {BASELINE, *args.only}}
        env = {**os.environ, "ARMSCTL_CACHE_DIR": "" if args.no_cache else str(Path(tmp) / "cache")}
        # Bytecode as an installed package has it, written on the untimed pass: compiling every
        # module on every run (PYTHONDONTWRITEBYTECODE, a read-only checkout) would count the
        # compiler. It goes to a folder of its own, so that no checkout gets __pycache__ files.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        variants = {"": env}
        if args.against is not None:
            other = str(args.against.resolve())
            variants[" (against)"] = {
                **env,
                "PYTHONPATH": other,
                "ARMSCTL_CACHE_DIR": "" if args.no_cache else str(Path(tmp) / "cache-against"),
            }
        cmds = {f"{name}{suffix}": (spec, venv)
                for name, spec in specs.items()
                for suffix, venv in variants.items()
                if not (suffix and name == BASELINE)}  # fmt: skip
        runs = iter(range(1_000_000))
        none = states / "none"  # commands that do not use the server database
        none.mkdir(parents=True)
        state = dict.fromkeys(specs, none)

        def one(spec: Spec, venv: dict[str, str], pristine: Path) -> tuple[float, float, int]:
            folder = scratch / f"r{next(runs)}"
            cmd = prepare(spec, world, pristine, folder)
            return timed(cmd, folder if spec.args else scratch, venv)

        shared = str(world / "server.db")
        for i, (name, spec) in enumerate(commands().items()):  # every row, in table order
            if not any("{w}/server.db" in a for a in spec.args):
                continue
            state[name] = states / str(i)
            snapshot(world, state[name])
            folder = scratch / f"r{next(runs)}"  # run on the shared database, untimed
            cmd = [a.replace(str(folder / "server.db"), shared)
                   for a in prepare(spec, world, none, folder)]  # fmt: skip
            timed(cmd, folder, env)
        for name, (spec, venv) in cmds.items():  # untimed: the treaty cache, page cache, bytecode
            one(spec, venv, state[name.removesuffix(" (against)")])
        load_before = os.getloadavg()
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cmds}
        for _ in range(repeat):  # interleaved, so that drift hits every command alike
            for name, (spec, venv) in cmds.items():
                samples[name].append(one(spec, venv, state[name.removesuffix(" (against)")]))
        load_after = os.getloadavg()
    base_wall = statistics.median(w for w, _, _ in samples[BASELINE])
    base_cpu = statistics.median(c for _, c, _ in samples[BASELINE])
    rows = {}
    for name, values in samples.items():
        wall = statistics.median(w for w, _, _ in values)
        cpu = statistics.median(c for _, c, _ in values)
        target = CHECK_TARGET_S if name.startswith("check new-start") else TARGET_S
        exits = sorted({code for _, _, code in values})
        rows[name] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "startup_wall_s": round(wall - base_wall, 3),
            "startup_cpu_s": round(cpu - base_cpu, 3),
            "ratio_to_baseline_cpu": round(cpu / base_cpu, 1) if base_cpu else None,
            "target_s": None if name == BASELINE else target,
            "cpu_within_target": None if name == BASELINE else cpu - base_cpu < target,
            "exit": exits[0] if len(exits) == 1 else exits,
            "expected_exit": cmds[name][0].code,
            "command": " ".join(
                ("armsctl", *cmds[name][0].args[:6]) if cmds[name][0].args else BASELINE.split()
            ),
        }
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_before": load_before,
                    "load_after": load_after},
        "repeat": repeat,
        "treaty_cache": not args.no_cache,
        "against": None if args.against is None else str(args.against),
        "commands": rows,
    }  # fmt: skip
    width = max(len(n) for n in rows)
    print(f"{'command':<{width}}  wall s  cpu s  start-up cpu s  ratio  exit  target")
    for name, r in sorted(rows.items(), key=lambda kv: -kv[1]["startup_cpu_s"]):
        mark = "" if r["cpu_within_target"] in (None, True) else "  OVER"
        if r["exit"] != r["expected_exit"]:
            mark += f"  EXIT {r['exit']}, EXPECTED {r['expected_exit']}"
        print(f"{name:<{width}}  {r['wall_s']:6.3f}  {r['cpu_s']:5.3f}  {r['startup_cpu_s']:14.3f}  "
              f"{r['ratio_to_baseline_cpu']:5}  {r['exit']!s:>4}  {r['target_s'] or '':>6}{mark}")  # fmt: skip
    own = {n: r for n, r in rows.items() if n != BASELINE and not n.endswith(" (against)")}
    over = [n for n, r in own.items() if r["cpu_within_target"] is False]
    median = statistics.median(r["startup_cpu_s"] for r in own.values())
    print(f"{len(own) - len(over)} of {len(own)} within target; median start-up cpu {median:.3f} s; "
          f"treaty cache {'off' if args.no_cache else 'on'}")  # fmt: skip
    if args.against is not None:
        pairs = [(rows[n]["startup_cpu_s"], rows[f"{n} (against)"]["startup_cpu_s"])
                 for n in rows if f"{n} (against)" in rows]  # fmt: skip
        print(f"against {args.against}: median start-up cpu here "
              f"{statistics.median(a for a, _ in pairs):.3f} s, there "
              f"{statistics.median(b for _, b in pairs):.3f} s")  # fmt: skip
    print(f"load average before {load_before}, after {load_after}")
    out = Path(__file__).parent / "results" / ("cli-no-cache.json" if args.no_cache else "cli.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
