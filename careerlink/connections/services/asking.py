"""Asking: whether a user may ask an alumnus, submitting a request, revising it when sent back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from careerlink.accounts.models import User
from careerlink.connections.models import ConnectionRequest, RequestKind
from careerlink.connections.services.queries import open_count_for_student, open_request_between
from careerlink.connections.settings import (
    MAX_DAYS_AHEAD,
    MAX_PROPOSED_DATES,
    MESSAGE_MAX,
    MESSAGE_MIN,
    MIN_PROPOSED_DATES,
    max_open_requests,
)
from careerlink.errors import Conflict, DomainError
from careerlink.extensions import db
from careerlink.mentors.availability import count_request
from careerlink.mentors.models import MentorProfile, Offer
from careerlink.models import utcnow
from careerlink.permissions import Role, require


@dataclass
class AskStatus:
    """Whether a user may ask this alumnus now, and if not, why."""

    can_ask: bool
    reason: str | None = None
    kinds: list[RequestKind] = field(default_factory=list)
    existing: ConnectionRequest | None = None
    similar_industry: str | None = None
    needs_sign_in: bool = False


def offered_kinds(profile: MentorProfile) -> list[RequestKind]:
    """Which request kinds this alumnus offers."""
    kinds = []
    offers = profile.offers or []
    if Offer.INTRODUCTION in offers:
        kinds.append(RequestKind.INTRODUCTION)
    if Offer.SHADOWING in offers:
        kinds.append(RequestKind.SHADOWING)
    return kinds


def ask_status(profile: MentorProfile, user: User | None, today: date | None = None) -> AskStatus:
    """Decide whether `user` may ask `profile`'s alumnus for something, and say why not."""
    today = today or utcnow().date()
    industries = list(getattr(profile, "industries", None) or [])
    similar = industries[0].slug if industries else None
    kinds = offered_kinds(profile)
    status = AskStatus(can_ask=False, kinds=kinds, similar_industry=similar)
    ok, reason = profile.can_be_asked(today)
    if not ok:
        status.reason = reason or "This alumnus cannot take requests at the moment."
        return status
    if not kinds:
        status.reason = "This alumnus does not offer introductions or shadowing days."
        return status
    if user is None or not getattr(user, "is_authenticated", False):
        status.reason = "Sign in as a student to ask for an introduction or a shadowing day."
        status.needs_sign_in = True
        return status
    if user.id == profile.user_id:
        status.reason = "This is your own profile."
        return status
    if not user.has_role(Role.STUDENT):
        status.reason = "Only students and graduates can send requests."
        return status
    if not user.email_verified:
        status.reason = "Verify your email address before you send a request."
        return status
    existing = open_request_between(user.id, profile.user_id)
    if existing is not None:
        status.existing = existing
        status.reason = "You already have an open request with this alumnus."
        return status
    if open_count_for_student(user.id) >= max_open_requests():
        status.reason = (
            f"You have {max_open_requests()} open requests, the most allowed at once. "
            "Wait for an answer or withdraw one first."
        )
        return status
    status.can_ask = True
    return status


def check_message(message: str) -> str:
    """The message, stripped, if its length is within bounds."""
    message = (message or "").strip()
    if len(message) < MESSAGE_MIN:
        raise DomainError(
            f"Write at least {MESSAGE_MIN} characters so the alumnus knows why you are asking.",
            field="message",
        )
    if len(message) > MESSAGE_MAX:
        raise DomainError(f"Keep the message under {MESSAGE_MAX} characters.", field="message")
    return message


def check_proposed_dates(dates: list[date | None], today: date) -> list[str]:
    """Two or three distinct future working days, in order, as ISO strings."""
    chosen = sorted({d for d in dates if d is not None})
    if len(chosen) < MIN_PROPOSED_DATES:
        raise DomainError("Propose at least two different dates.", field="date1")
    if len(chosen) > MAX_PROPOSED_DATES:
        raise DomainError("Propose at most three dates.", field="date1")
    for d in chosen:
        if d <= today:
            raise DomainError("Propose dates after today.", field="date1")
        if d.weekday() >= 5:
            raise DomainError(
                f"{d.strftime('%A %d %B')} is a weekend day; propose working days.", field="date1"
            )
        if d > today + timedelta(days=MAX_DAYS_AHEAD):
            raise DomainError(
                f"Propose dates within the next {MAX_DAYS_AHEAD} days.", field="date1"
            )
    return [d.isoformat() for d in chosen]


def _lock_user(user_id: int) -> None:
    # Serialises one student's submissions on PostgreSQL so the open-request limit holds.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def request_industry_id(profile: MentorProfile) -> int | None:
    """The industry a new request to this alumnus counts under: the profile's first by name."""
    industries = sorted(profile.industries, key=lambda i: (i.name, i.id))
    return industries[0].id if industries else None


def submit_request(
    student: User,
    profile: MentorProfile,
    kind: RequestKind | str,
    *,
    hopes: str,
    why_alumnus: str,
    message: str,
    proposed_dates: list[date | None] | None = None,
    conduct_acknowledged: bool,
    now: datetime | None = None,
) -> ConnectionRequest:
    """A student asks an alumnus for an introduction or a shadowing day."""
    now = now or utcnow()
    kind = RequestKind(kind)
    status = ask_status(profile, student, today=now.date())
    if not status.can_ask:
        raise (Conflict if status.existing else DomainError)(status.reason)
    if kind not in status.kinds:
        raise DomainError(f"This alumnus does not offer {kind.label}.")
    if not conduct_acknowledged:
        raise DomainError("Please confirm that you have read the conduct policy.", field="conduct")
    hopes = (hopes or "").strip()
    why_alumnus = (why_alumnus or "").strip()
    if not hopes:
        raise DomainError("Say what you hope to learn.", field="hopes")
    if not why_alumnus:
        raise DomainError("Say why you are asking this alumnus.", field="why_alumnus")
    message = check_message(message)
    dates: list[str] = []
    if kind is RequestKind.SHADOWING:
        dates = check_proposed_dates(list(proposed_dates or []), now.date())
    _lock_user(student.id)
    if open_count_for_student(student.id) >= max_open_requests():
        raise DomainError(
            f"You have {max_open_requests()} open requests, the most allowed at once."
        )
    try:
        # The partial unique index refuses a second open request for the pair, whatever the
        # race. No savepoint: with SQLite's driver a SAVEPOINT opened before any write would
        # commit on release; the caller rolls the failed unit of work back.
        req = ConnectionRequest.submit(
            by=student,
            kind=kind,
            alumnus_id=profile.user_id,
            now=now,
            hopes=hopes,
            why_alumnus=why_alumnus,
            message=message,
            proposed_dates=dates,
            conduct_acknowledged_at=now,
            industry_id=request_industry_id(profile),
        )
    except IntegrityError:
        raise Conflict(
            "You already have an open request with this alumnus. Follow it from your account "
            "page, or withdraw it before asking again."
        ) from None
    count_request(profile, now)
    db.session.flush()
    return req


def revise_request(
    req: ConnectionRequest,
    student: User,
    *,
    hopes: str,
    why_alumnus: str,
    message: str,
    proposed_dates: list[date | None] | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The student answers the career office's question; the request returns to the queue."""
    now = now or utcnow()
    require(student.id == req.student_id, "Only the student who asked can revise this request.")
    changes = {
        "hopes": (hopes or "").strip() or req.hopes,
        "why_alumnus": (why_alumnus or "").strip() or req.why_alumnus,
        "message": check_message(message),
    }
    if req.is_shadowing:
        changes["proposed_dates"] = check_proposed_dates(list(proposed_dates or []), now.date())
    req.resubmit(
        by=student, note="Revised after the career office asked for detail.", now=now, **changes
    )
    return req
