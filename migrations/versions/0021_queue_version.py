"""queue version: one row whose value changes with everything the staff queue shows

Additive. `careerlink_queue_state` holds one version that triggers on the requests, their
events, the users (a name's change, a deletion) and the mentor profiles (a load column's change)
set to a new random value in the writing transaction (careerlink/connections/queue_version.py);
the staff queue's cached page body is keyed by it. No table is rebuilt.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from careerlink.connections import queue_version

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_queue_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_queue_state")),
    )
    queue_version.create_triggers(op.get_bind())


def downgrade():
    queue_version.drop_triggers(op.get_bind())
    op.drop_table("careerlink_queue_state")
