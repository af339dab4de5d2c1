"""Piped output is 100 columns wide and says in words what colour would show on a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).parents[2] / "src")
PROBE = """
from armsctl.cli._common import marker, out_console
from armsctl.cli.demo import TURNING_POINT, _figure
from armsctl.compliance import evaluate
from armsctl.cli.compliance import load_inputs
treaty, decls = load_inputs("new-start", None)
usa = next(p for p in evaluate(treaty, decls, decls.dates()[0]).parties if p.party == "USA")
print(out_console.width)
print(" / ".join(_figure(x) for x in usa.limits))
"""


def _run(code: str, **env: str) -> list[str]:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "NO_COLOR")
    }
    environ |= {"PYTHONPATH": SRC, **env}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environ
    ).stdout  # stdout is a pipe
    return out.splitlines()


def test_piped_output_is_100_columns_and_marks_are_words() -> None:
    width, figures = _run(PROBE)
    assert width == "100"
    assert figures == "882 ABOVE / 1,800 ABOVE / 1,124 ABOVE"  # 2011-02-05, above 700/1,550/800


def test_on_a_colour_terminal_the_mark_is_colour() -> None:
    _width, figures = _run(PROBE, FORCE_COLOR="1")
    assert figures == "[red]882[/] / [red]1,800[/] / [red]1,124[/]"


def test_a_piped_table_keeps_within_100_columns() -> None:
    code = (
        "import sys; sys.argv = ['armsctl', 'check', 'new-start', '--at', '2011-02-05'];"
        "from armsctl.cli import main; main()"
    )
    lines = _run(code)
    assert lines and max(len(line) for line in lines) <= 100
    assert max(len(line) for line in lines) > 80  # the width used is 100, not Rich's 80
