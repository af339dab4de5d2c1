"""Every command starts at once: building the CLI imports no heavy library.

Each command module imports Typer and Rich only; the libraries a command needs (the API, the
store, DuckDB, Arrow, SciPy, matplotlib, ...) are imported inside the command when it runs. A
fresh interpreter builds the whole application and we look at what it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
