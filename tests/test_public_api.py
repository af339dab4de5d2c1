"""Each package's ``__all__`` is its curated public API: sorted, and exactly what it exports.

- In every module, ``__all__`` names only what the module binds, once each, sorted the way
  ruff's RUF022 sorts (constants, classes, then the rest).
- A package (``__init__.py``) exports exactly its ``__all__``: every public name it defines or
  takes from its own submodules is listed, and every listed name is bound.
- Outside the shells, every public function and class a module defines is in its ``__all__``
  (what is not meant for others is ``_private``). The shells' modules (``cli``, ``api``,
  ``web``) are exempt from this last rule: their public functions are the commands and routes
  a Typer app or a router registers, exported through that app or router.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import armsctl

SRC = Path(__file__).resolve().parents[1] / "src"
SHELLS = ("armsctl.cli", "armsctl.api", "armsctl.web")
MODULES = [
    ("armsctl", True),
    *sorted(
        (m.name, m.ispkg)
        for m in pkgutil.walk_packages(armsctl.__path__, "armsctl.")
        if ".migrations" not in m.name
    ),
]


def _package_exports(name: str) -> set[str]:
    """What a package's ``__init__.py`` binds for others: its own definitions and the names it
    imports from its own submodules (imports from elsewhere are its own tools, not exports)."""
    path = SRC / Path(*name.split(".")) / "__init__.py"
    exports: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            exports.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            exports.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom) and (
            node.level > 0 or (node.module or "").startswith(name + ".")
        ):
            for alias in node.names:
                if alias.name == "*":  # a star import takes the submodule's whole __all__
                    where = importlib.util.resolve_name(
                        "." * node.level + (node.module or ""), name
                    )
                    exports.update(importlib.import_module(where).__all__)
                else:
                    exports.add(alias.asname or alias.name)
    return {n for n in exports if not n.startswith("_")}


@pytest.mark.parametrize(("name", "is_package"), MODULES, ids=[name for name, _ in MODULES])
def test_all_names_exactly_what_the_module_exports(name: str, is_package: bool) -> None:
    module = importlib.import_module(name)
    listed = list(getattr(module, "__all__", []))
    assert len(set(listed)) == len(listed), f"{name}: a name is listed twice"
    assert [n for n in listed if not hasattr(module, n)] == [], f"{name}: listed but not bound"
    if is_package:
        missing = sorted(_package_exports(name) - set(listed))
        assert missing == [], f"{name}: exported but not in __all__"
    elif not name.startswith(SHELLS):
        defined = [
            n
            for n, value in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == name
        ]
        assert [n for n in defined if n not in listed] == [], f"{name}: public but not in __all__"


def test_every_all_is_sorted() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "RUF022", str(SRC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
