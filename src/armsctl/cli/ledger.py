"""Commands for the integrity layer: keys, the log, checkpoints, proofs, audit and escrow.

``armsctl keys generate``, ``armsctl ledger ...`` and ``armsctl commit`` / ``reveal`` /
``verify-reveal``. Every command only parses, calls ``armsctl.ledger`` (pure) and
``armsctl.store.ledger`` (the database), and renders. Heavy imports wait until a command runs.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from armsctl.cli._common import (
    EXIT_VIOLATION,
    OutputFormat,
    fail,
    out_console,
    print_json,
    user_errors,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from armsctl.ledger.note import SignerKey, VerifierKey
    from armsctl.store.ledger import LedgerStore

__all__ = ["demo_step", "register"]

keys_app = typer.Typer(help="Ed25519 signing keys for parties, logs and witnesses.")
ledger_app = typer.Typer(help="The tamper-evident Merkle log, its checkpoints and proofs.")

DB_HELP = "Database URL or SQLite file (default: $ARMSCTL_DATABASE_URL, else ./armsctl.db)."
FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="Output format.")
DB_OPTION = typer.Option(None, "--db", help=DB_HELP)


# -- helpers ---------------------------------------------------------------------------------


def _read_text(path: Path, what: str) -> str:
    from armsctl.errors import InputError, Problem

    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(path), "", f"{what} not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot read {what}: {exc}")]) from None


def _read_json(path: Path, what: str) -> Any:
    from armsctl.errors import InputError, Problem

    text = _read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(str(path), f"line {exc.lineno}", exc.msg)]) from None


def _signer(path: Path) -> SignerKey:
    from armsctl.ledger.note import SignerKey

    return SignerKey.parse(_read_text(path, "private key file"))


def _verifier(value: str) -> VerifierKey:
    """Accept a verifier key string or the path of a file holding one."""
    from armsctl.ledger.note import VerifierKey

    candidate = Path(value)
    if "+" not in value or candidate.is_file():
        return VerifierKey.parse(_read_text(candidate, "verifier key file"))
    return VerifierKey.parse(value)


def _write_private(path: Path, text: str) -> None:
    """Create a file readable only by its owner; refuse to overwrite."""
    from armsctl.errors import InputError, Problem

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError([Problem(str(path), "", "already exists; not overwriting")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot create: {exc}")]) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


@contextlib.contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """Turn database failures into one clear line instead of a traceback."""
    from sqlalchemy import exc as sa_exc

    from armsctl.errors import InputError, IntegrityError

    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise IntegrityError(f"the database refused the change: {exc.orig}") from None
    except sa_exc.SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise InputError(f"database {url}: {detail}") from None


def _open_log(db: str | None) -> tuple[Engine, LedgerStore, str]:
    from armsctl.store.engine import database_url, make_engine
    from armsctl.store.ledger import LedgerStore

    url = database_url(db)
    engine = make_engine(url)
    store = LedgerStore()
    with _database_errors(url), engine.begin() as conn:
        store.create(conn)
    return engine, store, url


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    import base64
    import binascii

    from armsctl.errors import IntegrityError

    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(f"{what} is not valid base64") from None


def _show(fmt: OutputFormat, data: dict[str, Any], title: str) -> None:
    if fmt is OutputFormat.json:
        print_json(data)
        return
    table = Table(title=title, show_header=False)
    for key, value in data.items():
        table.add_row(key, str(value))
    out_console.print(table)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0)


# -- keys ------------------------------------------------------------------------------------


@keys_app.command("generate")
@user_errors
def keys_generate(
    name: str = typer.Argument(..., help="Key name, e.g. a party code or example.org/log."),
    directory: Path = typer.Option(Path("keys"), "--dir", help="Where to write the key files."),
    encryption: bool = typer.Option(
        False, "--encryption", help="An X25519 key to seal the party's items to, instead."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Generate an Ed25519 key: NAME.key (0600), NAME.pub (0x01) and NAME.cosig.pub (0x04).

    NAME.pub is the signed-note verifier key that checks the key's signatures on entries and
    checkpoints; NAME.cosig.pub is the same key as a tlog-cosignature/v1 verifier, which a
    client pins to check this key's witness cosignatures.

    With ``--encryption``: an X25519 key instead, NAME.x25519.key (0600) and NAME.x25519.pub,
    to which the party's client seals its items (``armsctl client submit --seal-to``). Losing
    the private key loses the items sealed to it: keep an offline backup.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stem = name.replace("/", "_")
    if encryption:
        from armsctl.ledger.sealing import SealingKey

        sealing = SealingKey.generate(os.urandom(32))
        private, public = directory / f"{stem}.x25519.key", directory / f"{stem}.x25519.pub"
        _write_private(private, str(sealing) + "\n")
        public.write_text(str(sealing.public()) + "\n", encoding="utf-8")
        shown = {"name": name, "encryption_key": str(sealing.public()), "private": str(private)}
        _show(fmt, shown, "new encryption key")
        return
    from armsctl.ledger.note import SignerKey

    signer = SignerKey.generate(name, seed=os.urandom(32))
    private, public = directory / f"{stem}.key", directory / f"{stem}.pub"
    cosig = directory / f"{stem}.cosig.pub"
    verifier, cosigner = signer.verifier(), signer.as_cosigner().verifier()
    _write_private(private, str(signer) + "\n")
    public.write_text(str(verifier) + "\n", encoding="utf-8")
    cosig.write_text(str(cosigner) + "\n", encoding="utf-8")
    _show(
        fmt,
        {
            "name": name,
            "verifier_key": str(verifier),
            "cosignature_key": str(cosigner),
            "private": str(private),
            "public": str(public),
            "cosignature_public": str(cosig),
        },
        "new key",
    )


# -- the log ---------------------------------------------------------------------------------


@ledger_app.command("append")
@user_errors
def ledger_append(
    body_file: Path = typer.Argument(..., help="JSON body, or a JSON list of bodies (one batch)."),
    key: Path = typer.Option(..., "--key", help="The submitting party's private key file."),
    kind: str = typer.Option(..., "--kind", help="Entry kind, e.g. aggregate, notification."),
    treaty: str = typer.Option(..., "--treaty", help="Treaty id."),
    party: str = typer.Option(..., "--party", help="Submitting party."),
    time: str | None = typer.Option(None, "--time", help="ISO 8601 time (default: now, UTC)."),
    db: str | None = DB_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Sign entries as a party and append them to the log in one transaction."""
    from datetime import datetime

    from armsctl.errors import ParameterError
    from armsctl.ledger.envelope import seal_entry

    doc = _read_json(body_file, "body file")
    bodies = doc if isinstance(doc, list) else [doc]
    at = _now()
    if time is not None:
        try:
            at = datetime.fromisoformat(time)
        except ValueError:
            raise ParameterError(f"--time {time!r} is not an ISO 8601 time") from None
        if at.tzinfo is None:
            raise ParameterError("--time needs a timezone, e.g. 2026-02-05T00:00:00Z")
    signer = _signer(key)
    entries = [
        seal_entry(kind=kind, treaty=treaty, party=party, at=at, body=b, signer=signer)
        for b in bodies
    ]
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        result = store.append_envelopes(conn, entries)
    _show(
        fmt,
        {
            "first_index": result.first_index,
            "appended": len(entries),
            "size": result.size,
            "root": _b64(result.root),
            "entry_hashes": [h.hex() for h in result.leaf_hashes],
        },
        "appended",
    )


@ledger_app.command("checkpoint")
@user_errors
def ledger_checkpoint(
    key: Path = typer.Option(..., "--key", help="The log's private key file (name = origin)."),
    out: Path | None = typer.Option(None, "--out", help="Also write the signed note here."),
    db: str | None = DB_OPTION,
) -> None:
    """Sign a C2SP checkpoint of the current tree and print the signed note."""
    engine, store, url = _open_log(db)
    signer = _signer(key)
    with _database_errors(url), engine.begin() as conn:
        note = store.sign_checkpoint(conn, signer)
    if out is not None:
        out.write_text(note, encoding="utf-8")
    typer.echo(note, nl=False)


@ledger_app.command("prove")
@user_errors
def ledger_prove(
    index: int | None = typer.Option(None, "--index", help="Entry index to prove."),
    entry_hash: str | None = typer.Option(None, "--entry-hash", help="Entry (leaf) hash, hex."),
    from_size: int | None = typer.Option(
        None, "--from-size", help="Prove consistency from this size instead."
    ),
    size: int | None = typer.Option(None, "--size", help="Tree size (default: last checkpoint)."),
    out: Path | None = typer.Option(None, "--out", help="Write the proof file here."),
    db: str | None = DB_OPTION,
) -> None:
    """Write an inclusion (or consistency) proof against the latest signed checkpoint."""
    from armsctl.errors import ParameterError

    if (index is None) + (entry_hash is None) + (from_size is None) != 2:
        raise ParameterError("give exactly one of --index, --entry-hash, --from-size")
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        latest = store.latest_checkpoint(conn)
        note = latest[2] if latest is not None and size in (None, latest[1]) else None
        tree_size = size if size is not None else (latest[1] if latest else store.size(conn))
        doc: dict[str, Any]
        if from_size is not None:
            proof = store.consistency_proof(conn, from_size, tree_size)
            doc = {"type": "armsctl/consistency-proof/v1", "old_size": from_size}
        else:
            if entry_hash is not None:
                try:
                    index = store.index_of(conn, bytes.fromhex(entry_hash))
                except ValueError:
                    raise ParameterError("--entry-hash must be hex") from None
            assert index is not None
            if index >= tree_size:
                raise ParameterError(
                    f"entry {index} is not covered by the tree of size {tree_size}; "
                    "sign a new checkpoint first"
                )
            proof = store.inclusion_proof(conn, index, tree_size)
            data = store.entry(conn, index)
            doc = {"type": "armsctl/inclusion-proof/v1", "index": index, "entry": _b64(data)}
    doc |= {"size": tree_size, "proof": [_b64(p) for p in proof], "checkpoint": note}
    text = json.dumps(doc, indent=2) + "\n"
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@ledger_app.command("verify-proof")
@user_errors
def ledger_verify_proof(
    proof_file: Path = typer.Argument(..., help="Proof file from `ledger prove`."),
    key: str = typer.Option(..., "--key", help="The log's verifier key, or a .pub file."),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="Signed checkpoint (default: the one in the proof file)."
    ),
    old_checkpoint: Path | None = typer.Option(
        None, "--old-checkpoint", help="For a consistency proof: the older checkpoint."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Verify a proof offline: needs only the proof, a checkpoint and the log's key."""
    from armsctl.errors import IntegrityError
    from armsctl.ledger.checkpoint import open_checkpoint
    from armsctl.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion

    doc = _read_json(proof_file, "proof file")
    if not isinstance(doc, dict):
        raise IntegrityError("the proof file is not a JSON object")
    log_key = _verifier(key)
    note = _read_text(checkpoint, "checkpoint") if checkpoint else doc.get("checkpoint")
    if not isinstance(note, str):
        raise IntegrityError("no checkpoint: give --checkpoint")
    head = open_checkpoint(note, log_key)
    raw_proof = doc.get("proof")
    if not isinstance(raw_proof, list):
        raise IntegrityError("the proof file has no proof list")
    proof = [_unb64(p, "a proof hash") for p in raw_proof]
    if doc.get("size") != head.size:
        raise IntegrityError(f"the proof is for size {doc.get('size')}, the checkpoint {head.size}")
    if doc.get("type") == "armsctl/consistency-proof/v1":
        if old_checkpoint is None:
            raise IntegrityError("a consistency proof needs --old-checkpoint")
        old = open_checkpoint(_read_text(old_checkpoint, "checkpoint"), log_key)
        if not verify_consistency(old.size, head.size, old.root, head.root, proof):
            raise IntegrityError(f"consistency from size {old.size} to {head.size} does not verify")
        _show(fmt, {"verified": True, "old_size": old.size, "size": head.size}, "consistent")
        return
    if doc.get("type") != "armsctl/inclusion-proof/v1":
        raise IntegrityError("unknown proof type")
    index = doc.get("index")
    if not isinstance(index, int):
        raise IntegrityError("the proof file has no entry index")
    leaf = leaf_hash(_unb64(doc.get("entry"), "the entry"))
    if not verify_inclusion(leaf, index, head.size, proof, head.root):
        raise IntegrityError(f"entry {index} is not proven in the log of size {head.size}")
    _show(
        fmt,
        {"verified": True, "index": index, "size": head.size, "entry_hash": leaf.hex()},
        f"included in {head.origin}",
    )


@ledger_app.command("audit")
@user_errors
def ledger_audit(
    key: str | None = typer.Option(None, "--key", help="Trusted log verifier key or .pub file."),
    envelopes: bool = typer.Option(
        True, "--envelopes/--no-envelopes", help="Also check every entry's signature."
    ),
    db: str | None = DB_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Recompute every leaf and node, check every checkpoint; exit 1 naming the first mismatch."""
    trusted = _verifier(key) if key else None
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        report = store.audit(conn, log_key=trusted, check_envelopes=envelopes)
    _show(
        fmt,
        {
            "ok": report.ok,
            "entries": report.entries,
            "nodes": report.nodes,
            "checkpoints": report.checkpoints,
            "first_problem": report.first_problem,
            "problems": report.problems,
        },
        "audit",
    )
    if not report.ok:
        raise typer.Exit(EXIT_VIOLATION)


@ledger_app.command("cosign")
@user_errors
def ledger_cosign(
    checkpoint: Path = typer.Argument(..., help="The log-signed checkpoint to cosign."),
    key: Path = typer.Option(..., "--key", help="The witness's private key file."),
    log_key: str = typer.Option(..., "--log-key", help="The log's verifier key or .pub file."),
    state: Path = typer.Option(..., "--state", help="Witness memory (JSON), created if absent."),
    proof: Path | None = typer.Option(
        None, "--proof", help="Consistency proof (JSON) from the size the witness last cosigned."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the cosigned note here."),
    db: str | None = typer.Option(
        None, "--db", help="Instead of --proof: take the proof from this log database."
    ),
) -> None:
    """Cosign a checkpoint as a witness, offline; exit 1 on a fork, rollback or bad signature.

    Needs no log database: the proof file comes from `ledger prove --from-size N` (or the
    consistency object of a proof bundle). A witness with no state trusts its first checkpoint.
    """
    import time as clock

    from armsctl.cli._common import fail
    from armsctl.cli.witness import cosign_offline
    from armsctl.ledger.witness import WitnessRefusal

    prover = None
    if db is not None and proof is None:

        def prover(old: int, size: int) -> list[bytes]:
            engine, store, url = _open_log(db)
            with _database_errors(url), engine.begin() as conn:
                return store.consistency_proof(conn, old, size)

    try:
        cosigned = cosign_offline(
            checkpoint,
            proof=proof,
            state=state,
            key=key,
            log_key=log_key,
            at=int(clock.time()),
            prover=prover,
        )
    except WitnessRefusal as exc:
        fail(exc.message, code=2 if exc.status == 400 else EXIT_VIOLATION)
    if out is not None:
        out.write_text(cosigned, encoding="utf-8")
    typer.echo(cosigned, nl=False)


# -- committed declarations ------------------------------------------------------------------


def _load_items(path: Path) -> list[dict[str, Any]]:
    from armsctl.ledger.escrow import parse_items

    fmt = "csv" if path.suffix.lower() == ".csv" else "json"
    return parse_items(_read_text(path, "item file"), fmt=fmt, where=str(path))


PARTY_KEY_OPTION = typer.Option(
    None, "--party-key", help="The party's verifier key, or its .pub file (trusted by you)."
)
TRUST_OPTION = typer.Option(
    None, "--trust", help="Trust file: the verifier keys of each party (armsctl/trust/v1)."
)


def commit_declaration(
    items_file: Path = typer.Argument(..., help="Item records, CSV or JSON."),
    party: str = typer.Option(..., "--party", help="Declaring party."),
    date: str = typer.Option(..., "--date", help="As-of date of the declaration."),
    treaty: str = typer.Option(..., "--treaty", help="Treaty id or treaty file."),
    key: Path = typer.Option(..., "--key", help="The party's private key file."),
    opening: Path = typer.Option(..., "--opening", help="Where to keep items and salts (0600)."),
    party_key: str | None = PARTY_KEY_OPTION,
    trust: Path | None = TRUST_OPTION,
    db: str | None = DB_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Log a salted commitment to item-level records; keep the opening file private.

    The items must follow the treaty (categories, statuses, attributes, zones), carry no date
    other than ``--date`` and have unique uids; ``--key`` must be one of the party's keys as
    given by ``--party-key`` or ``--trust``.
    """
    from armsctl.cli._commit import check_items, party_keys
    from armsctl.errors import InputError, Problem
    from armsctl.ledger.envelope import seal_entry
    from armsctl.ledger.escrow import DECLARATION_KIND, commit_items
    from armsctl.treaty.loader import load_treaty

    doc = load_treaty(treaty)
    items = _load_items(items_file)
    check_items(items, doc, date=date, where=str(items_file))
    signer = _signer(key)
    allowed = party_keys(party, party_key=party_key, trust=trust)
    if not any(k.public_key == signer.verifier().public_key for k in allowed):
        raise InputError([Problem(str(key), "", f"is not a key of party {party!r}")])
    made = commit_items(items, party=party, date=date, treaty=doc.id, rng=os.urandom)
    entry = seal_entry(
        kind=DECLARATION_KIND,
        treaty=doc.id,
        party=party,
        at=_now(),
        body=made.public,
        signer=signer,
    )
    if opening.exists():
        raise InputError([Problem(str(opening), "", "already exists; not overwriting")])
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        result = store.append_envelopes(conn, [entry])
        log = {"index": result.first_index, "entry_hash": result.leaf_hashes[0].hex()}
        _write_private(opening, json.dumps({**made.opening, "log": log}, indent=1) + "\n")
    _show(fmt, {**made.public, **log}, "committed declaration")


def reveal_declaration(
    opening: Path = typer.Option(..., "--opening", help="The private opening file."),
    uid: list[str] = typer.Option([], "--uid", help="Item uid to reveal (repeatable)."),
    facility: str | None = typer.Option(None, "--facility", help="Reveal a whole facility."),
    out: Path = typer.Option(..., "--out", help="Where to write the reveal."),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Reveal chosen items of a committed declaration, with their inclusion proofs."""
    from armsctl.errors import IntegrityError
    from armsctl.ledger.escrow import reveal_items

    doc = _read_json(opening, "opening file")
    if not isinstance(doc, dict) or not isinstance(doc.get("log"), dict):
        raise IntegrityError("the opening file is malformed")
    reveal = reveal_items(doc, uids=uid, facility=facility, declaration=doc["log"])
    out.write_text(json.dumps(reveal, indent=1) + "\n", encoding="utf-8")
    _show(fmt, {"revealed": len(reveal["items"]), "file": str(out)}, "reveal")


def verify_reveal_cmd(
    reveal_file: Path = typer.Argument(..., help="Reveal file from `armsctl reveal`."),
    log_key: str | None = typer.Option(
        None, "--log-key", help="Also prove the declaration is under the latest checkpoint."
    ),
    party_key: str | None = PARTY_KEY_OPTION,
    trust: Path | None = TRUST_OPTION,
    db: str | None = DB_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Check revealed items against the declaration in the public log; exit 1 if they fail.

    The declaration must be signed by a key you trust for its party (``--party-key`` or
    ``--trust``). A facility reveal says whether it is proven complete (every item committed
    at the facility revealed) or that completeness is not proven (a v1 commitment).
    """
    from armsctl.cli._commit import party_keys
    from armsctl.errors import IntegrityError

    reveal = _read_json(reveal_file, "reveal file")
    where = reveal.get("declaration") if isinstance(reveal, dict) else None
    if not isinstance(where, dict) or not isinstance(where.get("index"), int):
        raise IntegrityError("the reveal does not say where its declaration is logged")
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        data = store.entry(conn, where["index"])
        latest = store.latest_checkpoint(conn)
        proof = (
            store.inclusion_proof(conn, where["index"], latest[1])
            if latest is not None and where["index"] < latest[1]
            else None
        )
    from armsctl.ledger.envelope import open_entry

    try:
        party = open_entry(data).party
    except IntegrityError as exc:
        fail(f"reveal not verified: log entry {where['index']}: {exc}", code=EXIT_VIOLATION)
    keys = party_keys(party, party_key=party_key, trust=trust)
    try:
        result, signed = _verify_reveal(reveal, where, data, latest, proof, log_key, keys)
    except IntegrityError as exc:
        fail(f"reveal not verified: {exc}", code=EXIT_VIOLATION)
    completeness = {True: "proven", False: "not proven", None: "not asked"}[result.complete]
    _show(
        fmt,
        {
            "verified_items": result.verified,
            "party": party,
            "signed_by_party_key": True,
            "declared_counts": result.declared_counts,
            "revealed_counts": result.revealed_counts,
            "facility": result.facility,
            "complete": result.complete,
            "completeness": completeness,
            "under_signed_checkpoint": signed,
        },
        "reveal verified",
    )


def _verify_reveal(
    reveal: dict[str, Any],
    where: dict[str, Any],
    data: bytes,
    latest: Any,
    proof: Any,
    log_key: str | None,
    keys: Any,
) -> tuple[Any, bool]:
    """The checks of ``verify-reveal``; raise ``IntegrityError`` naming the first failure."""
    import hmac

    from armsctl.errors import IntegrityError
    from armsctl.ledger.checkpoint import open_checkpoint
    from armsctl.ledger.envelope import open_entry
    from armsctl.ledger.escrow import DECLARATION_KIND, verify_reveal
    from armsctl.ledger.merkle import leaf_hash, verify_inclusion

    index = where["index"]
    leaf = leaf_hash(data)
    if not hmac.compare_digest(leaf.hex(), str(where.get("entry_hash", ""))):
        raise IntegrityError(f"log entry {index} is not the declaration the reveal refers to")
    entry = open_entry(data)
    if entry.kind != DECLARATION_KIND:
        raise IntegrityError(f"log entry {index} is a {entry.kind!r}, not a declaration")
    if not any(k.public_key == entry.key.public_key for k in keys):
        raise IntegrityError(
            f"log entry {index} is not signed by a key you trust for {entry.party} "
            f"(signed by {entry.key.name})"
        )
    signed = False
    if log_key is not None:
        if latest is None or proof is None:
            raise IntegrityError(f"no signed checkpoint covers log entry {index} yet")
        head = open_checkpoint(latest[2], _verifier(log_key))
        if not verify_inclusion(leaf, index, head.size, proof, head.root):
            raise IntegrityError(f"log entry {index} is not under the signed checkpoint")
        signed = True
    return verify_reveal(reveal, entry.body), signed


def register(app: typer.Typer) -> None:
    """Add ``keys``, ``ledger`` and the ``commit`` / ``reveal`` / ``verify-reveal`` commands."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(ledger_app, name="ledger")
    app.command("commit")(user_errors(commit_declaration))
    app.command("reveal")(user_errors(reveal_declaration))
    app.command("verify-reveal")(user_errors(verify_reveal_cmd))


def demo_step(console: Console, workdir: Path, aggregates: list[dict[str, object]]) -> None:
    """Run the integrity part of the demo in ``workdir`` and print a few readable lines.

    Appends the aggregate rows to a fresh log, signs a checkpoint, verifies one figure's
    inclusion proof offline from the note alone, then commits a synthetic item-level
    declaration and reveals and verifies a sample of its items.
    """
    from armsctl.cli._ledger_demo import run_demo

    run_demo(console, workdir, aggregates)
