"""The gaps a review of issue 17 found: an alumnus's proposed time that expires, résumés from
the answer link, files and rollbacks, outcomes that fit the kind, the meeting link, the student
asking for another time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar

from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition
from careerlink.models import utcnow

INTERVIEW = "informational_interview"


def calendar_of(row):
    """The calendar attached to an outbox row, decoded, and its one event."""
    [attachment] = row.attachments
    cal = Calendar.from_ical(attachment.data)
    [event] = cal.walk("VEVENT")
    return cal, event


# --- 1. a proposed time the student never confirms ------------------------------------------


def test_a_proposed_time_expires_at_the_end_of_the_answer_window(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="slot_proposed")
    db.session.commit()
    proposed_at = req.answered_at
    services.tick(now=proposed_at + timedelta(days=6, hours=23), unit=transaction)
    db.session.refresh(req)
    assert req.state == "slot_proposed"
    result = services.tick(now=proposed_at + timedelta(days=7), unit=transaction)
    db.session.refresh(req)
    assert (req.state, result.expired) == ("expired", 1)
    assert req.events[-1].note == "The student did not confirm the time the alumnus proposed."
    [to_student] = outbox("interview_time_expired")[:1]
    rows = outbox("interview_time_expired")
    assert [r.recipients for r in rows] == [[req.student.email], [req.alumnus.email]]
    assert to_student.subject == f"The time {req.alumnus.display_name} proposed has lapsed"
    assert "you did not confirm" in to_student.body_text
    assert rows[1].subject == f"{req.student.display_name} did not confirm the interview time"
    # Not the alumnus's silence: the "no answer" email is not sent.
    assert outbox("request_expired") == []


def test_a_proposed_time_expires_when_it_starts_if_that_comes_first(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="relayed")
    day = utcnow().date() + timedelta(days=3)
    services.propose_slot(req, req.alumnus, day=day, start=time(10, 0), minutes=30)
    db.session.commit()
    start = datetime.combine(day, time(10, 0), tzinfo=UTC)
    assert req.confirm_by == start
    services.tick(now=start - timedelta(minutes=1), unit=transaction)
    db.session.refresh(req)
    assert req.state == "slot_proposed"
    services.tick(now=start, unit=transaction)
    db.session.refresh(req)
    assert req.state == "expired"
    assert len(outbox("interview_time_expired")) == 2


def test_a_lapsed_time_counts_as_answered_and_never_pauses_the_alumnus(
    app, db, make_request, make_mentor, outbox
):
    from careerlink.connections.services.clock import consecutive_expiries
    from careerlink.mentors.models import MentorProfile

    mentor = make_mentor(offers=(INTERVIEW,))
    reqs = [make_request(kind=INTERVIEW, state="slot_proposed", mentor=mentor) for _ in range(3)]
    db.session.commit()
    services.tick(now=utcnow() + timedelta(days=8), unit=transaction)
    db.session.expire_all()
    assert {db.session.get(ConnectionRequest, r.id).state for r in reqs} == {"expired"}
    assert consecutive_expiries(mentor.user_id, 3) == 0
    profile = db.session.get(MentorProfile, mentor.id)
    assert profile.accepting_requests is True
    assert outbox("alumnus_paused") == []


def test_the_student_page_says_until_when_to_confirm(client, db, sign_in, make_request):
    req = make_request(kind=INTERVIEW, state="slot_proposed")
    db.session.commit()
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    by = req.confirm_by
    assert f"Confirm by {by:%A} {by.day} {by:%B %Y}, {by:%H:%M} (UTC)" in page


def test_a_confirmed_time_no_longer_expires(db, make_request):
    req = make_request(kind=INTERVIEW, state="slot_proposed")
    services.confirm_slot(req, req.student)
    db.session.commit()
    services.tick(now=req.answered_at + timedelta(days=7), unit=transaction)
    db.session.refresh(req)
    assert req.state == "scheduled"


def test_the_reports_count_a_lapsed_time_as_answered(db, make_request, staff):
    from careerlink.staff.reports.filters import ReportFilters
    from careerlink.staff.reports.queries import alumni_rows

    req = make_request(kind=INTERVIEW, state="slot_proposed")
    lapsed = make_request(kind="introduction", state="relayed", mentor=req.mentor_profile)
    db.session.commit()
    services.tick(now=utcnow() + timedelta(days=8), unit=transaction)
    db.session.expire_all()
    assert db.session.get(ConnectionRequest, lapsed.id).state == "expired"
    today = utcnow().date()
    [row] = alumni_rows(ReportFilters(today - timedelta(days=1), today + timedelta(days=1)))
    assert (row.relayed, row.answered, row.expired) == (2, 1, 1)


_ = (pytest, DomainError, InvalidTransition, calendar_of)
