"""The career office: the queue, one request with its timeline, approve, ask for more detail,
decline, bulk; profiles waiting for verification, verify or reject."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from careerlink.api import present
from careerlink.api import schemas as s
from careerlink.api.auth import current_caller
from careerlink.api.blueprint import bp, commit
from careerlink.api.scopes import STAFF
from careerlink.api.spec import operation
from careerlink.connections import services
from careerlink.errors import NotFound
from careerlink.mentors import services as mentors
from careerlink.mentors.availability import get_profile
from careerlink.mentors.models import MentorProfile
from careerlink.pagination import paginate
from careerlink.permissions import require

TAG = "staff"


def staff_member():
    """The caller, who must be career-office staff (403 otherwise)."""
    user = current_caller().user
    require(user.is_staff, _("Only the career office can do this."))
    return user


def staff_request(request_id: int):
    """Any request, for staff."""
    staff_member()
    req = services.get_request(request_id)
    if req is None:
        raise NotFound(_("There is no request with that id."))
    return req


@bp.get("/staff/requests")
@operation(tag=TAG, returns=s.QueueOut, scope=STAFF, query=s.QueueQuery)
def staff_queue():
    """The queue, oldest waiting first, with the same filters as the staff page.

    `state` is a state, `open`, `overdue` (relayed past the answer deadline) or empty for all.
    """
    query: s.QueueQuery = request.context.query
    me = staff_member()
    filters = services.QueueFilters(
        state=query.state, kind=query.kind, industry=query.industry, min_days=query.min_days
    )
    page = paginate(services.queue_query(filters), query.page, query.per_page)
    counts = services.request_counts()
    return s.QueueOut(
        **present.page_info(page, "api.staff_queue"),
        items=[present.request_out(r, me) for r in page.items],
        counts=s.QueueCounts(**counts),
    )


@bp.get("/staff/requests/<int:request_id>")
@operation(tag=TAG, returns=s.StaffRequestOut, scope=STAFF)
def staff_get_request(request_id: int):
    """A request with its timeline, both sides' feedback and the alumnus's load."""
    req = staff_request(request_id)
    return present.staff_request_out(req, current_caller().user)


def _answer(req):
    return present.staff_request_out(req, current_caller().user)


@bp.post("/staff/requests/<int:request_id>/approve")
@operation(tag=TAG, returns=s.StaffRequestOut, scope=STAFF, body=s.ApproveBody)
def approve_request(request_id: int):
    """Approve and relay to the alumnus, with an optional note and an edited message."""
    body: s.ApproveBody = request.context.json
    req = staff_request(request_id)
    commit(
        lambda: services.approve_request(
            req, current_caller().user, note=body.note or None, message=body.message
        )
    )
    return _answer(req)


@bp.post("/staff/requests/<int:request_id>/ask-info")
@operation(tag=TAG, returns=s.StaffRequestOut, scope=STAFF, body=s.AskInfoBody)
def ask_student_for_info(request_id: int):
    """Send the request back to the student with a question."""
    body: s.AskInfoBody = request.context.json
    req = staff_request(request_id)
    commit(
        lambda: services.ask_student_for_info(req, current_caller().user, question=body.question)
    )
    return _answer(req)


@bp.post("/staff/requests/<int:request_id>/decline")
@operation(tag=TAG, returns=s.StaffRequestOut, scope=STAFF, body=s.ReasonBody)
def staff_decline_request(request_id: int):
    """Decline with a reason for the student, who is pointed to similar alumni."""
    body: s.ReasonBody = request.context.json
    req = staff_request(request_id)
    commit(lambda: services.decline_by_staff(req, current_caller().user, reason=body.reason))
    return _answer(req)


@bp.post("/staff/requests/bulk")
@operation(tag=TAG, returns=s.BulkOut, scope=STAFF, body=s.BulkBody)
def bulk_review():
    """Approve or decline up to 500 requests; one that is refused is skipped, not the rest."""
    body: s.BulkBody = request.context.json
    me = staff_member()
    result = commit(
        lambda: services.bulk_review(
            list(body.request_ids), me, action=body.action, reason=body.reason
        )
    )
    return s.BulkOut(
        done=result.done,
        skipped=[s.Skipped(id=i, reason=why) for i, why in result.skipped],
    )


@bp.get("/staff/profiles/pending")
@operation(tag=TAG, returns=s.PendingList, scope=STAFF, query=s.PageQuery)
def pending_profiles():
    """Mentor profiles waiting for the career office to confirm their owner graduated here."""
    query: s.PageQuery = request.context.query
    staff_member()
    page = paginate(mentors.pending_profiles_query(), query.page, query.per_page)
    return s.PendingList(
        **present.page_info(page, "api.pending_profiles"),
        items=[_pending(p) for p in page.items],
    )


def _pending(profile: MentorProfile) -> s.PendingProfile:
    return s.PendingProfile(
        id=profile.id,
        owner=present.person(profile.user),
        email=profile.user.email,
        headline=profile.headline,
        employer=profile.employer,
        job_title=profile.job_title,
        class_year=profile.class_year,
        programme=profile.programme,
        degree=profile.degree,
        opted_in_at=profile.opted_in_at,
        created_at=profile.created_at,
    )


def _profile(profile_id: int) -> MentorProfile:
    staff_member()
    profile = get_profile(profile_id)
    if profile is None:
        raise NotFound(_("There is no mentor profile with that id."))
    return profile


@bp.post("/staff/profiles/<int:profile_id>/verify")
@operation(tag=TAG, returns=s.PendingProfile, scope=STAFF, writes=True)
def verify_profile(profile_id: int):
    """Confirm the alumnus graduated here: the profile is listed and they are told."""
    profile = _profile(profile_id)
    commit(lambda: mentors.approve_profile(current_caller().user, profile))
    return _pending(profile)


@bp.post("/staff/profiles/<int:profile_id>/reject")
@operation(tag=TAG, returns=s.PendingProfile, scope=STAFF, body=s.ReasonBody)
def reject_profile(profile_id: int):
    """Refuse a profile with a reason, which is emailed to the alumnus."""
    body: s.ReasonBody = request.context.json
    profile = _profile(profile_id)
    commit(lambda: mentors.reject_profile(current_caller().user, profile, body.reason))
    return _pending(profile)
