"""One B-tree per statement link, and no index entry for statements that reference none.

Revision ID: l0006_link_keys
Revises: l0005_statement_referrers

Measured on the ingest path (bench/README.md, session 3): the statement transaction's
SQLite work (B-tree inserts and the WAL pages they dirty) cost several times the
storage's own ceiling, and most of the pages were the link tables'. Each link row was
kept three times: the table's rows, its primary key ``(ifi | activity_id, relation,
sequence)`` and the query index ``(ifi | activity_id, sequence, relation)``. Both keys
hold the same three columns, so the primary key becomes the query index's order and the
separate index goes:

- SQLite: the link tables become WITHOUT ROWID tables clustered on that key, so a link
  is one B-tree entry.
- PostgreSQL: the primary key is rebuilt in that order and the second index dropped
  (heap plus one index).

``ix_lrs_statement_target`` (voiding and StatementRef lookups by target id) becomes
partial, ``WHERE object_statement_id IS NOT NULL``: a statement whose object is not a
StatementRef no longer writes an entry. Every lookup through it compares the column with
a value, which implies the condition on both databases, so the index still serves them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0006_link_keys"
down_revision = "l0005_statement_referrers"
branch_labels = None
depends_on = None

REFERRER = sa.text("object_statement_id IS NOT NULL")
#: (table, key column, old query index)
LINKS = (
    ("lrs_statement_agent", "ifi", "ix_lrs_statement_agent_ifi_sequence"),
    ("lrs_statement_activity", "activity_id", "ix_lrs_statement_activity_id_sequence"),
)


def _rekey(table: str, columns: list[str], *, without_rowid: bool) -> None:
    """Give a link table (key, relation, sequence) the primary key ``columns``; on SQLite rebuilt, WITHOUT ROWID or not."""
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, columns)
        return
    key = columns[0]
    op.execute(
        f"CREATE TABLE {table}_rekeyed ({key} TEXT NOT NULL, relation VARCHAR(16) NOT NULL,"
        f" sequence BIGINT NOT NULL, CONSTRAINT pk_{table} PRIMARY KEY ({', '.join(columns)}))"
        + (" WITHOUT ROWID" if without_rowid else "")
    )
    op.execute(f"INSERT INTO {table}_rekeyed ({key}, relation, sequence) SELECT {key}, relation, sequence FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_rekeyed RENAME TO {table}")


def upgrade() -> None:
    for table, key, index in LINKS:
        op.drop_index(index, table_name=table)
        _rekey(table, [key, "sequence", "relation"], without_rowid=True)
    op.drop_index("ix_lrs_statement_target", table_name="lrs_statement")
    op.create_index(
        "ix_lrs_statement_target",
        "lrs_statement",
        ["object_statement_id"],
        sqlite_where=REFERRER,
        postgresql_where=REFERRER,
    )


def downgrade() -> None:
    op.drop_index("ix_lrs_statement_target", table_name="lrs_statement")
    op.create_index("ix_lrs_statement_target", "lrs_statement", ["object_statement_id"])
    for table, key, index in LINKS:
        _rekey(table, [key, "relation", "sequence"], without_rowid=False)
        op.create_index(index, table, [key, "sequence", "relation"])
