"""The REST API (FastAPI) over the use-cases: ``install_api(app)`` adds it to the server's app.

The application serving the API and the web is composed by ``armsctl.server.create_app``.
"""

from armsctl.api.app import API_PREFIX, install_api
from armsctl.settings import Settings, load_signer

__all__ = ["API_PREFIX", "Settings", "install_api", "load_signer"]
