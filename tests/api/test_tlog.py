"""The log served as C2SP tlog-tiles under /tlog/: public, read-only, cached by kind."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _world import BACKENDS, LOG_KEY, NOW, fresh_database, fresh_url, postgres_for
from fastapi.testclient import TestClient  # (imported first, warnings filtered, by conftest)

from armsctl.ledger import merkle
from armsctl.ledger.checkpoint import open_checkpoint
from armsctl.ledger.envelope import seal_entry
from armsctl.ledger.note import SignerKey
from armsctl.ledger.tiles import decode_bundle, tile_path
from armsctl.server import create_app
from armsctl.service import log
from armsctl.settings import Settings

PARTY = SignerKey.generate("USA", seed=b"\x51" * 32)
SIZE = 600


def entries(n: int) -> list[bytes]:
    return [
        seal_entry(
            kind="aggregate",
            treaty="new-start",
            party="USA",
            at=NOW + dt.timedelta(minutes=i),
            body={"n": i},
            signer=PARTY,
        )
        for i in range(n)
    ]


@pytest.fixture(params=BACKENDS, scope="module")
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    kind = request.param
    with fresh_url(kind, postgres_for(kind, request), tmp_path_factory.mktemp("tlog")) as url:
        db = fresh_database(url)
        with db.write() as (_session, conn):
            db.ledger.append(conn, entries(SIZE))
        log.sign_checkpoint(db)
        with db.write() as (_session, conn):  # appended after the checkpoint: not served yet
            db.ledger.append(conn, [b"not yet checkpointed"])
        app = create_app(Settings(database_url=url), signer=LOG_KEY, migrate=False)
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c
        app.state.armsctl.db.dispose()
        db.dispose()


def test_the_checkpoint_is_served_as_text_and_cached_briefly(client: TestClient) -> None:
    r = client.get("/tlog/checkpoint")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=5"
    head = open_checkpoint(r.text, LOG_KEY.verifier())
    assert (head.size, head.root) == (SIZE, merkle.root(entries(SIZE)))


def test_full_tiles_are_immutable_and_partial_tiles_short_lived(client: TestClient) -> None:
    data = entries(SIZE)
    leaves = [merkle.leaf_hash(e) for e in data]
    r = client.get("/tlog/tile/0/000")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.content == b"".join(leaves[:256])
    r = client.get("/tlog/tile/0/002.p/88")  # 600 = 2 * 256 + 88
    assert r.headers["cache-control"] == "public, max-age=5"
    assert r.content == b"".join(leaves[512:])
    r = client.get("/tlog/tile/1/000.p/2")
    assert r.content == merkle.root(data[:256]) + merkle.root(data[256:512])
    bundle = client.get("/tlog/tile/entries/001")
    assert bundle.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert decode_bundle(bundle.content) == data[256:512]
    assert bundle.content[:2] == len(data[256]).to_bytes(2, "big")
    assert decode_bundle(client.get("/tlog/tile/entries/002.p/88").content) == data[512:]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/003",  # beyond the tree
        "tile/0/002",  # the last level-0 tile is not full at the checkpoint
        "tile/0/002.p/89",  # entry 600 was appended after the checkpoint
        "tile/1/000",
        "tile/2/000.p/1",
        "tile/entries/002.p/89",
        "tile/entries/x001/000",
    ],
)
def test_tiles_beyond_the_signed_tree_are_not_found(client: TestClient, path: str) -> None:
    r = client.get(f"/tlog/{path}")
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/0",  # not a 3-digit group
        "tile/0/1234",
        "tile/00/000",  # a level with a leading zero
        "tile/64/000",
        "tile/0/x000/001",  # a leading zero group
        "tile/0/001/002",  # inner groups need the x prefix
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/data/000",  # the Go sumdb name for bundles is not this log's
        "tile/8/0/000",  # nor its height element
        "tile/entries/000.p/",
    ],
)
def test_malformed_tile_paths_are_a_400_with_the_error_shape(client: TestClient, path: str) -> None:
    r = client.get(f"/tlog/{path}")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "malformed" and r.json()["field"] == "path"


def test_no_token_is_needed_and_nothing_can_be_written(client: TestClient) -> None:
    assert client.get(f"/tlog/{tile_path(0, 1)}").status_code == 200
    assert client.post("/tlog/checkpoint").status_code == 405
    assert client.put(f"/tlog/{tile_path(0, 1)}", content=b"x").status_code == 405
