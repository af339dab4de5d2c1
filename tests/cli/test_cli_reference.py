"""docs/cli.md is the application's own reference: regenerated, it is the checked-in page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from armsctl.cli.app import build_app
from armsctl.cli.reference import leaf_commands, main, render

PAGE = Path(__file__).parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(build_app()), (
        "docs/cli.md is out of date: run python -m armsctl.cli.reference > docs/cli.md"
    )


def test_every_command_has_a_section_and_the_five_once_undocumented_ones_are_there() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name in leaf_commands(build_app()):
        assert f"\n### armsctl {name}\n" in text, name
    for name in ("parties list", "users list", "tokens list", "tokens revoke", "client get"):
        assert f"\n### armsctl {name}\n" in text


def test_check_mode_fails_on_a_stale_page(tmp_path: Path) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert main(["--check", str(PAGE)]) == 0


def test_the_page_does_not_depend_on_the_terminal() -> None:
    wide = subprocess.run(
        [sys.executable, "-m", "armsctl.cli.reference"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "37", "PATH": "", "PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    ).stdout
    assert wide == PAGE.read_text(encoding="utf-8")


def test_building_the_application_twice_registers_each_group_once() -> None:
    """``register`` runs for every application a process builds; the groups it shares do not grow."""
    from armsctl.cli.app import build_app
    from armsctl.cli.server import client_app

    build_app()
    build_app()
    assert [group.name for group in client_app.registered_groups] == ["inspect"]
