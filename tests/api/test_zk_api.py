"""Publishing and reading zero-knowledge proofs through the API."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from _world import World
from fastapi.testclient import TestClient

from armsctl.zk import Context, commit_sites, prove

P = "/api/v1"
T = f"{P}/treaties/new-start"


def _proof(party: str = "USA", *counts: int, as_of: str = "2025-12-01", **kw: Any) -> Any:
    context = Context("new-start", "deployed-warheads", 1550, as_of, party, 16)
    for key, value in kw.items():
        context = Context(**{**context.to_json(), key: value})
    sites = [(f"site-{i}", c) for i, c in enumerate(counts or (700, 800))]
    return prove(context, commit_sites(sites)).to_json()


def _post(client: TestClient, world: World, user: str, doc: Any) -> Any:
    return client.post(f"{T}/zk-proofs", json={"proof": doc}, headers=world.auth(user))


def test_a_party_publishes_a_proof_that_anyone_reads_and_the_log_holds(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    doc = _proof("RUS", 1000, 500, as_of="2025-12-02")
    response = _post(client, world, "rus", doc)
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["party"], made["limit"], made["maximum"], made["sites"]) == (
        "RUS", "deployed-warheads", 1550, 2,
    )  # fmt: skip
    for user in ("obs", "op", "usa-insp"):
        got = client.get(f"{P}/zk-proofs/{made['id']}", headers=world.auth(user))
        assert got.status_code == 200 and got.json()["proof"] == doc
    listed = client.get(f"{T}/zk-proofs?party=RUS", headers=world.auth("obs")).json()
    assert made["id"] in [r["id"] for r in listed["results"]]
    entry = client.get(f"{P}/log/entries/{made['log_index']}", headers=world.auth("obs")).json()
    logged = json.loads(entry["entry"])
    assert logged["kind"] == "zk-range-proof" and logged["party"] == "RUS"
    assert logged["body"]["document"] == doc
    assert "blinding" not in entry["entry"] and '"value"' not in entry["entry"]


def test_a_party_cannot_publish_another_partys_proof(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    response = _post(client, world, "rus", _proof("USA"))
    assert response.status_code == 403
    assert "zk.publish" in response.json()["detail"]


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda d: d["bits"][0].update(s0=d["bits"][1]["s0"]), "bit-proofs"),
        (lambda d: d["sites"].pop(), "bit-sum"),
        (lambda d: d["context"].update(maximum=1600), "maximum is 1600, expected 1550"),
        (lambda d: d["context"].update(limit="tanks"), "has no limit 'tanks'"),
        (lambda d: d["bits"][0].update(a0="ff" * 32), "proof.bits[0].a0: not a canonical"),
        (lambda d: d.update(format="other"), "proof.format"),
        (lambda d: d["context"].update(treaty="start-i"), "proof.context.treaty"),
    ],
)
def test_a_proof_that_does_not_verify_or_is_malformed_is_refused_with_422(
    world_client: tuple[World, TestClient], edit: Any, field: str
) -> None:
    world, client = world_client
    doc = copy.deepcopy(_proof("USA"))
    edit(doc)
    response = _post(client, world, "usa", doc)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


def test_unknown_proof_is_404(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    response = client.get(f"{P}/zk-proofs/999999", headers=world.auth("obs"))
    assert response.status_code == 404


def test_a_party_signed_proof_entry_verifies_offline_and_another_key_is_refused(
    world_client: tuple[World, TestClient],
) -> None:
    from _world import NOW, PARTY_KEYS

    from armsctl.ledger.envelope import open_entry
    from armsctl.service.zk import zk_proof_entry

    world, client = world_client
    doc = _proof("USA", 100, as_of="2025-12-03")
    draft = zk_proof_entry(treaty="new-start", party="USA", document=doc, at=NOW)
    body = {"proof": doc, "signed_entry": draft.seal_b64(PARTY_KEYS["RUS"])}
    refused = client.post(f"{T}/zk-proofs", json=body, headers=world.auth("usa"))
    assert refused.status_code == 403 and "not signed with a key registered for USA" in refused.text
    body["signed_entry"] = draft.seal_b64(PARTY_KEYS["USA"])
    made = client.post(f"{T}/zk-proofs", json=body, headers=world.auth("usa"))
    assert made.status_code == 201, made.text
    entry = client.get(f"{P}/log/entries/{made.json()['log_index']}", headers=world.auth("obs"))
    opened = open_entry(
        entry.json()["entry"].encode(), trusted={"USA": PARTY_KEYS["USA"].verifier()}
    )
    assert opened.body == {"document": doc}
