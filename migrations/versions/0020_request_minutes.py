"""request minutes: when each review and answer fell, in minutes; two indexes for responsiveness

Additive. The speed report's months are the office's (CAREERLINK_TIME_ZONE), which SQLite cannot
convert to in a trigger: two nullable columns, `review_minute` and `answer_minute`, hold the
minute (since 1970, UTC) reviewed_at and answered_at fell in (careerlink/connections/
durations.py), and the report puts each in its office month, so a change of the zone needs no
recompute. The durations triggers are recreated to keep them too, and they are filled.
`review_month` and `answer_month` (UTC, YYYYMM) stay, still kept, for the previous release,
which reads them; a later release drops them. ADD COLUMN and indexes only: no table is
rebuilt, so every other trigger on the requests stays.

Indexes: `ix_careerlink_requests_numbers` holds the minutes instead of the months (the previous
release's speed report then reads the table too: slower, the same figures);
`ix_careerlink_requests_answers`, the relayed requests' alumnus and answer class by creation
time (partial: relay_answer IS NOT NULL), for the responsiveness report; and
`ix_careerlink_requests_alumnus_state` widened with relayed_at and answered_at (its paused
alumni read each one's last closed request without the table).

On PostgreSQL the fill rewrites every reviewed request: `VACUUM ANALYZE careerlink_requests`
afterwards lets the reports' index-only scans skip the table again.

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

NUMBERS = [
    "created_at",
    "industry_id",
    "student_id",
    "review_{}",
    "review_seconds",
    "answer_{}",
    "answer_seconds",
    "alumnus_id",
    "relay_answer",
    "outcome_bits",
    "student_rating",
    "alumnus_rating",
]


def _numbers(stamp: str) -> None:
    op.drop_index("ix_careerlink_requests_numbers", table_name="careerlink_requests")
    op.create_index(
        "ix_careerlink_requests_numbers",
        "careerlink_requests",
        [c.format(stamp) for c in NUMBERS],
        unique=False,
    )


def _alumnus_state(columns: list[str]) -> None:
    op.drop_index("ix_careerlink_requests_alumnus_state", table_name="careerlink_requests")
    op.create_index(
        "ix_careerlink_requests_alumnus_state", "careerlink_requests", columns, unique=False
    )


def upgrade():
    for name in durations.MINUTES:
        op.add_column("careerlink_requests", sa.Column(name, sa.Integer(), nullable=True))
    connection = op.get_bind()
    # The triggers first, then the fill: a request changed meanwhile is right either way.
    durations.drop_triggers(connection)
    durations.create_triggers(connection)
    durations.rebuild(connection)
    _numbers("minute")
    op.create_index(
        "ix_careerlink_requests_answers",
        "careerlink_requests",
        ["created_at", "alumnus_id", "relay_answer", "industry_id", "student_id"],
        unique=False,
        sqlite_where=sa.text("relay_answer IS NOT NULL"),
        postgresql_where=sa.text("relay_answer IS NOT NULL"),
    )
    _alumnus_state(["alumnus_id", "state", "relayed_at", "answered_at"])


def downgrade():
    connection = op.get_bind()
    _alumnus_state(["alumnus_id", "state"])
    op.drop_index("ix_careerlink_requests_answers", table_name="careerlink_requests")
    _numbers("month")
    durations.drop_triggers(connection)
    durations.create_triggers(connection, legacy=True)
    # DROP COLUMN itself (SQLite 3.35 and later), not a batch rebuild of the table, which
    # would drop the counting triggers of 0016 and lose the partial unique index's WHERE.
    for name in reversed(durations.MINUTES):
        op.execute(f"ALTER TABLE careerlink_requests DROP COLUMN {name}")
