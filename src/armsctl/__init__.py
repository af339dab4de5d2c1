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


def lazy_exports(package: str) -> list[str]:
    """Give ``package`` a PEP 562 ``__getattr__`` and ``__dir__`` for the names it re-exports.

    A package that imported every submodule to re-export one name each would make
    ``armsctl exercise list`` pay for NumPy. With these, each name's module is imported the
    first time the name is read (then kept in the package). The names and their modules are
    the package's own ``if TYPE_CHECKING:`` imports, read from its source: written once, in the
    form the type checker checks (which sees no ``__getattr__``, so a misspelt name still fails
    it). A star import there stands for the submodule's whole ``__all__``, read from that
    module's source without running it; those names are returned, for the package's own
    ``__all__`` (the type checker takes a star import's names as re-exported).
    """
    import ast
    from importlib.util import resolve_name
    from pathlib import Path

    namespace = sys.modules[package].__dict__
    source = Path(namespace["__file__"])
    sources: dict[str, tuple[str, str]] = {}
    starred: list[str] = []
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.module is not None:
                    where = resolve_name("." * item.level + item.module, package)
                    for alias in item.names:
                        if alias.name == "*":
                            listed = _listed(where)
                            starred += listed
                            sources.update((name, (where, name)) for name in listed)
                        else:
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
    return starred


def _listed(module: str) -> list[str]:
    """A module's ``__all__`` read from its source: the literal list, not the whole module.

    Parsing a large module costs as much as a fast command's start, so only the assignment is
    read; ``tests/test_public_api.py`` checks that every name read this way is bound.
    """
    import ast
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec(module)
    text = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    start = text.find("\n__all__ = [") + 1
    if not start:
        raise ImportError(f"{module} has no literal __all__ for a lazy star import")
    listed = ast.literal_eval(text[text.index("[", start) : text.index("]", start) + 1])
    return [str(name) for name in listed]
