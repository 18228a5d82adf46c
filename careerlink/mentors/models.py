"""Industries, offers, alumni mentor profiles and student profiles."""

from __future__ import annotations

import enum
import math
from datetime import UTC, date, datetime

from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from careerlink.extensions import db
from careerlink.i18n import format_date, office_zone
from careerlink.mentors import directory_index, supply
from careerlink.mentors.directory_index import CountedInDirectory, IndexedProfile
from careerlink.mentors.supply import IndustrySupply  # noqa: F401  (its table, in the metadata)
from careerlink.models import TimestampMixin, UTCDateTime, utcnow

BIO_MAX = 2000
INTRODUCTION_MAX = 1000
SHADOWING_TEXT_MAX = 1000
MAX_INDUSTRIES = 3
MAX_TAGS = 12
TAG_MAX = 40


class Offer(enum.StrEnum):
    """What an alumnus offers to students and graduates."""

    INTRODUCTION = "introduction"
    SHADOWING = "shadowing"
    INFORMATIONAL_INTERVIEW = "informational_interview"
    RESUME_REVIEW = "resume_review"
    REFERRAL = "referral"

    @property
    def label(self) -> str:
        """The human name of the offer."""
        return OFFER_LABELS[self]


# Lazy: each is translated when it is shown, in the page's or the email's language.
OFFER_LABELS: dict[Offer, str] = {
    Offer.INTRODUCTION: _l("Introduction"),
    Offer.SHADOWING: _l("Shadowing day"),
    Offer.INFORMATIONAL_INTERVIEW: _l("Informational interview"),
    Offer.RESUME_REVIEW: _l("Résumé review"),
    Offer.REFERRAL: _l("Referral"),
}


class VerificationStatus(enum.StrEnum):
    """Where a profile is in the career office's check that its owner graduated here."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def office_day(moment: datetime) -> date:
    """The career office's calendar day at `moment` (UTC outside an application)."""
    if not has_app_context():
        return moment.date()
    if moment.tzinfo is None:  # stored times are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(office_zone()).date()


def today() -> date:
    """Today in the career office's zone: the calendar the capacity and away rules use.

    The office's day, not the viewer's: whether an alumnus is away or full must be the same
    for every student at the same moment (and the directory's caches are shared across
    viewers), and an "away until" date an alumnus types means the office's calendar.
    """
    return office_day(utcnow())


def human_date(value: date) -> str:
    """A date as "3 March 2027", in the current language."""
    return format_date(value)


class Industry(CountedInDirectory, db.Model):
    """An industry alumni work in; inactive ones hide from filters but keep their profiles."""

    __tablename__ = "careerlink_industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    # The name in other languages, {"fr": "Santé"}; `name` is the source language's.
    translations: Mapped[dict | None] = mapped_column(JSON)

    @property
    def label(self) -> str:
        """The name in the current language (the source name when it has none)."""
        from careerlink.i18n import current_language

        return self.given_name_in(current_language()) or self.name

    def given_name_in(self, language: str) -> str | None:
        """The name an administrator gave it in `language`, else, for a default industry still
        under its shipped name, the shipped translation; None when it has neither."""
        from careerlink.mentors.industries import DEFAULT_NAMES, DEFAULT_TRANSLATIONS

        stored = (self.translations or {}).get(language)
        if stored:
            return stored
        if DEFAULT_NAMES.get(self.slug) == self.name:
            return DEFAULT_TRANSLATIONS.get(self.slug, {}).get(language)
        return None

    def __repr__(self) -> str:
        return f"<Industry {self.slug}>"


mentor_industries = Table(
    "careerlink_mentor_industries",
    db.metadata,
    Column(
        "profile_id",
        ForeignKey("careerlink_mentor_profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "industry_id",
        ForeignKey("careerlink_industries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_careerlink_mentor_industries_industry", "industry_id", "profile_id"),
)

# Listed alumni and capacity per industry, kept by triggers on the profiles and this table.
supply.attach(mentor_industries)

student_industries = Table(
    "careerlink_student_industries",
    db.metadata,
    Column(
        "profile_id",
        ForeignKey("careerlink_student_profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "industry_id",
        ForeignKey("careerlink_industries.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

_OFFER_COLUMNS = {
    Offer.INTRODUCTION: "offers_introduction",
    Offer.SHADOWING: "offers_shadowing",
    Offer.INFORMATIONAL_INTERVIEW: "offers_informational_interview",
    Offer.RESUME_REVIEW: "offers_resume_review",
    Offer.REFERRAL: "offers_referral",
}


# "Not accepting requests" is "unavailable until further notice".
UNAVAILABLE_FOREVER = date(9999, 12, 31)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class MentorProfile(IndexedProfile, TimestampMixin, db.Model):
    """An alumnus's directory entry: who they are, what they offer, how much they can take.

    Its search document and directory columns (IndexedProfile) are kept by `directory_index`.
    """

    __tablename__ = "careerlink_mentor_profiles"
    __table_args__ = (
        CheckConstraint(
            "verification_status in ('pending', 'approved', 'rejected')", name="status_known"
        ),
        CheckConstraint("monthly_capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("month_request_count >= 0", name="count_not_negative"),
        Index("ix_careerlink_mentor_profiles_confirmed", "last_confirmed_at"),
        # The responsiveness report's alumni not accepting requests, without reading every
        # profile (0017).
        Index("ix_careerlink_mentor_profiles_accepting", "accepting_requests", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    headline: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    employer: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    job_title: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    city: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    region: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    country: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    open_to_remote: Mapped[bool] = mapped_column(default=False, nullable=False)
    class_year: Mapped[int | None] = mapped_column()
    degree: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    programme: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    bio: Mapped[str] = mapped_column(Text, default="", nullable=False)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)

    offers_introduction: Mapped[bool] = mapped_column(default=False, nullable=False)
    offers_shadowing: Mapped[bool] = mapped_column(default=False, nullable=False)
    offers_informational_interview: Mapped[bool] = mapped_column(default=False, nullable=False)
    offers_resume_review: Mapped[bool] = mapped_column(default=False, nullable=False)
    offers_referral: Mapped[bool] = mapped_column(
        default=False, server_default=sa_false(), nullable=False
    )

    shadowing_location: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    shadowing_description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    shadowing_requirements: Mapped[str] = mapped_column(Text, default="", nullable=False)
    shadowing_max_students: Mapped[int] = mapped_column(default=1, nullable=False)

    monthly_capacity: Mapped[int] = mapped_column(default=2, nullable=False)
    accepting_requests: Mapped[bool] = mapped_column(default=True, nullable=False)
    away_until: Mapped[date | None] = mapped_column(Date)
    listed: Mapped[bool] = mapped_column(default=True, nullable=False)
    opted_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_text: Mapped[str | None] = mapped_column(Text)

    verification_status: Mapped[str] = mapped_column(
        String(10), default=VerificationStatus.PENDING.value, nullable=False
    )
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    last_confirmed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False
    )
    confirm_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stale_unlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    linkedin_url: Mapped[str | None] = mapped_column(String(300))
    # Set from the advancement CRM's flags (deceased, do not contact, confidential): never
    # listed while true, whatever the alumnus or staff do (careerlink.mentors.imports).
    withheld: Mapped[bool] = mapped_column(default=False, nullable=False)

    last_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    month_start: Mapped[date | None] = mapped_column(Date)
    month_request_count: Mapped[int] = mapped_column(default=0, nullable=False)
    response_rate: Mapped[float | None] = mapped_column()
    median_response_days: Mapped[float | None] = mapped_column()
    answered_count: Mapped[int] = mapped_column(default=0, nullable=False)
    asked_count: Mapped[int] = mapped_column(default=0, nullable=False)

    user = relationship(
        "User",
        foreign_keys=[user_id],
        backref=backref("mentor_profile", uselist=False, lazy="select"),
    )
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    industries: Mapped[list[Industry]] = relationship(
        secondary=mentor_industries, order_by=Industry.name
    )

    def __init__(self, **kwargs):
        """A new profile with its defaults set at once (not only at flush)."""
        defaults = {
            "verification_status": VerificationStatus.PENDING.value,
            "listed": True,
            "accepting_requests": True,
            "open_to_remote": False,
            "monthly_capacity": 2,
            "month_request_count": 0,
            "shadowing_max_students": 1,
            "tags": [],
            "directory_listed": False,
            "industry_key": "",
            "answered_count": 0,
            "asked_count": 0,
            "withheld": False,
        }
        for offer_column in _OFFER_COLUMNS.values():
            defaults[offer_column] = False
        super().__init__(**{**defaults, **kwargs})

    @property
    def offers(self) -> frozenset[Offer]:
        """The offers this alumnus makes."""
        return frozenset(o for o, col in _OFFER_COLUMNS.items() if getattr(self, col))

    @offers.setter
    def offers(self, values) -> None:
        chosen = {Offer(v) for v in values}
        for offer, col in _OFFER_COLUMNS.items():
            setattr(self, col, offer in chosen)

    @property
    def sorted_offers(self) -> list[Offer]:
        """The offers in the enum's order, for display."""
        return [o for o in Offer if o in self.offers]

    @property
    def display_name(self) -> str:
        """The alumnus's name as shown in the directory."""
        return self.user.display_name if self.user is not None else ""

    @property
    def location(self) -> str:
        """City, region and country, as far as they are known."""
        return ", ".join(p for p in (self.city, self.region, self.country) if p)

    @property
    def is_opted_in(self) -> bool:
        """The alumnus agreed to be listed and has not opted out since."""
        return self.opted_in_at is not None

    @property
    def is_visible(self) -> bool:
        """Shown in the directory: opted in, listed, verified by staff, and the account active."""
        return (
            self.is_opted_in
            and self.listed
            and not self.withheld
            and self.verification_status == VerificationStatus.APPROVED.value
            and (self.user is None or self.user.active is not False)
        )

    def compute_unavailable_until(self) -> date | None:
        """The first day a request may be sent again, or None if one may be sent now."""
        if not self.accepting_requests:
            return UNAVAILABLE_FOREVER
        until = self.away_until
        if self.month_start is not None and (self.month_request_count or 0) >= (
            self.monthly_capacity or 0
        ):
            full_until = _next_month(self.month_start)
            until = full_until if until is None or full_until > until else until
        return until

    def is_away(self, on: date | None = None) -> bool:
        """Away on that day (back on `away_until`)."""
        on = on or today()
        return self.away_until is not None and on < self.away_until

    def is_full(self, on: date | None = None) -> bool:
        """This month's requests have reached the alumnus's monthly capacity."""
        on = on or today()
        return (
            self.month_start == on.replace(day=1)
            and self.month_request_count >= self.monthly_capacity
        )

    def can_be_asked(self, on: date | None = None) -> tuple[bool, str | None]:
        """Whether a new request may be sent now, and if not, why (text for a badge)."""
        on = on or today()
        if not self.is_visible:
            return False, _("Not listed")
        if not self.accepting_requests:
            return False, _("Not accepting requests right now")
        if self.is_away(on):
            return False, _("Away until %(date)s", date=human_date(self.away_until))
        if self.is_full(on):
            return False, _("Full this month")
        return True, None

    def record_request(self, now: datetime | None = None) -> None:
        """Count a new request against this month's capacity and note when it came."""
        now = now or utcnow()
        # The office's month, the one `is_full` compares with `today()`.
        first = office_day(now).replace(day=1)
        if self.month_start != first:
            self.month_start = first
            self.month_request_count = 0
        self.month_request_count = (self.month_request_count or 0) + 1
        self.last_requested_at = now

    @property
    def usually_answers_within_days(self) -> int | None:
        """Whole days within which the alumnus usually answers, once requests exist."""
        if self.median_response_days is None:
            return None
        return max(1, math.ceil(self.median_response_days))

    def opt_in(self, consent_text: str, now: datetime | None = None) -> None:
        """Record the alumnus's consent to be listed and contacted through the career office."""
        now = now or utcnow()
        self.opted_in_at = now
        self.opted_out_at = None
        self.consent_text = consent_text
        self.listed = True
        self.last_confirmed_at = now

    def opt_out(self, now: datetime | None = None) -> None:
        """Withdraw consent: the profile leaves the directory at once."""
        self.opted_in_at = None
        self.opted_out_at = now or utcnow()
        self.listed = False

    def confirm_current(self, now: datetime | None = None) -> None:
        """The alumnus says the profile is still right; a stale unlisting is undone."""
        self.last_confirmed_at = now or utcnow()
        self.confirm_reminder_sent_at = None
        if self.stale_unlisted_at is not None:
            self.stale_unlisted_at = None
            self.listed = True

    def __repr__(self) -> str:
        return f"<MentorProfile {self.id} user={self.user_id}>"


class StudentProfile(TimestampMixin, db.Model):
    """What an alumnus sees about a requester: programme, year, interests, a short intro."""

    __tablename__ = "careerlink_student_profiles"
    __table_args__ = (
        # The reports' programme and class-year filters: that group's students, by index.
        Index("ix_careerlink_student_profiles_programme", "programme", "user_id"),
        Index("ix_careerlink_student_profiles_class_year", "class_year", "user_id"),
        # The outcomes report: a request's student's programme without reading the profile.
        Index("ix_careerlink_student_profiles_user_programme", "user_id", "programme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    programme: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    class_year: Mapped[int | None] = mapped_column()
    introduction: Mapped[str] = mapped_column(Text, default="", nullable=False)
    is_graduate: Mapped[bool] = mapped_column(default=False, nullable=False)

    user = relationship("User", backref=backref("student_profile", uselist=False, lazy="select"))
    industries: Mapped[list[Industry]] = relationship(
        secondary=student_industries, order_by=Industry.name
    )

    def __repr__(self) -> str:
        return f"<StudentProfile {self.id} user={self.user_id}>"


# The full-text objects are created and dropped with the profiles table.
directory_index.attach(MentorProfile.__table__)
