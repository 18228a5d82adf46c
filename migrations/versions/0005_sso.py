"""campus sign-in: identities at providers; roles record the provider that granted them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import careerlink.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "careerlink_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", careerlink.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", careerlink.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["careerlink_users.id"],
            name=op.f("fk_careerlink_identities_user_id_careerlink_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careerlink_identities")),
        sa.UniqueConstraint(
            "provider", "subject", name=op.f("uq_careerlink_identities_provider_subject")
        ),
    )
    with op.batch_alter_table("careerlink_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_careerlink_identities_user_id"), ["user_id"], unique=False
        )
    with op.batch_alter_table("careerlink_user_roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sso_provider", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("careerlink_user_roles", schema=None) as batch_op:
        batch_op.drop_column("sso_provider")
    with op.batch_alter_table("careerlink_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careerlink_identities_user_id"))
    op.drop_table("careerlink_identities")
