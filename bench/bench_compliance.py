"""armsctl's full check path against a hand-written DuckDB aggregation over the same Parquet file.

Generates a synthetic New START-shaped item inventory (several parties and dates), then in one run
times (a) read + validate + reduce + evaluate, as `armsctl check` does, and (b) one DuckDB SQL
query computing the same three figures per party and date; asserts they agree and reports the
ratio (a)/(b) and the peak memory of the process.

    python bench/bench_compliance.py --items 10000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from armsctl.compliance import evaluate
from armsctl.inventory import read_declarations
from armsctl.inventory.io import write_items
from armsctl.inventory.synthetic import generate_items
from armsctl.treaty import load_treaty

DATES = tuple(dt.date(y, m, 1) for y in (2019, 2020, 2021) for m in (3, 9))
PARTIES = ("USA", "RUS")

BASELINE_SQL = """
SELECT party, as_of,
  count(*) FILTER (WHERE status = 'deployed') AS dv,
  coalesce(sum(warheads) FILTER (WHERE status = 'deployed' AND category IN ('icbm-launcher', 'slbm-launcher')), 0)
    + count(*) FILTER (WHERE status = 'deployed' AND category = 'heavy-bomber') AS wh,
  count(*) FILTER (WHERE status IN ('deployed', 'non-deployed')) AS l
FROM read_parquet('{path}') GROUP BY ALL
"""


def generate(path: str, items: int) -> None:
    write_items(Path(path), generate_items(items, parties=PARTIES, dates=DATES, seed=42))


def armsctl_path(path: Path) -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    treaty = load_treaty("new-start")
    decls = read_declarations([path], treaty)
    out = {}
    for at in decls.dates():
        report = evaluate(treaty, decls, at)
        for p in report.parties:
            if p.declaration_as_of == at:
                v = [x.value or 0 for x in p.limits]
                out[(p.party, at)] = (v[0], v[1], v[2])
    return out


def baseline(path: Path) -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    rows = duckdb.connect().execute(BASELINE_SQL.format(path=path)).fetchall()
    return {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4])) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200,000 items, 3 repeats")
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeat = 200_000, 3
    data = Path(__file__).parent / ".data" / f"items-{args.items}.parquet"
    if not data.exists():
        # Generated in a child process so that the peak memory below is the check's own.
        here = str(Path(__file__).parent)
        code = f"import sys; sys.path.insert(0, {here!r}); from bench_compliance import generate; generate({str(data)!r}, {args.items})"
        subprocess.run([sys.executable, "-c", code], check=True)
    a_times, b_times = [], []
    a_result = b_result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        b_result = baseline(data)
        t1 = time.perf_counter()
        a_result = armsctl_path(data)
        t2 = time.perf_counter()
        b_times.append(t1 - t0)
        a_times.append(t2 - t1)
    assert a_result == b_result, (a_result, b_result)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratios = [a / b for a, b in zip(a_times, b_times, strict=True)]
    result = {
        "items": args.items,
        "declarations": len(a_result),
        "armsctl_check_s_median": statistics.median(a_times),
        "duckdb_baseline_s_median": statistics.median(b_times),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "peak_rss_mib": round(peak_mib),
        "target": "ratio <= 1.5, peak < 2048 MiB",
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "compliance.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
