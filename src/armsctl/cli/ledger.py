"""Commands for the integrity layer: keys, the log, checkpoints, proofs, audit and escrow.

``armsctl keys generate``, ``armsctl ledger ...`` and ``armsctl commit`` / ``reveal`` /
``verify-reveal``. Every command only parses, calls ``armsctl.ledger`` (pure: proof bundles and
consistency proofs in ``ledger.bundle``, reveal checking in ``ledger.reveals``) and
``armsctl.store.ledger`` (the database), and renders. Heavy imports wait until a command runs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from armsctl.cli._common import (
    EXIT_VIOLATION,
    OutputFormat,
    fail,
    out_console,
    print_json,
    user_errors,
)
from armsctl.cli._options import CommandGroup, Format

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from armsctl.ledger.bundle import TrustPolicy
    from armsctl.ledger.note import SignerKey, VerifierKey
    from armsctl.store.ledger import LedgerStore

__all__ = ["demo_step", "register"]

keys_app = CommandGroup(help="Ed25519 signing keys for parties, logs and witnesses.")
ledger_app = CommandGroup(help="The tamper-evident Merkle log, its checkpoints and proofs.")

DB_HELP = "Database URL or SQLite file (default: $ARMSCTL_DATABASE_URL, else ./armsctl.db)."
DB_OPTION = typer.Option(None, "--db", help=DB_HELP)
TRUST_OPTION = typer.Option(
    None, "--trust", help="Trust policy file (TOML: log_key, witnesses, quorum)."
)
WITNESS_OPTION = typer.Option(
    [], "--witness", help="A witness's cosignature key, or a file holding one (repeatable)."
)
QUORUM_OPTION = typer.Option(
    None, "--quorum", help="Distinct witness cosignatures required (default: every --witness)."
)


# -- helpers ---------------------------------------------------------------------------------


def _read_text(path: Path, what: str) -> str:
    from armsctl.errors import InputError, Problem

    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(path), "", f"{what} not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot read {what}: {exc}")]) from None


def _read_json(path: Path, what: str = "") -> Any:
    """The JSON document in ``path``, through the one reader (``what`` names it for callers)."""
    from armsctl.textio import read_json

    return read_json(path)


def _proof_document(path: Path, what: str = "a proof bundle", typed: bool = True) -> Any:
    """The JSON object of a proof file, or "not <what>: <why>" (exit 2) for anything else.

    A file of random bytes, an empty file, a JSON list or ``{}`` is not a proof: saying so is
    clearer than the first field check that happens to fail on it. With ``typed`` the object
    must name one of the two proof types; without, any object goes on to the caller's parser.
    """
    from armsctl.errors import InputError, Problem
    from armsctl.ledger.bundle import BUNDLE_TYPE, CONSISTENCY_TYPE, PROOF_TYPES

    def refuse(why: str, location: str = "") -> InputError:
        return InputError([Problem(str(path), location, f"not {what}: {why}")])

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(str(path), "", "proof file not found")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot read the proof file: {exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("the file is not text (a proof is a JSON document)") from None
    if not text.strip():
        raise refuse("the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(f"not JSON ({exc.msg})", f"line {exc.lineno}") from None
    if not isinstance(doc, dict):
        raise refuse(f"a JSON {type(doc).__name__}, where a proof is a JSON object")
    if typed and doc.get("type") not in PROOF_TYPES:
        found = f"its type is {doc['type']!r}" if "type" in doc else 'it has no "type"'
        raise refuse(f"{found} (expected {BUNDLE_TYPE!r} or {CONSISTENCY_TYPE!r})", "type")
    return doc


def _signer(path: Path) -> SignerKey:
    from armsctl.ledger.note import SignerKey

    return SignerKey.parse(_read_text(path, "private key file"))


def _key_text(value: str, what: str = "verifier key file") -> str:
    """A key string given on the command line, or the content of the file it names."""
    candidate = Path(value)
    if "+" not in value or candidate.is_file():
        return _read_text(candidate, what).strip()
    return value


def _verifier(value: str) -> VerifierKey:
    """Accept a verifier key string or the path of a file holding one."""
    from armsctl.errors import InputError, IntegrityError
    from armsctl.ledger.note import VerifierKey

    try:
        return VerifierKey.parse(_key_text(value))
    except IntegrityError as exc:
        raise InputError(f"{value}: {exc}") from None


def _trust(
    trust: Path | None, key: str | None, witnesses: list[str], quorum: int | None
) -> TrustPolicy:
    """The trust policy from ``--trust FILE`` or from ``--key/--witness/--quorum``."""
    from armsctl.errors import ParameterError
    from armsctl.ledger.bundle import TrustPolicy

    if (trust is None) == (key is None):
        raise ParameterError("give the trust policy: either --trust FILE or --key LOG_KEY")
    if trust is not None:
        if witnesses or quorum is not None:
            raise ParameterError("--witness and --quorum go in the trust file with --trust")
        return TrustPolicy.parse_toml(_read_text(trust, "trust file"), where=str(trust))
    assert key is not None
    texts = [_key_text(w, "witness key file") for w in witnesses]
    return TrustPolicy.from_values(_key_text(key), texts, quorum)


def _server_database(engine: Engine) -> bool:
    from armsctl.service.log import is_server_database

    with engine.connect() as conn:
        return is_server_database(conn)


def _refuse_server_database(engine: Engine, url: str, command: str) -> None:
    """Writes other than checkpoints go through the server, which checks who may write."""
    from armsctl.errors import InputError

    if _server_database(engine):
        raise InputError(
            f"database {url} is an armsctl server's: `{command}` writes only to a stand-alone "
            "log; submit through the server (the API or `armsctl client`), which checks the "
            "entry against the party's registered keys"
        )


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


def _show(fmt: OutputFormat, data: dict[str, Any], title: str) -> None:
    if fmt is OutputFormat.json:
        print_json(data)
        return
    from rich.table import Table  # only for a table: a refusal or JSON lays out none

    table = Table(title=title, show_header=False)
    for key, value in data.items():
        table.add_row(key, str(value))
    out_console.print(table)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0)


# -- keys ------------------------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate(
    name: str = typer.Argument(..., help="Key name, e.g. a party code or example.org/log."),
    directory: Path = typer.Option(Path("keys"), "--dir", help="Where to write the key files."),
    encryption: bool = typer.Option(
        False,
        "--encryption/--no-encryption",
        show_default=False,
        help="An X25519 key to seal the party's items to, instead.",
    ),
    fmt: Format = OutputFormat.table,
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
def ledger_append(
    body_file: Path = typer.Argument(..., help="JSON body, or a JSON list of bodies (one batch)."),
    key: Path = typer.Option(..., "--key", help="The submitting party's private key file."),
    kind: str = typer.Option(..., "--kind", help="Entry kind, e.g. aggregate, notification."),
    treaty: str = typer.Option(..., "--treaty", help="Treaty id."),
    party: str = typer.Option(..., "--party", help="Submitting party."),
    time: str | None = typer.Option(None, "--time", help="ISO 8601 time (default: now, UTC)."),
    db: str | None = DB_OPTION,
    fmt: Format = OutputFormat.table,
) -> None:
    """Sign entries as a party and append them to the log in one transaction."""
    from armsctl.ledger.envelope import seal_entry

    doc = _read_json(body_file, "body file")
    bodies = doc if isinstance(doc, list) else [doc]
    at = _now()
    if time is not None:
        from armsctl.times import parse_instant

        at = parse_instant(time, field="--time")
    signer = _signer(key)
    entries = [
        seal_entry(kind=kind, treaty=treaty, party=party, at=at, body=b, signer=signer)
        for b in bodies
    ]
    engine, store, url = _open_log(db)
    _refuse_server_database(engine, url, "ledger append")
    with _database_errors(url), engine.begin() as conn:
        result = store.append_envelopes(conn, entries)
    _show(
        fmt,
        {
            "first_index": result.first_index,
            "appended": len(entries),
            "size": result.size,
            "root": base64.b64encode(result.root).decode("ascii"),
            "entry_hashes": [h.hex() for h in result.leaf_hashes],
        },
        "appended",
    )


@ledger_app.command("checkpoint")
def ledger_checkpoint(
    key: Path = typer.Option(..., "--key", help="The log's private key file (name = origin)."),
    out: Path | None = typer.Option(None, "--out", help="Also write the signed note here."),
    db: str | None = DB_OPTION,
    fmt: Format = OutputFormat.table,
) -> None:
    """Sign a C2SP checkpoint of the current tree and print the signed note.

    On a server's database this is the server's own use-case (the same as ``POST
    /api/v1/log/checkpoints``), signed with the server's log key.
    """
    signer = _signer(key)  # a refused key opens (and creates) no database
    engine, store, url = _open_log(db)
    if _server_database(engine):
        from armsctl.service import Database
        from armsctl.service import log as service

        database = Database(url, signer)
        try:
            with _database_errors(url):
                signed = service.sign_checkpoint(database)
        finally:
            database.dispose()
        note, size = signed.checkpoint, signed.size
    else:
        with _database_errors(url), engine.begin() as conn:
            note = store.sign_checkpoint(conn, signer)
            size = store.size(conn)
    if out is not None:
        out.write_text(note, encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json({"size": size, "checkpoint": note})
    else:
        typer.echo(note, nl=False)


@ledger_app.command("prove")
def ledger_prove(
    index: int | None = typer.Option(None, "--index", help="Entry index to prove."),
    entry_hash: str | None = typer.Option(None, "--entry-hash", help="Entry (leaf) hash, hex."),
    from_size: int | None = typer.Option(
        None,
        "--from-size",
        help="Add consistency from this older size; alone, write only a consistency proof.",
    ),
    size: int | None = typer.Option(
        None, "--size", help="Prove against the checkpoint of this size (default: the latest)."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Log verifier key to check the proof with (default: the recorded)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the proof bundle here."),
    db: str | None = DB_OPTION,
    fmt: Format = OutputFormat.table,
) -> None:
    """Write an armsctl/proof-bundle/v1 against a signed checkpoint, checked before it is written.

    Without ``--out`` the bundle is printed; with it, a summary is.
    """
    from armsctl.errors import NotFoundError, ParameterError

    if index is not None and entry_hash is not None:
        raise ParameterError("give one of --index and --entry-hash")
    if index is None and entry_hash is None and from_size is None:
        raise ParameterError("give --index or --entry-hash (and optionally --from-size)")
    from armsctl.service.log import build_proof_bundle  # after the checks: a refusal stays light

    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        log_key = _verifier(key) if key else store.log_key(conn)
        if log_key is None:
            raise NotFoundError("the log has no signed checkpoint yet; sign one first")
        if index is None and entry_hash is None:
            assert from_size is not None
            doc = _consistency_file(conn, store, log_key, from_size, size)
        else:
            if entry_hash is not None:
                try:
                    index = store.index_of(conn, bytes.fromhex(entry_hash))
                except ValueError:
                    raise ParameterError("--entry-hash must be hex") from None
            assert index is not None
            bundle = build_proof_bundle(
                conn, store, index=index, log_key=log_key, size=size, from_size=from_size
            )
            doc = bundle.to_json()
    text = json.dumps(doc, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    summary: dict[str, Any] = {k: doc[k] for k in ("type", "index", "size", "old_size") if k in doc}
    _show(fmt, {**summary, "file": str(out)}, "proof written")


def _consistency_file(
    conn: Any, store: LedgerStore, log_key: VerifierKey, old: int, size: int | None
) -> dict[str, Any]:
    """A consistency proof between two sizes of the log, checked against the newer checkpoint."""
    from armsctl.errors import ParameterError, VerificationError
    from armsctl.ledger.bundle import TrustPolicy, consistency_document, verify_checkpoint
    from armsctl.ledger.merkle import verify_consistency
    from armsctl.service.log import find_checkpoint

    _, tree_size, note = find_checkpoint(conn, store, size=size)
    if not 0 <= old <= tree_size:
        raise ParameterError(f"--from-size {old} is not between 0 and {tree_size}")
    head = verify_checkpoint(note, trust=TrustPolicy(log_key)).checkpoint
    proof = store.consistency_proof(conn, old, tree_size)
    if not verify_consistency(old, tree_size, store.root(conn, old), head.root, proof):
        raise VerificationError(
            f"refusing to write a consistency proof from size {old} that does not verify"
        )
    return consistency_document(old, tree_size, proof, note)


@ledger_app.command("trust")
def ledger_trust(
    key: str = typer.Option(..., "--key", help="The log's verifier key, or a file holding it."),
    witness: list[str] = WITNESS_OPTION,
    quorum: int | None = QUORUM_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write the trust file here."),
    fmt: Format = OutputFormat.table,
) -> None:
    """Write a trust policy file (log key, witnesses, quorum) from keys obtained out of band."""
    policy = _trust(None, key, witness, quorum)
    text = policy.to_toml()
    if out is not None:
        if out.exists():
            from armsctl.errors import InputError, Problem

            raise InputError([Problem(str(out), "", "already exists; not overwriting")])
        out.write_text(text, encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json({"trust": text, "file": str(out) if out else None})
        return
    typer.echo(text, nl=False)


@ledger_app.command("verify-proof")
def ledger_verify_proof(
    proof_file: Path = typer.Argument(..., help="Proof bundle (from `ledger prove` or the API)."),
    trust: Path | None = TRUST_OPTION,
    key: str | None = typer.Option(
        None, "--key", help="The log's verifier key, or a file holding it (instead of --trust)."
    ),
    witness: list[str] = WITNESS_OPTION,
    quorum: int | None = QUORUM_OPTION,
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="Signed checkpoint to use instead of the one in the file."
    ),
    old_checkpoint: Path | None = typer.Option(
        None, "--old-checkpoint", help="An older checkpoint you hold: require consistency."
    ),
    fmt: Format = OutputFormat.table,
) -> None:
    """Verify a proof bundle offline against pinned keys: exit 0 verified, 1 not, 2 bad input.

    The bundle carries no key: the log key, the witnesses and the quorum come from you.
    """
    from armsctl.errors import VerificationError
    from armsctl.ledger.bundle import (
        CONSISTENCY_TYPE,
        ProofBundle,
        verify_bundle,
        verify_consistency_document,
    )

    policy = _trust(trust, key, witness, quorum)
    doc = _proof_document(proof_file)
    note = _read_text(checkpoint, "checkpoint") if checkpoint else None
    previous = _read_text(old_checkpoint, "old checkpoint") if old_checkpoint else None
    try:
        if doc["type"] == CONSISTENCY_TYPE:
            result = verify_consistency_document(
                doc, where=str(proof_file), trust=policy, checkpoint=note, previous=previous
            ).to_json()
            title = "consistent"
        else:
            bundle = ProofBundle.parse(doc, where=str(proof_file), checkpoint=note)
            result = verify_bundle(bundle, trust=policy, previous=previous).to_json()
            title = f"included in {result['origin']}"
    except VerificationError as exc:
        if fmt is OutputFormat.json:
            print_json({"verified": False, "reason": str(exc)})
        raise VerificationError(f"{proof_file}: does not verify: {exc}") from None
    _show(fmt, result, title)


@ledger_app.command("audit")
def ledger_audit(
    key: str | None = typer.Option(None, "--key", help="Trusted log verifier key or .pub file."),
    envelopes: bool = typer.Option(
        True, "--envelopes/--no-envelopes", help="Also check every entry's signature."
    ),
    db: str | None = DB_OPTION,
    fmt: Format = OutputFormat.table,
) -> None:
    """Recompute every leaf and node, check every checkpoint; exit 1 naming the first mismatch.

    The same audit as the server's ``GET /api/v1/log/audit``: on a server's database it also
    checks that each entry is signed by the log key or a key registered for its party.
    """
    trusted = _verifier(key) if key else None
    from sqlalchemy.orm import Session  # after the key: a refused key loads no database

    from armsctl.service.log import audit_ledger

    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn, Session(bind=conn) as session:
        report = audit_ledger(session, store, trusted, check_envelopes=envelopes)
    _show(fmt, report.to_json_dict(), "audit")
    if not report.ok:
        raise typer.Exit(EXIT_VIOLATION)


@ledger_app.command("cosign")
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
    fmt: Format = OutputFormat.table,
) -> None:
    """Cosign a checkpoint as a witness, offline; exit 1 on a fork, rollback or bad signature.

    Needs no log database: the proof file comes from `ledger prove --from-size N` (or the
    consistency object of a proof bundle). A witness with no state trusts its first checkpoint.
    """
    import time as clock

    from armsctl.cli._common import fail
    from armsctl.cli.witness import cosign_offline
    from armsctl.errors import InputError, VerificationError, outcome
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
        # tlog-witness answers 400 to a malformed request (bad input); any other refusal (a
        # fork, a rollback, a bad signature) is evidence that does not verify: a finding.
        kind = InputError if exc.status == 400 else VerificationError
        if fmt is OutputFormat.json and kind is VerificationError:
            print_json({"cosigned": None, "refused": exc.message})
        fail(exc.message, code=outcome(kind).exit_code)
    if out is not None:
        out.write_text(cosigned, encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json({"cosigned": cosigned, "file": str(out) if out else None})
        return
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
    fmt: Format = OutputFormat.table,
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
    _refuse_server_database(engine, url, "commit")
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
    fmt: Format = OutputFormat.table,
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
    fmt: Format = OutputFormat.table,
) -> None:
    """Check revealed items against the declaration in the public log; exit 1 if they fail.

    The declaration must be signed by a key you trust for its party (``--party-key`` or
    ``--trust``). A facility reveal says whether it is proven complete (every item committed
    at the facility revealed) or that completeness is not proven (a v1 commitment).
    """
    from armsctl.cli._commit import party_keys
    from armsctl.errors import IntegrityError
    from armsctl.ledger.reveals import check_reveal, logged_party, reveal_target

    reveal = _read_json(reveal_file, "reveal file")
    index = reveal_target(reveal, where=str(reveal_file))
    engine, store, url = _open_log(db)
    with _database_errors(url), engine.begin() as conn:
        data = store.entry(conn, index)
        latest = store.latest_checkpoint(conn)
        proof = (
            store.inclusion_proof(conn, index, latest[1])
            if latest is not None and index < latest[1]
            else None
        )
    try:
        party = logged_party(data, index)
    except IntegrityError as exc:
        fail(f"reveal not verified: {exc}", code=EXIT_VIOLATION)
    keys = party_keys(party, party_key=party_key, trust=trust)
    try:
        result = check_reveal(
            reveal,
            data,
            trusted_keys=keys,
            log_key=_verifier(log_key) if log_key is not None else None,
            checkpoint=latest[2] if latest is not None and proof is not None else None,
            inclusion=proof,
        )
    except IntegrityError as exc:
        fail(f"reveal not verified: {exc}", code=EXIT_VIOLATION)
    _show(fmt, result.to_dict(), "reveal verified")


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
