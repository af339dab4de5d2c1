"""The log's tree stored as C2SP tlog-tiles instead of one row per node.

Creates ``ledger_tiles`` (append-only, like every ledger table), copies the hashes the tiles
hold (tree levels 0, 8, 16, ...) from ``ledger_nodes``, and drops ``ledger_nodes``. The hashes
are copied, not recomputed, so a node changed before the move is still named by the audit.
"""

from alembic import op

from armsctl.store.ledger import convert_legacy_nodes, ledger_tables

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    """Create ``ledger_tiles`` and fill it with the hashes ``ledger_nodes`` holds."""
    tables = ledger_tables()
    bind = op.get_bind()
    tables.metadata.create_all(bind, tables=[tables.tiles])
    convert_legacy_nodes(bind, tables)


def downgrade() -> None:
    """Refuse: the move to tiles is one-way.

    Raises:
        NotImplementedError: always; restore a backup taken before the upgrade instead.
    """
    raise NotImplementedError("the move to tiles is one-way: restore a backup to go back")
