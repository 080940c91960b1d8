"""Statements, their index tables, the commit sequence and projections.

Revision ID: l0002_statements
Revises: l0001_credentials
"""

from __future__ import annotations

revision = "l0002_statements"
down_revision = "l0001_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
