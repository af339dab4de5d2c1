"""armsctl: open verification infrastructure for arms reduction.

The package is a pure core (treaty, inventory, compliance, ledger, verification) wrapped by thin
shells (CLI, store, API, web). Import the submodules you need; this top level stays light so that
the command line starts fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["__version__", "lazy_exports"]

__version__ = "0.1.0"


def lazy_exports(package: str) -> None:
    """Give ``package`` a PEP 562 ``__getattr__`` and ``__dir__`` for the names it re-exports.

    A package that imported every submodule to re-export one name each would make
    ``armsctl exercise list`` pay for NumPy. With these, each name's module is imported the
    first time the name is read (then kept in the package). The names and their modules are
    the package's own ``if TYPE_CHECKING:`` imports, read from its source: written once, in the
    form the type checker checks (which sees no ``__getattr__``, so a misspelt name still fails
    it).
    """
    import ast
    from importlib.util import resolve_name
    from pathlib import Path

    namespace = sys.modules[package].__dict__
    source = Path(namespace["__file__"])
    sources: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.module is not None:
                    where = resolve_name("." * item.level + item.module, package)
                    for alias in item.names:
                        sources[alias.asname or alias.name] = (where, alias.name)

    def load(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where, original = sources[name]
        namespace[name] = value = getattr(importlib.import_module(where), original)
        return value

    def names() -> list[str]:
        return sorted({*namespace, *sources})

    namespace["__getattr__"], namespace["__dir__"] = load, names
    # A name that is also a submodule's (``workbench.estimates``, the function, from the module
    # of that name) would become the module the moment anything imported the submodule: the
    # import system sets it on the package. Bound now, it stays the name, as with an import.
    submodules = {path.stem for path in source.parent.iterdir()}
    for name in sources.keys() & submodules:
        load(name)
