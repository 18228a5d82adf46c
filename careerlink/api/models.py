"""API tables: tokens and their audit, calendar feeds, webhook endpoints, events and deliveries."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import UTCDateTime, utcnow


class TokenKind(enum.StrEnum):
    """A personal access token acts as its owner; a service token as nobody, or as a person."""

    PERSONAL = "personal"
    SERVICE = "service"


class ApiToken(db.Model):
    """A bearer token: only its SHA-256 is stored, with its scopes, expiry and revocation.

    A personal token belongs to `user_id` and acts as that user. A service token (a portal, a
    CRM) has no user; with the `act-as` scope it may name a user to act for, request by request
    (each such request is recorded in `ApiTokenUse`).
    """

    __tablename__ = "careerlink_api_tokens"
    __table_args__ = (
        CheckConstraint("kind in ('personal', 'service')", name="kind_known"),
        CheckConstraint("kind = 'service' or user_id is not null", name="personal_has_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # The first characters of the token, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    def is_live(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def status(self) -> str:
        """ "active", "expired" or "revoked", for lists."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.kind} {self.prefix}>"


class ApiTokenUse(db.Model):
    """One request a service token made on behalf of a person (the act-as audit trail)."""

    __tablename__ = "careerlink_api_token_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_api_tokens.id", ondelete="CASCADE"), nullable=False, index=True
    )
    acted_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    # What the caller named (an email), kept even when it matched nobody.
    acted_for: Mapped[str] = mapped_column(String(254), nullable=False)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    allowed: Mapped[bool] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    token = relationship("ApiToken")
    acted_for_user = relationship("User")


class CalendarFeed(db.Model):
    """A person's secret calendar address: only the SHA-256 of its key is stored."""

    __tablename__ = "careerlink_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")


class WebhookEndpoint(db.Model):
    """An HTTPS address an admin registered, the events it wants and its signing secret.

    The secret (`whsec_...`) is needed to sign every delivery, so it cannot be hashed: it is
    stored encrypted with a key derived from SECRET_KEY (`webhooks.signing`).
    """

    __tablename__ = "careerlink_webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    secret_sealed: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookEvent(db.Model):
    """Something that happened, written in the same transaction as the change it reports."""

    __tablename__ = "careerlink_webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Standard Webhooks `webhook-id`: the same on every attempt, so receivers can dedupe.
    message_id: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class DeliveryStatus(enum.StrEnum):
    """Where one event's delivery to one endpoint is."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class WebhookDelivery(db.Model):
    """One event for one endpoint: attempts, the last answer, sent or failed for good."""

    __tablename__ = "careerlink_webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint("status in ('queued', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_careerlink_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_webhook_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(
        String(10), nullable=False, default=DeliveryStatus.QUEUED.value
    )
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[WebhookEvent] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.status}>"
