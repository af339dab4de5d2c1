"""``armsctl ledger monitor`` against a real server on loopback: 0 clean, 1 finding, 2 bad input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _server import Server, free_port
from _world import LOG_KEY, NOW, fresh_database

from armsctl.cli.app import build_app
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.note import SignerKey
from armsctl.service import log

USA = SignerKey.generate("USA", seed=b"\x81" * 32)
FORGER = SignerKey.generate("USA", seed=b"\x82" * 32)


def _signed(key: SignerKey, n: int, start: int = 0) -> list[bytes]:
    return [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party="USA",
            at=NOW + dt.timedelta(minutes=start + i),
            body={"n": start + i},
            signer=key,
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("monitor")
    url = f"sqlite:///{work / 'log.db'}"
    db = fresh_database(url)
    with db.write() as (_session, conn):
        db.ledger.append(conn, _signed(USA, 260))
    log.sign_checkpoint(db)
    (work / "log.key").write_text(str(LOG_KEY) + "\n")
    (work / "log.pub").write_text(str(LOG_KEY.verifier()) + "\n")
    (work / "USA.pub").write_text(str(USA.verifier()) + "\n")
    server = Server(url, work / "log.key").start()
    try:
        yield {"db": db, "work": work, "url": f"{server.base}/tlog/"}
    finally:
        server.stop()
        db.dispose()


def monitor(world: dict[str, Any], *args: str, code: int) -> str:
    result = CliRunner().invoke(
        build_app(),
        ["ledger", "monitor", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_clean_then_a_forged_entry_in_the_partys_name(world: dict[str, Any]) -> None:
    work, url = world["work"], world["url"]
    state = work / "monitor.json"
    watch = ["--state", str(state), "--party", "USA", "--party-key", str(work / "USA.pub")]
    key = ["--log-key", str(work / "log.pub")]
    out = monitor(world, url, *key, *watch, "--format", "json", code=0)
    assert json.loads(out) == {
        "ok": True,
        "old_size": 0,
        "new_size": 260,
        "entries_checked": 260,
        "party_entries": {"USA": 260},
        "findings": [],
    }
    assert json.loads(state.read_text())["size"] == 260
    db = world["db"]
    with db.write() as (_session, conn):
        db.ledger.append(conn, [*_signed(USA, 3, 260), *_signed(FORGER, 1, 263)])
    log.sign_checkpoint(db)
    out = monitor(world, url, *key, *watch, code=1)
    assert "260 -> 264 entries, 4 checked: 1 findings" in out
    assert "finding: entry 263: in USA's name but signed by USA+" in out
    assert json.loads(state.read_text())["size"] == 264
    assert "no findings" in monitor(world, url, *key, *watch, code=0)


def test_bad_input_exits_2_with_one_line(world: dict[str, Any], tmp_path: Path) -> None:
    work, url = world["work"], world["url"]
    key = ["--log-key", str(work / "log.pub")]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    out = monitor(world, url, *key, "--state", str(broken), code=2)
    assert "broken.json" in out and "line 1" in out
    broken.write_text(json.dumps({"origin": "x", "size": 3, "root": "AA==", "edge": []}))
    assert "monitor state" in monitor(world, url, *key, "--state", str(broken), code=2)
    state = str(tmp_path / "s.json")
    out = monitor(world, url, *key, "--state", state, "--party", "USA", code=2)
    assert "one --party-key for each --party" in out
    out = monitor(world, f"http://127.0.0.1:{free_port()}/tlog/", *key, "--state", state, code=2)
    assert "cannot fetch" in out
    assert "error:" in monitor(world, url, "--log-key", "nonsense", "--state", state, code=2)
    assert not Path(state).exists()  # nothing written on bad input
    # A log key given by the user that is not the log's: the checkpoint is a finding.
    other = SignerKey.generate(LOG_KEY.name, seed=b"\x83" * 32)
    out = monitor(world, url, "--log-key", str(other.verifier()), "--state", state, code=1)
    assert "finding: checkpoint:" in out and not Path(state).exists()
