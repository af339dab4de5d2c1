"""Published zero-knowledge proofs that a committed total is within a limit."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    """Create ``zk_proofs``, the published range proofs."""
    op.create_table(
        "zk_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treaty_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("limit_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_zk_proofs_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_zk_proofs_published_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["treaty_id"], ["treaties.id"], name=op.f("fk_zk_proofs_treaty_id_treaties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zk_proofs")),
    )
    op.create_index(op.f("ix_zk_proofs_treaty_id"), "zk_proofs", ["treaty_id"])


def downgrade() -> None:
    """Drop ``zk_proofs`` and every published proof with it."""
    op.drop_index(op.f("ix_zk_proofs_treaty_id"), table_name="zk_proofs")
    op.drop_table("zk_proofs")
