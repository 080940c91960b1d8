"""Statement attachments: each attachment's bytes once by sha2, linked to the statements that carry it.

Revision ID: l0004_attachments
Revises: l0003_documents

xAPI 1.0.3 Data §2.4.11 and Communication §1.5.2. ``lrs_attachment`` holds the raw data
of every attachment received in a multipart/mixed request, keyed by its SHA-2 (hex, lower
case), so that the same file sent with many statements is kept once.
``lrs_statement_attachment`` links a statement (by its sequence) to the attachments it was
stored with: GET ?attachments=true returns only data linked to the statements it returns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0004_attachments"
down_revision = "l0003_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_attachment",
        sa.Column("sha2", sa.String(128), primary_key=True),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "lrs_statement_attachment",
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("sha2", sa.String(128), sa.ForeignKey("lrs_attachment.sha2"), nullable=False),
        sa.PrimaryKeyConstraint("sequence", "sha2", name="pk_lrs_statement_attachment"),
    )
    op.create_index("ix_lrs_statement_attachment_sha2", "lrs_statement_attachment", ["sha2"])


def downgrade() -> None:
    op.drop_table("lrs_statement_attachment")
    op.drop_table("lrs_attachment")
