"""report counts: requests per month and listed alumni per industry, kept by triggers

Additive: two new tables, three indexes for the reports' programme and class-year filters
(one replaces the requests' student_id index), filled from the existing data, and the triggers that keep them on
the requests, the mentor profiles and their industries (careerlink/connections/counts.py and
careerlink/mentors/supply.py). The previous release keeps working: the triggers only write to
the new tables.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 07:50:00
"""

import sqlalchemy as sa
from alembic import op

from careerlink.connections import counts
from careerlink.mentors import supply

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_request_counts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("industry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "kind",
            "state",
            "relayed",
            "industry_id",
            name=op.f("pk_careerlink_request_counts"),
        ),
    )
    op.create_table(
        "careerlink_industry_supply",
        sa.Column("industry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("industry_id", name=op.f("pk_careerlink_industry_supply")),
    )
    # The reports' programme and class-year filters: the group's students, then their
    # requests from an index that holds what the reports count.
    op.create_index(
        "ix_careerlink_student_profiles_programme",
        "careerlink_student_profiles",
        ["programme", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_careerlink_student_profiles_class_year",
        "careerlink_student_profiles",
        ["class_year", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_careerlink_requests_student_report",
        "careerlink_requests",
        [
            "student_id",
            "created_at",
            "kind",
            "state",
            "relayed_at",
            "reviewed_at",
            "answered_at",
            "alumnus_id",
            "industry_id",
        ],
        unique=False,
    )
    op.drop_index("ix_careerlink_requests_student_id", table_name="careerlink_requests")
    connection = op.get_bind()
    # The triggers first, then the count: on PostgreSQL the rebuild locks the tables against
    # writers, so nothing lands between the two; SQLite has one writer.
    counts.create_triggers(connection)
    supply.create_triggers(connection)
    counts.rebuild(connection)
    supply.rebuild(connection)


def downgrade():
    connection = op.get_bind()
    supply.drop_triggers(connection)
    counts.drop_triggers(connection)
    op.create_index(
        "ix_careerlink_requests_student_id", "careerlink_requests", ["student_id"], unique=False
    )
    op.drop_index("ix_careerlink_requests_student_report", table_name="careerlink_requests")
    op.drop_index(
        "ix_careerlink_student_profiles_class_year", table_name="careerlink_student_profiles"
    )
    op.drop_index(
        "ix_careerlink_student_profiles_programme", table_name="careerlink_student_profiles"
    )
    op.drop_table("careerlink_industry_supply")
    op.drop_table("careerlink_request_counts")
