"""The log as the server runs it: status, signed checkpoints, proofs, audit; the audit trail."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from armsctl.errors import IntegrityError, NotFoundError, ParameterError, VerificationError
from armsctl.ledger.bundle import Consistency, ProofBundle, TrustPolicy, verify_bundle
from armsctl.ledger.envelope import Entry, open_entry
from armsctl.ledger.merkle import verify_consistency
from armsctl.ledger.note import VerifierKey
from armsctl.service._base import Database, Page, b64, iso
from armsctl.service._paging import fetch_page
from armsctl.service.records import Record, Time
from armsctl.store.ledger import LedgerStore
from armsctl.store.models import AuditEvent, Party, PartyKey, User

__all__ = [
    "AuditEventPublic",
    "CheckpointPublic",
    "LogAuditPublic",
    "LogEntryPublic",
    "LogStatusPublic",
    "audit_ledger",
    "audit_log",
    "build_proof_bundle",
    "check_authorship",
    "find_checkpoint",
    "is_server_database",
    "list_audit_events",
    "log_entry",
    "log_status",
    "proof_bundle",
    "proof_url",
    "sign_checkpoint",
    "trust_policy",
]


class LogStatusPublic(Record):
    """The log's size, root (base64), key and latest signed checkpoint (null before the first)."""

    size: int
    root: str
    log_key: str
    checkpoint: str | None


class CheckpointPublic(Record):
    """A checkpoint just signed (with the cosignatures the witnesses gave, if any)."""

    size: int
    checkpoint: str


class LogEntryPublic(Record):
    """An entry's canonical text, its leaf hash (hex) and the path of its proof bundle."""

    index: int
    entry: str
    entry_hash: str
    proof: str


class LogAuditPublic(Record):
    """The server's audit of its own log against its own key."""

    ok: bool
    entries: int
    nodes: int
    checkpoints: int
    server_database: bool
    party_signed: int
    operator_sealed: int
    first_problem: str | None
    problems: list[str]


class AuditEventPublic(Record):
    """Who read confidential data, who changed an account, who was refused."""

    id: int
    at: Time
    user: str | None
    role: str
    action: str
    outcome: str
    resource: str
    detail: str


def log_status(db: Database) -> LogStatusPublic:
    """Size, root, the log key and the latest signed checkpoint."""
    with db.read() as session:
        conn = session.connection()
        size = db.ledger.size(conn)
        latest = db.ledger.latest_checkpoint(conn)
        return LogStatusPublic(
            size=size,
            root=b64(db.ledger.root(conn, size)),
            log_key=str(db.signer.verifier()),
            checkpoint=latest[2] if latest else None,
        )


def sign_checkpoint(db: Database) -> CheckpointPublic:
    """Sign a checkpoint of the current tree with the server's log key.

    With witnesses configured, the checkpoint is then submitted to them (outside the log's
    transaction) and returned with the cosignatures they gave.
    """
    with db.write() as (_session, conn):
        note = db.ledger.sign_checkpoint(conn, db.signer)
        size = db.ledger.size(conn)
    if db.witnessing is not None:
        note = db.witnessing.gather(db) or note
    return CheckpointPublic(size=size, checkpoint=note)


def proof_url(index: int) -> str:
    """Where the API serves the proof bundle of log entry ``index`` (no token needed)."""
    return f"/api/v1/log/entries/{index}/proof"


def log_entry(db: Database, *, index: int) -> LogEntryPublic:
    """An entry's bytes and hash, with the link to its proof bundle."""
    from armsctl.ledger.merkle import leaf_hash

    if index < 0:
        raise ParameterError("index must be >= 0")
    with db.read() as session:
        data = db.ledger.entry(session.connection(), index)
    return LogEntryPublic(
        index=index,
        entry=data.decode("utf-8"),
        entry_hash=leaf_hash(data).hex(),
        proof=proof_url(index),
    )


def find_checkpoint(
    conn: Connection, ledger: LedgerStore, *, seq: int | None = None, size: int | None = None
) -> tuple[int, int, str]:
    """A stored signed checkpoint ``(seq, size, note)``: by number, by size, or the latest.

    Raises:
        NotFoundError: if there is no such checkpoint (or none at all yet).
    """
    c = ledger.t.checkpoints.c
    query = select(c.seq, c.size, c.note)
    if seq is not None:
        query = query.where(c.seq == seq)
    if size is not None:
        query = query.where(c.size == size)
    row = conn.execute(query.order_by(c.seq.desc()).limit(1)).first()
    if row is None:
        if seq is None and size is None:
            raise NotFoundError("the log has no signed checkpoint yet; sign one first")
        which = f"number {seq}" if seq is not None else f"of size {size}"
        raise NotFoundError(f"the log has no checkpoint {which}")
    return int(row[0]), int(row[1]), str(row[2])


def build_proof_bundle(
    conn: Connection,
    ledger: LedgerStore,
    *,
    index: int,
    log_key: VerifierKey,
    checkpoint: int | None = None,
    size: int | None = None,
    from_size: int | None = None,
) -> ProofBundle:
    """The one producer of proof bundles: CLI, API and web pages all call it.

    The proof is made against a signed checkpoint (the latest, or the one numbered
    ``checkpoint``, or the one of ``size``), never against the unsigned head, and is checked
    against that checkpoint with ``log_key`` before it is returned: a proof read from a damaged
    stored node is refused, not served. ``from_size`` adds a consistency proof from an older
    tree size the client holds.

    Raises:
        NotFoundError: if there is no such checkpoint or entry.
        ParameterError: if the entry is newer than the checkpoint, or ``from_size`` is larger.
        VerificationError: if the stored log does not reproduce its own signed checkpoint.
    """
    if index < 0:
        raise ParameterError("index must be >= 0")
    seq, tree_size, note = find_checkpoint(conn, ledger, seq=checkpoint, size=size)
    if index >= tree_size:
        raise ParameterError(
            f"entry {index} is not covered by checkpoint {seq} (size {tree_size}); "
            "it will be once the operator signs the next checkpoint"
        )
    consistency = None
    if from_size is not None:
        if not 0 <= from_size <= tree_size:
            raise ParameterError(f"from_size {from_size} is not between 0 and {tree_size}")
        proof = ledger.consistency_proof(conn, from_size, tree_size)
        consistency = Consistency(from_size, tuple(proof))
    bundle = ProofBundle(
        entry=ledger.entry(conn, index),
        index=index,
        size=tree_size,
        inclusion=tuple(ledger.inclusion_proof(conn, index, tree_size)),
        checkpoint=note,
        consistency=consistency,
    )
    try:
        head = verify_bundle(bundle, trust=TrustPolicy(log_key))
        if consistency is not None and not verify_consistency(
            consistency.old_size,
            tree_size,
            ledger.root(conn, consistency.old_size),
            head.root,
            list(consistency.proof),
        ):
            raise VerificationError(
                f"the consistency proof from size {consistency.old_size} does not verify"
            )
    except VerificationError as exc:
        raise VerificationError(
            f"refusing to hand out a proof of entry {index} that does not verify against "
            f"checkpoint {seq}: {exc}"
        ) from None
    return bundle


def proof_bundle(
    db: Database, *, index: int, checkpoint: int | None = None, from_size: int | None = None
) -> dict[str, Any]:
    """The ``armsctl/proof-bundle/v1`` document of entry ``index`` (see ``build_proof_bundle``).

    A document in its own format, which readers save and verify offline, so it stays the
    plain JSON ``ProofBundle.to_json`` writes rather than a record.
    """
    with db.read() as session:
        bundle = build_proof_bundle(
            session.connection(),
            db.ledger,
            index=index,
            log_key=db.signer.verifier(),
            checkpoint=checkpoint,
            from_size=from_size,
        )
    return bundle.to_json()


def trust_policy(db: Database) -> TrustPolicy:
    """The policy this server offers its readers: its log key and its witnesses' keys.

    The quorum offered is a majority of the configured witnesses, so that one witness being
    down does not fail every check. It is only an offer: a reader pins it on first use, or
    replaces it with keys and a quorum obtained out of band.
    """
    witnesses = tuple(e.key for e in db.witnessing.endpoints) if db.witnessing else ()
    quorum = len(witnesses) // 2 + 1 if witnesses else 0
    return TrustPolicy(db.signer.verifier(), witnesses, quorum)


def _registered(session: Session) -> dict[tuple[str, str], list[tuple[VerifierKey, Any]]]:
    """Every key ever registered, by (treaty, party code), with its revocation time."""
    rows = session.execute(
        select(Party.treaty_id, Party.code, PartyKey.verifier_key, PartyKey.revoked_at).join(
            PartyKey, PartyKey.party_id == Party.id
        )
    ).all()
    out: dict[tuple[str, str], list[tuple[VerifierKey, Any]]] = {}
    for treaty, code, text, revoked in rows:
        out.setdefault((treaty, code), []).append((VerifierKey.parse(text), revoked))
    return out


def _stream(ledger: LedgerStore, session: Session) -> Iterator[tuple[int, bytes]]:
    c = ledger.t.entries.c
    after = -1
    while True:
        rows = session.execute(
            select(c.seq, c.data).where(c.seq > after).order_by(c.seq).limit(1000)
        ).all()
        if not rows:
            return
        for seq, data in rows:
            yield int(seq), bytes(data)
        after = int(rows[-1][0])


def _party_signed(entry: Entry, keys: list[tuple[VerifierKey, Any]]) -> bool:
    """Whether a registered key of the entry's party (unrevoked at the entry's time) signed it."""
    at = dt.datetime.fromisoformat(entry.time)
    for key, revoked in keys:
        if key.public_key != entry.key.public_key:
            continue
        if revoked is None:
            return True
        revoked_at = revoked if revoked.tzinfo else revoked.replace(tzinfo=dt.UTC)
        return bool(at < revoked_at)
    return False


def check_authorship(ledger: LedgerStore, session: Session, log_key: VerifierKey) -> dict[str, Any]:
    """Check who signed each entry: the log key (operator-attested) or the party's own key.

    An entry signed by any other key, or by a party key after its revocation, is a problem:
    the first one is named. Signatures themselves are checked by the tree audit.
    """
    registered = _registered(session)
    counts = {"party_signed": 0, "operator_sealed": 0}
    for seq, data in _stream(ledger, session):
        try:
            entry = open_entry(data)
        except IntegrityError as exc:
            return {**counts, "problem": f"entry {seq}: {exc}"}
        if entry.key.public_key == log_key.public_key:
            counts["operator_sealed"] += 1
        elif _party_signed(entry, registered.get((entry.treaty, entry.party), [])):
            counts["party_signed"] += 1
        else:
            return {
                **counts,
                "problem": f"entry {seq}: signed by neither the log key nor a key registered "
                f"for {entry.party} under {entry.treaty}",
            }
    return {**counts, "problem": None}


def is_server_database(conn: Connection) -> bool:
    """Whether a database is an armsctl server's (it has parties), not a stand-alone log."""
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(Party.__tablename__))


def audit_ledger(
    session: Session,
    ledger: LedgerStore,
    log_key: VerifierKey | None,
    *,
    check_envelopes: bool = True,
) -> LogAuditPublic:
    """The one audit, for the server (``GET /log/audit``) and ``armsctl ledger audit`` alike.

    Recomputes every leaf and node, checks every checkpoint and the log's recorded origin and
    key, and every entry's signature; on a server's database also who signed each entry (the
    log key, or a key registered for the entry's party). ``log_key`` is the key the auditor
    trusts; without it the recorded key is used, which proves consistency, not authorship.
    """
    conn = session.connection()
    report = ledger.audit(conn, log_key=log_key, check_envelopes=check_envelopes)
    problems = list(report.problems)
    signers: dict[str, Any] = {"party_signed": 0, "operator_sealed": 0, "problem": None}
    server = is_server_database(conn)
    key = log_key
    if key is None:
        with contextlib.suppress(IntegrityError):
            key = ledger.log_key(conn)
    if report.ok and server:
        if key is None:
            problems.append("no log key is known to tell operator-sealed entries apart")
        else:
            signers = check_authorship(ledger, session, key)
            if signers["problem"] is not None:
                problems.append(str(signers["problem"]))
    return LogAuditPublic(
        ok=not problems,
        entries=report.entries,
        nodes=report.nodes,
        checkpoints=report.checkpoints,
        server_database=server,
        party_signed=signers["party_signed"],
        operator_sealed=signers["operator_sealed"],
        first_problem=problems[0] if problems else None,
        problems=problems,
    )


def audit_log(db: Database) -> LogAuditPublic:
    """Audit the server's own log against its own key (see ``audit_ledger``)."""
    with db.read() as session:
        return audit_ledger(session, db.ledger, db.signer.verifier())


def list_audit_events(db: Database, *, limit: int = 50, offset: int = 0) -> Page[AuditEventPublic]:
    """Audit events, newest first (who read what confidential data, who was refused)."""
    with db.read() as session:
        query = select(AuditEvent, User.name).outerjoin(User, AuditEvent.user_id == User.id)
        rows, total = fetch_page(session, query, AuditEvent.id.desc(), limit=limit, offset=offset)
        return Page(
            [
                AuditEventPublic(
                    id=e.id,
                    at=iso(e.at),
                    user=name,
                    role=e.role,
                    action=e.action,
                    outcome=e.outcome,
                    resource=e.resource,
                    detail=e.detail,
                )
                for e, name in rows
            ],
            total,
            limit,
            offset,
        )
