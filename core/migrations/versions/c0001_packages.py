"""Packages: courses, versions, files.

Revision ID: c0001_packages
Revises: 
"""

from __future__ import annotations

revision = "c0001_packages"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
