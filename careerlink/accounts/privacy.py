"""A person's data: the JSON download, account deletion, the FERPA directory hold, and the
retention purge of old request messages. Services flush, never commit; each act is audited.

Deletion keeps the account's row (anonymised: no name, no address, no password) so that the
requests it took part in keep their states and dates for the statistics; everything that
could name the person (messages, notes, profiles, sessions, identities, tokens, the emails
about them) is removed or rewritten.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, delete, func, or_, select, update

from careerlink.accounts.models import Identity, User, UserSession
from careerlink.audit import AuditAction, AuditEntry, erase_person, record
from careerlink.connections import notifications as request_notifications
from careerlink.connections.models import (
    ACCOUNT_ENDED_NOTE,
    ConnectionRequest,
    RequestEvent,
    RequestFeedback,
    RequestOutcome,
    RequestState,
)
from careerlink.connections.services.answers import (
    cancel_request,
    decline_by_alumnus,
    withdraw_request,
)
from careerlink.errors import DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db
from careerlink.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus
from careerlink.mentors.models import MentorProfile, StudentProfile
from careerlink.models import utcnow
from careerlink.openings import services as openings_services
from careerlink.permissions import Role, is_staff

# RFC 2606 reserves .invalid: no mail can ever be delivered there (mail.enqueue drops it).
DELETED_DOMAIN = "deleted.invalid"
DELETED_NAME = "Deleted account"  # stored in English; pages and emails show DELETED_LABEL
DELETED_LABEL = _l("Deleted account")
ENDED_NOTE = ACCOUNT_ENDED_NOTE  # stored in English, translated where it is shown
R = ConnectionRequest
S = RequestState
# A request's words (the student's, the staff's, the alumnus's); its states and dates stay.
ERASED_WORDS = {
    "hopes": "",
    "why_alumnus": "",
    "message": "",
    "original_message": None,
    "staff_note": None,
    "info_question": None,
    "staff_reason": None,
    "alumnus_note": None,
    "cancel_reason": None,
    # The newer kinds' words: an interview's place and link, a résumé review's comments.
    "meeting_place": None,
    "meeting_link": None,
    "review_comments": None,
    # The files themselves are deleted by _remove_files, before their names are forgotten.
    "resume_file": None,
    "resume_type": None,
    "resume_name": None,
    "review_file": None,
    "review_file_type": None,
    "review_file_name": None,
}


def _remove_files(request_ids) -> None:
    """Delete the résumés (and annotated copies) of these requests from the upload folder."""
    from careerlink.connections import uploads

    rows = db.session.execute(
        select(R.resume_file, R.review_file).where(
            R.id.in_(request_ids), or_(R.resume_file.is_not(None), R.review_file.is_not(None))
        )
    ).all()
    for resume_file, review_file in rows:
        uploads.remove(resume_file)
        uploads.remove(review_file)


def deleted_address(user_id: int) -> str:
    """The address an anonymised account keeps (unique, undeliverable)."""
    return f"deleted-{user_id}@{DELETED_DOMAIN}"


def _require_self_or_staff(actor: User | None, user: User) -> None:
    if actor is None or not (actor.id == user.id or is_staff(actor)):
        raise NotAllowed(_("Only the person or the career office can do this."))


# --- the download -------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(actor: User, user: User) -> dict[str, Any]:
    """Everything CareerLink holds about the person, emails sent to them included; audited."""
    _require_self_or_staff(actor, user)
    if user.deleted_at is not None:
        raise InvalidTransition(_("This account was deleted; nothing about the person is left."))
    requests = db.session.scalars(
        select(R).where(or_(R.student_id == user.id, R.alumnus_id == user.id)).order_by(R.id)
    ).all()
    student = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))
    mentor = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    emails = db.session.scalars(
        select(OutboxMessage)
        .where(cast(OutboxMessage.recipients, String).contains(user.email))
        .order_by(OutboxMessage.id)
    ).all()
    data = {
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.display_name,
            "roles": sorted(r.value for r in user.roles),
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_sign_in_at": _iso(user.last_sign_in_at),
            "directory_hold": user.directory_hold,
            "has_password": user.password_hash is not None,
        },
        "student_profile": None
        if student is None
        else {
            "programme": student.programme,
            "class_year": student.class_year,
            "introduction": student.introduction,
            "is_graduate": student.is_graduate,
            "industries": [i.name for i in student.industries],
        },
        "mentor_profile": None
        if mentor is None
        else {
            column.name: _plain(getattr(mentor, column.key))
            for column in MentorProfile.__table__.columns
            if column.name not in ("search_document", "industry_key", "user_id")
            and not column.name.startswith("search_")
        }
        | {"industries": [i.name for i in mentor.industries]},
        "requests": [_request_data(req, user) for req in requests],
        # Openings the person posted, and their digest subscription (careerlink.openings).
        **openings_services.personal_data(user),
        "sign_ins": [
            {
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "ended_at": _iso(s.ended_at),
                "device": s.user_agent,
                "address": s.ip_address,
            }
            for s in db.session.scalars(
                select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
            )
        ],
        "campus_sign_in": [
            {"provider": i.provider, "email": i.email, "linked_at": _iso(i.created_at)}
            for i in db.session.scalars(select(Identity).where(Identity.user_id == user.id))
        ],
        "actions_recorded": [
            {
                "at": _iso(e.created_at),
                "action": e.action,
                "object": f"{e.object_type} {e.object_id}" if e.object_type else None,
                "address": e.ip_address,
            }
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
            )
        ],
        # Private links in these bodies are placeholders: the links themselves are secrets.
        "emails": [
            {
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "status": m.status,
                "subject": m.subject,
                "body": m.body_text,
            }
            for m in emails
        ],
    }
    record(AuditAction.DATA_EXPORTED, actor=actor, obj=user, detail="personal data (JSON)")
    return data


def _plain(value):
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _request_data(req: ConnectionRequest, user: User) -> dict[str, Any]:
    side = "student" if req.student_id == user.id else "alumnus"
    return {
        "id": req.id,
        "as": side,
        "kind": req.kind,
        "state": req.state,
        "created_at": _iso(req.created_at),
        "hopes": req.hopes,
        "why_alumnus": req.why_alumnus,
        "message": req.message,
        "proposed_dates": list(req.proposed_dates or []),
        "scheduled_date": req.scheduled_date.isoformat() if req.scheduled_date else None,
        "alumnus_note": req.alumnus_note,
        "history": [
            {"at": _iso(e.created_at), "from": e.from_state, "to": e.to_state, "by": e.actor_role}
            for e in req.events
        ],
        "feedback_given": [
            {"usefulness": f.usefulness, "met": f.met, "comment": f.comment}
            for f in req.feedback
            if f.side == side
        ],
        "outcomes": [o.kind for o in req.outcomes] if side == "student" else [],
    }


# --- deletion -----------------------------------------------------------------------------------


@dataclass
class Deletion:
    """What deleting an account did."""

    ended: int = 0
    emails_rewritten: int = 0


def _check_not_last_admin(user: User) -> None:
    if not user.has_role(Role.ADMIN):
        return
    from careerlink.accounts.models import UserRole

    others = db.session.scalar(
        select(func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(
            UserRole.role == Role.ADMIN.value,
            User.active.is_(True),
            User.id != user.id,
        )
    )
    if not others:
        raise DomainError(_("This is the last administrator's account; make another one first."))


def delete_account(actor: User, user: User, now: datetime | None = None) -> Deletion:
    """Anonymise the account, end its open requests (telling the other side), erase the rest.

    The first UPDATE claims the account (`deleted_at IS NULL` in its WHERE): of two deletions
    at once exactly one goes on, the other is refused and changes nothing.
    """
    _require_self_or_staff(actor, user)
    _check_not_last_admin(user)
    now = now or utcnow()
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.deleted_at.is_(None))
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvalidTransition(_("This account was already deleted."))
    db.session.refresh(user)
    old_name, old_email = user.display_name, user.email
    user.display_name = DELETED_NAME
    user.email = deleted_address(user.id)
    user.password_hash = None
    user.active = False
    user.email_verified_at = None
    user.last_sign_in_at = None
    user.alumnus_verified_at = None
    user.directory_hold = False
    db.session.flush()
    result = Deletion(ended=_end_open_requests(user, now))
    _erase_request_texts(user)
    db.session.execute(delete(StudentProfile).where(StudentProfile.user_id == user.id))
    mentor = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    if mentor is not None:
        db.session.delete(mentor)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(Identity).where(Identity.user_id == user.id))
    _erase_api_traces(user, old_email)
    # The user row stays (anonymised), so nothing cascades: openings go explicitly, and the
    # digests that listed them (sent to students, naming the openings) lose their content.
    digest_lines = openings_services.digest_lines_of(user)
    openings_services.erase_personal_data(user)
    db.session.flush()
    result.emails_rewritten = _rewrite_emails(old_name, old_email, digest_lines)
    # The log's one allowed change: the person's addresses and name leave their entries.
    erase_person(user.id, [old_name, old_email])
    entry = record(
        AuditAction.ACCOUNT_DELETED,
        actor=actor if actor.id != user.id else user,
        obj=user,
        detail=f"{result.ended} requests ended; {result.emails_rewritten} emails rewritten",
    )
    if actor.id == user.id:
        entry.ip_address = None  # the person's own address: recorded, it would outlive them
    return result


def _end_open_requests(user: User, now: datetime) -> int:
    """Close what the person left open; the other side gets the email of that move."""
    ended = 0
    open_states = (S.SUBMITTED.value, S.NEEDS_INFO.value, S.RELAYED.value, S.SCHEDULED.value)
    requests = db.session.scalars(
        select(R)
        .where(
            or_(
                and_(
                    or_(R.student_id == user.id, R.alumnus_id == user.id),
                    R.state.in_(open_states),
                ),
                # Another interview time waits for the student, who may withdraw it.
                and_(R.student_id == user.id, R.state == S.SLOT_PROPOSED.value),
            )
        )
        .order_by(R.id)
        .with_for_update(of=R)
    ).all()
    for req in requests:
        if req.state == S.SCHEDULED.value:
            cancel_request(req, user, reason=ENDED_NOTE, now=now)
        elif req.student_id == user.id:
            withdraw_request(req, user, note=ENDED_NOTE, now=now)
        elif req.state == S.RELAYED.value:
            decline_by_alumnus(req, user, note=ENDED_NOTE, now=now)
        else:
            # Not yet relayed: the alumnus never saw it and no one declined it; the system
            # closes it and the student hears the alumnus has left.
            req.close_alumnus_left(note=ENDED_NOTE, now=now)
            request_notifications.request_closed_alumnus_left(req)
        ended += 1
    return ended


def _erase_request_texts(user: User) -> None:
    """The words of every request the person took part in; states and dates stay."""
    mine = select(R.id).where(or_(R.student_id == user.id, R.alumnus_id == user.id))
    _remove_files(mine)
    db.session.execute(
        update(R)
        .where(R.id.in_(mine))
        .values(**ERASED_WORDS)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(RequestEvent)
        .where(RequestEvent.request_id.in_(mine))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(RequestFeedback)
        .where(RequestFeedback.request_id.in_(mine))
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(RequestOutcome)
        .where(RequestOutcome.request_id.in_(mine))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )


def _erase_api_traces(user: User, old_email: str) -> None:
    from careerlink.api.models import ApiToken, ApiTokenUse, CalendarFeed

    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.execute(
        update(ApiTokenUse)
        .where(or_(ApiTokenUse.acted_for_id == user.id, ApiTokenUse.acted_for == old_email))
        .values(acted_for=deleted_address(user.id))
        .execution_options(synchronize_session=False)
    )


ERASED_SUBJECT = "(erased) An email about an account since deleted"
ERASED_TEXT = (
    "This email concerned an account that has since been deleted; its content is erased.\n"
)
ERASED_REASON = "erased: the account it concerned was deleted"


def _rewrite_emails(old_name: str, old_email: str, digest_lines: list[str] = ()) -> int:
    """Emails to or about the person, written before the deletion: the person's own are
    deleted; others' keep their date and recipients but lose their content (and are never
    sent if still waiting). Emails written by the deletion itself name no one. `digest_lines`
    are the lines by which an openings digest lists the person's openings."""
    needles = {old_name, old_email, html.escape(old_name), html.escape(old_email)}
    conditions = [cast(OutboxMessage.recipients, String).contains(old_email)]
    conditions += [
        (OutboxMessage.event == "openings_digest") & OutboxMessage.body_text.contains(line)
        for line in digest_lines
    ]
    for needle in needles:
        conditions += [
            OutboxMessage.subject.contains(needle),
            OutboxMessage.body_text.contains(needle),
            OutboxMessage.body_html.contains(needle),
        ]
    rows = db.session.scalars(select(OutboxMessage).where(or_(*conditions))).all()
    for row in rows:
        recipients = [r for r in row.recipients if r.lower() != old_email]
        if not recipients:
            db.session.delete(row)
            continue
        row.recipients = recipients
        row.subject = ERASED_SUBJECT
        row.body_text = ERASED_TEXT
        row.body_html = f"<p>{html.escape(ERASED_TEXT.strip())}</p>"
        row.secrets = None
        if row.status in (OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value):
            row.status = OutboxStatus.FAILED.value
            row.last_error = ERASED_REASON
        db.session.execute(delete(OutboxAttachment).where(OutboxAttachment.message_id == row.id))
    return len(rows)


# --- the FERPA directory hold -------------------------------------------------------------------


def set_directory_hold(actor: User, user: User, hold: bool) -> None:
    """Staff record (or lift) a student's FERPA directory hold; audited."""
    if not is_staff(actor):
        raise NotAllowed(_("Only the career office records a directory hold."))
    if user.directory_hold == hold:
        if hold:
            raise InvalidTransition(
                _("%(name)s already has a directory hold.", name=user.display_name)
            )
        raise InvalidTransition(_("%(name)s has no directory hold.", name=user.display_name))
    user.directory_hold = hold
    record(
        AuditAction.DIRECTORY_HOLD_SET if hold else AuditAction.DIRECTORY_HOLD_LIFTED,
        actor=actor,
        obj=user,
    )


# --- the retention purge ------------------------------------------------------------------------


def purge_closed_messages(months: int, now: datetime | None = None) -> int:
    """Erase the words of requests closed more than `months` months ago; how many. 0: none."""
    if months < 0:
        raise DomainError(_("The retention period cannot be negative."))
    if months == 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=round(months * 30.44))
    old = select(R.id).where(
        R.closed_at < cutoff,
        or_(
            R.message != "",
            R.hopes != "",
            R.why_alumnus != "",
            R.alumnus_note.is_not(None),
            R.review_comments.is_not(None),
            R.resume_file.is_not(None),
            R.review_file.is_not(None),
        ),
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    _remove_files(ids)
    db.session.execute(
        update(R)
        .where(R.id.in_(ids))
        .values(**ERASED_WORDS)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(RequestEvent)
        .where(RequestEvent.request_id.in_(ids))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    record(
        AuditAction.MESSAGES_PURGED, detail=f"{len(ids)} requests closed over {months} months ago"
    )
    return len(ids)
