"""What every use-case shares: the database handle, the acting user, access facts, errors.

A use-case runs in one transaction (``Database.write()``): its ORM changes and the log entry
that records them commit together or not at all. Concurrent use-cases of one process share a
commit (``armsctl.service.group_commit``): each runs in its own savepoint of a batch and
returns only once the batch is committed. Reads that touch nothing confidential use
``Database.read()``, which on SQLite opens a deferred transaction on a separate engine so that
readers never queue behind the writer's ``BEGIN IMMEDIATE``. An audited read
(``Database.audited_read()``) reads there too; the audit events it records are then written
through the group commit as plain rows (one INSERT for all the events of a batch), and the
read returns only once they are durable.

Authorisation is not decided here. A use-case that touches a protected resource takes an
``allow`` callback and calls it, inside its transaction, with the facts the decision needs
(``Resource``); the API passes its role x action table, the local CLI (which already holds the
database) passes ``allow_all``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.orm import Session
from typing_extensions import TypeVar

# Bound here too for callers that import them from this module; they live in armsctl.errors.
from armsctl.errors import AccessDenied as AccessDenied
from armsctl.errors import ConflictError as ConflictError
from armsctl.errors import NotFoundError
from armsctl.service.group_commit import GroupCommit
from armsctl.store.engine import make_engine
from armsctl.store.ledger import LedgerStore
from armsctl.store.models import AuditEvent, Party, TreatyRow

if TYPE_CHECKING:
    # The treaty models and the entry envelope are imported where a use-case needs them, so
    # that opening the database (``users list``) validates no treaty and seals nothing.
    from armsctl.ledger.note import SignerKey
    from armsctl.service.witnessing import Witnessing
    from armsctl.treaty.schema import Treaty

__all__ = [
    "Actor",
    "Allow",
    "Database",
    "Page",
    "Resource",
    "allow_all",
    "audit",
    "b64",
    "iso",
    "party_by_code",
    "slice_page",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a user, their role and (for party and inspector users) their party."""

    user_id: int | None
    name: str
    role: str
    party_id: int | None = None
    party: str | None = None
    treaty: str | None = None


#: The local operator at the command line (it holds the database file already).
LOCAL = Actor(user_id=None, name="local-cli", role="operator")


@dataclass(frozen=True, slots=True)
class Resource:
    """The facts an authorisation decision needs about one resource."""

    kind: str
    ref: str
    owner: int | None = None
    parties: frozenset[int] = frozenset()
    inspectors: frozenset[int] = frozenset()
    active: bool = False


Allow = Callable[[Resource], None]


def allow_all(resource: Resource) -> None:
    """Grant everything: for the local CLI, which holds the database itself."""


#: What a page holds: the rows as plain dicts (the JSON a view serves) unless it says otherwise.
_Row = TypeVar("_Row", default=dict[str, Any])


@dataclass(frozen=True, slots=True)
class Page(Generic[_Row]):
    """One page of a list: its rows and the total before paging.

    ``next_offset`` says where the next page starts, ``None`` on the last page: a caller can
    never take a cut list for the whole.
    """

    results: list[_Row]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.results)
        return end if end < self.total else None

    def bounds(self) -> dict[str, int | None]:
        """Where the page stands in the whole list: ``total``, ``limit``, ``offset``, ``next_offset``."""
        return {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": self.next_offset,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"results": self.results, **self.bounds()}


def slice_page(rows: list[_Row], limit: int, offset: int) -> Page[_Row]:
    """Page a short list already in memory (treaties, quotas, reveals)."""
    return Page(rows[offset : offset + limit], len(rows), limit, offset)


#: ``Session.info`` key of the audit events an audited read holds until it ends.
_AUDIT_SINK = "armsctl.audit_events"
_AUDIT_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]


@dataclass
class Database:
    """Engines, the log, and the key that seals the server's log entries."""

    url: str
    signer: SignerKey
    engine: Engine = field(init=False)
    reader: Engine = field(init=False)
    ledger: LedgerStore = field(init=False)
    #: The witnesses each new checkpoint is submitted to (``service.witnessing``), if any.
    witnessing: Witnessing | None = field(default=None, init=False)
    #: The process's one writer: concurrent write transactions share a commit.
    writer: GroupCommit = field(init=False)
    _treaties: dict[str, Treaty] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url)
        memory = self.url in ("sqlite://", "sqlite:///:memory:")
        sqlite = self.url.startswith("sqlite")
        self.reader = (
            make_engine(self.url, read_only=True) if sqlite and not memory else self.engine
        )
        self.ledger = LedgerStore()
        self.writer = GroupCommit(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection (tests and shutdown)."""
        if self.witnessing is not None:
            self.witnessing.close()
        tokens = self.__dict__.get("_token_cache")  # service.token_cache, if it was used
        if tokens is not None:
            tokens.close()
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    @contextlib.contextmanager
    def write(self) -> Iterator[tuple[Session, Connection]]:
        """One use-case's transaction: ORM session and log share the same connection.

        It is a savepoint of the process's current batch (``GroupCommit``); leaving the block
        returns only once the batch is committed, so a caller never reports a change that a
        crash could still lose.
        """
        with self.writer.write() as (session, conn):
            yield session, conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction."""
        with self.reader.begin() as conn, Session(bind=conn) as session:
            yield session

    @contextlib.contextmanager
    def audited_read(self) -> Iterator[Session]:
        """A read whose ``audit(...)`` events are committed after it, before it returns.

        The read runs on the read engine, so audited reads never hold the write lock while
        they query; their events then join the group commit (many per commit). The block
        returns only once its events are durable: an audited answer is never given without
        its audit record. If the block raises, its events are dropped with it, as a rolled
        back write transaction would drop them (a refusal is audited by the error handler).
        """
        events: list[dict[str, Any]] = []
        with self.read() as session:
            session.info[_AUDIT_SINK] = events
            yield session
        if events:
            # Plain rows through the group commit: no session or savepoint per read.
            self.writer.insert(_AUDIT_TABLE, events)

    # -- helpers shared by the use-cases ---------------------------------------------------

    def treaty(self, session: Session, treaty_id: str) -> Treaty:
        """Return the stored treaty, validated once per process."""
        from armsctl.treaty.schema import Treaty  # its models: only for a treaty's use-cases

        cached = self._treaties.get(treaty_id)
        if cached is not None:
            return cached
        row = session.get(TreatyRow, treaty_id)
        if row is None:
            raise NotFoundError(f"no treaty {treaty_id!r} on this server")
        treaty = Treaty.model_validate(row.document)
        self._treaties[treaty_id] = treaty
        return treaty

    def append(
        self,
        conn: Connection,
        *,
        kind: str,
        treaty: str,
        party: str,
        at: dt.datetime,
        body: dict[str, Any],
    ) -> int:
        """Seal one entry with the server key and append it; return its log index."""
        from armsctl.ledger.envelope import seal_entry  # RFC 8785: only to write

        data = seal_entry(
            kind=kind, treaty=treaty, party=party, at=at, body=body, signer=self.signer
        )
        return self.ledger.append(conn, [data]).first_index


def party_by_code(session: Session, treaty: str, code: str, *, lock: bool = False) -> Party:
    """Find a party of a treaty by its code, optionally locking its row until commit.

    Raises:
        NotFoundError: if the treaty has no such registered party.
    """
    query = select(Party).where(Party.treaty_id == treaty, Party.code == code)
    if lock:
        query = query.with_for_update()
    party = session.scalars(query).first()
    if party is None:
        raise NotFoundError(f"party {code!r} is not registered under treaty {treaty!r}")
    return party


def audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    resource: str,
    at: dt.datetime,
    outcome: str = "read",
    detail: str = "",
) -> None:
    """Record who read (or was refused) what; the caller's transaction commits it.

    In ``Database.audited_read()`` the event is held as a plain row (every column but the id,
    as the ORM object would insert it) and committed when the read ends: building an ORM
    object only to read its attributes back cost more than the rest of the event.
    """
    row = {
        "at": at,
        "user_id": actor.user_id,
        "role": actor.role,
        "action": action,
        "outcome": outcome,
        "resource": resource,
        "detail": detail,
    }
    sink: list[dict[str, Any]] | None = session.info.get(_AUDIT_SINK)
    if sink is not None:
        sink.append(row)
    else:
        session.add(AuditEvent(**row))


def b64(data: bytes) -> str:
    """Base64 text of bytes: how the views carry roots, proofs and ciphertexts in JSON."""
    return base64.b64encode(data).decode("ascii")


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """ISO text of a date or time, ``None`` kept; naive datetimes from SQLite are UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()
