"""The browser's sealed-record opener under Node, against the vectors the Python opener passes.

The opener runs in Chromium too (``tests/e2e/test_sealed_in_browser.py``); this one needs only
``node`` and skips loudly without it.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_browser_opener_opens_every_known_answer_vector_and_strips_the_padding() -> None:
    node = shutil.which("node")
    if node is None:
        message = "JS SEALING VECTOR TESTS NOT RUN under node: node is not installed"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)
    result = subprocess.run(
        [node, "--test", str(ROOT / "tests/web/js/sealing.test.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
