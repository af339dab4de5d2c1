"""PostgreSQL notifies every server's token cache when a token or user changes (SQLite: no-op)."""

from alembic import op

revision = "0011"
down_revision = "0009"

_TABLES = ("api_tokens", "users")


def upgrade() -> None:
    """After every change to ``api_tokens`` or ``users``, notify ``armsctl_auth`` with the schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION armsctl_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('armsctl_auth', TG_TABLE_SCHEMA); RETURN NULL; END $$"
    )
    for table in _TABLES:
        op.execute(
            f'CREATE TRIGGER "{table}_auth_changed" '
            f'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION armsctl_auth_changed()"
        )


def downgrade() -> None:
    """Drop the triggers and their function: caches fall back to re-checking every ttl."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS "{table}_auth_changed" ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS armsctl_auth_changed()")
