"""Profile rules: opt in and out, edit, pause, verify, keep fresh. No request or current_user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from careerlink import programme
from careerlink.audit import AuditAction, record
from careerlink.errors import DomainError, InvalidToken, NotAllowed
from careerlink.extensions import db
from careerlink.mentors import notifications
from careerlink.mentors.links import CONFIRM, confirm_link, read_confirm_token
from careerlink.mentors.models import (
    BIO_MAX,
    INTRODUCTION_MAX,
    MAX_INDUSTRIES,
    MAX_TAGS,
    SHADOWING_TEXT_MAX,
    TAG_MAX,
    Industry,
    MentorProfile,
    Offer,
    StudentProfile,
    VerificationStatus,
)
from careerlink.mentors.search import (
    CLASS_YEAR_MAX,
    CLASS_YEAR_MIN,
    SearchCriteria,
    SearchResult,
    parse_criteria,
    search_mentors,
)
from careerlink.models import utcnow
from careerlink.permissions import Role, is_staff

CAPACITY_MAX = 20
SHADOWING_STUDENTS_MAX = 10


def consent_text() -> str:
    """The consent an alumnus agrees to when opting in (CAREERLINK_MENTOR_CONSENT_TEXT), in
    their language when it is the shipped text."""
    return programme.readable("CAREERLINK_MENTOR_CONSENT_TEXT")


def get_profile_for(user) -> MentorProfile | None:
    """The user's mentor profile, if they have started one."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(_PROFILE_OF_USER, {"user_id": user.id})


def get_student_profile_for(user) -> StudentProfile | None:
    """The user's student profile, if they have written one."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(_STUDENT_PROFILE_OF_USER, {"user_id": user.id})


def student_profile_summary(user) -> Any | None:
    """The programme and class year of the user's student profile, as a row (None if they have
    not written one): what the account page shows, without a profile object."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.connection().execute(_STUDENT_SUMMARY, {"user_id": user.id}).first()


# Built once: the account page reads them on every visit.
_STUDENT_SUMMARY = select(StudentProfile.programme, StudentProfile.class_year).where(
    StudentProfile.user_id == bindparam("user_id")
)
_PROFILE_OF_USER = select(MentorProfile).where(MentorProfile.user_id == bindparam("user_id"))
_STUDENT_PROFILE_OF_USER = select(StudentProfile).where(
    StudentProfile.user_id == bindparam("user_id")
)


def can_edit_profile(actor, profile: MentorProfile) -> bool:
    """The owner edits their profile; admins edit anyone's."""
    return actor is not None and (actor.id == profile.user_id or actor.has_role(Role.ADMIN))


def can_view_profile(actor, profile: MentorProfile) -> bool:
    """Visible profiles are public; others only to their owner and staff."""
    return profile.is_visible or (
        actor is not None
        and getattr(actor, "is_authenticated", True)
        and (actor.id == profile.user_id or is_staff(actor))
    )


def _require_edit(actor, profile: MentorProfile) -> None:
    if not can_edit_profile(actor, profile):
        raise NotAllowed(_("You can only change your own profile."))


# --- opt in, opt out, pause --------------------------------------------------------------------


def opt_in(actor, agreed: bool) -> MentorProfile:
    """Record the alumnus's consent and start (or restart) their directory profile."""
    if actor is None or not actor.has_role(Role.ALUMNUS):
        raise NotAllowed(_("Only alumni accounts can join the mentor directory."))
    if not agreed:
        raise DomainError(_("Tick the box to agree before you join."), field="agree")
    profile = get_profile_for(actor)
    if profile is None:
        profile = MentorProfile(user=actor)
        db.session.add(profile)
    profile.opt_in(consent_text())
    from careerlink.mentors.imports.services import is_withheld

    profile.withheld = is_withheld(actor)
    if (
        profile.verification_status == VerificationStatus.PENDING.value
        and actor.alumnus_verified_at is not None
    ):
        # Staff already confirmed this person graduated here (the accounts page).
        profile.verification_status = VerificationStatus.APPROVED.value
        profile.verified_at = actor.alumnus_verified_at
        profile.verified_by_id = actor.alumnus_verified_by_id
    db.session.flush()  # the caller links to the new profile by its id
    return profile


def opt_out(actor, profile: MentorProfile) -> None:
    """Leave the directory at once; the profile is kept so that opting in again is quick."""
    _require_edit(actor, profile)
    profile.opt_out()


def set_accepting(actor, profile: MentorProfile, accepting: bool) -> None:
    """Pause or resume new requests without leaving the directory."""
    _require_edit(actor, profile)
    profile.accepting_requests = bool(accepting)


# --- editing ------------------------------------------------------------------------------------

_LINKEDIN_PATH = re.compile(r"^/(in|pub)/[A-Za-z0-9%_.\-~]+/?$")


def clean_linkedin_url(raw: str | None) -> str | None:
    """A canonical https LinkedIn profile URL, or None when empty; DomainError otherwise."""
    value = (raw or "").strip()
    if not value:
        return None
    problem = DomainError(
        _(
            "Enter the address of your LinkedIn profile, like "
            "https://www.linkedin.com/in/your-name."
        ),
        field="linkedin_url",
    )
    if len(value) > 300 or any(c.isspace() or c in "\"'<>" for c in value):
        raise problem
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise problem from None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password or port:
        raise problem
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        raise problem
    if not _LINKEDIN_PATH.match(parts.path or ""):
        raise problem
    return f"https://{host}{parts.path}"


def clean_tags(raw: str | list[str] | None) -> list[str]:
    """Comma-separated tags, trimmed and de-duplicated (case-insensitively), bounded."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = " ".join(str(item).split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise DomainError(_("Keep each tag under %(n)d characters.", n=TAG_MAX), field="tags")
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise DomainError(_("Choose at most %(n)d tags.", n=MAX_TAGS), field="tags")
    return tags


# Each field's "too long" message, whole (a translation may need another word order).
_TOO_LONG = {
    "headline": _l("The headline is %(length)d characters long; keep it under %(limit)d."),
    "employer": _l("The employer is %(length)d characters long; keep it under %(limit)d."),
    "job_title": _l("The job title is %(length)d characters long; keep it under %(limit)d."),
    "city": _l("The city is %(length)d characters long; keep it under %(limit)d."),
    "region": _l("The region is %(length)d characters long; keep it under %(limit)d."),
    "country": _l("The country is %(length)d characters long; keep it under %(limit)d."),
    "degree": _l("The degree is %(length)d characters long; keep it under %(limit)d."),
    "programme": _l("The programme is %(length)d characters long; keep it under %(limit)d."),
    "bio": _l("Your bio is %(length)d characters long; keep it under %(limit)d."),
    "shadowing_location": _l(
        "The shadowing place is %(length)d characters long; keep it under %(limit)d."
    ),
    "shadowing_description": _l(
        "What a day looks like is %(length)d characters long; keep it under %(limit)d."
    ),
    "shadowing_requirements": _l(
        "The requirements are %(length)d characters long; keep them under %(limit)d."
    ),
    "introduction": _l("Your introduction is %(length)d characters long; keep it under %(limit)d."),
}


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = (data.get(name) or "").strip()
    value = value.replace("\r\n", "\n")
    if len(value) > limit:
        raise DomainError(str(_TOO_LONG[name]) % {"length": len(value), "limit": limit}, field=name)
    return value


def _line(data: dict[str, Any], name: str, limit: int) -> str:
    return " ".join(_text(data, name, limit).split())


def _int(data: dict[str, Any], name: str, low: int, high: int, message: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=name) from None
    if not low <= number <= high:
        raise DomainError(message, field=name)
    return number


def _industries(slugs_or_ids, required: bool) -> list[Industry]:
    chosen = [str(v) for v in (slugs_or_ids or []) if str(v).strip()]
    if not chosen:
        if required:
            raise DomainError(_("Choose at least one industry."), field="industries")
        return []
    if len(chosen) > MAX_INDUSTRIES:
        raise DomainError(
            _("Choose at most %(n)d industries.", n=MAX_INDUSTRIES), field="industries"
        )
    found = list(db.session.scalars(select(Industry).where(Industry.slug.in_(chosen))))
    if len(found) != len(set(chosen)):
        raise DomainError(_("One of the industries is not in our list."), field="industries")
    return sorted(found, key=lambda i: i.name)


def save_profile(actor, profile: MentorProfile, data: dict[str, Any]) -> MentorProfile:
    """Validate and store a profile's fields; saving also confirms the profile is current."""
    _require_edit(actor, profile)
    offers = []
    for raw in data.get("offers") or []:
        try:
            offers.append(Offer(raw))
        except ValueError:
            raise DomainError(_("Choose offers from the list."), field="offers") from None
    industries = _industries(data.get("industries"), required=True)
    headline = _line(data, "headline", 160)
    if not headline:
        raise DomainError(_("Write a one-line headline."), field="headline")
    values: dict[str, Any] = {
        "headline": headline,
        "employer": _line(data, "employer", 160),
        "job_title": _line(data, "job_title", 160),
        "city": _line(data, "city", 100),
        "region": _line(data, "region", 100),
        "country": _line(data, "country", 100),
        "open_to_remote": bool(data.get("open_to_remote")),
        "class_year": _int(
            data,
            "class_year",
            CLASS_YEAR_MIN,
            date.today().year + 1,
            _(
                "Enter the year you graduated, between %(first)d and %(last)d.",
                first=CLASS_YEAR_MIN,
                last=date.today().year + 1,
            ),
        ),
        "degree": _line(data, "degree", 120),
        "programme": _line(data, "programme", 160),
        "bio": _text(data, "bio", BIO_MAX),
        "tags": clean_tags(data.get("tags")),
        "shadowing_location": _line(data, "shadowing_location", 200),
        "shadowing_description": _text(data, "shadowing_description", SHADOWING_TEXT_MAX),
        "shadowing_requirements": _text(data, "shadowing_requirements", SHADOWING_TEXT_MAX),
        "shadowing_max_students": _int(
            data,
            "shadowing_max_students",
            1,
            SHADOWING_STUDENTS_MAX,
            _("Choose between 1 and %(n)d students at once.", n=SHADOWING_STUDENTS_MAX),
        )
        or 1,
        "monthly_capacity": _int(
            data,
            "monthly_capacity",
            1,
            CAPACITY_MAX,
            _("Choose between 1 and %(n)d requests a month.", n=CAPACITY_MAX),
        ),
        "accepting_requests": bool(data.get("accepting_requests")),
        "away_until": data.get("away_until") or None,
        "listed": bool(data.get("listed")),
        "linkedin_url": clean_linkedin_url(data.get("linkedin_url")),
    }
    if values["monthly_capacity"] is None:
        raise DomainError(
            _("Say how many requests a month you can take."), field="monthly_capacity"
        )
    if Offer.SHADOWING in offers:
        if not values["shadowing_location"]:
            raise DomainError(
                _("Say where a shadowing day takes place."), field="shadowing_location"
            )
        if not values["shadowing_description"]:
            raise DomainError(
                _("Describe what a shadowing day looks like."), field="shadowing_description"
            )
    away = values["away_until"]
    if away is not None and not isinstance(away, date):
        raise DomainError(_("Enter the date you are back, like 2027-03-03."), field="away_until")
    for name, value in values.items():
        setattr(profile, name, value)
    profile.offers = offers
    profile.industries = industries
    if profile.verification_status == VerificationStatus.REJECTED.value and actor.id == (
        profile.user_id
    ):
        profile.verification_status = VerificationStatus.PENDING.value
        profile.rejection_reason = None
    profile.confirm_current()
    return profile


# --- staff verification -------------------------------------------------------------------------


def pending_profiles_query():
    """Opted-in profiles waiting for staff to confirm their owner graduated here."""
    return (
        select(MentorProfile)
        .where(
            MentorProfile.verification_status == VerificationStatus.PENDING.value,
            MentorProfile.opted_in_at.is_not(None),
        )
        .order_by(MentorProfile.created_at, MentorProfile.id)
    )


def pending_profiles_count() -> int:
    """How many profiles wait for verification."""
    return db.session.scalar(select(func.count()).select_from(pending_profiles_query().subquery()))


def _require_staff(actor) -> None:
    if not is_staff(actor):
        raise NotAllowed(_("Only career-office staff can verify alumni."))


def approve_profile(actor, profile: MentorProfile) -> None:
    """Staff confirm the alumnus graduated here; the profile is listed and they are told."""
    _require_staff(actor)
    if profile.verification_status == VerificationStatus.APPROVED.value:
        raise DomainError(_("This profile is already approved."))
    now = utcnow()
    profile.verification_status = VerificationStatus.APPROVED.value
    profile.verified_at = now
    profile.verified_by_id = actor.id
    profile.rejection_reason = None
    record(AuditAction.PROFILE_APPROVED, actor=actor, obj=profile)
    if profile.user.alumnus_verified_at is None:
        profile.user.alumnus_verified_at = now
        profile.user.alumnus_verified_by_id = actor.id
    notifications.profile_approved(profile)


def reject_profile(actor, profile: MentorProfile, reason: str) -> None:
    """Staff refuse a profile with a reason, which is emailed to the alumnus."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why, so that the alumnus can put it right."), field="reason")
    if len(reason) > 1000:
        raise DomainError(_("Keep the reason under 1,000 characters."), field="reason")
    profile.verification_status = VerificationStatus.REJECTED.value
    profile.verified_at = utcnow()
    profile.verified_by_id = actor.id
    profile.rejection_reason = reason
    record(AuditAction.PROFILE_REJECTED, actor=actor, obj=profile)
    notifications.profile_rejected(profile, reason)


# --- freshness ----------------------------------------------------------------------------------


def profile_for_confirm_token(token: str) -> MentorProfile:
    """The profile a confirmation link is for; InvalidToken when it no longer applies."""
    data = read_confirm_token(token)
    profile_id = data.get("pid")
    profile = db.session.get(MentorProfile, profile_id) if isinstance(profile_id, int) else None
    if profile is None or profile.user_id != data.get("uid"):
        raise InvalidToken(_("This link is for a profile that no longer exists."), link=CONFIRM)
    if not profile.is_opted_in:
        raise InvalidToken(
            _("You have left the mentor directory. Sign in and join it again to be listed."),
            link=CONFIRM,
        )
    return profile


def confirm_by_token(token: str) -> MentorProfile:
    """Mark the profile as current from an emailed link (after the button is pressed)."""
    profile = profile_for_confirm_token(token)
    profile.confirm_current()
    return profile


def confirm_profile(actor, profile: MentorProfile) -> None:
    """The signed-in owner confirms the profile is current."""
    _require_edit(actor, profile)
    profile.confirm_current()


@dataclass
class FreshnessResult:
    """What one run of the freshness check did."""

    reminded: int = 0
    unlisted: int = 0


def _days(name: str) -> timedelta:
    return timedelta(days=int(programme.value(name)))


def run_freshness(now: datetime | None = None) -> FreshnessResult:
    """Remind alumni of 11-month-old profiles; unlist those unconfirmed for 12 (idempotent)."""
    now = now or utcnow()
    remind_before = now - _days("CAREERLINK_PROFILE_REMIND_AFTER_DAYS")
    unlist_before = now - _days("CAREERLINK_PROFILE_UNLIST_AFTER_DAYS")
    result = FreshnessResult()
    live = (
        MentorProfile.opted_in_at.is_not(None),
        MentorProfile.listed.is_(True),
    )
    stale = db.session.scalars(
        select(MentorProfile).where(*live, MentorProfile.last_confirmed_at <= unlist_before)
    ).all()
    for profile in stale:
        profile.listed = False
        profile.stale_unlisted_at = now
        notifications.profile_unlisted(profile)
        result.unlisted += 1
    due = db.session.scalars(
        select(MentorProfile).where(
            *live,
            MentorProfile.last_confirmed_at <= remind_before,
            MentorProfile.last_confirmed_at > unlist_before,
            MentorProfile.confirm_reminder_sent_at.is_(None),
        )
    ).all()
    for profile in due:
        profile.confirm_reminder_sent_at = now
        notifications.profile_confirm(profile)
        result.reminded += 1
    return result


# --- student profiles ---------------------------------------------------------------------------


def save_student_profile(actor, data: dict[str, Any], owner=None) -> StudentProfile:
    """Create or update the short profile alumni see in a relayed request."""
    owner = owner or actor
    if actor is None or (actor.id != owner.id and not actor.has_role(Role.ADMIN)):
        raise NotAllowed(_("You can only change your own profile."))
    profile = get_student_profile_for(owner)
    if profile is None:
        profile = StudentProfile(user=owner)
        db.session.add(profile)
    profile.programme = _line(data, "programme", 160)
    profile.class_year = _int(
        data,
        "class_year",
        CLASS_YEAR_MIN,
        CLASS_YEAR_MAX,
        _(
            "Enter a year between %(first)d and %(last)d.",
            first=CLASS_YEAR_MIN,
            last=CLASS_YEAR_MAX,
        ),
    )
    profile.introduction = _text(data, "introduction", INTRODUCTION_MAX)
    profile.is_graduate = bool(data.get("is_graduate"))
    profile.industries = _industries(data.get("industries"), required=False)
    return profile


__all__ = [
    "NotAllowed",
    "SearchCriteria",
    "SearchResult",
    "approve_profile",
    "can_edit_profile",
    "can_view_profile",
    "clean_linkedin_url",
    "clean_tags",
    "confirm_link",
    "confirm_by_token",
    "get_profile_for",
    "get_student_profile_for",
    "opt_in",
    "opt_out",
    "parse_criteria",
    "reject_profile",
    "run_freshness",
    "save_profile",
    "save_student_profile",
    "search_mentors",
    "set_accepting",
]
