"""Access: who may do what, and the request dependencies every shell over HTTP shares.

``armsctl.access.authz`` holds the one role x action table; ``armsctl.access.deps`` the app
state, the caller and paging. Both ``armsctl.api`` and ``armsctl.web`` import them and neither
owns them, so the two shells never import each other (an import-linter contract in
``pyproject.toml``). ``armsctl.server`` composes the application that serves both.
"""

__all__: list[str] = []
