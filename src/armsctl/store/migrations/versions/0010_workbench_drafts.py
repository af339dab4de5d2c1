"""Drafts saved from the workbench page, private to their party unless shared."""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"


def upgrade() -> None:
    """Create ``workbench_drafts`` with its party and treaty indexes."""
    op.create_table(
        "workbench_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_workbench_drafts_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_workbench_drafts_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_workbench_drafts_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workbench_drafts")),
    )
    op.create_index(op.f("ix_workbench_drafts_party_id"), "workbench_drafts", ["party_id"])
    op.create_index(op.f("ix_workbench_drafts_treaty_id"), "workbench_drafts", ["treaty_id"])


def downgrade() -> None:
    """Drop ``workbench_drafts`` and every saved draft."""
    op.drop_index(op.f("ix_workbench_drafts_treaty_id"), table_name="workbench_drafts")
    op.drop_index(op.f("ix_workbench_drafts_party_id"), table_name="workbench_drafts")
    op.drop_table("workbench_drafts")
