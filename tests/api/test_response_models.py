"""Every answer has a declared, named schema, and what is served is exactly that schema.

- The OpenAPI document gives every operation's 2xx answer a named object schema (never a bare
  ``{}`` or an untyped object), and every paged list's ``results`` is an array of a named schema.
- What the routes serve validates against the model they declare and carries no key the model
  does not declare; re-serialising the model gives back the very same JSON (same keys, same
  order, same nulls), so declaring it changed nothing a client receives.
- The compliance report, served as bytes cached per store version, is the declared
  ``CompliancePublic`` document.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs  # the validator schemathesis (a test dependency) is built on
import pytest
from _world import World
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from armsctl.api import (
    API_PREFIX,
    routes_admin,
    routes_declarations,
    routes_exchange,
    routes_inspections,
    routes_log,
    routes_zk,
)
from armsctl.api.public import CompliancePublic

Schema = dict[str, Any]


def _component(doc: Schema, schema: Schema) -> tuple[str, Schema]:
    """The named component a ``$ref`` points to (and its name)."""
    ref = schema.get("$ref")
    assert isinstance(ref, str), f"not a named schema: {schema}"
    name = ref.rsplit("/", 1)[-1]
    return name, doc["components"]["schemas"][name]


def _operations(doc: Schema) -> list[tuple[str, str, Schema]]:
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        if path.startswith(API_PREFIX)
        for method, op in ops.items()
    ]


def test_every_operation_answers_with_a_named_object_schema(
    world_client: tuple[World, TestClient],
) -> None:
    _world, client = world_client
    doc = client.app.openapi()  # type: ignore[attr-defined]
    operations = _operations(doc)
    assert len(operations) >= 40
    untyped = []
    for method, path, op in operations:
        answers = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        assert answers, f"{method} {path}: no 2xx answer"
        for code, answer in answers.items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" not in schema:
                untyped.append(f"{method} {path} {code}: {schema or 'no schema'}")
                continue
            name, component = _component(doc, schema)
            if component.get("type") != "object" or not component.get("properties"):
                untyped.append(f"{method} {path} {code}: {name} is an untyped object")
    assert not untyped, "\n".join(untyped)


def test_every_paged_list_pages_rows_of_a_named_schema(
    world_client: tuple[World, TestClient],
) -> None:
    _world, client = world_client
    doc = client.app.openapi()  # type: ignore[attr-defined]
    paged = [
        (method, path, op)
        for method, path, op in _operations(doc)
        if {"limit", "offset"} <= {p["name"] for p in op.get("parameters", [])}
    ]
    assert len(paged) >= 13
    for method, path, op in paged:
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        name, page = _component(doc, schema)
        rows = "declarations" if path.endswith("/transparency") else "results"
        results = page["properties"][rows]
        assert results["type"] == "array", f"{method} {path}: {name}.{rows}"
        row_name, row = _component(doc, results["items"])
        assert row.get("properties"), f"{method} {path}: {row_name} is untyped"
        if rows == "declarations":  # the view pages its declarations in declarations_page
            assert _component(doc, page["properties"]["declarations_page"])[0] == "PageInfo"
            continue
        # The JSON shape every list has had: the rows, then where the page sits.
        assert list(page["properties"]) == ["results", "total", "limit", "offset", "next_offset"]
        assert page["required"] == ["results", "total", "limit", "offset", "next_offset"]


def _undeclared(value: object, where: str = "") -> list[str]:
    """Keys served but not declared by the model (``extra="allow"`` keeps them)."""
    if isinstance(value, BaseModel):
        found = [f"{where}.{key}" for key in value.model_extra or {}]
        for name in type(value).model_fields:
            found += _undeclared(getattr(value, name), f"{where}.{name}")
        return found
    if isinstance(value, list):
        return [key for i, item in enumerate(value) for key in _undeclared(item, f"{where}[{i}]")]
    return []


def _model(method: str, template: str) -> type[BaseModel]:
    """The response model the route ``method template`` declares."""
    for module in (
        routes_admin,
        routes_declarations,
        routes_exchange,
        routes_inspections,
        routes_log,
        routes_zk,
    ):
        for route in module.router.routes:
            if isinstance(route, APIRoute) and route.path == template and method in route.methods:
                model = route.response_model
                assert isinstance(model, type) and issubclass(model, BaseModel), template
                return model
    raise AssertionError(f"no route {method} {template}")


def _check(model: type[BaseModel], body: bytes) -> None:
    # The JSON schema too, formats included: every date-time has its offset, every date is one.
    schema = jsonschema_rs.validator_for(model.model_json_schema(), validate_formats=True)
    assert not [str(e) for e in schema.iter_errors(json.loads(body))][:5]
    parsed = model.model_validate_json(body)
    assert _undeclared(parsed) == []
    again = parsed.model_dump_json(exclude_unset=True).encode()
    assert json.loads(again) == json.loads(body)
    assert list(json.loads(again)) == list(json.loads(body))  # the same keys in the same order


READS = [
    # (route template, path, caller)
    ("/health", "/health", "obs"),
    ("/me", "/me", "usa"),
    ("/treaties", "/treaties", "obs"),
    ("/treaties/{treaty}/parties", "/treaties/new-start/parties", "obs"),
    ("/users", "/users", "op"),
    ("/users", "/users", "usa"),
    ("/tokens", "/tokens", "op"),
    ("/treaties/{treaty}/declarations", "/treaties/new-start/declarations", "obs"),
    ("/declarations/{declaration_id}", "/declarations/{decl-USA}", "obs"),
    ("/declarations/{declaration_id}/items", "/declarations/{decl-USA}/items", "usa"),
    ("/treaties/{treaty}/notifications", "/treaties/new-start/notifications", "usa"),
    ("/treaties/{treaty}/observations", "/treaties/new-start/observations", "obs"),
    ("/treaties/{treaty}/quotas", "/treaties/new-start/quotas?year=2026", "obs"),
    ("/treaties/{treaty}/transparency", "/treaties/new-start/transparency", "obs"),
    ("/treaties/{treaty}/inspections", "/treaties/new-start/inspections", "usa"),
    ("/inspections/{inspection_id}", "/inspections/{insp-by-USA}", "usa"),
    ("/inspections/{inspection_id}", "/inspections/{insp-by-USA}", "usa-insp"),
    ("/inspections/{inspection_id}/reveals", "/inspections/{insp-by-USA}/reveals", "rus"),
    ("/treaties/{treaty}/zk-proofs", "/treaties/new-start/zk-proofs", "obs"),
    ("/log", "/log", "obs"),
    ("/log/entries/{index}", "/log/entries/0", "obs"),
    ("/log/audit", "/log/audit", "op"),
    ("/audit-events", "/audit-events", "op"),
]


@pytest.mark.parametrize(("template", "path", "user"), READS, ids=[f"{r[1]}-{r[2]}" for r in READS])
def test_every_read_serves_exactly_its_declared_model(
    world_client: tuple[World, TestClient], template: str, path: str, user: str
) -> None:
    world, client = world_client
    for name, value in world.ids.items():
        path = path.replace("{" + name + "}", str(value))
    got = client.get(API_PREFIX + path, headers=world.auth(user))
    assert got.status_code == 200, got.text
    _check(_model("GET", template), got.content)


def test_writes_serve_exactly_their_declared_model(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    signed = client.post(API_PREFIX + "/log/checkpoints", headers=world.auth("op"))
    assert signed.status_code == 201, signed.text
    _check(_model("POST", "/log/checkpoints"), signed.content)
    bundle = client.get(API_PREFIX + "/log/entries/0/proof?from_size=1")
    assert bundle.status_code == 200, bundle.text
    assert "consistency" in bundle.json()
    _check(_model("GET", "/log/entries/{index}/proof"), bundle.content)
    plain = client.get(API_PREFIX + "/log/entries/0/proof")
    assert "consistency" not in plain.json()  # a key the use-case leaves out stays out
    _check(_model("GET", "/log/entries/{index}/proof"), plain.content)
    added = client.post(
        API_PREFIX + "/users", json={"name": "obs-2", "role": "observer"}, headers=world.auth("op")
    )
    assert added.status_code == 201, added.text
    _check(_model("POST", "/users"), added.content)
    issued = client.post(API_PREFIX + "/users/obs-2/tokens", json={}, headers=world.auth("op"))
    assert issued.status_code == 201, issued.text
    _check(_model("POST", "/users/{name}/tokens"), issued.content)
    revoked = client.delete(
        API_PREFIX + f"/tokens/{issued.json()['token_id']}", headers=world.auth("op")
    )
    assert revoked.status_code == 200, revoked.text
    _check(_model("DELETE", "/tokens/{token_id}"), revoked.content)


def test_compliance_bytes_served_from_the_cache_are_the_declared_document(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    url = API_PREFIX + "/treaties/new-start/compliance?at=2025-09-30"
    first = client.get(url, headers=world.auth("obs"))
    again = client.get(url, headers=world.auth("obs"))  # the bytes kept for this store version
    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert again.content == first.content
    _check(CompliancePublic, again.content)
    assert _model("GET", "/treaties/{treaty}/compliance") is CompliancePublic
    assert again.json()["parties"], "the report covers the parties"


def test_a_key_a_use_case_adds_is_served_and_flagged_until_declared() -> None:
    from pydantic import TypeAdapter

    from armsctl.api.public import Page, TreatyPublic

    served = {
        "results": [{"id": "t", "title": "T", "loaded_at": "2026-01-15", "new": 1}],
        "total": 1,
        "limit": 50,
        "offset": 0,
        "next_offset": None,
    }
    adapter = TypeAdapter(Page[TreatyPublic])
    page = adapter.validate_python(served)
    assert json.loads(adapter.dump_json(page, exclude_unset=True)) == served  # never dropped
    assert _undeclared(page) == [".results[0].new"]  # but the document must catch up
