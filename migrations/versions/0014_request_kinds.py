"""request kinds: informational interviews, résumé reviews and referrals (issue 17)

Additive: new nullable columns on requests, `offers_referral` (default false) on mentor
profiles, a longer `kind` column (30 characters: "informational_interview"), and wider CHECK
constraints and open-pair index (every value the previous release writes is still allowed), so
the previous release keeps working.

On SQLite the requests table is rebuilt to change its CHECK constraints. Dropping the old table
with foreign keys on would delete every request's history through ON DELETE CASCADE, so the
rebuild turns them off first; SQLite ignores that inside a transaction, and then this revision
refuses to run on a database that has requests (run `flask db upgrade` again: it starts here).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 03:50:00
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('introduction', 'shadowing')"
NEW_KINDS = (
    "kind IN ('introduction', 'shadowing', 'informational_interview', 'resume_review', 'referral')"
)
OLD_STATES = (  # as 0013 left it
    "state IN ('submitted', 'needs_info', 'declined_by_staff', 'relayed', 'declined_by_alumnus', "
    "'expired', 'withdrawn', 'introduced', 'scheduled', 'cancelled', 'completed', "
    "'alumnus_left')"
)
NEW_STATES = "state IN ('submitted', 'needs_info', 'declined_by_staff', 'relayed', 'slot_proposed', 'declined_by_alumnus', 'expired', 'withdrawn', 'introduced', 'scheduled', 'reviewed', 'referral_accepted', 'referred', 'cancelled', 'completed', 'alumnus_left')"  # noqa: E501
OLD_OPEN = "state IN ('submitted', 'needs_info', 'relayed')"
NEW_OPEN = "state IN ('submitted', 'needs_info', 'relayed', 'slot_proposed')"
OLD_OUTCOMES = "kind IN ('informational_interview', 'job_interview', 'internship', 'job_offer')"
NEW_OUTCOMES = (
    "kind IN ('informational_interview', 'referred', 'job_interview', 'internship', 'job_offer')"
)


def _foreign_keys_off() -> bool:
    """On SQLite, turn foreign keys off for a table rebuild; whether they were on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    op.execute("PRAGMA foreign_keys=OFF")
    still_on = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if still_on and bind.exec_driver_sql("SELECT count(*) FROM careerlink_requests").scalar():
        raise RuntimeError(
            "Revision 0014 rebuilds careerlink_requests and cannot turn SQLite's foreign keys "
            "off inside this transaction; run `flask db upgrade` again so that it runs first."
        )
    return True


def _foreign_keys_on(was_sqlite: bool) -> None:
    if was_sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def _swap_checks(
    kinds: str, states: str, open_sql: str, outcomes: str, *, adding: bool, sqlite: bool
) -> None:
    with op.batch_alter_table("careerlink_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_careerlink_requests_open_pair")
        batch_op.alter_column(
            "kind",
            existing_type=sa.String(length=20 if adding else 30),
            type_=sa.String(length=30 if adding else 20),
            existing_nullable=False,
        )
        batch_op.drop_constraint(batch_op.f("ck_careerlink_requests_kind_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_careerlink_requests_state_known"), type_="check")
        if adding:
            batch_op.add_column(
                sa.Column("proposed_slots", sa.JSON(), server_default="[]", nullable=False)
            )
            batch_op.add_column(sa.Column("meeting_format", sa.String(length=20), nullable=True))
            batch_op.add_column(sa.Column("meeting_place", sa.String(length=300), nullable=True))
            batch_op.add_column(
                sa.Column(
                    "scheduled_start", careerlink.models.UTCDateTime(timezone=True), nullable=True
                )
            )
            batch_op.add_column(sa.Column("scheduled_minutes", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("meeting_link", sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column("review_comments", sa.Text(), nullable=True))
            for prefix in ("resume", "review_file"):
                file_column = "resume_file" if prefix == "resume" else "review_file"
                batch_op.add_column(sa.Column(file_column, sa.String(length=40), nullable=True))
                batch_op.add_column(
                    sa.Column(f"{prefix}_type", sa.String(length=10), nullable=True)
                )
                batch_op.add_column(
                    sa.Column(f"{prefix}_name", sa.String(length=200), nullable=True)
                )
            batch_op.add_column(sa.Column("posting_url", sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column("opening_id", sa.Integer(), nullable=True))
            batch_op.add_column(
                sa.Column(
                    "referred_at", careerlink.models.UTCDateTime(timezone=True), nullable=True
                )
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_careerlink_requests_opening_id_careerlink_openings"),
                "careerlink_openings",
                ["opening_id"],
                ["id"],
                ondelete="SET NULL",
            )
        else:
            batch_op.drop_constraint(
                batch_op.f("fk_careerlink_requests_opening_id_careerlink_openings"),
                type_="foreignkey",
            )
            for column in (
                "referred_at",
                "opening_id",
                "posting_url",
                "review_file_name",
                "review_file_type",
                "review_file",
                "resume_name",
                "resume_type",
                "resume_file",
                "review_comments",
                "meeting_link",
                "scheduled_minutes",
                "scheduled_start",
                "meeting_place",
                "meeting_format",
                "proposed_slots",
            ):
                batch_op.drop_column(column)
        batch_op.create_check_constraint(
            batch_op.f("ck_careerlink_requests_kind_known"), sa.text(kinds)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_careerlink_requests_state_known"), sa.text(states)
        )
        batch_op.create_index(
            "uq_careerlink_requests_open_pair",
            ["student_id", "alumnus_id"],
            unique=True,
            sqlite_where=sa.text(open_sql),
            postgresql_where=sa.text(open_sql),
        )
    with op.batch_alter_table("careerlink_request_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_careerlink_request_outcomes_kind_known"), type_="check"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_careerlink_request_outcomes_kind_known"), sa.text(outcomes)
        )
    _foreign_keys_on(sqlite)


def upgrade():
    sqlite = _foreign_keys_off()  # first: before any statement opens a transaction
    with op.batch_alter_table("careerlink_mentor_profiles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offers_referral", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _swap_checks(NEW_KINDS, NEW_STATES, NEW_OPEN, NEW_OUTCOMES, adding=True, sqlite=sqlite)
    # Every process's directory snapshot (and a shared copy in Redis) has one array per offer:
    # a new structure makes each read the directory again, with the new offer.
    op.execute("UPDATE careerlink_directory_state SET structure = structure + 1")


def downgrade():
    sqlite = _foreign_keys_off()
    # Requests of the new kinds, and the states only they reach, cannot exist in the old schema.
    # (With SQLite's foreign keys off, their history is deleted by hand, not by cascade.)
    new_kinds = "('informational_interview', 'resume_review', 'referral')"
    for child in (
        "careerlink_request_events",
        "careerlink_request_feedback",
        "careerlink_request_outcomes",
    ):
        op.execute(
            f"DELETE FROM {child} WHERE request_id IN "
            f"(SELECT id FROM careerlink_requests WHERE kind IN {new_kinds})"
        )
    op.execute(f"DELETE FROM careerlink_requests WHERE kind IN {new_kinds}")
    op.execute("DELETE FROM careerlink_request_outcomes WHERE kind = 'referred'")
    _swap_checks(OLD_KINDS, OLD_STATES, OLD_OPEN, OLD_OUTCOMES, adding=False, sqlite=sqlite)
    with op.batch_alter_table("careerlink_mentor_profiles", schema=None) as batch_op:
        batch_op.drop_column("offers_referral")
    op.execute("UPDATE careerlink_directory_state SET structure = structure + 1")
