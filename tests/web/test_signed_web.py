"""Signed requests through the web, without a browser, on a server that requires signatures.

The declaration upload takes the request a party's client signed (``client submit --out``),
checks it against the party's registered key and stores all of it or nothing. The authoring
forms (notifications, inspection steps) are shown and accepted only for the roles the access
table lets author them, and an unsigned one is refused where signatures are required.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-signed")
    settings = Settings(database_url=f"sqlite:///{work / 'web.db'}", require_party_signatures=True)
    result = seed_demo(settings, work, items=10)
    app = create_app(settings)
    yield {"app": app, "tokens": result["tokens"], "work": work}
    app.state.armsctl.db.dispose()


def _client(strict: dict[str, Any], user: str) -> TestClient:
    client = TestClient(strict["app"])
    pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert pre is not None
    client.post("/signin", data={"token": strict["tokens"][user], "csrf_token": pre.group(1)})
    return client


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def _log_size(strict: dict[str, Any]) -> int:
    db = strict["app"].state.armsctl.db
    with db.engine.connect() as conn:
        return int(db.ledger.size(conn))


def _write(strict: dict[str, Any], tmp_path: Path, doc: dict[str, Any], *extra: str) -> Any:
    """Run ``armsctl client submit new-start FILE --out OUT`` (with ``extra``); the result."""
    from armsctl.cli.app import build_app

    source, out = tmp_path / "decl.json", tmp_path / "decl.signed.json"
    source.write_text(json.dumps(doc))
    args = ["client", "submit", "new-start", str(source), "--out", str(out), *extra]
    args += ["--server", "http://127.0.0.1:9", "--token", "unused"]  # the file names its party
    return CliRunner().invoke(build_app("client"), args), out


def _upload(client: TestClient, name: str, data: bytes) -> Any:
    return client.post(
        "/declarations/upload",
        data={"csrf_token": _csrf(client, "/declarations"), "treaty": "new-start"},
        files={"file": (name, data, "application/json")},
        headers={"HX-Request": "true"},
    )


def test_a_signed_aggregate_request_is_stored_and_its_entry_is_the_partys(
    strict: dict[str, Any], tmp_path: Path
) -> None:
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import VerifierKey

    key = str(strict["work"] / "keys" / "USA.key")
    doc = {"party": "USA", "as_of": "2013-04-15", "figures": {"deployed-warheads": 1600}}
    done, out = _write(strict, tmp_path, doc, "--key", key)
    assert done.exit_code == 0, done.output
    written = json.loads(out.read_text())
    assert next(iter(written)) == "format" and written["kind"] == "aggregate"
    r = _upload(_client(strict, "usa-office"), "usa.signed.json", out.read_bytes())
    assert r.status_code == 201, r.text
    assert "signed by the party" in r.text
    index = int(re.search(r"log entry (\d+)", r.text).group(1))  # type: ignore[union-attr]
    db = strict["app"].state.armsctl.db
    with db.engine.connect() as conn:
        data = db.ledger.entry(conn, index)
    pub = VerifierKey.parse((strict["work"] / "keys" / "USA.pub").read_text())
    entry = open_entry(data, trusted={"USA": pub})
    assert entry.kind == "declaration-aggregate" and entry.body["figures"] == {
        "deployed-warheads": 1600
    }
    # The same file again: the date is declared (and the entry is in the log): 409, nothing new.
    size = _log_size(strict)
    again = _upload(_client(strict, "usa-office"), "usa.signed.json", out.read_bytes())
    assert again.status_code == 409 and _log_size(strict) == size


def test_a_request_another_party_signed_or_that_was_changed_stores_nothing(
    strict: dict[str, Any], tmp_path: Path
) -> None:
    client = _client(strict, "usa-office")
    size = _log_size(strict)
    doc = {"party": "USA", "as_of": "2013-05-15", "figures": {"deployed-warheads": 1500}}
    done, out = _write(strict, tmp_path, doc, "--key", str(strict["work"] / "keys" / "RUS.key"))
    assert done.exit_code == 0, done.output
    r = _upload(client, "usa.signed.json", out.read_bytes())
    assert r.status_code == 403
    assert "not signed with a key registered for the party" in r.text
    assert "not signed with a key registered for USA" in r.text
    done, out = _write(strict, tmp_path, doc, "--key", str(strict["work"] / "keys" / "USA.key"))
    changed = json.loads(out.read_text())
    changed["body"]["figures"]["deployed-warheads"] = 1400
    r = _upload(client, "usa.signed.json", json.dumps(changed).encode())
    assert r.status_code == 422
    assert "its body is not the entry this request logs" in html.unescape(r.text)
    assert _log_size(strict) == size


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["body"].pop("signed_entry"), "this request is not signed"),
        (lambda d: d.update(treaty="inf"), "the file is for 'inf', not 'new-start'"),
        (lambda d: d["body"].update(figures={"deployed-warheads": "many"}), "whole number"),
        (lambda d: d["body"].update(as_of="someday"), "must be a date"),
        (lambda d: d.update(kind="other"), "must be aggregate or items"),
    ],
)
def test_a_malformed_signed_request_names_its_field(
    strict: dict[str, Any], tmp_path: Path, change: Any, message: str
) -> None:
    doc = {"party": "USA", "as_of": "2013-06-15", "figures": {"deployed-warheads": 1}}
    _done, out = _write(strict, tmp_path, doc, "--key", str(strict["work"] / "keys" / "USA.key"))
    written = json.loads(out.read_text())
    change(written)
    size = _log_size(strict)
    r = _upload(_client(strict, "usa-office"), "x.signed.json", json.dumps(written).encode())
    assert r.status_code == 422, r.text
    assert message in html.unescape(r.text)
    assert _log_size(strict) == size


def test_a_truncated_signed_request_is_refused_as_not_json(
    strict: dict[str, Any], tmp_path: Path
) -> None:
    doc = {"party": "USA", "as_of": "2013-06-15", "figures": {"deployed-warheads": 1}}
    _done, out = _write(strict, tmp_path, doc, "--key", str(strict["work"] / "keys" / "USA.key"))
    r = _upload(_client(strict, "usa-office"), "x.signed.json", out.read_bytes()[:200])
    assert r.status_code == 422 and "not JSON" in r.text


def test_a_plain_file_where_signatures_are_required_says_how_to_sign_it(
    strict: dict[str, Any],
) -> None:
    client = _client(strict, "rus-office")
    size = _log_size(strict)
    r = client.post(
        "/declarations/upload",
        data={"csrf_token": _csrf(client, "/declarations"), "treaty": "new-start"},
        files={
            "file": ("rus.csv", b"party,as_of,measure,value\nRUS,2013-03-15,deployed-warheads,1\n")
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert 'id="upload-sign-hint"' in r.text and "--out NAME.signed.json" in r.text
    assert _log_size(strict) == size


def test_out_without_a_key_writes_nothing_and_exits_2(
    strict: dict[str, Any], tmp_path: Path
) -> None:
    done, out = _write(strict, tmp_path, {"party": "USA", "as_of": "2013-06-15", "figures": {}})
    assert done.exit_code == 2 and "--key" in done.output
    assert not out.exists()


@pytest.mark.parametrize("user", ["observer", "operator", "inspector-1"])
def test_only_a_party_sees_and_uses_the_authoring_forms(strict: dict[str, Any], user: str) -> None:
    client = _client(strict, user)
    page = client.get("/inspections").text
    assert "request-form" not in page and "step-form" not in page and "Sign as" not in page
    csrf = _csrf(client, "/inspections")
    size = _log_size(strict)
    paths = ("/notifications/send", "/inspections/request", "/inspections/1/schedule")
    for path in (*paths, "/inspections/1/start", "/inspections/1/report", "/declarations/declare"):
        r = client.post(path, data={"csrf_token": csrf, "treaty": "new-start"})
        assert r.status_code == 403, (path, r.status_code)
    assert _log_size(strict) == size


def test_an_unsigned_notification_is_refused_beside_the_form(strict: dict[str, Any]) -> None:
    client = _client(strict, "usa-office")
    page = client.get("/notifications").text
    assert 'id="send-form"' in page and 'data-sign-form="notification"' in page
    size = _log_size(strict)
    r = client.post(
        "/notifications/send",
        data={
            "csrf_token": _csrf(client, "/notifications"),
            "treaty": "new-start",
            "kind": "movement",
            "body": '{"uid": "U1"}',
            "recording_history": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422 and "requires party-signed entries" in r.text
    assert "Pick your party's own signing key file" in r.text
    bad = client.post(
        "/notifications/send",
        data={"csrf_token": _csrf(client, "/notifications"), "treaty": "new-start",
              "kind": "movement", "body": "[1]"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert bad.status_code == 422 and "must be a JSON object" in bad.text
    assert _log_size(strict) == size


def test_a_granted_inspector_files_findings_signed_with_its_partys_key(
    strict: dict[str, Any],
) -> None:
    import datetime as dt
    import os

    from armsctl.access.authz import allow_for
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import SignerKey, VerifierKey
    from armsctl.service import accounts, inspections
    from armsctl.service.entries import content_commitment, inspection_step_entry

    db = strict["app"].state.armsctl.db
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    usa = accounts.authenticate(db, strict["tokens"]["usa-office"], at=now)
    rus = accounts.authenticate(db, strict["tokens"]["rus-office"], at=now)
    assert usa is not None and rus is not None
    # The steps before the report, through the use-cases (unsigned: this test is about the form).
    made = inspections.request_inspection(
        db, usa, treaty="new-start", inspecting="USA", inspected="RUS", quota_id="type-one",
        site="Dombarovsky", inspectors=["inspector-1"], allow=allow_for(usa, "inspection.request"),
        at=now, recording_history=True,
    )  # fmt: skip
    common = {"inspection_id": made["id"], "at": now}
    inspections.schedule_inspection(
        db, usa, arrival=now + dt.timedelta(days=1), allow=allow_for(usa, "inspection.schedule"),
        **common,
    )  # fmt: skip
    inspections.start_inspection(db, rus, allow=allow_for(rus, "inspection.start"), **common)
    client = _client(strict, "inspector-1")
    page = client.get("/inspections").text
    assert f'id="step-form-{made["id"]}"' in page and "Sign and file the report" in page
    assert "request-form" not in page  # an inspector files findings; it requests nothing
    findings = [{"result": "compliant"}]
    salt = os.urandom(32)
    signer = SignerKey.parse((strict["work"] / "keys" / "USA.key").read_text())
    signed = inspection_step_entry(
        kind="inspection-reported", treaty="new-start", party="USA", inspection=made["id"],
        state="reported", at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        findings_commitment=content_commitment(salt, findings),
    ).seal_b64(signer)  # fmt: skip
    size = _log_size(strict)
    r = client.post(
        f"/inspections/{made['id']}/report",
        data={"csrf_token": _csrf(client, "/inspections"), "findings": json.dumps(findings),
              "findings_salt": salt.hex(), "signed_entry": signed},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    with db.engine.connect() as conn:
        data = db.ledger.entry(conn, size)
    pub = VerifierKey.parse((strict["work"] / "keys" / "USA.pub").read_text())
    assert open_entry(data, trusted={"USA": pub}).kind == "inspection-reported"


def test_figures_declared_on_the_web_are_checked_and_must_be_signed(strict: dict[str, Any]) -> None:
    client = _client(strict, "usa-office")
    page = client.get("/declarations").text
    assert (
        'data-sign-form="declaration-aggregate"' in page
        and 'name="figure.deployed-warheads"' in page
    )
    size = _log_size(strict)
    for figure, message in (("x", "must be a whole number"), ("²", "must be a whole number"),
                            ("5", "requires party-signed entries")):  # fmt: skip
        r = client.post(
            "/declarations/declare",
            data={"csrf_token": _csrf(client, "/declarations"), "treaty": "new-start",
                  "as_of": "2014-05-15", "figure.deployed-warheads": figure},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        assert r.status_code == 422 and message in r.text, (figure, r.text)
    assert _log_size(strict) == size
