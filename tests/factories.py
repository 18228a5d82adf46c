"""Helpers for request tests: a good message, working days, driving a request to a state."""

from __future__ import annotations

from datetime import date, timedelta

MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine, and I would be "
    "grateful for an introduction to the practice manager at your clinic."
)


def working_days(count: int, start: date | None = None, gap: int = 1) -> list[date]:
    """`count` weekdays after `start` (today by default), `gap` weekdays apart."""
    from careerlink.models import utcnow

    day = start or utcnow().date()
    found: list[date] = []
    step = 0
    while len(found) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            if step % gap == 0:
                found.append(day)
            step += 1
    return found


def advance(req, state: str, staff, now=None):
    """Drive a freshly submitted request to `state` through the model methods."""
    from careerlink.connections import services

    alumnus = req.alumnus
    student = req.student
    if state == "submitted":
        return req
    if state == "needs_info":
        services.ask_student_for_info(req, staff, question="Which dates?", now=now)
    elif state == "declined_by_staff":
        services.decline_by_staff(req, staff, reason="Not this time.", now=now)
    elif state == "withdrawn":
        services.withdraw_request(req, student, now=now)
    else:
        services.approve_request(req, staff, now=now)
        if state == "relayed":
            pass
        elif state == "declined_by_alumnus":
            services.decline_by_alumnus(req, alumnus, note="Busy", now=now)
        elif state == "expired":
            req.expire(now=now)
        elif state in ("introduced", "scheduled", "cancelled", "completed"):
            day = req.proposed_date_values[0] if req.is_shadowing else None
            services.accept_request(req, alumnus, scheduled_date=day, now=now)
            if state == "cancelled":
                services.cancel_request(req, student, reason="I am ill.", now=now)
            elif state == "completed":
                req.complete(now=now)
        else:
            raise ValueError(state)
    return req
