"""Publishing and reading zero-knowledge proofs that a committed total is within a limit.

A party publishes a proof it made with ``armsctl zk prove``; the server reads it strictly,
checks it against the treaty it holds (the maximum comes from the server's treaty, never from
the proof, and the party must be the caller's own), refuses one that does not verify, then
stores it and logs the whole public document (site commitments included) so anyone can check
it from the log. Reading is public: the proof reveals no count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from armsctl.errors import InputError, NotFoundError, Problem
from armsctl.service._base import Actor, Allow, Database, Page, Resource, iso, party_by_code
from armsctl.service._paging import Listing, owned_page, with_party_code
from armsctl.service.entries import Draft, append_for_party
from armsctl.service.records import Day, Record, Time
from armsctl.store.models import ZkProof
from armsctl.treaty.schema import Treaty
from armsctl.zk import RangeProof, verify
from armsctl.zk.limits import context_for

__all__ = [
    "ENTRY_KIND",
    "ZkProofPublic",
    "get_proof",
    "list_proofs",
    "publish_proof",
    "zk_proof_entry",
]

#: The kind of the log entry that holds a published proof.
ENTRY_KIND = "zk-range-proof"


class ZkProofPublic(Record):
    """A published range proof with its public document; ``maximum`` is the server's limit."""

    id: int
    treaty: str
    party: str
    limit: str
    maximum: int | None
    as_of: Day
    bits: int
    sites: int
    published_at: Time
    log_index: int
    note: str
    proof: dict[str, Any]


def zk_proof_entry(
    *,
    treaty: str,
    party: str,
    document: dict[str, Any],
    at: dt.datetime,
    ref: int | None = None,
    note: str = "",
) -> Draft:
    """The log entry of a published proof: the whole public document.

    ``ref`` (the row id) is kept only in operator-sealed entries; a party signs the draft
    without it in its client (``armsctl zk publish --key``). A ``note`` (the demo's "synthetic
    demo data") is part of what the party signs, so it travels with the proof in the log.
    """
    body: dict[str, Any] = {"document": document}
    if note:
        body["note"] = note
    if ref is not None:
        body = {"zk_proof": ref, **body}
    return Draft(ENTRY_KIND, treaty, party, at, body)


def _maximum(treaty: Treaty, limit: str) -> int | None:
    """The limit's maximum in the server's treaty (not the proof's claim)."""
    try:
        return treaty.limit(limit).maximum
    except KeyError:
        return None


def _public(row: ZkProof, party: str, maximum: int | None) -> ZkProofPublic:
    return ZkProofPublic(
        id=row.id,
        treaty=row.treaty_id,
        party=party,
        limit=row.limit_id,
        maximum=maximum,
        as_of=iso(row.as_of),
        bits=row.bits,
        sites=row.sites,
        published_at=iso(row.published_at),
        log_index=row.log_index,
        note=row.note or "",
        proof=row.document,
    )


def publish_proof(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    document: Any,
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
    note: str = "",
) -> ZkProofPublic:
    """Check, store and log a party's proof.

    ``note`` says what the figures behind the proof are (the demo's: "synthetic demo data");
    it is stored, logged with the proof and shown wherever the proof is.

    With ``signed_entry`` (base64 of the entry ``zk_proof_entry`` builds, sealed with the
    party's registered key) the log holds the party's own signature over the document;
    otherwise the server seals it, unless ``require_signature`` refuses unsigned submissions.

    Raises:
        InputError: naming the field if the document is malformed, its context is not one the
            server's treaty allows, or the proof does not verify (with the failed check).
        NotFoundError: for an unknown treaty or party.
        armsctl.service._base.AccessDenied: if the proof is for another party than the caller's.
    """
    try:
        proof = RangeProof.from_json(document)
    except InputError as exc:
        raise InputError([Problem("", "", p.message) for p in exc.problems]) from None
    claimed = proof.context
    if claimed.treaty != treaty:
        raise InputError(f"proof.context.treaty: {claimed.treaty!r}, the request's is {treaty!r}")
    with db.write() as (session, conn):
        doc = db.treaty(session, treaty)
        party = party_by_code(session, treaty, claimed.party)
        allow(Resource("zk-proof", f"{treaty}/{claimed.party}", owner=party.id))
        try:
            expected = context_for(
                doc,
                limit=claimed.limit,
                party=claimed.party,
                as_of=claimed.as_of,
                bits=claimed.bits,
            )
        except InputError as exc:
            raise InputError(f"proof.context: {exc}") from None
        result = verify(proof, expected)
        failed = result.failed
        if failed is not None:
            raise InputError(f"proof: does not verify ({failed.name}: {failed.detail})")
        public = proof.to_json()
        row = ZkProof(
            treaty_id=treaty,
            party_id=party.id,
            limit_id=expected.limit,
            as_of=dt.date.fromisoformat(expected.as_of),
            bits=expected.bits,
            sites=len(proof.commitments),
            document=public,
            note=note,
            published_by=actor.user_id,
            published_at=at,
            log_index=-1,
        )
        session.add(row)
        session.flush()
        row.log_index = append_for_party(
            db,
            session,
            conn,
            signed=zk_proof_entry(
                treaty=treaty, party=claimed.party, document=public, at=at, note=note
            ),
            sealed=zk_proof_entry(
                treaty=treaty, party=claimed.party, document=public, at=at, ref=row.id, note=note
            ),
            party_id=party.id,
            signed_entry=signed_entry,
            require_signature=require_signature,
        )
        return _public(row, claimed.party, expected.maximum)


def list_proofs(db: Database, listing: Listing) -> Page[ZkProofPublic]:
    """Published proofs of a treaty, oldest first (each with its full public document).

    ``listing.party`` keeps one proving party's (by code).
    """
    with db.read() as session:
        doc = db.treaty(session, listing.treaty)
        rows, total = owned_page(session, ZkProof, listing, ZkProof.id)
        return listing.page(
            [_public(r, code, _maximum(doc, r.limit_id)) for r, code in rows], total
        )


def get_proof(db: Database, *, proof_id: int) -> ZkProofPublic:
    """One published proof.

    Raises:
        NotFoundError: if there is no such proof.
    """
    with db.read() as session:
        found = session.execute(with_party_code(ZkProof).where(ZkProof.id == proof_id)).first()
        if found is None:
            raise NotFoundError(f"no zero-knowledge proof {proof_id}")
        row, code = found
        return _public(row, code, _maximum(db.treaty(session, row.treaty_id), row.limit_id))
