"""LRS credentials.

Revision ID: l0001_credentials
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lrs.db import JSONType

revision = "l0001_credentials"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_credential",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", JSONType, nullable=False),
        sa.Column("agent", JSONType, nullable=True),
        sa.Column("registration", sa.String(36), nullable=True),
        sa.Column("activity_prefix", sa.Text, nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("lrs_credential")
