"""Alembic revisions, one module each; ``down_revision`` orders them (not the file names)."""
