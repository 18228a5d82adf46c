"""api: tokens and their act-as audit, calendar feeds, webhook endpoints, events, deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:51:21.672213
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_webhook_events")),
        sa.UniqueConstraint("message_id", name=op.f("uq_careerlink_webhook_events_message_id")),
    )
    op.create_table(
        "careerlink_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind = 'service' or user_id is not null",
            name=op.f("ck_careerlink_api_tokens_personal_has_owner"),
        ),
        sa.CheckConstraint(
            "kind in ('personal', 'service')", name=op.f("ck_careerlink_api_tokens_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_api_tokens_created_by_id_careerlink_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_api_tokens_user_id_careerlink_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_careerlink_api_tokens_token_hash")),
    )
    with op.batch_alter_table("careerlink_api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_careerlink_api_tokens_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "careerlink_calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_fetched_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_calendar_feeds_user_id_careerlink_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_calendar_feeds")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_careerlink_calendar_feeds_key_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_careerlink_calendar_feeds_user_id")),
    )
    op.create_table(
        "careerlink_webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_webhook_endpoints_created_by_id_careerlink_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_webhook_endpoints")),
    )
    op.create_table(
        "careerlink_api_token_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("acted_for_id", sa.Integer(), nullable=True),
        sa.Column("acted_for", sa.String(length=254), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acted_for_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_api_token_uses_acted_for_id_careerlink_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["careerlink_api_tokens.id"],
            name=op.f("fk_careerlink_api_token_uses_token_id_careerlink_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_api_token_uses")),
    )
    with op.batch_alter_table("careerlink_api_token_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_careerlink_api_token_uses_token_id"), ["token_id"], unique=False
        )

    op.create_table(
        "careerlink_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('queued', 'sending', 'sent', 'failed')",
            name=op.f("ck_careerlink_webhook_deliveries_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["careerlink_webhook_endpoints.id"],
            name=op.f("fk_careerlink_webhook_deliveries_endpoint_id_careerlink_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["careerlink_webhook_events.id"],
            name=op.f("fk_careerlink_webhook_deliveries_event_id_careerlink_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_webhook_deliveries")),
        sa.UniqueConstraint(
            "endpoint_id",
            "event_id",
            name=op.f("uq_careerlink_webhook_deliveries_endpoint_id_event_id"),
        ),
    )
    with op.batch_alter_table("careerlink_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_careerlink_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_careerlink_webhook_deliveries_event_id"), ["event_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("careerlink_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_webhook_deliveries_event_id"))
        batch_op.drop_index("ix_careerlink_webhook_deliveries_due")

    op.drop_table("careerlink_webhook_deliveries")
    with op.batch_alter_table("careerlink_api_token_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_api_token_uses_token_id"))

    op.drop_table("careerlink_api_token_uses")
    op.drop_table("careerlink_webhook_endpoints")
    op.drop_table("careerlink_calendar_feeds")
    with op.batch_alter_table("careerlink_api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_api_tokens_user_id"))

    op.drop_table("careerlink_api_tokens")
    op.drop_table("careerlink_webhook_events")
