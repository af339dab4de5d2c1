"""Parties' encryption keys and confidential fields kept sealed at rest.

``parties.encryption_key`` holds the party's registered X25519 public key
(``x25519:<base64>``): the server seals every item row it persists to it, so the database file
holds no item in clear. ``notifications.sealed_body`` and ``inspections.sealed`` hold the
confidential content (a notification's body; an inspection's site and findings) encrypted to
the parties the treaty entitles, with the salted commitment the log carries; the clear columns
then hold nothing confidential. ``zk_proofs.note`` says what the figures behind a proof are
(the demo's: synthetic), shown wherever the proof is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0010"


def upgrade() -> None:
    """Add ``parties.encryption_key``, the sealed-content columns and ``zk_proofs.note``."""
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("encryption_key", sa.Text(), nullable=True))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("sealed_body", sa.JSON(), nullable=True))
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("sealed", sa.JSON(), nullable=True))
    with op.batch_alter_table("zk_proofs") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop those columns: sealed content and parties' encryption keys are lost."""
    with op.batch_alter_table("zk_proofs") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_column("sealed")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("sealed_body")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("encryption_key")
