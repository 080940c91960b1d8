"""Certificates: issued certificate numbers pointing at completion facts.

Revision ID: c0005_certificates
Revises: c0004_pin_state_to_lrs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0005_certificates"
down_revision = "c0004_pin_state_to_lrs"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issued_certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("serial", sa.String(26), nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("name_shown", sa.String(200), nullable=True),
        sa.Column("course_title", sa.String(400), nullable=False),
        sa.Column("partner_name", sa.String(200), nullable=False),
        sa.Column("runtime", sa.String(100), nullable=False),
        sa.Column("credit_note", sa.Text(), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("holder_closed_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issued_certificates"),
        sa.UniqueConstraint("serial", name="uq_issued_certificates_serial"),
        sa.UniqueConstraint("registration", name="uq_issued_certificates_registration"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_issued_certificates_user_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name="fk_issued_certificates_course_id_course", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_issued_certificates_user_id", "issued_certificates", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_issued_certificates_user_id", table_name="issued_certificates")
    op.drop_table("issued_certificates")
