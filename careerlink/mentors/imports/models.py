"""The alumni records an import keeps (the CRM's copy) and the industry mapping table."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import pgettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careerlink.extensions import db
from careerlink.models import TimestampMixin, UTCDateTime, utcnow


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
    # The invitation to opt in: sent, reminded once at most, accepted, or refused for good.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    industry = relationship("Industry")
    user = relationship("User", foreign_keys=[user_id])
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def display_name(self) -> str:
        """The name to greet the alumnus by: the preferred first name, then the last name."""
        return " ".join(p for p in (self.preferred_name or self.first_name, self.last_name) if p)

    @property
    def withheld(self) -> bool:
        """Deceased, do-not-contact or confidential: never listed, never invited."""
        return bool(self.deceased or self.do_not_contact or self.confidential)

    @property
    def invitation_status(self) -> str:
        """Where the invitation is, in words for the staff page (in the page's language)."""
        # A context of their own: other parts say "accepted" of requests, not of people.
        if self.accepted_at is not None:
            return pgettext("invitation status", "accepted")
        if self.unsubscribed_at is not None:
            return pgettext("invitation status", "unsubscribed")
        if self.invited_at is None:
            return pgettext("invitation status", "not invited")
        if self.reminded_at is not None:
            return pgettext("invitation status", "reminded")
        return pgettext("invitation status", "invited")

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


class ImportMapping(db.Model):
    """A mapping staff saved from the mapping step, to reuse for the next file of that layout."""

    __tablename__ = "careerlink_import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    columns: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    def as_mapping(self) -> dict:
        """The mapping as `presets.layout_from_mapping` reads it."""
        return {"source": self.source, "columns": self.columns}


class JobState(enum.StrEnum):
    """Where an import job is: waiting for its columns, for the worker, running, finished."""

    UPLOADED = "uploaded"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):
    """One uploaded file and one run over it (a dry run, or the real import), for the worker.

    The file, the progress and the per-row report are files in CAREERLINK_IMPORT_DIR named
    after `key`; the row holds the state and the totals.
    """

    __tablename__ = "careerlink_import_jobs"
    __table_args__ = (
        CheckConstraint(
            "state in ('uploaded', 'queued', 'running', 'done', 'failed')", name="state_known"
        ),
        Index("ix_careerlink_import_jobs_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    # {"name", "source", "columns", "any_value_flags"}: what presets.layout_from_mapping reads.
    layout: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    convert: Mapped[str | None] = mapped_column(String(10))
    dry_run: Mapped[bool] = mapped_column(default=True, nullable=False)
    state: Mapped[str] = mapped_column(String(10), default=JobState.UPLOADED.value, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    unknown_industries: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    summary: Mapped[str | None] = mapped_column(String(300))
    # The dry run this real run was started from (same file, same columns).
    preview_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_import_jobs.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User")

    @property
    def finished(self) -> bool:
        """Done or failed: nothing more will happen to this job."""
        return self.state in (JobState.DONE.value, JobState.FAILED.value)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.state}>"
