"""Declarations: aggregate figures (public to the treaty's parties) and committed item lists.

An item-level submission is committed with the escrow scheme (salted SHA-256 per item, RFC 9162
root over the sorted commitments). The log entry and every public view carry only what the
treaty releases: the party, the date, the item count per category and the Merkle root (the
escrow's public commitment), and the treaty's limit values computed from the items (one figure
per limit, which the parties exchange in clear). The derived components (status breakdowns,
attribute sums, per-zone counts) are kept in the store for the compliance engine and are never
shown. Items, salts and positions are stored for the declaring party only, so that the server
can later reveal chosen items to an inspector with their proofs.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pydantic import Field
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from armsctl.errors import ConflictError, DeclarationError, IntegrityError, NotFoundError, Problem
from armsctl.inventory.model import (
    ComponentKey,
    component_measure,
    measure_problem,
    parse_component_measure,
)
from armsctl.inventory.model import Declaration as CoreDeclaration
from armsctl.ledger.escrow import (
    SALT_SIZE,
    Commitment,
    commit_items,
    recording_rng,
    replay_rng,
    validate_items,
)
from armsctl.ledger.note import SignerKey
from armsctl.service._base import (
    Actor,
    Allow,
    Database,
    Page,
    Resource,
    audit,
    b64,
    iso,
    party_by_code,
)
from armsctl.service._json import json_problem
from armsctl.service._paging import Listing, fetch_page, owned_page, with_party_code
from armsctl.service.entries import (
    append_for_party,
    declaration_entry,
    items_declaration_entry,
)
from armsctl.service.log import proof_url
from armsctl.service.record import record_figure, unverified_measures
from armsctl.service.records import Day, Number, Record, Time
from armsctl.service.treaty_dates import check_declaration_date, history_marked
from armsctl.store.engine import insert_rows
from armsctl.store.models import Declaration, DeclarationItem, Party, SealedItem
from armsctl.treaty.schema import Treaty

__all__ = [
    "MAX_ITEMS",
    "ClientItems",
    "DeclarationFilePublic",
    "DeclarationItemPublic",
    "DeclarationPublic",
    "SealedItemsKey",
    "Submission",
    "audit_items_read",
    "core_declaration",
    "file_submissions",
    "get_declaration",
    "limit_values",
    "list_declarations",
    "owned_declaration",
    "owner_encryption_key",
    "read_items",
    "released_figures",
    "seal_items",
    "sign_items",
    "signed_components",
    "store_sealed_opening",
    "submit_aggregate",
    "submit_declarations",
    "submit_file",
    "submit_items",
    "submit_sealed_items",
]


def _check_figures(figures: Mapping[str, int], treaty: Treaty) -> None:
    problems = [
        Problem("figures", measure, message)
        for measure in sorted(figures)
        if (message := measure_problem(measure, treaty)) is not None
    ]
    problems += [
        Problem("figures", m, "must be a whole number >= 0")
        for m, v in sorted(figures.items())
        if not isinstance(v, int) or isinstance(v, bool) or v < 0
    ]
    if problems:
        raise DeclarationError(problems)


def _check_party(actor: Actor, treaty: str) -> None:
    """A party user acts under its own treaty only (the local CLI acts under any)."""
    if actor.treaty not in (None, treaty):
        raise DeclarationError([Problem("", "treaty", f"you act under {actor.treaty}")])


def limit_values(components: Mapping[str, int], treaty: Treaty) -> dict[str, int]:
    """Each treaty limit's value under its own counting rule, from item-derived components."""
    from armsctl.compliance.engine import rule_weights  # counting rules: only to file

    values: dict[str, int] = {}
    for key, value in components.items():
        parsed = parse_component_measure(key)
        if parsed is None:
            continue
        values[component_measure(parsed)] = int(value)
    out: dict[str, int] = {}
    for limit in treaty.limits:
        zones = limit.zones if limit.scope == "zone" else None
        weights = rule_weights(limit.counting, zones)
        out[limit.id] = sum(w * values.get(component_measure(k), 0) for k, w in weights.items())
    return dict(sorted(out.items()))


def _covered_measures(treaty: Treaty) -> set[str]:
    """The component measures an item-level entry's figures constrain: those a limit counts.

    A party-signed entry of sealed items says the limit values and the commitment's counts
    per category; a component no limit counts could be anything without changing either.
    """
    from armsctl.compliance.engine import rule_weights

    covered: set[str] = set()
    for limit in treaty.limits:
        zones = limit.zones if limit.scope == "zone" else None
        covered |= {
            component_measure(k) for k, w in rule_weights(limit.counting, zones).items() if w
        }
    return covered


def signed_components(components: Mapping[str, int], treaty: Treaty) -> dict[str, int]:
    """The components a party-signed sealed-items entry covers (what the client sends).

    Item counts per category (checked against the commitment) and what a treaty limit counts
    (checked through the signed limit values); a figure no limit counts is left out, since no
    signature would vouch for it.
    """
    covered = _covered_measures(treaty)
    out: dict[str, int] = {}
    for measure, value in components.items():
        key = parse_component_measure(measure)
        if key is not None and (
            component_measure(key) in covered or (key.quantity == "count" and not key.zone)
        ):
            out[measure] = value
    return out


def released_figures(items: Sequence[Mapping[str, Any]], treaty: Treaty) -> dict[str, int]:
    """The figures an item-level declaration releases: the treaty's limit values.

    Shared by the server and a party's client that signs the entry itself.

    Raises:
        DeclarationError: on malformed items (every problem listed, up to 50).
    """
    return limit_values(_components(items, treaty), treaty)


@dataclass(frozen=True, slots=True)
class ClientItems:
    """An item-level declaration as a party's own client commits to it and signs it.

    Signing the items in clear (``sign_items``) and sealing them from the server
    (``seal_items``) start from the same values: one definition keeps the two alike.
    ``recording_history`` marks the entry as recording the past (see ``history_marked``).
    """

    treaty: Treaty
    party: str
    as_of: dt.date
    items: Sequence[Mapping[str, Any]]
    at: dt.datetime
    recording_history: bool = False


def sign_items(
    signer: SignerKey, submission: ClientItems, *, rng: Callable[[int], bytes]
) -> dict[str, Any]:
    """What a party's own client adds to an item-level submission it signs.

    The client commits to the items itself (``escrow.commit_items``), signs the entry the server
    will log (``entries.items_declaration_entry``) and sends the salts it drew, from which the
    server rebuilds the same commitment: ``{"salts": [...], "signed_entry": "..."}``.
    """
    draw, drawn = recording_rng(rng)
    signed = _client_signed(signer, draw, submission)
    return {"salts": [d.hex() for d in drawn], "signed_entry": signed.entry}


@dataclass(frozen=True, slots=True)
class _Signed:
    """What a party's client committed and signed: the commitment, its components, the entry."""

    made: Commitment
    components: dict[str, int]
    entry: str


def _client_signed(signer: SignerKey, rng: Callable[[int], bytes], sub: ClientItems) -> _Signed:
    """Commit to items in a party's own client (salts from ``rng``) and sign the logged entry.

    Items a client signs (``sign_items``) and items it also seals (``seal_items``) are
    committed and signed alike; the entry releases the treaty's limit values only.
    """
    made = _commit(sub.items, sub.treaty.id, sub.party, sub.as_of, rng)
    components = _components(sub.items, sub.treaty)
    draft = items_declaration_entry(
        treaty=sub.treaty.id,
        party=sub.party,
        as_of=sub.as_of,
        figures=limit_values(components, sub.treaty),
        commitment=made.public,
        at=sub.at,
    )
    return _Signed(made, components, history_marked(draft, sub.recording_history).seal_b64(signer))


def _commit(
    items: Sequence[Mapping[str, Any]],
    treaty: str,
    party: str,
    as_of: dt.date,
    rng: Callable[[int], bytes],
) -> Commitment:
    """The escrow commitment of a party's items as of a date."""
    return commit_items(items, party=party, date=as_of.isoformat(), treaty=treaty, rng=rng)


class DeclarationPublic(Record):
    """The public view of a declaration: figures and commitment, never an item.

    For an item-level declaration ``figures`` are the treaty's limit values computed from the
    items and ``commitment`` is the escrow's public commitment; ``proof`` is the path of the
    log entry's proof bundle.
    """

    id: int
    treaty: str
    party: str
    as_of: Day
    kind: str
    status: str
    figures: dict[str, Number]
    unverified: list[str]
    commitment: dict[str, Any] | None
    note: str
    submitted_at: Time
    log_index: int
    proof: str | None


class DeclarationFilePublic(Record):
    """Every declaration a file held, stored and logged in one transaction."""

    results: list[DeclarationPublic]
    total: int


class SealedItemsKey(Record):
    """How a party opens its sealed item rows (``armsctl.ledger.sealing``)."""

    scheme: str
    wrapped_key: str
    private: str | None


class DeclarationItemPublic(Record):
    """One of the declaring party's own items.

    In clear on the server: ``index``, ``salt`` and ``item``. Sealed by the party's client:
    ``index``, ``ciphertext`` and ``sealed`` (what the party needs to open it).
    """

    index: int
    salt: str | None = Field(None, description="Items in clear: the item's 32-byte salt (hex).")
    item: dict[str, Any] | None = Field(None, description="Items in clear: the item record.")
    ciphertext: str | None = Field(None, description="Sealed items: the row (base64).")
    sealed: SealedItemsKey | None = Field(None, description="Sealed items: how to open it.")


def _released(row: Declaration, treaty: Treaty) -> dict[str, Any]:
    """The figures every role may read: as declared (aggregate) or limit values (items)."""
    if row.kind == "items":
        return limit_values(row.figures, treaty)
    return dict(row.figures)


def _public(row: Declaration, party: str, treaty: Treaty) -> dict[str, Any]:
    """The public view of a declaration as plain JSON data (``DeclarationPublic``'s keys).

    Plain data for the documents built around many of them (the web's public data set, kept
    per declaration); a use-case returns it as the record (``_record``).
    """
    return {
        "id": row.id,
        "treaty": row.treaty_id,
        "party": party,
        "as_of": iso(row.as_of),
        "kind": row.kind,
        "status": row.status,
        "figures": _released(row, treaty),
        "unverified": unverified_measures(row.treaty_id, party, row.as_of, _released(row, treaty)),
        "commitment": row.commitment,
        "note": row.note,
        "submitted_at": iso(row.submitted_at),
        "log_index": row.log_index,
        "proof": proof_url(row.log_index) if row.log_index >= 0 else None,
    }


def _record(row: Declaration, party: str, treaty: Treaty) -> DeclarationPublic:
    """The public view of a declaration, as a use-case returns it."""
    return DeclarationPublic.model_validate(_public(row, party, treaty))


@dataclass(frozen=True, slots=True)
class _Request:
    """How a declaration is recorded: by whom, with what note and time, and how it is logged."""

    actor: Actor
    note: str
    at: dt.datetime
    signed_entry: str | None
    require_signature: bool
    recording_history: bool


def _authorised(
    db: Database,
    session: Session,
    req: _Request,
    allow: Allow,
    treaty: str,
    party: str,
    as_of: dt.date,
) -> tuple[Treaty, Party]:
    """The treaty and the declaring party, once the caller may declare for it as of that date."""
    doc = db.treaty(session, treaty)
    row_party = party_by_code(session, treaty, party)
    allow(Resource("declaration", f"{treaty}/{party}", owner=row_party.id))
    _check_party(req.actor, treaty)
    check_declaration_date(doc, party, as_of, at=req.at, recording_history=req.recording_history)
    return doc, row_party


def _store(
    db: Database,
    session: Session,
    conn: Any,
    req: _Request,
    treaty: Treaty,
    party: Party,
    as_of: dt.date,
    figures: dict[str, int],
    commitment: dict[str, Any] | None,
    *,
    status: str = "provided",
) -> Declaration:
    """Store one declaration and log it: item-level when it has a ``commitment``."""
    kind = "aggregate" if commitment is None else "items"
    clash = session.scalars(
        select(Declaration.id).where(
            Declaration.treaty_id == party.treaty_id,
            Declaration.party_id == party.id,
            Declaration.as_of == as_of,
        )
    ).first()
    if clash is not None:
        raise ConflictError(f"{party.code} already declared as of {as_of} (declaration {clash})")
    row = Declaration(
        treaty_id=party.treaty_id,
        party_id=party.id,
        as_of=as_of,
        kind=kind,
        status=status,
        figures=figures,
        commitment=commitment,
        note=req.note,
        submitted_by=req.actor.user_id or 0,
        submitted_at=req.at,
        # The index its entry gets (the append lock is held from here): no UPDATE afterwards.
        log_index=db.ledger.next_index(conn),
    )
    session.add(row)
    session.flush()
    # What the party signs (no ref) and what the server seals (with the row's ref).
    build: Callable[..., Any]
    if kind == "aggregate":
        build = declaration_entry
        fields: dict[str, Any] = {"figures": figures, "status": status}
    else:
        assert commitment is not None
        build = items_declaration_entry
        fields = {"figures": _released(row, treaty), "commitment": commitment}
    fields.update(treaty=party.treaty_id, party=party.code, as_of=as_of, at=req.at)
    index = append_for_party(
        db,
        session,
        conn,
        signed=history_marked(build(**fields), req.recording_history),
        sealed=history_marked(build(**fields, ref=row.id), req.recording_history),
        party_id=party.id,
        signed_entry=req.signed_entry,
        require_signature=req.require_signature,
    )
    if index != row.log_index:  # pragma: no cover - nothing appends in between
        row.log_index = index
    return row


def submit_aggregate(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    party: str,
    as_of: dt.date,
    figures: Mapping[str, int],
    status: str = "provided",
    note: str = "",
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
    recording_history: bool = False,
) -> DeclarationPublic:
    """Record an aggregate declaration and log it.

    The log entry is the party's own when ``signed_entry`` (base64 of the envelope the party
    sealed over ``entries.declaration_entry(...)``) is given; otherwise the server seals it,
    unless ``require_signature`` refuses unsigned submissions.

    Raises:
        DeclarationError: on an unknown measure or a negative figure.
        ConflictError: if the party already declared as of that date.
        InputError: naming ``signed_entry`` if it is malformed, does not verify, does not
            match the request, or is missing while required.
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the party.
    """
    if status not in ("provided", "not-provided"):
        raise DeclarationError([Problem("", "status", "must be provided or not-provided")])
    if status == "not-provided" and figures:
        raise DeclarationError([Problem("", "figures", "a not-provided declaration has none")])
    req = _Request(actor, note, at, signed_entry, require_signature, recording_history)
    with db.write() as (session, conn):
        doc, row_party = _authorised(db, session, req, allow, treaty, party, as_of)
        _check_figures(figures, doc)
        figures = dict(sorted(figures.items()))
        row = _store(db, session, conn, req, doc, row_party, as_of, figures, None, status=status)
        return _record(row, party, doc)


def _item_problems(row: int, item: Mapping[str, Any]) -> list[Problem]:
    """Type problems of one record, each located at ``items.<row>.<field>``."""
    problems: list[Problem] = []
    for name in ("category", "status", "facility", "uid"):
        if not isinstance(item.get(name), str):
            problems.append(Problem("items", f"items.{row}.{name}", "must be a string"))
    zone = item.get("zone")
    if zone is not None and not isinstance(zone, str):
        problems.append(Problem("items", f"items.{row}.zone", "must be a string or null"))
    for key, value in item.items():
        if not isinstance(key, str):
            problems.append(Problem("items", f"items.{row}", "attribute names must be strings"))
        elif isinstance(value, (dict, list)):
            problems.append(
                Problem("items", f"items.{row}.{key}", "must be a string, number or boolean")
            )
        elif (found := json_problem(value)) is not None:
            problems.append(Problem("items", f"items.{row}.{key}", found[1]))
    return problems


def _components(items: Sequence[Mapping[str, Any]], treaty: Treaty) -> dict[str, int]:
    categories = {c.id: c for c in treaty.categories}
    zones = {z.id for z in treaty.zones}
    problems: list[Problem] = []
    totals: Counter[ComponentKey] = Counter()
    for row, item in enumerate(items):
        where = f"items.{row}"
        typed = _item_problems(row, item)
        if typed:
            problems += typed
            continue
        category = categories.get(item["category"])
        if category is None:
            problems.append(
                Problem("items", f"{where}.category", f"unknown category {item['category']!r}")
            )
            continue
        status = item["status"]
        if status not in category.statuses:
            problems.append(
                Problem("items", f"{where}.status", f"{category.id} has no status {status!r}")
            )
            continue
        zone = item.get("zone") or ""
        if zone and zone not in zones:
            problems.append(Problem("items", f"{where}.zone", f"unknown zone {zone!r}"))
            continue
        keys = [""] + ([zone] if zone else [])
        for z in keys:
            totals[ComponentKey(category.id, status, "count", z)] += 1
        for attribute in category.attributes:
            value = item.get(attribute, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(
                    Problem("items", f"{where}.{attribute}", "must be a whole number >= 0")
                )
                continue
            for z in keys:
                totals[ComponentKey(category.id, status, attribute, z)] += value
    DeclarationError.raise_if_any(problems)
    return {component_measure(k): v for k, v in sorted(totals.items())}


def submit_items(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    party: str,
    as_of: dt.date,
    items: Sequence[Mapping[str, Any]],
    note: str = "",
    allow: Allow,
    rng: Callable[[int], bytes],
    at: dt.datetime,
    salts: Sequence[str] | None = None,
    signed_entry: str | None = None,
    require_signature: bool = False,
    recording_history: bool = False,
) -> DeclarationPublic:
    """Commit to an item-level declaration, keep the items for the party, log the public part.

    The items are kept sealed to the party's registered encryption key (``store_sealed_opening``):
    the server keeps the component figures and the commitment, and no item in clear.

    A party that signs the log entry (``entries.items_declaration_entry``) committed in its own
    client: ``salts`` are the 32-byte draws its commitment made (hex, in the order
    ``escrow.commit_items`` draws them), from which the server rebuilds the very same public
    commitment; without them ``rng`` draws fresh salts here.

    Raises:
        DeclarationError: on malformed items (every problem listed, up to 50), or naming
            ``salts`` if they are malformed, too few, too many, or missing from a signed request,
            or naming ``encryption_key`` if the party registered none.
        ConflictError: if the party already declared as of that date.
        InputError: naming ``signed_entry`` (malformed, unverified, mismatched or missing).
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the party.
    """
    if len(items) > MAX_ITEMS:
        raise DeclarationError(
            [Problem("items", "items", f"at most {MAX_ITEMS} items per declaration")]
        )
    problems = [p for row, item in enumerate(items) for p in _item_problems(row, item)]
    DeclarationError.raise_if_any(problems)
    validate_items(items)
    req = _Request(actor, note, at, signed_entry, require_signature, recording_history)
    with db.write() as (session, conn):
        doc, row_party = _authorised(db, session, req, allow, treaty, party, as_of)
        owner_key = owner_encryption_key(row_party)
        figures = _components(items, doc)
        draws = _draws(salts, signed_entry, len(items))
        try:
            replay = replay_rng(draws) if draws is not None else rng
            committed = _commit(items, treaty, party, as_of, replay)
        except IntegrityError as exc:
            raise DeclarationError([Problem("", "salts", str(exc))]) from None
        used = len(items) + len(committed.opening["facilities"]) + 1
        if draws is not None and len(draws) != used:
            raise DeclarationError(
                [Problem("", "salts", f"{len(draws)} salts given, the commitment draws {used}")]
            )
        row = _store(db, session, conn, req, doc, row_party, as_of, figures, committed.public)
        store_sealed_opening(session, row, committed.opening, owner_key, rng=rng)
        return _record(row, party, doc)


def owner_encryption_key(party: Party) -> Any:
    """The party's registered ``SealingPublicKey``: what its item rows are sealed to at rest.

    Raises:
        DeclarationError: naming ``encryption_key`` if the party registered none (the server
            keeps no item in clear, so it cannot take items in clear for that party).
    """
    from armsctl.ledger.sealing import SealingPublicKey

    if not party.encryption_key:
        raise DeclarationError(
            [
                Problem(
                    "",
                    "encryption_key",
                    f"{party.code} has no registered encryption key, and the server keeps no "
                    "item in clear: register one (armsctl parties add ... --encryption-key "
                    f"{party.code}.x25519.pub) or seal the items in the client "
                    f"(armsctl client submit ... --seal-to {party.code}.x25519.pub)",
                )
            ]
        )
    return SealingPublicKey.parse(party.encryption_key)


def store_sealed_opening(
    session: Session,
    row: Declaration,
    opening: Mapping[str, Any],
    to: Any,
    *,
    rng: Callable[[int], bytes],
) -> None:
    """Store an item-level opening sealed to its owner: ciphertext rows, never a clear item.

    Every opening row (item, salt, position) and the facility salts are sealed to the party's
    key exactly as its own client would (``sealing.seal_rows``, bound to party, treaty, date
    and position), so the owner reads them back with ``armsctl client items ID --decrypt-key``
    and builds its reveals itself; the server keeps the commitment and the component figures
    only. The clear opening leaves memory with the request.
    """
    sealed = _seal_opening(opening, to, rng)
    row.private = {
        "sealed": {
            "scheme": sealed["scheme"],
            "wrapped_key": sealed["wrapped_key"],
            "private": sealed["private"],
        }
    }
    # One executemany of plain rows (no ORM object, no per-row parameter processing). It
    # bypasses the session, so the session's pending changes (a reseal's deletes) go first.
    session.flush()
    b64 = base64.b64decode
    insert_rows(
        session.connection(),
        SealedItem.__table__,  # type: ignore[arg-type]
        ("declaration_id", "position", "ciphertext"),
        ((row.id, int(r["index"]), b64(r["ciphertext"])) for r in sealed["rows"]),
    )


def _seal_opening(
    opening: Mapping[str, Any], to: Any, rng: Callable[[int], bytes]
) -> dict[str, Any]:
    """An escrow opening sealed to ``to``: its rows, and the facility and pad salts.

    The server sealing for a party and the party's own client seal alike
    (``sealing.seal_rows``), bound to the party, treaty and date of the commitment.
    """
    from armsctl.ledger.sealing import facility_salts_floor, seal_rows

    public = opening["public"]
    return seal_rows(
        opening["items"],
        to=to,
        party=str(public["party"]),
        treaty=str(public["treaty"]),
        date=str(public["date"]),
        rng=rng,
        private={"facilities": opening["facilities"], "pad_salt": opening["pad_salt"]},
        private_floor=facility_salts_floor(public),
    )


MAX_ITEMS = 100_000
"""The most items one declaration may hold (the API's and the upload's limit)."""


@dataclass(frozen=True, slots=True)
class Submission:
    """One declaration of an upload: aggregate figures, or item records to commit.

    Aggregate: ``figures`` (none when ``status`` is ``not-provided``). Items: ``items``, the
    records committed with the escrow scheme and kept for the party only.
    """

    party: str
    as_of: dt.date
    figures: Mapping[str, int] = field(default_factory=dict)
    status: str = "provided"
    items: Sequence[Mapping[str, Any]] | None = None
    note: str = ""
    read_components: Mapping[str, int] | None = None
    """Items only: the components ``inventory.io.read_declarations`` computed from the file
    the items were read from (it validated every row); they are not recomputed per item."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    submission: Submission
    figures: dict[str, int]
    committed: Any  # escrow.Commitment for items, None for aggregate figures


def _check_items(items: Sequence[Mapping[str, Any]], where: str) -> None:
    if len(items) > MAX_ITEMS:
        raise DeclarationError(
            [Problem(where, "items", f"at most {MAX_ITEMS} items per declaration")]
        )
    problems = [p for row, item in enumerate(items) for p in _item_problems(row, item)]
    DeclarationError.raise_if_any([Problem(where, p.location, p.message) for p in problems])
    validate_items(items, where=where)


def _prepare(sub: Submission, doc: Treaty, *, rng: Callable[[int], bytes], where: str) -> _Prepared:
    """Everything about one submission that needs no store: figures, items, commitment."""
    if sub.items is None:
        if sub.status not in ("provided", "not-provided"):
            raise DeclarationError([Problem(where, "status", "must be provided or not-provided")])
        if sub.status == "not-provided" and sub.figures:
            raise DeclarationError(
                [Problem(where, "figures", "a not-provided declaration has none")]
            )
        _check_figures(sub.figures, doc)
        return _Prepared(sub, dict(sorted(sub.figures.items())), None)
    if sub.read_components is not None:
        if len(sub.items) > MAX_ITEMS:
            raise DeclarationError(
                [Problem(where, "items", f"at most {MAX_ITEMS} items per declaration")]
            )
        figures = dict(sorted(sub.read_components.items()))
    else:
        _check_items(sub.items, where)
        figures = _components(sub.items, doc)
    committed = _commit(sub.items, doc.id, sub.party, sub.as_of, rng)
    return _Prepared(sub, figures, committed)


def submit_declarations(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    submissions: Sequence[Submission],
    allow: Allow,
    rng: Callable[[int], bytes],
    at: dt.datetime,
    require_signature: bool = False,
    recording_history: bool = False,
) -> list[DeclarationPublic]:
    """Store and log every declaration of one upload, or none of them.

    A file may declare several parties and dates; it is one act, so it is one transaction.
    Everything is checked before anything is written: the figures and items of every
    declaration (and their commitments, computed before the write lock is taken), the
    caller's right to declare for each party, each date against the treaty (unless
    ``recording_history``, which each log entry then records), and that no date is declared
    twice, in the file or in the store. Only then are the rows stored and every log entry
    appended, in the same transaction: a refusal leaves the store and the log as they were.

    The server seals these entries (a party that signs its own entries submits one
    declaration per request); ``require_signature`` refuses the upload of a party that has a
    registered key.

    Raises:
        DeclarationError: malformed figures or items, a date twice in the upload, or a date
            the treaty forbids (naming the declaration, e.g. ``USA 2026-03-01``).
        AccessDenied: a declaration for a party the caller may not declare for.
        ConflictError: a party already declared as of one of the dates (all of them listed).
        NotFoundError: an unknown treaty or party.
    """
    if not submissions:
        raise DeclarationError([Problem("", "declarations", "nothing to submit")])
    seen: set[tuple[str, dt.date]] = set()
    for sub in submissions:
        key = (sub.party, sub.as_of)
        if key in seen:
            raise DeclarationError(
                [Problem(f"{sub.party} {sub.as_of}", "as_of", "declared twice in the upload")]
            )
        seen.add(key)
    with db.read() as session:
        doc = db.treaty(session, treaty)
    prepared = [
        _prepare(sub, doc, rng=rng, where=f"{sub.party} {sub.as_of}") for sub in submissions
    ]
    with db.write() as (session, conn):
        doc = db.treaty(session, treaty)
        parties: dict[str, Party] = {}
        for sub in submissions:
            if sub.party not in parties:
                parties[sub.party] = party_by_code(session, treaty, sub.party)
                allow(Resource("declaration", f"{treaty}/{sub.party}", owner=parties[sub.party].id))
        _check_party(actor, treaty)
        # Item rows are sealed to their owner at rest: a party without a key cannot take them.
        sealing = {
            sub.party: owner_encryption_key(parties[sub.party])
            for sub in submissions
            if sub.items is not None
        }
        for sub in submissions:
            try:
                check_declaration_date(
                    doc, sub.party, sub.as_of, at=at, recording_history=recording_history
                )
            except DeclarationError as exc:
                where = f"{sub.party} {sub.as_of}"
                raise DeclarationError(
                    [Problem(where, p.location, p.message) for p in exc.problems]
                ) from None
        clashes = session.execute(
            select(Party.code, Declaration.as_of, Declaration.id)
            .join(Party, Declaration.party_id == Party.id)
            .where(
                Declaration.treaty_id == treaty,
                Declaration.party_id.in_([p.id for p in parties.values()]),
                Declaration.as_of.in_(sorted({s.as_of for s in submissions})),
            )
            .order_by(Party.code, Declaration.as_of)
        ).all()
        clashes = [c for c in clashes if (c[0], c[1]) in seen]
        if clashes:
            listed = "; ".join(
                f"{code} already declared as of {day} (declaration {ref})"
                for code, day, ref in clashes
            )
            raise ConflictError(f"nothing was stored: {listed}")
        out = []
        for prep in prepared:
            sub = prep.submission
            req = _Request(actor, sub.note, at, None, require_signature, recording_history)
            row = _store(
                db,
                session,
                conn,
                req,
                doc,
                parties[sub.party],
                sub.as_of,
                prep.figures,
                None if prep.committed is None else prep.committed.public,
                status=sub.status if prep.committed is None else "provided",
            )
            if prep.committed is not None:
                store_sealed_opening(
                    session, row, prep.committed.opening, sealing[sub.party], rng=rng
                )
            out.append(_record(row, sub.party, doc))
        return out


def file_submissions(read: Any, *, note: str) -> list[Submission]:
    """A read file's declarations (``inventory.io.read_declarations``) as submissions.

    Item rows come from the same reader (``inventory.io.item_records``), typed by the treaty.
    """
    from armsctl.inventory.io import item_records
    from armsctl.inventory.model import component_measure

    sources = {str(s.path): s for s in read.item_sources}
    out = []
    for decl in sorted(read.declarations, key=lambda d: (d.party, d.as_of)):
        if decl.kind == "items":
            records = item_records(sources[decl.origin], read.treaty, decl.party, decl.as_of)
            components = {component_measure(k): int(v.value) for k, v in decl.components.items()}
            out.append(
                Submission(
                    decl.party,
                    decl.as_of,
                    items=records,
                    note=note,
                    read_components=components,
                )
            )
            continue
        figures = {k: int(v.value) for k, v in decl.limits.items()}
        figures.update({component_measure(k): int(v.value) for k, v in decl.components.items()})
        out.append(
            Submission(
                decl.party,
                decl.as_of,
                figures={} if decl.status == "not-provided" else figures,
                status=decl.status,
                note=decl.note or note,
            )
        )
    return out


def submit_file(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    path: Path,
    name: str,
    allow: Allow,
    rng: Callable[[int], bytes],
    at: dt.datetime,
    require_signature: bool = False,
    recording_history: bool = False,
) -> list[DeclarationPublic]:
    """Read a declaration file as ``armsctl check`` does and submit all of it, or none of it.

    ``name`` is what messages call the file (the upload's own name, never the server's
    temporary path).

    Raises:
        DeclarationError: the file's problems (each naming its line, record or row) or a
            refused declaration; and as ``submit_declarations``.
    """
    from armsctl.inventory.io import read_declarations

    with db.read() as session:
        doc = db.treaty(session, treaty)
    try:
        read = read_declarations([path], doc)
        submissions = file_submissions(read, note=f"uploaded from {name}")
    except DeclarationError as exc:
        raise DeclarationError(
            [Problem(name, p.location, p.message) for p in exc.problems]
        ) from None
    return submit_declarations(
        db,
        actor,
        treaty=treaty,
        submissions=submissions,
        allow=allow,
        rng=rng,
        at=at,
        require_signature=require_signature,
        recording_history=recording_history,
    )


def _draws(salts: Sequence[str] | None, signed_entry: str | None, n: int) -> list[bytes] | None:
    """The client's salt draws as bytes, checked for size and number (items + facilities + 1)."""
    if salts is None:
        if signed_entry is not None:
            raise DeclarationError(
                [Problem("", "salts", "a signed item declaration needs the salts it drew")]
            )
        return None
    try:
        draws = [bytes.fromhex(text) for text in salts]
    except (TypeError, ValueError):
        raise DeclarationError([Problem("", "salts", "must be hex strings")]) from None
    if any(len(d) != SALT_SIZE for d in draws) or len(draws) < n + 2:
        raise DeclarationError(
            [Problem("", "salts", f"must be {SALT_SIZE}-byte salts: one per item, facility, pad")]
        )
    return draws


def _check_sealed_commitment(
    commitment: Mapping[str, Any],
    sealed: Mapping[str, Any],
    components: Mapping[str, int],
    *,
    treaty: Treaty,
    party: str,
    as_of: dt.date,
) -> list[tuple[int, bytes]]:
    """Check a sealed submission's public parts against each other; return its rows.

    The server cannot open the rows. It checks what it can: the commitment is a v2 escrow
    commitment for this party, treaty and date; there is one sealed row per committed
    position; the components are well-formed figures of the treaty whose per-category counts
    are exactly the commitment's public counts.

    Raises:
        DeclarationError: naming ``commitment``, ``sealed`` or ``components``.
    """
    import base64
    import binascii

    from armsctl.ledger.escrow import SCHEME
    from armsctl.ledger.sealing import ROW_FLOOR, SEALING_SCHEME, sealed_size_is_padded

    def bad(field: str, message: str) -> DeclarationError:
        return DeclarationError([Problem("", field, message)])

    expected = {"scheme": SCHEME, "party": party, "date": as_of.isoformat(), "treaty": treaty.id}
    for name, value in expected.items():
        if commitment.get(name) != value:
            raise bad(f"commitment.{name}", f"must be {value!r}")
    counts, size = commitment.get("counts"), commitment.get("size")
    if (
        not isinstance(counts, dict)
        or not isinstance(size, int)
        or any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in counts.values())
        or sum(counts.values()) != size
    ):
        raise bad("commitment.counts", "must be positive counts per category adding up to size")
    if not isinstance(commitment.get("root"), str) or not isinstance(
        commitment.get("facilities"), dict
    ):
        raise bad("commitment", "needs its root and facilities tree")
    if sealed.get("scheme") != SEALING_SCHEME or not isinstance(sealed.get("wrapped_key"), str):
        raise bad("sealed", f"must be sealed with {SEALING_SCHEME!r}")
    rows = sealed.get("rows")
    if not isinstance(rows, list) or len(rows) != size:
        raise bad("sealed.rows", f"must hold one sealed row per committed item ({size})")
    out: list[tuple[int, bytes]] = []
    for n, row in enumerate(rows):
        index = row.get("index") if isinstance(row, dict) else None
        try:
            ciphertext = base64.b64decode(str(row.get("ciphertext")), validate=True)
        except (AttributeError, binascii.Error, ValueError):
            raise bad(f"sealed.rows.{n}", "ciphertext is not base64") from None
        if index != n or len(ciphertext) < 17:
            raise bad(f"sealed.rows.{n}", f"must be position {n} with a ciphertext")
        if not sealed_size_is_padded(len(ciphertext), ROW_FLOOR):
            raise bad(f"sealed.rows.{n}", "must be padded as the scheme says (its size would leak)")
        out.append((n, ciphertext))
    _check_figures(components, treaty)
    per_category: Counter[str] = Counter()
    for measure, figure in components.items():
        key = parse_component_measure(measure)
        if key is None:
            raise bad(f"components.{measure}", "must be a category/status[/attribute] figure")
        if key.quantity == "count" and not key.zone:
            per_category[key.category] += int(figure)
    if {k: v for k, v in per_category.items() if v} != dict(counts):
        raise bad("components", "their item counts per category differ from the commitment's")
    return out


def submit_sealed_items(
    db: Database,
    actor: Actor,
    *,
    treaty: str,
    party: str,
    as_of: dt.date,
    commitment: Mapping[str, Any],
    components: Mapping[str, int],
    sealed: Mapping[str, Any],
    note: str = "",
    allow: Allow,
    at: dt.datetime,
    signed_entry: str | None = None,
    require_signature: bool = False,
    recording_history: bool = False,
) -> DeclarationPublic:
    """Record an item-level declaration whose items the server never sees in clear.

    The party's client committed to its items, computed the component figures, sealed every
    opening row (and the facility salts) to the party's own key (``armsctl.ledger.sealing``)
    and signed the entry. The server checks the figures against the commitment's public
    counts (``_check_sealed_commitment``), stores the sealed rows for the party to read back,
    and logs the same public entry as for items in clear.

    Raises:
        DeclarationError: naming the inconsistent field.
        ConflictError: if the party already declared as of that date.
        InputError: naming ``signed_entry`` (malformed, unverified, mismatched or missing).
        AccessDenied: if ``signed_entry`` is signed by a key not registered for the party.
    """
    req = _Request(actor, note, at, signed_entry, require_signature, recording_history)
    with db.write() as (session, conn):
        doc, row_party = _authorised(db, session, req, allow, treaty, party, as_of)
        rows = _check_sealed_commitment(
            commitment, sealed, components, treaty=doc, party=party, as_of=as_of
        )
        if signed_entry is not None:
            uncovered = sorted(set(components) - set(signed_components(components, doc)))
            if uncovered:
                raise DeclarationError(
                    [
                        Problem(
                            "",
                            f"components.{measure}",
                            "no limit counts it, so the signed entry does not cover it: "
                            "a signed sealed declaration carries only what its entry covers",
                        )
                        for measure in uncovered
                    ]
                )
        figures = dict(sorted(components.items()))
        row = _store(db, session, conn, req, doc, row_party, as_of, figures, dict(commitment))
        row.private = {
            "sealed": {
                "scheme": sealed["scheme"],
                "wrapped_key": sealed["wrapped_key"],
                "private": sealed.get("private"),
            }
        }
        session.execute(
            insert(SealedItem),
            [{"declaration_id": row.id, "position": n, "ciphertext": c} for n, c in rows],
        )
        return _record(row, party, doc)


def seal_items(
    signer: SignerKey, seal_to: Any, submission: ClientItems, *, rng: Callable[[int], bytes]
) -> dict[str, Any]:
    """What a party's own client sends for items it keeps sealed from the server.

    Commits, computes the component figures, seals the opening to ``seal_to`` (the party's
    ``SealingPublicKey``) and signs the entry: ``{"commitment", "components", "sealed",
    "signed_entry"}``, the body of ``submit_sealed_items`` (no item in clear).
    """
    signed = _client_signed(signer, rng, submission)
    return {
        "commitment": signed.made.public,
        "components": signed_components(signed.components, submission.treaty),
        "sealed": _seal_opening(signed.made.opening, seal_to, rng),
        "signed_entry": signed.entry,
    }


def list_declarations(db: Database, listing: Listing) -> Page[DeclarationPublic]:
    """The public view of declarations: figures and commitments, never an item.

    ``listing.party`` keeps one declaring party's (by code).
    """
    with db.read() as session:
        doc = db.treaty(session, listing.treaty)
        rows, total = owned_page(session, Declaration, listing, Declaration.as_of, Declaration.id)
        return listing.page([_record(d, code, doc) for d, code in rows], total)


def get_declaration(db: Database, *, declaration_id: int) -> DeclarationPublic:
    """The public view of one declaration."""
    with db.read() as session:
        row = session.execute(
            with_party_code(Declaration).where(Declaration.id == declaration_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no declaration {declaration_id}")
        return _record(row[0], row[1], db.treaty(session, row[0].treaty_id))


def read_items(
    db: Database,
    actor: Actor,
    *,
    declaration_id: int,
    allow: Allow,
    limit: int = 100,
    offset: int = 0,
    at: dt.datetime,
) -> Page[DeclarationItemPublic]:
    """The declaring party's own items (with salts, so it can reveal them); audited."""
    with db.audited_read() as session:
        decl = owned_declaration(session, declaration_id, allow)
        sealed = (decl.private or {}).get("sealed")
        model: type[DeclarationItem | SealedItem] = (
            DeclarationItem if sealed is None else SealedItem
        )
        found, total = fetch_page(
            session,
            select(model).where(model.declaration_id == declaration_id),
            model.position,
            limit=limit,
            offset=offset,
        )
        what = "items" if sealed is None else "sealed items"
        audit_items_read(
            session,
            actor,
            declaration_id,
            at=at,
            detail=f"{len(found)} {what} from offset {offset}",
        )
        rows = cast("list[DeclarationItem | SealedItem]", [r for (r,) in found])
        return Page([_item_row(r, sealed) for r in rows], total, limit, offset)


def owned_declaration(session: Session, declaration_id: int, allow: Allow) -> Declaration:
    """The declaration whose items are asked for, once ``allow`` lets the caller read them.

    Items are their declaring party's alone: every read of them asks the same question.

    Raises:
        NotFoundError: if there is no such declaration.
    """
    decl = session.get(Declaration, declaration_id)
    if decl is None:
        raise NotFoundError(f"no declaration {declaration_id}")
    allow(Resource("declaration-items", f"declaration/{declaration_id}", owner=decl.party_id))
    return decl


def audit_items_read(
    session: Session, actor: Actor, declaration_id: int, *, at: dt.datetime, detail: str
) -> None:
    """Record a read of a declaration's items: every such read leaves the same audit event."""
    audit(
        session,
        actor,
        action="declaration.items.read",
        resource=f"declaration/{declaration_id}",
        at=at,
        detail=detail,
    )


def _item_row(
    row: DeclarationItem | SealedItem, sealed: Mapping[str, Any] | None
) -> DeclarationItemPublic:
    """One item row for its owner: in clear with its salt, or sealed with what opens it."""
    if isinstance(row, SealedItem):
        return DeclarationItemPublic(
            index=row.position,
            ciphertext=b64(bytes(row.ciphertext)),
            sealed=SealedItemsKey.model_validate(dict(sealed or {})),
        )
    return DeclarationItemPublic(index=row.position, salt=bytes(row.salt).hex(), item=row.record)


def core_declaration(row: Declaration, party: str) -> CoreDeclaration:
    """Turn a stored declaration into the compliance engine's ``Declaration``."""
    decl = CoreDeclaration(
        party=party,
        as_of=row.as_of,
        kind="items" if row.kind == "items" else "aggregate",
        origin=f"declaration {row.id}",
        status="not-provided" if row.status == "not-provided" else "provided",
        note=row.note,
    )
    for measure, value in row.figures.items():
        key = parse_component_measure(measure)
        # The treaty's public record tags how sure it is of each figure; keep its tag.
        figure = record_figure(row.treaty_id, party, row.as_of, measure, int(value))
        if key is None or measure in ("",):
            decl.limits[measure] = figure
        else:
            decl.components[key] = figure
    return decl
