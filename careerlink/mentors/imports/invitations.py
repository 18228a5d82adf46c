"""Inviting imported alumni to opt in: who may be invited, throttled sending, accepting.

Nobody is listed by an import: an imported alumnus is listed only after accepting the
invitation (creating an account and opting in with the consent text), and staff verification
still applies: the CRM record counts as proof of graduation when
CAREERLINK_IMPORT_VERIFIES_GRADUATES is on (the staff member who sent the invitation is
recorded as the verifier), otherwise the profile waits for staff like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from careerlink.accounts import sessions
from careerlink.accounts.models import find_user_by_email
from careerlink.accounts.services import SignedIn, create_user
from careerlink.accounts.sso import policy
from careerlink.errors import DomainError, InvalidToken, NotAllowed
from careerlink.extensions import db
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.mentors import services as mentor_services
from careerlink.mentors.imports import notifications
from careerlink.mentors.imports.links import (
    INVITATION,
    UNSUBSCRIBE,
    read_invitation_token,
    read_unsubscribe_token,
)
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.models import Industry
from careerlink.mentors.search import CLASS_YEAR_MAX, CLASS_YEAR_MIN
from careerlink.models import utcnow
from careerlink.permissions import Role, is_staff

MAX_PICKED = 500
STATUSES = {
    "": _l("Everyone"),
    "not_invited": _l("Not yet invited"),
    "unanswered": _l("Invited, no answer"),
}


def invitable():
    """The condition an alumni record must meet to be invited (or reminded)."""
    return and_(
        AlumniRecord.email.is_not(None),
        AlumniRecord.deceased.is_(False),
        AlumniRecord.do_not_contact.is_(False),
        AlumniRecord.confidential.is_(False),
        AlumniRecord.unsubscribed_at.is_(None),
        AlumniRecord.accepted_at.is_(None),
        AlumniRecord.user_id.is_(None),
    )


@dataclass(frozen=True)
class Criteria:
    """The staff page's filters, checked and bounded."""

    class_year: int | None = None
    industry: str = ""
    programme: str = ""
    status: str = ""


def parse_criteria(args) -> Criteria:
    """Filters from the query string; a bad value is dropped, never an error page."""
    year = args.get("class_year", "")
    year = int(year) if year.isdigit() and CLASS_YEAR_MIN <= int(year) <= CLASS_YEAR_MAX else None
    status = args.get("status", "")
    return Criteria(
        class_year=year,
        industry=(args.get("industry") or "")[:60],
        programme=" ".join((args.get("programme") or "").split())[:160],
        status=status if status in STATUSES else "",
    )


def records_query(criteria: Criteria):
    """The imported alumni matching the filters, by last and first name."""
    query = select(AlumniRecord)
    if criteria.class_year is not None:
        query = query.where(AlumniRecord.class_year == criteria.class_year)
    if criteria.industry:
        query = query.join(Industry, Industry.id == AlumniRecord.industry_id).where(
            Industry.slug == criteria.industry
        )
    if criteria.programme:
        query = query.where(func.lower(AlumniRecord.programme) == criteria.programme.lower())
    if criteria.status == "not_invited":
        query = query.where(AlumniRecord.invited_at.is_(None), invitable())
    elif criteria.status == "unanswered":
        query = query.where(AlumniRecord.invited_at.is_not(None), invitable())
    return query.order_by(AlumniRecord.last_name, AlumniRecord.first_name, AlumniRecord.id)


def invitable_ids(ids: list[int]) -> set[int]:
    """Which of these records may be invited now."""
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AlumniRecord.id).where(
                AlumniRecord.id.in_(ids), invitable(), AlumniRecord.invited_at.is_(None)
            )
        )
    )


def _slots(count: int):
    """When each of `count` new invitations may leave: batches of N, M minutes apart,
    continuing the schedule of the invitations already waiting in the outbox."""
    size = current_app.config["CAREERLINK_INVITATION_BATCH_SIZE"]
    gap = timedelta(minutes=current_app.config["CAREERLINK_INVITATION_BATCH_MINUTES"])
    now = utcnow()
    waiting = (
        OutboxMessage.event.in_(("alumni_invitation", "alumni_reminder")),
        OutboxMessage.status == OutboxStatus.QUEUED.value,
    )
    last = db.session.scalar(select(func.max(OutboxMessage.next_attempt_at)).where(*waiting))
    if last is None or last + gap <= now:
        start, taken = now, 0
    else:
        start = last
        taken = db.session.scalar(
            select(func.count()).where(*waiting, OutboxMessage.next_attempt_at == last)
        )
    return [start + gap * ((taken + i) // size) for i in range(count)]


def invite(actor, record_ids: list[int] | None, criteria: Criteria | None = None) -> int:
    """Invite the picked records (or all matching the filters) not invited yet; return how many.

    Deceased, do-not-contact, confidential, unsubscribed people and people without an address
    or with an account are never invited, whatever is picked.
    """
    if not is_staff(actor):
        raise NotAllowed(_("Only career-office staff can invite alumni."))
    query = select(AlumniRecord).where(invitable(), AlumniRecord.invited_at.is_(None))
    if record_ids is not None:
        if not record_ids:
            raise DomainError(_("Pick at least one alumnus to invite."), field="record_ids")
        if len(record_ids) > MAX_PICKED:
            raise DomainError(
                _("Pick at most %(n)d at once, or invite all that match.", n=MAX_PICKED)
            )
        query = query.where(AlumniRecord.id.in_(record_ids))
    else:
        matching = records_query(criteria or Criteria()).with_only_columns(AlumniRecord.id)
        query = query.where(AlumniRecord.id.in_(matching.order_by(None)))
    records = list(db.session.scalars(query.order_by(AlumniRecord.id)))
    now = utcnow()
    for record, when in zip(records, _slots(len(records)), strict=True):
        notifications.invitation(record, reminder=False, not_before=when)
        record.invited_at = now
        record.invited_by_id = actor.id
    return len(records)


def remind_due() -> int:
    """Send the one reminder to those invited long enough ago who have not answered."""
    days = current_app.config["CAREERLINK_INVITATION_REMIND_AFTER_DAYS"]
    due = list(
        db.session.scalars(
            select(AlumniRecord)
            .where(
                invitable(),
                AlumniRecord.invited_at <= utcnow() - timedelta(days=days),
                AlumniRecord.reminded_at.is_(None),
            )
            .order_by(AlumniRecord.id)
        )
    )
    now = utcnow()
    for record, when in zip(due, _slots(len(due)), strict=True):
        notifications.invitation(record, reminder=True, not_before=when)
        record.reminded_at = now
    return len(due)


def record_for_invitation(token: str) -> AlumniRecord:
    """The record an invitation link is for, while it may still be accepted."""
    data = read_invitation_token(token)
    rid = data.get("rid")
    record = db.session.get(AlumniRecord, rid) if isinstance(rid, int) else None
    if record is None or record.email != data.get("email"):
        raise InvalidToken(_("This invitation is no longer valid."), link=INVITATION)
    if record.accepted_at is not None or record.user_id is not None:
        raise InvalidToken(
            _("This invitation has been accepted already: sign in with your email address."),
            link=INVITATION,
        )
    if record.withheld or record.unsubscribed_at is not None:
        raise InvalidToken(
            _("This invitation is no longer valid. Contact the career office."), link=INVITATION
        )
    return record


def prefill(record: AlumniRecord) -> dict:
    """The acceptance form's first values, from the import."""
    headline = " at ".join(p for p in (record.job_title, record.employer) if p)
    return {
        "display_name": record.display_name,
        "headline": headline,
        "employer": record.employer,
        "job_title": record.job_title,
        "city": record.city,
        "country": record.country,
        "class_year": record.class_year,
        "degree": record.degree,
        "programme": record.programme,
        "industries": [record.industry.slug] if record.industry is not None else [],
        "linkedin_url": record.linkedin_url or "",
    }


def accept(
    token: str,
    data: dict,
    password: str,
    agreed: bool,
    user_agent: str,
    ip: str | None,
    language: str | None = None,
) -> SignedIn:
    """Create the alumnus's account, opt them in with the consent text, save the profile.

    The account keeps `language` (the invitation page's) as its own, as a sign-up does.
    """
    record = record_for_invitation(token)
    if not agreed:
        raise DomainError(_("Tick the box to agree before you join."), field="agree")
    policy.check_signup_role(Role.ALUMNUS)
    if find_user_by_email(record.email) is not None:
        raise DomainError(
            _(
                "An account with this address exists already: sign in first (the link above), "
                "then accept on this page."
            )
        )
    user = create_user(
        record.email,
        data.get("display_name") or "",
        password,
        [Role.ALUMNUS],
        verified=True,
        language=language,
    )
    now = utcnow()
    if current_app.config["CAREERLINK_IMPORT_VERIFIES_GRADUATES"]:
        user.alumnus_verified_at = now
        user.alumnus_verified_by_id = record.invited_by_id
    record.user_id = user.id
    record.accepted_at = now
    profile = mentor_services.opt_in(user, True)
    mentor_services.save_profile(
        user,
        profile,
        {"monthly_capacity": 2, "accepting_requests": True, "listed": True, **data},
    )
    return SignedIn(user, sessions.start_session(user, user_agent, ip))


def accept_signed_in(user, token: str, data: dict, agreed: bool) -> AlumniRecord:
    """Accept with the account one is signed in to (a password or campus sign-in), whose
    address must be the invited one: the same opt-in and verification, no new account."""
    record = record_for_invitation(token)
    if user.email != record.email:
        raise NotAllowed(
            _(
                "This invitation is for %(invited)s; you are signed in as %(signed_in)s. "
                "Sign out, then open the link again.",
                invited=record.email,
                signed_in=user.email,
            )
        )
    if not agreed:
        raise DomainError(_("Tick the box to agree before you join."), field="agree")
    user.add_role(Role.ALUMNUS)
    if current_app.config["CAREERLINK_IMPORT_VERIFIES_GRADUATES"] and not user.alumnus_verified:
        user.alumnus_verified_at = utcnow()
        user.alumnus_verified_by_id = record.invited_by_id
    if data.get("display_name"):
        user.display_name = " ".join(data["display_name"].split())[:120]
    record.user_id = user.id
    record.accepted_at = utcnow()
    profile = mentor_services.opt_in(user, True)
    mentor_services.save_profile(
        user,
        profile,
        {
            "monthly_capacity": profile.monthly_capacity or 2,
            "accepting_requests": True,
            "listed": True,
            **data,
        },
    )
    return record


def record_for_unsubscribe(token: str) -> AlumniRecord:
    """The record an unsubscribe link is for."""
    rid = read_unsubscribe_token(token).get("rid")
    record = db.session.get(AlumniRecord, rid) if isinstance(rid, int) else None
    if record is None:
        raise InvalidToken(_("This link is for a record that no longer exists."), link=UNSUBSCRIBE)
    return record


def unsubscribe(token: str) -> AlumniRecord:
    """No more invitations or reminders to this person, ever (a second click is harmless)."""
    record = record_for_unsubscribe(token)
    if record.unsubscribed_at is None:
        record.unsubscribed_at = utcnow()
    return record


def count_by_status() -> dict[str, int]:
    """How many records are invitable and not invited, invited and unanswered, accepted."""
    counts = {}
    for name, condition in (
        ("not_invited", and_(invitable(), AlumniRecord.invited_at.is_(None))),
        ("unanswered", and_(invitable(), AlumniRecord.invited_at.is_not(None))),
        ("accepted", AlumniRecord.accepted_at.is_not(None)),
        (
            "never",
            or_(AlumniRecord.deceased, AlumniRecord.do_not_contact, AlumniRecord.confidential),
        ),
    ):
        counts[name] = db.session.scalar(
            select(func.count()).where(condition).select_from(AlumniRecord)
        )
    return counts
