"""Portal catalog: catalog entries (courses, resources, in-person listings), topics, materials.

Revision ID: c0003_catalog
Revises: c0002_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "c0003_catalog"
down_revision = "c0002_accounts"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "catalog_resources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_resources"),
        sa.UniqueConstraint("slug", name="uq_catalog_resources_slug"),
    )
    op.create_index("ix_catalog_resources_status", "catalog_resources", ["status"])
    op.create_table(
        "catalog_resource_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_resource_items"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name="fk_catalog_resource_items_resource_id_catalog_resources",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_catalog_resource_items_resource_id", "catalog_resource_items", ["resource_id"])
    op.create_table(
        "catalog_in_person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("registration_url", sa.String(500), nullable=False),
        sa.Column("topics", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_in_person"),
        sa.UniqueConstraint("slug", name="uq_catalog_in_person_slug"),
    )
    op.create_index("ix_catalog_in_person_status", "catalog_in_person", ["status"])


def downgrade() -> None:
    op.drop_table("catalog_in_person")
    op.drop_table("catalog_resource_items")
    op.drop_table("catalog_resources")
