"""directory snapshot: each profile's last change version, and the directory's structure

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 01:30:00

Additive only. Every process keeps a snapshot of the directory in memory and catches up by
reading the profiles whose `directory_version` is newer than its own (hence the index);
`structure` changes when the snapshot must be read again whole (a deletion, an industry).
Existing profiles start at version 0: a snapshot is always first read whole.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("careerlink_mentor_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("directory_version", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_careerlink_mentor_profiles_directory_version"),
            ["directory_version"],
            unique=False,
        )
    with op.batch_alter_table("careerlink_directory_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("structure", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("careerlink_directory_state", schema=None) as batch_op:
        batch_op.drop_column("structure")
    with op.batch_alter_table("careerlink_mentor_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_mentor_profiles_directory_version"))
        batch_op.drop_column("directory_version")
