"""speed: the staff queue reads its page through an index on (state, updated_at, id)

Additive: one index, which the previous release ignores.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 01:30:00.000000
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # The queue lists one state oldest-updated first: without it, every page sorted every
    # request of that state (thousands) to show fifty.
    op.create_index(
        "ix_careerlink_requests_state_updated",
        "careerlink_requests",
        ["state", "updated_at", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_careerlink_requests_state_updated", table_name="careerlink_requests")
