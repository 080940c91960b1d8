"""Packages: courses, versions, materials, registration pins.

Revision ID: c0001_packages
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import JSONType

revision = "c0001_packages"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("activity_iri", sa.String(400), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("recommended_runtime", sa.String(64), nullable=True),
        sa.Column("credit_note", sa.Text, nullable=False),
        sa.Column("topics", JSONType, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("partner_slug", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name="ck_course_status"),
        sa.UniqueConstraint("slug", name="uq_course_slug"),
        sa.UniqueConstraint("activity_iri", name="uq_course_activity_iri"),
    )
    op.create_index("ix_course_partner_slug", "course", ["partner_slug"])
    op.create_table(
        "course_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("course.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("model", JSONType, nullable=False),
        sa.Column("report", JSONType, nullable=False),
        sa.Column("storage_backend", sa.String(32), nullable=False),
        sa.Column("storage_prefix", sa.String(300), nullable=False),
        sa.Column("file_count", sa.Integer, nullable=False),
        sa.Column("total_bytes", sa.BigInteger, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("course_id", "number", name="uq_course_version_number"),
        sa.UniqueConstraint("storage_prefix", name="uq_course_version_storage_prefix"),
    )
    op.create_index("ix_course_version_course_id", "course_version", ["course_id"])
    op.create_table(
        "course_material",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("course.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_backend", sa.String(32), nullable=False),
        sa.Column("storage_key", sa.String(400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("storage_key", name="uq_course_material_storage_key"),
    )
    op.create_index("ix_course_material_course_id", "course_material", ["course_id"])
    op.create_table(
        "registration_version",
        sa.Column("registration", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("course.id", ondelete="RESTRICT"), nullable=False),
        sa.Column(
            "version_id", sa.Integer, sa.ForeignKey("course_version.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('in_progress', 'completed')", name="ck_registration_version_state"),
    )
    op.create_index("ix_registration_version_course_id", "registration_version", ["course_id"])
    op.create_index("ix_registration_version_version_id", "registration_version", ["version_id"])


def downgrade() -> None:
    op.drop_table("registration_version")
    op.drop_table("course_material")
    op.drop_table("course_version")
    op.drop_table("course")
