"""Portal: users, organizations, catalog entries, settings, outbox.

Revision ID: c0002_portal
Revises: c0001_packages
"""

from __future__ import annotations

revision = "c0002_portal"
down_revision = "c0001_packages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
