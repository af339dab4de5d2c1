"""``python -m armsctl.server`` with the server's clock set to a pretended date (tests only).

A test that depends on the date (a New START quota year, an arrival that must lie ahead) runs
its server on a clock shifted by a fixed offset from the machine's, so the suite passes on any
date: ``python tests/api/_clocked_server.py --port P --offset SECONDS``. The offset, not a frozen
instant, keeps the clock moving (group commit and token expiry see time pass) and lets the test
process shift its own clock by the same amount (``_server.Server.clock``), so the times a
client signs agree with the server's to within the allowed skew.
"""

from __future__ import annotations

import argparse
import datetime as dt


def main() -> None:
    """Serve the app built from ``ARMSCTL_*`` with a clock ``--offset`` seconds from now."""
    import uvicorn

    from armsctl.server import create_app
    from armsctl.settings import Settings

    parser = argparse.ArgumentParser(prog="_clocked_server.py")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--offset", type=float, required=True)
    args = parser.parse_args()
    offset = dt.timedelta(seconds=args.offset)
    app = create_app(Settings(), clock=lambda: dt.datetime.now(dt.UTC) + offset)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
