"""``armsctl.api.asgi:create_app_from_env``: the factory import string of earlier releases.

Kept so that existing process-manager configurations keep starting; the application is now
composed in ``armsctl.server`` (use ``armsctl.server:create_app_from_env``). This module's
import of ``armsctl.server`` is the one edge from ``armsctl.api`` upwards that the import-linter
contracts allow, listed by name in their ``ignore_imports``.
"""

from __future__ import annotations

from armsctl.server import create_app_from_env

__all__ = ["create_app_from_env"]
