"""Portal catalog: catalog entries (courses, resources, in-person listings), topics, materials.

Revision ID: c0003_catalog
Revises: c0002_accounts
"""

from __future__ import annotations

revision = "c0003_catalog"
down_revision = "c0002_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
