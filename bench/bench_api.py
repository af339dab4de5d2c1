"""Throughput and latency of the API server under a bounded load, for 1 and 2 uvicorn workers.

Starts uvicorn (``armsctl.api.asgi:create_app_from_env``, ``--workers N``) on 127.0.0.1 against
a fresh database and drives it with ``wrk`` (C, event loop, closed loop bounded by ``-c``
connections and ``-d`` seconds) through a Lua script that sets the bearer token, the method and
a JSON body with a fresh date for each write. Measured per worker count:

- the baseline ``GET /api/v1/health`` (no database), in the same run;
- SQLite reads: compliance status, notifications list (audited: each read also commits an
  audit event through the group commit before it is answered);
- SQLite writes: aggregate declaration submission (one transaction + one log append each);
- PostgreSQL: the baseline and the writes again, in a fresh schema dropped afterwards (skipped
  when no server answers on 127.0.0.1:5432).

Besides req/s and latency, each row records the server's CPU milliseconds per answered request
(user + system time of the uvicorn processes over the run, from /proc): on a shared machine it
moves much less with the other load than req/s does. PostgreSQL's own backends are not counted.

The load generator runs on the same 2-core machine as the server and takes CPU from it, so the
figures are a lower bound. p50/p99 come from wrk's own latency histogram, errors are wrk's
non-2xx/3xx responses plus socket errors (connect, read, write, timeout). Without ``wrk``
(``apt-get install wrk``) the script says so and falls back to an httpx async client, which
saturates near 500 req/s on its own.

    .venv/bin/python bench/bench_api.py [--quick] [--workers 1,2] [--duration 10]
        [--only notifications] [--pin-load-generator CPU]

``--only`` measures the named endpoints (``ENDPOINTS``) and the ``/health`` baseline, always in
the same run so that their ratio to it stays comparable; PostgreSQL is measured only when a
write is selected. A selection writes ``bench/results/api-<names>.json``, leaving the full
run's ``api.json`` as it was.

``--pin-load-generator CPU`` runs wrk on that CPU alone and the server on the others (Linux
``sched_setaffinity``; results in ``api-...-pinned.json``), so the load generator no longer takes
CPU from the server. On a 2-core machine that leaves the server one core: the latency figures
then show the server's own queueing rather than the two competing, and a second worker cannot
be faster than one.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey
from armsctl.service import Database, accounts, declarations, notifications
from armsctl.service._base import allow_all
from armsctl.store.engine import make_engine
from armsctl.store.schema import upgrade

PG = os.environ.get(
    "ARMSCTL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime.now(dt.UTC)
TREATY = "/api/v1/treaties/new-start"
HEALTH = ("GET", "/api/v1/health")
COMPLIANCE = ("GET", f"{TREATY}/compliance?at=2026-01-01")
NOTIFICATIONS = ("GET", f"{TREATY}/notifications?limit=20")
DECLARATION = ("POST", f"{TREATY}/declarations")
#: Every endpoint measured, by the name the rows and ``--only`` use; ``health`` is the baseline.
ENDPOINTS = {
    "health": HEALTH,
    "compliance": COMPLIANCE,
    "notifications": NOTIFICATIONS,
    "declaration_submit": DECLARATION,
}
#: What only SQLite measures (PostgreSQL runs the baseline and the writes).
SQLITE_ONLY = frozenset({"compliance", "notifications"})

# One Lua state per wrk thread. Writes need a distinct as_of per request (a party declares once
# per date), so each thread counts days from 1900-01-01 + offset + thread * 100000; the offset
# comes from the command line so a warm-up and the measured run never collide. More dates are
# needed than New START's life holds (about 5,780 days), so the writes are sent as recorded
# history (``recording_history``, logged): the server checks and logs them like any other. done() prints
# the exact histogram figures (microseconds) as one JSON line, rather than wrk's rounded text.
LUA = r"""
local counter, thread_base, threads = 0, 0, {}
local method, token, write, offset = "GET", "", false, 0

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local function civil(days)  -- days since 1970-01-01 to YYYY-MM-DD (proleptic Gregorian)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return string.format("%04d-%02d-%02d", y, m, d)
end

function init(args)
  method, token, write, offset = args[1], args[2], args[3] == "write", tonumber(args[4])
  thread_base = -25567 + offset + (thread_index or 0) * 100000  -- -25567: 1900-01-01
  wrk.headers["Authorization"] = "Bearer " .. token
  if write then wrk.headers["Content-Type"] = "application/json" end
end

function request()
  if not write then return wrk.format(method) end
  local day = civil(thread_base + counter)
  counter = counter + 1
  local body = string.format(
    '{"as_of": "%s", "figures": {"deployed-warheads": %d}, "recording_history": true}',
    day, counter % 1550)
  return wrk.format(method, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "connect": %d, '
    .. '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


def _setup(url: str, key: SignerKey) -> dict[str, str]:
    """Migrate, load New START, two parties with tokens, 50 notifications, one declaration each."""
    db = Database(url, key)
    upgrade(db.engine)
    accounts.load_treaty(db, "new-start", at=NOW)
    tokens = {}
    for i, code in enumerate(("USA", "RUS")):
        pk = SignerKey.generate(code, seed=bytes([i + 1]) * 32)
        accounts.register_party(
            db,
            treaty="new-start",
            code=code,
            name=code,
            key=str(pk.verifier()),
            encryption_key=str(SealingKey.generate(bytes([i + 9]) * 32).public()),
            at=NOW,
        )
        accounts.add_user(
            db, name=code.lower(), role="party", treaty="new-start", party=code, at=NOW
        )
        tokens[code] = accounts.issue_token(db, user=code.lower(), at=NOW, rng=os.urandom).token
        actor = accounts.authenticate(db, tokens[code], at=NOW)
        assert actor is not None
        declarations.submit_aggregate(
            db,
            actor,
            treaty="new-start",
            party=code,
            as_of=dt.date(2025, 9, 1),
            figures={"deployed-warheads": 1500 + i},
            allow=allow_all,
            at=NOW,
            recording_history=True,
        )
    actor = accounts.authenticate(db, tokens["USA"], at=NOW)
    assert actor is not None
    for n in range(50):
        notifications.submit_notification(
            db,
            actor,
            treaty="new-start",
            sender="USA",
            recipient="RUS",
            kind="k",
            body={"n": n},
            allow=allow_all,
            at=NOW,
            recording_history=True,  # New START expired on 2026-02-05: logged as history
        )
    db.dispose()
    return tokens


#: CPU sets for the server and for wrk (``--pin-load-generator``); empty: the scheduler's choice.
AFFINITY: dict[str, set[int]] = {"server": set(), "wrk": set()}


def _pinned(role: str) -> Callable[[], None] | None:
    """A ``preexec_fn`` that confines the child to its role's CPUs, if any were set."""
    cpus = AFFINITY[role]
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (uvicorn's workers), from /proc.

    The children's figures are read live (``/proc/<pid>/task/<pid>/children``), so a worker's
    CPU is counted while it runs, not only once it is reaped.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    for p in [pid, *(int(k) for k in kids)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Server:
    """uvicorn with N workers in a child process, built by the ``create_app_from_env`` factory."""

    def __init__(self, url: str, key_file: Path, workers: int) -> None:
        self.port = _port()
        # The Lua client cannot sign log entries, so the server seals them (operator-attested).
        env = dict(
            os.environ,
            ARMSCTL_DATABASE_URL=url,
            ARMSCTL_LOG_KEY_FILE=str(key_file),
            ARMSCTL_REQUIRE_PARTY_SIGNATURES="false",
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "armsctl.api.asgi:create_app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_pinned("server"),
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        time.sleep(1.0 * (workers - 1))  # let the other workers finish importing

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _wrk(
    script: Path,
    base: str,
    target: tuple[str, str],
    token: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    offset: int,
) -> dict[str, Any]:
    method, path = target
    kind = "write" if method == "POST" else "read"
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        base + path,
        "--",
        method,
        token,
        kind,
        str(offset),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, check=True, preexec_fn=_pinned("wrk"))
    line = next(x for x in run.stdout.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "seconds": round(raw["duration_us"] / 1e6, 2),
        "connections": connections,
        "req_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["status_errors"] + socket_errors,
        "non_2xx": raw["status_errors"],
        "socket_errors": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
    }


async def _httpx_load(
    base: str, target: tuple[str, str], token: str, seconds: float, concurrency: int, offset: int
) -> dict[str, Any]:
    """The fallback generator: ``concurrency`` tasks in a loop for ``seconds``."""
    method, path = target
    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                body = None
                if method == "POST":
                    day = dt.date(1900, 1, 1) + dt.timedelta(days=offset + counter)
                    counter += 1
                    body = {
                        "as_of": day.isoformat(),
                        "figures": {"deployed-warheads": 1},
                        "recording_history": True,
                    }
                t0 = time.perf_counter()
                try:
                    r = await client.request(method, path, json=body)
                    if r.status_code >= 400:
                        errors += 1
                except httpx.TransportError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "connections": concurrency,
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p90_ms": round(q[89] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "errors": errors,
    }


Load = Callable[[str, tuple[str, str], str, int, int], dict[str, Any]]


def _make_load(args: argparse.Namespace, script: Path | None) -> Load:
    """Return ``load(base, target, token, seconds, offset)`` for wrk or the httpx fallback."""

    def load(
        base: str, target: tuple[str, str], token: str, seconds: int, offset: int
    ) -> dict[str, Any]:
        if script is not None:
            return _wrk(
                script,
                base,
                target,
                token,
                seconds=seconds,
                connections=args.connections,
                threads=args.threads,
                offset=offset,
            )
        return asyncio.run(_httpx_load(base, target, token, seconds, args.connections, offset))

    return load


def run_backend(
    url: str,
    tmp: Path,
    workers: int,
    reads: bool,
    load: Load,
    seconds: int,
    warmup: int,
    only: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Measure one fresh database behind one server: baseline, reads (optional), writes.

    ``only``: the endpoints to measure besides the baseline (default: all of them).
    """
    key = SignerKey.generate("bench.armsctl/log", seed=os.urandom(32))
    key_file = tmp / f"log-{uuid.uuid4().hex[:6]}.key"
    key_file.write_text(str(key) + "\n")
    tokens = _setup(url, key)
    server = Server(url, key_file, workers)
    usa = tokens["USA"]
    targets = {
        name: target
        for name, target in ENDPOINTS.items()
        if (name == "health" or only is None or name in only) and (reads or name not in SQLITE_ONLY)
    }
    out: dict[str, Any] = {}
    try:
        for name, target in targets.items():
            if warmup:
                load(server.base, target, usa, warmup, 0)
            cpu = _cpu_seconds(server.proc.pid)
            out[name] = load(server.base, target, usa, seconds, 50_000)
            row = out[name]
            # CPU the server spent per answered request: much less sensitive to the machine's
            # other load than req/s (it still rises somewhat with contention).
            row["server_cpu_ms_per_request"] = round(
                1000 * (_cpu_seconds(server.proc.pid) - cpu) / max(row["requests"], 1), 3
            )
            print(
                f"  {workers}w {name:20} {row['req_per_s']:>8} req/s  p50 {row['p50_ms']:>7} ms"
                f"  p99 {row['p99_ms']:>7} ms  errors {row['errors']}"
                f"  server CPU {row['server_cpu_ms_per_request']} ms/request",
                flush=True,
            )
    finally:
        server.stop()
    base = out["health"]["req_per_s"]
    for row in out.values():
        row["ratio_to_health"] = round(row["req_per_s"] / base, 3)
    return out


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one run, dropped with everything in it afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG)
    with admin.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint, 1 s warm-up")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per endpoint")
    parser.add_argument("--connections", type=int, default=32, help="open connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts, comma-separated")
    parser.add_argument(
        "--only",
        default=None,
        help=f"endpoints to measure besides /health, comma-separated: {', '.join(list(ENDPOINTS)[1:])}",
    )
    parser.add_argument(
        "--pin-load-generator",
        type=int,
        default=None,
        metavar="CPU",
        help="run wrk on this CPU only and the server on the others",
    )
    args = parser.parse_args()
    if args.pin_load_generator is not None:
        cpus = set(os.sched_getaffinity(0))
        if args.pin_load_generator not in cpus or len(cpus) < 2:
            parser.error(f"--pin-load-generator: CPU {args.pin_load_generator} not among {cpus}")
        AFFINITY["wrk"] = {args.pin_load_generator}
        AFFINITY["server"] = cpus - {args.pin_load_generator}
    only = None
    if args.only is not None:
        only = frozenset(name.strip() for name in args.only.split(",") if name.strip())
        unknown = sorted(only - set(ENDPOINTS))
        if unknown or not only:
            parser.error(f"--only: unknown endpoint(s) {', '.join(unknown) or '(none given)'}")
    seconds, warmup = (2, 1) if args.quick else (args.duration, args.warmup)
    worker_counts = [int(w) for w in args.workers.split(",")]
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk not found (install it with `apt-get install wrk`): falling back to an httpx "
            "async client in this process, which itself saturates near 500 req/s",
            file=sys.stderr,
        )
    generator = (
        f"wrk ({args.threads} thread(s), {args.connections} connections, Lua script)"
        if wrk
        else f"httpx.AsyncClient ({args.connections} tasks, fallback)"
    )
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores; the load generator runs on the same machine"
        + (
            f", pinned to CPU {args.pin_load_generator}, the server to {sorted(AFFINITY['server'])}"
            if AFFINITY["wrk"]
            else ""
        ),
        "load_generator": generator,
        "server": "uvicorn (armsctl.api.asgi:create_app_from_env --factory), no access log",
        "seconds_per_endpoint": seconds,
        "warmup_seconds": warmup,
        "command": " ".join([".venv/bin/python", "bench/bench_api.py", *sys.argv[1:]]),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    pg = _pg_up() and (only is None or bool(only - SQLITE_ONLY - {"health"}))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        script: Path | None = None
        if wrk:
            script = tmp / "armsctl.lua"
            script.write_text(LUA)
        load = _make_load(args, script)
        for workers in worker_counts:
            print(f"sqlite, {workers} worker(s)", flush=True)
            url = f"sqlite:///{tmp / f'bench-{workers}.db'}"
            rows = run_backend(url, tmp, workers, True, load, seconds, warmup, only)
            results["runs"] += [
                {"backend": "sqlite", "endpoint": k, "workers": workers, **v}
                for k, v in rows.items()
            ]
            if pg:
                print(f"postgresql, {workers} worker(s)", flush=True)
                with _pg_schema() as pg_url:
                    rows = run_backend(pg_url, tmp, workers, False, load, seconds, warmup, only)
                results["runs"] += [
                    {"backend": "postgresql", "endpoint": k, "workers": workers, **v}
                    for k, v in rows.items()
                ]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if not pg and (only is None or only - SQLITE_ONLY - {"health"}):
        print("PostgreSQL not reachable on 127.0.0.1:5432: write test skipped there")
    name = "api.json" if only is None else f"api-{'-'.join(sorted(only))}.json"
    if AFFINITY["wrk"]:
        name = name.replace(".json", "-pinned.json")
    out = Path(__file__).parent / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{generator}; {results['machine']}")
    print(
        f"load average (1, 5, 15 min) before {results['load_average_before']}, "
        f"after {results['load_average_after']}: other work on the machine skews the figures"
    )
    print(
        f"{'backend':10} {'endpoint':20} {'workers':>7} {'req/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'x health':>8} {'CPU ms/req':>10}"
    )
    for row in results["runs"]:
        print(
            f"{row['backend']:10} {row['endpoint']:20} {row['workers']:>7} {row['req_per_s']:>9} "
            f"{row['p50_ms']:>8} {row['p99_ms']:>8} {row['errors']:>6} "
            f"{row['ratio_to_health']:>8} {row['server_cpu_ms_per_request']:>10}"
        )


if __name__ == "__main__":
    main()
