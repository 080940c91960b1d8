"""A partial index of the statements whose object is a StatementRef, by sequence.

Revision ID: l0005_statement_referrers
Revises: l0004_attachments

GET /xapi/statements also returns a statement whose object is a StatementRef when the
statement it targets matches the filters (xAPI 1.0.3 Data §2.5.1, "Filter Conditions for
StatementRefs"). ``lrs.sql.queries`` first probes this index for such a statement within
the query's sequence bounds (usually there is none, and the StatementRef stream is
skipped), and seeds its recursive CTE from it otherwise, instead of scanning the table.
Only StatementRef statements (voiding ones among them) are in it, so it stays small.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0005_statement_referrers"
down_revision = "l0004_attachments"
branch_labels = None
depends_on = None

REFERRER = sa.text("object_statement_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_lrs_statement_referrer",
        "lrs_statement",
        ["sequence"],
        sqlite_where=REFERRER,
        postgresql_where=REFERRER,
    )


def downgrade() -> None:
    op.drop_index("ix_lrs_statement_referrer", table_name="lrs_statement")
