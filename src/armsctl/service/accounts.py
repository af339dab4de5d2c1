"""Treaties, parties and their keys, users and API tokens.

A token reads ``armsctl_<id>_<secret>``. The id is public and finds the row; only
``SHA-256(secret)`` is stored and it is compared with ``hmac.compare_digest``, so a database
leak yields no usable token and a timing probe learns nothing about the secret.

Who may create users and tokens is decided by ``armsctl.access.authz`` through the ``allow``
callback (the resource's owner is the party the user acts for): the operator bootstraps a party
(its first user and token come with ``register_party``) and manages users of no party;
afterwards a party's own users issue the users and tokens of that party and its inspectors, so
the operator cannot mint a credential that reads a party's items. Every change (user added,
token issued or revoked) appends a log entry (who, role, party, token id, expiry; never a
secret or a hash) and an audit event in the same transaction, so the parties see it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from armsctl.errors import (
    ConflictError,
    InputError,
    IntegrityError,
    NotFoundError,
    ParameterError,
    Problem,
)
from armsctl.ledger.note import VerifierKey
from armsctl.service._base import (
    LOCAL,
    Actor,
    Allow,
    Database,
    Page,
    Resource,
    allow_all,
    audit,
    iso,
    party_by_code,
)
from armsctl.service._paging import fetch_page
from armsctl.service.records import Record, Time
from armsctl.store.models import ROLES, ApiToken, Party, PartyKey, TreatyRow, User

__all__ = [
    "TOKEN_PREFIX",
    "IssuedTokenPublic",
    "PartyBootstrapPublic",
    "PartyPublic",
    "RevokedTokenPublic",
    "TokenPublic",
    "TreatyLoadPublic",
    "TreatyPublic",
    "UserPublic",
    "add_user",
    "authenticate",
    "aware",
    "issue_token",
    "list_parties",
    "list_tokens",
    "list_tokens_page",
    "list_treaties",
    "list_users",
    "load_treaty",
    "register_party",
    "revoke_token",
    "set_encryption_key",
]

TOKEN_PREFIX = "armsctl_"
_TOKEN = re.compile(r"^armsctl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class TreatyPublic(Record):
    """A treaty loaded on the server."""

    id: str
    title: str
    loaded_at: Time


class TreatyLoadPublic(Record):
    """The treaty just loaded."""

    id: str
    title: str


class UserPublic(Record):
    """A user: ``party`` and ``treaty`` are null for observers and operators."""

    name: str
    role: str
    party: str | None
    treaty: str | None
    created_at: Time


class IssuedTokenPublic(Record):
    """A new token: ``token`` is the secret, shown in this answer only."""

    token: str
    token_id: str
    user: str
    expires_at: Time


class PartyPublic(Record):
    """A registered party with its active Ed25519 verifier keys and its X25519 key (if any)."""

    code: str
    name: str
    treaty: str
    registered_at: Time
    keys: list[str]
    encryption_key: str | None


class PartyBootstrapPublic(PartyPublic):
    """A party just registered; with ``first_user``, that user and its token (shown once)."""

    user: UserPublic | None = Field(None, description="Present with first_user only.")
    token: IssuedTokenPublic | None = Field(None, description="Present with first_user only.")


class TokenPublic(Record):
    """A token's id, owner and lifetime (never its secret, which is not stored)."""

    token_id: str
    user: str
    created_at: Time
    expires_at: Time
    revoked_at: Time | None


class RevokedTokenPublic(Record):
    """A revoked token and when it was first revoked."""

    token_id: str
    revoked_at: Time | None


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def load_treaty(db: Database, treaty_id: str, *, at: dt.datetime) -> TreatyLoadPublic:
    """Store a bundled treaty (or refresh nothing if it is already there); log the load."""
    from armsctl.treaty import load_treaty as load

    treaty = load(treaty_id)
    with db.write() as (session, conn):
        if session.get(TreatyRow, treaty.id) is not None:
            raise ConflictError(f"treaty {treaty.id!r} is already loaded")
        document = treaty.model_dump(mode="json")
        session.add(TreatyRow(id=treaty.id, title=treaty.title, document=document, loaded_at=at))
        session.flush()
        db.append(
            conn,
            kind="treaty-loaded",
            treaty=treaty.id,
            party="server",
            at=at,
            body={"treaty": treaty.id, "title": treaty.title},
        )
    return TreatyLoadPublic(id=treaty.id, title=treaty.title)


def list_treaties(db: Database) -> list[TreatyPublic]:
    """Every treaty loaded on this server, by id, with when it was loaded (ISO 8601 UTC).

    Public to every role (``treaty.read``): it lists ids and titles, nothing a party declared.
    """
    with db.read() as session:
        rows = session.scalars(select(TreatyRow).order_by(TreatyRow.id)).all()
        return [TreatyPublic(id=r.id, title=r.title, loaded_at=iso(r.loaded_at)) for r in rows]


def _party_fields(party: Party, keys: list[PartyKey]) -> dict[str, Any]:
    """A party's public fields (``PartyPublic``), with its unrevoked keys only."""
    return {
        "code": party.code,
        "name": party.name,
        "treaty": party.treaty_id,
        "registered_at": iso(party.registered_at),
        "keys": [k.verifier_key for k in keys if k.revoked_at is None],
        "encryption_key": party.encryption_key,
    }


def _encryption_key(text: str | None) -> str | None:
    """The canonical text of an X25519 public key, or a clear error naming the field."""
    if text is None:
        return None
    from armsctl.errors import IntegrityError
    from armsctl.ledger.sealing import SealingPublicKey

    try:
        return str(SealingPublicKey.parse(text))
    except IntegrityError as exc:
        raise InputError([Problem("", "encryption_key", str(exc))]) from None


def register_party(
    db: Database,
    *,
    treaty: str,
    code: str,
    name: str,
    key: str,
    at: dt.datetime,
    first_user: str | None = None,
    token_days: int = 90,
    rng: Callable[[int], bytes] | None = None,
    actor: Actor = LOCAL,
    encryption_key: str | None = None,
) -> PartyBootstrapPublic:
    """Register a party of a treaty with its Ed25519 verifier key (C2SP key string).

    ``encryption_key`` is the party's X25519 public key (``x25519:<base64>``, from ``armsctl
    keys generate NAME --encryption``): the server seals every item row it keeps for the party
    to it, and every notification body or inspection record the party is entitled to read. A
    party without one can only submit items its own client sealed (``--seal-to``).

    With ``first_user`` the party's first ``party`` user and its token are created in the
    same transaction (the bootstrap): the only way the operator hands a party a credential.
    The token's secret is in the result only.

    Raises:
        InputError: if the party is not a member of a closed treaty or the key is malformed.
        ConflictError: if the party is already registered, or the user name is taken.
    """
    if first_user is not None:
        _check_user_name(first_user)
        if rng is None:
            raise ParameterError("rng is needed to issue the first user's token")
        _check_days(token_days)
    try:
        verifier = VerifierKey.parse(key)
    except IntegrityError as exc:
        # A malformed key is the caller's input, named by its field (the API answers 422).
        raise InputError([Problem("", "key", str(exc))]) from None
    sealing = _encryption_key(encryption_key)
    with db.write() as (session, conn):
        doc = db.treaty(session, treaty)
        members = doc.parties.members
        if members and not doc.parties.open and code not in members:
            raise InputError(
                [Problem("", "code", f"{code!r} is not a party to {treaty} ({', '.join(members)})")]
            )
        exists = session.scalars(
            select(Party).where(Party.treaty_id == treaty, Party.code == code)
        ).first()
        if exists is not None:
            raise ConflictError(f"party {code!r} is already registered under {treaty!r}")
        party = Party(
            treaty_id=treaty, code=code, name=name, registered_at=at, encryption_key=sealing
        )
        session.add(party)
        session.flush()
        pk = PartyKey(party_id=party.id, verifier_key=str(verifier), added_at=at)
        session.add(pk)
        session.flush()
        db.append(
            conn,
            kind="party-registered",
            treaty=treaty,
            party=code,
            at=at,
            body={
                "code": code,
                "name": name,
                "key": str(verifier),
                **({"encryption_key": sealing} if sealing else {}),
            },
        )
        fields = _party_fields(party, [pk])
        if first_user is None:
            return PartyBootstrapPublic(**fields)
        assert rng is not None
        change = _Change(db, session, conn, actor)
        user = _new_user(change, first_user, "party", party, at)
        return PartyBootstrapPublic(
            **fields,
            user=_user_public(user, party),
            token=_new_token(change, user, party, at, token_days, rng),
        )


def set_encryption_key(
    db: Database, *, treaty: str, code: str, encryption_key: str, at: dt.datetime
) -> PartyPublic:
    """Register (or replace) a party's X25519 encryption key; logged (``party-encryption-key``).

    For a party registered without one (a store from before encryption at rest), or whose key
    is replaced. What was sealed to the old key stays sealed to it: the party keeps the old
    private key to read those records.

    Raises:
        InputError: naming ``encryption_key`` if it is malformed.
        NotFoundError: for an unknown party.
    """
    sealing = _encryption_key(encryption_key)
    with db.write() as (session, conn):
        db.treaty(session, treaty)
        party = party_by_code(session, treaty, code)
        party.encryption_key = sealing
        keys = session.scalars(select(PartyKey).where(PartyKey.party_id == party.id)).all()
        db.append(
            conn,
            kind="party-encryption-key",
            treaty=treaty,
            party=code,
            at=at,
            body={"code": code, "encryption_key": sealing},
        )
        return PartyPublic(**_party_fields(party, list(keys)))


def list_parties(db: Database, *, treaty: str) -> list[PartyPublic]:
    """A treaty's parties by code, each with its current (unrevoked) verifier keys.

    Revoked keys are left out, so a client sealing or checking new entries sees only keys
    that are still valid.

    Raises:
        NotFoundError: if the treaty is not loaded on this server.
    """
    with db.read() as session:
        db.treaty(session, treaty)
        parties = session.scalars(
            select(Party).where(Party.treaty_id == treaty).order_by(Party.code)
        ).all()
        keys = session.scalars(
            select(PartyKey).where(PartyKey.party_id.in_([p.id for p in parties]))
        ).all()
        return [
            PartyPublic(**_party_fields(p, [k for k in keys if k.party_id == p.id]))
            for p in parties
        ]


def _user_public(user: User, party: Party | None) -> UserPublic:
    return UserPublic(
        name=user.name,
        role=user.role,
        party=party.code if party else None,
        treaty=party.treaty_id if party else None,
        created_at=iso(user.created_at),
    )


def _check_user_name(name: str) -> None:
    if not _NAME.match(name):
        raise ParameterError("name: letters, digits and ._@- only, up to 64 characters")


def _check_days(days: int) -> None:
    if not 1 <= days <= 3650:
        raise ParameterError("days must be between 1 and 3650")


@dataclass(frozen=True, slots=True)
class _Change:
    """The transaction an account change is written in, and who makes it."""

    db: Database
    session: Session
    conn: Connection
    actor: Actor


#: The log entry kind of each audited account change.
_LOGGED = {"user.add": "user-added", "token.issue": "token-issued", "token.revoke": "token-revoked"}


def _record(
    change: _Change,
    user: User,
    party: Party | None,
    *,
    action: str,
    at: dt.datetime,
    **details: Any,
) -> None:
    """Log a change to ``user``'s account under the party it concerns, and audit it.

    The entry (of the kind ``_LOGGED`` names for ``action``) names the user, its role and
    party, then ``details`` (never a secret).
    """
    actor = change.actor
    body = {
        "user": user.name,
        "role": user.role,
        "party": party.code if party else None,
        **details,
        "by": actor.name,
        "by_role": actor.role,
    }
    change.db.append(
        change.conn,
        kind=_LOGGED[action],
        treaty=party.treaty_id if party else "server",
        party=party.code if party else "server",
        at=at,
        body=body,
    )
    detail = ", ".join(f"{k}={v}" for k, v in sorted(body.items()) if v is not None)
    audit(
        change.session,
        actor,
        action=action,
        resource=f"user/{body['user']}",
        at=at,
        outcome="changed",
        detail=detail[:500],
    )


def _new_user(change: _Change, name: str, role: str, party: Party | None, at: dt.datetime) -> User:
    session = change.session
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise ConflictError(f"user {name!r} already exists")
    user = User(name=name, role=role, party_id=party.id if party else None, created_at=at)
    session.add(user)
    session.flush()
    _record(change, user, party, action="user.add", at=at)
    return user


def add_user(
    db: Database,
    *,
    name: str,
    role: str,
    treaty: str | None = None,
    party: str | None = None,
    at: dt.datetime,
    actor: Actor = LOCAL,
    allow: Allow = allow_all,
) -> UserPublic:
    """Create a user; ``party`` and ``inspector`` users must name their treaty and party.

    ``allow`` is called with the party the new user acts for as the owner (none for observers
    and operators); the change is logged and audited.

    Raises:
        ParameterError: on an unknown role, a bad name, or a party given to a role without one.
        ConflictError: if the name is taken.
    """
    _check_user_name(name)
    if role not in ROLES:
        raise ParameterError(f"role must be one of {', '.join(ROLES)}")
    needs_party = role in ("party", "inspector")
    if needs_party != (party is not None and treaty is not None):
        raise ParameterError(
            f"a {role} user {'needs' if needs_party else 'has no'} --treaty and --party"
        )
    with db.write() as (session, conn):
        row = None
        if needs_party:
            assert treaty is not None and party is not None
            row = party_by_code(session, treaty, party)
        allow(Resource("user", f"user/{name}", owner=row.id if row else None))
        user = _new_user(_Change(db, session, conn, actor), name, role, row, at)
        return _user_public(user, row)


def list_users(
    db: Database, *, limit: int = 100, offset: int = 0, party_id: int | None = None
) -> Page[UserPublic]:
    """Users, oldest first; with ``party_id`` only that party's users and inspectors."""
    with db.read() as session:
        query = select(User, Party).outerjoin(Party, User.party_id == Party.id)
        if party_id is not None:
            query = query.where(User.party_id == party_id)
        rows, total = fetch_page(session, query, User.id, limit=limit, offset=offset)
        return Page([_user_public(u, p) for u, p in rows], total, limit, offset)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "replace")).digest()


def _new_token(
    change: _Change,
    user: User,
    party: Party | None,
    at: dt.datetime,
    days: int,
    rng: Callable[[int], bytes],
) -> IssuedTokenPublic:
    token_id = rng(8).hex()
    secret = base64.urlsafe_b64encode(rng(32)).decode("ascii").rstrip("=")
    expires = at + dt.timedelta(days=days)
    change.session.add(
        ApiToken(
            token_id=token_id,
            secret_hash=_hash(secret),
            user_id=user.id,
            created_at=at,
            expires_at=expires,
        )
    )
    change.session.flush()
    _record(
        change, user, party, action="token.issue", at=at, token_id=token_id, expires_at=iso(expires)
    )
    return IssuedTokenPublic(
        token=f"{TOKEN_PREFIX}{token_id}_{secret}",
        token_id=token_id,
        user=user.name,
        expires_at=iso(expires),
    )


def issue_token(
    db: Database,
    *,
    user: str,
    at: dt.datetime,
    days: int = 90,
    rng: Callable[[int], bytes],
    actor: Actor = LOCAL,
    allow: Allow = allow_all,
) -> IssuedTokenPublic:
    """Issue a token for a user; the secret is returned once and never stored.

    Args:
        db: The database.
        user: The user's name.
        at: Now.
        days: Lifetime in days (1 to 3650).
        rng: Cryptographic random bytes (``os.urandom``).
        actor: Who issues it (logged); the local CLI by default.
        allow: Called with the user's party as the owner (none for observers and operators).
    """
    _check_days(days)
    with db.write() as (session, conn):
        row = session.scalars(select(User).where(User.name == user)).first()
        if row is None:
            raise NotFoundError(f"no user {user!r}")
        party = session.get(Party, row.party_id) if row.party_id is not None else None
        allow(Resource("token", f"user/{user}", owner=row.party_id))
        return _new_token(_Change(db, session, conn, actor), row, party, at, days, rng)


def revoke_token(
    db: Database,
    *,
    token_id: str,
    at: dt.datetime,
    actor: Actor = LOCAL,
    allow: Allow = allow_all,
) -> RevokedTokenPublic:
    """Revoke a token by its public id; revoking twice is harmless (and logged once)."""
    with db.write() as (session, conn):
        row = session.scalars(select(ApiToken).where(ApiToken.token_id == token_id)).first()
        if row is None:
            raise NotFoundError(f"no token {token_id!r}")
        user = session.get(User, row.user_id)
        assert user is not None
        party = session.get(Party, user.party_id) if user.party_id is not None else None
        allow(Resource("token", f"token/{token_id}", owner=user.party_id))
        if row.revoked_at is None:
            row.revoked_at = at
            change = _Change(db, session, conn, actor)
            _record(change, user, party, action="token.revoke", at=at, token_id=token_id)
        return RevokedTokenPublic(token_id=token_id, revoked_at=iso(row.revoked_at))


def _token_query(user: str | None, party_id: int | None) -> Any:
    query = select(ApiToken, User).join(User, ApiToken.user_id == User.id)
    if user is not None:
        query = query.where(User.name == user)
    if party_id is not None:
        query = query.where(User.party_id == party_id)
    return query


def _token_public(t: ApiToken, u: User) -> TokenPublic:
    return TokenPublic(
        token_id=t.token_id,
        user=u.name,
        created_at=iso(t.created_at),
        expires_at=iso(t.expires_at),
        revoked_at=iso(t.revoked_at),
    )


def list_tokens(db: Database, *, user: str | None = None) -> list[TokenPublic]:
    """Token ids, owners and lifetimes (never a secret, which is not stored)."""
    with db.read() as session:
        rows = session.execute(_token_query(user, None).order_by(ApiToken.id)).all()
        return [_token_public(t, u) for t, u in rows]


def list_tokens_page(
    db: Database,
    *,
    limit: int = 50,
    offset: int = 0,
    user: str | None = None,
    party_id: int | None = None,
) -> Page[TokenPublic]:
    """One page of tokens; with ``party_id`` only that party's users' tokens."""
    with db.read() as session:
        query = _token_query(user, party_id)
        rows, total = fetch_page(session, query, ApiToken.id, limit=limit, offset=offset)
        return Page([_token_public(t, u) for t, u in rows], total, limit, offset)


def authenticate(db: Database, unverified_token: str, *, at: dt.datetime) -> Actor | None:
    """Return the actor behind a bearer token, or ``None`` if it is wrong, expired or revoked.

    Malformed and unknown tokens still hash a secret, so every failure costs the same.
    """
    match = _TOKEN.match(unverified_token)
    token_id, secret = (match.group(1), match.group(2)) if match else ("", unverified_token)
    presented = _hash(secret)
    with db.read() as session:
        row = session.execute(
            select(ApiToken, User, Party)
            .join(User, ApiToken.user_id == User.id)
            .outerjoin(Party, User.party_id == Party.id)
            .where(ApiToken.token_id == token_id)
        ).first()
    if row is None:
        hmac.compare_digest(presented, bytes(32))
        return None
    token, user, party = row
    if not hmac.compare_digest(presented, bytes(token.secret_hash)):
        return None
    if token.revoked_at is not None or aware(token.expires_at) <= at or user.disabled_at:
        return None
    return Actor(
        user_id=user.id,
        name=user.name,
        role=user.role,
        party_id=party.id if party else None,
        party=party.code if party else None,
        treaty=party.treaty_id if party else None,
    )
