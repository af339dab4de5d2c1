"""The API's interactive docs run from local assets: nothing leaves 127.0.0.1, no console error."""

from __future__ import annotations

from typing import Any


def test_api_docs_render_from_local_assets_only(page: Any, server: Any) -> None:
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server["url"] + "/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    outside = [u for u in requests if not u.startswith(server["url"]) and not u.startswith("data:")]
    assert outside == []
    assert errors == []


def test_the_site_icon_is_served(page: Any, server: Any) -> None:
    response = page.request.get(server["url"] + "/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/x-icon"
