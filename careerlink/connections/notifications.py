"""Which request email goes to whom; each enqueues outbox rows in the caller's transaction.

Answer and feedback links act for their recipient without a sign-in: they are marked `Secret`,
so the stored message (what staff read in the outbox) holds a placeholder instead.
"""

from __future__ import annotations

from typing import Any

from careerlink.connections import ics
from careerlink.connections.links import (
    account_link,
    answer_link,
    directory_link,
    feedback_link,
    request_link,
)
from careerlink.connections.slots import zone_name
from careerlink.mail import Secret, enqueue
from careerlink.mentors.availability import student_profile_for_alumni
from careerlink.models import utcnow


def _industry_slug(profile) -> str | None:
    industries = list(getattr(profile, "industries", None) or []) if profile is not None else []
    return industries[0].slug if industries else None


def context(req, **extra: Any) -> dict[str, Any]:
    """What every request email can use."""
    profile = req.mentor_profile
    ctx = {
        "req": req,
        "student": req.student,
        "alumnus": req.alumnus,
        "profile": profile,
        # The emails go to the alumnus (or to both): a directory hold hides the profile.
        "student_profile": student_profile_for_alumni(req.student_id),
        "kind_label": req.kind_enum.label,
        "opening": req.opening,
        "request_url": request_link(req),
    }
    ctx.update(extra)
    return ctx


def request_relayed(req) -> None:
    """Approval: the alumnus gets the request with answer buttons; the student is told."""
    link = Secret(answer_link(req))
    enqueue("request_relayed", "alumnus", req.alumnus.email, context(req, answer_url=link))
    enqueue("request_relayed", "student", req.student.email, context(req))


def request_needs_info(req) -> None:
    """Staff asked the student for more detail."""
    enqueue("request_needs_info", "student", req.student.email, context(req))


def _to_student_with_others(template: str, req, industry_slug: str | None) -> None:
    """The student's email that points them at other alumni (of the industry, if known)."""
    url = directory_link(industry_slug)
    enqueue(template, "student", req.student.email, context(req, directory_url=url))


def request_declined_by_staff(req) -> None:
    """Staff declined; the student is pointed at similar alumni."""
    _to_student_with_others("request_declined_by_staff", req, _industry_slug(req.mentor_profile))


def request_closed_alumnus_left(req) -> None:
    """The alumnus deleted their account before seeing the request; the student may ask another.

    The email names no one but the student: the alumnus's account is being erased.
    """
    industry = getattr(req, "industry", None)
    slug = industry.slug if industry is not None else None
    _to_student_with_others("request_closed_alumnus_left", req, slug)


def introduction(req) -> None:
    """One email to both: who is who and what to do next; they reply to each other."""
    enqueue(
        "introduction",
        "both",
        [req.student.email, req.alumnus.email],
        context(req),
        reply_to=req.alumnus.email,
    )


def shadowing_scheduled(req) -> None:
    """Both get the day, the logistics and a calendar invitation."""
    stamp = req.answered_at or utcnow()
    attachment = ics.request_attachment(req, req.mentor_profile, "REQUEST", stamp)
    enqueue(
        "shadowing_scheduled",
        "both",
        [req.student.email, req.alumnus.email],
        context(req),
        reply_to=req.alumnus.email,
        attachments=[attachment],
    )


def shadowing_cancelled(req) -> None:
    """Both get the cancellation with a calendar CANCEL for the same event."""
    stamp = req.closed_at or utcnow()
    attachment = ics.request_attachment(req, req.mentor_profile, "CANCEL", stamp)
    enqueue(
        "shadowing_cancelled",
        "both",
        [req.student.email, req.alumnus.email],
        context(req),
        attachments=[attachment],
    )


def interview_scheduled(req, *, rescheduled: bool = False) -> None:
    """Both get the interview's time, format and link, and a calendar invitation (an update,
    with a higher SEQUENCE, when it moved)."""
    stamp = req.updated_at or utcnow()
    attachment = ics.request_attachment(req, req.mentor_profile, "REQUEST", stamp)
    enqueue(
        "interview_scheduled",
        "both",
        [req.student.email, req.alumnus.email],
        context(req, rescheduled=rescheduled, zone=zone_name()),
        reply_to=req.alumnus.email,
        attachments=[attachment],
    )


def interview_link_changed(req) -> None:
    """The alumnus changed only the meeting link: both get it, with the calendar update (the
    link is in the event) under the next SEQUENCE."""
    stamp = req.updated_at or utcnow()
    attachment = ics.request_attachment(req, req.mentor_profile, "REQUEST", stamp)
    enqueue(
        "interview_link_changed",
        "both",
        [req.student.email, req.alumnus.email],
        context(req, zone=zone_name()),
        reply_to=req.alumnus.email,
        attachments=[attachment],
    )


def interview_other_time_asked(req, slot, note: str | None) -> None:
    """The student asks to move the interview: the alumnus gets the time asked and the link
    to move it (or to keep it; the calendars are unchanged until then)."""
    enqueue(
        "interview_other_time_asked",
        "alumnus",
        req.alumnus.email,
        context(
            req,
            asked=slot,
            student_note=note,
            answer_url=Secret(answer_link(req)),
            zone=zone_name(),
        ),
    )


def interview_time_proposed(req) -> None:
    """The alumnus proposed another time: the student confirms it (or withdraws) on the site."""
    enqueue("interview_time_proposed", "student", req.student.email, context(req, zone=zone_name()))


def interview_cancelled(req) -> None:
    """Both get the cancellation with a calendar CANCEL for the same event."""
    stamp = req.closed_at or utcnow()
    attachment = ics.request_attachment(req, req.mentor_profile, "CANCEL", stamp)
    enqueue(
        "interview_cancelled",
        "both",
        [req.student.email, req.alumnus.email],
        context(req, zone=zone_name()),
        attachments=[attachment],
    )


def resume_reviewed(req) -> None:
    """The alumnus's comments on the résumé reach the student."""
    enqueue("resume_reviewed", "student", req.student.email, context(req))


def referral_accepted(req) -> None:
    """The alumnus agreed to refer the student; they will confirm once it is passed on."""
    enqueue("referral_accepted", "student", req.student.email, context(req))


def referral_passed_on(req) -> None:
    """The alumnus passed the résumé on to the employer: the student is told."""
    enqueue("referral_passed_on", "student", req.student.email, context(req))


def request_declined_by_alumnus(req) -> None:
    """A kind email to the student, with other alumni to try."""
    _to_student_with_others("request_declined_by_alumnus", req, _industry_slug(req.mentor_profile))


def request_reminder(req) -> None:
    """Half the window has passed without an answer."""
    enqueue(
        "request_reminder",
        "alumnus",
        req.alumnus.email,
        context(req, answer_url=Secret(answer_link(req))),
    )


def request_expired(req) -> None:
    """No answer in time: the student is told and pointed at other alumni."""
    _to_student_with_others("request_expired", req, _industry_slug(req.mentor_profile))


def interview_time_expired(req) -> None:
    """The student did not confirm the alumnus's time in time: both are told it lapsed."""
    _to_student_with_others("interview_time_expired", req, _industry_slug(req.mentor_profile))
    enqueue("interview_time_expired", "alumnus", req.alumnus.email, context(req))


def request_withdrawn(req) -> None:
    """The student withdrew a request the alumnus had received."""
    enqueue("request_withdrawn", "alumnus", req.alumnus.email, context(req))


def feedback_requested(req) -> None:
    """Completion: each side gets its own feedback link."""
    enqueue(
        "feedback_requested",
        "student",
        req.student.email,
        context(req, feedback_url=Secret(feedback_link(req, "student"))),
    )
    enqueue(
        "feedback_requested",
        "alumnus",
        req.alumnus.email,
        context(req, feedback_url=Secret(feedback_link(req, "alumnus"))),
    )


def alumnus_paused(profile, expiries: int, staff_emails: list[str]) -> None:
    """Staff (the addresses given) learn that an alumnus was paused; the alumnus, how to resume."""
    ctx = {"profile": profile, "alumnus": profile.user, "expiries": expiries}
    if staff_emails:
        enqueue("alumnus_paused", "staff", list(staff_emails), ctx)
    enqueue("alumnus_paused", "alumnus", profile.user.email, {**ctx, "account_url": account_link()})
