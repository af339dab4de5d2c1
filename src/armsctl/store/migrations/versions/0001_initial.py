"""Initial schema: the server's tables and the append-only ledger with its triggers.

The ledger's tables and triggers come from ``armsctl.store.ledger.ledger_tables`` so that the
log has one definition; its triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL). This
revision stored the tree as one row per node (``ledger_nodes``); revision 0005 moves it to tiles.
"""

import sqlalchemy as sa
from alembic import op

from armsctl.store.ledger import append_only, ledger_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Create every table of the first release, the ledger with its append-only triggers."""
    op.create_table(
        "treaties",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treaties")),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_parties_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("treaty_id", "code", name=op.f("uq_parties_treaty_id")),
    )
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("inspecting_party_id", sa.Integer(), nullable=False),
        sa.Column("inspected_party_id", sa.Integer(), nullable=False),
        sa.Column("quota_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspected_party_id"],
            ["parties.id"],
            name=op.f("fk_inspections_inspected_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["inspecting_party_id"],
            ["parties.id"],
            name=op.f("fk_inspections_inspecting_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_inspections_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint(
            "treaty_id",
            "inspecting_party_id",
            "quota_id",
            "year",
            "slot",
            name=op.f("uq_inspections_treaty_id"),
        ),
    )
    op.create_index(
        op.f("ix_inspections_inspected_party_id"),
        "inspections",
        ["inspected_party_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inspections_inspecting_party_id"),
        "inspections",
        ["inspecting_party_id"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["parties.id"], name=op.f("fk_notifications_recipient_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["parties.id"], name=op.f("fk_notifications_sender_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_notifications_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        op.f("ix_notifications_sender_id"), "notifications", ["sender_id"], unique=False
    )
    op.create_table(
        "party_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("verifier_key", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_keys_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_keys")),
    )
    op.create_index(op.f("ix_party_keys_party_id"), "party_keys", ["party_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_users_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_id", name=op.f("uq_api_tokens_token_id")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("commitment", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_declarations_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_declarations_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_declarations_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
        sa.UniqueConstraint(
            "treaty_id", "party_id", "as_of", name=op.f("uq_declarations_treaty_id")
        ),
    )
    op.create_index(op.f("ix_declarations_party_id"), "declarations", ["party_id"], unique=False)
    op.create_table(
        "inspection_inspectors",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_inspectors_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inspection_inspectors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("inspection_id", "user_id", name=op.f("pk_inspection_inspectors")),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_observations_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["parties.id"], name=op.f("fk_observations_subject_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_observations_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    op.create_table(
        "declaration_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("facility", sa.Text(), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_items_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_items")),
        sa.UniqueConstraint(
            "declaration_id", "position", name=op.f("uq_declaration_items_declaration_id")
        ),
    )
    op.create_index(
        op.f("ix_declaration_items_declaration_id"),
        "declaration_items",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_reveals_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_reveals_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reveals")),
    )
    op.create_index(op.f("ix_reveals_inspection_id"), "reveals", ["inspection_id"], unique=False)
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
    op.drop_index(op.f("ix_reveals_inspection_id"), table_name="reveals")
    op.drop_table("reveals")
    op.drop_index(op.f("ix_declaration_items_declaration_id"), table_name="declaration_items")
    op.drop_table("declaration_items")
    op.drop_table("observations")
    op.drop_table("inspection_inspectors")
    op.drop_index(op.f("ix_declarations_party_id"), table_name="declarations")
    op.drop_table("declarations")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_index(op.f("ix_party_keys_party_id"), table_name="party_keys")
    op.drop_table("party_keys")
    op.drop_index(op.f("ix_notifications_sender_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_inspections_inspecting_party_id"), table_name="inspections")
    op.drop_index(op.f("ix_inspections_inspected_party_id"), table_name="inspections")
    op.drop_table("inspections")
    op.drop_table("parties")
    op.drop_table("treaties")
