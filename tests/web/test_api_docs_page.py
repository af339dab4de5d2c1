"""``/api/v1/docs`` loads no script from elsewhere and is under the site's security headers."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from armsctl.server import create_app
from armsctl.settings import Settings

VENDOR = Path(__file__).parents[2] / "src/armsctl/web/static/vendor/swagger-ui"


def test_the_docs_page_uses_only_local_scripts(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    with TestClient(app) as client:
        page = client.get("/api/v1/docs")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source
        assert client.get("/api/v1/openapi.json").status_code == 200
    app.state.armsctl.db.dispose()


def test_the_vendored_swagger_ui_ships_with_its_licence() -> None:
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert (VENDOR / "swagger-ui-bundle.js").stat().st_size > 100_000
