"""The clock (`flask careerlink requests tick`): remind, expire, complete, pause.

Each request is one unit of work, run inside `unit()`, which the caller chooses: the CLI
passes `transaction`, so one request's race or crash never loses the others' work; a caller
that wants to commit once passes a savepoint (`db.session.begin_nested`). The clock itself
never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError

from careerlink.connections import notifications
from careerlink.connections.machine import ANSWERED_STATES
from careerlink.connections.models import ConnectionRequest, RequestState
from careerlink.connections.services.answers import recompute_mentor_stats
from careerlink.connections.services.queries import get_request, staff_emails
from careerlink.connections.settings import (
    complete_after_days,
    pause_after_expiries,
    response_days,
)
from careerlink.errors import InvalidTransition
from careerlink.extensions import db
from careerlink.mentors import availability
from careerlink.models import utcnow

log = logging.getLogger(__name__)

Unit = Callable[[], AbstractContextManager]


@dataclass
class TickResult:
    """What one run of the clock did."""

    reminded: int = 0
    expired: int = 0
    completed: int = 0
    paused: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        counts = {
            "reminded": self.reminded,
            "expired": self.expired,
            "completed": self.completed,
            "paused": self.paused,
            "skipped": self.skipped,
        }
        if self.skipped:
            return _(
                "reminded %(reminded)d, expired %(expired)d, completed %(completed)d, "
                "paused %(paused)d alumni, skipped %(skipped)d (changed meanwhile)",
                **counts,
            )
        return _(
            "reminded %(reminded)d, expired %(expired)d, completed %(completed)d, "
            "paused %(paused)d alumni",
            **counts,
        )


# --- what is due ------------------------------------------------------------------------------


def due_reminders(now: datetime) -> list[int]:
    """Relayed requests past half their answer window, not yet reminded, not yet overdue."""
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
    return [
        r.id
        for r in relayed
        if r.relayed_at is not None
        and now >= r.relayed_at + ((r.respond_by - r.relayed_at) if r.respond_by else window) / 2
    ]


def due_expiries(now: datetime) -> list[int]:
    """Relayed requests whose answer window has ended, and times the alumnus proposed that the
    student has not confirmed within the same window (counted from the proposal) or before
    they start (ConnectionRequest.confirm_by)."""
    relayed = db.session.scalars(
        select(ConnectionRequest.id)
        .where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by <= now,
        )
        .order_by(ConnectionRequest.respond_by, ConnectionRequest.id)
    ).all()
    proposed = db.session.scalars(
        select(ConnectionRequest.id)
        .where(
            ConnectionRequest.state == RequestState.SLOT_PROPOSED.value,
            or_(
                ConnectionRequest.answered_at <= now - timedelta(days=response_days()),
                ConnectionRequest.scheduled_start <= now,
            ),
        )
        .order_by(ConnectionRequest.id)
    ).all()
    return [*relayed, *proposed]


# The states that complete some days after the alumnus's answer, not on a date.
_COMPLETE_AFTER_DAYS = [
    RequestState.INTRODUCED.value,
    RequestState.REVIEWED.value,
    RequestState.REFERRED.value,
]


def due_completions(now: datetime) -> list[int]:
    """Introductions, résumé reviews and passed-on referrals old enough to have borne fruit,
    and shadowing days and informational interviews that have passed."""
    introduced_before = now - timedelta(days=complete_after_days())
    return list(
        db.session.scalars(
            select(ConnectionRequest.id)
            .where(
                or_(
                    (ConnectionRequest.state.in_(_COMPLETE_AFTER_DAYS))
                    & (ConnectionRequest.answered_at <= introduced_before),
                    (ConnectionRequest.state == RequestState.SCHEDULED.value)
                    & (ConnectionRequest.scheduled_date < now.date()),
                )
            )
            .order_by(ConnectionRequest.id)
        )
    )


# --- one request each -------------------------------------------------------------------------


def remind(req: ConnectionRequest, now: datetime) -> tuple[str, ...]:
    """Remind the alumnus (the machine's guard makes two ticks at once send one reminder)."""
    req.remind(now=now)
    notifications.request_reminder(req)
    return ("reminded",)


def expire(req: ConnectionRequest, now: datetime) -> tuple[str, ...]:
    """Expire an unanswered request, tell the student, and pause the alumnus if it is a run.

    A time the alumnus proposed that the student let lapse tells both sides, and never counts
    against the alumnus."""
    if req.state == RequestState.SLOT_PROPOSED.value:
        req.expire(now=now)
        notifications.interview_time_expired(req)
        return ("expired",)
    req.expire(now=now)
    notifications.request_expired(req)
    recompute_mentor_stats(req.alumnus_id)
    return ("expired", "paused") if maybe_pause(req.alumnus_id) else ("expired",)


def complete(req: ConnectionRequest, now: datetime) -> tuple[str, ...]:
    """Complete the request and ask both sides for feedback."""
    req.complete(now=now)
    notifications.feedback_requested(req)
    return ("completed",)


def consecutive_expiries(alumnus_id: int, limit: int) -> int:
    """How many of the alumnus's most recently relayed, concluded requests expired in a row
    unanswered (a proposed time the student let lapse was answered: it ends the run)."""
    rows = db.session.execute(
        select(ConnectionRequest.state, ConnectionRequest.answered_at)
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
    for state, answered_at in rows:
        if state != RequestState.EXPIRED.value or answered_at is not None:
            break
        count += 1
    return count


def maybe_pause(alumnus_id: int) -> bool:
    """Pause an alumnus who let the last few requests expire; tell staff and the alumnus."""
    threshold = pause_after_expiries()
    if threshold <= 0 or consecutive_expiries(alumnus_id, threshold) < threshold:
        return False
    profile = availability.pause(alumnus_id)
    if profile is None:
        return False
    notifications.alumnus_paused(profile, threshold, staff_emails())
    return True


# --- the run ----------------------------------------------------------------------------------


def _each(
    ids: Iterable[int],
    work: Callable[[ConnectionRequest, datetime], tuple[str, ...]],
    now: datetime,
    unit: Unit,
    result: TickResult,
) -> None:
    for request_id in ids:
        try:
            with unit():
                req = get_request(request_id)
                counted = work(req, now) if req is not None else ()
        except (InvalidTransition, OperationalError) as err:
            # Another tick (or a person) got there first; this request's unit wrote nothing.
            log.info("tick skipped request %s: %s", request_id, err)
            result.skipped += 1
            continue
        # Counted only once the unit has finished (with `transaction`, committed).
        for name in counted:
            setattr(result, name, getattr(result, name) + 1)


def tick(now: datetime | None = None, *, unit: Unit) -> TickResult:
    """Remind at half the window, expire at its end, complete and ask for feedback, pause.

    Each request is worked inside its own `unit()` (see the module docstring); a request that
    changed meanwhile is skipped and counted as such.
    """
    now = now or utcnow()
    result = TickResult()
    _each(due_reminders(now), remind, now, unit, result)
    _each(due_expiries(now), expire, now, unit, result)
    _each(due_completions(now), complete, now, unit, result)
    return result
