"""An opening an alumnus posts at their organisation; staff approve it before students see it."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import TimestampMixin, UTCDateTime, utcnow


class OpeningState(enum.StrEnum):
    """Where a posted opening stands with the career office."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """A human name for the state."""
        return {
            "pending": _("Waiting for the career office"),
            "approved": _("Approved"),
            "rejected": _("Not approved"),
            "withdrawn": _("Withdrawn by the alumnus"),
        }[self.value]


class Opening(TimestampMixin, db.Model):
    """A job or internship at an alumnus's organisation, open until its closing date."""

    __tablename__ = "careerlink_openings"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'withdrawn')", name="state_known"
        ),
        # Students browse approved openings that have not closed, newest first.
        Index("ix_careerlink_openings_state_closes_on", "state", "closes_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    posted_by_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    organisation: Mapped[str] = mapped_column(String(160), nullable=False)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    location: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    remote: Mapped[bool] = mapped_column(default=False, nullable=False)
    industry_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_industries.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closes_on: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(
        String(20), nullable=False, default=OpeningState.PENDING.value
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Bumped on every edit the students would see, so a digest never repeats an opening.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    posted_by = relationship("User", foreign_keys=[posted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    industry = relationship("Industry")

    @property
    def state_enum(self) -> OpeningState:
        """The state as an enum member."""
        return OpeningState(self.state)

    def is_open(self, today: date) -> bool:
        """Approved by staff and not past its closing date: students may see it and ask."""
        return self.state == OpeningState.APPROVED.value and self.closes_on >= today

    def __repr__(self) -> str:
        return f"<Opening {self.id} {self.state} {self.title!r}>"


subscription_industries = Table(
    "careerlink_opening_subscription_industries",
    db.metadata,
    Column(
        "subscription_id",
        ForeignKey("careerlink_opening_subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "industry_id",
        ForeignKey("careerlink_industries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class OpeningSubscription(TimestampMixin, db.Model):
    """A person's weekly digest of new openings in the industries they chose (one per person)."""

    __tablename__ = "careerlink_opening_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    # Openings approved after this moment go in the next digest; it starts at subscribing.
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    industries = relationship(
        "Industry", secondary=subscription_industries, order_by="Industry.name"
    )


class OpeningDigestEntry(db.Model):
    """One opening sent to one subscriber: what makes a second run of the digest send nothing."""

    __tablename__ = "careerlink_opening_digest_entries"
    __table_args__ = (UniqueConstraint("subscription_id", "opening_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_opening_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    opening_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_openings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


__all__ = [
    "Opening",
    "OpeningDigestEntry",
    "OpeningState",
    "OpeningSubscription",
    "subscription_industries",
]
