"""The alumnus answers (accept or decline) and their answer statistics; the student withdraws;
either side cancels a shadowing day."""

from __future__ import annotations

import statistics
from datetime import date, datetime

from sqlalchemy import or_, select

from careerlink.accounts.models import User
from careerlink.audit import AuditAction, record
from careerlink.connections import notifications
from careerlink.connections.models import ConnectionRequest, RequestState
from careerlink.connections.services.queries import can_answer_request
from careerlink.errors import DomainError, NotAllowed
from careerlink.extensions import db
from careerlink.mentors.availability import set_response_statistics
from careerlink.models import utcnow
from careerlink.permissions import is_staff, require

ONLY_THE_ALUMNUS = "Only the alumnus this request was sent to can answer it."


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
    require(can_answer_request(alumnus, req), ONLY_THE_ALUMNUS)
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
    require(can_answer_request(alumnus, req), ONLY_THE_ALUMNUS)
    req.decline_by_alumnus(by=alumnus, note=note, now=now)
    notifications.request_declined_by_alumnus(req)
    recompute_mentor_stats(req.alumnus_id)
    return req


def withdraw_request(
    req: ConnectionRequest, student: User, *, note: str | None = None, now: datetime | None = None
) -> ConnectionRequest:
    """The student withdraws before acceptance; the alumnus is told only if it was relayed."""
    require(student.id == req.student_id, "Only the student who asked can withdraw this request.")
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
        raise NotAllowed("Only the student, the alumnus or the career office can cancel.")
    req.cancel(by=actor, role=role, reason=reason, now=now)
    if role == "staff":
        record(AuditAction.REQUEST_CANCELLED, actor=actor, obj=req)
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
