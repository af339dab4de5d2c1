"""One running clock set to a day New START was in force, for tests that need one (tests only).

New START expired on 2026-02-05, and an inspection needs a quota year the treaty had and an
arrival ahead. A test module whose server and party client must agree on such a day gives
``pretended_now`` to ``create_app(..., clock=pretended_now)`` and opens ``client_clock`` (the
party's client stamps what it signs on the same clock), so the tests pass on any date. The clock is the
machine's shifted by a fixed offset, so it keeps moving and times a client signs stay within
the server's allowed skew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PRETENDED_START = dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC)
_OFFSET = PRETENDED_START - dt.datetime.now(dt.UTC)


def pretended_now() -> dt.datetime:
    """The pretended time, shared by the server, the client and (through it) the browser."""
    return dt.datetime.now(dt.UTC) + _OFFSET


@contextmanager
def client_clock() -> Iterator[None]:
    """While open, ``armsctl client ...`` signs and stamps on ``pretended_now``."""
    from armsctl.cli import server as server_cli

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server_cli, "_now", pretended_now)
        patch.setattr(server_cli, "_clock", lambda: pretended_now().replace(microsecond=0))
        yield
