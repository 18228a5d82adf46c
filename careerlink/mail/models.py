"""Outbox rows and their attachments."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.mail import private
from careerlink.mail.events import email_label
from careerlink.models import UTCDateTime, utcnow

# The language an email was written in, as its HTML part declares it (<html lang="fr" ...>).
_HTML_LANG = re.compile(r'<html[^>]*\slang="([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)"')


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
    # none_as_null: clearing it stores SQL NULL (not JSON null), so `IS NULL` finds it.
    deferred: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[str] = mapped_column(
        String(10), default=OutboxStatus.QUEUED.value, nullable=False
    )
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A one-click unsubscribe address (RFC 8058): sent as List-Unsubscribe with
    # List-Unsubscribe-Post, for bulk mail such as invitations.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )

    @property
    def label(self) -> str:
        """What this email is, in words, in the reader's language."""
        return email_label(self.event, self.audience)

    @property
    def language(self) -> str | None:
        """The language the email is written in (its recipient's), when it is written."""
        match = _HTML_LANG.search((self.body_html or "")[:500])
        return match.group(1) if match else None

    @property
    def recipients_display(self) -> str:
        """Recipients joined for display."""
        return ", ".join(self.recipients or [])

    # --- what staff see: private links said in words --------------------------------------

    @property
    def is_deferred(self) -> bool:
        """Whether the worker has yet to decide this message's content (and whether to send it)."""
        return self.deferred is not None

    @property
    def staff_subject(self) -> str:
        """The subject as staff may read it."""
        if self.is_deferred:
            return _("(written by the mail worker when it sends this message)")
        return private.redact(self.subject)

    @property
    def staff_text(self) -> str:
        """The text body as staff may read it."""
        return private.redact(self.body_text)

    @property
    def lost_private_links(self) -> bool:
        """Whether the message's private links were erased (sent, or failed for good)."""
        return self.secrets is None and private.has_placeholders(
            self.subject, self.body_text, self.body_html
        )

    # --- what the recipient gets: decrypted just before sending ---------------------------

    def deliverable_subject(self) -> str:
        """The subject with its private links put back."""
        return private.reveal(self.subject, private.unseal(self.secrets))

    def deliverable_text(self) -> str:
        """The text body with its private links put back."""
        return private.reveal(self.body_text, private.unseal(self.secrets))

    def deliverable_html(self) -> str | None:
        """The HTML body with its private links put back (HTML-escaped)."""
        return private.reveal(self.body_html, private.unseal(self.secrets), html=True)

    def deliverable(self) -> Deliverable:
        """This message as the transports send it, its private links put back."""
        values = private.unseal(self.secrets)
        return Deliverable(
            self,
            subject=private.reveal(self.subject, values),
            body_text=private.reveal(self.body_text, values),
            body_html=private.reveal(self.body_html, values, html=True),
        )

    def erase_secrets(self) -> None:
        """Forget the private links: the message was delivered or will never be."""
        self.secrets = None

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


class Deliverable:
    """An outbox row as sent: its own subject and bodies, every other attribute the row's.

    The real links live only in this object, never on the row, so they cannot be flushed to
    the database by accident.
    """

    def __init__(self, row: OutboxMessage, *, subject: str, body_text: str, body_html: str | None):
        self.row = row
        self.subject = subject
        self.body_text = body_text
        self.body_html = body_html
        self._bytes: bytes | None = None

    def as_bytes(self) -> bytes:
        """The MIME message as sent, built once."""
        if self._bytes is None:
            from careerlink.mail.transports import message_bytes  # transports import models

            self._bytes = message_bytes(self)
        return self._bytes

    def __getattr__(self, name: str):
        return getattr(self.row, name)

    def __repr__(self) -> str:
        return f"<Deliverable of {self.row!r}>"


class WorkerState(db.Model):
    """When a background worker last finished a pass: one row per worker ("mail", "webhooks").

    Written once per pass (a single-row upsert), read by /healthz/worker and /healthz/webhooks
    and the `status` commands, so monitoring can tell a stopped worker from an idle one.
    """

    __tablename__ = "careerlink_worker_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_pass_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # hostname:pid of the process that wrote last, to find it among several machines.
    last_worker: Mapped[str] = mapped_column(String(200), nullable=False)
