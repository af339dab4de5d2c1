"""Go interoperability: Debian's Go and golang.org/x/mod build a checker against our log.

Without ``go`` or ``/usr/share/gocode/src/golang.org/x/mod`` (Debian packages ``golang-go`` and
``golang-golang-x-mod-dev``; ``make test`` installs them as root) the tests skip with a loud
message, unless ARMSCTL_REQUIRE_GO is set (``.ci/run`` sets it when they are installed or
installable), in which case a skip becomes a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOCODE = Path(os.environ.get("ARMSCTL_GOCODE", "/usr/share/gocode"))
SOURCE = Path(__file__).parent / "tlogcheck"


def _unavailable(reason: str) -> None:
    message = f"GO INTEROPERABILITY TESTS NOT RUN: {reason}"
    if os.environ.get("ARMSCTL_REQUIRE_GO"):
        pytest.fail(message + " (ARMSCTL_REQUIRE_GO is set)", pytrace=False)
    # Loud on the terminal and in the -ra summary (a warning would be an error here).
    sys.stderr.write(f"\n*** {message} ***\n")
    pytest.skip(message)


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build tests/interop/tlogcheck with Debian's Go, offline, from Debian's x/mod sources."""
    go = shutil.which("go")
    if go is None:
        _unavailable("go is missing (apt-get install golang-go)")
    if not (GOCODE / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        _unavailable(f"{GOCODE}/src/golang.org/x/mod is missing (golang-golang-x-mod-dev)")
    assert go is not None
    out = tmp_path_factory.mktemp("go") / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: imports come from Debian's /usr/share/gocode
        "GOPATH": str(GOCODE),
        "GOFLAGS": "",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    if not (env.get("GOCACHE") or env.get("XDG_CACHE_HOME") or env.get("HOME")):
        env["GOCACHE"] = str(tmp_path_factory.getbasetemp() / "gocache")
    done = subprocess.run(
        [go, "build", "-o", str(out), "."],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out
