"""The API's interactive documentation and the site icon, from local assets only.

FastAPI's default ``/docs`` page loads Swagger UI from a CDN (unpinned, without an integrity
hash): it fails in an air-gapped treaty office and runs third-party script on the page where
users paste tokens. Here Swagger UI is the vendored copy in ``static/vendor/swagger-ui`` (with
its licence), started by a local script, under the same Content-Security-Policy as every page.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse, Response

from armsctl.web._base import HERE, SECURITY_HEADERS, page_router, web_state

__all__ = ["router"]

router = page_router()


@router.get("/api/v1/docs")
def api_docs(request: Request) -> Response:
    page = (
        web_state(request)
        .env.get_template("api_docs.html")
        .render(openapi_url=request.app.openapi_url or "/api/v1/openapi.json")
    )
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/favicon.ico")
def favicon() -> Response:
    return FileResponse(
        HERE / "static" / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )
