"""sessions revocable on the server; outbox secrets kept apart and encrypted

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:20:00
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("ended_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_sessions_user_id_careerlink_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_careerlink_sessions_key_hash")),
    )
    with op.batch_alter_table("careerlink_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_careerlink_sessions_user_id"), ["user_id"], unique=False
        )
    # Sessions are ended row by row now; the per-user version that signed all out is gone.
    with op.batch_alter_table("careerlink_users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("careerlink_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secrets", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("deferred", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("careerlink_outbox", schema=None) as batch_op:
        batch_op.drop_column("deferred")
        batch_op.drop_column("secrets")
    with op.batch_alter_table("careerlink_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("careerlink_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_sessions_user_id"))
    op.drop_table("careerlink_sessions")
