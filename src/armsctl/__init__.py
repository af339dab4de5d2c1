"""armsctl: open verification infrastructure for arms reduction.

The package is a pure core (treaty, inventory, compliance, ledger, verification) wrapped by thin
shells (CLI, store, API, web). Import the submodules you need; this top level stays light so that
the command line starts fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["__version__", "lazy_exports"]

__version__ = "0.1.0"


def lazy_exports(
    package: str, sources: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's PEP 562 ``__getattr__`` and ``__dir__`` for names it re-exports.

    ``sources`` maps each name to its module: a submodule's own name (``"engine"``) or a full
    dotted path. A package that imported every submodule to re-export one name each would make
    ``armsctl exercise list`` pay for NumPy; with these, a name's module is imported the first
    time the name is read (then kept in the package, so later reads cost nothing).
    """
    namespace = sys.modules[package].__dict__

    def load(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = sources[name]
        module = importlib.import_module(where if "." in where else f"{package}.{where}")
        namespace[name] = value = getattr(module, name)
        return value

    def names() -> list[str]:
        return sorted({*namespace, *sources})

    return load, names
