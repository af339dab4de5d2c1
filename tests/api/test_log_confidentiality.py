"""What the log and the public views may say: site commitments, released figures, quota years.

Every digest of confidential content in the log is a salted commitment: an observer holding
the whole public log and a dictionary of candidate contents (the true ones among them)
confirms none, while the parties entitled to the content check the commitment with its salt.

The log is readable by every role, observers included. It must name no inspected site (only a
salted commitment the two parties can check), and an item-level declaration must release only
the party, the date, the item count per category, the Merkle root and the treaty's limit
values: no status breakdown, attribute sum or per-zone count, in the log or any public view.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from _world import NOW, World, opened
from fastapi.testclient import TestClient

from armsctl.ledger.envelope import canonical
from armsctl.service.entries import ENTRY_KINDS, content_commitment
from armsctl.zk import Context, commit_sites, prove

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _entries(world: World, client: TestClient, user: str = "obs") -> list[dict[str, Any]]:
    size = client.get(f"{P}/log", headers=world.auth(user)).json()["size"]
    return [
        json.loads(client.get(f"{P}/log/entries/{i}", headers=world.auth(user)).json()["entry"])
        for i in range(size)
    ]


def test_the_log_names_no_inspected_site_only_a_commitment_the_parties_can_check(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    entries = _entries(world, client)
    assert all("-base-" not in json.dumps(e) for e in entries), "a facility name is in the log"
    insp = world.ids["insp-by-USA"]
    revealed = next(
        e for e in entries if e["kind"] == "items-revealed" and e["body"]["inspection"] == insp
    )
    for user, party in (("usa", "USA"), ("rus", "RUS"), ("usa-insp", "USA")):
        view = client.get(f"{P}/inspections/{insp}", headers=world.auth(user)).json()
        # The store keeps the site sealed to the two parties; the reader's client opens it.
        assert view["site"] is None and view["site_salt"] is None
        copy = opened(view["sealed_site"], party)
        assert copy["value"] == "RUS-base-1"
        expected = hashlib.sha256(bytes.fromhex(copy["salt"]) + b"RUS-base-1").hexdigest()
        assert view["site_commitment"] == expected
        # A party-signed request cannot know its row id: its fresh site commitment names it.
        requested = [
            e
            for e in entries
            if e["kind"] == "inspection-requested" and e["body"]["site_commitment"] == expected
        ]
        assert len(requested) == 1 and requested[0]["party"] == "USA"
        assert revealed["body"]["site_commitment"] == expected
    for user in ("obs", "op", "rus-insp"):
        assert client.get(f"{P}/inspections/{insp}", headers=world.auth(user)).status_code == 403


def test_an_item_level_declaration_releases_only_counts_root_and_limit_values(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    items = [
        {"uid": "C-1", "category": "icbm-launcher", "status": "deployed", "facility": "F"},
        {"uid": "C-2", "category": "icbm-launcher", "status": "non-deployed", "facility": "F"},
        {"uid": "C-3", "category": "heavy-bomber", "status": "deployed", "facility": "G"},
    ]
    for item in items[:2]:
        item["warheads"] = 1
    response = client.post(
        f"{T}/declarations/items",
        json={"as_of": "2025-12-01", "items": items},
        headers=world.auth("usa"),
    )
    assert response.status_code == 201, response.text
    decl = response.json()
    assert all("/" not in measure and "@" not in measure for measure in decl["figures"])
    assert set(decl["commitment"]) <= {
        "scheme",
        "party",
        "date",
        "treaty",
        "counts",
        "size",
        "root",
        "facilities",
    }
    assert set(decl["commitment"]["facilities"]) == {"root", "size"}
    assert decl["commitment"]["counts"] == {"heavy-bomber": 1, "icbm-launcher": 2}
    entry = _entries(world, client)[decl["log_index"]]
    assert entry["kind"] == "declaration-items"
    assert all("/" not in m for m in entry["body"]["figures"]), entry["body"]["figures"]
    assert "icbm-launcher/" not in json.dumps(entry)
    for path in (
        f"{T}/declarations?party=USA&limit=500",
        f"{P}/declarations/{decl['id']}",
        f"{T}/compliance?at=2025-12-31",
        f"{T}/transparency",
    ):
        text = client.get(path, headers=world.auth("obs")).text
        # Limit titles may say "non-deployed"; component measures are "category/status".
        assert "icbm-launcher/" not in text and "heavy-bomber/" not in text, path


def test_a_quota_year_must_be_this_year_or_the_next(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    body = {"inspected_party": "RUS", "type": "type-two", "site": "RUS-base-2"}
    for year in (1900, 2025, 2028, 2200):  # the clock is 2026-01-15
        response = client.post(
            f"{T}/inspections", json={**body, "year": year}, headers=world.auth("usa")
        )
        assert response.status_code == 422, (year, response.text)
        assert response.json()["field"] == "year"
    # 2027 is next year, but New START expired on 2026-02-05: its quota calculator gives none.
    after_expiry = client.post(
        f"{T}/inspections", json={**body, "year": 2027}, headers=world.auth("usa")
    )
    assert after_expiry.status_code == 409 and "no longer applies" in after_expiry.text
    this_year = client.post(
        f"{T}/inspections", json={**body, "year": 2026}, headers=world.auth("usa")
    )
    assert this_year.status_code == 201
    iid = this_year.json()["id"]
    for arrival in ("2025-06-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"):
        response = client.post(
            f"{P}/inspections/{iid}/schedule", json={"arrival": arrival}, headers=world.auth("usa")
        )
        assert response.status_code == 422, (arrival, response.text)
        assert response.json()["field"] == "arrival"
    far = client.post(
        f"{P}/inspections/{iid}/schedule",
        json={"arrival": "9999-12-31T23:59:59-23:59"},
        headers=world.auth("usa"),
    )
    assert far.status_code == 422
    ok = client.post(
        f"{P}/inspections/{iid}/schedule",
        json={"arrival": "2026-01-20T08:00:00Z"},
        headers=world.auth("usa"),
    )
    assert ok.status_code == 200 and ok.json()["state"] == "notified"


def _candidates(text: str) -> set[str]:
    """What a dictionary attack computes per guess: hex and base64 SHA-256 of its encodings."""
    out: set[str] = set()
    for value in (text, json.loads(text) if text[:1] in '[{"' else text):
        for data in (canonical(value), str(value).encode("utf-8")):
            digest = hashlib.sha256(data).digest()
            out |= {digest.hex(), base64.b64encode(digest).decode("ascii")}
    return out


def test_an_observer_with_the_log_and_a_dictionary_confirms_no_confidential_content(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    usa = world.auth("usa")
    # Exercise every use-case that logs, so that every entry kind is in the log.
    ack = client.post(f"{P}/notifications/{world.ids['note-from-RUS']}/acknowledge", headers=usa)
    assert ack.status_code == 200, ack.text
    seen = {"site": "RUS-base-2", "counted_on_pad": 3}
    obs = client.post(
        f"{T}/observations",
        json={"source": "satellite", "observed_at": "2026-01-10T00:00:00Z", "body": seen},
        headers=usa,
    )
    assert obs.status_code == 201, obs.text
    figures = {"deployed-warheads": 1499}
    aggregate = client.post(
        f"{T}/declarations",
        json={"as_of": "2025-10-01", "figures": figures},
        headers=world.auth("rus"),
    )
    assert aggregate.status_code == 201, aggregate.text
    # The operator (re)registers a party's encryption key: a public key, logged.
    from _world import SEALING_KEYS

    from armsctl.service import accounts

    accounts.set_encryption_key(
        world.db, treaty="new-start", code="RUS",
        encryption_key=str(SEALING_KEYS["RUS"].public()), at=NOW,
    )  # fmt: skip
    # A proof that a secret total is within the limit: commitments only, no count.
    context = Context("new-start", "deployed-warheads", 1550, "2025-12-03", "RUS", 16)
    proof = prove(context, commit_sites([("site-a", 700), ("site-b", 800)])).to_json()
    published = client.post(f"{T}/zk-proofs", json={"proof": proof}, headers=world.auth("rus"))
    assert published.status_code == 201, published.text
    findings = [{"result": "violation"}]
    insp = world.ids["insp-by-USA"]
    report = client.post(
        f"{P}/inspections/{insp}/report",
        json={"findings": findings},
        headers=world.auth("usa-insp"),
    )
    assert report.status_code == 200, report.text
    spare = client.post(f"{P}/users/obs/tokens", json={"days": 1}, headers=world.auth("op"))
    assert spare.status_code == 201, spare.text
    spare_id = spare.json()["token_id"]
    revoked = client.delete(f"{P}/tokens/{spare_id}", headers=world.auth("op"))
    assert revoked.status_code == 200, revoked.text

    entries = _entries(world, client)
    assert {e["kind"] for e in entries} == set(ENTRY_KINDS), "an entry kind is not exercised"
    # The observer's dictionary: the candidate cities, sites, findings, bodies and arrival
    # times, the true ones among them (so an unsalted digest would be confirmed).
    guesses = [
        *(f"RUS-base-{i}" for i in range(1, 6)),
        *(f"USA-base-{i}" for i in range(1, 6)),
        *(json.dumps({"text": f"private note from {c}"}) for c in ("USA", "RUS", "GBR")),
        json.dumps(findings),
        json.dumps([{"result": "compliant"}]),
        json.dumps(seen),
        NOW.isoformat(),
        NOW.isoformat().replace("+00:00", "Z"),
    ]
    dictionary = set().union(*(_candidates(g) for g in guesses))
    text = json.dumps(entries)
    strings = {s for e in entries for s in _strings(e)}
    assert not strings & dictionary, "a guess is confirmed by a digest in the public log"
    # No count, size or site the treaty keeps confidential: no findings count, no reveal size,
    # no arrival time, no site or item name.
    for entry in entries:
        body = entry["body"]
        assert "revealed" not in body and "scheduled_for" not in body, entry
        assert not isinstance(body.get("findings"), int), entry
    for secret in ("-base-", "SECRET-", "violation", "private note", "counted_on_pad"):
        assert secret not in text, secret
    # Those entitled check the commitments against the log with the salts they are shown.
    by_kind = {(e["kind"], e["body"].get("inspection")): e for e in entries}
    view = client.get(f"{P}/inspections/{insp}", headers=world.auth("rus")).json()
    logged = by_kind[("inspection-reported", insp)]["body"]["findings_commitment"]
    shown = opened(view["sealed_findings"], "RUS")
    assert shown["value"] == findings
    assert logged == content_commitment(bytes.fromhex(shown["salt"]), findings)
    assert view["findings_commitment"] == logged
    arrival = by_kind[("inspection-notified", insp)]["body"]["arrival_commitment"]
    assert arrival == view["arrival_commitment"]
    note = next(
        n
        for n in client.get(f"{T}/notifications", headers=world.auth("rus")).json()["results"]
        if n["id"] == world.ids["note-from-USA"]
    )
    logged_note = next(
        e for e in entries if e["body"].get("body_commitment") == note["body_commitment"]
    )
    assert logged_note["kind"] == "notification"
    body = opened(note["sealed_body"], "RUS")
    assert body["value"] == {"text": "private note from USA"}
    assert note["body_commitment"] == content_commitment(bytes.fromhex(body["salt"]), body["value"])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
