"""Benchmark a 100,000-item declaration uploaded through the API and through the web form.

Both go through the running application in-process (Starlette's test client: no network, so
the time is the server's) into a fresh SQLite store, as one file of one party and date:

- **check** (baseline): ``inventory.read_declarations`` on the same file, what
  ``armsctl check`` does to read it, measured in the same run;
- **api**: ``POST /api/v1/treaties/new-start/declarations/file`` with the CSV as the body;
- **web**: ``POST /declarations/upload`` (multipart, as the browser sends it), signed in.

Each upload reads the file with the CLI's reader, types the items with it
(``inventory.io.item_records``, Arrow batches out of DuckDB), commits them (escrow), stores
them and logs the declaration in one transaction. Figures: wall time, the ratio to the
baseline, and the server's extra memory (the process's peak resident set during the request
over its size before it; the peak is reset through ``/proc/self/clear_refs`` before each run).
Targets (#15): under 5 s and under 200 MB extra for 100,000 items.

    .venv/bin/python bench/bench_upload.py            # 100,000 items
    .venv/bin/python bench/bench_upload.py --quick    # 5,000 items, a smoke run

Results go to ``bench/results/upload.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.inventory.io import read_declarations, write_items
from armsctl.inventory.synthetic import generate_items
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey
from armsctl.server import create_app
from armsctl.service import accounts
from armsctl.settings import Settings
from armsctl.treaty.loader import load_treaty

AS_OF = dt.date(2020, 3, 1)  # New START in force: a date the treaty allows
NOW = dt.datetime(2020, 3, 15, 12, tzinfo=dt.UTC)


def _rss_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


CPU: dict[str, float] = {}


def _measured(run: Callable[[], Any], name: str = "") -> tuple[float, float, Any]:
    """Wall seconds and extra peak memory (MB) of ``run()``; its CPU seconds go to ``CPU``.

    The test client runs the server in a thread of this process, so the process's CPU time
    is the server's (plus the client's small share): a figure that moves much less with the
    machine's other load than the wall time does.
    """
    with contextlib.suppress(OSError):  # reset the peak
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    before = _rss_mb("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    result = run()
    seconds = time.perf_counter() - t0
    CPU[name] = time.process_time() - c0
    return seconds, _rss_mb("VmHWM") - before, result


def _app(work: Path) -> tuple[Any, dict[str, str]]:
    settings = Settings(
        database_url=f"sqlite:///{work / 'bench.db'}", require_party_signatures=False
    )
    app = create_app(settings, clock=lambda: NOW)
    db = app.state.armsctl.db
    accounts.load_treaty(db, "new-start", at=NOW)
    tokens = {}
    for code in ("USA", "RUS"):
        key = SignerKey.generate(code, seed=os.urandom(32)).verifier()
        # The server keeps no item in clear: it seals each party's items to the party's key.
        sealing = SealingKey.generate(os.urandom(32)).public()
        accounts.register_party(
            db,
            treaty="new-start",
            code=code,
            name=code,
            key=str(key),
            encryption_key=str(sealing),
            at=NOW,
        )
        name = code.lower()
        accounts.add_user(db, name=name, role="party", treaty="new-start", party=code, at=NOW)
        tokens[code] = accounts.issue_token(db, user=name, at=NOW, days=1, rng=os.urandom).token
    return app, tokens


def _signed_in(client: TestClient, token: str) -> str:
    page = client.get("/signin")
    pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert pre is not None
    client.post("/signin", data={"token": token, "csrf_token": pre.group(1)})
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/declarations").text)
    assert form is not None
    return form.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 items, a smoke run")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "upload.json"
    )
    args = parser.parse_args()
    n = 5_000 if args.quick else 100_000
    out: dict[str, Any] = {"items": n}
    with tempfile.TemporaryDirectory(prefix="armsctl-bench-upload-") as folder:
        work = Path(folder)
        files = {}
        for code in ("USA", "RUS"):
            files[code] = write_items(
                work / f"{code}.csv", generate_items(n, parties=(code,), dates=(AS_OF,), seed=3)
            )
        out["file_mb"] = round(files["USA"].stat().st_size / 1e6, 1)
        doc = load_treaty("new-start")
        check_s, check_mb, _ = _measured(lambda: read_declarations([files["USA"]], doc), "check")
        out["check"] = {
            "seconds": round(check_s, 3),
            "cpu_seconds": round(CPU["check"], 3),
            "extra_mb": round(check_mb, 1),
        }
        app, tokens = _app(work)
        with TestClient(app) as client:
            body = files["USA"].read_bytes()
            api_s, api_mb, r = _measured(
                lambda: client.post(
                    "/api/v1/treaties/new-start/declarations/file",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {tokens['USA']}",
                        "Content-Type": "text/csv",
                    },
                ),
                "api",
            )
            assert r.status_code == 201, r.text
            assert r.json()["results"][0]["commitment"]["size"] == n
            csrf = _signed_in(client, tokens["RUS"])
            web_body = files["RUS"].read_bytes()
            web_s, web_mb, r = _measured(
                lambda: client.post(
                    "/declarations/upload",
                    data={"csrf_token": csrf, "treaty": "new-start"},
                    files={"file": ("rus.csv", web_body, "text/csv")},
                ),
                "web",
            )
            assert r.status_code == 201, r.text[:500]
        app.state.armsctl.db.dispose()
    for name, seconds, extra in (("api", api_s, api_mb), ("web", web_s, web_mb)):
        out[name] = {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(CPU[name], 3),
            "ratio_to_check": round(seconds / check_s, 1),
            "extra_mb": round(extra, 1),
        }
    out["load_average"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
