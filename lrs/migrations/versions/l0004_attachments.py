"""Statement attachments.

Revision ID: l0004_attachments
Revises: l0003_documents
"""

from __future__ import annotations

revision = "l0004_attachments"
down_revision = "l0003_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
