"""staff tools: the audit log, programme settings, account deletion, the FERPA hold,
and an index for the reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 01:16:16.052688

Additive only (new tables, a new index; new columns that are nullable or have a server
default), so the previous release's code runs against it unchanged.
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_audit_log_actor_id_careerlink_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_audit_log")),
    )
    with op.batch_alter_table("careerlink_audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_careerlink_audit_log_action_created_at", ["action", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_careerlink_audit_log_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_careerlink_audit_log_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "careerlink_programme_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_programme_settings_updated_by_id_careerlink_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_careerlink_programme_settings")),
    )
    with op.batch_alter_table("careerlink_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_careerlink_requests_report",
            [
                "created_at",
                "kind",
                "state",
                "relayed_at",
                "reviewed_at",
                "answered_at",
                "alumnus_id",
                "student_id",
            ],
            unique=False,
        )

    with op.batch_alter_table("careerlink_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("directory_hold", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("deleted_at", careerlink.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("careerlink_users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("directory_hold")

    with op.batch_alter_table("careerlink_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_careerlink_requests_report")

    op.drop_table("careerlink_programme_settings")
    with op.batch_alter_table("careerlink_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_careerlink_audit_log_actor_id"))
        batch_op.drop_index("ix_careerlink_audit_log_action_created_at")

    op.drop_table("careerlink_audit_log")
