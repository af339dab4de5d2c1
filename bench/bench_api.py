"""Throughput and latency of the API server under a bounded async load.

Starts ``python -m armsctl.api`` (uvicorn, one worker) on 127.0.0.1 with a fresh SQLite file,
drives it with httpx.AsyncClient from this same process (the load generator shares the machine's
cores with the server: figures are a lower bound), and reports requests/s and p50/p99 latency for

- reads: compliance status, notifications list (audited, so it also writes an audit event);
- writes: aggregate declaration submission (one transaction + one log append each);
- the baseline: ``GET /api/v1/health`` (no database), measured in the same run.

The write test is repeated on PostgreSQL when a server answers on 127.0.0.1:5432 (a fresh schema
is created and dropped). Results go to ``bench/results/api.json``.

    .venv/bin/python bench/bench_api.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from armsctl.ledger.note import SignerKey
from armsctl.service import Database, accounts, notifications
from armsctl.service._base import allow_all
from armsctl.store.engine import make_engine
from armsctl.store.schema import upgrade

PG = os.environ.get(
    "ARMSCTL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime.now(dt.UTC)


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
    db = Database(url, key)
    upgrade(db.engine)
    accounts.load_treaty(db, "new-start", at=NOW)
    tokens = {}
    for i, code in enumerate(("USA", "RUS")):
        pk = SignerKey.generate(code, seed=bytes([i + 1]) * 32)
        accounts.register_party(
            db, treaty="new-start", code=code, name=code, key=str(pk.verifier()), at=NOW
        )
        accounts.add_user(
            db, name=code.lower(), role="party", treaty="new-start", party=code, at=NOW
        )
        tokens[code] = accounts.issue_token(db, user=code.lower(), at=NOW, rng=os.urandom)["token"]
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
        )
    db.dispose()
    return tokens


class Server:
    def __init__(self, url: str, key_file: Path) -> None:
        self.port = _port()
        env = dict(os.environ, ARMSCTL_DATABASE_URL=url, ARMSCTL_LOG_KEY_FILE=str(key_file))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "armsctl.api", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


async def _load(base: str, n: int, concurrency: int, make: Any, token: str) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                method, path, body = make(i)
                t0 = time.perf_counter()
                r = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code >= 400:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": n,
        "concurrency": concurrency,
        "errors": errors,
        "req_per_s": round(n / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
    }


def _write(offset: int) -> Any:
    def make(i: int) -> tuple[str, str, dict[str, Any]]:
        day = dt.date(1900, 1, 1) + dt.timedelta(days=offset + i)
        return (
            "POST",
            "/api/v1/treaties/new-start/declarations",
            {
                "as_of": day.isoformat(),
                "figures": {"deployed-warheads": i % 1550},
            },
        )

    return make


def run_backend(
    url: str, tmp: Path, n_read: int, n_write: int, conc: int, reads: bool
) -> dict[str, Any]:
    key = SignerKey.generate("bench.armsctl/log", seed=os.urandom(32))
    key_file = tmp / f"log-{uuid.uuid4().hex[:6]}.key"
    key_file.write_text(str(key) + "\n")
    tokens = _setup(url, key)
    server = Server(url, key_file)
    out: dict[str, Any] = {}
    try:
        usa = tokens["USA"]
        out["baseline_health"] = asyncio.run(
            _load(server.base, n_read, conc, lambda i: ("GET", "/api/v1/health", None), usa)
        )
        if reads:
            out["read_compliance"] = asyncio.run(
                _load(
                    server.base,
                    n_read,
                    conc,
                    lambda i: ("GET", "/api/v1/treaties/new-start/compliance?at=2026-01-01", None),
                    usa,
                )
            )
            out["read_notifications"] = asyncio.run(
                _load(
                    server.base,
                    n_read,
                    conc,
                    lambda i: ("GET", "/api/v1/treaties/new-start/notifications?limit=20", None),
                    usa,
                )
            )
        out["write_declaration"] = asyncio.run(_load(server.base, n_write, conc, _write(0), usa))
    finally:
        server.stop()
    base = out["baseline_health"]["req_per_s"]
    for row in out.values():
        row["ratio_to_health"] = round(row["req_per_s"] / base, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    n_read, n_write = (200, 100) if args.quick else (4000, 2000)
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores; load generator on the same machine (httpx async)",
        "server": "uvicorn, one worker process",
    }
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        results["sqlite"] = run_backend(
            f"sqlite:///{tmp / 'bench.db'}", tmp, n_read, n_write, args.concurrency, True
        )
        if _pg_up():
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(PG)
            with admin.begin() as c:
                c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                results["postgresql"] = run_backend(
                    f"{PG}?options=-csearch_path%3D{schema}",
                    tmp,
                    n_read,
                    n_write,
                    args.concurrency,
                    False,
                )
            finally:
                with admin.begin() as c:
                    c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()
    out = Path(__file__).parent / "results" / "api.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    for backend in ("sqlite", "postgresql"):
        for name, row in results.get(backend, {}).items():
            print(
                f"{backend:10} {name:20} {row['req_per_s']:>8} req/s  p50 {row['p50_ms']:>7} ms  "
                f"p99 {row['p99_ms']:>7} ms  errors {row['errors']}  x{row['ratio_to_health']} of health"
            )


if __name__ == "__main__":
    main()
