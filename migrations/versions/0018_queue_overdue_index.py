"""speed: the staff queue's overdue count reads an index on (state, respond_by)

Additive: one index, which the previous release ignores.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 11:00:00.000000
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Every staff page counts the relayed requests past their answer date: without it, that
    # count read every relayed request's row (thousands) for its date.
    op.create_index(
        "ix_careerlink_requests_state_respond_by",
        "careerlink_requests",
        ["state", "respond_by"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_careerlink_requests_state_respond_by", table_name="careerlink_requests")
