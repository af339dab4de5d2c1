"""The log: what it holds (never a confidential value), proofs against signed checkpoints only,
and the audit that recomputes it. Runs on SQLite and PostgreSQL: the log is the store's.
"""

from __future__ import annotations

import pytest
from _svc import NOW, Env
from _world import LOG_KEY, PARTY_KEYS

from armsctl.errors import NotFoundError, ParameterError, VerificationError
from armsctl.ledger.bundle import TrustPolicy, verify_bundle
from armsctl.ledger.note import SignerKey
from armsctl.service import declarations
from armsctl.service import log as svc_log

# What the world holds in confidence: items, sites and notification bodies.
CONFIDENTIAL = ("SECRET-USA-", "SECRET-RUS-", "RUS-base-1", "USA-base-1", "private note from")


def _entries(env: Env) -> list[str]:
    size = svc_log.log_status(env.db).size
    return [svc_log.log_entry(env.db, index=i).entry for i in range(size)]


def test_no_log_entry_holds_an_item_a_site_or_a_notification_body(store_env: Env) -> None:
    entries = _entries(store_env)
    assert len(entries) > 10
    for text in entries:
        for secret in CONFIDENTIAL:
            assert secret not in text


def test_the_status_names_the_servers_log_key_and_the_size_grows_per_use_case(
    store_env: Env,
) -> None:
    before = svc_log.log_status(store_env.db)
    assert before.log_key == str(LOG_KEY.verifier())
    declarations.submit_aggregate(
        store_env.db,
        store_env.actors["usa"],
        treaty="new-start",
        party="USA",
        as_of=NOW.date(),
        figures={"deployed-warheads": 1500},
        allow=store_env.allow("usa", "declaration.submit"),
        at=NOW,
    )
    after = svc_log.log_status(store_env.db)
    assert after.size == before.size + 1 and after.root != before.root


def test_a_negative_entry_index_is_refused(store_env: Env) -> None:
    with pytest.raises(ParameterError, match="index must be >= 0"):
        svc_log.log_entry(store_env.db, index=-1)


def test_an_index_past_the_end_is_not_served(store_env: Env) -> None:
    size = svc_log.log_status(store_env.db).size
    with pytest.raises((NotFoundError, ParameterError)):
        svc_log.log_entry(store_env.db, index=size + 5)


def test_no_proof_is_given_before_a_checkpoint_is_signed(store_env: Env) -> None:
    if svc_log.log_status(store_env.db).checkpoint is not None:
        pytest.skip("a checkpoint was already signed in this module")
    with pytest.raises(NotFoundError, match="no signed checkpoint yet"):
        svc_log.proof_bundle(store_env.db, index=0)


def test_a_proof_bundle_verifies_against_the_signed_checkpoint_and_the_log_key(
    store_env: Env,
) -> None:
    signed = svc_log.sign_checkpoint(store_env.db)
    index = declarations.get_declaration(
        store_env.db, declaration_id=store_env.id("decl-USA")
    ).log_index
    bundle = svc_log.proof_bundle(store_env.db, index=index, from_size=1)
    assert bundle["size"] == signed.size
    verify_bundle(bundle, trust=TrustPolicy(LOG_KEY.verifier()))
    stranger = SignerKey.generate("test.armsctl/log", seed=bytes([9]) * 32)
    with pytest.raises(VerificationError):
        verify_bundle(bundle, trust=TrustPolicy(stranger.verifier()))


def test_an_entry_newer_than_the_checkpoint_or_an_impossible_from_size_is_refused(
    store_env: Env,
) -> None:
    size = svc_log.sign_checkpoint(store_env.db).size
    declarations.submit_aggregate(
        store_env.db,
        store_env.actors["rus"],
        treaty="new-start",
        party="RUS",
        as_of=NOW.date(),
        figures={"deployed-warheads": 1500},
        allow=store_env.allow("rus", "declaration.submit"),
        at=NOW,
    )
    with pytest.raises(ParameterError, match="not covered by checkpoint"):
        svc_log.proof_bundle(store_env.db, index=size)
    with pytest.raises(ParameterError, match="from_size"):
        svc_log.proof_bundle(store_env.db, index=0, from_size=size + 1)
    with pytest.raises(NotFoundError, match="no checkpoint number 999"):
        svc_log.proof_bundle(store_env.db, index=0, checkpoint=999)


def test_the_audit_recomputes_the_log_and_tells_party_signed_from_operator_sealed(
    store_env: Env,
) -> None:
    report = svc_log.audit_log(store_env.db)
    assert report.ok, report.first_problem
    assert report.server_database is True
    # The world's declarations, notifications and inspection steps are signed by the parties;
    # treaty, party, user and token changes are sealed by the server.
    assert report.party_signed >= 2 + 2 + 2 * 4
    assert report.operator_sealed > 0
    assert report.party_signed + report.operator_sealed == report.entries


def test_the_trust_policy_offered_is_the_log_key_and_no_party_key(store_env: Env) -> None:
    policy = svc_log.trust_policy(store_env.db)
    text = policy.to_toml()
    assert str(LOG_KEY.verifier()) in text
    assert all(str(k.verifier()) not in text for k in PARTY_KEYS.values())


def test_the_audit_trail_lists_the_newest_event_first(store_env: Env) -> None:
    events = svc_log.list_audit_events(store_env.db, limit=5).results
    assert events and [e.id for e in events] == sorted((e.id for e in events), reverse=True)
