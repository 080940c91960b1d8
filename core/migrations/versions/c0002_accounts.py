"""Portal accounts: users, organizations, email outbox, rate limits, site settings, FAQ.

Revision ID: c0002_accounts
Revises: c0001_packages
"""

from __future__ import annotations

revision = "c0002_accounts"
down_revision = "c0001_packages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
