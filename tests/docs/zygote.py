"""A pre-imported ``armsctl`` that forks per command, so the docs pages run in seconds.

Starting the command line costs most of a second of CPU (Python, Typer, Rich, NumPy, Arrow,
DuckDB); a docs page types a hundred commands. ``python zygote.py serve SOCKET`` imports the
application once and, for each connection, forks a child that takes the caller's stdin, stdout
and stderr (passed over the Unix socket), working folder, environment and arguments, runs
``armsctl.cli.main`` and reports the exit code. ``python -S -I zygote.py SOCKET ARGS...`` is the
client the docs test installs as ``armsctl`` on PATH; it forwards SIGINT/SIGTERM/SIGHUP to the
child, so ``kill %1`` stops a server started with ``armsctl serve ... &``.

Set ``ARMSCTL_DOCS_TEST_FORK=0`` to run every command as a fresh process instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


def client(path: str, argv: list[str]) -> int:
    """Run one command through the zygote at *path*; return its exit code."""
    payload = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [struct.pack("!I", len(payload))], [0, 1, 2])
    conn.sendall(payload)
    pid = struct.unpack("!i", _recv_exact(conn, 4))[0]

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            status = _recv_exact(conn, 4)
            break
        except InterruptedError:
            continue
        except ConnectionError:
            return 1
    return int(struct.unpack("!i", status)[0])


def _child(conn: socket.socket, first: bytes, fds: list[int]) -> None:
    (size,) = struct.unpack("!I", first)
    request = json.loads(_recv_exact(conn, size))
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.setpgid(0, 0)
    conn.sendall(struct.pack("!i", os.getpid()))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", 1 if os.isatty(1) else -1, "utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", 1, "utf-8", closefd=False)  # noqa: SIM115
    sys.argv = ["armsctl", *request["argv"]]
    code = 0
    try:
        from armsctl.cli import main

        main()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # a traceback is what a real process would print, then exit 1
        import traceback

        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):
            stream.flush()
    with contextlib.suppress(OSError):
        conn.sendall(struct.pack("!i", code))
    os._exit(code)


def serve(path: str) -> None:
    """Import the application, listen on *path* and fork one child per command."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import armsctl.cli.app as app

    app.build_app()
    for name in ("numpy", "pyarrow", "duckdb", "rich.console", "sqlalchemy", "typer.testing"):
        with contextlib.suppress(ImportError):
            __import__(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    children: list[int] = []

    def stop(_signum: int, _frame: object) -> None:
        for pid in children:  # a server left running by a killed client goes too
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGTERM)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        try:
            first, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
        except OSError:
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(conn, first, fds)
        children.append(pid)
        for fd in fds:
            os.close(fd)
        conn.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[1], sys.argv[2:]))
