"""The owner opens what the server keeps sealed, in the browser, with a key file it picks.

The file is read by the page and never sent: no request made while decrypting carries it.
Another party's key opens nothing and says so.
"""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq


def _items_page(page: Any, server: Any) -> str:
    page.goto(server["url"] + "/declarations?party=USA")
    page.locator("#declarations tbody tr", has_text="items").first.locator("a").click()
    page.locator("#open-sealed").wait_for()
    return str(page.locator("h1").inner_text())


def test_the_owner_decrypts_its_items_in_the_browser_and_the_key_never_leaves(
    page: Any, server: Any, sign_in: Any
) -> None:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.url} {r.post_data or ''}"))
    sign_in("usa-office")
    heading = _items_page(page, server)
    as_of = heading.rsplit(" ", 1)[1]
    assert page.locator("#opened-items").is_hidden()
    key = server["work"] / "keys" / "USA.x25519.key"
    page.get_by_label("USA's private encryption key file").set_input_files(str(key))
    sent.clear()
    page.get_by_role("button", name="Decrypt in this browser").click()
    status = page.locator("[data-sealed-opener] [role=status]")
    status.filter(has_text="Opened").wait_for()
    rows = page.locator("#opened-items tbody tr")
    assert rows.count() == 100  # the first page of 120
    shown = {rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    truth = [
        r for r in pq.read_table(server["work"] / "usa-items.parquet").to_pylist()
        if r["as_of"].isoformat() == as_of
    ]  # fmt: skip
    assert len(shown) == 100 and shown <= {r["uid"] for r in truth}
    first = next(r for r in truth if r["uid"] == rows.first.locator("td").nth(1).inner_text())
    assert rows.first.locator("td").nth(4).inner_text() == first["facility"]
    secret = key.read_text().strip().split(":", 1)[1]
    assert not [s for s in sent if secret in s or "x25519-private" in s]


def test_another_partys_key_opens_nothing(page: Any, server: Any, sign_in: Any) -> None:
    sign_in("usa-office")
    _items_page(page, server)
    page.get_by_label("USA's private encryption key file").set_input_files(
        str(server["work"] / "keys" / "RUS.x25519.key")
    )
    page.get_by_role("button", name="Decrypt in this browser").click()
    status = page.locator("[data-sealed-opener] [role=status]")
    status.filter(has_text="does not open").wait_for()
    assert "error" in (status.get_attribute("class") or "")
    assert page.locator("#opened-items").is_hidden()
    # A file that is not a key at all is named as such.
    page.get_by_label("USA's private encryption key file").set_input_files(
        str(server["work"] / "keys" / "USA.x25519.pub")
    )
    page.get_by_role("button", name="Decrypt in this browser").click()
    status.filter(has_text="not a private encryption key file").wait_for()


def test_a_party_opens_the_sealed_inspection_site_in_the_browser(
    page: Any, server: Any, sign_in: Any
) -> None:
    sign_in("rus-office")
    page.goto(server["url"] + "/inspections")
    sealed = page.locator("#plan .sealed").first
    assert sealed.inner_text() == "sealed to the parties"
    page.get_by_label("Your party's private encryption key file").set_input_files(
        str(server["work"] / "keys" / "RUS.x25519.key")
    )
    page.get_by_role("button", name="Decrypt in this browser").click()
    page.locator("[data-sealed-opener] [role=status]").filter(has_text="Opened").wait_for()
    assert sealed.inner_text() == "F3"  # the demo's inspected site


def test_an_acknowledgement_is_signed_in_the_browser_with_the_partys_key(
    page: Any, server: Any, sign_in: Any
) -> None:
    import json
    import re

    from playwright.sync_api import expect

    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.url} {r.post_data or ''}"))
    sign_in("rus-office")
    page.goto(server["url"] + "/notifications")
    key = server["work"] / "keys" / "RUS.key"
    page.get_by_label("Sign as RUS").set_input_files(str(key))
    page.locator("[data-signing-key] [role=status]").filter(has_text="Signing as").wait_for()
    inbox = page.locator("#inbox")
    buttons = inbox.get_by_role("button", name=re.compile("Acknowledge notification"))
    n = buttons.count()
    assert n >= 1
    buttons.first.click()
    expect(inbox.get_by_role("button", name=re.compile("Acknowledge notification"))).to_have_count(
        n - 1
    )
    # The log's newest acknowledgement is RUS's own entry, signed with RUS's registered key.
    api = server["url"] + "/api/v1"
    auth = {"Authorization": f"Bearer {server['tokens']['rus-office']}"}
    size = page.request.get(f"{api}/log", headers=auth).json()["size"]
    entries = [
        json.loads(page.request.get(f"{api}/log/entries/{i}", headers=auth).json()["entry"])
        for i in range(size - 3, size)
    ]
    ack = [e for e in entries if e["kind"] == "notification-acknowledged"][-1]
    assert ack["party"] == "RUS"
    assert ack["key"] == (server["work"] / "keys" / "RUS.pub").read_text().strip()
    secret = key.read_text().strip().split("+", 4)[4]  # the base64 may hold "+"
    assert not [s for s in sent if secret in s]
