"""request minutes: the review and answer stamps become minutes since 1970 (UTC), not months

The speed report's months are the office's (CAREERLINK_TIME_ZONE), which SQLite cannot
convert to in a trigger: `review_month` and `answer_month` (YYYYMM, UTC) are renamed
`review_minute` and `answer_minute` and hold the minute reviewed_at and answered_at fell in
(careerlink/connections/durations.py); the report puts each in its office month, so a change
of the zone needs no recompute. ALTER TABLE RENAME COLUMN on both databases (SQLite 3.25 and
later): no batch rebuild, so every trigger on the requests stays; the covering index follows
the rename. The durations triggers are recreated for the new names and the column refilled.

Two indexes for the responsiveness report: `ix_careerlink_requests_answers`, the relayed
requests' alumnus and answer class by creation time (partial: relay_answer IS NOT NULL), and
`ix_careerlink_requests_alumnus_state` widened with relayed_at and answered_at (its paused
alumni read each one's last closed request without the table). Indexes only: no table is
rebuilt.

Not additive: the previous release reads `review_month` and fails on this schema.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from careerlink.connections import durations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

RENAMES = (("review_month", "review_minute"), ("answer_month", "answer_minute"))


def _rename(pairs) -> None:
    for old, new in pairs:
        op.execute(f"ALTER TABLE careerlink_requests RENAME COLUMN {old} TO {new}")


def upgrade():
    connection = op.get_bind()
    durations.drop_triggers(connection)
    _rename(RENAMES)
    durations.create_triggers(connection)
    durations.rebuild(connection)
    op.create_index(
        "ix_careerlink_requests_answers",
        "careerlink_requests",
        ["created_at", "alumnus_id", "relay_answer", "industry_id", "student_id"],
        unique=False,
        sqlite_where=sa.text("relay_answer IS NOT NULL"),
        postgresql_where=sa.text("relay_answer IS NOT NULL"),
    )
    _alumnus_state(["alumnus_id", "state", "relayed_at", "answered_at"])


def _alumnus_state(columns: list[str]) -> None:
    op.drop_index("ix_careerlink_requests_alumnus_state", table_name="careerlink_requests")
    op.create_index(
        "ix_careerlink_requests_alumnus_state", "careerlink_requests", columns, unique=False
    )


def downgrade():
    connection = op.get_bind()
    _alumnus_state(["alumnus_id", "state"])
    op.drop_index("ix_careerlink_requests_answers", table_name="careerlink_requests")
    durations.drop_triggers(connection)
    _rename((new, old) for old, new in RENAMES)
    durations.create_triggers(connection, legacy=True)
    durations.rebuild(connection, legacy=True)
