"""Signed uploads and sealed records, tried the way an adversary would.

Each test states a property the signed request uploads, the browser-signed forms and the
sealed records must have. The ones marked ``xfail(strict=True)`` show a flaw the code has
today (the reason says which); they pass, and so fail the suite, once it is fixed, and the
marker is then removed. The others pin a property that holds.

Threats: a user of one party acting for another; a request changed between signing and
upload; a signed entry sent again; malformed bytes where a signature is expected; a reader of
the database file (the operator) who learns sizes, or who moves sealed records between rows.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import (
    LOG_KEY,
    NOW,
    PARTY_KEYS,
    SEALING_KEYS,
    World,
    build_world,
    counter_rng,
    fresh_database,
    items,
)

from armsctl.access.authz import allow_for
from armsctl.cli.app import build_app
from armsctl.errors import AccessDenied, InputError
from armsctl.ledger.escrow import commit_items, reveal_items
from armsctl.ledger.sealing import facility_salts_floor
from armsctl.server import create_app
from armsctl.service import Database, declarations, notifications
from armsctl.service._base import LOCAL, ConflictError, allow_all
from armsctl.service.accounts import authenticate
from armsctl.service.entries import declaration_entry, notification_entry
from armsctl.service.signed_requests import (
    FORMAT,
    parse_signed_request,
    submit_signed_request,
)
from armsctl.settings import Settings
from armsctl.store.models import Inspection
from armsctl.treaty.loader import load_treaty

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its test client; httpx works and is what we ship.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SERVER = "http://testserver"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('security') / 'store.db'}"
    db = fresh_database(url)
    world = build_world(db)
    app = create_app(
        Settings(database_url=url, require_party_signatures=True),
        signer=LOG_KEY,
        clock=lambda: NOW,
        migrate=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield world, client
    app.state.armsctl.db.dispose()
    db.dispose()


def _log_size(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(db.ledger.size(conn))


def _signed_aggregate(code: str, as_of: str, figures: dict[str, int]) -> dict[str, Any]:
    """A signed request file (``client submit --key K --out FILE``) of an aggregate declaration."""
    entry = declaration_entry(
        treaty="new-start", party=code, as_of=dt.date.fromisoformat(as_of), figures=figures, at=NOW
    ).seal_b64(PARTY_KEYS[code])
    body = {"party": code, "as_of": as_of, "figures": figures, "signed_entry": entry}
    return {"format": FORMAT, "treaty": "new-start", "kind": "aggregate", "body": body}


def _submit_file(world: World, user: str, doc: dict[str, Any]) -> declarations.DeclarationPublic:
    actor = authenticate(world.db, world.tokens[user], at=NOW)
    parsed = parse_signed_request(json.dumps(doc).encode(), treaty="new-start", name="x.json")
    return submit_signed_request(
        world.db,
        actor,
        parsed,
        allow=allow_for(actor, "declaration.submit"),
        rng=os.urandom,
        at=NOW,
        note="uploaded",
        require_signature=True,
    )


# --- Who may submit what: holds ----------------------------------------------------------------


def test_a_party_cannot_upload_another_partys_signed_request(
    served: tuple[World, TestClient],
) -> None:
    """USA's user holding a request RUS signed for RUS is refused (the party is not its own)."""
    world, _ = served
    size = _log_size(world.db)
    with pytest.raises(AccessDenied):
        _submit_file(world, "usa", _signed_aggregate("RUS", "2025-10-01", {"deployed-warheads": 1}))
    # Signed by RUS, naming no party: the request is then USA's, and RUS's entry does not match.
    doc = _signed_aggregate("RUS", "2025-10-01", {"deployed-warheads": 1})
    del doc["body"]["party"]
    with pytest.raises(InputError, match="party"):
        _submit_file(world, "usa", doc)
    assert _log_size(world.db) == size


def test_a_signed_notification_sent_twice_is_logged_once(served: tuple[World, TestClient]) -> None:
    world, _ = served
    actor = authenticate(world.db, world.tokens["usa"], at=NOW)
    body, salt = {"text": "once"}, bytes(range(32))
    entry = notification_entry(
        treaty="new-start",
        sender="USA",
        recipient="RUS",
        kind="status-change",
        body=body,
        salt=salt,
        at=NOW,
    ).seal_b64(PARTY_KEYS["USA"])

    def send() -> notifications.NotificationPublic:
        return notifications.submit_notification(
            world.db,
            actor,
            treaty="new-start",
            sender="USA",
            recipient="RUS",
            kind="status-change",
            body=body,
            allow=allow_for(actor, "notification.submit"),
            at=NOW,
            body_salt=salt.hex(),
            signed_entry=entry,
            require_signature=True,
        )

    send()
    size = _log_size(world.db)
    with pytest.raises(ConflictError, match="already in the log"):
        send()
    assert _log_size(world.db) == size


# --- Malformed signatures: a 4xx, never a 500 ------------------------------------------------


_HUGE = b'{"body":{"x":' + b"9" * 5000 + b'},"key":"a","kind":"k","party":"p","sig":"s",'
_HUGE += b'"time":"t","treaty":"t"}'


def test_a_signed_entry_holding_a_huge_integer_is_refused_with_a_4xx(
    served: tuple[World, TestClient],
) -> None:
    world, client = served
    size = _log_size(world.db)
    signed = base64.b64encode(_HUGE).decode()
    body = {
        "party": "USA",
        "as_of": "2025-10-05",
        "figures": {"deployed-warheads": 1},
        "signed_entry": signed,
    }
    r = client.post("/api/v1/treaties/new-start/declarations", json=body, headers=world.auth("usa"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "signed_entry"
    with pytest.raises(InputError):
        _submit_file(
            world,
            "usa",
            {"format": FORMAT, "treaty": "new-start", "kind": "aggregate", "body": body},
        )
    assert _log_size(world.db) == size


def _signed_in(served: tuple[World, TestClient], user: str) -> tuple[TestClient, str]:
    """A browser session of ``user`` and a CSRF token for its forms."""
    world, client = served
    app = client.app
    browser = TestClient(app, raise_server_exceptions=False)
    found = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/signin").text)
    assert found is not None
    browser.post("/signin", data={"token": world.tokens[user], "csrf_token": found.group(1)})
    page = browser.get("/notifications?treaty=new-start").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return browser, found.group(1)


def test_deeply_nested_json_in_a_signed_upload_or_a_form_is_refused_with_a_4xx(
    served: tuple[World, TestClient],
) -> None:
    world, _ = served
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError):
        parse_signed_request(
            f'{{"format": "{FORMAT}", "body": {deep}}}'.encode(), treaty="new-start", name="x.json"
        )
    browser, csrf = _signed_in(served, "usa")
    size = _log_size(world.db)
    form = {
        "csrf_token": csrf,
        "treaty": "new-start",
        "kind": load_treaty("new-start").notifications[0].id,
        "recipient": "RUS",
        "body": "[" * 5000 + "]" * 5000,
    }
    r = browser.post("/notifications/send", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 422, r.text[:200]
    assert _log_size(world.db) == size


# --- What is stored is what was signed ---------------------------------------------------------


def test_a_signed_request_whose_note_was_changed_is_refused(
    served: tuple[World, TestClient],
) -> None:
    world, client = served
    doc = _signed_aggregate("USA", "2025-10-02", {"deployed-warheads": 2})
    doc["body"]["note"] = "WITHDRAWN: superseded by RUS's figures"
    size = _log_size(world.db)
    try:
        _submit_file(world, "usa", doc)
    except InputError:
        assert _log_size(world.db) == size
        return
    shown = client.get("/api/v1/treaties/new-start/declarations", headers=world.auth("obs"))
    notes = [d["note"] for d in shown.json()["results"]]
    pytest.fail(f"stored and served to an observer with the unsigned note: {notes}")


def test_sealed_items_whose_components_were_changed_after_signing_are_refused(
    served: tuple[World, TestClient],
) -> None:
    world, _ = served
    as_of = dt.date(2025, 10, 3)
    request = declarations.seal_items(
        PARTY_KEYS["USA"],
        SEALING_KEYS["USA"].public(),
        declarations.ClientItems(
            treaty=load_treaty("new-start"),
            party="USA",
            as_of=as_of,
            items=items("USA", "USA-base-9", 3, "NEW"),
            at=NOW,
        ),
        rng=counter_rng(99),
    )
    changed = copy.deepcopy(request)
    changed["components"]["icbm-launcher/non-deployed/warheads"] = 7
    size = _log_size(world.db)
    with pytest.raises(InputError):
        declarations.submit_sealed_items(
            world.db,
            LOCAL,
            treaty="new-start",
            party="USA",
            as_of=as_of,
            allow=allow_all,
            at=NOW,
            require_signature=True,
            **changed,
        )
    assert _log_size(world.db) == size


# --- What a reader of the database file learns -------------------------------------------------


def _sealed_reveal_size(db: Database, at_site: int, total: int) -> int:
    """Bytes of the ciphertext the store keeps for a reveal of a site of ``at_site`` items.

    Sealed by ``inspections._seal_reveal`` (``entries.seal_at_rest``: ``{"value", "salt"}``
    to both parties), out of a declaration of ``total`` items (a public count).
    """
    from types import SimpleNamespace

    from sqlalchemy import select

    from armsctl.service.inspections import _seal_reveal
    from armsctl.store.models import Party

    records = items("RUS", "RUS-site", at_site, "A") + items(
        "RUS", "RUS-other", total - at_site, "B"
    )
    made = commit_items(records, party="RUS", date="2025-09-01", treaty="new-start", rng=os.urandom)
    with db.engine.connect() as conn, Session(conn) as session:
        ids = {p.code: p.id for p in session.scalars(select(Party))}
        row = SimpleNamespace(
            id=1,
            treaty_id="new-start",
            inspecting_party_id=ids["USA"],
            inspected_party_id=ids["RUS"],
        )
        stored = _seal_reveal(
            session,
            row,  # type: ignore[arg-type]
            SimpleNamespace(id=1),  # type: ignore[arg-type]
            reveal_items(made.opening, facility="RUS-site"),
            os.urandom,
        )
    return len(base64.b64decode(stored["sealed"]["ciphertext"]))


def test_a_stored_reveal_is_as_long_whatever_the_sites_item_count(
    served: tuple[World, TestClient],
) -> None:
    world, _ = served
    sizes = {n: _sealed_reveal_size(world.db, n, 40) for n in (1, 3, 8, 40)}
    assert len(set(sizes.values())) == 1, sizes


def test_sealed_facility_salts_are_as_long_whatever_the_number_of_facilities() -> None:
    """The facility tree's public size is the bucket; the sealed salts say no more than it."""
    from armsctl.ledger.sealing import open_private, seal_rows

    def private_size(facilities: int) -> int:
        records = [
            r for n in range(facilities) for r in items("RUS", f"RUS-facility-{n:02}", 1, f"F{n}")
        ]
        made = commit_items(
            records, party="RUS", date="2025-09-01", treaty="new-start", rng=os.urandom
        )
        assert made.public["facilities"]["size"] == 16
        sealed = seal_rows(
            made.opening["items"],
            to=SEALING_KEYS["RUS"].public(),
            party="RUS",
            treaty="new-start",
            date="2025-09-01",
            rng=os.urandom,
            private={
                "facilities": made.opening["facilities"],
                "pad_salt": made.opening["pad_salt"],
            },
            private_floor=facility_salts_floor(made.public),
        )
        opened = open_private(
            sealed, key=SEALING_KEYS["RUS"], party="RUS", treaty="new-start", date="2025-09-01"
        )
        assert opened["facilities"] == made.opening["facilities"]
        return len(base64.b64decode(sealed["private"]))

    assert len({private_size(n) for n in (9, 12, 16)}) == 1


# --- A reader checks what it opens against the log, not against the server's view -------------


def _show(
    served: tuple[World, TestClient],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    iid: int,
    *extra: str,
) -> tuple[int, str]:
    world, client = served

    def request(method: str, url: str, **kw: Any) -> httpx.Response:
        kw.pop("timeout", None)  # transport options: the test client has its own
        kw.pop("verify", None)
        response: httpx.Response = client.request(method, url, **kw)
        return response

    key = tmp_path / "USA.x25519.key"
    key.write_text(str(SEALING_KEYS["USA"]), encoding="utf-8")
    monkeypatch.setattr(httpx, "request", request)
    result = CliRunner().invoke(
        build_app(),
        ["client", "inspect", "show", str(iid), "--decrypt-key", str(key),
         "--server", SERVER, "--token", world.tokens["usa"], *extra],
    )  # fmt: skip
    return result.exit_code, result.output


def _logged_site_commitment(world: World) -> str:
    """The site commitment of USA's one party-signed ``inspection-requested`` entry."""
    from armsctl.ledger.envelope import open_entry

    db = world.db
    with db.engine.connect() as conn:
        entries = [open_entry(db.ledger.entry(conn, i)) for i in range(db.ledger.size(conn))]
    found = [
        str(e.body["site_commitment"])
        for e in entries
        if e.kind == "inspection-requested" and e.party == "USA"
    ]
    assert len(found) == 1, found
    return found[0]


def _swap_sites(world: World, one: int, two: int) -> None:
    """What whoever can write the database file (the operator) may do: swap two sealed sites."""
    with world.db.write() as (session, _conn):
        a, b = session.get(Inspection, one), session.get(Inspection, two)
        assert a is not None and b is not None and a.sealed and b.sealed
        site_a, site_b = a.sealed["site"], b.sealed["site"]
        a.sealed, b.sealed = {**a.sealed, "site": site_b}, {**b.sealed, "site": site_a}


def test_inspect_show_refuses_a_site_moved_from_another_inspection(
    served: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    world, _ = served
    mine, other = world.ids["insp-by-USA"], world.ids["insp-by-RUS"]
    logged = _logged_site_commitment(world)
    _swap_sites(world, mine, other)
    try:
        code, out = _show(served, monkeypatch, tmp_path, mine)
    finally:
        _swap_sites(world, mine, other)
    shown = json.loads(out) if code == 0 else {}
    assert code == 1, (
        f"shown as inspection {mine}'s site: {shown.get('site')!r} "
        f"(the answer's commitment {shown.get('site_commitment')}, the log's {logged})"
    )
    assert "site" in out


# --- What an observer or the operator learns through the API: holds ------------------------------


@pytest.mark.parametrize("user", ["obs", "op"])
def test_an_observer_or_the_operator_cannot_tell_an_inspection_that_exists_from_one_that_does_not(
    served: tuple[World, TestClient], user: str
) -> None:
    world, client = served
    real = world.ids["insp-by-USA"]
    for suffix in ("", "/reveals"):
        there = client.get(f"/api/v1/inspections/{real}{suffix}", headers=world.auth(user))
        missing = client.get(f"/api/v1/inspections/99999{suffix}", headers=world.auth(user))
        assert there.status_code == missing.status_code == 403
        assert there.json() == missing.json()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep"),
        pytest.param(b'[{"count": ' + b"9" * 5000 + b"}]", id="huge-integer"),
    ],
)
def test_a_json_declaration_file_too_deep_or_with_a_huge_number_is_refused_with_a_4xx(
    served: tuple[World, TestClient], content: bytes
) -> None:
    world, _ = served
    browser, csrf = _signed_in(served, "usa")
    size = _log_size(world.db)
    r = browser.post(
        "/declarations/upload",
        data={"csrf_token": csrf, "treaty": "new-start"},
        files={"file": ("d.json", content, "application/json")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422, r.text[:200]
    assert _log_size(world.db) == size


def test_an_api_body_nested_too_deeply_is_refused_with_a_4xx(
    served: tuple[World, TestClient],
) -> None:
    world, client = served
    deep = b'{"party": "USA", "as_of": "2025-10-06", "figures": ' + b"[" * 100_000 + b"]" * 100_000
    r = client.post(
        "/api/v1/treaties/new-start/declarations",
        content=deep + b"}",
        headers={**world.auth("usa"), "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text[:200]


# --- What a reader of the database file learns of a kept retry answer ---------------------------


def test_a_kept_retry_answer_is_padded_and_one_kept_before_padding_still_replays() -> None:
    from armsctl.api.idempotency import _Sealer

    sealer = _Sealer(b"Bearer t0ken", "key-1")
    short, longer = b'{"id":1}', b'{"id":1,"results":[' + b'{"x":1},' * 60 + b'{"x":2}]}'
    assert len(sealer.seal(short)) == len(sealer.seal(longer))
    assert sealer.open(sealer.seal(short)) == short
    assert sealer.open(sealer.seal(longer)) == longer
    old = sealer._aead.encrypt(bytes(12), short, None)  # as kept before answers were padded
    assert sealer.open(old) == short


def test_inspect_show_with_the_party_key_checks_the_site_against_the_partys_signed_request(
    served: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Trusting USA's key: USA's request in the log vouches for the site; RUS's key does not."""
    world, _ = served
    mine = world.ids["insp-by-USA"]
    for party, expected in (("USA", 0), ("RUS", 1)):
        pub = tmp_path / f"{party}.pub"
        pub.write_text(str(PARTY_KEYS[party].verifier()), encoding="utf-8")
        code, out = _show(served, monkeypatch, tmp_path, mine, "--party-key", str(pub))
        assert code == expected, out
        if expected:
            assert "site" in out
        else:
            assert json.loads(out)["site_commitment"] == _logged_site_commitment(world)
