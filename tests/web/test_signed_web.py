"""Signed requests through the web, without a browser, on a server that requires signatures.

The declaration upload takes the request a party's client signed (``client submit --out``),
checks it against the party's registered key and stores all of it or nothing. The authoring
forms (notifications, inspection steps) are shown and accepted only for the roles the access
table lets author them, and an unsigned one is refused where signatures are required.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _pretended_clock import client_clock, pretended_now
from _server import served_in_thread


@pytest.fixture(autouse=True, scope="module")
def _client_clock() -> Iterator[None]:
    """The party's client stamps what it signs on the server's pretended clock."""
    with client_clock():
        yield


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-signed")
    settings = Settings(database_url=f"sqlite:///{work / 'web.db'}", require_party_signatures=True)
    result = seed_demo(settings, work, items=10)
    app = create_app(settings, clock=pretended_now)
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


@pytest.mark.parametrize(("minutes", "said"), [(-9, "9 minutes ago"), (7, "7 minutes ahead")])
def test_a_declaration_signed_outside_5_minutes_of_the_servers_clock_is_refused_in_plain_words(
    strict: dict[str, Any], minutes: int, said: str
) -> None:
    from armsctl.ledger.note import SignerKey
    from armsctl.service.entries import declaration_entry
    from armsctl.service.signed_requests import signed_request_document

    as_of, figures = dt.date(2013, 9, 15), {"deployed-warheads": 1550}
    signer = SignerKey.parse((strict["work"] / "keys" / "USA.key").read_text())
    at = pretended_now().replace(microsecond=0) + dt.timedelta(minutes=minutes)
    entry = declaration_entry(
        treaty="new-start", party="USA", as_of=as_of, figures=figures, status="provided", at=at
    ).seal_b64(signer)
    body = {"party": "USA", "as_of": as_of.isoformat(), "figures": figures, "signed_entry": entry}
    data = json.dumps(signed_request_document("new-start", "aggregate", body)).encode()
    size = _log_size(strict)
    r = _upload(_client(strict, "usa-office"), "late.signed.json", data)
    assert r.status_code == 422, r.text
    assert said in r.text and "within 5 minutes" in r.text
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
    import os

    from armsctl.access.authz import allow_for
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import SignerKey, VerifierKey
    from armsctl.service import accounts, inspections
    from armsctl.service.entries import content_commitment, inspection_step_entry

    db = strict["app"].state.armsctl.db
    now = pretended_now().replace(microsecond=0)
    usa = accounts.authenticate(db, strict["tokens"]["usa-office"], at=now)
    rus = accounts.authenticate(db, strict["tokens"]["rus-office"], at=now)
    assert usa is not None and rus is not None
    # The steps before the report, through the use-cases (unsigned: this test is about the form).
    made = inspections.request_inspection(
        db, usa, treaty="new-start", inspecting="USA", inspected="RUS", quota_id="type-one",
        site="Dombarovsky", inspectors=["inspector-1"], allow=allow_for(usa, "inspection.request"),
        at=now, recording_history=True, year=(now + dt.timedelta(days=1)).year,
    )  # fmt: skip
    common = {"inspection_id": made.id, "at": now}
    inspections.schedule_inspection(
        db, usa, arrival=now + dt.timedelta(days=1), allow=allow_for(usa, "inspection.schedule"),
        **common,
    )  # fmt: skip
    inspections.start_inspection(db, rus, allow=allow_for(rus, "inspection.start"), **common)
    client = _client(strict, "inspector-1")
    page = client.get("/inspections").text
    assert f'id="step-form-{made.id}"' in page and "Sign and file the report" in page
    assert "request-form" not in page  # an inspector files findings; it requests nothing
    findings = [{"result": "compliant"}]
    salt = os.urandom(32)
    signer = SignerKey.parse((strict["work"] / "keys" / "USA.key").read_text())
    signed = inspection_step_entry(
        kind="inspection-reported", treaty="new-start", party="USA", inspection=made.id,
        state="reported", at=pretended_now().replace(microsecond=0),
        findings_commitment=content_commitment(salt, findings),
    ).seal_b64(signer)  # fmt: skip
    size = _log_size(strict)
    r = client.post(
        f"/inspections/{made.id}/report",
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


# -- the site reveal: a file the inspected party's client signed, uploaded on /inspections ----


@pytest.fixture(scope="module")
def served(strict: dict[str, Any]) -> Iterator[str]:
    """The same app over HTTP, for the party's client (``armsctl client ...``) to talk to."""
    with served_in_thread(strict["app"]) as url:
        yield url


def _cli(strict: dict[str, Any], url: str, user: str, *args: str) -> Any:
    """``armsctl client ARGS --format json`` as ``user``, against the served app; its JSON."""
    from armsctl.cli.app import build_app

    argv = ["client", *args, "--server", url, "--token", strict["tokens"][user]]
    done = CliRunner().invoke(build_app("client"), [*argv, "--format", "json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def _keyfile(strict: dict[str, Any], name: str) -> str:
    return str(strict["work"] / "keys" / name)


def _in_progress(strict: dict[str, Any], url: str, tmp_path: Path, as_of: str, site: str) -> dict:
    """USA commits sealed items at ``site``; RUS inspects it; USA receives the team.

    Every step through the party's own client, signed with its key, as an office does it. New
    START has expired, so the request is entered as history, of the quota year of an arrival
    tomorrow (an arrival is never in the past and falls in its quota's year): any day works.
    """
    tomorrow = pretended_now().replace(microsecond=0) + dt.timedelta(days=1)
    arrival, year = tomorrow.isoformat().replace("+00:00", "Z"), str(tomorrow.year)
    items = [
        {"uid": f"{site}-{n}", "category": "icbm-launcher", "status": "deployed",
         "facility": site, "warheads": 1}
        for n in range(3)
    ] + [{"uid": f"{site}-X", "category": "heavy-bomber", "status": "deployed",
          "facility": site + "-other", "warheads": 0}]  # fmt: skip
    source = tmp_path / f"items-{as_of}.json"
    source.write_text(json.dumps({"party": "USA", "as_of": as_of, "items": items}))
    decl = _cli(strict, url, "usa-office", "submit", "new-start", str(source),
                "--key", _keyfile(strict, "USA.key"),
                "--seal-to", _keyfile(strict, "USA.x25519.pub"))  # fmt: skip
    made = _cli(strict, url, "rus-office", "inspect", "request", "new-start", "--inspected",
                "USA", "--type", "type-one", "--site", site, "--recording-history", "--year", year,
                "--key", _keyfile(strict, "RUS.key"))  # fmt: skip
    ident = str(made["id"])
    _cli(strict, url, "rus-office", "inspect", "schedule", ident,
         "--arrival", arrival, "--key", _keyfile(strict, "RUS.key"))  # fmt: skip
    _cli(strict, url, "usa-office", "inspect", "start", ident, "--key", _keyfile(strict, "USA.key"))
    return {"inspection": made["id"], "declaration": decl["id"]}


def _reveal_file(
    strict: dict[str, Any], url: str, tmp_path: Path, case: dict, key: str = "USA.key"
) -> Path:
    """``armsctl client inspect reveal ID --declaration D --decrypt-key K --key K --out F``."""
    out = tmp_path / f"reveal-{case['inspection']}-{key}.signed.json"
    written = _cli(strict, url, "usa-office", "inspect", "reveal", str(case["inspection"]),
                   "--declaration", str(case["declaration"]),
                   "--decrypt-key", _keyfile(strict, "USA.x25519.key"),
                   "--key", _keyfile(strict, key), "--out", str(out))  # fmt: skip
    assert written == {"written": str(out), "treaty": "new-start", "kind": "reveal",
                       "inspection": case["inspection"], "upload_within_seconds": 300}  # fmt: skip
    assert out.stat().st_mode & 0o777 == 0o600  # it holds the site's items in clear
    return out


def _reveal(client: TestClient, inspection: int, data: bytes, name: str = "r.signed.json") -> Any:
    return client.post(
        f"/inspections/{inspection}/reveal",
        data={"csrf_token": _csrf(client, "/inspections")},
        files={"file": (name, data, "application/json")},
        headers={"HX-Request": "true"},
    )


def _reveals(strict: dict[str, Any]) -> int:
    from sqlalchemy import func, select

    from armsctl.store.models import Reveal

    with strict["app"].state.armsctl.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Reveal)) or 0)


@pytest.fixture(scope="module")
def revealing(strict: dict[str, Any], served: str, tmp_path_factory: Any) -> dict[str, Any]:
    """Two inspections of USA's sites by RUS, both in progress."""
    tmp = tmp_path_factory.mktemp("reveal")
    first = _in_progress(strict, served, tmp, "2015-06-20", "Minot")
    second = _in_progress(strict, served, tmp, "2015-07-20", "Malmstrom")
    return {"url": served, "first": first, "second": second}


def test_the_inspected_party_reveals_the_site_with_a_file_its_client_signed(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path
) -> None:
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import VerifierKey

    case = revealing["first"]
    signed = _reveal_file(strict, revealing["url"], tmp_path, case)
    doc = json.loads(signed.read_text())
    assert next(iter(doc)) == "format" and doc["kind"] == "reveal"
    assert doc["inspection"] == case["inspection"] and "signed_entry" in doc["body"]
    usa = _client(strict, "usa-office")
    page = usa.get("/inspections").text
    assert f'id="reveal-form-{case["inspection"]}"' in page
    assert "within 5 minutes of writing it" in page
    size, stored = _log_size(strict), _reveals(strict)
    r = _reveal(usa, case["inspection"], signed.read_bytes())
    assert r.status_code == 201, r.text
    assert "Site reveal recorded" in r.text and "signed in your party&#39;s client" in r.text
    assert "proven complete" in r.text and "3 icbm-launcher" in r.text
    assert _log_size(strict) == size + 1 and _reveals(strict) == stored + 1
    db = strict["app"].state.armsctl.db
    with db.engine.connect() as conn:
        data = db.ledger.entry(conn, size)
    pub = VerifierKey.parse((strict["work"] / "keys" / "USA.pub").read_text())
    entry = open_entry(data, trusted={"USA": pub})
    assert entry.kind == "items-revealed" and entry.party == "USA"
    assert entry.body["inspection"] == case["inspection"] and "Minot" not in data.decode()
    # The same file again: its signed entry is in the log already (409), nothing new.
    again = _reveal(usa, case["inspection"], signed.read_bytes())
    assert again.status_code == 409 and _log_size(strict) == size + 1


def test_a_reveal_signed_by_another_key_changed_or_for_another_inspection_stores_nothing(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path
) -> None:
    first, second = revealing["first"], revealing["second"]
    usa = _client(strict, "usa-office")
    size, stored = _log_size(strict), _reveals(strict)
    foreign = _reveal_file(strict, revealing["url"], tmp_path, second, key="RUS.key")
    r = _reveal(usa, second["inspection"], foreign.read_bytes())
    assert r.status_code == 403, r.text
    assert "not signed with a key registered for USA" in r.text
    assert "Write the reveal again with your party&#39;s own registered signing key" in r.text
    honest = json.loads(_reveal_file(strict, revealing["url"], tmp_path, second).read_text())
    # An item changed after signing: it no longer opens the logged commitment.
    changed = json.loads(json.dumps(honest))
    changed["body"]["reveal"]["items"][0]["item"]["warheads"] = 2
    r = _reveal(usa, second["inspection"], json.dumps(changed).encode())
    assert r.status_code == 422 and "does not verify" in html.unescape(r.text), r.text
    # An item withheld: the reveal no longer proves it holds every item committed there.
    withheld = json.loads(json.dumps(honest))
    withheld["body"]["reveal"]["items"].pop()
    r = _reveal(usa, second["inspection"], json.dumps(withheld).encode())
    assert r.status_code == 422, r.text
    # Another declaration named than the one signed and revealed: refused (422).
    other = json.loads(json.dumps(honest))
    other["body"]["declaration_id"] = first["declaration"]
    r = _reveal(usa, second["inspection"], json.dumps(other).encode())
    assert r.status_code == 422, r.text
    # The file of inspection B uploaded on inspection A's form: named as such.
    r = _reveal(usa, first["inspection"], json.dumps(honest).encode())
    assert r.status_code == 422
    assert f"the reveal of inspection {second['inspection']}, not of inspection" in r.text
    # ... and with its inspection field changed to match: it reveals another site (422).
    moved = json.loads(json.dumps(honest))
    moved["inspection"] = first["inspection"]
    r = _reveal(usa, first["inspection"], json.dumps(moved).encode())
    assert r.status_code == 422 and "is not the reveal of the inspected site" in r.text, r.text
    assert _log_size(strict) == size and _reveals(strict) == stored


def test_a_reveal_signed_more_than_5_minutes_ago_is_refused_in_plain_words(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path
) -> None:
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import SignerKey
    from armsctl.service.entries import decode_signed, reveal_entry

    case = revealing["second"]
    doc = json.loads(_reveal_file(strict, revealing["url"], tmp_path, case).read_text())
    entry = open_entry(decode_signed(doc["body"]["signed_entry"]))
    signer = SignerKey.parse((strict["work"] / "keys" / "USA.key").read_text())
    old = pretended_now().replace(microsecond=0) - dt.timedelta(minutes=12)
    doc["body"]["signed_entry"] = reveal_entry(
        treaty="new-start", party="USA", inspection=case["inspection"],
        declaration=case["declaration"], site_commitment=entry.body["site_commitment"], at=old,
    ).seal_b64(signer)  # fmt: skip
    size = _log_size(strict)
    r = _reveal(_client(strict, "usa-office"), case["inspection"], json.dumps(doc).encode())
    assert r.status_code == 422, r.text
    text = html.unescape(r.text)
    assert "12 minutes ago" in text and "must be uploaded within 5 minutes of signing" in text
    assert _log_size(strict) == size


#: A signed entry holding a number longer than Python's JSON reader takes (4,300 digits).
_HUGE = base64.b64encode(b'{"body": ' + b"9" * 5000 + b"}").decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["body"].pop("signed_entry"), "this reveal is not signed"),
        (lambda d: d["body"].update(declaration_id="7"), "id of a committed declaration"),
        (lambda d: d["body"].update(site_salt="zz"), "64 hexadecimal digits"),
        (lambda d: d["body"].update(signed_entry="!!"), "is not valid base64"),
        (lambda d: d["body"].update(signed_entry=_HUGE), "not readable JSON"),
        (lambda d: d["body"].update(reveal=[1]), "body.reveal: must be an object"),
        (lambda d: d["body"].update(extra=1), "not a field of a reveal request"),
        (lambda d: d.update(kind="items"), "upload it on the Declarations page"),
        (lambda d: d.update(format="x"), "must be 'armsctl/signed-request/v1'"),
        (lambda d: d.update(inspection=True), "not of inspection"),
    ],
)
def test_a_malformed_reveal_file_names_its_field(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path, change: Any, message: str
) -> None:
    case = revealing["second"]
    doc = json.loads(_reveal_file(strict, revealing["url"], tmp_path, case).read_text())
    change(doc)
    size = _log_size(strict)
    r = _reveal(_client(strict, "usa-office"), case["inspection"], json.dumps(doc).encode())
    assert r.status_code == 422, r.text
    assert message in html.unescape(r.text)
    assert _log_size(strict) == size
    for data in (b"", b"{", b"[" * 100_000):  # nothing, truncated, deep: named, never a 500
        r = _reveal(_client(strict, "usa-office"), case["inspection"], data)
        assert r.status_code == 422, (data[:5], r.text)


def test_a_reveal_file_uploaded_as_a_declaration_is_sent_to_the_inspections_page(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path
) -> None:
    signed = _reveal_file(strict, revealing["url"], tmp_path, revealing["second"])
    r = _upload(_client(strict, "usa-office"), "r.signed.json", signed.read_bytes())
    assert r.status_code == 422 and "upload it on the Inspections page" in r.text


@pytest.mark.parametrize("user", ["observer", "operator", "inspector-1", "rus-office"])
def test_only_the_inspected_party_sees_and_uses_the_reveal_form(
    strict: dict[str, Any], revealing: dict[str, Any], tmp_path: Path, user: str
) -> None:
    case = revealing["second"]
    signed = _reveal_file(strict, revealing["url"], tmp_path, case)
    client = _client(strict, user)
    assert "reveal-form" not in client.get("/inspections").text
    size, stored = _log_size(strict), _reveals(strict)
    r = _reveal(client, case["inspection"], signed.read_bytes())
    assert r.status_code == 403, r.text
    assert _log_size(strict) == size and _reveals(strict) == stored


def test_the_reveal_form_is_offered_only_while_the_inspection_is_in_progress(
    strict: dict[str, Any], revealing: dict[str, Any]
) -> None:
    usa = _client(strict, "usa-office")
    page = usa.get("/inspections").text
    assert f'id="reveal-form-{revealing["second"]["inspection"]}"' in page
    assert 'id="reveal-form-1"' not in page  # the demo's inspection of USA is only planned
    r = _reveal(usa, 1, b'{"format": "armsctl/signed-request/v1"}')
    assert r.status_code in (409, 422)
