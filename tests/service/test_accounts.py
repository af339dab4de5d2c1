"""Accounts: treaties, parties, users and tokens; who may mint a credential for whom."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from _svc import NOW, Env
from _world import PARTY_KEYS

from armsctl.errors import InputError, ParameterError
from armsctl.service import AccessDenied, ConflictError, Database
from armsctl.service import accounts as acc
from armsctl.service.log import list_audit_events, log_entry, log_status


def _add(env: Env, by: str, name: str, role: str, party: str | None = None) -> acc.UserPublic:
    return acc.add_user(
        env.db,
        name=name,
        role=role,
        treaty="new-start" if party else None,
        party=party,
        at=NOW,
        actor=env.actors[by],
        allow=env.allow(by, "user.add"),
    )


def _issue(env: Env, by: str, user: str, **kw: Any) -> acc.IssuedTokenPublic:
    return acc.issue_token(
        env.db,
        user=user,
        at=NOW,
        rng=os.urandom,
        actor=env.actors[by],
        allow=env.allow(by, "token.issue"),
        **kw,
    )


# -- treaties and parties ------------------------------------------------------------------------


def test_a_treaty_is_loaded_once(env: Env) -> None:
    assert [t.id for t in acc.list_treaties(env.db)] == ["new-start"]
    with pytest.raises(ConflictError, match="already loaded"):
        acc.load_treaty(env.db, "new-start", at=NOW)


def test_the_parties_are_listed_with_their_registered_keys(env: Env) -> None:
    parties = {p.code: p for p in acc.list_parties(env.db, treaty="new-start")}
    assert set(parties) == {"USA", "RUS"}
    assert parties["USA"].keys == [str(PARTY_KEYS["USA"].verifier())]


def test_a_party_is_registered_once(env: Env) -> None:
    with pytest.raises(ConflictError, match="already registered"):
        acc.register_party(
            env.db,
            treaty="new-start",
            code="USA",
            name="USA",
            key=str(PARTY_KEYS["USA"].verifier()),
            at=NOW,
        )


def test_a_closed_treaty_registers_only_its_members_naming_the_code(env: Env) -> None:
    with pytest.raises(InputError) as bad:
        acc.register_party(
            env.db,
            treaty="new-start",
            code="GBR",
            name="GBR",
            key=str(PARTY_KEYS["USA"].verifier()),
            at=NOW,
        )
    assert [p.location for p in bad.value.problems] == ["code"]


def test_a_malformed_party_key_is_refused_as_input_naming_the_key(empty_db: Database) -> None:
    acc.load_treaty(empty_db, "new-start", at=NOW)
    with pytest.raises(InputError) as bad:
        acc.register_party(empty_db, treaty="new-start", code="USA", name="USA", key="x", at=NOW)
    assert [p.location for p in bad.value.problems] == ["key"]


def test_the_bootstrap_gives_the_party_its_first_user_and_a_working_token(
    empty_db: Database,
) -> None:
    acc.load_treaty(empty_db, "new-start", at=NOW)
    with pytest.raises(ParameterError, match="rng"):
        acc.register_party(
            empty_db,
            treaty="new-start",
            code="USA",
            name="USA",
            key=str(PARTY_KEYS["USA"].verifier()),
            at=NOW,
            first_user="usa-admin",
        )
    out = acc.register_party(
        empty_db,
        treaty="new-start",
        code="USA",
        name="United States",
        key=str(PARTY_KEYS["USA"].verifier()),
        at=NOW,
        first_user="usa-admin",
        rng=os.urandom,
    )
    assert out.user is not None and out.user.role == "party" and out.user.party == "USA"
    actor = acc.authenticate(empty_db, out.token.token, at=NOW)
    assert actor is not None and (actor.role, actor.party) == ("party", "USA")


# -- users ---------------------------------------------------------------------------------------


def test_a_party_adds_an_inspector_of_its_own_but_not_of_another_party(env: Env) -> None:
    assert _add(env, "usa", "usa-insp-2", "inspector", "USA").party == "USA"
    with pytest.raises(AccessDenied):
        _add(env, "usa", "rus-insp-2", "inspector", "RUS")


def test_the_operator_adds_users_of_no_party_only(env: Env) -> None:
    assert _add(env, "op", "obs-2", "observer").party is None
    with pytest.raises(AccessDenied):
        _add(env, "op", "usa-2", "party", "USA")


@pytest.mark.parametrize("user", ["usa-insp", "obs"])
def test_inspectors_and_observers_add_no_users(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        _add(env, user, f"by-{user}", "observer")


@pytest.mark.parametrize(
    ("role", "party", "says"),
    [
        ("admin", None, "role must be one of"),
        ("party", None, "needs --treaty and --party"),
        ("observer", "USA", "has no --treaty and --party"),
    ],
)
def test_a_role_and_its_party_must_fit(env: Env, role: str, party: str | None, says: str) -> None:
    with pytest.raises(ParameterError, match=says):
        _add(env, "op", f"x-{role}", role, party)


def test_a_user_name_is_checked_and_unique(env: Env) -> None:
    with pytest.raises(ParameterError, match="name"):
        _add(env, "op", "bad name!", "observer")
    with pytest.raises(ConflictError, match="'obs' already exists"):
        _add(env, "op", "obs", "observer")


def test_a_party_lists_only_its_own_users(env: Env) -> None:
    usa = env.actors["usa"]
    names = {u.name for u in acc.list_users(env.db, party_id=usa.party_id).results}
    assert {"usa", "usa-insp"} <= names
    assert not names & {"rus", "rus-insp", "obs", "op"}


# -- tokens --------------------------------------------------------------------------------------


def test_the_operator_cannot_mint_a_token_for_a_partys_user(env: Env) -> None:
    for user in ("usa", "usa-insp", "rus"):
        with pytest.raises(AccessDenied):
            _issue(env, "op", user)


def test_a_party_issues_tokens_for_its_own_users_only(env: Env) -> None:
    token = _issue(env, "usa", "usa-insp").token
    actor = acc.authenticate(env.db, token, at=NOW)
    assert actor is not None and actor.name == "usa-insp"
    with pytest.raises(AccessDenied):
        _issue(env, "usa", "rus-insp")
    with pytest.raises(AccessDenied):
        _issue(env, "usa", "obs")


def test_a_token_lifetime_is_between_one_day_and_ten_years(env: Env) -> None:
    for days in (0, 3651):
        with pytest.raises(ParameterError, match="days"):
            _issue(env, "op", "obs", days=days)


def test_a_token_authenticates_until_it_expires(env: Env) -> None:
    token = _issue(env, "op", "obs", days=1).token
    assert acc.authenticate(env.db, token, at=NOW) is not None
    assert acc.authenticate(env.db, token, at=NOW + dt.timedelta(days=1)) is None


def test_a_wrong_or_malformed_token_authenticates_no_one(env: Env) -> None:
    token = _issue(env, "op", "obs").token
    assert acc.authenticate(env.db, token[:-1] + ("A" if token[-1] != "A" else "B"), at=NOW) is None
    assert acc.authenticate(env.db, "not-a-token", at=NOW) is None
    assert acc.authenticate(env.db, "", at=NOW) is None


def test_a_revoked_token_no_longer_authenticates_and_revoking_again_is_harmless(
    env: Env,
) -> None:
    issued = _issue(env, "usa", "usa-insp")
    revoked = acc.revoke_token(
        env.db,
        token_id=issued.token_id,
        at=NOW,
        actor=env.actors["op"],
        allow=env.allow("op", "token.revoke"),
    )
    assert revoked.revoked_at == NOW.isoformat()
    assert acc.authenticate(env.db, issued.token, at=NOW) is None
    again = acc.revoke_token(env.db, token_id=issued.token_id, at=NOW + dt.timedelta(hours=1))
    assert again.revoked_at == NOW.isoformat()


def test_a_party_revokes_only_its_own_users_tokens(env: Env) -> None:
    issued = _issue(env, "rus", "rus-insp")
    with pytest.raises(AccessDenied):
        acc.revoke_token(
            env.db,
            token_id=issued.token_id,
            at=NOW,
            actor=env.actors["usa"],
            allow=env.allow("usa", "token.revoke"),
        )
    assert acc.authenticate(env.db, issued.token, at=NOW) is not None


def test_no_token_secret_is_listed_logged_or_audited(env: Env) -> None:
    issued = _issue(env, "usa", "usa-insp")
    prefix = f"{acc.TOKEN_PREFIX}{issued.token_id}_"
    assert issued.token.startswith(prefix)
    secret = issued.token.removeprefix(prefix)  # may itself hold "_"
    assert len(secret) == 43
    listed = acc.list_tokens(env.db, user="usa-insp")
    assert issued.token_id in {t.token_id for t in listed}
    assert secret not in repr(listed)
    assert secret not in repr(list_audit_events(env.db, limit=100000).to_dict())
    size = log_status(env.db).size
    assert all(secret not in log_entry(env.db, index=i).entry for i in range(size))
