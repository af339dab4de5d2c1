"""Witness commands end to end: keys, the offline ``ledger cosign`` and ``witness serve``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.ledger.checkpoint import open_checkpoint
from armsctl.ledger.note import ALG_COSIGNATURE_V1, ALG_ED25519, VerifierKey, parse_note
from armsctl.ledger.witness import AddCheckpoint

Run = Callable[..., str]
EM = "\u2014"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    app = build_app()
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARMSCTL_DATABASE_URL", raising=False)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


@pytest.fixture
def log(cli: Run, tmp_path: Path) -> Callable[[int], None]:
    """A log in log/log.db; ``grow(n)`` appends n entries and signs log/cp<size>.txt."""
    cli("keys", "generate", "example.org/log", "--dir", "log")
    sizes = [0]

    def grow(n: int) -> None:
        body = tmp_path / "log" / "bodies.json"
        body.write_text(json.dumps([{"v": sizes[0] + i} for i in range(n)]))
        cli("ledger", "append", str(body), "--key", "log/example.org_log.key", "--kind", "note",
            "--treaty", "t", "--party", "USA", "--db", "log/log.db")  # fmt: skip
        sizes[0] += n
        cli("ledger", "checkpoint", "--key", "log/example.org_log.key", "--db", "log/log.db",
            "--out", f"log/cp{sizes[0]}.txt")  # fmt: skip

    return grow


def prove(cli: Run, old: int, out: str) -> None:
    cli("ledger", "prove", "--from-size", str(old), "--db", "log/log.db", "--out", out)


def test_keys_generate_writes_and_prints_both_verifier_keys(cli: Run, tmp_path: Path) -> None:
    out = cli("keys", "generate", "w1.example", "--format", "json")
    shown = json.loads(out)
    folder = tmp_path / "keys"
    assert stat.S_IMODE((folder / "w1.example.key").stat().st_mode) == 0o600
    plain = VerifierKey.parse((folder / "w1.example.pub").read_text())
    cosig = VerifierKey.parse((folder / "w1.example.cosig.pub").read_text())
    assert (plain.alg, cosig.alg) == (ALG_ED25519, ALG_COSIGNATURE_V1)
    assert plain.public_key == cosig.public_key and plain.key_id != cosig.key_id
    assert shown["verifier_key"] == str(plain) and shown["cosignature_key"] == str(cosig)
    assert shown["cosignature_public"].endswith("w1.example.cosig.pub")
    table = cli("keys", "generate", "w2", "--dir", "k2")
    assert "verifier_key" in table and "cosignature_key" in table


def test_offline_cosign_needs_no_log_database(cli: Run, log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log(3)
    cli("keys", "generate", "w1", "--dir", "wit")
    witness = tmp_path / "wit"
    os.chdir(witness)
    args = ["--key", "w1.key", "--log-key", "../log/example.org_log.pub", "--state", "w.json"]
    out = cli("ledger", "cosign", "../log/cp3.txt", *args, "--out", "cp3.cosigned")
    assert "trusting size 3 on first use" in out
    note = (witness / "cp3.cosigned").read_text()
    cosig = VerifierKey.parse((witness / "w1.cosig.pub").read_text())
    log_key = VerifierKey.parse((tmp_path / "log" / "example.org_log.pub").read_text())
    assert open_checkpoint(note, log_key, witnesses=[cosig], quorum=1).size == 3
    state = json.loads((witness / "w.json").read_text())
    assert state["logs"]["example.org/log"]["first_use"]["size"] == 3
    assert sorted(p.name for p in witness.iterdir()) == [
        "cp3.cosigned",
        "w.json",
        "w1.cosig.pub",
        "w1.key",
        "w1.pub",
    ]  # fmt: skip  (no armsctl.db, no temporary file)

    # growth: a proof from the size last cosigned is required, and checked
    os.chdir(tmp_path)
    log(4)
    prove(cli, 3, "wit/c3.json")
    prove(cli, 2, "wit/c2.json")
    os.chdir(witness)
    out = cli("ledger", "cosign", "../log/cp7.txt", *args, code=2)
    assert "last cosigned size 3" in out and "--from-size 3" in out
    out = cli("ledger", "cosign", "../log/cp7.txt", *args, "--proof", "c2.json", code=2)
    assert "proof from size 2" in out
    out = cli("ledger", "cosign", "../log/cp7.txt", *args, "--proof", "c3.json")
    assert open_checkpoint(out, log_key, witnesses=[cosig], quorum=1).size == 7

    # cosigning the cosigned note again keeps one line per witness
    (witness / "cp7.cosigned").write_text(out)
    (witness / "same.json").write_text(json.dumps({"old_size": 7, "proof": []}))
    again = cli("ledger", "cosign", "cp7.cosigned", *args, "--proof", "same.json")
    assert [s.name for s in parse_note(again)[1]] == ["example.org/log", "w1"]
    open_checkpoint(again, log_key, witnesses=[cosig], quorum=1)
    assert json.loads((witness / "w.json").read_text())["logs"]["example.org/log"]["size"] == 7

    # rollback to an older view: a finding, exit 1, state unchanged
    before = (witness / "w.json").read_bytes()
    out = cli("ledger", "cosign", "../log/cp3.txt", *args, code=1)
    assert "rollback" in out
    assert (witness / "w.json").read_bytes() == before


def test_forks_and_wrong_log_keys_exit_1(cli: Run, log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log(4)
    cli("keys", "generate", "w1", "--dir", "wit")
    args = ["--key", "wit/w1.key", "--log-key", "log/example.org_log.pub", "--state", "w.json"]
    cli("ledger", "cosign", "log/cp4.txt", *args)
    # the same log key signs another history (a split view) of 6 entries
    body = tmp_path / "other.json"
    body.write_text(json.dumps([{"forged": i} for i in range(6)]))
    cli("ledger", "append", str(body), "--key", "log/example.org_log.key", "--kind", "note",
        "--treaty", "t", "--party", "USA", "--db", "fork.db")  # fmt: skip
    cli("ledger", "checkpoint", "--key", "log/example.org_log.key", "--db", "fork.db",
        "--out", "fork6.txt")  # fmt: skip
    cli("ledger", "prove", "--from-size", "4", "--db", "fork.db", "--out", "fork.json")
    before = (tmp_path / "w.json").read_bytes()
    out = cli("ledger", "cosign", "fork6.txt", *args, "--proof", "fork.json", code=1)
    assert "split view" in out
    cli("keys", "generate", "example.org/log", "--dir", "impostor")
    out = cli(
        "ledger", "cosign", "log/cp4.txt", "--key", "wit/w1.key",
        "--log-key", "impostor/example.org_log.pub", "--state", "w.json", code=1,
    )  # fmt: skip
    assert "not signed by any trusted key" in out
    assert (tmp_path / "w.json").read_bytes() == before


def test_a_bundle_consistency_object_is_a_proof_file(cli: Run, log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log(2)
    cli("keys", "generate", "w1", "--dir", "wit")
    args = ["--key", "wit/w1.key", "--log-key", "log/example.org_log.pub", "--state", "w.json"]
    cli("ledger", "cosign", "log/cp2.txt", *args)
    log(3)
    prove(cli, 2, "c.json")
    plain = json.loads((tmp_path / "c.json").read_text())
    (tmp_path / "b.json").write_text(
        json.dumps({"old_size": plain["old_size"], "proof": plain["proof"]})
    )
    assert f"{EM} w1 " in cli("ledger", "cosign", "log/cp5.txt", *args, "--proof", "b.json")


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        (lambda p: (p / "w.json").write_text("{oops"), "w.json:line 1"),
        (lambda p: (p / "w.json").write_text('{"o": {"size": 1}}'), "'root'"),
        (lambda p: (p / "cp.txt").write_text("garbage"), "cp.txt"),
        (lambda p: (p / "cp.txt").write_text("a\n1\nAAAA\n\n\u2014 a AAAAAAAA\n"), "cp.txt"),
        (lambda p: (p / "proof.json").write_text("[1]"), "proof.json"),
        (lambda p: (p / "proof.json").write_text('{"old_size": 0, "proof": ["x"]}'), "proof"),
        (lambda p: (p / "wit" / "w1.key").write_text("PRIVATE+KEY+nope"), "signer key"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_state_written(
    cli: Run, log, tmp_path: Path, setup, says: str
) -> None:  # type: ignore[no-untyped-def]
    log(2)
    cli("keys", "generate", "w1", "--dir", "wit")
    (tmp_path / "cp.txt").write_text((tmp_path / "log" / "cp2.txt").read_text())
    (tmp_path / "proof.json").write_text(json.dumps({"old_size": 0, "proof": []}))
    setup(tmp_path)
    before = (tmp_path / "w.json").read_bytes() if (tmp_path / "w.json").exists() else None
    out = cli(
        "ledger", "cosign", "cp.txt", "--proof", "proof.json", "--key", "wit/w1.key",
        "--log-key", "log/example.org_log.pub", "--state", "w.json", code=2,
    )  # fmt: skip
    assert says in out and out.count("\n") == 1, out
    after = (tmp_path / "w.json").read_bytes() if (tmp_path / "w.json").exists() else None
    assert after == before
    assert not (tmp_path / "armsctl.db").exists()


def test_witness_serve_cosigns_over_http(cli: Run, log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log(3)
    cli("keys", "generate", "w1", "--dir", "wit")
    sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
    from _server import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from armsctl.cli import main; main()", "witness", "serve",
         "--key", "wit/w1.key", "--log-key", "log/example.org_log.pub",
         "--state", "wit/state.json", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        body = AddCheckpoint(0, (), (tmp_path / "log" / "cp3.txt").read_text()).body()
        answer = None
        deadline = time.monotonic() + 120  # far above any start-up, even on a loaded machine
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/add-checkpoint", content=body)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.05)
        assert answer is not None and answer.status_code == 200, answer
        assert answer.text.startswith(f"{EM} w1 ")
        stale = httpx.post(f"http://127.0.0.1:{port}/add-checkpoint", content=body)
        assert stale.status_code == 409 and stale.content == b"3\n"
        state = json.loads((tmp_path / "wit" / "state.json").read_text())
        assert state["logs"]["example.org/log"]["size"] == 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_witness_serve_refuses_bad_keys_and_state_with_one_line(cli: Run, tmp_path: Path) -> None:
    cli("keys", "generate", "w1", "--dir", "wit")
    cli("keys", "generate", "example.org/log", "--dir", "log")
    base = ["witness", "serve", "--key", "wit/w1.key", "--state", "s.json"]
    out = cli(*base, "--log-key", "wit/w1.cosig.pub", code=2)
    assert "a log key is a signed-note key" in out
    out = cli(*base, "--log-key", "nope+0000+AAAA", code=2)
    assert "error:" in out and out.count("\n") == 1
    (tmp_path / "s.json").write_text("[]")
    out = cli(*base, "--log-key", "log/example.org_log.pub", code=2)
    assert "s.json" in out and "not a JSON object" in out


def test_cosign_with_db_takes_the_proof_from_the_log(cli: Run, log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log(2)
    cli("keys", "generate", "w1", "--dir", "wit")
    args = ["--key", "wit/w1.key", "--log-key", "log/example.org_log.pub", "--state", "w.json"]
    cli("ledger", "cosign", "log/cp2.txt", *args, "--db", "absent.db")  # first use: not opened
    assert not (tmp_path / "absent.db").exists()
    log(3)
    out = cli("ledger", "cosign", "log/cp5.txt", *args, "--db", "log/log.db")
    assert f"{EM} w1 " in out
    assert json.loads((tmp_path / "w.json").read_text())["logs"]["example.org/log"]["size"] == 5
