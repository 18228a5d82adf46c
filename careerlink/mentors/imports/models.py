"""The alumni records an import keeps (the CRM's copy) and the industry mapping table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import TimestampMixin, UTCDateTime


class AlumniRecord(TimestampMixin, db.Model):
    """One alumnus as the advancement CRM knows them; never listed, never able to sign in.

    Unique on (source, external_id) and on the preferred email: an import matches on the first,
    then on the second, so one person is one record. `user_id` links the account of the same
    person once one exists (an address match or an accepted invitation).
    """

    __tablename__ = "careerlink_alumni_records"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_careerlink_alumni_records_source_id"),
        Index("ix_careerlink_alumni_records_class_year", "class_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL"), unique=True
    )
    first_name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    preferred_name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    # Stored lower-cased; NULL for someone the CRM has no address for (never invited).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    other_emails: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    class_year: Mapped[int | None] = mapped_column()
    degree: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    programme: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    employer: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    job_title: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    # The CRM's own word for the industry, kept so that a mapping added later applies to it.
    industry_value: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    industry_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_industries.id", ondelete="SET NULL")
    )
    city: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    country: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    linkedin_url: Mapped[str | None] = mapped_column(String(300))
    deceased: Mapped[bool] = mapped_column(default=False, nullable=False)
    do_not_contact: Mapped[bool] = mapped_column(default=False, nullable=False)
    confidential: Mapped[bool] = mapped_column(default=False, nullable=False)
    last_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    industry = relationship("Industry")
    user = relationship("User")

    @property
    def display_name(self) -> str:
        """The name to greet the alumnus by: the preferred first name, then the last name."""
        return " ".join(p for p in (self.preferred_name or self.first_name, self.last_name) if p)

    @property
    def withheld(self) -> bool:
        """Deceased, do-not-contact or confidential: never listed, never invited."""
        return bool(self.deceased or self.do_not_contact or self.confidential)

    def __repr__(self) -> str:
        return f"<AlumniRecord {self.id} {self.source}:{self.external_id}>"


class IndustryAlias(db.Model):
    """A CRM's industry value (folded) and the CareerLink industry staff mapped it to."""

    __tablename__ = "careerlink_industry_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    value_key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    industry_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_industries.id", ondelete="CASCADE"), nullable=False
    )

    industry = relationship("Industry")
