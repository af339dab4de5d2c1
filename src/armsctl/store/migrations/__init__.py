"""Alembic environment and revisions of the server database (``armsctl db upgrade`` runs them)."""
