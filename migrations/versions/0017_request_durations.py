"""request durations: each request's review and answer time, answer class, outcomes and ratings

Additive: eight nullable integer columns on the requests (added with ALTER TABLE ADD COLUMN, so
SQLite rebuilds nothing and the counting triggers of 0016 stay), one covering index over them,
the triggers that keep them (careerlink/connections/durations.py on the requests,
careerlink/connections/outcome_marks.py on the outcomes and feedback), filled from the existing
data, an index of the alumni by whether they accept requests and one of the students'
programmes by student. The previous release keeps
working: it never reads the new columns, and the triggers keep them as it writes.

On PostgreSQL the fill rewrites every reviewed request: `VACUUM ANALYZE careerlink_requests`
afterwards (or autovacuum, later) lets the reports' index-only scans skip the table again.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from careerlink.connections import durations, outcome_marks

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = [
    ("review_month", sa.Integer()),
    ("review_seconds", sa.BigInteger()),
    ("answer_month", sa.Integer()),
    ("answer_seconds", sa.BigInteger()),
    ("relay_answer", sa.SmallInteger()),
    ("outcome_bits", sa.SmallInteger()),
    ("student_rating", sa.SmallInteger()),
    ("alumnus_rating", sa.SmallInteger()),
]


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("careerlink_requests", sa.Column(name, type_, nullable=True))
    connection = op.get_bind()
    # The triggers first, then the fill: a request changed meanwhile is right either way.
    # `legacy`: the UTC month columns of this revision (0020 made them minutes).
    durations.create_triggers(connection, legacy=True)
    outcome_marks.create_triggers(connection)
    durations.rebuild(connection, legacy=True)
    outcome_marks.rebuild(connection)
    op.create_index(
        "ix_careerlink_requests_numbers",
        "careerlink_requests",
        [
            "created_at",
            "industry_id",
            "student_id",
            "review_month",
            "review_seconds",
            "answer_month",
            "answer_seconds",
            "alumnus_id",
            "relay_answer",
            "outcome_bits",
            "student_rating",
            "alumnus_rating",
        ],
        unique=False,
    )
    op.create_index(
        "ix_careerlink_mentor_profiles_accepting",
        "careerlink_mentor_profiles",
        ["accepting_requests", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_careerlink_student_profiles_user_programme",
        "careerlink_student_profiles",
        ["user_id", "programme"],
        unique=False,
    )


def downgrade():
    outcome_marks.drop_triggers(op.get_bind())
    durations.drop_triggers(op.get_bind())
    op.drop_index(
        "ix_careerlink_student_profiles_user_programme", table_name="careerlink_student_profiles"
    )
    op.drop_index(
        "ix_careerlink_mentor_profiles_accepting", table_name="careerlink_mentor_profiles"
    )
    op.drop_index("ix_careerlink_requests_numbers", table_name="careerlink_requests")
    # DROP COLUMN itself (SQLite 3.35 and later), not a batch rebuild of the table, which
    # would drop the counting triggers of 0016 and lose the partial unique index's WHERE.
    for name, _type in reversed(COLUMNS):
        op.execute(f"ALTER TABLE careerlink_requests DROP COLUMN {name}")
