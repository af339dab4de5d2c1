"""The ``armsctl`` command line: a thin shell over the core.

``main`` answers ``--version`` before importing Typer so that the cold start stays fast; every
command module defers its heavy imports (DuckDB, NumPy, SciPy) to the moment it runs.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line (the ``armsctl`` console script)."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        from armsctl import __version__

        print(f"armsctl {__version__}")
        return
    from armsctl.cli.app import build_app

    # Only the module of the command asked for is loaded (see ``TOP_LEVEL``); anything else
    # (no command, an option first, an unknown name) builds the whole application.
    command = sys.argv[1] if len(sys.argv) > 1 else None
    build_app(command)(prog_name="armsctl")
