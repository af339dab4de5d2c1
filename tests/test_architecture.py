"""The layering is a checked contract, not a picture: import-linter enforces pyproject.toml's.

``make lint`` runs ``lint-imports`` on the tree; these tests show that the contracts hold and
that each kind of violation they exist to stop fails them: a copy of the package with one
import added is checked against the same configuration and must break the named contract.
Private names are beyond import-linter (it sees modules, not names), so a scan of the syntax
trees keeps one package from importing another's ``_private`` names.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "armsctl"


def _lint_imports_command() -> list[str]:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).exists():
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' installs import-linter")
    return [found, "--no-logo", "--no-cache"]


def _lint(src: Path, config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_lint_imports_command(), str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(src), "PATH": str(Path(sys.executable).parent)},
        check=False,
    )


def _config(tmp_path: Path) -> Path:
    """The project's import-linter section alone, as a file of its own."""
    section = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {_toml(value)}" for key, value in section.items() if key != "contracts"]
    for contract in section["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    path = tmp_path / "contracts.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(value)


def _copy_package(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "armsctl", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(SRC, _config(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


VIOLATIONS = [
    pytest.param(
        "ledger/merkle.py",
        "import armsctl.store.models\n",
        "Layers: shells over access over use-cases over the store over the core BROKEN",
        id="core-imports-store",
    ),
    pytest.param(
        "service/log.py",
        "import armsctl.cli.app\n",
        "Layers: shells over access over use-cases over the store over the core BROKEN",
        id="service-imports-shell",
    ),
    pytest.param(
        "web/views.py",
        "import armsctl.api.schemas\n",
        "The API and the web import neither each other (they share armsctl.access) BROKEN",
        id="web-imports-api",
    ),
    pytest.param(
        "compliance/engine.py",
        "import fastapi\n",
        "The core imports no web, CLI, template or database framework BROKEN",
        id="core-imports-framework",
    ),
    pytest.param(
        "monitoring/fusion.py",
        "import armsctl.inventory.io\n",
        "Pure core modules import no file reader or writer (io modules) BROKEN",
        id="pure-module-imports-io",
    ),
    pytest.param(
        "web/pages.py",
        "import armsctl.service._base\n",
        "No package imports another package's private module BROKEN",
        id="private-module",
    ),
    pytest.param(
        "newcore/__init__.py",
        '"""A package the layers do not place."""\n',
        "Layers: shells over access over use-cases over the store over the core BROKEN",
        id="unplaced-package",
    ),
]


@pytest.mark.parametrize(("module", "added", "broken"), VIOLATIONS)
def test_a_deliberate_violation_breaks_its_contract(
    tmp_path: Path, module: str, added: str, broken: str
) -> None:
    src = _copy_package(tmp_path)
    target = src / "armsctl" / module
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = target.read_text() if target.exists() else ""
    target.write_text(existing + added)
    result = _lint(src, _config(tmp_path), tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout


def _private_imports() -> list[str]:
    """Imports of an ``_underscored`` module or name from another top-level package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        home = parts[:2]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            module = node.module.split(".")
            if module[0] != "armsctl" or tuple(module[:2]) == home:
                continue
            for alias in node.names:
                names = [*module, alias.name]
                if any(name.startswith("_") and not name.startswith("__") for name in names):
                    found.append(
                        f"{path.relative_to(SRC)}:{node.lineno}: {node.module}.{alias.name}"
                    )
    return found


def test_no_package_imports_another_packages_private_names() -> None:
    assert _private_imports() == []


def test_the_architecture_page_names_every_contract_and_package() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    section = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert [c["name"] for c in section["contracts"] if c["name"] not in page] == []
    tops = sorted(
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    )
    assert [name for name in tops if f"armsctl.{name}" not in page] == []
