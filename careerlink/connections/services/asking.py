"""Asking: whether a user may ask an alumnus, submitting a request, revising it when sent back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from careerlink.accounts.models import User
from careerlink.connections import uploads
from careerlink.connections.models import ConnectionRequest, RequestKind
from careerlink.connections.services.queries import (
    open_count_for_student,
    open_requests_of_student,
)
from careerlink.connections.settings import (
    MAX_DAYS_AHEAD,
    MAX_PROPOSED_DATES,
    MESSAGE_MAX,
    MESSAGE_MIN,
    MIN_PROPOSED_DATES,
    max_open_requests,
)
from careerlink.connections.slots import check_format, check_link, check_slots
from careerlink.connections.uploads import Upload, file_type
from careerlink.errors import Conflict, DomainError
from careerlink.extensions import db
from careerlink.i18n import format_date
from careerlink.mentors.availability import count_request
from careerlink.mentors.models import MentorProfile, Offer
from careerlink.models import utcnow
from careerlink.openings.models import Opening
from careerlink.permissions import Role, require
from careerlink.web.security import MAX_ID


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
    """Which request kinds this alumnus offers: one per offer, so the directory's filter and
    the ask buttons always agree."""
    offers = profile.offers or frozenset()
    return [RequestKind(offer.value) for offer in Offer if offer in offers]


@dataclass(frozen=True, slots=True)
class AskFacts:
    """What deciding whether someone may ask an alumnus reads of their profile on one day.

    A mentor's page keeps these beside its cached body (`mentors.profile_page`), so that the
    per-viewer part of the page needs no profile.
    """

    alumnus_id: int
    kinds: tuple[RequestKind, ...]
    similar_industry: str | None
    open_today: bool
    closed_reason: str | None  # why not, when not open today (in the current language)

    @classmethod
    def of(cls, profile: MentorProfile, today: date) -> AskFacts:
        """The facts of `profile` on `today`."""
        industries = list(getattr(profile, "industries", None) or [])
        ok, reason = profile.can_be_asked(today)
        return cls(
            alumnus_id=profile.user_id,
            kinds=tuple(offered_kinds(profile)),
            similar_industry=industries[0].slug if industries else None,
            open_today=ok,
            closed_reason=None if ok or reason is None else str(reason),
        )


def ask_status(profile: MentorProfile, user: User | None, today: date | None = None) -> AskStatus:
    """Decide whether `user` may ask `profile`'s alumnus for something, and say why not."""
    return ask_status_from(AskFacts.of(profile, today or utcnow().date()), user)


def ask_status_from(facts: AskFacts, user: User | None) -> AskStatus:
    """`ask_status` from the profile's facts: what depends on the person asking."""
    kinds = list(facts.kinds)
    status = AskStatus(can_ask=False, kinds=kinds, similar_industry=facts.similar_industry)
    if not facts.open_today:
        status.reason = facts.closed_reason or _("This alumnus cannot take requests at the moment.")
        return status
    if not kinds:
        status.reason = _("This alumnus does not take requests of any kind at the moment.")
        return status
    if user is None or not getattr(user, "is_authenticated", False):
        status.reason = _("Sign in as a student to ask for %(kind)s.", kind=kinds[0].label)
        status.needs_sign_in = True
        return status
    if user.id == facts.alumnus_id:
        status.reason = _("This is your own profile.")
        return status
    if not user.has_role(Role.STUDENT):
        status.reason = _("Only students and graduates can send requests.")
        return status
    if not user.email_verified:
        status.reason = _("Verify your email address before you send a request.")
        return status
    open_ones = open_requests_of_student(user.id)
    existing = next((rid for rid, alumnus in open_ones if alumnus == facts.alumnus_id), None)
    if existing is not None:
        # The page links to it by its id: its people are read only if something asks for them.
        status.existing = db.session.get(
            ConnectionRequest,
            existing,
            options=[lazyload(ConnectionRequest.student), lazyload(ConnectionRequest.alumnus)],
        )
        status.reason = _("You already have an open request with this alumnus.")
        return status
    if len(open_ones) >= max_open_requests():
        status.reason = ngettext(
            "You have %(num)d open request, the most allowed at once. "
            "Wait for an answer or withdraw it first.",
            "You have %(num)d open requests, the most allowed at once. "
            "Wait for an answer or withdraw one first.",
            max_open_requests(),
        )
        return status
    status.can_ask = True
    return status


def check_message(message: str) -> str:
    """The message, stripped, if its length is within bounds."""
    message = (message or "").strip()
    if len(message) < MESSAGE_MIN:
        raise DomainError(
            _(
                "Write at least %(count)d characters so the alumnus knows why you are asking.",
                count=MESSAGE_MIN,
            ),
            field="message",
        )
    if len(message) > MESSAGE_MAX:
        raise DomainError(
            _("Keep the message under %(count)d characters.", count=MESSAGE_MAX), field="message"
        )
    return message


def check_proposed_dates(dates: list[date | None], today: date) -> list[str]:
    """Two or three distinct future working days, in order, as ISO strings."""
    chosen = sorted({d for d in dates if d is not None})
    if len(chosen) < MIN_PROPOSED_DATES:
        raise DomainError(_("Propose at least two different dates."), field="date1")
    if len(chosen) > MAX_PROPOSED_DATES:
        raise DomainError(_("Propose at most three dates."), field="date1")
    for d in chosen:
        if d <= today:
            raise DomainError(_("Propose dates after today."), field="date1")
        if d.weekday() >= 5:
            raise DomainError(
                _("%(day)s is a weekend day; propose working days.", day=format_date(d, "full")),
                field="date1",
            )
        if d > today + timedelta(days=MAX_DAYS_AHEAD):
            raise DomainError(
                _("Propose dates within the next %(days)d days.", days=MAX_DAYS_AHEAD),
                field="date1",
            )
    return [d.isoformat() for d in chosen]


def check_referral_target(
    profile: MentorProfile, posting_url: str | None, opening_id: int | None, today: date
) -> dict:
    """The opening a referral is for: one this alumnus posted that is open, or a posting URL."""
    if opening_id is not None:
        opening = db.session.get(Opening, opening_id) if 0 < opening_id <= MAX_ID else None
        if opening is None:
            raise DomainError(_("That opening does not exist."), field="opening")
        if opening.posted_by_id != profile.user_id:
            raise DomainError(
                _("That opening was posted by another alumnus; ask the alumnus who posted it."),
                field="opening",
            )
        if not opening.is_open(today):
            raise DomainError(
                _(
                    "That opening is not open (it has closed, or the career office has not "
                    "approved it); choose another or give the posting's address."
                ),
                field="opening",
            )
        return {"opening_id": opening.id, "posting_url": None}
    url = check_link(posting_url, field="posting_url")
    if url is None:
        raise DomainError(
            _("Choose one of this alumnus's openings, or give the address of the posting."),
            field="posting_url",
        )
    return {"opening_id": None, "posting_url": url}


def open_openings_of(profile: MentorProfile, today: date) -> list[Opening]:
    """The openings this alumnus posted that students may ask a referral for today."""
    rows = db.session.scalars(
        select(Opening).where(Opening.posted_by_id == profile.user_id).order_by(Opening.id)
    ).all()
    return [o for o in rows if o.is_open(today)]


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
    slots: list[tuple] | None = None,
    meeting_format: str | None = None,
    meeting_place: str | None = None,
    posting_url: str | None = None,
    opening_id: int | None = None,
    resume: Upload | None = None,
    conduct_acknowledged: bool,
    now: datetime | None = None,
) -> ConnectionRequest:
    """A student asks an alumnus for something they offer (RequestKind); each kind checks the
    fields it needs (dates, interview times and format, the opening of a referral)."""
    now = now or utcnow()
    kind = RequestKind(kind)
    status = ask_status(profile, student, today=now.date())
    if not status.can_ask:
        raise (Conflict if status.existing else DomainError)(status.reason)
    if kind not in status.kinds:
        raise DomainError(_("This alumnus does not offer %(kind)s.", kind=kind.label))
    if not conduct_acknowledged:
        raise DomainError(
            _("Please confirm that you have read the conduct policy."), field="conduct"
        )
    hopes = (hopes or "").strip()
    why_alumnus = (why_alumnus or "").strip()
    if not hopes:
        raise DomainError(_("Say what you hope to learn."), field="hopes")
    if not why_alumnus:
        raise DomainError(_("Say why you are asking this alumnus."), field="why_alumnus")
    message = check_message(message)
    dates: list[str] = []
    kind_values: dict = {}
    if kind is RequestKind.SHADOWING:
        dates = check_proposed_dates(list(proposed_dates or []), now.date())
    elif kind is RequestKind.INFORMATIONAL_INTERVIEW:
        kind_values["proposed_slots"] = check_slots(list(slots or []), now)
        kind_values["meeting_format"], kind_values["meeting_place"] = check_format(
            meeting_format, meeting_place
        )
    elif kind is RequestKind.REFERRAL:
        kind_values.update(check_referral_target(profile, posting_url, opening_id, now.date()))
    resume_type = None
    if kind in (RequestKind.RESUME_REVIEW, RequestKind.REFERRAL):
        resume_type = file_type(resume, field="resume")
    _lock_user(student.id)
    if open_count_for_student(student.id) >= max_open_requests():
        raise DomainError(
            ngettext(
                "You have %(num)d open request, the most allowed at once.",
                "You have %(num)d open requests, the most allowed at once.",
                max_open_requests(),
            )
        )
    if resume_type is not None:
        # Stored last, once every rule passed; a unit of work that rolls back afterwards
        # deletes it again (uploads.store).
        kind_values["resume_file"] = uploads.store(resume, resume_type)
        kind_values["resume_type"] = resume_type
        kind_values["resume_name"] = uploads.display_name(resume.filename)
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
            **kind_values,
        )
    except IntegrityError:
        # The caller rolls back, which deletes the file just stored (uploads.store).
        raise Conflict(
            _(
                "You already have an open request with this alumnus. Follow it from your account "
                "page, or withdraw it before asking again."
            )
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
    slots: list[tuple] | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The student answers the career office's question; the request returns to the queue."""
    now = now or utcnow()
    require(student.id == req.student_id, _("Only the student who asked can revise this request."))
    changes = {
        "hopes": (hopes or "").strip() or req.hopes,
        "why_alumnus": (why_alumnus or "").strip() or req.why_alumnus,
        "message": check_message(message),
    }
    if req.is_shadowing:
        changes["proposed_dates"] = check_proposed_dates(list(proposed_dates or []), now.date())
    if req.is_interview and slots is not None:
        changes["proposed_slots"] = check_slots(list(slots), now)
    req.resubmit(
        by=student, note=_("Revised after the career office asked for detail."), now=now, **changes
    )
    return req
