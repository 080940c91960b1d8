"""State, Activity Profile and Agent Profile documents; canonical activities and agents.

Revision ID: l0003_documents
Revises: l0002_statements
"""

from __future__ import annotations

revision = "l0003_documents"
down_revision = "l0002_statements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
