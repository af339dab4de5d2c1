"""``python -m armsctl.api [--host H] [--port P]``: serve with settings from ``ARMSCTL_*``.

The same as ``armsctl serve``, without the CLI: used by the tests and the benchmark to run a
server in a child process they can kill.
"""

from __future__ import annotations

import argparse


def main() -> None:
    import uvicorn

    from armsctl.api import Settings, create_app

    parser = argparse.ArgumentParser(prog="python -m armsctl.api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    app = create_app(Settings())
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
