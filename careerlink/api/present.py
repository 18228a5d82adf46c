"""Domain objects as the API's output models: what each viewer may see, and nothing more.

The same privacy rules as the pages: no email address or phone number of a student or an
alumnus; the career office's note to the alumnus is the alumnus's (and staff's) to read; the
student's profile is shown to the alumnus once the request is relayed.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import request, url_for

from careerlink.accounts.models import User
from careerlink.api import schemas as s
from careerlink.connections.machine import FEEDBACK_STATES, WITHDRAWABLE_STATES, RequestState
from careerlink.connections.models import ConnectionRequest
from careerlink.connections.services import (
    ask_status,
    can_answer_request,
    load_of,
    side_of,
    student_profile_for_alumni,
)
from careerlink.mentors.models import MentorProfile
from careerlink.pagination import Page
from careerlink.permissions import is_staff


def industry(industry) -> s.IndustryOut:
    """An industry."""
    return s.IndustryOut(slug=industry.slug, name=industry.name)


def mentor_summary(profile: MentorProfile, today: date) -> s.MentorSummary:
    """A mentor as the directory lists them."""
    can, reason = profile.can_be_asked(today)
    return s.MentorSummary(
        id=profile.id,
        display_name=profile.display_name,
        headline=profile.headline,
        employer=profile.employer,
        job_title=profile.job_title,
        city=profile.city,
        region=profile.region,
        country=profile.country,
        open_to_remote=profile.open_to_remote,
        class_year=profile.class_year,
        programme=profile.programme,
        industries=[industry(i) for i in profile.industries],
        offers=profile.sorted_offers,
        tags=list(profile.tags or []),
        can_be_asked=can,
        unavailable_reason=reason,
        usually_answers_within_days=profile.usually_answers_within_days,
    )


def mentor_detail(profile: MentorProfile, viewer: User | None, today: date) -> s.MentorDetail:
    """A mentor's whole public page, and whether the viewer may ask them now."""
    status = ask_status(profile, viewer, today=today)
    return s.MentorDetail(
        **mentor_summary(profile, today).model_dump(),
        degree=profile.degree,
        bio=profile.bio,
        linkedin_url=profile.linkedin_url,
        monthly_capacity=profile.monthly_capacity,
        shadowing_location=profile.shadowing_location,
        shadowing_description=profile.shadowing_description,
        shadowing_requirements=profile.shadowing_requirements,
        shadowing_max_students=profile.shadowing_max_students,
        listed_in_directory=profile.is_visible,
        ask=s.AskOptions(can_ask=status.can_ask, reason=status.reason, kinds=status.kinds),
    )


def page_info(page: Page, endpoint: str, **values) -> dict:
    """Total, position and links of a page, for a list answer."""

    def link(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args["page"] = [str(number)]
        return url_for(endpoint, **values) + "?" + urlencode(args, doseq=True)

    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "links": s.PageLinks(
            self=link(page.page),
            first=link(1),
            last=link(page.pages),
            next=link(page.next_num) if page.next_num else None,
            prev=link(min(page.prev_num, page.pages)) if page.prev_num else None,
        ),
    }


def person(user: User | None) -> s.Person | None:
    """Someone by id and name."""
    if user is None:
        return None
    return s.Person(id=user.id, display_name=user.display_name)


def _student_profile(user_id: int) -> s.StudentProfileOut | None:
    profile = student_profile_for_alumni(user_id)  # shown to the alumnus: the hold applies
    if profile is None:
        return None
    return s.StudentProfileOut(
        programme=profile.programme,
        class_year=profile.class_year,
        is_graduate=profile.is_graduate,
        introduction=profile.introduction,
        industries=[industry(i) for i in profile.industries],
    )


def side(viewer: User, req: ConnectionRequest) -> str:
    """The viewer's side of the request: student, alumnus, or staff."""
    return side_of(viewer, req) or "staff"


def actions(viewer: User, req: ConnectionRequest) -> list[str]:
    """What the viewer may do with the request now (the API's operation names)."""
    found: list[str] = []
    mine = side_of(viewer, req)
    state = req.state
    if mine == "student":
        if state == RequestState.NEEDS_INFO.value:
            found.append("revise_request")
        if state in WITHDRAWABLE_STATES:
            found.append("withdraw_request")
        if state == RequestState.SLOT_PROPOSED.value:
            found.append("confirm_time")
        if state == RequestState.SCHEDULED.value and req.is_interview:
            found.append("ask_other_time")
    if mine == "alumnus" and can_answer_request(viewer, req):
        if state == RequestState.RELAYED:
            found += ["accept_request", "decline_request"]
            if req.is_interview:
                found.append("propose_time")
        if state == RequestState.SCHEDULED.value and req.is_interview:
            found += ["reschedule", "change_meeting_link"]
        if state == RequestState.REFERRAL_ACCEPTED.value:
            found.append("confirm_referral")
    if mine and state in FEEDBACK_STATES and req.feedback_from(mine) is None:
        found.append("give_feedback")
    if state == RequestState.SCHEDULED.value and (mine or is_staff(viewer)):
        found.append("cancel_request")
    if mine is None and is_staff(viewer):
        if state == RequestState.SUBMITTED.value:
            found += ["approve_request", "ask_student_for_info"]
        if state in (RequestState.SUBMITTED.value, RequestState.NEEDS_INFO.value):
            found.append("staff_decline_request")
    return found


def request_out(req: ConnectionRequest, viewer: User) -> s.RequestOut:
    """A request as this viewer (one of its two people, or staff) may see it."""
    return s.RequestOut(**_request_fields(req, viewer))


def _request_fields(req: ConnectionRequest, viewer: User) -> dict:
    mine = side(viewer, req)
    profile = req.mentor_profile
    shows_alumnus_side = mine in ("alumnus", "staff")
    return {
        "id": req.id,
        "kind": req.kind,
        "state": req.state,
        "state_label": str(req.state_enum.label),
        "is_open": req.is_open,
        "student": person(req.student),
        "alumnus": person(req.alumnus),
        "mentor_profile_id": profile.id if profile is not None else None,
        "hopes": req.hopes,
        "why_alumnus": req.why_alumnus,
        "message": req.message,
        "proposed_dates": req.proposed_date_values,
        "info_question": req.info_question,
        "staff_reason": req.staff_reason,
        "staff_note": req.staff_note if shows_alumnus_side else None,
        "respond_by": req.respond_by,
        "alumnus_note": req.alumnus_note,
        "scheduled_date": req.scheduled_date,
        "cancel_reason": req.cancel_reason,
        "created_at": req.created_at,
        "updated_at": req.updated_at,
        "closed_at": req.closed_at,
        "your_side": mine,
        "student_profile": _student_profile(req.student_id) if shows_alumnus_side else None,
        "feedback_given": mine in ("student", "alumnus") and req.feedback_from(mine) is not None,
        "actions": actions(viewer, req),
        "slots": [{"start": slot.start, "minutes": slot.minutes} for slot in req.slots],
        "scheduled_slot": (
            {"start": req.scheduled_slot.start, "minutes": req.scheduled_slot.minutes}
            if req.scheduled_slot
            else None
        ),
        "meeting_format": req.meeting_format,
        "meeting_place": req.meeting_place,
        "meeting_link": req.meeting_link,
        "review_comments": req.review_comments,
        "posting_url": req.posting_url,
        "opening_id": req.opening_id,
        "referred_at": req.referred_at,
    }


def staff_request_out(req: ConnectionRequest, viewer: User) -> s.StaffRequestOut:
    """A request as the career office sees it, with its timeline, feedback and the load."""
    load = load_of(req.alumnus_id)
    return s.StaffRequestOut(
        **_request_fields(req, viewer),
        original_message=req.original_message,
        reviewed_at=req.reviewed_at,
        timeline=[
            s.TimelineEntry(
                from_state=e.from_state,
                to_state=e.to_state,
                actor=person(e.actor),
                actor_role=e.actor_role,
                note=e.note,
                at=e.created_at,
            )
            for e in req.events
        ],
        feedback=[
            s.FeedbackOut(side=f.side, met=f.met, usefulness=f.usefulness, comment=f.comment)
            for f in req.feedback
        ],
        load=s.LoadOut(
            open_relayed=load.open_relayed,
            month_count=load.month_count,
            capacity=load.capacity,
            response_rate=load.response_rate,
            median_days=load.median_days,
            last_answer_at=load.last_answer_at,
            accepting=load.accepting,
        ),
    )


def profile_out(profile: MentorProfile) -> s.ProfileOut:
    """The owner's own mentor profile, every editable field."""
    return s.ProfileOut(
        id=profile.id,
        headline=profile.headline,
        employer=profile.employer,
        job_title=profile.job_title,
        city=profile.city,
        region=profile.region,
        country=profile.country,
        open_to_remote=profile.open_to_remote,
        class_year=profile.class_year,
        degree=profile.degree,
        programme=profile.programme,
        bio=profile.bio,
        tags=list(profile.tags or []),
        offers=profile.sorted_offers,
        industries=[i.slug for i in profile.industries],
        shadowing_location=profile.shadowing_location,
        shadowing_description=profile.shadowing_description,
        shadowing_requirements=profile.shadowing_requirements,
        shadowing_max_students=profile.shadowing_max_students,
        monthly_capacity=profile.monthly_capacity,
        accepting_requests=profile.accepting_requests,
        away_until=profile.away_until,
        listed=profile.listed,
        linkedin_url=profile.linkedin_url,
        verification_status=profile.verification_status,
        rejection_reason=profile.rejection_reason,
        listed_in_directory=profile.is_visible,
        opted_in=profile.is_opted_in,
    )


def profile_form_data(profile: MentorProfile) -> dict:
    """The profile's current values in the shape `save_profile` reads (the edit form's)."""
    out = profile_out(profile).model_dump()
    out["offers"] = [o.value for o in profile.sorted_offers]
    return out
