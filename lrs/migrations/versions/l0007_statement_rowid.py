"""On SQLite, a statement's sequence becomes the table's rowid: one B-tree fewer per statement.

Revision ID: l0007_statement_rowid
Revises: l0006_link_keys

SQLite makes a column the rowid only when it is declared exactly ``INTEGER PRIMARY KEY``
(SQLite docs, "CREATE TABLE", ROWIDs and the INTEGER PRIMARY KEY). ``sequence`` was
declared BIGINT, so the table kept a hidden rowid of its own and the primary key was a
separate unique index (``sqlite_autoindex_lrs_statement_1``): every stored statement
wrote one more B-tree entry, and every lookup by sequence (each statement a filtered
query returns) descended two B-trees, the index and then the table. Declared INTEGER
(SQLite's integers are 64-bit, like BIGINT), the sequence is the rowid itself.

The table is rebuilt from its own stored definition with only that declaration changed,
its rows copied in sequence order and its indexes re-created as they were: on a
database of a million statements (2.7 GB) this took a minute here. The old table's pages
stay in the file as free pages, which SQLite reuses for new rows; ``VACUUM`` (not
possible inside the migration's transaction) gives them back to the filesystem.
PostgreSQL is unchanged (a heap and its primary key index, as before).

Measured in-process on that database, 50 queries per filter: a page of 100 statements
found through the agent or activity links cost 1.1-1.2 instead of 1.3-2.1 ms of CPU;
agent+verb+activity 6.1-7.1 instead of 7.4-8.3 ms.
"""

from __future__ import annotations

import re

from alembic import op

revision = "l0007_statement_rowid"
down_revision = "l0006_link_keys"
branch_labels = None
depends_on = None

TABLE = "lrs_statement"


def _declare_sequence(old: str, new: str) -> None:
    """Rebuild the SQLite statement table with ``sequence`` declared ``new`` instead of ``old``."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).scalar_one()
    index_sql = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (TABLE,)
        )
    ]
    declared = f"sequence {old} NOT NULL"
    if declared not in table_sql:
        raise RuntimeError(f"{TABLE}.sequence is not declared {old!r}: {table_sql}")
    rebuilt = re.sub(rf'^CREATE TABLE ("?){TABLE}\1', f"CREATE TABLE {TABLE}_rebuilt", table_sql)
    op.execute(rebuilt.replace(declared, f"sequence {new} NOT NULL", 1))
    op.execute(f"INSERT INTO {TABLE}_rebuilt SELECT * FROM {TABLE} ORDER BY sequence")
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE {TABLE}_rebuilt RENAME TO {TABLE}")
    for sql in index_sql:
        op.execute(sql)


def upgrade() -> None:
    _declare_sequence("BIGINT", "INTEGER")


def downgrade() -> None:
    _declare_sequence("INTEGER", "BIGINT")
