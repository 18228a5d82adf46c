"""operations: when the mail worker last finished a pass

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:00:00

Additive only (a new table), so the previous release's code runs against it unchanged.
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_worker_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_pass_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_worker", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_careerlink_worker_state")),
    )


def downgrade():
    op.drop_table("careerlink_worker_state")
