"""A registration's pin keeps no learner state: whether it is done is the LRS's completion fact.

Drops ``registration_version.state`` (and its CHECK): "in progress" is now a pin without a
completion fact (ARCHITECTURE.md, "Course completion"). A downgrade puts the column back
with every pin in progress, since the portal tables cannot know the LRS's facts.

Revision ID: c0004_pin_state_to_lrs
Revises: c0003_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0004_pin_state_to_lrs"
down_revision = "c0003_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registration_version") as batch:
        batch.drop_constraint("ck_registration_version_state", type_="check")
        batch.drop_column("state")


def downgrade() -> None:
    with op.batch_alter_table("registration_version") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="in_progress"))
        batch.create_check_constraint("ck_registration_version_state", "state IN ('in_progress', 'completed')")
