"""Outbox rows and their attachments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import UTCDateTime, utcnow


class OutboxStatus(enum.StrEnum):
    """Where a message is in its delivery."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One email waiting to be, being, or having been delivered."""

    __tablename__ = "careerlink_outbox"
    __table_args__ = (
        CheckConstraint("status in ('queued', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_careerlink_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(80), nullable=False)
    audience: Mapped[str] = mapped_column(String(40), nullable=False)
    recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Private links (reset, verification, answer links) never sit readable in the bodies: the
    # bodies hold placeholders, and the links are kept here encrypted until the message is
    # delivered or fails for good, then erased.
    secrets: Mapped[str | None] = mapped_column(Text)
    # A message whose content is decided by the worker (e.g. a reset asked for an address that
    # may have no account: the web request does the same work either way).
    deferred: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        String(10), default=OutboxStatus.QUEUED.value, nullable=False
    )
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    @property
    def recipients_display(self) -> str:
        """Recipients joined for display."""
        return ", ".join(self.recipients or [])

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.event} {self.status}>"


class OutboxAttachment(db.Model):
    """A file attached to an outbox message (an .ics invitation, for instance)."""

    __tablename__ = "careerlink_outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_outbox.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
