"""languages and time zones: a person's own language and zone, industry names in other languages

Additive: three nullable columns. The previous release keeps working (it never reads them).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("careerlink_users", sa.Column("locale", sa.String(length=16), nullable=True))
    op.add_column("careerlink_users", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.add_column("careerlink_industries", sa.Column("translations", sa.JSON(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch rebuild of the users table would drop
    # it and so cascade to every row that references a user.
    op.drop_column("careerlink_industries", "translations")
    op.drop_column("careerlink_users", "time_zone")
    op.drop_column("careerlink_users", "locale")
