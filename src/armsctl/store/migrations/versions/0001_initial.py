"""Initial schema: the server's tables and the append-only ledger with its triggers.

The ledger's tables and triggers come from ``armsctl.store.ledger.ledger_tables`` so that the
log has one definition; its triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL). This
revision stored the tree as one row per node (``ledger_nodes``); revision 0005 moves it to tiles.
"""

import sqlalchemy as sa
from alembic import op

from armsctl.store.ledger import append_only, ledger_tables
from armsctl.store.migrations.tables import (
    NewTable,
    key,
    log_index,
    refers,
    salt,
    steps,
    timestamp,
    treaty,
)

revision = "0001"
down_revision = None

_create_tables, _drop_tables = steps(
    NewTable(
        "treaties",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        timestamp("loaded_at"),
    ),
    NewTable(
        "parties",
        key(),
        treaty(),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        timestamp("registered_at"),
        unique=("treaty_id", "code"),
    ),
    NewTable(
        "inspections",
        key(),
        treaty(),
        refers("inspecting_party_id", "parties"),
        refers("inspected_party_id", "parties"),
        sa.Column("quota_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        timestamp("requested_at"),
        timestamp("scheduled_for", nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        timestamp("reported_at", nullable=True),
        unique=("treaty_id", "inspecting_party_id", "quota_id", "year", "slot"),
        indexes=("inspected_party_id", "inspecting_party_id"),
    ),
    NewTable(
        "notifications",
        key(),
        treaty(),
        refers("sender_id", "parties"),
        refers("recipient_id", "parties", nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        timestamp("sent_at"),
        timestamp("acknowledged_at", nullable=True),
        log_index(),
        indexes=("sender_id",),
    ),
    NewTable(
        "party_keys",
        key(),
        refers("party_id", "parties"),
        sa.Column("verifier_key", sa.Text(), nullable=False),
        timestamp("added_at"),
        timestamp("revoked_at", nullable=True),
        indexes=("party_id",),
    ),
    NewTable(
        "users",
        key(),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        refers("party_id", "parties", nullable=True),
        timestamp("created_at"),
        timestamp("disabled_at", nullable=True),
        unique=("name",),
    ),
    NewTable(
        "api_tokens",
        key(),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        refers("user_id", "users"),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("revoked_at", nullable=True),
        unique=("token_id",),
        indexes=("user_id",),
    ),
    NewTable(
        "audit_events",
        key(),
        timestamp("at"),
        refers("user_id", "users", nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        indexes=("at",),
    ),
    NewTable(
        "declarations",
        key(),
        treaty(),
        refers("party_id", "parties"),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("commitment", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        refers("submitted_by", "users"),
        timestamp("submitted_at"),
        log_index(),
        unique=("treaty_id", "party_id", "as_of"),
        indexes=("party_id",),
    ),
    NewTable(
        "inspection_inspectors",
        refers("inspection_id", "inspections"),
        refers("user_id", "users"),
        primary_key=("inspection_id", "user_id"),
    ),
    NewTable(
        "observations",
        key(),
        treaty(),
        refers("subject_id", "parties", nullable=True),
        refers("recorded_by", "users"),
        sa.Column("source", sa.String(length=32), nullable=False),
        timestamp("observed_at"),
        sa.Column("body", sa.JSON(), nullable=False),
        timestamp("recorded_at"),
        log_index(),
    ),
    NewTable(
        "declaration_items",
        key(),
        refers("declaration_id", "declarations"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("facility", sa.Text(), nullable=False),
        salt("salt"),
        sa.Column("record", sa.JSON(), nullable=False),
        unique=("declaration_id", "position"),
        indexes=("declaration_id",),
    ),
    NewTable(
        "reveals",
        key(),
        refers("inspection_id", "inspections"),
        refers("declaration_id", "declarations"),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        timestamp("created_at"),
        indexes=("inspection_id",),
    ),
)


def upgrade() -> None:
    """Create every table of the first release, the ledger with its append-only triggers."""
    _create_tables()
    tables = ledger_tables()
    bind = op.get_bind()
    tables.metadata.create_all(bind, tables=[tables.entries, tables.checkpoints, tables.meta])
    _nodes().create(bind)


def _nodes() -> sa.Table:
    """The per-node table of this revision (frozen here: the current code stores tiles)."""
    nodes = sa.Table(
        "ledger_nodes",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    append_only(nodes, "ledger_", None)
    return nodes


def downgrade() -> None:
    """Drop every table, the ledger included: everything the server held is lost."""
    tables = ledger_tables()
    bind = op.get_bind()
    tables.metadata.drop_all(bind, tables=[tables.entries, tables.checkpoints, tables.meta])
    _nodes().drop(bind, checkfirst=True)
    _drop_tables()
