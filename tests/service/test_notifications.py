"""Notifications: a party sends for itself only; only the parties involved read and acknowledge."""

from __future__ import annotations

from typing import Any

import pytest
from _svc import NOW, Env
from _world import PARTY_KEYS, SEALING_KEYS, opened

from armsctl.errors import InputError, IntegrityError, NotFoundError
from armsctl.ledger.sealing import open_value
from armsctl.service import AccessDenied, Actor, ConflictError, Listing
from armsctl.service import notifications as notes
from armsctl.service.entries import content_commitment, notification_entry
from armsctl.service.log import list_audit_events

#: The local operator at the command line, which holds the database and decides nothing by role.
LOCAL_CLI = Actor(user_id=None, name="local-cli", role="operator")


def _send(
    env: Env, user: str, sender: str, recipient: str | None, **kw: Any
) -> notes.NotificationPublic:
    return notes.submit_notification(
        env.db,
        env.actors[user],
        treaty="new-start",
        sender=sender,
        recipient=recipient,
        kind=kw.pop("kind", "status-change"),
        body=kw.pop("body", {"text": "hello"}),
        allow=env.allow(user, "notification.submit"),
        at=NOW,
        **kw,
    )


def _list(env: Env, user: str) -> list[notes.NotificationPublic]:
    return notes.list_notifications(
        env.db,
        env.actors[user],
        Listing("new-start", limit=1000),
        allow=env.allow(user, "notification.read"),
        at=NOW,
    ).results


def _ack(env: Env, user: str, note_id: int) -> notes.NotificationPublic:
    return notes.acknowledge_notification(
        env.db,
        env.actors[user],
        notification_id=note_id,
        allow=env.allow(user, "notification.acknowledge"),
        at=NOW,
    )


def _fields(exc: InputError) -> set[str]:
    return {p.location for p in exc.problems}


def test_a_party_sends_a_notification_that_is_logged_with_a_body_commitment(env: Env) -> None:
    row = _send(env, "usa", "USA", "RUS", body={"text": "launcher moved"})
    assert (row.sender, row.recipient) == ("USA", "RUS")
    assert row.log_index >= 0 and row.proof
    # The body is sealed at rest: the answer carries no salt in clear, only the sender's copy,
    # which its key opens to the body and the salt of the logged commitment.
    assert row.body_salt is None and set(row.sealed_body.keys) == {"USA"}
    copy = opened(row.sealed_body, "USA")
    assert copy["value"] == {"text": "launcher moved"}
    assert len(bytes.fromhex(copy["salt"])) == 32
    assert content_commitment(bytes.fromhex(copy["salt"]), copy["value"]) == (row.body_commitment)
    with pytest.raises(IntegrityError, match="does not open"):
        open_value(row.to_json_dict()["sealed_body"], reader="USA", key=SEALING_KEYS["RUS"])
    assert row.acknowledged_at is None and row.acknowledgements == {}


@pytest.mark.parametrize("user", ["usa", "usa-insp", "obs", "op"])
def test_no_one_sends_in_another_partys_name_and_nothing_is_written(env: Env, user: str) -> None:
    before = len(_list(env, "rus"))
    with pytest.raises(AccessDenied):
        _send(env, user, "RUS", "USA")
    assert len(_list(env, "rus")) == before


def test_a_party_does_not_notify_itself(env: Env) -> None:
    with pytest.raises(ConflictError, match="does not notify itself"):
        _send(env, "usa", "USA", "USA")


def test_a_body_outside_the_json_bounds_is_refused_naming_the_body(env: Env) -> None:
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(100):
        cur["x"] = {}
        cur = cur["x"]
    with pytest.raises(InputError) as bad:
        _send(env, "usa", "USA", "RUS", body=deep)
    assert "body" in str(bad.value)


def test_a_body_salt_that_is_not_32_bytes_of_hex_is_named(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _send(env, "usa", "USA", "RUS", body_salt="zz")
    assert _fields(bad.value) == {"body_salt"}


def test_a_signed_notification_without_its_body_salt_is_named(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        _send(env, "usa", "USA", "RUS", signed_entry="AAAA")
    assert _fields(bad.value) == {"body_salt"}


def test_an_unsigned_notification_is_refused_when_signatures_are_required(env: Env) -> None:
    with pytest.raises(InputError, match="signed_entry"):
        _send(env, "usa", "USA", "RUS", require_signature=True)


def test_each_party_lists_what_it_sent_or_received_and_opens_its_sealed_bodies(
    env: Env,
) -> None:
    for user, party in (("usa", "USA"), ("rus", "RUS")):
        rows = _list(env, user)
        assert rows
        assert all(party in (r.sender, r.recipient) or r.recipient is None for r in rows)
        assert all(r.body is None and r.body_salt is None for r in rows)
        assert "private note" not in repr(rows)
        bodies = []
        for r in rows:
            assert set(r.sealed_body.keys) == {party}  # its own copy only
            copy = opened(r.sealed_body, party)
            salt = bytes.fromhex(copy["salt"])
            assert content_commitment(salt, copy["value"]) == r.body_commitment
            bodies.append(copy["value"]["text"])
        assert set(bodies) >= {"private note from USA", "private note from RUS"}


@pytest.mark.parametrize("user", ["usa-insp", "rus-insp", "obs", "op"])
def test_no_inspector_observer_or_operator_reads_notifications(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied) as refused:
        _list(env, user)
    assert "private note" not in refused.value.reason


def test_listing_notifications_is_audited(env: Env) -> None:
    _list(env, "rus")
    events = list_audit_events(env.db, limit=1000).results
    assert any(
        e.action == "notification.read" and e.resource == "new-start/notifications" for e in events
    )


def test_the_recipient_acknowledges_once_and_the_sender_sees_it(env: Env) -> None:
    note = _send(env, "rus", "RUS", "USA", body={"text": "to be acknowledged"})
    acked = _ack(env, "usa", note.id)
    assert acked.acknowledged_at == NOW.isoformat()
    assert acked.acknowledgements == {"USA": NOW.isoformat()}
    seen = next(r for r in _list(env, "rus") if r.id == note.id)
    assert seen.acknowledged_at == NOW.isoformat()
    with pytest.raises(ConflictError, match="USA already acknowledged"):
        _ack(env, "usa", note.id)


@pytest.mark.parametrize("user", ["rus", "usa-insp", "obs", "op"])
def test_only_the_recipient_acknowledges(env: Env, user: str) -> None:
    note = _send(env, "rus", "RUS", "USA", body={"text": f"not for {user}"})
    with pytest.raises(AccessDenied):
        _ack(env, user, note.id)
    assert next(r for r in _list(env, "usa") if r.id == note.id).acknowledgements == {}


def test_a_broadcast_is_acknowledged_by_each_other_party_but_not_the_sender(env: Env) -> None:
    note = _send(env, "usa", "USA", None, kind="general", body={"text": "to all"})
    assert note.recipient is None
    with pytest.raises(AccessDenied):
        _ack(env, "usa", note.id)
    acked = _ack(env, "rus", note.id)
    assert acked.acknowledgements == {"RUS": NOW.isoformat()}


def test_the_local_operator_cannot_acknowledge_a_broadcast_for_a_party(env: Env) -> None:
    note = _send(env, "usa", "USA", None, kind="general", body={"text": "to all, again"})
    with pytest.raises(ConflictError, match="acknowledged by a party"):
        notes.acknowledge_notification(
            env.db, LOCAL_CLI, notification_id=note.id, allow=lambda _r: None, at=NOW
        )


def test_acknowledging_an_unknown_notification_is_not_found(env: Env) -> None:
    with pytest.raises(NotFoundError):
        _ack(env, "usa", 99999)


# -- signed entries: verified only against the sender's registered key --------------------------


def _signed(sender: str, signer: str, body: dict[str, Any], salt: bytes) -> str:
    entry = notification_entry(
        treaty="new-start",
        sender=sender,
        recipient="RUS" if sender == "USA" else "USA",
        kind="status-change",
        body=body,
        salt=salt,
        at=NOW,
    )
    return str(entry.seal_b64(PARTY_KEYS[signer]))


def test_a_notification_signed_with_the_senders_key_is_logged_as_the_partys_own(
    env: Env,
) -> None:
    body, salt = {"text": "signed by USA"}, bytes([7]) * 32
    row = _send(
        env,
        "usa",
        "USA",
        "RUS",
        body=body,
        body_salt=salt.hex(),
        signed_entry=_signed("USA", "USA", body, salt),
        require_signature=True,
    )
    assert row.body_salt is None and row.log_index >= 0
    copy = opened(row.sealed_body, "USA")
    assert (copy["value"], copy["salt"]) == (body, salt.hex())  # the salt it signed
    assert row.body_commitment == content_commitment(salt, body)


def test_a_notification_signed_with_another_partys_key_is_refused(env: Env) -> None:
    body, salt = {"text": "forged"}, bytes([8]) * 32
    with pytest.raises(AccessDenied):
        _send(
            env,
            "usa",
            "USA",
            "RUS",
            body=body,
            body_salt=salt.hex(),
            signed_entry=_signed("USA", "RUS", body, salt),
        )
    assert all(opened(r.sealed_body, "RUS")["value"] != body for r in _list(env, "rus"))


def test_a_signed_entry_that_does_not_match_the_request_is_named(env: Env) -> None:
    salt = bytes([9]) * 32
    with pytest.raises(InputError, match="signed_entry"):
        _send(
            env,
            "usa",
            "USA",
            "RUS",
            body={"text": "what was sent"},
            body_salt=salt.hex(),
            signed_entry=_signed("USA", "USA", {"text": "what was signed"}, salt),
        )


@pytest.mark.parametrize("kind", ["", "Movement", "a" * 65, "movement\n", "-lead", 7, None])
def test_a_kind_that_is_not_a_slug_is_refused_on_the_service_path_naming_kind(
    env: Env, kind: Any
) -> None:
    before = len(_list(env, "rus"))
    with pytest.raises(InputError) as bad:
        _send(env, "usa", "USA", "RUS", kind=kind)
    assert _fields(bad.value) == {"kind"}
    assert len(_list(env, "rus")) == before  # nothing stored, nothing logged
