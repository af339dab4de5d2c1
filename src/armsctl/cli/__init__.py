"""The ``armsctl`` command line: a thin shell over the core.

``main`` answers ``--version`` before importing Typer so that the cold start stays fast; every
command module defers its heavy imports (DuckDB, NumPy, SciPy) to the moment it runs.

The command line keeps validated treaties in the user's cache directory
(``$XDG_CACHE_HOME/armsctl``, else ``~/.cache/armsctl``; ``ARMSCTL_CACHE_DIR`` names another,
and an empty value turns the cache off): see ``armsctl.treaty._cache`` for what makes an entry
valid. Library callers, the server and the tests get no disk cache unless they set the variable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["main"]


def _user_cache_dir() -> str:
    """Where the command line keeps what it can reuse between runs (XDG base directory rules).

    Empty (no cache) when there is no absolute home directory to put it in.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or "")
    if not base.is_absolute():
        base = Path(os.path.expanduser("~")) / ".cache"
    return str(base / "armsctl") if base.is_absolute() else ""


def main() -> None:
    """Run the command line (the ``armsctl`` console script)."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        from armsctl import __version__

        print(f"armsctl {__version__}")
        return
    if "ARMSCTL_CACHE_DIR" not in os.environ:  # an empty value keeps the cache off
        os.environ["ARMSCTL_CACHE_DIR"] = _user_cache_dir()
    from armsctl.cli.app import build_app

    # Only the module of the command asked for is loaded (see ``TOP_LEVEL``), and only the
    # commands on its path are built; anything else (no command, an option first, an unknown
    # name) builds the whole application.
    build_app(*sys.argv[1:])(prog_name="armsctl")
