"""Fuzz the API from its own OpenAPI document: no 5xx, every response as documented.

Bounded: a few examples per operation, run as the operator and as a party (so that requests
get past the role check into the use-cases), on a fresh SQLite world.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from _world import LOG_KEY, NOW, World, build_world, fresh_database, fresh_url
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from armsctl.server import create_app
from armsctl.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_WORLD: dict[str, World] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with fresh_url("sqlite", None, tmp) as url:
        db = fresh_database(url)
        _WORLD["w"] = build_world(db)
        app = create_app(
            Settings(database_url=url, max_body_bytes=64 * 1024, require_party_signatures=False),
            signer=LOG_KEY,
            clock=lambda: NOW,
            migrate=False,
        )
        yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        app.state.armsctl.db.dispose()
        db.dispose()


@pytest.mark.slow
def test_no_5xx_and_responses_match_the_schema(api_schema: object) -> None:
    world = _WORLD["w"]
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) > 30
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            for user in ("op", "usa"):
                case.call_and_validate(headers=world.auth(user), checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
