"""Run the API in a child process on 127.0.0.1 and a free port (killable, restartable)."""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def _ephemeral_range() -> range:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)  # Linux's default


def free_port() -> int:
    """A port that is free now and outside the kernel's range for outgoing connections.

    A server started by a test binds its port a few seconds after this returns (the child
    imports and migrates first). A port from the ephemeral range (what binding port 0 gives)
    can meanwhile become the local end of any client connection on the machine, to PostgreSQL
    or another test's server, and the server then exits with "address already in use". Ports
    below that range are taken only by another test's server, chosen at random among many.
    """
    ephemeral = _ephemeral_range()
    candidates = [p for p in range(20000, 32768) if p not in ephemeral]
    for port in random.sample(candidates, 50):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # every sampled port busy: let the kernel choose
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``python -m armsctl.server`` against a database URL, with the log key in a file.

    ``now`` pretends the server starts at that instant (its clock then runs on from it), for
    tests whose outcome depends on the date: without it the server has the machine's clock.
    ``clock()`` is the same pretended clock, for the test's own clients.
    """

    def __init__(
        self,
        url: str,
        key_file: Path,
        *,
        port: int | None = None,
        signatures: bool = False,
        now: dt.datetime | None = None,
    ) -> None:
        self.url, self.key_file, self.signatures = url, key_file, signatures
        self.offset = dt.timedelta(0) if now is None else now - dt.datetime.now(dt.UTC)
        self.pretended = now is not None
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300.0) -> Server:
        env = dict(os.environ)
        # Load and restarts are under test, with unsigned requests the server seals, unless
        # ``signatures`` (the default of a real server: party signatures required).
        env.update(
            ARMSCTL_DATABASE_URL=self.url,
            ARMSCTL_LOG_KEY_FILE=str(self.key_file),
            ARMSCTL_REQUIRE_PARTY_SIGNATURES=str(self.signatures).lower(),
        )
        command = [sys.executable, "-m", "armsctl.server", "--port", str(self.port)]
        if self.pretended:
            command = [sys.executable, str(Path(__file__).with_name("_clocked_server.py")),
                       "--port", str(self.port), "--offset", str(self.offset.total_seconds())]  # fmt: skip
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Readiness polling: the bound only stops a server that never comes up, and is far
        # above any start-up time, so a loaded machine does not fail the test.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"server exited: {err[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in time")

    def clock(self) -> dt.datetime:
        """The server's clock: the machine's, shifted to the pretended date if one was given."""
        return dt.datetime.now(dt.UTC) + self.offset

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self._close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """Serve an app built in this process (``create_app``) over HTTP; its base URL.

    For tests whose clients (a browser, ``armsctl client``) need a real socket while the test
    still holds the app (its database, its injected clock). Waits until uvicorn has started,
    and stops it afterwards.
    """
    import threading

    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
