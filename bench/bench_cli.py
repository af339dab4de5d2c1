"""Start-up of every command: each leaf on its smallest input, as whole processes.

Every leaf command of the application is run on the smallest input of its row in
tests/cli/test_exit_codes.py (the first case that finds nothing, else its first case, which is
usually bad input refused at once; a command whose row only points to another test runs with
``--help``), as a fresh process, against ``python -c pass`` in the same run. Start-up is the
median time minus the baseline's. Wall time on a shared machine mostly measures the machine, so
the CPU time (user + system) of each process is recorded as well, with the load average.

Targets (issue #15): every command's start-up under 0.2 s; ``armsctl check new-start`` under
0.25 s.

    python bench/bench_cli.py --repeat 5          # every leaf
    python bench/bench_cli.py --quick             # one run each
    python bench/bench_cli.py --only check --only "treaty list"
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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


def commands(world: Path, scratch: Path) -> dict[str, list[str]]:
    """Each leaf's smallest input, as an ``armsctl`` command line (plus the baseline)."""
    table = _table_module()
    out = {
        BASELINE: [sys.executable, "-c", "pass"],
        "check new-start": [ARMSCTL, "check", "new-start"],
    }
    for name, cases in table.TABLE.items():
        runnable = [c for c in cases if isinstance(c, table.Case)]
        case = next((c for c in runnable if c.code == 0), runnable[0] if runnable else None)
        if case is None:
            out[name] = [ARMSCTL, *name.split(), "--help"]
            continue
        for file in case.copy:
            (scratch / file).write_bytes((world / file).read_bytes())
        args = [a.replace("{w}", str(world)).replace("{t}", str(scratch)).replace("{n}", "bench")
                for a in case.args]  # fmt: skip
        out[name] = [ARMSCTL, *args]
    return out


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--only", action="append", default=[], help="only these leaves")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    sys.path.insert(0, str(REPO / "src"))
    from armsctl.cli.app import build_app

    with tempfile.TemporaryDirectory() as tmp:
        world, scratch = Path(tmp) / "world", Path(tmp) / "scratch"
        world.mkdir()
        scratch.mkdir()
        _table_module().build_world(world, build_app())
        cmds = commands(world, scratch)
        if args.only:
            cmds = {k: v for k, v in cmds.items() if k in {BASELINE, *args.only}}
        load_before = os.getloadavg()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
        for _ in range(repeat):  # interleaved, so that drift hits every command alike
            for name, cmd in cmds.items():
                samples[name].append(timed(cmd, scratch))
        load_after = os.getloadavg()
    base_wall = statistics.median(w for w, _ in samples[BASELINE])
    base_cpu = statistics.median(c for _, c in samples[BASELINE])
    rows = {}
    for name, values in samples.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        target = CHECK_TARGET_S if name == "check new-start" else TARGET_S
        rows[name] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "startup_wall_s": round(wall - base_wall, 3),
            "startup_cpu_s": round(cpu - base_cpu, 3),
            "target_s": None if name == BASELINE else target,
            "cpu_within_target": None if name == BASELINE else cpu - base_cpu < target,
            "command": " ".join(Path(a).name if a == ARMSCTL else a for a in cmds[name][:6]),
        }
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_before": load_before,
                    "load_after": load_after},
        "repeat": repeat,
        "commands": rows,
    }  # fmt: skip
    width = max(len(n) for n in rows)
    print(f"{'command':<{width}}  wall s  cpu s  start-up cpu s  target")
    for name, r in sorted(rows.items(), key=lambda kv: -kv[1]["startup_cpu_s"]):
        mark = "" if r["cpu_within_target"] in (None, True) else "  OVER"
        print(f"{name:<{width}}  {r['wall_s']:6.3f}  {r['cpu_s']:5.3f}  {r['startup_cpu_s']:14.3f}  "
              f"{r['target_s'] or '':>6}{mark}")  # fmt: skip
    print(f"load average before {load_before}, after {load_after}")
    out = Path(__file__).parent / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
