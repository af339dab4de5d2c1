"""Column and table factories the revisions share, so that a revision is the list of what it adds.

Every server table repeats the same few columns (the integer key, the treaty it belongs to, the
party or user a row refers to, its timestamps, the log index of its entry) and names its
constraints by one rule (``pk_<table>``, ``fk_<table>_<column>_<referred table>``,
``uq_<table>_<first column>``, ``ix_<table>_<column>``). Here each is written once, and
:class:`NewTable` and :class:`NewColumns` give a revision both its upgrade and its downgrade
from one description, so the two cannot drift apart.

These factories are history: revisions already shipped build their tables from them, so what
a factory makes must never change (``tests/store`` compares the migrated schema with a stored
copy). A new need is a new factory, or a plain ``sa.Column`` in the new revision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from alembic import op

__all__ = [
    "NewColumns",
    "NewTable",
    "Step",
    "key",
    "log_index",
    "refers",
    "salt",
    "steps",
    "timestamp",
    "treaty",
]

#: ``Column.info`` key of the table a column refers to (by its ``id``).
_REFERS = "armsctl.refers"


def key() -> sa.Column[Any]:
    """The integer ``id`` most tables are keyed by (:class:`NewTable`'s default primary key)."""
    return sa.Column("id", sa.Integer(), nullable=False)


def treaty() -> sa.Column[Any]:
    """``treaty_id``: the treaty a row belongs to (treaties are keyed by their string id)."""
    return sa.Column("treaty_id", sa.String(length=64), nullable=False, info={_REFERS: "treaties"})


def refers(name: str, table: str, *, nullable: bool = False) -> sa.Column[Any]:
    """An integer column referring to ``<table>.id`` (:class:`NewTable` adds the foreign key)."""
    return sa.Column(name, sa.Integer(), nullable=nullable, info={_REFERS: table})


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A timezone-aware timestamp (the models store every time in UTC)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def log_index() -> sa.Column[Any]:
    """``log_index``: the index of the log entry that records the row."""
    return sa.Column("log_index", sa.BigInteger(), nullable=False)


def salt(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """The 32-byte salt of a commitment the log carries (``SHA-256(salt || content)``)."""
    return sa.Column(name, sa.LargeBinary(length=32), nullable=nullable)


class Step(Protocol):
    """One change of a revision and its undoing."""

    def upgrade(self) -> None:
        """Make the change."""

    def downgrade(self) -> None:
        """Undo the change."""


class NewTable:
    """A table a revision creates: its columns, then its keys, unique columns and indexes.

    The foreign keys come from the columns :func:`treaty` and :func:`refers` made, in the order
    of their column names: the order Alembic wrote them in the first revisions, which SQLite
    keeps in the table's stored definition. The downgrade drops the indexes, last first, then
    the table.
    """

    def __init__(
        self,
        name: str,
        *columns: sa.Column[Any],
        primary_key: Sequence[str] = ("id",),
        unique: Sequence[str] = (),
        indexes: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.columns = columns
        self.primary_key = tuple(primary_key)
        self.unique = tuple(unique)
        self.indexes = tuple(indexes)
        self.references = sorted((c.name, c.info[_REFERS]) for c in columns if _REFERS in c.info)

    def upgrade(self) -> None:
        """Create the table and its indexes."""
        constraints: list[sa.Constraint] = [
            sa.ForeignKeyConstraint(
                [column], [f"{table}.id"], name=op.f(f"fk_{self.name}_{column}_{table}")
            )
            for column, table in self.references
        ]
        constraints.append(sa.PrimaryKeyConstraint(*self.primary_key, name=op.f(f"pk_{self.name}")))
        if self.unique:
            name = op.f(f"uq_{self.name}_{self.unique[0]}")
            constraints.append(sa.UniqueConstraint(*self.unique, name=name))
        # A column joins the one table it is given to: copies let the revision run again (tests
        # migrate many databases in one process).
        op.create_table(self.name, *(c._copy() for c in self.columns), *constraints)
        for column in self.indexes:
            op.create_index(op.f(f"ix_{self.name}_{column}"), self.name, [column], unique=False)

    def downgrade(self) -> None:
        """Drop the table's indexes and the table, with every row it holds."""
        for column in reversed(self.indexes):
            op.drop_index(op.f(f"ix_{self.name}_{column}"), table_name=self.name)
        op.drop_table(self.name)


class NewColumns:
    """Columns a revision adds to existing tables, one batch per table (SQLite needs batches).

    The downgrade drops them table by table and column by column, last first; on SQLite each
    batch that drops columns rebuilds its table once.
    """

    def __init__(self, added: Mapping[str, Sequence[sa.Column[Any]]]) -> None:
        self.added = {table: tuple(columns) for table, columns in added.items()}

    def upgrade(self) -> None:
        """Add the columns."""
        for table, columns in self.added.items():
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.add_column(column._copy())

    def downgrade(self) -> None:
        """Drop the columns and what they held."""
        for table, columns in reversed(self.added.items()):
            with op.batch_alter_table(table) as batch:
                for column in reversed(columns):
                    batch.drop_column(column.name)


def steps(*changes: Step) -> tuple[Callable[[], None], Callable[[], None]]:
    """A revision's ``upgrade`` and ``downgrade``: the changes in order, undone in reverse."""

    def upgrade() -> None:
        for change in changes:
            change.upgrade()

    def downgrade() -> None:
        for change in reversed(changes):
            change.downgrade()

    return upgrade, downgrade
