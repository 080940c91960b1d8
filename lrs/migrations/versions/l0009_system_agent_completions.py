"""Rollcall's system agent, stored once, and the course-completion projection.

Revision ID: l0009_system_agent_completions
Revises: l0008_agent_link_verb

- ``lrs_system``: one row, the Agent that Rollcall puts in ``authority`` on the statements
  it issues itself (enrollment, course completion). It is written here, when the site's
  LRS is first set up, and never again: no setting feeds it, so it cannot drift when
  ``ROLLCALL_BASE_URL`` or anything else changes (ARCHITECTURE.md, "Course completion").
  It is the agent ``lrs.client.SYSTEM_AUTHORITY`` has always named.
- ``lrs_completion_projection``: registration -> its completion fact (lrs.projections),
  kept in the statement transaction and rebuildable from the statements.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "l0009_system_agent_completions"
down_revision = "l0008_agent_link_verb"
branch_labels = None
depends_on = None

#: The system agent as this migration stores it (a copy: the migration must not change
#: when the code's constant does).
SYSTEM_AGENT = {
    "objectType": "Agent",
    "name": "Rollcall",
    "account": {"homePage": "https://rollcall.invalid/lrs", "name": "system"},
}


def upgrade() -> None:
    system = op.create_table(
        "lrs_system",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(
        system,
        [{"id": 1, "agent": json.dumps(SYSTEM_AGENT), "created": datetime.now(UTC)}],
    )
    op.create_table(
        "lrs_completion_projection",
        sa.Column("registration", sa.String(36), primary_key=True),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("course_iri", sa.Text, nullable=False),
        sa.Column("agent_ifi", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_lrs_completion_projection_agent", "lrs_completion_projection", ["agent_ifi", "timestamp"]
    )


def downgrade() -> None:
    op.drop_table("lrs_completion_projection")
    op.drop_table("lrs_system")
