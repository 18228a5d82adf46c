"""Request rules: asking, review, answers, the clock, feedback. No request or current_user here."""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from careerlink.accounts.models import User, UserRole
from careerlink.connections import notifications
from careerlink.connections.models import (
    FEEDBACK_STATES,
    OPEN_STATES,
    ConnectionRequest,
    Outcome,
    RequestEvent,
    RequestFeedback,
    RequestKind,
    RequestOutcome,
    RequestState,
)
from careerlink.errors import Conflict, DomainError, InvalidToken, InvalidTransition
from careerlink.extensions import db
from careerlink.models import utcnow
from careerlink.permissions import Role, is_staff
from careerlink.tokens import make_token, read_token

log = logging.getLogger(__name__)

MESSAGE_MIN = 80
MESSAGE_MAX = 2000
ANSWER = "request-answer"
FEEDBACK = "request-feedback"
MAX_PROPOSED_DATES = 3
MIN_PROPOSED_DATES = 2
# Dates further out than this are more likely typos than plans.
MAX_DAYS_AHEAD = 180


def setting(name: str, default):
    """One CareerLink setting from the app config."""
    return current_app.config.get(name, default)


def max_open_requests() -> int:
    """How many open requests a student may have at once."""
    return int(setting("CAREERLINK_MAX_OPEN_REQUESTS", 3))


def response_days() -> int:
    """How many days an alumnus has to answer."""
    return int(setting("CAREERLINK_RESPONSE_DAYS", 7))


def complete_after_days() -> int:
    """How many days after an introduction the request completes."""
    return int(setting("CAREERLINK_COMPLETE_AFTER_DAYS", 14))


def pause_after_expiries() -> int:
    """How many requests in a row an alumnus may let expire before being paused."""
    return int(setting("CAREERLINK_PAUSE_AFTER_EXPIRIES", 3))


def conduct_policy() -> str:
    """The career office's conduct policy text the student acknowledges."""
    return setting("CAREERLINK_CONDUCT_POLICY", "") or DEFAULT_CONDUCT_POLICY


DEFAULT_CONDUCT_POLICY = (
    "Alumni volunteer their time. Be courteous and punctual, keep what you learn about their "
    "workplace confidential, do not ask for a job directly, and tell the career office if "
    "anything goes wrong."
)


# --- reading ----------------------------------------------------------------------------------


def get_request(request_id: int) -> ConnectionRequest | None:
    """A request by id."""
    return db.session.get(ConnectionRequest, request_id)


def mentor_profile(profile_id: int):
    """The mentor profile with this id, or None."""
    from careerlink.mentors.models import MentorProfile

    return db.session.get(MentorProfile, profile_id)


def profile_for_user(user_id: int):
    """The mentor profile of an alumnus, or None."""
    from careerlink.mentors.models import MentorProfile

    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user_id))


def student_profile_for(user_id: int):
    """The student profile of a user, or None."""
    from careerlink.mentors.models import StudentProfile

    return db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user_id))


def can_view_request(actor: User | None, req: ConnectionRequest) -> bool:
    """The student who asked, the alumnus once it was relayed to them, and staff."""
    if actor is None or not getattr(actor, "is_authenticated", True) or not actor.is_active:
        return False
    if is_staff(actor) or actor.id == req.student_id:
        return True
    return actor.id == req.alumnus_id and req.relayed_at is not None


def can_answer_request(actor: User | None, req: ConnectionRequest) -> bool:
    """Only the alumnus the request was relayed to answers it."""
    return actor is not None and actor.id == req.alumnus_id and req.relayed_at is not None


def open_count_for_student(student_id: int) -> int:
    """How many open requests a student has."""
    return db.session.scalar(
        select(func.count())
        .select_from(ConnectionRequest)
        .where(
            ConnectionRequest.student_id == student_id,
            ConnectionRequest.state.in_([s.value for s in OPEN_STATES]),
        )
    )


def open_request_between(student_id: int, alumnus_id: int) -> ConnectionRequest | None:
    """The student's open request to this alumnus, if any."""
    return db.session.scalar(
        select(ConnectionRequest).where(
            ConnectionRequest.student_id == student_id,
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.state.in_([s.value for s in OPEN_STATES]),
        )
    )


def requests_of_student(user: User) -> list[ConnectionRequest]:
    """A student's requests, newest first."""
    return list(
        db.session.scalars(
            select(ConnectionRequest)
            .where(ConnectionRequest.student_id == user.id)
            .order_by(ConnectionRequest.created_at.desc(), ConnectionRequest.id.desc())
        )
    )


def requests_for_alumnus(user: User) -> list[ConnectionRequest]:
    """The requests relayed to an alumnus, newest first (never those still under review)."""
    return list(
        db.session.scalars(
            select(ConnectionRequest)
            .where(
                ConnectionRequest.alumnus_id == user.id, ConnectionRequest.relayed_at.is_not(None)
            )
            .order_by(ConnectionRequest.relayed_at.desc(), ConnectionRequest.id.desc())
        )
    )


@dataclass
class Load:
    """An alumnus's current load, shown to staff before approving."""

    open_relayed: int
    month_count: int
    capacity: int | None
    response_rate: float | None
    median_days: float | None
    last_answer_at: datetime | None
    accepting: bool

    @property
    def label(self) -> str:
        """For example "2 waiting · 3 of 4 this month"."""
        cap = f" of {self.capacity}" if self.capacity else ""
        return f"{self.open_relayed} waiting · {self.month_count}{cap} this month"

    @property
    def rate_label(self) -> str:
        """For example "80% answered" or "no answers yet"."""
        if self.response_rate is None:
            return "no history yet"
        return f"{round(self.response_rate * 100)}% answered"


def load_of(alumnus_id: int, today: date | None = None) -> Load:
    """Open relayed requests, this month's requests against capacity, response statistics."""
    profile = profile_for_user(alumnus_id)
    open_relayed = db.session.scalar(
        select(func.count())
        .select_from(ConnectionRequest)
        .where(
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.state == RequestState.RELAYED.value,
        )
    )
    last_answer = db.session.scalar(
        select(func.max(ConnectionRequest.answered_at)).where(
            ConnectionRequest.alumnus_id == alumnus_id
        )
    )
    today = today or utcnow().date()
    month_count = 0
    if profile is not None:
        month_start = getattr(profile, "month_start", None)
        if month_start is not None and (month_start.year, month_start.month) == (
            today.year,
            today.month,
        ):
            month_count = profile.month_request_count or 0
    return Load(
        open_relayed=open_relayed,
        month_count=month_count,
        capacity=getattr(profile, "monthly_capacity", None),
        response_rate=getattr(profile, "response_rate", None),
        median_days=getattr(profile, "median_response_days", None),
        last_answer_at=last_answer,
        accepting=bool(getattr(profile, "accepting_requests", False)),
    )


@dataclass
class AskStatus:
    """Whether a user may ask this alumnus now, and if not, why."""

    can_ask: bool
    reason: str | None = None
    kinds: list[RequestKind] = field(default_factory=list)
    existing: ConnectionRequest | None = None
    similar_industry: str | None = None
    needs_sign_in: bool = False


def offered_kinds(profile) -> list[RequestKind]:
    """Which request kinds this alumnus offers."""
    from careerlink.mentors.models import Offer

    kinds = []
    offers = profile.offers or []
    if Offer.INTRODUCTION in offers:
        kinds.append(RequestKind.INTRODUCTION)
    if Offer.SHADOWING in offers:
        kinds.append(RequestKind.SHADOWING)
    return kinds


def ask_status(profile, user: User | None, today: date | None = None) -> AskStatus:
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


# --- asking -----------------------------------------------------------------------------------


def _check_message(message: str) -> str:
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


def submit_request(
    student: User,
    profile,
    kind: RequestKind | str,
    *,
    hopes: str,
    why_alumnus: str,
    message: str,
    proposed_dates: list[date | None] | None = None,
    conduct_acknowledged: bool,
    now: datetime | None = None,
) -> ConnectionRequest:
    """A student asks an alumnus for an introduction or a shadowing day (no commit)."""
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
    message = _check_message(message)
    dates: list[str] = []
    if kind is RequestKind.SHADOWING:
        dates = check_proposed_dates(list(proposed_dates or []), now.date())
    _lock_user(student.id)
    if open_count_for_student(student.id) >= max_open_requests():
        raise DomainError(
            f"You have {max_open_requests()} open requests, the most allowed at once."
        )
    req = ConnectionRequest(
        kind=kind.value,
        state=RequestState.SUBMITTED.value,
        student_id=student.id,
        alumnus_id=profile.user_id,
        hopes=hopes,
        why_alumnus=why_alumnus,
        message=message,
        proposed_dates=dates,
        conduct_acknowledged_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(req)
    try:
        # A savepoint: the partial unique index refuses a second open request for the pair.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "You already have an open request with this alumnus. Follow it from your account "
            "page, or withdraw it before asking again."
        ) from None
    db.session.add(
        RequestEvent(
            request_id=req.id,
            from_state=None,
            to_state=RequestState.SUBMITTED.value,
            actor_id=student.id,
            actor_role="student",
            note=None,
            created_at=now,
        )
    )
    profile.record_request(now)
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
    if student.id != req.student_id:
        raise DomainError("Only the student who asked can revise this request.")
    changes = {
        "hopes": (hopes or "").strip() or req.hopes,
        "why_alumnus": (why_alumnus or "").strip() or req.why_alumnus,
        "message": _check_message(message),
    }
    if req.is_shadowing:
        changes["proposed_dates"] = check_proposed_dates(list(proposed_dates or []), now.date())
    req.resubmit(
        by=student, note="Revised after the career office asked for detail.", now=now, **changes
    )
    return req


# --- staff review -----------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise DomainError("Only the career office can review requests.")


def approve_request(
    req: ConnectionRequest,
    staff: User,
    *,
    note: str | None = None,
    message: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """Relay the request to the alumnus; email the alumnus and tell the student."""
    _require_staff(staff)
    req.approve(by=staff, note=note, message=message, response_days=response_days(), now=now)
    notifications.request_relayed(req)
    return req


def ask_student_for_info(
    req: ConnectionRequest, staff: User, *, question: str, now: datetime | None = None
) -> ConnectionRequest:
    """Send the request back to the student with a question."""
    _require_staff(staff)
    question = (question or "").strip()
    if not question:
        raise DomainError("Write the question for the student.", field="question")
    req.ask_for_info(by=staff, question=question, now=now)
    notifications.request_needs_info(req)
    return req


def decline_by_staff(
    req: ConnectionRequest, staff: User, *, reason: str, now: datetime | None = None
) -> ConnectionRequest:
    """Decline with a reason for the student, who is pointed to similar alumni."""
    _require_staff(staff)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Write a reason for the student.", field="reason")
    req.decline_by_staff(by=staff, reason=reason, now=now)
    notifications.request_declined_by_staff(req)
    return req


@dataclass
class BulkResult:
    """What a bulk review did."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def bulk_review(
    request_ids: list[int], staff: User, *, action: str, reason: str | None = None
) -> BulkResult:
    """Approve or decline several requests; each one commits or is skipped on its own."""
    _require_staff(staff)
    if action not in ("approve", "decline"):
        raise DomainError("Choose approve or decline.")
    if action == "decline" and not (reason or "").strip():
        raise DomainError("Write a reason for the students to decline them.", field="reason")
    result = BulkResult()
    for request_id in request_ids:
        req = get_request(request_id)
        if req is None:
            result.skipped.append((request_id, "not found"))
            continue
        try:
            if action == "approve":
                approve_request(req, staff)
            else:
                decline_by_staff(req, staff, reason=reason or "")
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            result.skipped.append((request_id, err.message))
        else:
            result.done.append(request_id)
    return result


# --- the alumnus answers ----------------------------------------------------------------------


def answer_token(req: ConnectionRequest) -> str:
    """A signed token that lets this request's alumnus answer it without signing in."""
    return make_token(ANSWER, {"rid": req.id, "uid": req.alumnus_id})


def answer_token_max_age() -> int:
    """Seconds an answer link is valid: past the window, the request's state decides."""
    # The link must outlive a scheduled day (for cancelling), so the age limit is generous.
    return (response_days() + complete_after_days() + MAX_DAYS_AHEAD) * 86400


def request_for_answer_token(token: str) -> ConnectionRequest:
    """The request an answer link is for; raise InvalidToken when it is not valid."""
    data = read_token(ANSWER, token, max_age_seconds=answer_token_max_age())
    req = get_request(int(data.get("rid", 0) or 0))
    if req is None or req.alumnus_id != data.get("uid") or req.relayed_at is None:
        raise InvalidToken("This link is not valid.")
    return req


def accept_request(
    req: ConnectionRequest,
    alumnus: User,
    *,
    scheduled_date: date | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The alumnus accepts; both sides get the introduction (and an invitation for a day)."""
    now = now or utcnow()
    if not can_answer_request(alumnus, req):
        raise DomainError("Only the alumnus this request was sent to can answer it.")
    if req.is_shadowing:
        if scheduled_date is None:
            raise DomainError("Choose one of the proposed dates, or propose another.", field="date")
        if scheduled_date <= now.date():
            raise DomainError("Choose a date after today.", field="date")
    req.accept(
        by=alumnus, scheduled_date=scheduled_date if req.is_shadowing else None, note=note, now=now
    )
    if req.is_shadowing:
        notifications.shadowing_scheduled(req)
    else:
        notifications.introduction(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def decline_by_alumnus(
    req: ConnectionRequest, alumnus: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The alumnus declines; the student gets a kind email."""
    if not can_answer_request(alumnus, req):
        raise DomainError("Only the alumnus this request was sent to can answer it.")
    req.decline_by_alumnus(by=alumnus, note=note, now=now)
    notifications.request_declined_by_alumnus(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def withdraw_request(
    req: ConnectionRequest, student: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The student withdraws before acceptance; the alumnus is told only if it was relayed."""
    if student.id != req.student_id:
        raise DomainError("Only the student who asked can withdraw this request.")
    was_relayed = req.state == RequestState.RELAYED.value
    req.withdraw(by=student, note=note, now=now)
    if was_relayed:
        notifications.request_withdrawn(req)
    return req


def cancel_request(
    req: ConnectionRequest, actor: User, *, reason: str, now: datetime | None = None
) -> ConnectionRequest:
    """Either side cancels a scheduled shadowing day; both get a calendar cancellation."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why you are cancelling.", field="reason")
    if actor.id == req.student_id:
        role = "student"
    elif actor.id == req.alumnus_id:
        role = "alumnus"
    elif is_staff(actor):
        role = "staff"
    else:
        raise DomainError("Only the student, the alumnus or the career office can cancel.")
    req.cancel(by=actor, role=role, reason=reason, now=now)
    notifications.shadowing_cancelled(req)
    return req


# --- feedback and outcomes --------------------------------------------------------------------


def feedback_token(req: ConnectionRequest, side: str) -> str:
    """A signed token for one side's feedback form."""
    uid = req.student_id if side == "student" else req.alumnus_id
    return make_token(FEEDBACK, {"rid": req.id, "uid": uid, "side": side})


def request_for_feedback_token(token: str) -> tuple[ConnectionRequest, str]:
    """The request and side a feedback link is for."""
    data = read_token(FEEDBACK, token, max_age_seconds=120 * 86400)
    req = get_request(int(data.get("rid", 0) or 0))
    side = data.get("side")
    if req is None or side not in ("student", "alumnus"):
        raise InvalidToken("This link is not valid.")
    expected = req.student_id if side == "student" else req.alumnus_id
    if data.get("uid") != expected:
        raise InvalidToken("This link is not valid.")
    return req, side


def side_of(user: User, req: ConnectionRequest) -> str | None:
    """ "student" or "alumnus" for the two people in a request, else None."""
    if user.id == req.student_id:
        return "student"
    if user.id == req.alumnus_id and req.relayed_at is not None:
        return "alumnus"
    return None


def give_feedback(
    req: ConnectionRequest,
    side: str,
    *,
    met: bool,
    usefulness: int,
    comment: str | None = None,
    author: User | None = None,
) -> RequestFeedback:
    """Record one side's feedback (once per side)."""
    if req.state not in FEEDBACK_STATES:
        raise DomainError("Feedback opens once the alumnus has accepted.")
    if not 1 <= int(usefulness) <= 5:
        raise DomainError("Choose a number from 1 to 5.", field="usefulness")
    if req.feedback_from(side) is not None:
        raise Conflict("Thank you, we already have your feedback on this request.")
    row = RequestFeedback(
        request_id=req.id,
        side=side,
        author_id=author.id if author else None,
        met=bool(met),
        usefulness=int(usefulness),
        comment=(comment or "").strip() or None,
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("Thank you, we already have your feedback on this request.") from None
    db.session.expire(req, ["feedback"])
    return row


def record_outcome(
    req: ConnectionRequest, student: User, *, kind: Outcome | str, note: str | None = None
) -> RequestOutcome:
    """The student records something that came of the request."""
    if student.id != req.student_id:
        raise DomainError("Only the student who asked can record outcomes.")
    if req.state not in FEEDBACK_STATES:
        raise DomainError("Outcomes can be recorded once the alumnus has accepted.")
    try:
        kind = Outcome(kind)
    except ValueError:
        raise DomainError("Choose an outcome from the list.", field="kind") from None
    if kind.value in req.outcome_kinds():
        raise Conflict(f"{kind.label} is already recorded.")
    row = RequestOutcome(request_id=req.id, kind=kind.value, note=(note or "").strip() or None)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{kind.label} is already recorded.") from None
    db.session.expire(req, ["outcomes"])
    return row


# --- statistics -------------------------------------------------------------------------------

ANSWERED_STATES = (
    RequestState.INTRODUCED,
    RequestState.SCHEDULED,
    RequestState.DECLINED_BY_ALUMNUS,
    RequestState.COMPLETED,
    RequestState.CANCELLED,
)


def recompute_mentor_stats(alumnus_id: int) -> None:
    """Refresh a profile's answered/asked counts, response rate and median days to answer."""
    profile = profile_for_user(alumnus_id)
    if profile is None:
        return
    rows = db.session.execute(
        select(
            ConnectionRequest.state, ConnectionRequest.relayed_at, ConnectionRequest.answered_at
        ).where(
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.relayed_at.is_not(None),
            or_(
                ConnectionRequest.answered_at.is_not(None),
                ConnectionRequest.state == RequestState.EXPIRED.value,
            ),
        )
    ).all()
    answered = [r for r in rows if r.answered_at is not None]
    profile.asked_count = len(rows)
    profile.answered_count = len(answered)
    profile.response_rate = (len(answered) / len(rows)) if rows else None
    days = [(r.answered_at - r.relayed_at).total_seconds() / 86400 for r in answered]
    profile.median_response_days = round(statistics.median(days), 1) if days else None


def consecutive_expiries(alumnus_id: int, limit: int) -> int:
    """How many of the alumnus's most recently relayed, concluded requests expired in a row."""
    rows = db.session.scalars(
        select(ConnectionRequest.state)
        .where(
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.relayed_at.is_not(None),
            ConnectionRequest.state.in_(
                [RequestState.EXPIRED.value, *(s.value for s in ANSWERED_STATES)]
            ),
        )
        .order_by(ConnectionRequest.relayed_at.desc(), ConnectionRequest.id.desc())
        .limit(limit)
    ).all()
    count = 0
    for state in rows:
        if state != RequestState.EXPIRED.value:
            break
        count += 1
    return count


# --- the clock --------------------------------------------------------------------------------


@dataclass
class TickResult:
    """What one run of the clock did."""

    reminded: int = 0
    expired: int = 0
    completed: int = 0
    paused: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"reminded {self.reminded}, expired {self.expired}, completed {self.completed}, "
            f"paused {self.paused} alumni"
            + (f", skipped {self.skipped} (changed meanwhile)" if self.skipped else "")
        )


def _remind(req: ConnectionRequest, now: datetime) -> bool:
    # The conditional UPDATE is the claim: two ticks at once send one reminder.
    result = db.session.execute(
        update(ConnectionRequest)
        .where(
            ConnectionRequest.id == req.id,
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.reminded_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(req)
    notifications.request_reminder(req)
    return True


def _maybe_pause(alumnus_id: int, now: datetime) -> bool:
    threshold = pause_after_expiries()
    if threshold <= 0 or consecutive_expiries(alumnus_id, threshold) < threshold:
        return False
    profile = profile_for_user(alumnus_id)
    if profile is None or not profile.accepting_requests:
        return False
    profile.accepting_requests = False
    notifications.alumnus_paused(profile, threshold)
    return True


def _each(ids: list[int], work, result: TickResult) -> int:
    done = 0
    for request_id in ids:
        req = get_request(request_id)
        try:
            if req is not None and work(req):
                done += 1
            db.session.commit()
        except (InvalidTransition, OperationalError) as err:
            # Another tick (or a person) got there first; nothing was written.
            log.info("tick skipped request %s: %s", request_id, err)
            db.session.rollback()
            result.skipped += 1
    return done


def tick(now: datetime | None = None) -> TickResult:
    """Remind at half the window, expire at its end, complete and ask for feedback, pause."""
    now = now or utcnow()
    result = TickResult()
    window = timedelta(days=response_days())

    relayed = db.session.execute(
        select(ConnectionRequest.id, ConnectionRequest.relayed_at, ConnectionRequest.respond_by)
        .where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.reminded_at.is_(None),
            ConnectionRequest.respond_by > now,
        )
        .order_by(ConnectionRequest.id)
    ).all()
    due = [
        r.id
        for r in relayed
        if r.relayed_at is not None
        and now >= r.relayed_at + ((r.respond_by - r.relayed_at) if r.respond_by else window) / 2
    ]
    result.reminded = _each(due, lambda req: _remind(req, now), result)

    expiring = db.session.scalars(
        select(ConnectionRequest.id)
        .where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by <= now,
        )
        .order_by(ConnectionRequest.respond_by, ConnectionRequest.id)
    ).all()

    def expire(req: ConnectionRequest) -> bool:
        req.expire(now=now)
        notifications.request_expired(req)
        recompute_mentor_stats(req.alumnus_id)
        if _maybe_pause(req.alumnus_id, now):
            result.paused += 1
        return True

    result.expired = _each(list(expiring), expire, result)

    introduced_before = now - timedelta(days=complete_after_days())
    completing = db.session.scalars(
        select(ConnectionRequest.id)
        .where(
            or_(
                (ConnectionRequest.state == RequestState.INTRODUCED.value)
                & (ConnectionRequest.answered_at <= introduced_before),
                (ConnectionRequest.state == RequestState.SCHEDULED.value)
                & (ConnectionRequest.scheduled_date < now.date()),
            )
        )
        .order_by(ConnectionRequest.id)
    ).all()

    def complete(req: ConnectionRequest) -> bool:
        req.complete(now=now)
        notifications.feedback_requested(req)
        return True

    result.completed = _each(list(completing), complete, result)
    return result


# --- staff pages ------------------------------------------------------------------------------


@dataclass
class QueueFilters:
    """The staff queue's filters."""

    state: str = RequestState.SUBMITTED.value
    kind: str = ""
    industry: str = ""
    min_days: int = 0


def queue_query(filters: QueueFilters, now: datetime | None = None):
    """The staff queue as a select: oldest waiting first."""
    now = now or utcnow()
    stmt = select(ConnectionRequest)
    if filters.state == "overdue":
        stmt = stmt.where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by <= now,
        )
    elif filters.state == "open":
        stmt = stmt.where(ConnectionRequest.state.in_([s.value for s in OPEN_STATES]))
    elif filters.state:
        stmt = stmt.where(ConnectionRequest.state == filters.state)
    if filters.kind:
        stmt = stmt.where(ConnectionRequest.kind == filters.kind)
    if filters.industry:
        from careerlink.mentors.models import Industry, MentorProfile

        stmt = stmt.where(
            ConnectionRequest.alumnus_id.in_(
                select(MentorProfile.user_id).where(
                    MentorProfile.industries.any(Industry.slug == filters.industry)
                )
            )
        )
    if filters.min_days:
        stmt = stmt.where(ConnectionRequest.updated_at <= now - timedelta(days=filters.min_days))
    return stmt.order_by(ConnectionRequest.updated_at, ConnectionRequest.id)


def request_counts(now: datetime | None = None) -> dict[str, int]:
    """Counts for the staff home: waiting for review, waiting on alumni, overdue."""
    now = now or utcnow()

    def count(*where) -> int:
        return db.session.scalar(select(func.count()).select_from(ConnectionRequest).where(*where))

    return {
        "review": count(ConnectionRequest.state == RequestState.SUBMITTED.value),
        "needs_info": count(ConnectionRequest.state == RequestState.NEEDS_INFO.value),
        "alumni": count(ConnectionRequest.state == RequestState.RELAYED.value),
        "overdue": count(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by <= now,
        ),
    }


def staff_emails() -> list[str]:
    """Addresses of every active staff member and admin."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([Role.STAFF.value, Role.ADMIN.value]), User.active.is_(True))
            .distinct()
            .order_by(User.email)
        )
    )
