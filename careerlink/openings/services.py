"""Openings: posting, editing, staff review, browsing, and the weekly digest. Services flush,
never commit; they take the acting user and never read the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from careerlink import urls
from careerlink.accounts.models import User
from careerlink.audit import AuditAction, record
from careerlink.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from careerlink.extensions import db
from careerlink.mentors.models import Industry, MentorProfile, office_day, today
from careerlink.models import utcnow
from careerlink.openings import notifications
from careerlink.openings.models import (
    Opening,
    OpeningDigestEntry,
    OpeningState,
    OpeningSubscription,
)
from careerlink.pagination import Page, paginate
from careerlink.permissions import Role, is_staff
from careerlink.urls import absolute_url

TITLE_MAX = 160
ORGANISATION_MAX = 160
URL_MAX = 500
LOCATION_MAX = 120
DESCRIPTION_MAX = 2000
NOTE_MAX = 1000
WORDS_MAX = 200
# A closing date further away than this is almost always a typo (2207 for 2027).
MAX_DAYS_AHEAD = 365
PER_PAGE = 20
MAX_SUBSCRIBED_INDUSTRIES = 10
# The digest's period: weekly. A first digest also lists what was approved in the period
# before it, so subscribing does not hide the openings of the last few days.
DIGEST_PERIOD = timedelta(days=7)


# --- who may do what -----------------------------------------------------------------------------


def poster_profile(user: User | None) -> MentorProfile | None:
    """The alumnus's mentor profile, which is what lets them post openings."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    if not user.has_role(Role.ALUMNUS):
        return None
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def can_post(user: User | None) -> bool:
    """An active alumnus with a mentor profile posts openings."""
    return bool(user is not None and user.is_active and poster_profile(user) is not None)


def is_visible_to_students(opening: Opening, on: date | None = None) -> bool:
    """Approved, not past its closing date, and posted by an account that is still active."""
    return opening.is_open(on or today()) and bool(opening.posted_by.active)


def can_view(user: User | None, opening: Opening) -> bool:
    """Signed-in people see open openings; the poster and staff see theirs in any state."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_visible_to_students(opening) or user.id == opening.posted_by_id or is_staff(user)


def can_edit(user: User | None, opening: Opening) -> bool:
    """Only the alumnus who posted it edits an opening."""
    return user is not None and user.id == opening.posted_by_id


def can_withdraw(user: User | None, opening: Opening) -> bool:
    """The poster, or staff (who may take down any opening)."""
    return user is not None and (user.id == opening.posted_by_id or is_staff(user))


def get_opening(opening_id: int) -> Opening | None:
    """The opening with this id, or None."""
    return db.session.get(Opening, opening_id)


# --- posting and editing -------------------------------------------------------------------------


def check_url(raw: str) -> str:
    """A posting link, required: http or https with a host (careerlink.urls.check_web_address)."""
    url = urls.check_web_address(raw, field="url", max_length=URL_MAX)
    if url is None:
        raise DomainError(_("Give the link to the posting."), field="url")
    return url


# Each field's refusals, whole sentences: (missing, too long).
_FIELD_PROBLEMS = {
    "title": (
        _l("Give the title."),
        _l("The title is too long (at most %(n)d characters)."),
    ),
    "organisation": (
        _l("Give the organisation."),
        _l("The organisation is too long (at most %(n)d characters)."),
    ),
    "location": (
        _l("Give the location."),
        _l("The location is too long (at most %(n)d characters)."),
    ),
    "description": (
        _l("Give the description."),
        _l("The description is too long (at most %(n)d characters)."),
    ),
}


def _text(data: dict[str, Any], name: str, maximum: int, required: bool) -> str:
    raw = str(data.get(name) or "")
    # One-line fields lose stray spaces and line breaks; the description keeps its lines.
    value = raw.strip() if name == "description" else " ".join(raw.split())
    missing, too_long = _FIELD_PROBLEMS[name]
    if required and not value:
        raise DomainError(str(missing), field=name)
    if len(value) > maximum:
        raise DomainError(str(too_long) % {"n": maximum}, field=name)
    return value


def _industry(slug: str | None) -> Industry:
    industry = (
        db.session.scalar(select(Industry).where(Industry.slug == (slug or "")[:100]))
        if slug
        else None
    )
    if industry is None or not industry.active:
        raise DomainError(_("Choose one of the industries in the list."), field="industry")
    return industry


def _closes_on(value: Any, on: date) -> date:
    if not isinstance(value, date):
        raise DomainError(_("Give the closing date, e.g. 2027-03-31."), field="closes_on")
    if value < on:
        raise DomainError(_("The closing date has passed; give today or a later day."), "closes_on")
    if value > on + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            _("The closing date is more than a year away; give a date within a year."), "closes_on"
        )
    return value


def _fields(data: dict[str, Any], on: date) -> dict[str, Any]:
    """The checked fields of an opening, from a form's or the API's data."""
    values = {
        "title": _text(data, "title", TITLE_MAX, True),
        "organisation": _text(data, "organisation", ORGANISATION_MAX, True),
        "url": check_url(data.get("url") or ""),
        "location": _text(data, "location", LOCATION_MAX, False),
        "remote": bool(data.get("remote")),
        "description": _text(data, "description", DESCRIPTION_MAX, False),
        "closes_on": _closes_on(data.get("closes_on"), on),
    }
    if not values["location"] and not values["remote"]:
        raise DomainError(_("Give the location, or say that the work is remote."), field="location")
    values["industry_id"] = _industry(data.get("industry")).id
    return values


def post_opening(actor: User, data: dict[str, Any], on: date | None = None) -> Opening:
    """An alumnus posts an opening; it waits for the career office before students see it."""
    if not can_post(actor):
        raise NotAllowed(_("Only alumni with a mentor profile can post openings."))
    opening = Opening(
        posted_by_id=actor.id, state=OpeningState.PENDING.value, revision=1, review_note=""
    )
    for name, value in _fields(data, on or today()).items():
        setattr(opening, name, value)
    db.session.add(opening)
    db.session.flush()
    return opening


def edit_opening(actor: User, opening: Opening, data: dict[str, Any], on=None) -> Opening:
    """Change an opening; an approved or refused one goes back to the career office.

    Staff approved what students would read and click: an edited link or text has not been
    read by anyone, so it waits again rather than reaching students unchecked.
    """
    if not can_edit(actor, opening):
        raise NotAllowed(_("Only the alumnus who posted this opening can change it."))
    if opening.state == OpeningState.WITHDRAWN.value:
        raise InvalidTransition(_("This opening was withdrawn; post a new one instead."))
    for name, value in _fields(data, on or today()).items():
        setattr(opening, name, value)
    if opening.state != OpeningState.PENDING.value:
        opening.state = OpeningState.PENDING.value
        opening.reviewed_at = None
        opening.reviewed_by_id = None
        opening.review_note = ""
    opening.revision = (opening.revision or 1) + 1
    db.session.flush()
    return opening


def withdraw_opening(actor: User, opening: Opening, note: str = "") -> Opening:
    """The poster takes their opening down, or staff do (audited, and the poster is told)."""
    if not can_withdraw(actor, opening):
        raise NotAllowed(_("Only the alumnus who posted this opening or the career office can."))
    if opening.state == OpeningState.WITHDRAWN.value:
        raise InvalidTransition(_("This opening is already withdrawn."))
    opening.state = OpeningState.WITHDRAWN.value
    opening.revision = (opening.revision or 1) + 1
    if actor.id != opening.posted_by_id:
        opening.reviewed_by_id = actor.id
        opening.reviewed_at = utcnow()
        opening.review_note = (note or "").strip()[:NOTE_MAX]
        record(AuditAction.OPENING_WITHDRAWN, actor=actor, obj=opening)
        notifications.opening_withdrawn(opening)
    db.session.flush()
    return opening


# --- the career office's review ------------------------------------------------------------------


def _review(actor: User, opening: Opening, state: OpeningState, note: str) -> Opening:
    if not is_staff(actor):
        raise NotAllowed(_("Only the career office reviews openings."))
    if opening.state != OpeningState.PENDING.value:
        raise InvalidTransition(
            _("This opening is no longer waiting (%(state)s).", state=opening.state_enum.label)
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("The note is too long (at most %(n)d characters).", n=NOTE_MAX), field="note"
        )
    # Of two staff reviewing at once, exactly one moves it; the other is told it moved.
    moved = db.session.execute(
        Opening.__table__.update()
        .where(Opening.id == opening.id, Opening.state == OpeningState.PENDING.value)
        .values(
            state=state.value,
            reviewed_by_id=actor.id,
            reviewed_at=utcnow(),
            review_note=note,
            updated_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        raise InvalidTransition(_("Someone else reviewed this opening a moment ago."))
    db.session.refresh(opening)
    return opening


def approve_opening(actor: User, opening: Opening, note: str = "") -> Opening:
    """Staff approve: students see it until its closing date; the alumnus is told."""
    _review(actor, opening, OpeningState.APPROVED, note)
    record(AuditAction.OPENING_APPROVED, actor=actor, obj=opening)
    notifications.opening_approved(opening)
    return opening


def reject_opening(actor: User, opening: Opening, note: str) -> Opening:
    """Staff refuse, saying why; the alumnus is told and may edit it to ask again."""
    if not (note or "").strip():
        raise DomainError(_("Say why, for the alumnus."), field="note")
    _review(actor, opening, OpeningState.REJECTED, note)
    record(AuditAction.OPENING_REJECTED, actor=actor, obj=opening)
    notifications.opening_rejected(opening)
    return opening


def pending_query():
    """Openings waiting for the career office, oldest first (with who posted them)."""
    return (
        select(Opening)
        .where(Opening.state == OpeningState.PENDING.value)
        .options(selectinload(Opening.industry), selectinload(Opening.posted_by))
        .order_by(Opening.id)
    )


def pending_count() -> int:
    """How many openings wait for the career office."""
    return int(
        db.session.scalar(
            select(func.count(Opening.id)).where(Opening.state == OpeningState.PENDING.value)
        )
        or 0
    )


def openings_of(user: User) -> list[Opening]:
    """The alumnus's own openings, newest first, in every state."""
    return list(
        db.session.scalars(
            select(Opening).where(Opening.posted_by_id == user.id).order_by(Opening.id.desc())
        )
    )


# --- browsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What a student filters open openings by."""

    words: str = ""
    industry: Industry | None = None
    remote: bool = False
    location: str = ""


class BadFilter(DomainError):
    """A filter out of its bounds (400): a browser never sends it, so no form shows it."""

    status_code = 400
    title = _l("Bad request")


def parse_criteria(args) -> Criteria:
    """Filters from a query string; a value out of bounds is a 400, an unknown industry a 404."""
    words = (args.get("q") or "").strip()
    location = (args.get("location") or "").strip()
    if len(words) > WORDS_MAX or len(location) > LOCATION_MAX:
        raise BadFilter(_("A search is at most 200 characters."))
    remote = args.get("remote") or ""
    if remote not in ("", "1"):
        raise BadFilter(_("remote is 1 or nothing."))
    industry = None
    slug = args.get("industry") or ""
    if slug:
        industry = db.session.scalar(select(Industry).where(Industry.slug == slug[:100]))
        if industry is None or len(slug) > 100:
            raise NotFound(_("There is no such industry."))
    page = args.get("page")
    if page is not None and (not page.isdigit() or not 1 <= int(page) <= 100_000):
        raise BadFilter(_("page is a whole number from 1."))
    return Criteria(words=words, industry=industry, remote=remote == "1", location=location)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def open_query(criteria: Criteria | None = None, on: date | None = None):
    """Open openings (approved, not closed, poster active), newest approval first, filtered."""
    criteria = criteria or Criteria()
    stmt = (
        select(Opening)
        .join(User, User.id == Opening.posted_by_id)
        .where(
            Opening.state == OpeningState.APPROVED.value,
            Opening.closes_on >= (on or today()),
            User.active.is_(True),
        )
    )
    if criteria.industry is not None:
        stmt = stmt.where(Opening.industry_id == criteria.industry.id)
    if criteria.remote:
        stmt = stmt.where(Opening.remote.is_(True))
    if criteria.location:
        stmt = stmt.where(func.lower(Opening.location).like(_like(criteria.location), escape="\\"))
    for word in criteria.words.split()[:10]:
        pattern = _like(word)
        stmt = stmt.where(
            or_(
                func.lower(Opening.title).like(pattern, escape="\\"),
                func.lower(Opening.organisation).like(pattern, escape="\\"),
            )
        )
    # A list shows each opening's industry: one query for the page's, not one per card.
    return stmt.options(selectinload(Opening.industry)).order_by(
        Opening.reviewed_at.desc(), Opening.id.desc()
    )


def browse(criteria: Criteria, page: Any = 1, per_page: int = PER_PAGE) -> Page:
    """One page of open openings matching the criteria."""
    return paginate(open_query(criteria), page, per_page)


def poster_listed_profile(opening: Opening) -> MentorProfile | None:
    """The poster's directory profile, when it is listed (the name links to it)."""
    profile = db.session.scalar(
        select(MentorProfile).where(MentorProfile.user_id == opening.posted_by_id)
    )
    return profile if profile is not None and profile.is_visible else None


# --- the weekly digest ---------------------------------------------------------------------------


def can_subscribe(user: User | None) -> bool:
    """Students subscribe to the weekly digest of new openings."""
    return bool(user is not None and user.is_active and user.has_role(Role.STUDENT))


def subscription_of(user: User) -> OpeningSubscription | None:
    """The person's digest subscription, if any."""
    return db.session.scalar(
        select(OpeningSubscription).where(OpeningSubscription.user_id == user.id)
    )


def subscribe(actor: User, slugs: list[str]) -> OpeningSubscription | None:
    """Set the industries of the actor's digest; none chosen ends the subscription."""
    if not can_subscribe(actor):
        raise NotAllowed(_("Only students can subscribe to the openings digest."))
    slugs = sorted(set(slugs or []))
    if len(slugs) > MAX_SUBSCRIBED_INDUSTRIES:
        raise DomainError(
            _("Choose at most %(n)d industries.", n=MAX_SUBSCRIBED_INDUSTRIES), field="industries"
        )
    industries = []
    for slug in slugs:
        industry = db.session.scalar(select(Industry).where(Industry.slug == slug[:100]))
        if industry is None or not industry.active:
            raise DomainError(_("Choose industries from the list."), field="industries")
        industries.append(industry)
    current = subscription_of(actor)
    if not industries:
        if current is not None:
            db.session.delete(current)
            db.session.flush()
        return None
    if current is None:
        current = OpeningSubscription(user_id=actor.id, since=utcnow())
        db.session.add(current)
    current.industries = industries
    db.session.flush()
    return current


def subscription_exists(subscription_id: int, user_id: int) -> bool:
    """The subscription a digest's unsubscribe link names is still in force."""
    current = db.session.get(OpeningSubscription, subscription_id)
    return current is not None and current.user_id == user_id


def unsubscribe(subscription_id: int, user_id: int) -> bool:
    """End the subscription a digest's link names; False when it had ended already."""
    current = db.session.get(OpeningSubscription, subscription_id)
    if current is None or current.user_id != user_id:
        return False
    db.session.delete(current)
    db.session.flush()
    return True


def digest_openings(
    subscription: OpeningSubscription, on: date | None = None, now: datetime | None = None
) -> list[Opening]:
    """Open openings in the subscriber's industries not sent to them yet, approved since they
    subscribed or within the digest's period before `now` (so the first digest lists the week
    before it, even before subscribing)."""
    now = now or utcnow()
    industry_ids = [i.id for i in subscription.industries]
    if not industry_ids:
        return []
    already = exists().where(
        and_(
            OpeningDigestEntry.subscription_id == subscription.id,
            OpeningDigestEntry.opening_id == Opening.id,
        )
    )
    stmt = (
        open_query(on=on or office_day(now))
        .where(
            Opening.industry_id.in_(industry_ids),
            Opening.reviewed_at > min(subscription.since, now - DIGEST_PERIOD),
            ~already,
        )
        .order_by(None)
        .order_by(Opening.reviewed_at, Opening.id)
    )
    return list(db.session.scalars(stmt))


def digest_subscription_ids() -> list[int]:
    """Every subscription whose person can still receive email, in order."""
    return list(
        db.session.scalars(
            select(OpeningSubscription.id)
            .join(User, User.id == OpeningSubscription.user_id)
            .where(User.active.is_(True), User.deleted_at.is_(None))
            .order_by(OpeningSubscription.id)
        )
    )


def send_digest(subscription_id: int, now: datetime | None = None) -> int:
    """One subscriber's digest: the email and the record of what it listed, in one unit of work.

    Returns how many openings it listed (0: no email). The row is locked so that two runs at
    once cannot both send it; the unique (subscription, opening) entries make a second run
    find nothing new.
    """
    now = now or utcnow()
    subscription = db.session.scalar(
        select(OpeningSubscription)
        .where(OpeningSubscription.id == subscription_id)
        .with_for_update(of=OpeningSubscription)
    )
    if subscription is None:
        return 0
    openings = digest_openings(subscription, on=office_day(now), now=now)
    if not openings:
        return 0
    for opening in openings:
        db.session.add(
            OpeningDigestEntry(subscription_id=subscription.id, opening_id=opening.id, sent_at=now)
        )
    subscription.last_digest_at = now
    db.session.flush()
    notifications.digest(subscription, openings)
    return len(openings)


def move_industry(source: Industry, target: Industry) -> None:
    """Industries merged (careerlink.staff.admin): openings and digests follow to `target`."""
    db.session.execute(
        Opening.__table__.update()
        .where(Opening.industry_id == source.id)
        .values(industry_id=target.id)
    )
    subscriptions = db.session.scalars(
        select(OpeningSubscription).where(OpeningSubscription.industries.contains(source))
    )
    for subscription in subscriptions:
        kept = [i for i in subscription.industries if i.id != source.id]
        if all(i.id != target.id for i in kept):
            kept.append(target)
        subscription.industries = kept
    db.session.flush()


# --- the person's data ---------------------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any]:
    """The person's openings and digest subscription, for their data download."""
    subscription = subscription_of(user)
    return {
        "openings": [
            {
                "id": o.id,
                "title": o.title,
                "organisation": o.organisation,
                "url": o.url,
                "location": o.location,
                "remote": o.remote,
                "industry": o.industry.name if o.industry else None,
                "description": o.description,
                "closes_on": o.closes_on.isoformat(),
                "state": o.state,
                "review_note": o.review_note,
                "created_at": o.created_at.isoformat() if o.created_at else None,
            }
            for o in openings_of(user)
        ],
        "openings_digest": None
        if subscription is None
        else {
            "industries": [i.name for i in subscription.industries],
            "since": subscription.since.isoformat(),
            "last_digest_at": subscription.last_digest_at.isoformat()
            if subscription.last_digest_at
            else None,
        },
    }


def digest_lines_of(user: User) -> list[str]:
    """How the person's openings appear in a digest's text (each one's link, on its own line):
    account deletion erases the digests that listed them."""
    return [
        absolute_url("openings.detail", opening_id=opening.id) + "\n"
        for opening in db.session.scalars(select(Opening).where(Opening.posted_by_id == user.id))
    ]


def erase_personal_data(user: User) -> None:
    """Remove the person's openings and subscription (account deletion keeps the user row)."""
    for opening in openings_of(user):
        db.session.delete(opening)
    subscription = subscription_of(user)
    if subscription is not None:
        db.session.delete(subscription)
    db.session.flush()
