"""The API's proof bundle: public, one format, checked by the server before it is served."""

from __future__ import annotations

import sqlite3

from _world import LOG_KEY, World
from fastapi.testclient import TestClient  # (imported first, warnings filtered, by conftest)

from armsctl.ledger.bundle import TrustPolicy, verify_bundle
from armsctl.ledger.note import SignerKey

P = "/api/v1"
TRUST = TrustPolicy(LOG_KEY.verifier())


def _checkpoint(world: World, client: TestClient) -> int:
    response = client.post(f"{P}/log/checkpoints", headers=world.auth("op"))
    assert response.status_code == 201, response.text
    return int(response.json()["size"])


def test_any_caller_gets_a_bundle_that_verifies_only_under_the_pinned_key(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    size = _checkpoint(world, client)
    bundle = client.get(f"{P}/log/entries/{size - 1}/proof").json()  # no token at all
    assert bundle["type"] == "armsctl/proof-bundle/v1" and bundle["size"] == size
    assert verify_bundle(bundle, trust=TRUST).index == size - 1
    fresh = SignerKey.generate(LOG_KEY.name, seed=bytes(32)).verifier()
    try:
        verify_bundle(bundle, trust=TrustPolicy(fresh))
    except Exception as exc:
        assert "signed by an unknown key" in str(exc)
    else:
        raise AssertionError("a bundle verified under a key the log never used")


def test_from_size_adds_a_consistency_proof_from_a_held_checkpoint(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    size = _checkpoint(world, client)
    held = client.get(f"{P}/log", headers=world.auth("obs")).json()["checkpoint"]
    bundle = client.get(f"{P}/log/entries/0/proof", params={"from_size": size}).json()
    assert bundle["consistency"] == {"old_size": size, "proof": []}
    assert verify_bundle(bundle, trust=TRUST, previous=held).consistent_from == size
    too_big = client.get(f"{P}/log/entries/0/proof", params={"from_size": size + 1})
    assert too_big.status_code == 422 and "from_size" in too_big.json()["detail"]


def test_entries_link_to_their_bundle_and_bad_indices_are_4xx(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    size = _checkpoint(world, client)
    entry = client.get(f"{P}/log/entries/0", headers=world.auth("obs")).json()
    assert entry["proof"] == f"{P}/log/entries/0/proof"
    decls = client.get(f"{P}/treaties/new-start/declarations", headers=world.auth("obs")).json()[
        "results"
    ]
    assert decls and all(d["proof"] == f"{P}/log/entries/{d['log_index']}/proof" for d in decls)
    notes = client.get(f"{P}/treaties/new-start/notifications", headers=world.auth("rus")).json()[
        "results"
    ]
    assert notes and all(n["proof"] == f"{P}/log/entries/{n['log_index']}/proof" for n in notes)
    linked = client.get(decls[0]["proof"])
    assert linked.status_code == 200 and linked.json()["index"] == decls[0]["log_index"]
    assert client.get(f"{P}/log/entries/{size}/proof").status_code in (404, 422)
    assert client.get(f"{P}/log/entries/{10**6}/proof").status_code in (404, 422)
    assert client.get(f"{P}/log/entries/-1/proof").status_code == 422


def test_a_proof_from_a_damaged_stored_node_is_refused_not_served(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    import pytest
    from _world import fresh_database

    from armsctl.errors import VerificationError
    from armsctl.service.log import proof_bundle, sign_checkpoint

    db = fresh_database(f"sqlite:///{tmp_path / 'log.db'}")
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with db.write() as (_session, conn):
        for i in range(4):
            db.append(conn, kind="k", treaty="t", party="USA", at=at, body={"i": i})
    sign_checkpoint(db)
    assert proof_bundle(db, index=0)["size"] == 4
    db.dispose()
    with sqlite3.connect(tmp_path / "log.db") as raw:
        raw.execute("DROP TRIGGER ledger_tiles_no_update")
        # Every stored leaf hash (tiles of level 0) zeroed: entry 0's proof needs leaf 1.
        raw.execute("UPDATE ledger_tiles SET hashes = zeroblob(length(hashes)) WHERE level = 0")
    with pytest.raises(VerificationError, match="refusing to hand out a proof of entry 0"):
        proof_bundle(db, index=0)
    db.dispose()


def test_the_public_bundle_holds_exactly_the_entry_every_role_reads(
    world_client: tuple[World, TestClient],
) -> None:
    """So the confidentiality checks on ``/log/entries`` cover the tokenless bundles too."""
    import base64

    world, client = world_client
    size = _checkpoint(world, client)
    for i in range(size):
        bundle = client.get(f"{P}/log/entries/{i}/proof").json()
        entry = client.get(f"{P}/log/entries/{i}", headers=world.auth("obs")).json()["entry"]
        assert base64.b64decode(bundle["entry"]) == entry.encode("utf-8")


def test_the_offered_policy_names_the_servers_witnesses_with_a_majority_quorum(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from _world import fresh_database

    from armsctl.service.log import trust_policy
    from armsctl.service.witnessing import WitnessEndpoint, Witnessing

    db = fresh_database(f"sqlite:///{tmp_path / 'log.db'}")
    assert trust_policy(db) == TrustPolicy(LOG_KEY.verifier())
    keys = [
        SignerKey.generate(f"w{i}.example", seed=bytes([i]) * 32).as_cosigner().verifier()
        for i in range(1, 4)
    ]
    db.witnessing = Witnessing(
        [WitnessEndpoint(f"http://127.0.0.1:{8100 + i}", k) for i, k in enumerate(keys)],
        post=lambda *_args: None,  # type: ignore[arg-type,return-value]
    )
    offered = trust_policy(db)
    assert offered.witnesses == tuple(keys) and offered.quorum == 2
    db.dispose()
