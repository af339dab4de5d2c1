"""The command line keeps validated treaties in the user's cache directory, and only there.

``armsctl`` sets ``ARMSCTL_CACHE_DIR`` for its own process when the user has not: to
``$XDG_CACHE_HOME/armsctl`` when that is an absolute path (the XDG rule), else
``~/.cache/armsctl``; a value the user gave, even an empty one (no cache), is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from armsctl.cli import _user_cache_dir

PROBE = (
    "import os, sys\nsys.argv = ['armsctl', 'treaty', 'list', '--format', 'json']\n"
    "from armsctl.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
    "print(repr(os.environ.get('ARMSCTL_CACHE_DIR')), file=sys.stderr)"
)


def _chosen(env: dict[str, str]) -> tuple[str, str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return run.stderr.strip().splitlines()[-1], run.stdout


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ARMSCTL_CACHE_DIR", "XDG_CACHE_HOME")}
    return {**env, "HOME": str(tmp_path / "home"), **extra}


def test_the_default_is_the_xdg_cache_home_or_the_home_cache(tmp_path: Path) -> None:
    chosen, out = _chosen(_env(tmp_path))
    assert chosen == repr(str(tmp_path / "home" / ".cache" / "armsctl"))
    assert (tmp_path / "home" / ".cache" / "armsctl").stat().st_mode & 0o777 == 0o700
    assert '"new-start"' in out
    chosen, _ = _chosen(_env(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg")))
    assert chosen == repr(str(tmp_path / "xdg" / "armsctl"))
    chosen, _ = _chosen(_env(tmp_path, XDG_CACHE_HOME="relative/dir"))  # not absolute: ignored
    assert chosen == repr(str(tmp_path / "home" / ".cache" / "armsctl"))


def test_a_directory_the_user_gave_or_an_empty_value_is_kept(tmp_path: Path) -> None:
    chosen, _ = _chosen(_env(tmp_path, ARMSCTL_CACHE_DIR=str(tmp_path / "mine")))
    assert chosen == repr(str(tmp_path / "mine"))
    chosen, out = _chosen(_env(tmp_path, ARMSCTL_CACHE_DIR=""))
    assert chosen == repr("")
    assert '"new-start"' in out
    assert not (tmp_path / "home").exists()  # nothing written anywhere


def test_no_absolute_home_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # "~" stays "~"
    assert _user_cache_dir() == ""
