"""Salts of the content commitments the log carries instead of unsalted digests.

``notifications.body_salt``, ``observations.body_salt``, ``inspections.arrival_salt`` and
``inspections.findings_salt`` hold the 32-byte salts of the commitments written to the log
(``SHA-256(salt || canonical(content))``); ``declarations.private`` keeps the facility salts
of an item-level commitment (sealed to the party when its items are), for the declaring party
only; ``sealed_items`` holds item rows encrypted to the
party's own X25519 key, which the server cannot read.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    """Add the content-commitment salt columns, ``declarations.private`` and ``sealed_items``."""
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("body_salt", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("body_salt", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("arrival_salt", sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column("findings_salt", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("private", sa.JSON(), nullable=True))
    op.create_table(
        "sealed_items",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_sealed_items_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("declaration_id", "position", name=op.f("pk_sealed_items")),
    )


def downgrade() -> None:
    """Drop the salts and sealed item rows: the log's commitments then no longer open."""
    op.drop_table("sealed_items")

    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("private")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_column("findings_salt")
        batch.drop_column("arrival_salt")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("body_salt")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("body_salt")
