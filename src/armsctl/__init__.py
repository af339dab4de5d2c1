"""armsctl: open verification infrastructure for arms reduction.

The package is a pure core (treaty, inventory, compliance, ledger, verification) wrapped by thin
shells (CLI, store, API, web). Import the submodules you need; this top level stays light so that
the command line starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["__version__", "lazy_exports"]

__version__ = "0.1.0"


def lazy_exports(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's PEP 562 ``__getattr__`` and ``__dir__`` for the names it re-exports.

    A package that imported every submodule to re-export one name each would make
    ``armsctl exercise list`` pay for NumPy. With these, each name's module is imported the
    first time the name is read (then kept in the package). The names and their modules are
    the package's own ``if TYPE_CHECKING:`` imports, read from its source when a name is first
    asked for: written once, in the form the type checker checks.
    """
    namespace = sys.modules[package].__dict__
    sources: dict[str, tuple[str, str]] = {}

    def table() -> dict[str, tuple[str, str]]:
        if not sources:
            import ast
            from importlib.util import resolve_name
            from pathlib import Path

            tree = ast.parse(Path(namespace["__file__"]).read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                    for item in node.body:
                        if isinstance(item, ast.ImportFrom) and item.module is not None:
                            where = resolve_name("." * item.level + item.module, package)
                            for alias in item.names:
                                sources[alias.asname or alias.name] = (where, alias.name)
        return sources

    def load(name: str) -> Any:
        if name not in table():
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where, original = sources[name]
        namespace[name] = value = getattr(importlib.import_module(where), original)
        return value

    def names() -> list[str]:
        return sorted({*namespace, *table()})

    return load, names
