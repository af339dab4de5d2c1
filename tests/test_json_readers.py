"""Every reader of a JSON file refuses a number too long or nesting too deep as bad input.

Python's ``json`` raises a plain ``ValueError`` for an integer of more than 4,300 digits and a
``RecursionError`` for deep nesting; a reader that only catches ``JSONDecodeError`` would show
the user a traceback. Each reader here must raise an ``InputError`` that names the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from armsctl.compliance.activity_io import read_activities
from armsctl.crosswalk.io import read_items
from armsctl.errors import InputError
from armsctl.notifications.io import read_notifications
from armsctl.store.witness_state import WitnessStateFile
from armsctl.treaty import load_treaty
from armsctl.workbench.io import resolve_baseline

HUGE = '[{"uid": "a", "kind": "tank", "count": ' + "9" * 5000 + "}]"
DEEP = "[" * 100_000 + "]" * 100_000


def _readers() -> dict[str, Callable[[Path], Any]]:
    treaty = load_treaty("new-start")
    return {
        "crosswalk items": read_items,
        "activities": lambda p: read_activities(p, treaty),
        "notifications": lambda p: read_notifications(p, treaty),
        "workbench commitment baseline": lambda p: resolve_baseline(
            treaty, "RUS", f"commitment:{p}"
        ),
        "witness state": lambda p: WitnessStateFile(p).load(),
    }


@pytest.mark.parametrize("reader", sorted(_readers()))
@pytest.mark.parametrize(("case", "text"), [("huge integer", HUGE), ("deep nesting", DEEP)])
def test_a_json_reader_refuses_unreadable_json_naming_the_file(
    tmp_path: Path, reader: str, case: str, text: str
) -> None:
    path = tmp_path / "input.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        _readers()[reader](path)
    assert "input.json" in str(caught.value)
    assert "not JSON" in str(caught.value) or "not valid JSON" in str(caught.value)
