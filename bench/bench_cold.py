"""Cold pages: the first requests to a server that has just started, page by page.

Seeds the demo store plus ``--declarations`` aggregate declarations (``bench_web``'s filler),
then for each page starts a fresh server process (``uvicorn armsctl.server:create_app_from_env
--factory``), polls ``/api/v1/health`` until it answers, signs in and times the page's first
request and, for comparison, a repeat. The time is measured by the client on 127.0.0.1, so it
is the server's time plus a loopback round trip (an upper bound). Target: under 200 ms, the
first request after start-up included. Views that are still being prepared in the background
say so in the page (the figure records whether the page said it).

    .venv/bin/python bench/bench_cold.py [--declarations 500] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from armsctl.settings import Settings
from armsctl.web.demo import seed_demo
from bench_web import NOW, _fill

PAGES = ["/monitoring", "/overview", "/history", "/declarations", "/public"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _first_request(url: str, token: str, page: str) -> dict[str, Any]:
    port = _port()
    env = dict(os.environ, ARMSCTL_DATABASE_URL=url, ARMSCTL_REQUIRE_PARTY_SIGNATURES="false")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "armsctl.server:create_app_from_env",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert proc.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        with httpx.Client(base_url=base, timeout=60) as client:
            pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
            assert pre is not None
            client.post("/signin", data={"token": token, "csrf_token": pre.group(1)})
            t0 = time.perf_counter()
            first = client.get(page)
            first_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            client.get("/api/v1/health")
            health_ms = (time.perf_counter() - t0) * 1000
            time.sleep(3)
            t0 = time.perf_counter()
            again = client.get(page)
            again_ms = (time.perf_counter() - t0) * 1000
        assert first.status_code == 200 and again.status_code == 200, page
        return {
            "page": page,
            "first_ms": round(first_ms, 1),
            "repeat_after_3s_ms": round(again_ms, 1),
            "health_ms": round(health_ms, 1),
            "said_preparing": "being prepared" in first.text,
            "under_200ms": first_ms < 200,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--declarations", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="50 declarations, two pages")
    args = parser.parse_args()
    pages = PAGES[:2] if args.quick else PAGES
    if args.quick:
        args.declarations = 50
    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    settings = Settings(database_url=f"sqlite:///{work / 'cold.db'}")
    seeded = seed_demo(settings, work, at=NOW, items=400)
    _fill(settings, seeded["tokens"], args.declarations, 2000)
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = []
    for page in pages:
        row = _first_request(settings.database_url, seeded["tokens"]["usa-office"], page)
        rows.append(row)
        print(
            f"{page:16} first {row['first_ms']:8.1f} ms  repeat {row['repeat_after_3s_ms']:8.1f} ms"
            f"  health {row['health_ms']:6.1f} ms  preparing: {row['said_preparing']}",
            flush=True,
        )
    results = {
        "command": f"python bench/bench_cold.py --declarations {args.declarations}",
        "machine": f"{os.cpu_count()} cores",
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "pages": rows,
    }
    out = Path(__file__).parent / "results" / "cold.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
