"""Cold start of the command line, as whole processes, against a bare Python start.

Times `armsctl --version` and `armsctl check new-start` on the bundled record (medians of
repeated runs, each a fresh process), and `python -c pass` in the same run as the baseline.
Targets: --version under 0.3 s, check under 1 s on this machine.

    python bench/bench_cli.py --repeat 15
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ARMSCTL = str(Path(sys.executable).with_name("armsctl"))
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "armsctl --version": [ARMSCTL, "--version"],
    "armsctl check new-start": [ARMSCTL, "check", "new-start"],
}


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    for cmd in COMMANDS.values():  # warm the file cache
        timed(cmd)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):  # interleaved, so drift hits every command alike
        for name, cmd in COMMANDS.items():
            samples[name].append(timed(cmd))
    base = statistics.median(samples["python -c pass (baseline)"])
    result = {
        name: {
            "median_s": round(statistics.median(values), 4),
            "min_s": round(min(values), 4),
            "ratio_to_bare_python": round(statistics.median(values) / base, 2),
        }
        for name, values in samples.items()
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
