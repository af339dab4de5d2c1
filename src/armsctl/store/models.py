"""The server's tables as SQLAlchemy 2 typed ORM models (the log's tables live in ``ledger``).

Confidentiality is a property of the schema, not only of the API: item-level rows sit in their
own table (``declaration_items``) keyed to the declaring party, and nothing that joins them into
a public view exists here. Aggregate figures and the public commitment (root, per-category
counts, size) live on ``declarations``, which every role may read. Token secrets are never
stored: only a SHA-256 of each secret, next to a public token id used to find the row.

Every table uses portable types (JSON, timezone-aware datetimes) so that the same models and the
same migrations run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Declaration",
    "DeclarationItem",
    "IdempotencyRecord",
    "Inspection",
    "InspectionInspector",
    "Notification",
    "NotificationAck",
    "Observation",
    "Party",
    "PartyKey",
    "Reveal",
    "SealedItem",
    "TreatyRow",
    "UTCDateTime",
    "User",
    "WebSessionRow",
    "WorkbenchDraft",
    "ZkProof",
]

#: Every role a user can hold; authorisation decisions live in ``armsctl.access.authz``.
ROLES = ("inspector", "observer", "operator", "party")

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp stored in UTC on every backend.

    SQLite has no timestamp type: it keeps the text it is given and drops the offset on the way
    back, so ``10:00+05:00`` would read back as ``10:00+00:00``, five hours wrong, and disagree
    with the signed log entry. Normalising to UTC on write (and marking UTC on read) makes SQLite
    agree with PostgreSQL. A naive datetime is refused: the store never guesses a zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Convert an aware datetime to UTC for storage.

        Raises:
            ValueError: for a naive datetime (no zone is ever assumed).
        """
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp {value.isoformat()} has no time zone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Return the stored value as an aware UTC datetime (SQLite hands it back naive)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base: constraints named the way migrations name them, every time in UTC.

    A ``Mapped[dt.datetime]`` column is a :class:`UTCDateTime` wherever it is declared, so no
    table can store a time that reads back in another zone; ``| None`` makes it nullable.
    """

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime}


class TreatyRow(Base):
    """A treaty as loaded and validated, so a server keeps working if the bundle changes."""

    __tablename__ = "treaties"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime]


class Party(Base):
    """A state party to one treaty (its code as the treaty writes it)."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("treaty_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime]
    #: The party's X25519 public key (``x25519:<base64>``, ``armsctl.ledger.sealing``): every
    #: confidential row the server persists for the party is sealed to it.
    encryption_key: Mapped[str | None] = mapped_column(Text, nullable=True)


class PartyKey(Base):
    """A party's Ed25519 verifier key (C2SP note key string); revoked keys stay for audits."""

    __tablename__ = "party_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    verifier_key: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class User(Base):
    """A person or system with one role; ``party`` and ``inspector`` users act for a party."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), nullable=True)
    created_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    """A bearer token: a public id to find the row and the SHA-256 of the secret part."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class Declaration(Base):
    """One party's declaration as of one date: public figures and, if item-level, a commitment.

    ``figures`` holds the aggregate measures (limit ids or ``category/status[/attr]``
    components); for an item-level declaration they are the components derived from the items,
    which the treaty exchanges anyway. ``commitment`` is the escrow's public declaration.
    """

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("treaty_id", "party_id", "as_of"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    commitment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: The declaring party's secrets of the commitment (facility salts): never shown to others.
    private: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime]
    log_index: Mapped[int] = mapped_column(BigInteger)


class DeclarationItem(Base):
    """One declared item in clear, from before items were sealed (``armsctl db reseal``).

    New declarations store ``SealedItem`` rows only; resealing moves these into them.
    """

    __tablename__ = "declaration_items"
    __table_args__ = (UniqueConstraint("declaration_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(Text)
    facility: Mapped[str] = mapped_column(Text)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class SealedItem(Base):
    """One item row encrypted to its party (``armsctl.ledger.sealing``): opaque to the server."""

    __tablename__ = "sealed_items"
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Notification(Base):
    """A treaty notification from one party to another (or to all, ``recipient_id`` null)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Salt of the body commitment in the log; shown to the sender and the recipients only.
    body_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    #: The body sealed to the sender and the recipients (``sealing.seal_value``) with its
    #: log commitment; ``body`` is then ``{}``. Null for rows stored before encryption at rest
    #: (``armsctl db reseal`` seals them).
    sealed_body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    sent_at: Mapped[dt.datetime]
    acknowledged_at: Mapped[dt.datetime | None]
    log_index: Mapped[int] = mapped_column(BigInteger)


class NotificationAck(Base):
    """One recipient party's acknowledgement of a notification (a broadcast has several).

    ``Notification.acknowledged_at`` predates this table and is kept for direct notifications;
    the acknowledgements themselves are these rows, one per (notification, party).
    """

    __tablename__ = "notification_acks"
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[dt.datetime]
    log_index: Mapped[int] = mapped_column(BigInteger)


class Inspection(Base):
    """An inspection consuming one quota slot; ``slot`` makes overspending impossible.

    The unique (treaty, inspecting party, quota, year, slot) constraint is the backstop behind
    the row lock the service takes: two transactions that both saw the last free slot cannot
    both commit it.
    """

    __tablename__ = "inspections"
    __table_args__ = (
        UniqueConstraint("treaty_id", "inspecting_party_id", "quota_id", "year", "slot"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"))
    inspecting_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    inspected_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    quota_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    #: The site in clear: rows from before it was sealed only (``""`` once sealed).
    site: Mapped[str] = mapped_column(Text)
    #: Salt of the site commitment the log carries (SHA-256 of salt || site), for rows from
    #: before sealing; a sealed site's salt is sealed with it.
    site_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[dt.datetime]
    #: The arrival in clear: rows from before it was sealed only (see ``sealed``).
    scheduled_for: Mapped[dt.datetime | None]
    #: Salts of the arrival and findings commitments in the log: rows from before sealing only.
    arrival_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    findings_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    findings: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    reported_at: Mapped[dt.datetime | None]
    #: The site, the arrival time and the findings sealed to both parties
    #: (``sealing.seal_value``), each with its log commitment: ``{"site": ..., "arrival": ...,
    #: "findings": ...}``; ``site``, ``scheduled_for``, ``findings`` and their salts then hold
    #: nothing. Null for rows stored before encryption at rest (``armsctl db reseal`` seals them).
    sealed: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class InspectionInspector(Base):
    """An inspector granted access to one inspection's reveals while it is in progress."""

    __tablename__ = "inspection_inspectors"
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Reveal(Base):
    """Items of the inspected site opened against a committed declaration, with proofs."""

    __tablename__ = "reveals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: 1: the reveal verified against the commitment when stored (older rows: the number of
    #: items verified, which ``armsctl db reseal`` reduces to 1; the count is the site's).
    verified: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]


class Observation(Base):
    """An observation (satellite, drone, open source) about a party, recorded by anyone."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), nullable=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(32))
    observed_at: Mapped[dt.datetime]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Salt of the body commitment in the log.
    body_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    recorded_at: Mapped[dt.datetime]
    log_index: Mapped[int] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Who read confidential data or was refused, when, and why (never a token)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")


class IdempotencyRecord(Base):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed to its retries.

    ``scope`` is a digest of the caller's credentials (never the token itself), so one caller's
    key never answers another's request. ``status`` is empty while the first request runs.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class WebSessionRow(Base):
    """A signed-in browser, shared by every server process.

    ``key`` is the SHA-256 of the session id that only the browser holds (in its cookie);
    ``sealed`` is the session's API token and CSRF token encrypted under a key derived from that
    id, so a reader of the database learns no usable token without the browser's cookie.
    """

    __tablename__ = "web_sessions"
    key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class ZkProof(Base):
    """A published zero-knowledge proof that a party's committed total is within a limit.

    ``document`` is the public proof (site commitments and range proof, no count); the same
    document is in the log entry at ``log_index``. Nothing secret is stored: the openings stay
    with the party.
    """

    __tablename__ = "zk_proofs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    limit_id: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    bits: Mapped[int] = mapped_column(Integer)
    sites: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: What the publishing party says of the figures behind it (``synthetic demo data``), or "".
    note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    published_at: Mapped[dt.datetime]
    log_index: Mapped[int] = mapped_column(BigInteger)


class WorkbenchDraft(Base):
    """A negotiation draft saved from the workbench page: the changes and baselines typed in.

    A draft is a negotiating position, so it is its party's alone: ``visibility`` is
    ``private`` (the owning party's users), ``parties`` (also the party codes in
    ``shared_with``) or ``public`` (every signed-in user). The figures are recomputed from the
    stored treaty whenever the draft is opened; nothing computed is stored.
    """

    __tablename__ = "workbench_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treaty_id: Mapped[str] = mapped_column(ForeignKey("treaties.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    visibility: Mapped[str] = mapped_column(String(16))
    shared_with: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
