"""One exit rule for every command: 0 nothing found, 1 something found, 2 bad input.

The table below names every leaf command of the application (a test fails when a command is
added without a row). Each row lists cases run here, in process, on small inputs: what the
command is given and the exit code it must give. Where a case needs a heavy setup (a signed
log, a zero-knowledge proof, a running server) that another test already builds, the row
points to that test instead, and a test here checks that it exists. Commands that can find
something (a violation, a failed verification, an overdue notice, a flag, decisive evidence)
must have a case, or a pointer, for exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.cli.reference import leaf_commands
from armsctl.notifications import draft, receive, send, write_notifications
from armsctl.treaty import load_treaty

REPO = Path(__file__).parents[2]
NEW_START_TOML = REPO / "src" / "armsctl" / "treaty" / "data" / "new-start.toml"
OFFLINE = ["--server", "http://127.0.0.1:9", "--token", "armsctl_0_x"]  # nothing listens on 9


@dataclass(frozen=True)
class Case:
    """Arguments (``{w}`` the shared inputs, ``{t}`` a fresh folder) and the exit they give."""

    args: tuple[str, ...]
    code: int
    copy: tuple[str, ...] = ()  # files of {w} copied into {t} first (commands that write them)


@dataclass(frozen=True)
class Elsewhere:
    """Exit ``code`` is asserted by ``test`` (``path::function``), which builds what it needs."""

    test: str
    code: int


def c(*args: str, code: int, copy: tuple[str, ...] = ()) -> Case:
    return Case(args, code, copy)


def e(test: str, code: int) -> Elsewhere:
    return Elsewhere(test, code)


LEDGER = "tests/cli/test_ledger_cli.py"
WITNESS = "tests/cli/test_witness_cli.py"
ZK = "tests/cli/test_zk_cli.py"
SERVER = "tests/cli/test_server_cli.py"

TABLE: dict[str, list[Case | Elsewhere]] = {
    # compliance
    "check": [
        c("check", "new-start", "--at", "2018-02-05", code=0),
        c("check", "new-start", "--at", "2020-09-01", "--interpretation", "counts-converted",
          code=1),
        c("check", "new-start", "--at", "2018-13-01", code=2),
    ],
    "history": [
        c("history", "new-start", code=0),
        c("history", "cwc", code=1),  # the missed 2012 and 2017 destruction deadlines
        c("history", "new-start", "-d", "{w}/missing.csv", code=2),
    ],
    "diff": [
        c("diff", "new-start", "-d", "{w}/items.csv", "--party", "USA", "--from", "2024-03-01",
          "--to", "2024-04-01", code=0),
        c("diff", "new-start", "-d", "{w}/items.csv", "--party", "USA", "--from", "March",
          "--to", "2024-04-01", code=2),
    ],
    "report": [
        c("report", "new-start", "-o", "{t}/r.json", "--format", "json", code=0),
        c("report", "new-start", "-d", "{w}/missing.csv", "-o", "{t}/r.json", code=2),
    ],
    "crosswalk": [
        c("crosswalk", str(REPO / "docs/examples/crosswalk-items.csv"), code=0),
        c("crosswalk", "{w}/missing.csv", code=2),
    ],
    # treaties
    "treaty list": [c("treaty", "list", code=0)],
    "treaty show": [c("treaty", "show", "new-start", code=0), c("treaty", "show", "nope", code=2)],
    "treaty validate": [
        c("treaty", "validate", str(NEW_START_TOML), code=0),
        c("treaty", "validate", "{w}/bad.toml", code=2),
    ],
    # notifications
    "notify draft": [
        c("notify", "draft", "--file", "{t}/n.json", "--treaty", "new-start", "--type", "movement",
          "--sender", "USA", "--event-time", "2024-03-01T08:00:00Z", "--field", "uid=U1",
          "--field", "category=icbm-launcher", "--field", "from_facility=F1", "--field",
          "to_facility=F2", "--at", "2024-03-01T09:00:00Z", code=0),
        c("notify", "draft", "--file", "{t}/n.json", "--treaty", "new-start", "--type", "movement",
          "--sender", "USA", "--event-time", "2024-03-01T08:00:00", code=2),  # no time zone
    ],
    "notify send": [
        c("notify", "send", "N-000001", "--file", "{t}/drafted.json", "--at",
          "2024-03-02T09:00:00Z", code=0, copy=("drafted.json",)),
        c("notify", "send", "N-000001", "--file", "{t}/drafted.json", "--at",
          "2024-02-01T09:00:00Z", code=2, copy=("drafted.json",)),  # before its draft
    ],
    "notify receive": [
        c("notify", "receive", "N-000001", "--file", "{t}/sent.json", "--at",
          "2024-03-03T09:00:00Z", code=0, copy=("sent.json",)),
        c("notify", "receive", "N-000001", "--file", "{t}/drafted.json", code=2,
          copy=("drafted.json",)),  # not sent yet
    ],
    "notify ack": [
        c("notify", "ack", "N-000001", "--file", "{t}/received.json", "--at",
          "2024-03-04T09:00:00Z", code=0, copy=("received.json",)),
        c("notify", "ack", "N-000009", "--file", "{t}/received.json", code=2,
          copy=("received.json",)),
    ],
    "notify list": [
        c("notify", "list", "--file", "{w}/received.json", code=0),
        c("notify", "list", "--file", "{w}/missing.json", code=2),
    ],
    "notify due": [
        c("notify", "due", "--file", "{w}/received.json", "--at", "2024-03-07T00:00:00Z", code=0),
        c("notify", "due", "--file", "{w}/drafted.json", "--at", "2024-03-05T00:00:00Z", code=0),
        c("notify", "due", "--file", "{w}/drafted.json", "--at", "2024-03-07T00:00:00Z", code=1),
        c("notify", "due", "--file", "{w}/late.json", "--at", "2024-03-20T00:00:00Z", code=1),
        c("notify", "due", "--file", "{w}/drafted.json", "--at", "2024-03-07", code=2),
    ],
    "reconcile": [
        c("reconcile", "new-start", "-d", "{w}/same.csv", "-n", "{w}/empty.json", "--at",
          "2024-05-01T00:00:00Z", code=0),
        c("reconcile", "new-start", "-d", "{w}/items.csv", "-n", "{w}/empty.json", "--at",
          "2024-05-01T00:00:00Z", code=1),  # U2 added with no notification
        c("reconcile", "new-start", "-d", "{w}/items.csv", "-n", "{w}/missing.json", code=2),
    ],
    # monitoring
    "observe import": [c("observe", "import", "-o", "{w}/missing.csv", code=2)],
    "fuse": [
        e("tests/monitoring/test_demo_and_cli.py::test_reconcile_fuse_and_anomalies_commands", 1),
        c("fuse", "new-start", "-d", "{w}/items.csv", "-o", "{w}/missing.csv", code=2),
    ],
    "anomalies": [
        c("anomalies", "new-start", "-d", "{w}/same.csv", code=0),
        c("anomalies", "new-start", code=1),  # round numbers in the bundled US record
        c("anomalies", "nope", code=2),
    ],
    # integrity
    "keys generate": [
        c("keys", "generate", "t.example", "--dir", "{t}/keys", code=0),
        c("keys", "generate", "a b", "--dir", "{t}/keys", code=2),
    ],
    "ledger append": [
        e(f"{LEDGER}::test_append_checkpoint_prove_and_verify_offline", 0),
        c("ledger", "append", "{w}/missing.json", "--key", "{w}/missing.key", "--kind", "x",
          "--treaty", "new-start", "--party", "USA", "--db", "{t}/l.db", code=2),
    ],
    "ledger checkpoint": [
        e(f"{LEDGER}::test_append_checkpoint_prove_and_verify_offline", 0),
        c("ledger", "checkpoint", "--key", "{w}/missing.key", "--db", "{t}/l.db", code=2),
    ],
    "ledger prove": [
        e(f"{LEDGER}::test_append_checkpoint_prove_and_verify_offline", 0),
        c("ledger", "prove", "--db", "{t}/l.db", code=2),  # neither --index nor --entry-hash
    ],
    "ledger trust": [
        c("ledger", "trust", "--key", "{w}/keys/log.example.pub", code=0),
        c("ledger", "trust", "--key", "{w}/missing.pub", code=2),
    ],
    "ledger verify-proof": [
        e(f"{LEDGER}::test_wrong_key_exits_1_and_bad_keys_or_notes_exit_2", 1),
        c("ledger", "verify-proof", "{w}/garbage.bin", "--key", "{w}/keys/log.example.pub",
          code=2),
    ],
    "ledger audit": [
        e(f"{LEDGER}::test_audit_clean_then_names_the_tampered_entry", 1),
        c("ledger", "audit", "--key", "{w}/missing.pub", "--db", "{t}/l.db", code=2),
    ],
    "ledger cosign": [
        e(f"{WITNESS}::test_forks_and_wrong_log_keys_exit_1", 1),
        c("ledger", "cosign", "{w}/garbage.bin", "--key", "{w}/keys/log.example.key",
          "--log-key", "{w}/keys/log.example.pub", "--state", "{t}/s.json", code=2),
    ],
    "ledger monitor": [
        e("tests/cli/test_monitor_cli.py::test_clean_then_a_forged_entry_in_the_partys_name", 1),
        e("tests/cli/test_monitor_cli.py::test_bad_input_exits_2_with_one_line", 2),
    ],
    "commit": [
        e(f"{LEDGER}::test_commit_reveal_verify", 0),
        c("commit", "{w}/missing.csv", "--party", "USA", "--date", "2024-03-01", "--treaty",
          "new-start", "--key", "{w}/missing.key", "--opening", "{t}/o.json", code=2),
    ],
    "reveal": [
        e(f"{LEDGER}::test_commit_reveal_verify", 0),
        c("reveal", "--opening", "{w}/missing.json", "--out", "{t}/r.json", code=2),
    ],
    "verify-reveal": [
        e(f"{LEDGER}::test_commit_reveal_verify", 1),
        c("verify-reveal", "{w}/garbage.bin", code=2),
    ],
    "witness serve": [
        c("witness", "serve", "--key", "{w}/missing.key", "--log-key",
          "{w}/keys/log.example.pub", "--state", "{t}/s.json", code=2),
    ],
    # zero knowledge
    "zk prove": [e(f"{ZK}::test_the_prover_refuses_a_total_above_the_limit_and_writes_nothing", 1)],
    "zk verify": [
        e(f"{ZK}::test_verify_fails_with_exit_1_for_another_context", 1),
        c("zk", "verify", "{w}/garbage.bin", code=2),
    ],
    "zk publish": [c("zk", "publish", "{w}/garbage.bin", *OFFLINE, code=2)],
    # verification science
    "inspect probability": [
        c("inspect", "probability", "-N", "1000", "-M", "5", "-n", "100", code=0),
        c("inspect", "probability", "-N", "10", "-M", "1", "-n", "20", code=2),
    ],
    "inspect sample-size": [
        c("inspect", "sample-size", "--population", "1000", "--defective", "5", code=0),
        c("inspect", "sample-size", "--population", "10", "--defective", "20", code=2),
    ],
    "inspect plan": [
        c("inspect", "plan", "new-start", "-d", "{w}/missing.csv", "--year", "2024", code=2)
    ],
    "inspect commit": [c("inspect", "commit", "--party", "USA", "--out", "{t}", code=2)],
    "inspect select": [
        c("inspect", "select", "--commitments", "{w}/missing.json", "--reveals",
          "{w}/missing.json", "--checkpoint", "{w}/missing.txt", "--candidates",
          "{w}/missing.json", code=2),
    ],
    "inspect verify-selection": [
        e("tests/verification/test_verification_cli.py::test_select_and_verify", 1),
        c("inspect", "verify-selection", "{w}/missing.json", "--commitments", "{w}/missing.json",
          "--reveals", "{w}/missing.json", "--checkpoint", "{w}/missing.txt", "--candidates",
          "{w}/missing.json", code=2),
    ],
    "game solve": [
        c("game", "solve", str(REPO / "docs/examples/verification/game.toml"), code=0),
        c("game", "solve", "{w}/missing.toml", code=2),
    ],
    "game dresher": [
        c("game", "dresher", "--periods", "3", "--inspections", "1", code=0),
        c("game", "dresher", "--periods", "0", "--inspections", "1", code=2),
    ],
    "simulate regime": [c("simulate", "regime", "{w}/missing.toml", code=2)],
    "estimate serials": [
        c("estimate", "serials", "9", "40", code=0),
        c("estimate", "serials", "-1", "40", code=2),
    ],
    "estimate fraction": [
        c("estimate", "fraction", "--inspected", "40", "--found", "1", code=0),
        c("estimate", "fraction", "--inspected", "4", "--found", "10", code=2),
    ],
    "estimate undeclared": [
        c("estimate", "undeclared", "--sites-inspected", "5", "--found", "0", "--sites-total",
          "50", code=0),
        c("estimate", "undeclared", "--sites-inspected", "60", "--found", "0", "--sites-total",
          "50", code=2),
    ],
    # public estimates and the workbench
    "estimates list": [c("estimates", "list", code=0)],
    "estimates show": [c("estimates", "show", "no-such-estimate", code=2)],
    "estimates observations": [
        c("estimates", "observations", "no-such-estimate", "--treaty", "new-start",
          "--category", "icbm-launcher", "-o", "{t}/o.csv", code=2),
    ],
    "workbench draft": [c("workbench", "draft", "nope", "-o", "{t}/d.toml", code=2)],
    "workbench brief": [c("workbench", "brief", "{w}/missing.toml", "-o", "{t}/b.md", code=2)],
    "workbench burden": [c("workbench", "burden", "{w}/missing.toml", "--party", "USA", code=2)],
    "workbench compare": [
        c("workbench", "compare", "{w}/missing.toml", "{w}/missing.toml", code=2)
    ],
    "workbench cuts": [c("workbench", "cuts", "{w}/missing.toml", code=2)],
    # exercises
    "exercise list": [c("exercise", "list", code=0)],
    "exercise run": [c("exercise", "run", "nope", "--policy", "random", code=2)],
    "exercise play": [c("exercise", "play", "nope", code=2)],
    "exercise resume": [c("exercise", "resume", "{w}/missing.json", code=2)],
    "exercise debrief": [c("exercise", "debrief", "{w}/missing.json", code=2)],
    # the server, its database and the client
    "serve": [c("serve", "--db", "/nonexistent/dir/x.db", code=2)],
    "web seed-demo": [c("web", "seed-demo", "--db", "/nonexistent/dir/x.db", code=2)],
    "demo": [e("tests/cli/test_cli.py::test_demo", 0)],
    "db upgrade": [
        c("db", "upgrade", "--db", "{w}/server.db", code=0),
        c("db", "upgrade", "--db", "/nonexistent/dir/x.db", code=2),
    ],
    "db reseal": [
        c("db", "reseal", "--db", "{w}/server.db", code=0),  # nothing in clear
        e("tests/cli/test_db_reseal_cli.py::test_reseal_exits_1_while_a_party_lacks_a_key", 1),
    ],
    "db load-treaty": [
        c("db", "load-treaty", "new-start", "--db", "{w}/server.db", code=0),
        c("db", "load-treaty", "nope", "--db", "{w}/server.db", code=2),
    ],
    "parties add": [
        c("parties", "add", "new-start", "USA", "--key", "{w}/missing.pub", "--db",
          "{w}/server.db", code=2)
    ],
    # loaded.db has the treaty from build_world: no case depends on another having run first
    "parties list": [c("parties", "list", "new-start", "--db", "{w}/loaded.db", code=0)],
    "parties set-encryption-key": [
        c("parties", "set-encryption-key", "new-start", "USA", "--encryption-key",
          "{w}/missing.x25519.pub", "--db", "{w}/keyless.db", code=2)
    ],
    "users add": [
        c("users", "add", "obs-{n}", "--role", "observer", "--db", "{w}/server.db", code=0),
        c("users", "add", "x-{n}", "--role", "emperor", "--db", "{w}/server.db", code=2),
    ],
    "users list": [c("users", "list", "--db", "{w}/server.db", code=0)],
    "tokens issue": [
        c("tokens", "issue", "alice", "--db", "{w}/server.db", code=0),
        c("tokens", "issue", "nobody", "--db", "{w}/server.db", code=2),
    ],
    "tokens list": [c("tokens", "list", "--db", "{w}/server.db", code=0)],
    "tokens revoke": [c("tokens", "revoke", "0" * 16, "--db", "{w}/server.db", code=2)],
    "client get": [
        e(f"{SERVER}::test_first_steps_then_the_client_talks_to_a_running_server", 0),
        c("client", "get", "/me", *OFFLINE, code=2),
    ],
    "client check": [c("client", "check", "new-start", *OFFLINE, code=2)],
    "client submit": [c("client", "submit", "new-start", "{w}/missing.json", *OFFLINE, code=2)],
    "client notify": [
        c("client", "notify", "new-start", "movement", "--body", "{w}/missing.json", *OFFLINE,
          code=2)
    ],
    "client items": [
        c("client", "items", "1", "--decrypt-key", "{w}/missing.key", *OFFLINE, code=2)
    ],
    "client notifications": [
        c("client", "notifications", "new-start", "--decrypt-key", "{w}/missing.key", *OFFLINE,
          code=2)
    ],
    "client ack": [c("client", "ack", "new-start", "1", *OFFLINE, code=2)],
    "client observe": [
        c("client", "observe", "new-start", "--source", "drone", "--observed-at",
          "2024-03-01T10:00:00", *OFFLINE, code=2)  # no time zone
    ],
    "client inspect request": [
        c("client", "inspect", "request", "new-start", "--inspected", "RUS", "--type", "type-one",
          "--site", "S1", *OFFLINE, code=2)
    ],
    "client inspect schedule": [
        c("client", "inspect", "schedule", "1", "--arrival", "tomorrow", *OFFLINE, code=2)
    ],
    "client inspect start": [c("client", "inspect", "start", "1", *OFFLINE, code=2)],
    "client inspect reveal": [
        c("client", "inspect", "reveal", "1", "--declaration", "1", *OFFLINE, code=2)
    ],
    "client inspect show": [
        c("client", "inspect", "show", "1", "--decrypt-key", "{w}/missing.key", *OFFLINE, code=2)
    ],
    "client inspect report": [
        c("client", "inspect", "report", "1", "--findings", "{w}/missing.json", *OFFLINE, code=2)
    ],
}  # fmt: skip

# Commands that can find something, so that a case (or a pointer) for exit 1 is required.
FINDS = {
    "check", "history", "notify due", "reconcile", "fuse", "anomalies", "ledger verify-proof",
    "ledger audit", "ledger cosign", "ledger monitor", "verify-reveal", "zk prove", "zk verify",
    "inspect verify-selection", "db reseal",
}  # fmt: skip


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return build_app()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, app: typer.Typer) -> Path:
    return build_world(tmp_path_factory.mktemp("world"), app)


def build_world(w: Path, app: typer.Typer) -> Path:
    """Small shared inputs in ``w``: item files, notifications at each step, keys, a database.

    Also the smallest inputs of bench/bench_cli.py, which times every command on them.
    """
    header = "party,as_of,uid,category,status,facility,warheads"
    rows = [header]
    for day in ("2024-03-01", "2024-04-01"):
        rows += [
            f"USA,{day},U1,icbm-launcher,deployed,F1,1",
            f"RUS,{day},R1,icbm-launcher,deployed,G1,1",
        ]
    (w / "same.csv").write_text("\n".join(rows) + "\n")
    (w / "items.csv").write_text(
        "\n".join([*rows, "USA,2024-04-01,U2,icbm-launcher,deployed,F1,1"]) + "\n"
    )
    (w / "empty.json").write_text("[]")
    (w / "bad.toml").write_text("id = 3\n")
    (w / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    treaty = load_treaty("new-start")

    def at(day: int, hour: int = 9) -> dt.datetime:
        return dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC)

    n = draft(
        treaty,
        id="N-000001",
        type="movement",
        sender="USA",
        event_time=at(1, 8),
        at=at(1),
        fields={
            "uid": "U1",
            "category": "icbm-launcher",
            "from_facility": "F1",
            "to_facility": "F2",
        },
    )
    write_notifications(w / "drafted.json", treaty, [n])
    write_notifications(w / "sent.json", treaty, [sent := send(n, at=at(2))])
    write_notifications(w / "received.json", treaty, [receive(sent, at=at(3))])
    write_notifications(w / "late.json", treaty, [receive(sent, at=at(12))])  # deadline 6 March
    result = CliRunner().invoke(app, ["keys", "generate", "log.example", "--dir", str(w / "keys")])
    assert result.exit_code == 0, result.output
    for args in (["db", "upgrade"], ["users", "add", "alice", "--role", "observer"]):
        result = CliRunner().invoke(app, [*args, "--db", str(w / "server.db")])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, ["db", "load-treaty", "new-start", "--db", str(w / "loaded.db")]
    )
    assert result.exit_code == 0, result.output
    return w  # fmt: skip


def test_the_table_names_every_leaf_command(app: typer.Typer) -> None:
    assert sorted(TABLE) == sorted(leaf_commands(app))


def test_every_command_that_can_find_something_has_an_exit_1_case() -> None:
    assert set(TABLE) >= FINDS
    for name in FINDS:
        assert any(case.code == 1 for case in TABLE[name]), name
    for name, cases in TABLE.items():
        assert cases and all(case.code in (0, 1, 2) for case in cases), name
        if name not in FINDS:
            assert all(case.code != 1 for case in cases), f"{name} found something: add to FINDS"


def test_the_tests_pointed_to_exist() -> None:
    for cases in TABLE.values():
        for case in cases:
            if isinstance(case, Elsewhere):
                path, function = case.test.split("::")
                source = (REPO / path).read_text(encoding="utf-8")
                assert f"def {function}(" in source, case.test


CASES = [
    pytest.param(name, case, id=f"{name}-{i}-exit{case.code}")
    for name, cases in TABLE.items()
    for i, case in enumerate(cases)
    if isinstance(case, Case)
]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_exit_code(
    app: typer.Typer, world: Path, tmp_path: Path, name: str, case: Case, request: Any
) -> None:
    for file in case.copy:
        shutil.copy(world / file, tmp_path / file)
    args = [
        a.replace("{w}", str(world)).replace("{t}", str(tmp_path)).replace("{n}", tmp_path.name)
        for a in case.args
    ]
    result = CliRunner().invoke(app, args)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert result.exit_code == case.code, f"{' '.join(args)}\n{result.output}"
    if case.code == 2:
        assert "Traceback" not in result.output
        json.dumps(result.output)  # printable
