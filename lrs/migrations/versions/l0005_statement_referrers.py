"""Indexes that let every statement query read about one page of index entries.

Revision ID: l0005_statement_referrers
Revises: l0004_attachments

GET /xapi/statements (xAPI 1.0.3 Part Three §2.1.3) returns a page in commit order, so
each filter is read from an index in sequence order and stops after a page
(``lrs.sql.queries``):

- ``ix_lrs_statement_referrer``: a partial index of the statements whose object is a
  StatementRef. A statement that targets a match matches too (Data §2.5.1, "Filter
  Conditions for StatementRefs"): the queries first probe this index for such a
  statement within their sequence bounds (usually there is none, and the StatementRef
  stream is skipped), and seed their recursive CTE from it otherwise.
- the link tables' ``(sequence)`` indexes become ``(ifi | activity_id, sequence,
  relation)``: an agent's or activity's links in commit order, relation included so the
  plain filters (actor/object) are read from the index alone.
- ``(stored)`` becomes ``(stored, sequence)``: since/until turn into a sequence range with
  one probe each (``stored`` never decreases with ``sequence``).

The number of indexes per table stays the same, so writes keep their cost.
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
    op.drop_index("ix_lrs_statement_stored", table_name="lrs_statement")
    op.create_index(
        "ix_lrs_statement_stored_sequence", "lrs_statement", ["stored", "sequence"]
    )
    op.drop_index("ix_lrs_statement_agent_sequence", table_name="lrs_statement_agent")
    op.create_index(
        "ix_lrs_statement_agent_ifi_sequence",
        "lrs_statement_agent",
        ["ifi", "sequence", "relation"],
    )
    op.drop_index(
        "ix_lrs_statement_activity_sequence", table_name="lrs_statement_activity"
    )
    op.create_index(
        "ix_lrs_statement_activity_id_sequence",
        "lrs_statement_activity",
        ["activity_id", "sequence", "relation"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_lrs_statement_activity_id_sequence", table_name="lrs_statement_activity"
    )
    op.create_index(
        "ix_lrs_statement_activity_sequence", "lrs_statement_activity", ["sequence"]
    )
    op.drop_index(
        "ix_lrs_statement_agent_ifi_sequence", table_name="lrs_statement_agent"
    )
    op.create_index(
        "ix_lrs_statement_agent_sequence", "lrs_statement_agent", ["sequence"]
    )
    op.drop_index("ix_lrs_statement_stored_sequence", table_name="lrs_statement")
    op.create_index("ix_lrs_statement_stored", "lrs_statement", ["stored"])
    op.drop_index("ix_lrs_statement_referrer", table_name="lrs_statement")
