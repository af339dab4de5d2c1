"""What a party authors on the web is signed by the party, on a server that requires it.

A declaration is uploaded as the signed request the party's own client wrote (``armsctl
client submit ... --key K --out FILE``); notifications and inspection steps are signed in the
browser with the key file the user picks, which is read by the page and never sent. The log
then holds the party's own signature, which anyone verifies offline with the party's public key.
A signature by another party's key, or a file that is not a key, is refused beside the form,
and nothing is stored. The site reveal, which only the inspected party's client can build (it
opens the party's sealed items and its copy of the site), is uploaded as the signed file that
client wrote (``armsctl client inspect reveal ... --key K --out FILE``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")


sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _pretended_clock import client_clock, pretended_now  # noqa: E402
from _server import served_in_thread  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _client_clock() -> Iterator[None]:
    """The party's client stamps what it signs on the server's pretended clock."""
    with client_clock():
        yield


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded server that requires party signatures (the default outside the demo)."""
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web-signed")
    settings = Settings(
        database_url=f"sqlite:///{work / 'signed.db'}", require_party_signatures=True
    )
    seeded = seed_demo(settings, work, items=20)
    app = create_app(settings, clock=pretended_now)
    with served_in_thread(app) as url:
        yield {"url": url, "tokens": seeded["tokens"], "work": work}
    app.state.armsctl.db.dispose()


@pytest.fixture
def pg(browser: Any, strict: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.clock.install(time=pretended_now())  # the page signs on the pretended clock too
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.sent = []  # every request the page makes: URL and body
    page.on("request", lambda r: page.sent.append(f"{r.url} {r.post_data or ''}"))
    yield page
    context.close()


def _sign_in(page: Any, strict: dict[str, Any], user: str) -> None:
    page.goto(strict["url"] + "/signin")
    page.get_by_label("API token").fill(strict["tokens"][user])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/overview")


def _key(strict: dict[str, Any], name: str) -> Path:
    return Path(strict["work"]) / "keys" / name


def _pick_key(page: Any, party: str, key: Path) -> None:
    page.get_by_label(f"Sign as {party}").set_input_files(str(key))
    page.locator("[data-signing-key] [role=status]").filter(has_text="Signing as").wait_for()


def _entry(page: Any, strict: dict[str, Any], user: str, index: int) -> bytes:
    api = strict["url"] + "/api/v1"
    auth = {"Authorization": f"Bearer {strict['tokens'][user]}"}
    text = page.request.get(f"{api}/log/entries/{index}", headers=auth).json()["entry"]
    return str(text).encode("utf-8")


def _log_size(page: Any, strict: dict[str, Any], user: str) -> int:
    auth = {"Authorization": f"Bearer {strict['tokens'][user]}"}
    return int(page.request.get(strict["url"] + "/api/v1/log", headers=auth).json()["size"])


def _verify_offline(data: bytes, party: str, pub: Path) -> Any:
    """The entry's signature checked with the party's public key file, and nothing else."""
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.note import VerifierKey

    return open_entry(data, trusted={party: VerifierKey.parse(pub.read_text())})


def _secret(key: Path) -> str:
    """The secret part of a key file (``PRIVATE+KEY+...+SECRET`` or ``x25519-private:SECRET``)."""
    text = key.read_text().strip()
    if text.startswith("x25519-private:"):  # base64 may hold "+": split at the prefix
        return text.split(":", 1)[1]
    # PRIVATE+KEY+NAME+ID+BASE64: the base64 may itself hold "+", so split at the first four.
    return text.split("+", 4)[4]


def _no_key_sent(page: Any, key: Path) -> None:
    secret = _secret(key)
    assert not [s for s in page.sent if secret in s]


def _signed_request(strict: dict[str, Any], tmp_path: Path, key: str, as_of: str) -> Path:
    """``armsctl client submit --key --seal-to --out``: USA's item declaration, signed, unsent."""
    from typer.testing import CliRunner

    from armsctl.cli.app import build_app

    items = [
        {"uid": f"U-{n}", "category": "icbm-launcher", "status": "deployed", "facility": "F1",
         "warheads": 1}
        for n in range(3)
    ]  # fmt: skip
    source = tmp_path / "items.json"
    source.write_text(json.dumps({"party": "USA", "as_of": as_of, "items": items}))
    out = tmp_path / f"USA-{as_of}.signed.json"
    args = ["client", "submit", "new-start", str(source), "--key", str(_key(strict, key))]
    args += ["--seal-to", str(_key(strict, "USA.x25519.pub")), "--out", str(out)]
    # The file names its party, so nothing is asked of the server: the URL is never used.
    args += ["--server", "http://127.0.0.1:9", "--token", "unused"]
    done = CliRunner().invoke(build_app("client"), args)
    assert done.exit_code == 0, done.output
    assert "upload it on the web's Declarations page" in done.output
    assert out.stat().st_mode & 0o777 == 0o600
    return out


def _upload(page: Any, path: Path) -> Any:
    result = page.locator("#upload-ok, #upload-errors")
    # A second upload on the same page must not read the first one's answer: wait until the
    # earlier answer is gone (replaced) before waiting for the new one.
    earlier = result.element_handle() if result.count() else None
    page.get_by_label("Declaration file").set_input_files(str(path))
    page.get_by_role("button", name="Check and submit").click()
    if earlier is not None:
        earlier.wait_for_element_state("hidden")
    result.wait_for()
    return result


def test_a_signed_item_upload_is_accepted_and_its_entry_verifies_offline_with_the_partys_key(
    pg: Any, strict: dict[str, Any], tmp_path: Path
) -> None:
    signed = _signed_request(strict, tmp_path, "USA.key", "2013-06-15")
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/declarations")
    result = _upload(pg, signed)
    assert result.get_attribute("id") == "upload-ok", result.inner_text()
    assert "signed by the party" in result.inner_text()
    index = int(result.inner_text().rsplit("log entry ", 1)[1].split(")")[0])
    entry = _verify_offline(_entry(pg, strict, "observer", index), "USA", _key(strict, "USA.pub"))
    assert entry.kind == "declaration-items" and entry.party == "USA"
    assert entry.body["commitment"]["size"] == 3 and entry.body["as_of"] == "2013-06-15"
    # The owner reads its items back: they were sealed in its client, the server never saw them.
    pg.locator("#upload-ok a").first.click()
    pg.get_by_label("USA's private encryption key file").set_input_files(
        str(_key(strict, "USA.x25519.key"))
    )
    pg.get_by_role("button", name="Decrypt in this browser").click()
    pg.locator("[data-sealed-opener] [role=status]").filter(has_text="Opened").wait_for()
    assert pg.locator("#opened-items tbody tr").count() == 3


def test_an_upload_signed_with_another_partys_key_is_refused_beside_the_form(
    pg: Any, strict: dict[str, Any], tmp_path: Path
) -> None:
    signed = _signed_request(strict, tmp_path, "RUS.key", "2013-07-15")
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/declarations")
    before = _log_size(pg, strict, "usa-office")
    result = _upload(pg, signed)
    assert result.get_attribute("data-status") == "403"
    text = result.inner_text()
    assert "not signed with a key registered for USA" in text
    assert "Nothing in it was stored or logged" in text
    assert _log_size(pg, strict, "usa-office") == before
    # A changed figure no longer matches what USA signed: refused whole, nothing stored.
    honest = _signed_request(strict, tmp_path, "USA.key", "2013-08-15")
    doc = json.loads(honest.read_text())
    root = doc["body"]["commitment"]["root"]
    doc["body"]["commitment"]["root"] = ("1" if root[0] != "1" else "2") + root[1:]
    tampered = tmp_path / "tampered.signed.json"
    tampered.write_text(json.dumps(doc))
    result = _upload(pg, tampered)
    assert result.get_attribute("data-status") == "422", result.inner_text()
    assert "signed_entry" in result.inner_text()
    assert _log_size(pg, strict, "usa-office") == before


def test_figures_are_declared_signed_in_the_browser(pg: Any, strict: dict[str, Any]) -> None:
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/declarations")
    key = _key(strict, "USA.key")
    _pick_key(pg, "USA", key)
    form = pg.locator("#declare-form")
    form.get_by_label("As of").fill("2014-04-15")
    form.get_by_label("deployed-warheads:").fill("1585")
    form.get_by_label("total-launchers:").fill("800")
    pg.sent.clear()
    form.get_by_role("button", name="Sign and declare").click()
    pg.locator("#declare-result .notice").wait_for()
    assert pg.locator("#declare-result .signed-ok").count() == 1, pg.locator(
        "#declare-result"
    ).inner_text()
    _no_key_sent(pg, key)
    size = _log_size(pg, strict, "usa-office")
    entry = _verify_offline(
        _entry(pg, strict, "observer", size - 1), "USA", _key(strict, "USA.pub")
    )
    assert entry.kind == "declaration-aggregate" and entry.body["as_of"] == "2014-04-15"
    assert entry.body["figures"] == {"deployed-warheads": 1585, "total-launchers": 800}


def test_a_notification_is_signed_in_the_browser_and_the_key_never_leaves(
    pg: Any, strict: dict[str, Any]
) -> None:
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/notifications")
    key = _key(strict, "USA.key")
    _pick_key(pg, "USA", key)
    form = pg.locator("#send-form")
    form.get_by_label("Kind").select_option("movement")
    form.get_by_label("To", exact=True).select_option("RUS")
    form.get_by_label("Event time").fill("2026-11-30T10:00:00Z")
    form.get_by_label("Recording history").check()  # New START has expired: entered as history
    # A body that is not JSON cannot be signed: said beside the form, and nothing is sent.
    form.get_by_label("Body").fill('{"uid": U77')
    pg.sent.clear()
    form.get_by_role("button", name="Sign and send").click()
    pg.locator("#send-result .signed-errors").filter(has_text="not JSON").wait_for()
    assert not [s for s in pg.sent if "/notifications/send" in s]
    form.get_by_label("Body").fill('{"uid": "U77", "from_facility": "F1", "to_facility": "F2"}')
    pg.sent.clear()
    form.get_by_role("button", name="Sign and send").click()
    ok = pg.locator("#send-result .signed-ok")
    ok.wait_for()
    assert "signed in this browser" in ok.inner_text()
    _no_key_sent(pg, key)
    size = _log_size(pg, strict, "usa-office")
    entry = _verify_offline(
        _entry(pg, strict, "observer", size - 1), "USA", _key(strict, "USA.pub")
    )
    assert entry.kind == "notification" and entry.body["recipient"] == "RUS"
    assert "U77" not in json.dumps(entry.body)  # the log carries the body's salted commitment only
    # RUS reads the body the page sent, and it matches the commitment USA signed.
    from armsctl.service.entries import content_commitment

    auth = {"Authorization": f"Bearer {strict['tokens']['rus-office']}"}
    rows = pg.request.get(
        strict["url"] + "/api/v1/treaties/new-start/notifications?limit=500", headers=auth
    ).json()["results"]
    mine = next(r for r in rows if r["id"] == int(ok.get_attribute("data-id")))
    assert mine["body_commitment"] == entry.body["body_commitment"]
    assert content_commitment(b"\0" * 32, {"uid": "U77"}) != mine["body_commitment"]


def test_an_inspection_is_requested_scheduled_received_and_reported_each_signed_in_the_browser(
    pg: Any, strict: dict[str, Any]
) -> None:
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/inspections")
    key = _key(strict, "USA.key")
    _pick_key(pg, "USA", key)
    form = pg.locator("#request-form")
    form.get_by_label("Inspected party").select_option("RUS")
    form.get_by_label("Type").select_option("type-two")
    form.get_by_label("Site", exact=True).fill("Vypolzovo")
    form.get_by_label("Recording history").check()
    # The team arrives tomorrow, in the quota year of that day (any date works: an arrival is
    # never in the past and falls in its quota's year).
    tomorrow = pretended_now() + dt.timedelta(days=1)
    form.get_by_label("Quota year").fill(str(tomorrow.year))
    pg.sent.clear()
    form.get_by_role("button", name="Sign and request").click()
    ok = pg.locator("#request-result .signed-ok")
    ok.wait_for()
    _no_key_sent(pg, key)
    size = _log_size(pg, strict, "usa-office")
    entry = _verify_offline(
        _entry(pg, strict, "observer", size - 1), "USA", _key(strict, "USA.pub")
    )
    assert entry.kind == "inspection-requested" and entry.body["inspected"] == "RUS"
    assert entry.body["type"] == "type-two" and "Vypolzovo" not in json.dumps(entry.body)
    # The page keeps going: the new request is USA's to schedule, signed the same way.
    inspection = ok.get_attribute("data-id")
    pg.reload()
    _pick_key(pg, "USA", key)
    step = pg.locator(f"#step-form-{inspection}")
    step.get_by_label("Arrival time of the team (UTC)").fill(tomorrow.strftime("%Y-%m-%dT09:30"))
    step.get_by_role("button", name="Sign and notify the arrival").click()
    pg.locator(f"#step-result-{inspection} .signed-ok").wait_for()
    size = _log_size(pg, strict, "usa-office")
    step_entry = _verify_offline(
        _entry(pg, strict, "observer", size - 1), "USA", _key(strict, "USA.pub")
    )
    assert step_entry.kind == "inspection-notified" and "arrival_commitment" in step_entry.body
    # RUS receives the team (its own step, its own key), then USA files the findings.
    for user, party, button, kind in (
        ("rus-office", "RUS", "Sign: team received", "inspection-started"),
        ("usa-office", "USA", "Sign and file the report", "inspection-reported"),
    ):
        _sign_in(pg, strict, user)
        pg.goto(strict["url"] + "/inspections")
        _pick_key(pg, party, _key(strict, f"{party}.key"))
        step = pg.locator(f"#step-form-{inspection}")
        if kind == "inspection-reported":
            step.get_by_label("Findings").fill('[{"result": "compliant", "counted": 4}]')
        pg.sent.clear()
        step.get_by_role("button", name=button).click()
        pg.locator(f"#step-result-{inspection} .signed-ok").wait_for()
        _no_key_sent(pg, _key(strict, f"{party}.key"))
        size = _log_size(pg, strict, user)
        done = _verify_offline(
            _entry(pg, strict, "observer", size - 1), party, _key(strict, f"{party}.pub")
        )
        assert done.kind == kind and done.body["inspection"] == int(inspection)
    assert "compliant" not in json.dumps(done.body) and "findings_commitment" in done.body


def test_a_wrong_key_file_is_refused_and_nothing_is_stored(pg: Any, strict: dict[str, Any]) -> None:
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/notifications")
    status = pg.locator("[data-signing-key] [role=status]")
    # Not a signing key at all (the encryption key file): named as such in the page.
    pg.get_by_label("Sign as USA").set_input_files(str(_key(strict, "USA.x25519.key")))
    status.filter(has_text="not a signing key file").wait_for()
    assert "error" in (status.get_attribute("class") or "")
    # Another party's key signs, but the server checks USA's registered key: 403, nothing kept.
    _pick_key(pg, "USA", _key(strict, "RUS.key"))
    before = _log_size(pg, strict, "usa-office")
    form = pg.locator("#send-form")
    form.get_by_label("Kind").select_option("change-in-data")
    form.get_by_label("Recording history").check()
    form.get_by_role("button", name="Sign and send").click()
    refused = pg.locator("#send-result .signed-errors")
    refused.wait_for()
    assert refused.get_attribute("data-status") == "403"
    assert "not signed with a key registered for USA" in refused.inner_text()
    assert _log_size(pg, strict, "usa-office") == before
    # No key: the server requires party signatures and says so beside the form.
    pg.reload()
    pg.locator("#send-form").get_by_label("Recording history").check()
    pg.locator("#send-form").get_by_role("button", name="Sign and send").click()
    refused = pg.locator("#send-result .signed-errors")
    refused.wait_for()
    assert refused.get_attribute("data-status") == "422"
    assert "requires party-signed entries" in refused.inner_text()
    assert _log_size(pg, strict, "usa-office") == before


def _cli(strict: dict[str, Any], user: str, *args: str) -> Any:
    """``armsctl client ARGS --format json`` as ``user`` against the test server; its JSON."""
    from typer.testing import CliRunner

    from armsctl.cli.app import build_app

    argv = ["client", *args, "--server", strict["url"], "--token", strict["tokens"][user]]
    done = CliRunner().invoke(build_app("client"), [*argv, "--format", "json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


@pytest.fixture(scope="module")
def inspected(strict: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """USA's items committed (sealed) at Minot; RUS inspects Minot; USA has received the team.

    Each step through the party's own client, signed with its own key. New START has expired,
    so the request is entered as history, of the quota year of an arrival tomorrow (an arrival
    is never in the past and falls in its quota's year): any day works.
    """
    tomorrow = pretended_now().replace(microsecond=0) + dt.timedelta(days=1)
    arrival, year = tomorrow.isoformat().replace("+00:00", "Z"), str(tomorrow.year)
    tmp = tmp_path_factory.mktemp("reveal")
    items = [
        {"uid": f"M-{n}", "category": "icbm-launcher", "status": "deployed", "facility": "Minot",
         "warheads": 1}
        for n in range(2)
    ]  # fmt: skip
    source = tmp / "items.json"
    source.write_text(json.dumps({"party": "USA", "as_of": "2015-06-20", "items": items}))
    usa_key, rus_key = str(_key(strict, "USA.key")), str(_key(strict, "RUS.key"))
    seal = str(_key(strict, "USA.x25519.pub"))
    decl = _cli(strict, "usa-office", "submit", "new-start", str(source), "--key", usa_key,
                "--seal-to", seal)  # fmt: skip
    made = _cli(strict, "rus-office", "inspect", "request", "new-start", "--inspected", "USA",
                "--type", "type-one", "--site", "Minot", "--recording-history", "--year", year,
                "--key", rus_key)  # fmt: skip
    ident = str(made["id"])
    _cli(strict, "rus-office", "inspect", "schedule", ident, "--arrival", arrival,
         "--key", rus_key)  # fmt: skip
    _cli(strict, "usa-office", "inspect", "start", ident, "--key", usa_key)
    return {"inspection": made["id"], "declaration": decl["id"], "tmp": tmp}


def _reveal_file(strict: dict[str, Any], case: dict[str, Any], key: str) -> Path:
    """USA's client writes the signed reveal of the inspected site, signed with ``key``."""
    out = Path(case["tmp"]) / f"reveal-{case['inspection']}-{key}.signed.json"
    _cli(strict, "usa-office", "inspect", "reveal", str(case["inspection"]),
         "--declaration", str(case["declaration"]),
         "--decrypt-key", str(_key(strict, "USA.x25519.key")),
         "--key", str(_key(strict, key)), "--out", str(out))  # fmt: skip
    return out


def _upload_reveal(page: Any, inspection: int, path: Path) -> Any:
    form = page.locator(f"#reveal-form-{inspection}")
    result = page.locator(f"#reveal-result-{inspection} .notice")
    earlier = result.element_handle() if result.count() else None
    form.get_by_label(f"Signed reveal file for inspection #{inspection}").set_input_files(str(path))
    form.get_by_role("button", name="Check and reveal").click()
    if earlier is not None:
        earlier.wait_for_element_state("hidden")
    result.wait_for()
    return result


def test_the_inspected_party_reveals_the_site_with_the_file_its_client_signed(
    pg: Any, strict: dict[str, Any], inspected: dict[str, Any]
) -> None:
    signed = _reveal_file(strict, inspected, "USA.key")
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/inspections")
    inspection = inspected["inspection"]
    assert "within 5 minutes" in pg.locator(f"#reveal-time-{inspection}").inner_text()
    pg.sent.clear()
    result = _upload_reveal(pg, inspection, signed)
    assert "signed-ok" in (result.get_attribute("class") or ""), result.inner_text()
    assert "signed in your party's client" in result.inner_text()
    assert "proven complete" in result.inner_text()
    for name in ("USA.key", "USA.x25519.key"):  # the file carries no key, and none was sent
        assert _secret(_key(strict, name)) not in signed.read_text()
        _no_key_sent(pg, _key(strict, name))
    size = _log_size(pg, strict, "usa-office")
    entry = _verify_offline(
        _entry(pg, strict, "observer", size - 1), "USA", _key(strict, "USA.pub")
    )
    assert entry.kind == "items-revealed" and entry.body["inspection"] == inspection
    assert entry.body["declaration"] == inspected["declaration"]
    assert "Minot" not in json.dumps(entry.body)  # the site stays between the two parties
    # RUS, the inspecting party, is not offered the form: the reveal is USA's to make.
    _sign_in(pg, strict, "rus-office")
    pg.goto(strict["url"] + "/inspections")
    assert pg.locator(f"#reveal-form-{inspection}").count() == 0


def test_a_reveal_signed_by_another_partys_key_or_tampered_is_refused_beside_the_form(
    pg: Any, strict: dict[str, Any], inspected: dict[str, Any]
) -> None:
    inspection = inspected["inspection"]
    _sign_in(pg, strict, "usa-office")
    pg.goto(strict["url"] + "/inspections")
    before = _log_size(pg, strict, "usa-office")
    result = _upload_reveal(pg, inspection, _reveal_file(strict, inspected, "RUS.key"))
    assert result.get_attribute("data-status") == "403"
    text = result.inner_text()
    assert "not signed with a key registered for USA" in text
    assert "nothing was stored or logged" in text and "within 5 minutes" in text
    assert _log_size(pg, strict, "usa-office") == before
    # One revealed item changed after signing: it no longer opens USA's logged commitment.
    honest = _reveal_file(strict, inspected, "USA.key")
    doc = json.loads(honest.read_text())
    doc["body"]["reveal"]["items"][0]["item"]["warheads"] = 3
    tampered = Path(inspected["tmp"]) / "tampered-reveal.signed.json"
    tampered.write_text(json.dumps(doc))
    result = _upload_reveal(pg, inspection, tampered)
    assert result.get_attribute("data-status") == "422", result.inner_text()
    assert "does not verify" in result.inner_text()
    assert _log_size(pg, strict, "usa-office") == before


@pytest.mark.parametrize("width", (1280, 390))
def test_the_reveal_upload_passes_axe_with_no_console_error_at_both_widths(
    browser: Any, strict: dict[str, Any], inspected: dict[str, Any], width: int
) -> None:
    """The inspected party's page with the reveal form, then with a refusal beside it."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is missing (pip install -e '.[dev]')", pytrace=False)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    problems: dict[str, Any] = {}

    def audit(name: str) -> None:
        found = Axe().run(page).response["violations"]
        problems[name] = [(v["id"], [n["target"][0] for n in v["nodes"]][:5]) for v in found]

    _sign_in(page, strict, "usa-office")
    page.goto(strict["url"] + "/inspections")
    assert page.locator(f"#reveal-form-{inspected['inspection']}").count() == 1
    audit("inspections with the reveal form")
    bad = Path(inspected["tmp"]) / "not-a-reveal.json"
    bad.write_text('{"format": "armsctl/signed-request/v1", "kind": "reveal"}')
    _upload_reveal(page, inspected["inspection"], bad)
    audit("inspections with a refused reveal")
    if width == 390:  # nothing wider than the screen: the command wraps
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
    context.close()
    errors = [e for e in errors if "status of 422" not in e]
    assert {k: v for k, v in problems.items() if v} == {} and errors == []


@pytest.mark.parametrize("width", (1280, 390))
def test_the_signing_forms_pass_axe_with_no_console_error_at_both_widths(
    browser: Any, strict: dict[str, Any], width: int
) -> None:
    """Every authoring form (and a refusal beside one), as the party that sees each of them."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is missing (pip install -e '.[dev]')", pytrace=False)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    problems: dict[str, Any] = {}

    def audit(name: str) -> None:
        found = Axe().run(page).response["violations"]
        problems[name] = [(v["id"], [n["target"][0] for n in v["nodes"]][:5]) for v in found]

    _sign_in(page, strict, "rus-office")  # RUS schedules the demo's inspection: a step form
    page.goto(strict["url"] + "/declarations")
    assert page.locator("#declare-form").count() == 1
    audit("declarations")
    page.goto(strict["url"] + "/inspections")
    assert page.locator(".step-form").count() >= 1 and page.locator("#request-form").count() == 1
    audit("inspections")
    page.goto(strict["url"] + "/notifications")
    page.locator("#send-form").get_by_role("button", name="Sign and send").click()
    page.locator("#send-result .signed-errors").wait_for()  # unsigned: refused beside the form
    audit("notifications with a refusal")
    context.close()
    # The refusal is a 4xx answer: the browser logs its status, which is not a script error.
    errors = [e for e in errors if "status of 422" not in e]
    assert {k: v for k, v in problems.items() if v} == {} and errors == []
