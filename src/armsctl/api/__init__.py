"""The REST API (FastAPI) over the use-cases: ``create_app(settings)`` builds it."""

from armsctl.api.app import API_PREFIX, create_app
from armsctl.api.settings import Settings, load_signer

__all__ = ["API_PREFIX", "Settings", "create_app", "load_signer"]
