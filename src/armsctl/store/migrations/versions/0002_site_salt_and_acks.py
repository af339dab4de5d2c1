"""Inspection site commitments and per-recipient acknowledgements.

``inspections.site_salt`` holds the salt of the site commitment written to the log instead of
the site's name; ``notification_acks`` keeps one acknowledgement per recipient party, so that a
broadcast is acknowledged by each party on its own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add ``inspections.site_salt`` and the per-recipient ``notification_acks`` table."""
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("site_salt", sa.LargeBinary(length=32), nullable=True))
    op.create_table(
        "notification_acks",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_notification_acks_acknowledged_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_acks_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_notification_acks_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("notification_id", "party_id", name=op.f("pk_notification_acks")),
    )


def downgrade() -> None:
    """Drop the acknowledgements and the site salts (their commitments no longer open)."""
    op.drop_table("notification_acks")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_column("site_salt")
