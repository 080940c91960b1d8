"""Statements, their index tables, the commit sequence and projections.

Revision ID: l0002_statements
Revises: l0001_credentials

Each statement is kept as its JSON text plus lifted, indexed columns; who and what it
mentions goes into two link tables with a relation column (after lrsql's
statement_to_actor / statement_to_activity), so that every query parameter of
GET /xapi/statements is an index lookup. ``lrs_statement_counter`` is the one-row table
whose row lock orders writers, so that ``sequence`` follows commit order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0002_statements"
down_revision = "l0001_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_statement",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("verb_iri", sa.Text, nullable=False),
        sa.Column("registration", sa.String(36), nullable=True),
        sa.Column("actor_ifi", sa.Text, nullable=True),
        sa.Column("object_activity_id", sa.Text, nullable=True),
        sa.Column("object_agent_ifi", sa.Text, nullable=True),
        sa.Column("object_statement_id", sa.String(36), nullable=True),
        sa.Column("authority_ifi", sa.Text, nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("voided_by", sa.String(36), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("uq_lrs_statement_statement_id", "lrs_statement", ["statement_id"], unique=True)
    op.create_index("ix_lrs_statement_verb", "lrs_statement", ["verb_iri", "sequence"])
    op.create_index("ix_lrs_statement_registration", "lrs_statement", ["registration", "sequence"])
    op.create_index("ix_lrs_statement_authority", "lrs_statement", ["authority_ifi", "sequence"])
    op.create_index("ix_lrs_statement_stored", "lrs_statement", ["stored"])
    op.create_index("ix_lrs_statement_target", "lrs_statement", ["object_statement_id"])

    op.create_table(
        "lrs_statement_agent",
        sa.Column("ifi", sa.Text, nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("ifi", "relation", "sequence", name="pk_lrs_statement_agent"),
    )
    op.create_index("ix_lrs_statement_agent_sequence", "lrs_statement_agent", ["sequence"])
    op.create_table(
        "lrs_statement_activity",
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "relation", "sequence", name="pk_lrs_statement_activity"),
    )
    op.create_index("ix_lrs_statement_activity_sequence", "lrs_statement_activity", ["sequence"])

    counter = op.create_table(
        "lrs_statement_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
        sa.Column("last_stored", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(counter, [{"id": 1, "last_sequence": 0, "last_stored": None}])

    op.create_table(
        "lrs_registration_projection",
        sa.Column("statement_id", sa.String(36), primary_key=True),
        sa.Column("agent_ifi", sa.Text, nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_lrs_registration_projection_agent", "lrs_registration_projection", ["agent_ifi", "stored"]
    )


def downgrade() -> None:
    op.drop_table("lrs_registration_projection")
    op.drop_table("lrs_statement_counter")
    op.drop_table("lrs_statement_activity")
    op.drop_table("lrs_statement_agent")
    op.drop_table("lrs_statement")
