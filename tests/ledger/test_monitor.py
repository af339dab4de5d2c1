"""The monitor follows a served log through its tiles alone and names what is wrong."""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _world import LOG_KEY, NOW, fresh_database

from armsctl.errors import InputError
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.monitor import MonitorState, follow
from armsctl.ledger.note import SignerKey
from armsctl.server import create_app
from armsctl.service import Database, log
from armsctl.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

USA = SignerKey.generate("USA", seed=b"\x61" * 32)
RUS = SignerKey.generate("RUS", seed=b"\x62" * 32)
FORGER = SignerKey.generate("USA", seed=b"\x63" * 32)  # claims USA's name, is not its key


def signed(party: SignerKey, n: int, start: int = 0) -> list[bytes]:
    return [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party=party.name,
            at=NOW + dt.timedelta(minutes=start + i),
            body={"n": start + i},
            signer=party,
        )
        for i in range(n)
    ]


class Served:
    """A real app on its own SQLite database, fetched through the ASGI transport."""

    def __init__(self, tmp: Path, name: str) -> None:
        url = f"sqlite:///{tmp / name}"
        self.db: Database = fresh_database(url)
        self.app = create_app(Settings(database_url=url), signer=LOG_KEY, migrate=False)
        self.client = TestClient(self.app)

    def add(self, entries: list[bytes], *, checkpoint: bool = True) -> None:
        with self.db.write() as (_session, conn):
            self.db.ledger.append(conn, entries)
        if checkpoint:
            log.sign_checkpoint(self.db)

    def fetch(self, path: str) -> bytes | None:
        response = self.client.get(f"/tlog/{path}")
        return response.content if response.status_code == 200 else None

    def close(self) -> None:
        self.client.close()
        self.app.state.armsctl.db.dispose()
        self.db.dispose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    made: list[Served] = []

    def make(name: str = "log.db") -> Served:
        made.append(Served(tmp_path, name))
        return made[-1]

    yield make
    for s in made:
        s.close()


def run(s: Served, state: MonitorState | None, **parties: SignerKey) -> Any:
    return follow(
        s.fetch,
        log_key=LOG_KEY.verifier(),
        state=state,
        parties={code: key.verifier() for code, key in parties.items()},
    )


def test_a_clean_log_is_followed_across_tiles_and_runs(served: Any) -> None:
    s = served()
    s.add(signed(USA, 300) + signed(RUS, 10, 300))
    report, state = run(s, None, USA=USA)
    assert report.ok, report.findings
    assert (report.old_size, report.new_size, report.entries_checked) == (0, 310, 310)
    assert report.party_entries == {"USA": 300}
    s.add(signed(USA, 250, 310))
    report, state = run(s, MonitorState.from_json(state.to_json()), USA=USA)
    assert report.ok and (report.old_size, report.new_size, report.entries_checked) == (
        310,
        560,
        250,
    )
    report, again = run(s, state, USA=USA)
    assert report.ok and report.entries_checked == 0 and again == state


def test_a_forged_entry_in_a_partys_name_is_caught(served: Any) -> None:
    s = served()
    s.add(signed(USA, 5))
    _, state = run(s, None, USA=USA)
    # A dishonest operator appends an entry in USA's name signed by a key of its own making,
    # and one it seals itself; both bypass the server's checks, both are signed into the log.
    forged = signed(FORGER, 1, 5)[0]
    sealed = seal_entry(
        kind="aggregate", treaty="new-start", party="USA", at=NOW, body={"n": -1}, signer=LOG_KEY
    )
    s.add([*signed(RUS, 2, 6), forged, sealed])
    report, after = run(s, state, USA=USA)
    assert not report.ok
    assert report.findings[0] == (
        f"entry 7: in USA's name but signed by USA+{FORGER.verifier().key_id.hex()}, "
        f"not by USA's key USA+{USA.verifier().key_id.hex()}"
    )
    assert report.findings[1].startswith("entry 8: in USA's name but signed by test.armsctl/log+")
    assert after is not None and after.size == 9  # the tree itself verified
    # Watching only RUS, the same entries raise nothing.
    assert run(s, state, RUS=RUS)[0].ok


def test_a_split_view_is_caught_and_the_state_does_not_move(served: Any) -> None:
    honest, fork = served("a.db"), served("b.db")
    honest.add(signed(USA, 20))
    fork.add(signed(USA, 19) + signed(RUS, 30, 19))  # same key, another history
    _, state = run(honest, None)
    report, kept = run(fork, state)
    assert report.findings == [
        "checkpoint: size 49 is not consistent with size 20 seen before (the log rewrote its "
        "history or shows a split view)"
    ]
    assert kept == state


def test_a_checkpoint_signed_by_another_key_or_a_rollback_is_a_finding(served: Any) -> None:
    s = served()
    s.add(signed(USA, 10))
    other = SignerKey.generate(LOG_KEY.name, seed=b"\x64" * 32)
    report, kept = follow(s.fetch, log_key=other.verifier(), state=None)
    assert report.findings and report.findings[0].startswith("checkpoint: ") and kept is None
    _, state = run(s, None)
    small = served("small.db")
    small.add(signed(USA, 4))
    report, kept = run(small, state)
    assert "went back from size 10 to 4" in report.findings[0] and kept == state


def test_entries_that_do_not_match_the_signed_root_are_caught(served: Any) -> None:
    s = served()
    s.add(signed(USA, 40))

    def lying(path: str) -> bytes | None:
        data = s.fetch(path)
        if path.startswith("tile/entries/") and data is not None:
            return data[:-1] + bytes([data[-1] ^ 1])
        return data

    report, kept = follow(lying, log_key=LOG_KEY.verifier(), state=None)
    assert report.findings == [
        "entries: the entries served for 0..39 do not hash to the signed root of size 40"
    ]
    assert kept is None


def test_malformed_state_and_a_foreign_log_are_bad_input(served: Any) -> None:
    s = served()
    s.add(signed(USA, 3))
    _, state = run(s, None)
    doc = state.to_json()
    for broken in ({**doc, "size": 4}, {**doc, "root": "AAAA"}, {**doc, "edge": "x"}, []):
        with pytest.raises(InputError):
            MonitorState.from_json(broken)
    with pytest.raises(InputError, match="follows"):
        follow(s.fetch, log_key=USA.verifier(), state=state)
    with pytest.raises(InputError, match="no checkpoint"):
        follow(lambda _p: None, log_key=LOG_KEY.verifier(), state=None)
