"""The multi-party server from the command line: serve, migrate, administer, and a client.

``armsctl serve``, ``armsctl db upgrade|load-treaty``, ``armsctl parties add|list``,
``armsctl users add|list``, ``armsctl tokens issue|list|revoke`` act on the database directly
(the local operator), through the same use-cases as the API. ``armsctl client ...`` talks to a
running server over HTTP with a bearer token (``--server``/``ARMSCTL_SERVER``,
``--token``/``ARMSCTL_TOKEN``). Heavy imports wait until a command runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from armsctl.cli._common import (
    OutputFormat,
    exit_if_found,
    out_console,
    plain,
    print_json,
    user_errors,
)

if TYPE_CHECKING:
    from armsctl.service import Database

__all__ = ["register"]

db_app = typer.Typer(help="The server's database: migrate, load treaties.")
parties_app = typer.Typer(help="Parties registered on the server, with their keys.")
users_app = typer.Typer(help="Users of the server and their roles.")
tokens_app = typer.Typer(help="API tokens (only a hash of each is stored).")
client_app = typer.Typer(help="Talk to a running armsctl server over HTTP.")

DB_OPTION = typer.Option(
    None, "--db", help="Database URL or SQLite file (default: $ARMSCTL_DATABASE_URL, ./armsctl.db)."
)
FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="Output format.")
SERVER_OPTION = typer.Option(
    "http://127.0.0.1:8000", "--server", envvar="ARMSCTL_SERVER", help="Server base URL."
)
TOKEN_OPTION = typer.Option(
    ..., "--token", envvar="ARMSCTL_TOKEN", help="Bearer token (better: $ARMSCTL_TOKEN)."
)


def _check_sqlite_path(url: str) -> None:
    """Refuse a SQLite file in a directory that does not exist, before anything opens it.

    Without this the first write (the log key beside the file) fails with a traceback.
    """
    from pathlib import Path

    from armsctl.errors import InputError, Problem

    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return
    path = Path(url[len(prefix) :].split("?", 1)[0])
    if not path.parent.is_dir():
        raise InputError(
            [Problem(str(path), "--db", f"directory {path.parent} does not exist; create it first")]
        )


def _open(db: str | None) -> Database:
    """Open (creating and migrating if needed) the database and the log key beside it."""
    from armsctl.service import Database
    from armsctl.settings import KeySettings, load_signer
    from armsctl.store.engine import database_url
    from armsctl.store.schema import upgrade

    # The four settings this needs, without pydantic-settings (the server reads them all).
    settings = KeySettings.from_env(database_url=database_url(db))
    _check_sqlite_path(settings.database_url)
    database = Database(settings.database_url, load_signer(settings))
    upgrade(database.engine)
    return database


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _show(fmt: OutputFormat, data: Any, title: str) -> None:
    if fmt is OutputFormat.json:
        print_json(data)
        return
    rows = [plain(row) for row in (data if isinstance(data, list) else [data])]
    if not rows:
        out_console.print(f"{title}: none")
        return
    from rich.table import Table  # only when there are rows to lay out

    table = Table(title=title)
    for key in rows[0]:
        table.add_column(str(key))
    for row in rows:
        table.add_row(
            *(json.dumps(v) if isinstance(v, dict | list) else str(v) for v in row.values())
        )
    out_console.print(table)


def operator_command(
    app: typer.Typer, name: str, *, title: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(db, ...)`` as a local operator command NAME whose answer is shown.

    ``--db`` and ``--format`` are added to the command's own parameters. ``fn`` gets the
    database option as given and opens it itself (``_open``), after checking its own input,
    so that bad input leaves no database file behind; what it returns is printed as JSON or
    as a table titled ``title``, and user errors exit as ``user_errors`` says.
    """
    import functools
    import inspect

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        own = [q for q in signature.parameters.values() if q.name != "db"]
        keyword = inspect.Parameter.KEYWORD_ONLY
        shared = [
            inspect.Parameter("db", keyword, default=DB_OPTION, annotation="str | None"),
            inspect.Parameter("fmt", keyword, default=FORMAT_OPTION, annotation="OutputFormat"),
        ]

        @functools.wraps(fn)
        def command(*args: Any, db: str | None, fmt: OutputFormat, **kwargs: Any) -> None:
            _show(fmt, fn(db, *args, **kwargs), title)

        command.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=own + shared, return_annotation="None"
        )
        command.__annotations__ = {
            **{k: v for k, v in fn.__annotations__.items() if k not in ("db", "return")},
            "db": "str | None",
            "fmt": "OutputFormat",
            "return": "None",
        }
        app.command(name)(user_errors(command))
        return fn

    return register


@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    db: str | None = DB_OPTION,
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help=(
            "uvicorn worker processes. Each opens its own connections, so reads scale with "
            "cores; SQLite still admits one writer at a time. About one per core is a good "
            "start."
        ),
    ),
) -> None:
    """Run the API server (creates and migrates the SQLite file on first run).

    With --workers N > 1, the database is migrated once here, then uvicorn starts N processes
    from the factory armsctl.server:create_app_from_env, which find it via $ARMSCTL_DATABASE_URL.
    """
    import os

    from armsctl.store.engine import database_url

    url = database_url(db)
    _check_sqlite_path(url)
    import uvicorn  # after the check: a refused --db reads no settings and starts no server

    from armsctl.server import create_app
    from armsctl.settings import Settings

    settings = Settings(database_url=url)

    banner = f"armsctl API on http://{host}:{port}/api/v1 (docs at /api/v1/docs)"
    if workers == 1:
        app = create_app(settings, freeze_heap=True)
        out_console.print(banner)
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
        return
    _open(settings.database_url).dispose()  # migrate and create the log key once, not N times
    os.environ["ARMSCTL_DATABASE_URL"] = settings.database_url
    out_console.print(f"{banner}, {workers} workers")
    uvicorn.run(
        "armsctl.server:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=True,
    )


@db_app.command("upgrade")
@user_errors
def db_upgrade(db: str | None = DB_OPTION, fmt: OutputFormat = FORMAT_OPTION) -> None:
    """Create or migrate the database to the current schema."""
    from armsctl.store.schema import current_revision

    database = _open(db)
    revision = current_revision(database.engine)
    if fmt is OutputFormat.json:
        print_json({"revision": revision})
        return
    out_console.print(f"database at revision {revision}")


@operator_command(db_app, "load-treaty", title="treaty loaded")
def db_load_treaty(
    db: str | None,
    treaty: str = typer.Argument(..., help="Bundled treaty id, e.g. new-start."),
) -> Any:
    """Load a bundled treaty onto the server."""
    from armsctl.service import accounts

    return accounts.load_treaty(_open(db), treaty, at=_now())


@db_app.command("reseal")
@user_errors
def db_reseal(
    db: str | None = DB_OPTION,
    dry_run: bool = typer.Option(
        False, "--dry-run/--write", help="Only report what would be sealed and what stays clear."
    ),
    scrub: bool = typer.Option(
        True,
        "--scrub/--no-scrub",
        help="Afterwards rewrite the database file (VACUUM) so freed pages keep no clear row.",
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Seal every row an older server stored in clear, now that the parties have keys.

    Item rows, notification bodies, inspection sites, arrival times, findings and reveals are
    sealed to the parties entitled to them, in one transaction; running it again seals
    nothing new. Exits 1 if a row stays in clear because a party has no encryption key
    (`armsctl parties set-encryption-key`, then run this again).
    """
    from armsctl.service import reseal as resealing

    database = _open(db)
    report = resealing.reseal(database, dry_run=dry_run)
    if scrub and not dry_run:
        report.scrubbed = resealing.scrub(database)
    data = report.to_dict()
    if fmt is OutputFormat.json:
        print_json(data)
    else:
        verb = "would seal" if dry_run else "sealed"
        out_console.print(
            f"{verb}: "
            + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in data["sealed"].items())
        )
        for row in data["still_clear"]:
            out_console.print(
                f"still in clear: {row['record']} {row['id']} ({', '.join(row['parts'])}): "
                f"no encryption key for {', '.join(row['missing_keys'])}"
            )
        if not dry_run:
            out_console.print(
                "database file rewritten (VACUUM)"
                if report.scrubbed
                else "database file NOT rewritten: freed pages may still hold clear rows"
            )
    exit_if_found(bool(data["still_clear"]))


def _check_encryption_key(path: Path, text: str) -> None:
    """Refuse a key file that is not an X25519 public key before the database is opened.

    Opening creates the database file; a bad key file must leave nothing behind.
    """
    from armsctl.errors import InputError, IntegrityError, Problem
    from armsctl.ledger.sealing import SealingPublicKey

    try:
        SealingPublicKey.parse(text)
    except IntegrityError as exc:
        raise InputError([Problem(str(path), "--encryption-key", str(exc))]) from None


@operator_command(parties_app, "add", title="party registered")
def parties_add(
    db: str | None,
    treaty: str = typer.Argument(..., help="Treaty id."),
    code: str = typer.Argument(..., help="Party code as the treaty writes it, e.g. USA."),
    key: Path = typer.Option(..., "--key", help="The party's verifier key file (.pub)."),
    name: str = typer.Option("", "--name", help="Display name (default: the code)."),
    encryption_key: Path | None = typer.Option(
        None,
        "--encryption-key",
        help="The party's X25519 public key file (.x25519.pub): what its rows are sealed to.",
    ),
) -> Any:
    """Register a party and its Ed25519 verifier key (from `armsctl keys generate`).

    With ``--encryption-key`` (from `armsctl keys generate NAME --encryption`) the server seals
    every item row, notification body and inspection record it keeps for the party to that key.
    """
    texts = [_read_text(path).strip() if path else None for path in (key, encryption_key)]
    if encryption_key is not None:
        _check_encryption_key(encryption_key, str(texts[1]))
    from armsctl.service import accounts  # after the key files: a refusal loads no database

    return accounts.register_party(
        _open(db),
        treaty=treaty,
        code=code,
        name=name or code,
        key=str(texts[0]),
        encryption_key=texts[1],
        at=_now(),
    )


@operator_command(parties_app, "set-encryption-key", title="encryption key set")
def parties_set_encryption_key(
    db: str | None,
    treaty: str = typer.Argument(..., help="Treaty id."),
    code: str = typer.Argument(..., help="Party code."),
    encryption_key: Path = typer.Option(
        ..., "--encryption-key", help="The party's X25519 public key file (.x25519.pub)."
    ),
) -> Any:
    """Register or replace a party's encryption key (logged).

    What was sealed to an old key stays sealed to it: the party keeps that private key.
    """
    text = _read_text(encryption_key).strip()
    _check_encryption_key(encryption_key, text)
    from armsctl.service import accounts  # after the key file: a refusal loads no database

    return accounts.set_encryption_key(
        _open(db), treaty=treaty, code=code, encryption_key=text, at=_now()
    )


@operator_command(parties_app, "list", title="parties")
def parties_list(
    db: str | None,
    treaty: str = typer.Argument(..., help="Treaty id."),
) -> Any:
    """List a treaty's registered parties and keys."""
    from armsctl.service import accounts

    return accounts.list_parties(_open(db), treaty=treaty)


@operator_command(users_app, "add", title="user added")
def users_add(
    db: str | None,
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help="party, inspector, observer or operator."),
    treaty: str | None = typer.Option(None, "--treaty", help="Treaty (party, inspector)."),
    party: str | None = typer.Option(None, "--party", help="Party code (party, inspector)."),
) -> Any:
    """Add a user with one role."""
    from armsctl.service import accounts

    return accounts.add_user(_open(db), name=name, role=role, treaty=treaty, party=party, at=_now())


@operator_command(users_app, "list", title="users")
def users_list(db: str | None) -> Any:
    """List users and their roles."""
    from armsctl.service import accounts

    return accounts.list_users(_open(db), limit=10_000).results


@tokens_app.command("issue")
@user_errors
def tokens_issue(
    user: str = typer.Argument(..., help="User name."),
    days: int = typer.Option(90, "--days", help="Lifetime in days."),
    db: str | None = DB_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Issue a token; it is printed once and only its hash is kept."""
    import os

    from armsctl.service import accounts

    row = accounts.issue_token(_open(db), user=user, at=_now(), days=days, rng=os.urandom)
    if fmt is OutputFormat.json:
        print_json(row)
        return
    # The secret is printed alone on its line, never inside a table cell that a narrow
    # terminal or a pipe could cut: it is shown once and cannot be recovered.
    details = {k: v for k, v in row.to_json_dict().items() if k != "token"}
    _show(fmt, details, "token issued")
    typer.echo("token (shown once, store it now; only its hash is kept):")
    typer.echo(row.token)


@operator_command(tokens_app, "list", title="tokens")
def tokens_list(
    db: str | None,
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
) -> Any:
    """List token ids and lifetimes (secrets are not stored)."""
    from armsctl.service import accounts

    return accounts.list_tokens(_open(db), user=user)


@operator_command(tokens_app, "revoke", title="token revoked")
def tokens_revoke(
    db: str | None,
    token_id: str = typer.Argument(..., help="The token id (the hex part after armsctl_)."),
) -> Any:
    """Revoke a token at once."""
    from armsctl.service import accounts

    return accounts.revoke_token(_open(db), token_id=token_id, at=_now())


# -- client ----------------------------------------------------------------------------------


def _call(method: str, server: str, token: str, path: str, body: Any = None) -> Any:
    import httpx

    from armsctl.errors import InputError, NotFoundError

    # Accept both "/me" and "/api/v1/me": the documented form is relative to /api/v1, but a
    # path copied from the API docs or a URL carries the prefix.
    relative = path.removeprefix("/api/v1") if path.startswith("/api/v1/") else path
    if not relative.startswith("/"):
        relative = "/" + relative
    url = server.rstrip("/") + "/api/v1" + relative
    try:
        response = httpx.request(
            method,
            url,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            verify=_tls(url),
        )
    except httpx.HTTPError as exc:
        raise InputError(f"cannot reach {server}: {exc}") from None
    try:
        doc = response.json()
    except ValueError:
        raise InputError(f"{server} answered {response.status_code} without JSON") from None
    if response.status_code >= 400:
        message = f"{response.status_code} {doc.get('error')}: {doc.get('detail')}"
        if response.status_code == 404:
            raise NotFoundError(message)
        raise InputError(message)
    return doc


def _tls(url: str) -> Any:
    """What verifies the server's certificate: httpx's default for https, none needed for http.

    httpx builds its default context (loading the whole CA bundle, about 30 ms) for every
    request, even to an ``http://`` server, where no TLS is spoken (``httpx.request`` follows
    no redirect). That server gets a bare client context instead: it trusts no certificate, so
    it could never accept one if TLS were used after all.
    """
    import ssl

    if url.lower().startswith("https:"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _signer_from(key: Path) -> Any:
    from armsctl.ledger.note import SignerKey

    return SignerKey.parse(_read_text(key, "the key"))


def _party_code(server: str, token: str, party: str | None) -> str:
    """The party the entry is signed for: given, else the token's own."""
    from armsctl.errors import InputError, Problem

    code = party or _call("GET", server, token, "/me").get("party")
    if not isinstance(code, str) or not code:
        raise InputError([Problem("", "party", "the token acts for no party: give one")])
    return code


def _clock() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _sign_as_party(
    server: str, token: str, key: Path, party: str | None, build: Any, history: bool = False
) -> str:
    """Seal the entry ``build(party, now)`` with the party's key; return its base64.

    ``history``: the request records history, and its entry says so (as the server logs it).
    """
    from armsctl.service.treaty_dates import history_marked

    signer = _signer_from(key)
    draft = history_marked(build(_party_code(server, token, party), _clock()), history)
    return str(draft.seal_b64(signer))


@dataclass(frozen=True, slots=True)
class Client:
    """What every ``client`` command talks through: the server, the bearer token, the format.

    Built by ``client_command`` from ``--server``, ``--token`` and ``--format``, so each
    command declares only its own options and never repeats the HTTP, signing or output steps.
    """

    server: str
    token: str
    fmt: OutputFormat = OutputFormat.table

    def get(self, path: str) -> Any:
        return _call("GET", self.server, self.token, path)

    def post(self, path: str, body: Any) -> Any:
        return _call("POST", self.server, self.token, path, body)

    def sign(
        self,
        request: dict[str, Any],
        key: Path | None,
        build: Any,
        party: str | None = None,
        history: bool = False,
    ) -> None:
        """With ``--key``, add ``signed_entry``: ``build(party, now)`` sealed with the key.

        The party is ``party`` when given, else the token's own; without a key the server
        seals the entry itself.
        """
        if key is not None:
            request["signed_entry"] = _sign_as_party(
                self.server, self.token, key, party, build, history
            )

    def show(self, data: Any, title: str) -> None:
        _show(self.fmt, data, title)


def client_command(
    app: typer.Typer, name: str, *, formats: OutputFormat | None = OutputFormat.table
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn(client, ...)`` as ``armsctl client NAME`` with the shared options.

    ``--server`` (``$ARMSCTL_SERVER``), ``--token`` (``$ARMSCTL_TOKEN``) and, unless
    ``formats`` is None, ``--format`` (defaulting to ``formats``) are added to the command's
    own parameters and arrive as one ``Client``.
    """
    import functools
    import inspect

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(fn)
        own = [q for q in signature.parameters.values() if q.name != "client"]
        keyword = inspect.Parameter.KEYWORD_ONLY
        shared = [
            inspect.Parameter("server", keyword, default=SERVER_OPTION, annotation="str"),
            inspect.Parameter("token", keyword, default=TOKEN_OPTION, annotation="str"),
        ]
        if formats is not None:
            option = typer.Option(formats, "--format", help="Output format.")
            shared.append(
                inspect.Parameter("fmt", keyword, default=option, annotation="OutputFormat")
            )

        @functools.wraps(fn)
        def command(*args: Any, server: str, token: str, **kwargs: Any) -> None:
            fmt = kwargs.pop("fmt", formats or OutputFormat.json)
            fn(Client(server, token, fmt), *args, **kwargs)

        command.__signature__ = signature.replace(parameters=own + shared)  # type: ignore[attr-defined]
        command.__annotations__ = {
            **{k: v for k, v in fn.__annotations__.items() if k != "client"},
            "server": "str",
            "token": "str",
            **({"fmt": "OutputFormat"} if formats is not None else {}),
        }
        app.command(name)(user_errors(command))
        return fn

    return register


@client_command(client_app, "get", formats=OutputFormat.json)
def client_get(
    client: Client,
    path: str = typer.Argument(
        ...,
        help="Path under /api/v1, e.g. /me or /treaties/new-start/quotas (the /api/v1 prefix "
        "may be included).",
    ),
) -> None:
    """GET any endpoint and print its JSON (--format table: its fields, or its results)."""
    doc = client.get(path)
    rows = doc.get("results") if isinstance(doc, dict) and "results" in doc else doc
    flat = isinstance(rows, dict) or (
        isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    )
    if client.fmt is OutputFormat.json or not flat:
        print_json(doc)
        return
    client.show(rows, path)


@client_command(client_app, "check")
def client_check(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    at: str | None = typer.Option(None, "--at", help="Date (default: today, server side)."),
) -> None:
    """Compliance at a date, computed by the server; exit 1 on a violation."""
    doc = client.get(f"/treaties/{treaty}/compliance" + (f"?at={at}" if at else ""))
    if client.fmt is OutputFormat.json:
        print_json(doc)
    else:
        rows = [
            {"party": p["party"], "status": p["status"], "declaration": p["declaration_as_of"]}
            for p in doc["parties"]
        ]
        client.show(rows, f"{treaty} at {doc['at']}: {doc['status']}")
    exit_if_found(doc.get("status") == "violation")


HISTORY_OPTION = typer.Option(
    False,
    "--recording-history",
    help="Enter a record of the past as history: the server then accepts a date the treaty "
    "would refuse (before signature, after expiry or withdrawal) and logs the flag.",
)
KEY_OPTION = typer.Option(
    None,
    "--key",
    help="The party's private key file: sign the log entry here, so it is party-signed "
    "(required by servers that require party signatures, the default).",
)
inspect_app = typer.Typer(help="Inspections as a party or its team: request, steps, report.")


def _salt() -> tuple[bytes, str]:
    import os

    salt = os.urandom(32)
    return salt, salt.hex()


def _read_json(file: Path) -> Any:
    from armsctl.errors import InputError, Problem

    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(file), "", f"cannot read JSON: {exc}")]) from None


def _read_text(path: Path, what: str = "") -> str:
    """The text of a file the user named; a file that cannot be read is bad input naming it."""
    from armsctl.errors import InputError, Problem

    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        reading = f"cannot read {what}" if what else "cannot read"
        raise InputError([Problem(str(path), "", f"{reading}: {exc}")]) from None


def _each_result(client: Client, path: str) -> Iterator[dict[str, Any]]:
    """Every row of a paged list, fetched a page at a time as the caller goes on reading."""
    offset: int | None = 0
    while offset is not None:
        page = client.get(f"{path}?limit=500&offset={offset}")
        yield from page["results"]
        offset = page["next_offset"]


def _read_object(file: Path | None) -> dict[str, Any]:
    """A JSON object from ``file`` (an empty one when no file is given)."""
    from armsctl.errors import InputError, Problem

    doc = _read_json(file) if file is not None else {}
    if not isinstance(doc, dict):
        raise InputError([Problem(str(file), "", "must be a JSON object")])
    return doc


def _sign_items(
    client: Client,
    key: Path,
    treaty: str,
    file: Path,
    body: dict[str, Any],
    seal_to: Path | None = None,
) -> None:
    """Commit to the items here and sign the entry; add ``salts`` and ``signed_entry``.

    With ``seal_to`` (the party's X25519 public key file) the items are sealed here instead:
    the body carries the commitment, the component figures and the sealed rows, no item.
    """
    import os

    from armsctl.errors import InputError, Problem
    from armsctl.service.declarations import ClientItems, sign_items
    from armsctl.treaty.loader import load_treaty

    as_of = _as_of(body, file)
    items = body.get("items")
    if not isinstance(items, list):
        raise InputError([Problem(str(file), "items", "must be a list of item records")])
    submission = ClientItems(
        treaty=load_treaty(treaty),
        party=_party_code(client.server, client.token, body.get("party")),
        as_of=as_of,
        items=items,
        at=_clock(),
        recording_history=body.get("recording_history") is True,
    )
    signer = _signer_from(key)
    if seal_to is None:
        body |= sign_items(signer, submission, rng=os.urandom)
        return
    from armsctl.ledger.sealing import SealingPublicKey
    from armsctl.service.declarations import seal_items

    recipient = SealingPublicKey.parse(_read_text(seal_to))
    del body["items"]
    body |= seal_items(signer, recipient, submission, rng=os.urandom)


def _as_of(body: dict[str, Any], file: Path) -> Any:
    import datetime as dt

    from armsctl.errors import InputError, Problem

    try:
        return dt.date.fromisoformat(str(body.get("as_of")))
    except ValueError:
        raise InputError([Problem(str(file), "as_of", "must be a date")]) from None


@client_command(client_app, "submit")
def client_submit(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    file: Path = typer.Argument(..., help='JSON: {"as_of", "figures"} or {"as_of", "items"}.'),
    key: Path | None = KEY_OPTION,
    seal_to: Path | None = typer.Option(
        None,
        "--seal-to",
        help="Items: the party's X25519 public key file; seal the items to it here, so the "
        "server stores them encrypted (needs --key).",
    ),
    recording_history: bool = HISTORY_OPTION,
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the signed request to this file instead of sending it (needs --key): "
        "upload that file on the web's Declarations page within 5 minutes.",
    ),
) -> None:
    """Submit a declaration as the token's party: aggregate figures or committed items.

    With --key the log entry is signed here with the party's key, so the log proves the
    party (not the server's operator) declared it; for items, the commitment is computed here
    too and the server rebuilds it from the salts sent along. With --out the signed request is
    written to a file for the web upload form, and nothing is sent (the server is asked only
    for the token's party when the file names none).
    """
    from armsctl.errors import InputError, Problem

    body = _read_object(file)
    if recording_history:
        body["recording_history"] = True
    history = body.get("recording_history") is True
    items = "items" in body
    if seal_to is not None and (key is None or not items):
        raise InputError([Problem(str(file), "items", "--seal-to seals items and needs --key")])
    if key is not None and items:
        _sign_items(client, key, treaty, file, body, seal_to)
    elif key is not None:
        from armsctl.service.entries import declaration_entry

        as_of = _as_of(body, file)
        figures = body.get("figures") or {}
        if not isinstance(figures, dict):
            raise InputError([Problem(str(file), "figures", "must be an object")])
        client.sign(
            body,
            key,
            lambda code, now: declaration_entry(
                treaty=treaty,
                party=code,
                as_of=as_of,
                figures=figures,
                status=str(body.get("status", "provided")),
                at=now,
            ),
            party=body.get("party"),
            history=history,
        )
    if out is not None:
        from armsctl.cli.client_signed import write_signed_request

        write_signed_request(out, treaty, "items" if items else "aggregate", body, key, client.fmt)
        return
    path = f"/treaties/{treaty}/declarations" + ("/items" if items else "")
    client.show(client.post(path, body), "declaration submitted")


@client_command(client_app, "notify")
def client_notify(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    kind: str = typer.Argument(..., help="Notification kind, e.g. inspection-intent."),
    body_file: Path | None = typer.Option(None, "--body", help="JSON object: the message."),
    to: str | None = typer.Option(None, "--to", help="Recipient party (default: every other)."),
    key: Path | None = KEY_OPTION,
    recording_history: bool = HISTORY_OPTION,
) -> None:
    """Send a notification as the token's party; with --key its log entry is party-signed."""
    message = _read_object(body_file)
    request: dict[str, Any] = {"recipient": to, "kind": kind, "body": message}
    if recording_history:
        request["recording_history"] = True
    salt, request["body_salt"] = _salt() if key is not None else (b"", None)
    if key is None:
        del request["body_salt"]
    else:
        from armsctl.service.entries import notification_entry

        client.sign(
            request,
            key,
            lambda code, now: notification_entry(
                treaty=treaty, sender=code, recipient=to, kind=kind, body=message, salt=salt, at=now
            ),
            history=recording_history,
        )
    client.show(client.post(f"/treaties/{treaty}/notifications", request), "sent")


def _open_items(client: Client, declaration: int, key: Path) -> tuple[Any, Any]:
    """Read a sealed declaration's rows and open them here: (declaration, opening)."""
    from armsctl.errors import InputError, Problem
    from armsctl.ledger.sealing import SealingKey, open_private, open_rows

    sealing = SealingKey.parse(_read_text(key))
    decl = client.get(f"/declarations/{declaration}")
    rows = list(_each_result(client, f"/declarations/{declaration}/items"))
    if not rows or "sealed" not in rows[0]:
        raise InputError([Problem("", "declaration", "its items are not sealed")])
    sealed = {
        **rows[0]["sealed"],
        "rows": [{"index": r["index"], "ciphertext": r["ciphertext"]} for r in rows],
    }
    context = {"party": decl["party"], "treaty": decl["treaty"], "date": decl["commitment"]["date"]}
    opening = {
        "public": decl["commitment"],
        "items": open_rows(sealed, key=sealing, **context),
        **open_private(sealed, key=sealing, **context),
    }
    return decl, opening


def _open_value(sealed: Any, party: str, key: Path, context: dict[str, Any] | None = None) -> Any:
    """Open a party's copy of content the server keeps sealed: ``{"value", "salt"}``.

    ``context``, when given, is the record the reader asked for: a value sealed for another
    record (moved there by whoever can write the database) does not open.
    """
    from armsctl.ledger.sealing import SealingKey, open_value

    sealing = SealingKey.parse(_read_text(key))
    return open_value(sealed, reader=party, key=sealing, context=context)


@client_command(client_app, "notifications", formats=OutputFormat.json)
def client_notifications(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    decrypt_key: Path = typer.Option(
        ..., "--decrypt-key", help="The party's X25519 private key file (.x25519.key)."
    ),
) -> None:
    """List the party's notifications with their bodies opened here (JSON).

    The server keeps each body sealed to the sender and the recipients; this opens the
    party's copy, and checks its salted commitment against the one the log carries.
    """
    me = client.get("/me")
    rows = list(_each_result(client, f"/treaties/{treaty}/notifications"))
    from armsctl.errors import IntegrityError  # after the server answers: a refusal stays light
    from armsctl.service.entries import content_commitment

    for row in rows:
        if row.get("sealed_body") is None:
            continue
        body_context = {"kind": "notification-body", "treaty": treaty, "notification": row["id"]}
        opened = _open_value(row["sealed_body"], str(me["party"]), decrypt_key, body_context)
        salt = bytes.fromhex(opened["salt"])
        if content_commitment(salt, opened["value"]) != row["body_commitment"]:
            raise IntegrityError(f"notification {row['id']}: the body does not match the log")
        row.update(body=opened["value"], body_salt=opened["salt"], sealed_body=None)
    print_json({"results": rows})


@client_command(client_app, "items", formats=OutputFormat.json)
def client_items(
    client: Client,
    declaration: int = typer.Argument(..., help="Item-level declaration id."),
    decrypt_key: Path = typer.Option(
        ..., "--decrypt-key", help="The party's X25519 private key file (.x25519.key)."
    ),
) -> None:
    """Read the party's sealed items back and decrypt them here (JSON: the opening)."""
    _decl, opening = _open_items(client, declaration, decrypt_key)
    if client.fmt is OutputFormat.json:
        print_json(opening)
        return
    client.show(opening["items"], f"declaration {declaration}: {len(opening['items'])} items")


@client_command(client_app, "ack")
def client_ack(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    notification: int = typer.Argument(..., help="Notification id."),
    key: Path | None = KEY_OPTION,
) -> None:
    """Acknowledge a notification for the token's party; --key signs the acknowledgement."""
    from armsctl.errors import NotFoundError

    request: dict[str, Any] = {}
    if key is not None:
        from armsctl.service.entries import acknowledgement_entry

        listed = _each_result(client, f"/treaties/{treaty}/notifications")
        row = next((n for n in listed if n["id"] == notification), None)
        if row is None:
            raise NotFoundError(f"no notification {notification} for this party under {treaty}")
        index = int(row["log_index"])
        client.sign(
            request,
            key,
            lambda code, now: acknowledgement_entry(
                treaty=treaty,
                party=code,
                notification=notification,
                notification_index=index,
                at=now,
            ),
        )
    client.show(client.post(f"/notifications/{notification}/acknowledge", request), "acknowledged")


@client_command(client_app, "observe")
def client_observe(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    source: str = typer.Option(..., "--source", help="satellite, drone, in-situ, open-source."),
    observed_at: str = typer.Option(..., "--observed-at", help="RFC 3339 time of observation."),
    subject: str | None = typer.Option(None, "--subject", help="The party observed."),
    body_file: Path | None = typer.Option(None, "--body", help="JSON object: what was seen."),
    key: Path | None = KEY_OPTION,
) -> None:
    """Record an observation; with --key the party's own entry is logged."""
    from armsctl.times import parse_instant

    message = _read_object(body_file)
    seen = parse_instant(observed_at, field="--observed-at")
    request: dict[str, Any] = {
        "subject": subject,
        "source": source,
        "observed_at": observed_at,
        "body": message,
    }
    if key is not None:
        from armsctl.service.entries import observation_entry

        salt, request["body_salt"] = _salt()
        client.sign(
            request,
            key,
            lambda code, now: observation_entry(
                treaty=treaty,
                recorder=code,
                subject=subject,
                source=source,
                observed_at=seen,
                body=message,
                salt=salt,
                at=now,
            ),
        )
    client.show(client.post(f"/treaties/{treaty}/observations", request), "observation recorded")


@client_command(inspect_app, "request")
def inspect_request(
    client: Client,
    treaty: str = typer.Argument(..., help="Treaty id."),
    inspected: str = typer.Option(..., "--inspected", help="The inspected party."),
    kind: str = typer.Option(..., "--type", help="Inspection type (quota id)."),
    site: str = typer.Option(..., "--site", help="The site (stays between the two parties)."),
    inspector: list[str] = typer.Option([], "--inspector", help="Team member (repeatable)."),
    year: int | None = typer.Option(None, "--year", help="Quota year (default: this year)."),
    key: Path | None = KEY_OPTION,
    recording_history: bool = HISTORY_OPTION,
) -> None:
    """Request an inspection as the token's party (the log holds a site commitment only)."""
    request: dict[str, Any] = {
        "inspected_party": inspected,
        "type": kind,
        "site": site,
        "inspectors": inspector,
        "year": year,
    }
    if recording_history:
        request["recording_history"] = True
    if key is not None:
        from armsctl.service.entries import inspection_request_entry
        from armsctl.service.inspections import site_commitment

        salt, request["site_salt"] = _salt()
        quota_year = year if year is not None else _clock().year
        client.sign(
            request,
            key,
            lambda code, now: inspection_request_entry(
                treaty=treaty,
                inspecting=code,
                inspected=inspected,
                quota_id=kind,
                year=quota_year,
                site_commitment=site_commitment(salt, site),
                at=now,
            ),
            history=recording_history,
        )
    client.show(client.post(f"/treaties/{treaty}/inspections", request), "inspection requested")


@dataclass(frozen=True, slots=True)
class _Step:
    """One inspection step: its URL action, who signs it, and the entry kind and state."""

    action: str
    owner: str
    kind: str
    state: str
    title: str


SCHEDULE = _Step("schedule", "inspecting", "inspection-notified", "notified", "inspection notified")
START = _Step("start", "inspected", "inspection-started", "in-progress", "inspection started")
REVEAL = _Step("reveals", "inspected", "items-revealed", "", "site revealed")
REPORT = _Step("report", "inspecting", "inspection-reported", "reported", "inspection reported")


def _post_step(
    client: Client,
    inspection: int,
    step: _Step,
    request: dict[str, Any],
    key: Path | None,
    *,
    arrival: str | None = None,
    findings: Any = None,
) -> None:
    """Post one inspection step, signing its entry for the step's owner (with --key)."""
    if key is not None:
        from armsctl.service.entries import (
            content_commitment,
            inspection_step_entry,
            reveal_entry,
        )

        row = client.get(f"/inspections/{inspection}")
        salt: bytes | None = None
        if arrival is not None or findings is not None:
            salt, hex_salt = _salt()
            request["arrival_salt" if arrival is not None else "findings_salt"] = hex_salt

        def build(code: str, now: Any) -> Any:
            if step is REVEAL:
                return reveal_entry(
                    treaty=row["treaty"],
                    party=code,
                    inspection=inspection,
                    declaration=int(request["declaration_id"]),
                    site_commitment=str(row["site_commitment"]),
                    at=now,
                )
            return inspection_step_entry(
                kind=step.kind,
                treaty=row["treaty"],
                party=code,
                inspection=inspection,
                state=step.state,
                at=now,
                arrival_commitment=(
                    content_commitment(salt, arrival) if salt and arrival is not None else None
                ),
                findings_commitment=(
                    content_commitment(salt, findings) if salt and findings is not None else None
                ),
            )

        client.sign(request, key, build, party=row[f"{step.owner}_party"])
    client.show(client.post(f"/inspections/{inspection}/{step.action}", request), step.title)


INSPECTION_ARG = typer.Argument(..., help="Inspection id.")


@client_command(inspect_app, "schedule")
def inspect_schedule(
    client: Client,
    inspection: int = INSPECTION_ARG,
    arrival: str = typer.Option(..., "--arrival", help="RFC 3339 arrival time."),
    key: Path | None = KEY_OPTION,
) -> None:
    """Notify the team's arrival (inspecting party); the log holds its commitment only."""
    import datetime as dt

    from armsctl.times import parse_instant

    when = parse_instant(arrival, field="--arrival")
    utc = when.astimezone(dt.UTC).isoformat()
    _post_step(client, inspection, SCHEDULE, {"arrival": arrival}, key, arrival=utc)


@client_command(inspect_app, "start")
def inspect_start(
    client: Client, inspection: int = INSPECTION_ARG, key: Path | None = KEY_OPTION
) -> None:
    """Receive the inspection team (inspected party)."""
    _post_step(client, inspection, START, {}, key)


@client_command(inspect_app, "reveal")
def inspect_reveal(
    client: Client,
    inspection: int = INSPECTION_ARG,
    declaration: int = typer.Option(..., "--declaration", help="Committed declaration id."),
    decrypt_key: Path | None = typer.Option(
        None,
        "--decrypt-key",
        help="Sealed items: the party's X25519 private key; the reveal is built here.",
    ),
    key: Path | None = KEY_OPTION,
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the signed reveal to this file instead of sending it (needs --key): "
        "upload that file on the web's Inspections page within 5 minutes.",
    ),
) -> None:
    """Open every declared item at the inspected site to the team (inspected party).

    For items sealed to the party (--decrypt-key), the client opens them and sends the
    site's reveal with its proofs; the server checks it and cannot read the other items.
    """
    request: dict[str, Any] = {"declaration_id": declaration}
    if decrypt_key is not None:
        from armsctl.ledger.escrow import reveal_items

        decl, opening = _open_items(client, declaration, decrypt_key)
        row = client.get(f"/inspections/{inspection}")
        site = row["site"]
        if row.get("sealed_site") is not None:  # sealed at rest: open the party's copy here
            site_context = {
                "kind": "inspection-site",
                "treaty": row["treaty"],
                "inspection": inspection,
            }
            opened = _open_value(row["sealed_site"], decl["party"], decrypt_key, site_context)
            site, request["site_salt"] = opened["value"], opened["salt"]
        request["reveal"] = reveal_items(
            opening,
            facility=site,
            declaration={"declaration_id": decl["id"], "log_index": decl["log_index"]},
        )
    if out is not None:
        from armsctl.cli.client_signed import write_signed_reveal

        return write_signed_reveal(client, inspection, request, key, out)
    _post_step(client, inspection, REVEAL, request, key)


@client_command(inspect_app, "show", formats=OutputFormat.json)
def inspect_show(
    client: Client,
    inspection: int = INSPECTION_ARG,
    decrypt_key: Path = typer.Option(
        ..., "--decrypt-key", help="Your party's X25519 private key file (.x25519.key)."
    ),
    party_key: str | None = typer.Option(
        None,
        "--party-key",
        help="The inspecting party's verifier key, or its .pub file (trusted by you): the site "
        "must be the one its signed request in the log commits to.",
    ),
    trust: Path | None = typer.Option(
        None, "--trust", help="Trust file: the verifier keys of each party (armsctl/trust/v1)."
    ),
) -> None:
    """Show an inspection with its site, arrival and findings opened here (JSON).

    The server keeps them sealed to the two parties; this opens the reader's party's copy
    (a named inspector uses its party's key), checks that each was sealed for this very
    inspection, and checks each against the commitment the server says the log carries: a
    mismatch exits 1 and names the part. With ``--party-key`` or ``--trust`` the site is also
    checked against the log itself: it must be the one an ``inspection-requested`` entry signed
    by a key you trust for the inspecting party commits to (this reads the whole log).
    """
    me = client.get("/me")
    row = client.get(f"/inspections/{inspection}")
    from armsctl.errors import VerificationError  # after the server answers: a refusal stays light
    from armsctl.service.entries import content_commitment
    from armsctl.service.inspections import site_commitment

    logged = (
        _logged_site_commitments(client, row, party_key=party_key, trust=trust)
        if party_key is not None or trust is not None
        else None
    )
    for part, value_field in (
        ("site", "site"),
        ("arrival", "scheduled_for"),
        ("findings", "findings"),
    ):
        sealed = row.get(f"sealed_{part}")
        if sealed is None:
            continue
        # Sealed for this inspection: a part moved from another record does not open.
        context = {"kind": f"inspection-{part}", "treaty": row["treaty"], "inspection": inspection}
        if not isinstance(sealed, dict) or sealed.get("context") != context:
            raise VerificationError(
                f"inspection {inspection}: the sealed {part} is not this inspection's "
                "(moved from another record)"
            )
        opened = _open_value(sealed, str(me["party"]), decrypt_key, context)
        salt = bytes.fromhex(opened["salt"])
        digest = (
            site_commitment(salt, opened["value"])
            if part == "site"
            else content_commitment(salt, opened["value"])
        )
        if digest != row[f"{part}_commitment"]:
            raise VerificationError(
                f"inspection {inspection}: the {part} does not match the log's commitment"
            )
        if part == "site" and logged is not None and digest not in logged:
            raise VerificationError(
                f"inspection {inspection}: the site is not one that a request signed by "
                f"{row['inspecting_party']} (with a key you trust) commits to in the log"
            )
        row.update({value_field: opened["value"], f"{part}_salt": opened["salt"]})
        row[f"sealed_{part}"] = None
    print_json(row)


def _logged_site_commitments(
    client: Client, row: Mapping[str, Any], *, party_key: str | None, trust: Path | None
) -> set[str]:
    """The site commitments of the inspecting party's signed requests in the log for ``row``.

    Entries are checked against the keys the user trusts for the party (never the key an
    entry names); a party-signed request does not name the row id, so every request of the
    same inspected party, type and year counts.
    """
    from armsctl.cli._commit import party_keys
    from armsctl.errors import IntegrityError
    from armsctl.ledger.envelope import open_entry

    party = str(row["inspecting_party"])
    keys = party_keys(party, party_key=party_key, trust=trust)
    size = int(client.get("/log")["size"])
    found: set[str] = set()
    for index in range(size):
        data = str(client.get(f"/log/entries/{index}")["entry"]).encode("utf-8")
        try:
            entry = open_entry(data)
        except IntegrityError:
            continue
        body = entry.body if isinstance(entry.body, dict) else {}
        if (
            entry.kind != "inspection-requested"
            or entry.party != party
            or not any(k.public_key == entry.key.public_key for k in keys)
            or body.get("inspected") != row["inspected_party"]
            or body.get("type") != row["type"]
            or body.get("year") != row["year"]
            or body.get("inspection", row["id"]) != row["id"]
        ):
            continue
        found.add(str(body.get("site_commitment")))
    return found


@client_command(inspect_app, "report")
def inspect_report(
    client: Client,
    inspection: int = INSPECTION_ARG,
    findings_file: Path = typer.Option(..., "--findings", help="JSON list of findings."),
    key: Path | None = KEY_OPTION,
) -> None:
    """File the team's findings (the inspecting party's key, or its team's registered key)."""
    from armsctl.errors import InputError, Problem

    findings = _read_json(findings_file)
    if not isinstance(findings, list):
        raise InputError([Problem(str(findings_file), "", "must be a JSON list")])
    _post_step(client, inspection, REPORT, {"findings": findings}, key, findings=findings)


# Once, at import: ``register`` may run for each application a process builds.
client_app.add_typer(inspect_app, name="inspect")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``db``, ``parties``, ``users``, ``tokens``, ``client`` groups."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(parties_app, name="parties")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(client_app, name="client")
