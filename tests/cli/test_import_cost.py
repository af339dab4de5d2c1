"""Every command starts at once: building the CLI imports no heavy library.

Each command module imports Typer and Rich only; the libraries a command needs (the API, the
store, DuckDB, Arrow, SciPy, matplotlib, ...) are imported inside the command when it runs. A
fresh interpreter builds the whole application and we look at what it loaded. Then whole runs
of commands on small inputs (a refused file, a bundled treaty) load only what they need: a
client command loads httpx and not the use-cases, a refused key loads no server, the
statistics commands load scipy.special but never scipy.stats, and a database command on a
database whose schema is current runs no Alembic and imports only what its use-case runs (no
treaty models to list users, no counting rules to reseal).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "armsctl.api",
    "armsctl.service",
    "armsctl.store",
    "dask",
    "duckdb",
    "fastapi",
    "matplotlib",
    "pyarrow",
    "scipy",
    "sqlalchemy",
    "uvicorn",
)

PROBE = """
import json, sys
from armsctl.cli.app import COMMAND_MODULES, build_app
build_app()
loaded = sorted({m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")})
print(json.dumps({"modules": list(COMMAND_MODULES), "loaded": loaded}))
"""


def test_building_the_cli_imports_no_heavy_library() -> None:
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    doc = json.loads(out)
    assert len(doc["modules"]) >= 9
    assert doc["loaded"] == [], f"imported at start-up: {doc['loaded']}"


PER_MODULE = """
import importlib, json, sys, typer
before = set(sys.modules)
app = typer.Typer()
@app.callback()
def root() -> None:
    pass
for name in MODULES:
    importlib.import_module(name).register(app)
typer.main.get_command(app)
loaded = sorted({m for m in set(sys.modules) - before for h in HEAVY if m == h or m.startswith(h + ".")})
print(json.dumps(loaded))
"""


def _loaded(modules: tuple[str, ...], heavy: tuple[str, ...]) -> list[str]:
    code = f"HEAVY = {heavy!r}\nMODULES = {modules!r}\n{PER_MODULE}"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(out))


def test_no_command_module_imports_a_heavy_library_at_import_time() -> None:
    """Each module alone, as ``armsctl COMMAND`` loads it: not even pydantic or httpx."""
    from armsctl.cli.app import COMMAND_MODULES

    heavy = (*HEAVY, "httpx", "numpy", "pydantic", "jinja2", "cryptography")
    for name in COMMAND_MODULES:
        assert _loaded((name,), heavy) == [], name


def test_the_top_level_map_names_the_modules_that_register_each_command() -> None:
    import importlib

    import typer

    from armsctl.cli.app import COMMAND_MODULES, TOP_LEVEL

    owners: dict[str, set[str]] = {}
    for name in COMMAND_MODULES:
        app = typer.Typer()

        @app.callback()
        def root() -> None:
            """Probe."""

        importlib.import_module(name).register(app)
        for command in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
            owners.setdefault(command, set()).add(name)
    assert set(TOP_LEVEL) == set(owners)
    for command, modules in owners.items():
        assert modules <= set(TOP_LEVEL[command]), command
    assert set(TOP_LEVEL["ledger"]) == {"armsctl.cli.ledger", "armsctl.cli.monitor_log"}


def test_a_command_run_loads_only_its_own_module() -> None:
    code = (
        "import sys; sys.argv = ['armsctl', 'treaty', 'list', '--format', 'json']\n"
        "from armsctl.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('armsctl.cli.')), file=sys.stderr)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout)[0]["id"]
    assert "armsctl.cli.server" not in run.stderr and "armsctl.cli.verification" not in run.stderr
    assert "armsctl.cli.treaty" in run.stderr


def _tree(command: object, path: tuple[str, ...] = ()) -> set[str]:
    """Every command and group of a Click tree, by its full name (``client inspect``)."""
    names = {" ".join(path)} if path else set()
    for name, sub in getattr(command, "commands", {}).items():
        names |= _tree(sub, (*path, name))
    return names


def test_a_command_run_builds_only_the_commands_on_its_path() -> None:
    """Typer builds every command it knows before it parses: a run knows only its own.

    ``client inspect schedule`` is one of the 26 commands of its module; built whole, the
    others cost it about 10 ms. A word that names no command exactly (an option, ``--help``,
    a misspelt name) keeps the whole level, so help, usage errors and suggestions are the
    same; and the application is built whole again afterwards (nothing shared is changed).
    """
    import typer

    from armsctl.cli.app import build_app

    def tree(*argv: str) -> set[str]:
        return _tree(typer.main.get_command(build_app(*argv)))

    whole = tree()
    assert tree("client", "inspect", "schedule", "1", "--arrival", "x") == {
        "client",
        "client inspect",
        "client inspect schedule",
    }
    assert tree("treaty", "list", "--format", "json") == {"treaty", "treaty list"}
    client = {name for name in whole if name.split()[0] == "client"}
    assert tree("client", "--help") == client
    assert tree("client", "inspct") == client  # "No such command", with its suggestion
    assert tree("client", "inspect", "-h") == {"client", "client inspect"} | {
        name for name in whole if name.startswith("client inspect ")
    }
    assert tree() == whole


RUN = """
import json, sys
sys.argv = ["armsctl", *ARGS]
from armsctl.cli import main
try:
    main()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted({h for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")})
with open(OUT, "w") as handle:
    json.dump({"code": code, "loaded": loaded}, handle)
"""

# What a run of each command may not load: everything heavy except what it needs. SciPy's
# statistics package is named apart: scipy.special has the distributions' functions for a
# third of its import time.
ALWAYS_HEAVY = (*HEAVY, "numpy", "httpx", "cryptography", "jinja2", "alembic", "scipy.stats")
SCIPY_SPECIAL = ("numpy", "scipy")
OFFLINE = "--server http://127.0.0.1:9 --token armsctl_0_x"  # nothing listens on port 9
RUNS: list[tuple[str, int, tuple[str, ...]]] = [
    # (command line, exit code, what this run needs among ALWAYS_HEAVY)
    ("treaty list --format json", 0, ()),
    ("treaty show new-start", 0, ()),
    ("check new-start --at 2018-02-05", 0, ()),
    ("history new-start", 0, ()),
    ("notify due --file {t}/none.json --treaty new-start", 0, ()),
    (
        "witness serve --key {t}/no.key --log-key {t}/no.pub --state {t}/s.json",
        2,
        ("cryptography",),
    ),
    (f"zk publish {{t}}/garbage.bin {OFFLINE}", 2, ()),
    (f"client ack new-start 1 {OFFLINE}", 2, ("httpx",)),
    (f"client notifications new-start --decrypt-key {{t}}/no.key {OFFLINE}", 2, ("httpx",)),
    (f"client inspect show 1 --decrypt-key {{t}}/no.key {OFFLINE}", 2, ("httpx",)),
    ("estimate serials 9 40", 0, ()),
    ("estimate fraction --inspected 40 --found 1 --population 500", 0, SCIPY_SPECIAL),
    ("estimate undeclared --sites-inspected 5 --found 0 --sites-total 50", 0, SCIPY_SPECIAL),
    ("anomalies new-start", 1, SCIPY_SPECIAL),
    # A package's re-exports are imported on first use, so one function loads no engine.
    ("exercise list", 0, ()),
    ("exercise run nope --policy random", 2, ()),
    ("workbench compare {t}/none.toml {t}/none.toml", 2, ()),
    # NumPy comes with the scenario, the site list: after the file is read, only when given.
    ("simulate regime {t}/none.toml", 2, ()),
    ("workbench brief {t}/none.toml -o {t}/b.md", 2, ()),
    # A refused --db or key is found before the database toolkit is imported.
    ("serve --db {t}/no/such/dir/x.db", 2, ("armsctl.store", "cryptography")),
    ("web seed-demo --db {t}/no/such/dir/x.db", 2, ("armsctl.store",)),
    ("parties add new-start USA --key {t}/no.pub --db {t}/s.db", 2, ()),
    (
        "parties set-encryption-key new-start USA --encryption-key {t}/no.pub --db {t}/s.db",
        2,
        (),
    ),
    ("ledger checkpoint --key {t}/no.key --db {t}/l.db", 2, ("cryptography",)),
    ("ledger audit --key {t}/no.pub --db {t}/l.db", 2, ("cryptography",)),
]


def _run(args: str, tmp_path: Path, heavy: tuple[str, ...] = ALWAYS_HEAVY) -> dict[str, object]:
    out = tmp_path / "run.json"
    argv = args.replace("{t}", str(tmp_path)).split()
    code = f"HEAVY = {heavy!r}\nARGS = {argv!r}\nOUT = {str(out)!r}\n{RUN}"
    env = {**os.environ, "ARMSCTL_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return dict(json.loads(out.read_text()))


@pytest.mark.parametrize(("args", "code", "needs"), RUNS, ids=[r[0].split(" {")[0] for r in RUNS])
def test_a_command_run_loads_only_what_it_needs(
    args: str, code: int, needs: tuple[str, ...], tmp_path: Path
) -> None:
    """A whole run, not just the import: a refused input or a small answer stays light."""
    (tmp_path / "garbage.bin").write_bytes(b"\x00not a proof")
    for _ in range(2):  # a treaty cache miss, then a hit
        run = _run(args, tmp_path)
        assert run["code"] == code
        unexpected = sorted(set(map(str, run["loaded"])) - set(needs))  # type: ignore[call-overload]
        assert unexpected == [], f"{args} loaded {unexpected}"


CA_LOADS = """
import ssl, sys
loads = []
load = ssl.SSLContext.load_verify_locations
def counted(self, *args, **kwargs):
    loads.append(1)
    return load(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counted
sys.argv = ["armsctl", *ARGS]
from armsctl.cli import main
try:
    main()
except SystemExit as stop:
    print(stop.code, len(loads))
"""


@pytest.mark.parametrize(("scheme", "loads"), [("http", 0), ("https", 1)])
def test_a_client_command_loads_certificates_only_for_an_https_server(
    scheme: str, loads: int
) -> None:
    """httpx's verifying context reads the whole CA bundle (about 30 ms): TLS needs it, http not."""
    argv = f"client ack new-start 1 --server {scheme}://127.0.0.1:9 --token x".split()
    code = f"ARGS = {argv!r}\n{CA_LOADS}"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["2", str(loads)]  # nothing listens on port 9


DATABASE = ("armsctl.service", "armsctl.store", "sqlalchemy", "cryptography")


def test_a_database_command_on_a_current_schema_does_not_load_alembic(tmp_path: Path) -> None:
    """The migration check is one query of ``alembic_version``; Alembic runs only to migrate."""
    db = str(tmp_path / "server.db")
    fresh = _run(f"db upgrade --db {db}", tmp_path)
    assert fresh["code"] == 0
    assert "alembic" in fresh["loaded"]  # a new database is migrated by Alembic
    for args in (f"users list --db {db}", f"db upgrade --db {db}", f"tokens list --db {db}"):
        run = _run(args, tmp_path)
        assert run["code"] == 0, args
        unexpected = sorted(set(map(str, run["loaded"])) - set(DATABASE))  # type: ignore[call-overload]
        assert unexpected == [], f"{args} loaded {unexpected}"


# What opening the database does not need: the treaty models (validated only by a use-case that
# reads a treaty), the entry envelope and its RFC 8785 canonical form (only to seal or open an
# entry), the log's audit and checkpoints, the compliance engine's counting rules (only to file
# a declaration), and Rich's tables when there are no rows to lay out.
NOT_TO_OPEN = (
    "armsctl.treaty",
    "armsctl.ledger.envelope",
    "rfc8785",
    "armsctl.ledger.audit",
    "armsctl.ledger.checkpoint",
    "armsctl.compliance",
    "armsctl.notifications",
    "rich.table",
)


@pytest.mark.parametrize(
    ("args", "needs"),
    [
        ("users list", ()),
        ("tokens list", ()),
        ("db upgrade", ()),
        # it seals an entry, and shows the new user as a table
        ("users add obs-1 --role observer", ("armsctl.ledger.envelope", "rfc8785", "rich.table")),
        # it reads the treaties and the log (proof links): no counting rules
        (
            "db reseal",
            ("armsctl.treaty", "armsctl.ledger.envelope", "armsctl.ledger.checkpoint", "rfc8785"),
        ),
    ],
    ids=["users list", "tokens list", "db upgrade", "users add", "db reseal"],
)
def test_a_database_command_loads_no_use_case_it_does_not_run(
    args: str, needs: tuple[str, ...], tmp_path: Path
) -> None:
    """Opening the database is SQLAlchemy, the ORM models, the log's tables and the log key."""
    db = str(tmp_path / "server.db")
    assert _run(f"db upgrade --db {db}", tmp_path)["code"] == 0
    run = _run(f"{args} --db {db}", tmp_path, (*ALWAYS_HEAVY, *NOT_TO_OPEN))
    assert run["code"] == 0, args
    unexpected = sorted(set(map(str, run["loaded"])) - {*DATABASE, *needs})  # type: ignore[call-overload]
    assert unexpected == [], f"{args} loaded {unexpected}"


def test_a_refused_key_leaves_no_database_behind(tmp_path: Path) -> None:
    assert (
        _run(f"ledger checkpoint --key {tmp_path}/no.key --db {tmp_path}/l.db", tmp_path)["code"]
        == 2
    )
    assert not (tmp_path / "l.db").exists()


def test_the_shipped_head_read_without_alembic_is_alembics() -> None:
    from armsctl.store.schema import head_revision, shipped_head

    assert shipped_head() == head_revision()


def test_a_local_database_command_reads_its_settings_without_pydantic_settings(
    tmp_path: Path,
) -> None:
    """Opening the database reads four settings (``KeySettings``); only a server reads them all.

    A refused ``serve --db`` reads none: the directory is checked first.
    """
    db = str(tmp_path / "server.db")
    for args, code in (
        (f"db upgrade --db {db}", 0),
        (f"users add obs-1 --role observer --db {db}", 0),
        (f"users list --db {db}", 0),
        (f"tokens list --db {db}", 0),
        (f"serve --db {tmp_path}/no/such/dir/x.db", 2),
    ):
        run = _run(args, tmp_path, ("pydantic_settings", "armsctl.settings.model"))
        assert run["code"] == code, args
        assert run["loaded"] == [], f"{args} loaded {run['loaded']}"
