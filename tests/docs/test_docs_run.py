"""Every shell block of README.md and docs/*.md runs as written, page by page.

Each page runs in its own fresh folder holding a copy of ``docs/examples/`` (a newcomer types the
commands at a checkout's root), with this repository's ``armsctl`` first on PATH, no
``ARMSCTL_*`` variable inherited and ``HOME`` inside the folder. A command fails the page when
its exit code differs from its ``# exit N`` comment (0 without one) or, in a ``console`` block,
when its output differs from the output shown. The conventions are in ``pages.py``.

Commands go through a pre-imported, forking ``armsctl`` (``zygote.py``) so that a page of a
hundred commands takes seconds; ``ARMSCTL_DOCS_TEST_FORK=0`` runs each as a fresh process.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pages import STATUS_LINE, Command, commands, output_matches

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Generated from the application and checked by tests/cli; its blocks are usage synopses.
NOT_RUN = {"docs/cli.md"}
PAGES = [
    "README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
]
PAGES = [page for page in PAGES if page not in NOT_RUN]
PAGE_TIMEOUT = 600  # seconds; a hung server must not hang the suite


@pytest.fixture(scope="session")
def armsctl_bin() -> Iterator[Path]:
    """A folder whose ``armsctl`` is this checkout's, through a forking pre-imported process."""
    folder = Path(tempfile.mkdtemp(prefix="armsctl-docs-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARMSCTL_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    shim = folder / "armsctl"
    zygote = None
    if os.environ.get("ARMSCTL_DOCS_TEST_FORK", "1") != "0":
        sock = folder / "zygote.sock"
        zygote = subprocess.Popen(
            [sys.executable, str(HERE / "zygote.py"), "serve", str(sock)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=env,
            cwd=folder,
            text=True,
        )
        assert zygote.stdout is not None
        assert zygote.stdout.readline().strip() == "ready", "the pre-imported armsctl did not start"
        shim.write_text(
            f"#!{sys.executable} -SI\nimport sys\nsys.path.insert(0, {str(HERE)!r})\n"
            f"import zygote\nsys.exit(zygote.client({str(sock)!r}, sys.argv[1:]))\n"
        )
    else:
        shim.write_text(
            f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c "import sys; sys.argv[0] = '
            f'\'armsctl\'; from armsctl.cli import main; main()" "$@"\n'
        )
    shim.chmod(0o755)
    yield folder
    if zygote is not None:
        zygote.send_signal(signal.SIGTERM)
        zygote.wait(timeout=30)
        assert zygote.stdout is not None
        zygote.stdout.close()
    shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ports(cmds: list[Command]) -> dict[int, int]:
    return {port: _free_port() for c in cmds for port in c.ports}


def _substitute(text: str, ports: dict[int, int]) -> str:
    import re

    for old, new in ports.items():
        text = re.sub(rf"(127\.0\.0\.1:|localhost:|--port[ =]){old}\b", rf"\g<1>{new}", text)
    return text


_PRELUDE = r"""
__docs_wait() {  # wait until 127.0.0.1:$1 accepts connections, or the server $2 exits
  local i
  for i in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "docs-test: the server exited before it listened on $1"; return 1; }
    sleep 0.1
  done
  echo "docs-test: nothing listened on port $1 within 120 s"; return 1
}
__docs_stop() {
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap __docs_stop EXIT
"""


def _script(cmds: list[Command], ports: dict[int, int], out: Path) -> str:
    parts = [_PRELUDE]
    for n, c in enumerate(cmds):
        text = _substitute(c.typed, ports)
        parts.append(
            f"# {c.where}\n__docs_t=$EPOCHREALTIME\n{{ {text}\n}} >{out}/{n} 2>&1 </dev/null"
        )
        if c.background:
            waits = " && ".join(f"__docs_wait {ports[p]} $!" for p in c.ports) or "true"
            parts.append(f"{waits} >>{out}/{n} 2>&1")
        parts.append(f'echo {n} $? "$__docs_t" "$EPOCHREALTIME" >>{out}/rc')
    return "\n".join(parts) + "\n"


def _postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_written(page: str, tmp_path: Path, armsctl_bin: Path) -> None:
    cmds = commands(ROOT, page)
    if any(c.needs_postgres for c in cmds) and not _postgres_answers():
        if os.environ.get("ARMSCTL_REQUIRE_POSTGRES"):
            pytest.fail(f"{page} has a PostgreSQL block and nothing answers on 127.0.0.1:5432")
        cmds = [c for c in cmds if not c.needs_postgres]  # the rest of the page still runs
    if not cmds:
        pytest.skip(f"{page} has no shell block")
    work, out = tmp_path / "work", tmp_path / "out"
    out.mkdir()
    shutil.copytree(ROOT / "docs" / "examples", work / "docs" / "examples")
    (work / "home").mkdir()
    ports = _ports(cmds)
    (tmp_path / "page.sh").write_text(_script(cmds, ports, out))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARMSCTL_", "PYTEST_", "COV_"))}
    env |= {
        "PATH": f"{armsctl_bin}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(ROOT / "src"),
        "HOME": str(work / "home"),
        "PYTHONIOENCODING": "utf-8",
    }
    page_run = subprocess.Popen(
        ["bash", str(tmp_path / "page.sh")],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        stopped, _ = page_run.communicate(timeout=PAGE_TIMEOUT)
    except subprocess.TimeoutExpired:
        stopped = f"the page did not finish within {PAGE_TIMEOUT} s (a command waits for input or never ends)"
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):  # servers the page left running, if any
            try:
                os.killpg(page_run.pid, sig)
            except ProcessLookupError:
                break
            try:
                page_run.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
    rows = (
        [line.split() for line in (out / "rc").read_text().splitlines()]
        if (out / "rc").exists()
        else []
    )
    codes = {row[0]: row[1] for row in rows}
    (tmp_path / "times.txt").write_text(  # seconds per command, slowest first, to keep pages quick
        "".join(
            f"{float(r[3]) - float(r[2]):7.2f} {cmds[int(r[0])].where} {cmds[int(r[0])].text.splitlines()[0]}\n"
            for r in sorted(rows, key=lambda r: float(r[2]) - float(r[3]))
        )
    )
    back = {str(new): str(old) for old, new in ports.items()}
    failures = []
    for n, c in enumerate(cmds):
        shown = (out / str(n)).read_text(errors="replace") if (out / str(n)).exists() else ""
        for new, old in back.items():
            shown = shown.replace(new, old)
        head = c.text.splitlines()[0].strip()
        code = codes.get(str(n))
        if code is None:
            failures.append(f"{c.where}: `{head}` did not run (the page stopped: {stopped[-500:]})")
        elif int(code) != c.exit_code:
            failures.append(
                f"{c.where}: `{head}` exited {code}, expected {c.exit_code}\n{_tail(shown)}"
            )
        elif c.status is not None and _status(shown) != c.status:
            failures.append(
                f"{c.where}: `{head}` answered HTTP {_status(shown)}, expected {c.status}\n"
                f"{_tail(shown.replace(STATUS_LINE, 'HTTP '))}"
            )
        elif c.output is not None and not c.background and not output_matches(c.output, shown):
            failures.append(
                f"{c.where}: `{head}` printed\n{_tail(shown, 40)}\nbut the page shows\n{c.output}"
            )
    assert not failures, f"{page}: {len(failures)} of {len(cmds)} commands fail\n\n" + "\n\n".join(
        failures
    )


def _status(shown: str) -> int | None:
    """The status a status-checked curl printed last (None: it printed none, e.g. no server)."""
    found = [line for line in shown.splitlines() if line.startswith(STATUS_LINE)]
    return int(found[-1].removeprefix(STATUS_LINE)) if found else None


def _tail(text: str, lines: int = 12) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join("    " + line for line in kept)
