"""The browser verifier's core under Node, against the vectors the Python verifier passes.

The same loop runs in Chromium (``tests/e2e/test_verifier.py``); this one needs only ``node``
and skips loudly without it.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_verify_js_passes_every_known_answer_vector() -> None:
    node = shutil.which("node")
    if node is None:
        message = "JS VECTOR TESTS NOT RUN under node: node is not installed"
        warnings.warn(message, pytest.PytestWarning, stacklevel=1)
        pytest.skip(message)
    result = subprocess.run(
        [node, "--test", str(ROOT / "tests/web/js/vectors.test.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
