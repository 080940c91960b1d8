"""State, Activity Profile and Agent Profile documents; canonical activities.

Revision ID: l0003_documents
Revises: l0002_statements

Dialect-neutral (SQLite and PostgreSQL). Long identities (IRIs, document ids, agents) are
reached through SHA-256 keys, so no index entry can exceed PostgreSQL's btree row limit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lrs.db import JSONType

revision = "l0003_documents"
down_revision = "l0002_statements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_document",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("doc_key", sa.String(64), nullable=False),
        sa.Column("scope_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("activity_id", sa.Text, nullable=True),
        sa.Column("agent_ifi", sa.Text, nullable=True),
        sa.Column("registration", sa.String(36), nullable=True),
        sa.Column("document_id", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lrs_document"),
        sa.UniqueConstraint("doc_key", name="uq_lrs_document_doc_key"),
    )
    op.create_index(
        "ix_lrs_document_scope_updated", "lrs_document", ["scope_key", "updated"]
    )
    op.create_table(
        "lrs_activity",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("definition", JSONType, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_lrs_activity"),
    )


def downgrade() -> None:
    op.drop_table("lrs_activity")
    op.drop_index("ix_lrs_document_scope_updated", table_name="lrs_document")
    op.drop_table("lrs_document")
