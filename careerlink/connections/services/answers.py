"""The alumnus answers (accept, decline, another interview time, a referral passed on) and their
answer statistics; the student withdraws or confirms a time; either side cancels a meeting."""

from __future__ import annotations

import statistics
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from careerlink.accounts.models import User
from careerlink.audit import AuditAction, record
from careerlink.connections import notifications, uploads
from careerlink.connections.models import ConnectionRequest, Outcome, RequestOutcome, RequestState
from careerlink.connections.services.queries import can_answer_request
from careerlink.connections.slots import check_link, make_slot
from careerlink.connections.uploads import Upload, file_type
from careerlink.errors import DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db
from careerlink.mentors.availability import set_response_statistics
from careerlink.models import utcnow
from careerlink.permissions import is_staff, require

ONLY_THE_ALUMNUS = _l("Only the alumnus this request was sent to can answer it.")
REVIEW_MAX = 5000


def accept_request(
    req: ConnectionRequest,
    alumnus: User,
    *,
    scheduled_date: date | None = None,
    note: str | None = None,
    slot_index: int | None = None,
    meeting_link: str | None = None,
    review_comments: str | None = None,
    review_file: Upload | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The alumnus accepts: an introduction, a day or an interview time (both get an
    invitation), a résumé review (the comments reach the student), or a referral to pass on."""
    now = now or utcnow()
    require(can_answer_request(alumnus, req), str(ONLY_THE_ALUMNUS))
    if req.is_interview:
        return _accept_interview(req, alumnus, slot_index, meeting_link, note, now)
    if req.is_review:
        comments = (review_comments or "").strip()
        if not comments:
            raise DomainError(_("Write your comments on the résumé."), field="review_comments")
        if len(comments) > REVIEW_MAX:
            raise DomainError(
                _("Keep the comments under %(count)d characters.", count=REVIEW_MAX),
                field="review_comments",
            )
        files = {}
        if review_file is not None and review_file.data:
            kind = file_type(review_file, field="review_file")
            files = {
                "review_file": uploads.store(review_file, kind),
                "review_file_type": kind,
                "review_file_name": uploads.display_name(review_file.filename),
            }
        req.accept(by=alumnus, note=note, now=now, review_comments=comments, **files)
        notifications.resume_reviewed(req)
        recompute_mentor_stats(req.alumnus_id)
        return req
    if req.is_referral:
        req.accept(by=alumnus, note=note, now=now)
        notifications.referral_accepted(req)
        recompute_mentor_stats(req.alumnus_id)
        return req
    if req.is_shadowing:
        if scheduled_date is None:
            raise DomainError(
                _("Choose one of the proposed dates, or propose another."), field="date"
            )
        if scheduled_date <= now.date():
            raise DomainError(_("Choose a date after today."), field="date")
    req.accept(
        by=alumnus, scheduled_date=scheduled_date if req.is_shadowing else None, note=note, now=now
    )
    if req.is_shadowing:
        notifications.shadowing_scheduled(req)
    else:
        notifications.introduction(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def _accept_interview(
    req: ConnectionRequest,
    alumnus: User,
    slot_index: int | None,
    meeting_link: str | None,
    note: str | None,
    now: datetime,
) -> ConnectionRequest:
    slots = req.slots
    if slot_index is None or not 0 <= slot_index < len(slots):
        raise DomainError(_("Choose one of the proposed times, or propose another."), field="slot")
    slot = slots[slot_index]
    if slot.start <= now:
        raise DomainError(
            _("That time has passed; choose another or propose a new one."), field="slot"
        )
    req.accept(
        by=alumnus,
        note=f"{_('Interview on %(slot)s.', slot=slot.describe())} {note or ''}".strip(),
        now=now,
        scheduled_start=slot.start,
        scheduled_minutes=slot.minutes,
        scheduled_date=slot.local_start().date(),
        meeting_link=check_link(meeting_link),
    )
    notifications.interview_scheduled(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def propose_slot(
    req: ConnectionRequest,
    alumnus: User,
    *,
    day: date | None,
    start: time | None,
    minutes: int | None,
    meeting_link: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The alumnus proposes another interview time; the student confirms it or withdraws."""
    now = now or utcnow()
    require(can_answer_request(alumnus, req), str(ONLY_THE_ALUMNUS))
    slot = make_slot(day, start, minutes, now, field="new_day")
    link = check_link(meeting_link)
    req.propose_slot(by=alumnus, start=slot.start, minutes=slot.minutes, note=note, now=now)
    if link:
        req.meeting_link = link
    notifications.interview_time_proposed(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def confirm_slot(
    req: ConnectionRequest, student: User, *, now: datetime | None = None
) -> ConnectionRequest:
    """The student agrees to the alumnus's time: both get the invitation."""
    now = now or utcnow()
    require(student.id == req.student_id, _("Only the student who asked can confirm the time."))
    slot = req.scheduled_slot
    if slot is not None and slot.start <= now:
        raise DomainError(_("That time has passed; withdraw and ask again."))
    req.confirm_slot(
        by=student, scheduled_date=slot.local_start().date() if slot else now.date(), now=now
    )
    notifications.interview_scheduled(req)
    return req


def reschedule_interview(
    req: ConnectionRequest,
    alumnus: User,
    *,
    day: date | None,
    start: time | None,
    minutes: int | None,
    meeting_link: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The alumnus moves a scheduled interview: both get an updated invitation (SEQUENCE + 1)."""
    now = now or utcnow()
    require(alumnus.id == req.alumnus_id, str(ONLY_THE_ALUMNUS))
    slot = make_slot(day, start, minutes, now, field="new_day")
    link = check_link(meeting_link)
    req.reschedule(
        by=alumnus,
        start=slot.start,
        minutes=slot.minutes,
        scheduled_date=slot.local_start().date(),
        note=f"{_('Moved to %(slot)s.', slot=slot.describe())} {note or ''}".strip(),
        now=now,
    )
    if link:
        req.meeting_link = link
    notifications.interview_scheduled(req, rescheduled=True)
    return req


def set_meeting_link(
    req: ConnectionRequest,
    alumnus: User,
    *,
    meeting_link: str | None,
    now: datetime | None = None,
) -> bool:
    """The alumnus adds, changes or removes the meeting link of a scheduled interview (no new
    state); whether it changed.

    The link is in the calendar event (its description, and its location when there is no
    place), so a change is an updated invitation with the next SEQUENCE; the same link again
    changes and sends nothing.
    """
    now = now or utcnow()
    require(alumnus.id == req.alumnus_id, str(ONLY_THE_ALUMNUS))
    if not req.is_interview:
        raise InvalidTransition(
            _("A request of this kind (%(kind)s) has no meeting link.", kind=req.kind_enum.heading)
        )
    if req.state != RequestState.SCHEDULED.value:
        raise InvalidTransition(
            _(
                "Only a scheduled interview's meeting link can be changed; this request's state "
                "is: %(state)s.",
                state=req.state_enum.label,
            )
        )
    link = check_link(meeting_link)
    if link == req.meeting_link:
        return False
    req.meeting_link = link
    req.ics_sequence = (req.ics_sequence or 0) + 1
    req.updated_at = now
    db.session.flush()
    notifications.interview_link_changed(req)
    return True


def ask_other_time(
    req: ConnectionRequest,
    student: User,
    *,
    day: date | None,
    start: time | None,
    minutes: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """The student asks to move a scheduled interview: the alumnus is emailed the time asked
    and moves the interview (or keeps it); the calendars keep the agreed time meanwhile."""
    now = now or utcnow()
    require(student.id == req.student_id, _("Only the student who asked can ask for another time."))
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        raise DomainError(_("Keep the note under 1000 characters."), field="note")
    slot = make_slot(day, start, minutes, now, field="other_day")
    current = req.scheduled_slot
    if current is not None and (current.start, current.minutes) == (slot.start, slot.minutes):
        raise DomainError(
            _("That is already the interview's time; choose another."), field="other_day"
        )
    if current is not None and current.start <= now:
        raise DomainError(_("The interview has already begun; it can no longer be moved."))
    req.ask_other_time(
        by=student,
        slot=slot,
        note=f"{_('Asks to move it to %(slot)s.', slot=slot.describe())} {note or ''}".strip(),
        now=now,
    )
    notifications.interview_other_time_asked(req, slot, note)
    return req


def confirm_referral(
    req: ConnectionRequest, alumnus: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The alumnus passed the résumé on: the student is told, and "referred" is recorded."""
    now = now or utcnow()
    require(alumnus.id == req.alumnus_id, str(ONLY_THE_ALUMNUS))
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        raise DomainError(_("Keep the note under 1000 characters."), field="note")
    req.confirm_referral(by=alumnus, note=note, now=now)
    # The outcome the reports count: "referred", then the student's "job interview", "offer".
    db.session.add(
        RequestOutcome(request_id=req.id, kind=Outcome.REFERRED.value, note=note, recorded_at=now)
    )
    db.session.flush()
    db.session.expire(req, ["outcomes"])
    notifications.referral_passed_on(req)
    return req


def decline_by_alumnus(
    req: ConnectionRequest, alumnus: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The alumnus declines; the student gets a kind email."""
    require(can_answer_request(alumnus, req), str(ONLY_THE_ALUMNUS))
    req.decline_by_alumnus(by=alumnus, note=note, now=now)
    notifications.request_declined_by_alumnus(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def withdraw_request(
    req: ConnectionRequest, student: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The student withdraws before acceptance; the alumnus is told only if it was relayed."""
    require(
        student.id == req.student_id, _("Only the student who asked can withdraw this request.")
    )
    # The alumnus has seen a relayed request (and proposed a time for one in slot_proposed).
    was_relayed = req.state in (RequestState.RELAYED.value, RequestState.SLOT_PROPOSED.value)
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
        raise DomainError(_("Say why you are cancelling."), field="reason")
    if actor.id == req.student_id:
        role = "student"
    elif actor.id == req.alumnus_id:
        role = "alumnus"
    elif is_staff(actor):
        role = "staff"
    else:
        raise NotAllowed(_("Only the student, the alumnus or the career office can cancel."))
    req.cancel(by=actor, role=role, reason=reason, now=now)
    if role == "staff":
        record(AuditAction.REQUEST_CANCELLED, actor=actor, obj=req)
    if req.is_interview:
        notifications.interview_cancelled(req)
    else:
        notifications.shadowing_cancelled(req)
    return req


def recompute_mentor_stats(alumnus_id: int) -> None:
    """Count the alumnus's answered and expired requests and hand the numbers to mentors."""
    rows = db.session.execute(
        select(ConnectionRequest.relayed_at, ConnectionRequest.answered_at).where(
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.relayed_at.is_not(None),
            or_(
                ConnectionRequest.answered_at.is_not(None),
                ConnectionRequest.state == RequestState.EXPIRED.value,
            ),
        )
    ).all()
    days = [
        (r.answered_at - r.relayed_at).total_seconds() / 86400
        for r in rows
        if r.answered_at is not None
    ]
    set_response_statistics(
        alumnus_id,
        asked=len(rows),
        answered=len(days),
        median_days=round(statistics.median(days), 1) if days else None,
    )
