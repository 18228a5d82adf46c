"""directory snapshot: each profile's last change version, and the directory's structure

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 01:30:00

Additive only. Every process keeps a snapshot of the directory in memory and catches up by
reading the profiles whose `directory_version` is newer than its own (hence the index);
`structure` changes when the snapshot must be read again whole (a deletion, an industry).
Existing profiles start at version 0: a snapshot is always first read whole. The two covering
indexes of revision 0002 go: counts and the browse order no longer scan them, and every profile
change paid for keeping them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# The filter columns both old directory indexes shared (as revision 0002 spelled them).
OLD_FILTER_COLUMNS = [
    "class_year",
    "open_to_remote",
    "offers_introduction",
    "offers_shadowing",
    "offers_informational_interview",
    "offers_resume_review",
    "unavailable_until",
]
PLACES = ["country", "region", "city", "programme"]


def upgrade():
    with op.batch_alter_table("careerlink_mentor_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_careerlink_mentor_profiles_directory_industries")
        batch_op.drop_index("ix_careerlink_mentor_profiles_directory")
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
        batch_op.create_index(
            "ix_careerlink_mentor_profiles_directory",
            ["directory_listed", *PLACES, *OLD_FILTER_COLUMNS, "industry_key", "last_requested_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_careerlink_mentor_profiles_directory_industries",
            ["directory_listed", "industry_key", *PLACES, *OLD_FILTER_COLUMNS],
            unique=False,
        )
