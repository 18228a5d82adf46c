"""Requests as their two people see them: ask, revise, withdraw, cancel, feedback; accept,
decline; an interview's other times, its move and its link; a referral passed on. Every change
goes through the same service as the page does."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from careerlink.accounts.models import User
from careerlink.api import present
from careerlink.api import schemas as s
from careerlink.api.auth import current_caller
from careerlink.api.blueprint import bp, commit
from careerlink.api.scopes import REQUESTS_READ, REQUESTS_WRITE
from careerlink.api.spec import operation
from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest, RequestKind
from careerlink.errors import DomainError, NotFound

TAG = "requests"


def me() -> User:
    """The person the call acts as (the operation requires one)."""
    return current_caller().user


def visible_request(request_id: int) -> ConnectionRequest:
    """The request, if the caller may see it; 404 otherwise, as on the pages."""
    req = services.get_request(request_id)
    if req is None or not services.can_view_request(me(), req):
        raise NotFound(_("There is no request with that id."))
    return req


def answer(req: ConnectionRequest, status: int = 200):
    """The request after a change, as the caller sees it."""
    return present.request_out(req, me()), status


@bp.get("/me/requests")
@operation(tag=TAG, returns=s.RequestList, scope=REQUESTS_READ)
def my_requests():
    """The requests you sent as a student, newest first."""
    return s.RequestList(
        items=[present.request_out(r, me()) for r in services.requests_of_student(me())]
    )


@bp.get("/me/received")
@operation(tag=TAG, returns=s.RequestList, scope=REQUESTS_READ)
def received_requests():
    """The requests relayed to you as an alumnus, newest first (those waiting say so in actions)."""
    return s.RequestList(
        items=[present.request_out(r, me()) for r in services.requests_for_alumnus(me())]
    )


@bp.post("/mentors/<int:profile_id>/requests")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.AskBody, status=201)
def ask_mentor(profile_id: int):
    """Ask a mentor for something they offer (as a student).

    The request goes to the career office first. A shadowing day needs two or three proposed
    working days; an informational interview two to five times and a format; a referral a
    posting URL or one of the mentor's open openings; the message is 80 to 2000 characters.
    (A résumé file cannot be sent through the API.)
    """
    body: s.AskBody = request.context.json
    profile = services.mentor_profile(profile_id)
    if profile is None or not profile.is_visible:
        raise NotFound(_("There is no mentor with that id."))
    kind = RequestKind(body.kind)
    req = commit(
        lambda: services.submit_request(
            me(),
            profile,
            kind,
            hopes=body.hopes,
            why_alumnus=body.why_alumnus,
            message=body.message,
            proposed_dates=list(body.proposed_dates),
            slots=[(slot.day, slot.start, slot.minutes) for slot in body.slots],
            meeting_format=body.meeting_format,
            meeting_place=body.meeting_place,
            posting_url=body.posting_url,
            opening_id=body.opening_id,
            conduct_acknowledged=body.conduct_acknowledged,
        )
    )
    location = url_for("api.get_request", request_id=req.id)
    return present.request_out(req, me()), 201, {"Location": location}


@bp.get("/requests/<int:request_id>")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_READ)
def get_request(request_id: int):
    """A request you sent, one relayed to you, or (staff) any request."""
    return present.request_out(visible_request(request_id), me())


@bp.post("/requests/<int:request_id>/revise")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.ReviseBody)
def revise_request(request_id: int):
    """Answer the career office's question: the revised request returns to the queue."""
    body: s.ReviseBody = request.context.json
    req = visible_request(request_id)
    commit(
        lambda: services.revise_request(
            req,
            me(),
            hopes=body.hopes,
            why_alumnus=body.why_alumnus,
            message=body.message,
            proposed_dates=list(body.proposed_dates),
        )
    )
    return answer(req)


@bp.post("/requests/<int:request_id>/withdraw")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.NoteBody)
def withdraw_request(request_id: int):
    """Withdraw your request, until the alumnus accepts."""
    body: s.NoteBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.withdraw_request(req, me(), note=body.note or None))
    return answer(req)


@bp.post("/requests/<int:request_id>/cancel")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.CancelBody)
def cancel_request(request_id: int):
    """Cancel a scheduled shadowing day (either side, or staff); both get a cancellation."""
    body: s.CancelBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.cancel_request(req, me(), reason=body.reason))
    return answer(req)


@bp.post("/requests/<int:request_id>/feedback")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.FeedbackBody, status=201)
def give_feedback(request_id: int):
    """Tell the career office how it went (once per side, after the alumnus accepted)."""
    body: s.FeedbackBody = request.context.json
    req = visible_request(request_id)
    side = services.side_of(me(), req)
    if side is None:
        raise DomainError(_("Only the student and the alumnus of a request give feedback."))
    commit(
        lambda: services.give_feedback(
            req,
            side,
            met=body.met,
            usefulness=body.usefulness,
            comment=body.comment or None,
            author=me(),
        )
    )
    return answer(req, 201)


@bp.post("/requests/<int:request_id>/accept")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.AcceptBody)
def accept_request(request_id: int):
    """Accept a request relayed to you: a shadowing day needs the `date` you choose, an
    informational interview the `slot` (and optionally a `meeting_link`), a résumé review your
    `review_comments` (an annotated file can be sent only from the pages); a referral waits
    for you to confirm that you passed it on."""
    body: s.AcceptBody = request.context.json
    req = visible_request(request_id)
    commit(
        lambda: services.accept_request(
            req,
            me(),
            scheduled_date=body.date,
            note=body.note or None,
            slot_index=body.slot,
            meeting_link=body.meeting_link,
            review_comments=body.review_comments,
        )
    )
    return answer(req)


def _time_fields(body: s.TimeBody) -> dict:
    """An interview time from the API's body, as the services take it."""
    return {
        "day": body.day,
        "start": body.start,
        "minutes": body.minutes,
        "meeting_link": body.meeting_link,
        "note": body.note or None,
    }


@bp.post("/requests/<int:request_id>/propose-time")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.TimeBody)
def propose_time(request_id: int):
    """Propose another time for an informational interview relayed to you; the student
    confirms it or withdraws (or lets it lapse at the end of the answer window)."""
    body: s.TimeBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.propose_slot(req, me(), **_time_fields(body)))
    return answer(req)


@bp.post("/requests/<int:request_id>/confirm-time")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, writes=True)
def confirm_time(request_id: int):
    """Agree to the time the alumnus proposed (as the student): both get the invitation."""
    req = visible_request(request_id)
    commit(lambda: services.confirm_slot(req, me()))
    return answer(req)


@bp.post("/requests/<int:request_id>/reschedule")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.TimeBody)
def reschedule(request_id: int):
    """Move a scheduled informational interview (as the alumnus): both get an updated
    invitation with the next SEQUENCE."""
    body: s.TimeBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.reschedule_interview(req, me(), **_time_fields(body)))
    return answer(req)


@bp.post("/requests/<int:request_id>/ask-other-time")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.OtherTimeBody)
def ask_other_time(request_id: int):
    """Ask the alumnus to move a scheduled informational interview (as the student); the time
    agreed stands until they move it."""
    body: s.OtherTimeBody = request.context.json
    req = visible_request(request_id)
    commit(
        lambda: services.ask_other_time(
            req, me(), day=body.day, start=body.start, minutes=body.minutes, note=body.note
        )
    )
    return answer(req)


@bp.post("/requests/<int:request_id>/meeting-link")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.MeetingLinkBody)
def change_meeting_link(request_id: int):
    """Change only the meeting link of a scheduled interview (as the alumnus): both get an
    updated invitation, unless the link is the same."""
    body: s.MeetingLinkBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.set_meeting_link(req, me(), meeting_link=body.meeting_link))
    return answer(req)


@bp.post("/requests/<int:request_id>/referred")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.NoteBody)
def confirm_referral(request_id: int):
    """Confirm that you passed the student's résumé on (a referral you accepted); the student
    is told and "referred" is recorded."""
    body: s.NoteBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.confirm_referral(req, me(), note=body.note or None))
    return answer(req)


@bp.post("/requests/<int:request_id>/decline")
@operation(tag=TAG, returns=s.RequestOut, scope=REQUESTS_WRITE, body=s.NoteBody)
def decline_request(request_id: int):
    """Decline a request relayed to you, with an optional kind note for the student."""
    body: s.NoteBody = request.context.json
    req = visible_request(request_id)
    commit(lambda: services.decline_by_alumnus(req, me(), note=body.note or None))
    return answer(req)
