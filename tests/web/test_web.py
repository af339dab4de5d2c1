"""The web shell without a browser: sessions, cookie flags, CSRF, role filtering, uploads."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its test client; httpx works and is what we ship.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.errors import Problem
from armsctl.ledger.bundle import TrustPolicy, verify_bundle
from armsctl.web.pages_declarations import annotate_lines
from armsctl.web.session import SessionStore, same_token


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from armsctl.server import create_app
    from armsctl.settings import Settings
    from armsctl.web.demo import seed_demo

    work = tmp_path_factory.mktemp("web")
    # As the demo server runs: signatures not required, so plain files upload unsigned.
    settings = Settings(database_url=f"sqlite:///{work / 'web.db'}", require_party_signatures=False)
    result = seed_demo(settings, work, items=60)
    app = create_app(settings)
    yield {"app": app, "tokens": result["tokens"], "result": result, "work": work}
    app.state.armsctl.db.dispose()


def _client(seeded: dict[str, Any], user: str | None = None) -> TestClient:
    client = TestClient(seeded["app"])
    if user is not None:
        page = client.get("/signin")
        pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert pre is not None
        r = client.post(
            "/signin",
            data={"token": seeded["tokens"][user], "csrf_token": pre.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    return client


def _csrf(client: TestClient, path: str = "/overview") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def test_session_cookie_is_httponly_samesite_strict_and_opaque(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    page = client.get("/signin")
    pre = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert pre is not None
    r = client.post(
        "/signin",
        data={"token": seeded["tokens"]["observer"], "csrf_token": pre.group(1)},
        follow_redirects=False,
    )
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("armsctl_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert seeded["tokens"]["observer"] not in cookie
    assert "Secure" not in cookie  # plain http on localhost; Secure is set over https


def test_signin_without_the_double_submit_token_is_refused(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    r = client.post("/signin", data={"token": seeded["tokens"]["observer"], "csrf_token": "x"})
    assert r.status_code == 400
    assert "armsctl_session" not in r.headers.get("set-cookie", "")


def test_wrong_token_is_a_401_page(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert pre is not None
    r = client.post("/signin", data={"token": "armsctl_nope", "csrf_token": pre.group(1)})
    assert r.status_code == 401 and "wrong, expired or revoked" in r.text


def test_every_form_post_needs_the_session_csrf_token(seeded: dict[str, Any]) -> None:
    client = _client(seeded, "usa-office")
    assert client.post("/signout", follow_redirects=False).status_code == 400
    assert client.post("/signout", data={"csrf_token": "forged"}).status_code == 400
    r = client.post(
        "/notifications/2/acknowledge", data={"csrf_token": "forged"}, follow_redirects=False
    )
    assert r.status_code == 400
    r = client.post("/signout", data={"csrf_token": _csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_csrf_header_is_accepted_for_htmx(seeded: dict[str, Any]) -> None:
    client = _client(seeded, "operator")
    token = _csrf(client, "/log")
    r = client.post("/log/checkpoint", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303


def test_pages_need_a_session_and_redirect_to_signin(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    for path in ("/overview", "/declarations", "/log", "/notifications"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    assert client.get("/public").status_code == 200


def test_signin_next_is_never_an_open_redirect(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    pre = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert pre is not None
    r = client.post(
        "/signin",
        data={
            "token": seeded["tokens"]["observer"],
            "csrf_token": pre.group(1),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/overview"


def test_security_headers_forbid_inline_script_and_framing(seeded: dict[str, Any]) -> None:
    r = TestClient(seeded["app"]).get("/public")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert "<script>" not in r.text  # every script is a file served from the package


def test_navigation_follows_the_role_table(seeded: dict[str, Any]) -> None:
    observer = _client(seeded, "observer").get("/overview").text
    party = _client(seeded, "usa-office").get("/overview").text
    assert 'href="/notifications"' not in observer
    assert 'href="/notifications"' in party
    assert "Upload a declaration" not in _client(seeded, "observer").get("/declarations").text
    assert "Upload a declaration" in _client(seeded, "usa-office").get("/declarations").text


def test_refusals_are_403_pages_with_the_reason(seeded: dict[str, Any]) -> None:
    r = _client(seeded, "observer").get("/notifications")
    assert r.status_code == 403
    assert "the observer role may not notification.read" in r.text


def _item_declarations(client: TestClient) -> list[int]:
    text = client.get("/declarations?party=USA").text
    rows = re.findall(r'<a href="/declarations/(\d+)">[^<]+</a></td><td>items</td>', text)
    return [int(r) for r in rows]


@pytest.mark.parametrize("user", ["observer", "operator", "inspector-1", "rus-office"])
def test_only_the_declaring_party_sees_items(seeded: dict[str, Any], user: str) -> None:
    client = _client(seeded, user)
    ids = _item_declarations(client)
    assert len(ids) == 2
    for path in (f"/declarations/{ids[0]}", f"/declarations/diff?a={ids[0]}&b={ids[1]}"):
        body = client.get(path).text
        assert "item-row" not in body and not re.search(r"\bsalt\b", body)
        assert not re.search(r">U\d+<", body)
    owner = _client(seeded, "usa-office")
    # The demo's items are sealed to USA: the owner is told to decrypt them in its client.
    mine = owner.get(f"/declarations/{ids[0]}").text
    assert "sealed to USA" in mine and f"armsctl client items {ids[0]}" in mine


def test_public_proofs_only_for_released_entries(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    public = client.get("/public").text
    index = int(re.findall(r'class="js-verify" data-index="(\d+)"', public)[-1])
    bundle = client.get(f"/public/proof/{index}").json()
    assert bundle["type"] == "armsctl/proof-bundle/v1"
    assert bundle["checkpoint"].startswith("armsctl.local/log\n")
    assert "log_key" not in bundle  # the verifier brings its own key
    trust = TrustPolicy(seeded["app"].state.armsctl.db.signer.verifier())
    assert verify_bundle(bundle, trust=trust).index == index
    # A notification entry is metadata between parties, not released data.
    log = _client(seeded, "operator").get("/log").text
    note_index = re.search(r'<td class="n">(\d+)</td><td>notification</td>', log)
    assert note_index is not None
    assert client.get(f"/public/proof/{note_index.group(1)}").status_code == 404


def test_every_page_and_the_api_hand_out_the_same_bundle(seeded: dict[str, Any]) -> None:
    public = TestClient(seeded["app"])
    index = int(re.findall(r'class="js-verify" data-index="(\d+)"', public.get("/public").text)[-1])
    from_web = _client(seeded, "operator").get(f"/log/proof/{index}").json()
    from_portal = public.get(f"/public/proof/{index}").json()
    from_api = public.get(f"/api/v1/log/entries/{index}/proof").json()  # no token
    assert from_web == from_portal == from_api
    size = from_api["size"]
    with_consistency = public.get(f"/public/proof/{index}?from_size={index + 1}").json()
    assert with_consistency["consistency"]["old_size"] == index + 1
    trust = TrustPolicy(seeded["app"].state.armsctl.db.signer.verifier())
    verify_bundle(with_consistency, trust=trust)
    assert public.get(f"/public/proof/{index}?from_size={size + 1}").status_code == 422


def test_pages_offer_the_log_key_as_their_trust_policy(seeded: dict[str, Any]) -> None:
    page = TestClient(seeded["app"]).get("/public").text
    offered = re.search(r"data-trust='([^']*)'", page)
    assert offered is not None
    key = str(seeded["app"].state.armsctl.db.signer.verifier())
    assert json.loads(html.unescape(offered.group(1))) == {
        "log_key": key,
        "witnesses": [],
        "quorum": 0,
    }


def test_public_downloads(seeded: dict[str, Any]) -> None:
    client = TestClient(seeded["app"])
    csv_text = client.get("/public/new-start.csv").text
    assert csv_text.startswith("treaty,party,as_of,kind,status,measure,value,log_index")
    assert "deployed-warheads" in csv_text
    data = client.get("/public/new-start.json").json()
    assert data["treaty"] == "new-start" and data["log"]["checkpoint"]
    assert client.get("/public/nope.json").status_code == 404


def test_upload_error_names_the_line(seeded: dict[str, Any]) -> None:
    client = _client(seeded, "rus-office")
    token = _csrf(client, "/declarations")
    bad = "party,as_of,measure,value\nRUS,2025-03-01,deployed-warheads,-3\n"
    r = client.post(
        "/declarations/upload",
        data={"csrf_token": token, "treaty": "new-start"},
        files={"file": ("rus.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "rus.csv:line 2" in r.text and "value: -3 is negative" in r.text
    assert 'id="line-2" class="bad"' in r.text


def test_party_cannot_upload_for_another_party(seeded: dict[str, Any]) -> None:
    client = _client(seeded, "rus-office")
    token = _csrf(client, "/declarations")
    other = "party,as_of,measure,value\nUSA,2026-03-01,deployed-warheads,10\n"
    r = client.post(
        "/declarations/upload",
        data={"csrf_token": token, "treaty": "new-start"},
        files={"file": ("usa.csv", other.encode(), "text/csv")},
    )
    assert r.status_code == 403 and "only its own party" in r.text


def test_annotate_lines_keeps_context_around_each_problem() -> None:
    text = "\n".join(f"l{i}" for i in range(1, 101))
    lines = annotate_lines(text, [Problem("f", "line 60", "bad"), Problem("f", "record 2", "x")])
    numbers = [x["n"] for x in lines if "n" in x]
    assert numbers[:20] == list(range(1, 21)) and {58, 59, 60, 61, 62} <= set(numbers)
    assert next(x for x in lines if x.get("n") == 60)["problems"] == ["bad"]
    assert any(x.get("gap") for x in lines)


def test_session_store_expires_and_forgets() -> None:
    from armsctl.ledger.note import SignerKey
    from armsctl.service import Database
    from armsctl.store.schema import upgrade

    db = Database("sqlite://", SignerKey.generate("armsctl.local/log", seed=bytes(32)))
    upgrade(db.engine)
    store = SessionStore(db, lifetime=dt.timedelta(minutes=5))
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    counter = iter(range(1000))

    def rng(n: int) -> bytes:
        return bytes([next(counter) % 256]) * n

    sid, session = store.create("tok", at=t0, rng=rng)
    assert store.get(sid, at=t0 + dt.timedelta(minutes=4)) == session
    assert store.get(sid, at=t0 + dt.timedelta(minutes=6)) is None
    sid2, _ = store.create("tok", at=t0, rng=rng)
    store.end(sid2)
    assert store.get(sid2, at=t0) is None
    assert store.get("x" * 500, at=t0) is None


def test_same_token_is_strict() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abc", "abd") and not same_token("abc", None) and not same_token("", "")


def test_seed_demo_cli(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from armsctl.cli import web

    app = typer.Typer()
    web.register(app)
    db = tmp_path / "demo.db"
    r = CliRunner().invoke(
        app, ["web", "seed-demo", "--db", str(db), "--workdir", str(tmp_path), "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    assert "usa-office" in r.output and (tmp_path / "tokens.txt").stat().st_mode & 0o777 == 0o600
    again = CliRunner().invoke(
        app, ["web", "seed-demo", "--db", str(db), "--workdir", str(tmp_path)]
    )
    assert again.exit_code == 2 and "exists" in again.output


def test_after_the_demo_the_raw_database_file_holds_no_item_in_clear(
    seeded: dict[str, Any],
) -> None:
    import pyarrow.parquet as pq

    work = seeded["work"]
    items = pq.read_table(work / "usa-items.parquet").to_pylist()
    raw = b"".join(p.read_bytes() for p in work.glob("web.db*") if p.is_file())
    # No item record is stored in clear, nor a notification body (sealed to its parties,
    # though one names an item: a movement of U12), nor the inspected site.
    named = set(re.findall(rb'"uid": ?"(U\d+)"', raw))
    assert not named, named
    for body_value in (
        rb'"from_facility": ?"F1"',
        rb'"uid": ?"R[79]"',
        rb'"procedure": ?"elimination"',
        rb'"event_time": ?"',
    ):
        assert not re.search(body_value, raw), body_value
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{work / 'web.db'}")
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT site FROM inspections")).scalars()) == {""}
        assert set(conn.execute(text("SELECT body FROM notifications")).scalars()) == {"{}"}
    engine.dispose()
    assert not re.search(rb'"facility": ?"', raw)
    assert not re.search(rb'"warheads": ?\d', raw)
    assert len(items) == 120 and all(item["uid"].startswith("U") for item in items)
    # The owner reads them back with its own key, and only with it.
    from armsctl.ledger.sealing import SealingKey, open_rows

    key = SealingKey.parse((work / "keys" / "USA.x25519.key").read_text())
    client = _client(seeded, "usa-office")
    decls = client.get(
        "/api/v1/treaties/new-start/declarations?party=USA&limit=500",
        headers={"Authorization": f"Bearer {seeded['tokens']['usa-office']}"},
    ).json()["results"]
    sealed_decl = next(d for d in decls if d["kind"] == "items")
    rows = client.get(
        f"/api/v1/declarations/{sealed_decl['id']}/items?limit=500",
        headers={"Authorization": f"Bearer {seeded['tokens']['usa-office']}"},
    ).json()["results"]
    sealed = {
        **rows[0]["sealed"],
        "rows": [{"index": r["index"], "ciphertext": r["ciphertext"]} for r in rows],
    }
    context = {"party": "USA", "treaty": "new-start", "date": sealed_decl["commitment"]["date"]}
    opened = open_rows(sealed, key=key, **context)
    assert {r["item"]["uid"] for r in opened} == {
        i["uid"] for i in items if i["as_of"].isoformat() == context["date"]
    }


def test_a_diff_reads_forward_in_time_whichever_order_the_link_gives(
    seeded: dict[str, Any],
) -> None:
    client = _client(seeded, "usa-office")
    ids = _item_declarations(client)
    heads = []
    for a, b in ((ids[0], ids[1]), (ids[1], ids[0])):
        page = client.get(f"/declarations/diff?a={a}&b={b}").text
        head = re.search(r"<h1>[^<]*?(\d{4}-\d\d-\d\d) → (\d{4}-\d\d-\d\d)</h1>", page)
        assert head, page[:2000]
        assert head.group(1) < head.group(2)
        heads.append(head.groups())
    assert heads[0] == heads[1]


def _declared(seeded: dict[str, Any]) -> tuple[int, int]:
    from armsctl.service import Listing, declarations

    db = seeded["app"].state.armsctl.db
    with db.engine.connect() as conn:
        size = db.ledger.size(conn)
    return declarations.list_declarations(db, Listing("new-start", limit=1)).total, size


def _upload(client: TestClient, name: str, text: str, **headers: str) -> Any:
    return client.post(
        "/declarations/upload",
        data={"csrf_token": _csrf(client, "/declarations"), "treaty": "new-start"},
        files={"file": (name, text.encode(), "text/csv")},
        headers=headers,
    )


def test_an_upload_whose_second_date_is_declared_stores_and_logs_nothing(
    seeded: dict[str, Any],
) -> None:
    client = _client(seeded, "rus-office")
    before = _declared(seeded)
    # 2021-09-01 is in the bundled public record the demo seeded; 2011-03-15 is not.
    text = (
        "party,as_of,measure,value\n"
        "RUS,2011-03-15,deployed-warheads,1500\n"
        "RUS,2021-09-01,deployed-warheads,1400\n"
    )
    r = _upload(client, "two.csv", text, **{"HX-Request": "true"})
    assert r.status_code == 409
    assert "RUS already declared as of 2021-09-01" in r.text and 'id="upload-errors"' in r.text
    assert "Nothing in it was stored or logged" in r.text
    assert _declared(seeded) == before


def test_an_upload_after_the_treaty_expired_is_refused_with_the_rule(
    seeded: dict[str, Any],
) -> None:
    client = _client(seeded, "rus-office")
    before = _declared(seeded)
    text = "party,as_of,measure,value\nRUS,2026-03-01,deployed-warheads,1500\n"
    r = _upload(client, "late.csv", text, **{"HX-Request": "true"})
    assert r.status_code == 422
    assert "expired after its extension on 2026-02-05" in html.unescape(r.text)
    assert _declared(seeded) == before


def test_an_item_upload_is_committed_from_the_clis_reader(seeded: dict[str, Any]) -> None:
    from armsctl.service import Listing, declarations

    client = _client(seeded, "rus-office")
    text = (
        "party,as_of,uid,category,status,facility,warheads\n"
        "RUS,2012-03-15,R-1,icbm-launcher,deployed,F1,1\n"
        "RUS,2012-03-15,R-2,icbm-launcher,deployed,F1,\n"
        "RUS,2012-04-15,R-1,icbm-launcher,deployed,F1,1\n"
    )
    r = _upload(client, "items.csv", text)
    assert r.status_code == 201, r.text
    db = seeded["app"].state.armsctl.db
    rows = declarations.list_declarations(db, Listing("new-start", party="RUS", limit=500)).results
    mine = {d.as_of: d for d in rows if d.note == "uploaded from items.csv"}
    assert sorted(mine) == ["2012-03-15", "2012-04-15"]
    assert mine["2012-03-15"].commitment["size"] == 2


def test_the_demo_proof_is_labelled_synthetic_and_its_log_entry_is_proven_to_anyone(
    seeded: dict[str, Any],
) -> None:
    from armsctl.zk.demo import DEMO_NOTE

    client = _client(seeded)
    page = client.get("/public?treaty=new-start").text
    assert DEMO_NOTE in page
    proof = client.get(f"/public/zk/{seeded['result']['zk_proof']}").json()
    assert proof["note"] == DEMO_NOTE
    bundle = client.get(f"/public/proof/{proof['log_index']}")
    assert bundle.status_code == 200, bundle.text
    entry = json.loads(__import__("base64").b64decode(bundle.json()["entry"]))
    assert entry["kind"] == "zk-range-proof" and entry["body"]["note"] == DEMO_NOTE
    assert entry["party"] == "RUS"


def test_an_unsigned_web_acknowledgement_is_refused_where_signatures_are_required(
    seeded: dict[str, Any],
) -> None:
    from armsctl.server import create_app
    from armsctl.settings import Settings

    strict = create_app(
        Settings(
            database_url=f"sqlite:///{seeded['work'] / 'web.db'}", require_party_signatures=True
        )
    )
    try:
        client = _client({**seeded, "app": strict}, "rus-office")
        csrf = _csrf(client, "/notifications")
        note = seeded["result"]["notifications"][3]  # USA's broadcast, RUS has not acknowledged
        refused = client.post(
            f"/notifications/{note}/acknowledge",
            data={"csrf_token": csrf, "signed_entry": ""},
            follow_redirects=False,
        )
        assert refused.status_code == 422, refused.text[:500]
        assert "party-signed" in refused.text
        page = client.get("/notifications").text
        assert "Sign as RUS" in page and "/static/sign-entry.mjs" in page
    finally:
        strict.state.armsctl.db.dispose()
