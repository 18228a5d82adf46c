"""requests: the industry each counts under, and the system's close when the alumnus left

Adds `careerlink_requests.industry_id` (the alumnus's industry when the request was made,
backfilled from each alumnus's profile: the first of their industries by name), its index for
the reports' industry filter, the column at the end of the reports' covering index, and the
state `alumnus_left` to the CHECK constraint on `state`.

SQLite cannot alter a CHECK constraint, and rebuilding the table (Alembic's batch mode) would
drop it with foreign keys on, which deletes every request's history by cascade. So on SQLite
the CHECK's text is rewritten in place (the procedure SQLite documents for changing a
constraint that existing rows already satisfy: writable_schema, then a new schema_version),
and the column is added with ALTER TABLE ... ADD COLUMN.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 03:50:00
"""

import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import conv  # a final name: the naming convention leaves it as is

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "careerlink_requests"
CHECK = conv("ck_careerlink_requests_state_known")
FK = conv("fk_careerlink_requests_industry_id_careerlink_industries")
INDEX = "ix_careerlink_requests_industry_created"
REPORT_INDEX = "ix_careerlink_requests_report"
REPORT_COLUMNS = [
    "created_at",
    "kind",
    "state",
    "relayed_at",
    "reviewed_at",
    "answered_at",
    "alumnus_id",
    "student_id",
]
OLD_STATES = (
    "state IN ('submitted', 'needs_info', 'declined_by_staff', 'relayed', 'declined_by_alumnus', "
    "'expired', 'withdrawn', 'introduced', 'scheduled', 'cancelled', 'completed')"
)
NEW_STATES = OLD_STATES[:-1] + ", 'alumnus_left')"
SQLITE_FK = (
    f",\n\tCONSTRAINT {FK} FOREIGN KEY(industry_id) REFERENCES careerlink_industries (id) "
    "ON DELETE SET NULL"
)
SQLITE_FK_PATTERN = (
    rf",\s*CONSTRAINT\s+{FK}\s+FOREIGN\s+KEY\s*\(\s*industry_id\s*\)\s+REFERENCES\s+"
    r"careerlink_industries\s*\(\s*id\s*\)\s+ON\s+DELETE\s+SET\s+NULL"
)
BACKFILL = sa.text(
    f"""
    UPDATE {TABLE} SET industry_id = (
        SELECT mi.industry_id
        FROM careerlink_mentor_profiles p
        JOIN careerlink_mentor_industries mi ON mi.profile_id = p.id
        JOIN careerlink_industries i ON i.id = mi.industry_id
        WHERE p.user_id = {TABLE}.alumnus_id
        ORDER BY i.name, i.id
        LIMIT 1
    )
    """
)


def _sqlite_schema() -> str:
    return (
        op.get_bind()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        )
        .scalar()
    )


def _sqlite_rewrite(old: str, new: str) -> None:
    """Replace text in the table's CREATE statement (a change existing rows already satisfy)."""
    conn = op.get_bind()
    sql = _sqlite_schema()
    if old not in sql:
        raise RuntimeError(f"{TABLE}'s schema does not hold {old!r}")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(old, new, 1), TABLE),
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # A new column is NULL in every row, so the foreign key added to the text holds.
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN industry_id INTEGER")
        _sqlite_rewrite(OLD_STATES, NEW_STATES)
        body = _sqlite_schema().rstrip()
        _sqlite_rewrite(body, body[:-1].rstrip() + SQLITE_FK + "\n)")
    else:
        op.add_column(TABLE, sa.Column("industry_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            FK, TABLE, "careerlink_industries", ["industry_id"], ["id"], ondelete="SET NULL"
        )
        op.drop_constraint(CHECK, TABLE, type_="check")
        op.create_check_constraint(CHECK, TABLE, NEW_STATES)
    op.create_index(INDEX, TABLE, ["industry_id", "created_at"], unique=False)
    op.execute(BACKFILL)
    # The reports' covering index gains the industry (the per-industry counts read it alone).
    op.drop_index(REPORT_INDEX, table_name=TABLE)
    op.create_index(REPORT_INDEX, TABLE, [*REPORT_COLUMNS, "industry_id"], unique=False)


def downgrade():
    # The previous release knows no `alumnus_left`: those requests read as declined by staff,
    # as that release closed them.
    op.execute(f"UPDATE {TABLE} SET state = 'declined_by_staff' WHERE state = 'alumnus_left'")
    op.drop_index(REPORT_INDEX, table_name=TABLE)
    op.create_index(REPORT_INDEX, TABLE, REPORT_COLUMNS, unique=False)
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(NEW_STATES, OLD_STATES)
        # SQLite drops no column a foreign key names: the clause goes first, as the CHECK did.
        # A later revision may have rebuilt the table (0014 does), which writes the clause in
        # its own spacing: look for it by pattern.
        found = re.search(SQLITE_FK_PATTERN, _sqlite_schema())
        if found is None:
            raise RuntimeError(f"{TABLE}'s schema has no foreign key on industry_id")
        _sqlite_rewrite(found.group(0), "")
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN industry_id")
    else:
        op.drop_constraint(CHECK, TABLE, type_="check")
        op.create_check_constraint(CHECK, TABLE, OLD_STATES)
        op.drop_constraint(FK, TABLE, type_="foreignkey")
        op.drop_column(TABLE, "industry_id")
