"""docs/api.md stays true: its role table is the code's, and its curl lines run as written."""

from __future__ import annotations

import json
import re
import shlex
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from _world import LOG_KEY, NOW, World, build_world, fresh_database, fresh_url

from armsctl.access.authz import markdown_table
from armsctl.server import create_app
from armsctl.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; httpx is what we ship
    from fastapi.testclient import TestClient

DOC = Path(__file__).parents[2] / "docs" / "api.md"


def test_the_role_table_in_the_docs_is_the_one_the_code_decides_by() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- authz-table -->\n", 1)[1].split("<!-- /authz-table -->", 1)[0]
    assert block == markdown_table()


def _curl_lines() -> list[tuple[list[str], int]]:
    lines = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("curl "):
            command, _, expected = line.partition("  # -> ")
            lines.append((shlex.split(command), int(expected)))
    return lines


@pytest.fixture
def doc_world(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    with fresh_url("sqlite", None, tmp_path) as url:
        db = fresh_database(url)
        world = build_world(db, with_inspection=False)
        app = create_app(
            Settings(database_url=url, require_party_signatures=False),
            signer=LOG_KEY,
            clock=lambda: NOW,
            migrate=False,
        )
        with TestClient(app) as client:
            yield world, client
        app.state.armsctl.db.dispose()
        db.dispose()


def test_every_curl_example_answers_as_documented(doc_world: tuple[World, TestClient]) -> None:
    world, client = doc_world
    env = {f"${u.upper().replace('-', '_')}_TOKEN": t for u, t in world.tokens.items()}
    lines = _curl_lines()
    assert len(lines) >= 10
    for argv, expected in lines:
        method, headers, body, url = "GET", {}, None, ""
        args = iter(argv[1:])
        for arg in args:
            if arg == "-X":
                method = next(args)
            elif arg == "-H":
                name, _, value = next(args).partition(": ")
                for var, token in env.items():
                    value = value.replace(var, token)
                headers[name] = value
            elif arg == "-d":
                body = json.loads(next(args))
            elif arg.startswith("http"):
                url = re.sub(r"^http://127\.0\.0\.1:8000", "", arg)
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == expected, (argv, response.text)
