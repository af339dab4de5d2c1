"""${message}."""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


def upgrade() -> None:
    """Apply this revision: TODO say what it changes."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Undo this revision: TODO say what a downgrade loses."""
    ${downgrades if downgrades else "pass"}
