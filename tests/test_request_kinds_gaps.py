"""The gaps a review of issue 17 found: an alumnus's proposed time that expires, résumés from
the answer link, files and rollbacks, outcomes that fit the kind, the meeting link, the student
asking for another time."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from conftest import link_from
from icalendar import Calendar
from support.auth import tampered

from careerlink.connections import services
from careerlink.connections.links import request_for_answer_token
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import DomainError
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
    """Seven days from the proposal, written as the pages write dates: British English
    shortens September to "Sept" (strftime's "Sep" would fail for a month a year)."""
    with time_machine.travel(datetime(2031, 8, 28, 9, 30, tzinfo=UTC), tick=False):
        req = make_request(kind=INTERVIEW, state="slot_proposed")
        db.session.commit()
        sign_in(req.student)
        page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert req.confirm_by == datetime(2031, 9, 4, 9, 30, tzinfo=UTC)
    assert "Confirm by 4 Sept 2031, 09:30 UTC:" in page


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


# --- 2. the résumé from the emailed answer page ---------------------------------------------


def answer_token_of(req):
    from careerlink.connections.links import answer_token

    return answer_token(req)


def test_the_answer_page_links_the_resume_and_the_link_downloads_it(client, db, make_request):
    from support.factories import RESUME_PDF

    req = make_request(kind="referral", state="relayed")
    db.session.commit()
    token = answer_token_of(req)
    page = client.get(f"/requests/answer/{token}").get_data(as_text=True)
    assert f'href="/requests/answer/{token}/files/resume"' in page
    resp = client.get(f"/requests/answer/{token}/files/resume")
    assert (resp.status_code, resp.data) == (200, RESUME_PDF)
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"] == f"attachment; filename=resume-{req.id}.pdf"
    assert resp.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("valid", 200),
        ("tampered", 400),
        ("expired", 400),
        ("other_alumnus_token", 400),
        ("not_relayed", 400),
        ("alumnus_deactivated", 404),
        ("no_such_file", 404),
        ("unknown_which", 404),
    ],
)
def test_the_permission_table_of_the_answer_link_download(
    client, db, make_request, make_mentor, case, expected
):
    from careerlink.connections.links import ANSWER, answer_token_max_age
    from careerlink.tokens import make_token

    state = "submitted" if case == "not_relayed" else "relayed"
    req = make_request(kind="resume_review", state=state)
    db.session.commit()
    which = {"no_such_file": "review", "unknown_which": "other"}.get(case, "resume")
    token = make_token(ANSWER, {"rid": req.id, "uid": req.alumnus_id})
    if case == "tampered":
        token = tampered(token)
    if case == "other_alumnus_token":
        token = make_token(ANSWER, {"rid": req.id, "uid": make_mentor().user_id})
    if case == "alumnus_deactivated":
        req.alumnus.active = False
        db.session.commit()
    if case == "expired":
        with time_machine.travel(utcnow() - timedelta(seconds=answer_token_max_age() + 5)):
            token = make_token(ANSWER, {"rid": req.id, "uid": req.alumnus_id})
    resp = client.get(f"/requests/answer/{token}/files/{which}")
    assert resp.status_code == expected
    if expected == 200:
        assert resp.headers["Content-Disposition"].startswith("attachment;")


def test_the_answer_link_downloads_only_its_own_request_files(client, db, make_request):
    from careerlink.connections import uploads

    mine = make_request(kind="resume_review", state="relayed")
    other = make_request(kind="resume_review", state="relayed", mentor=mine.mentor_profile)
    db.session.commit()
    other_bytes = uploads.path_of(other.resume_file).read_bytes() + b"other"
    uploads.path_of(other.resume_file).write_bytes(other_bytes)
    token = answer_token_of(mine)
    resp = client.get(f"/requests/answer/{token}/files/resume")
    assert resp.status_code == 200 and resp.data != other_bytes


# --- 3. files follow the unit of work ---------------------------------------------------------


def stored_files():
    from careerlink.connections import uploads

    return sorted(p.name for p in uploads.folder().iterdir())


def test_a_rolled_back_deletion_keeps_the_file(app, db, make_request):
    from careerlink.accounts.privacy import delete_account, purge_closed_messages
    from careerlink.connections import uploads

    old = make_request(kind="resume_review", state="completed")
    mine = make_request(kind="referral", state="referral_accepted")
    db.session.commit()
    old_file, my_file = uploads.path_of(old.resume_file), uploads.path_of(mine.resume_file)
    assert purge_closed_messages(1, now=old.closed_at + timedelta(days=60)) == 1
    delete_account(mine.student, mine.student)
    db.session.flush()
    # Inside the unit of work, before the commit, nothing is deleted yet...
    assert old_file.is_file() and my_file.is_file()
    db.session.rollback()
    # ...and after a rollback the rows still name their files, which are still there.
    assert old_file.is_file() and my_file.is_file()
    db.session.expire_all()
    assert db.session.get(ConnectionRequest, old.id).resume_file == old_file.name
    assert db.session.get(ConnectionRequest, mine.id).resume_file == my_file.name
    # The next unit of work that commits deletes exactly the files it erased.
    delete_account(mine.student, mine.student)
    db.session.commit()
    assert not my_file.exists() and old_file.is_file()


def test_a_rolled_back_submission_leaves_no_file(app, db, student, make_mentor):
    from support.factories import RESUME_PDF

    from careerlink.connections.uploads import Upload

    mentor = make_mentor(offers=("resume_review",))
    before = stored_files()
    req = services.submit_request(
        student,
        mentor,
        "resume_review",
        hopes="Learn the job.",
        why_alumnus="Your clinic.",
        message="m" * 100,
        conduct_acknowledged=True,
        resume=Upload(RESUME_PDF, "cv.pdf"),
    )
    assert req.resume_file in stored_files()
    db.session.rollback()
    assert stored_files() == before


def test_a_rolled_back_review_leaves_no_annotated_copy(app, db, make_request):
    from test_request_kinds import DOCX

    from careerlink.connections.uploads import Upload

    req = make_request(kind="resume_review", state="relayed")
    db.session.commit()
    before = stored_files()
    services.accept_request(
        req, req.alumnus, review_comments="See my notes.", review_file=Upload(DOCX, "n.docx")
    )
    assert len(stored_files()) == len(before) + 1
    db.session.rollback()
    assert stored_files() == before
    db.session.refresh(req)
    assert (req.state, req.review_file) == ("relayed", None)


def test_a_committed_submission_keeps_its_file(app, db, make_request):
    from careerlink.connections import uploads

    req = make_request(kind="resume_review", state="submitted")
    db.session.commit()
    db.session.rollback()  # a later unit of work that rolls back touches nothing it did not write
    assert uploads.path_of(req.resume_file).is_file()


def test_a_page_that_fails_after_the_upload_leaves_no_file(
    client, db, sign_in, student, make_mentor, monkeypatch
):
    from support.factories import RESUME_PDF

    from careerlink.connections.services import asking

    mentor = make_mentor(offers=("resume_review",))
    db.session.commit()
    before = stored_files()

    def refuse(*args, **kwargs):
        raise DomainError("Counting failed.")

    monkeypatch.setattr(asking, "count_request", refuse)
    sign_in(student)
    resp = client.post(
        f"/mentors/{mentor.id}/ask/resume_review",
        data={
            "hopes": "Learn the job.",
            "why_alumnus": "Your clinic.",
            "message": "m" * 100,
            "conduct": "y",
            "resume": (io.BytesIO(RESUME_PDF), "cv.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    assert "Counting failed." in resp.get_data(as_text=True)
    assert stored_files() == before


def test_a_savepoint_released_midway_deletes_nothing_yet(app, db, make_request):
    from careerlink.accounts.privacy import purge_closed_messages
    from careerlink.connections import uploads

    old = make_request(kind="resume_review", state="completed")
    db.session.commit()
    old_file = uploads.path_of(old.resume_file)
    purge_closed_messages(1, now=old.closed_at + timedelta(days=60))
    with db.session.begin_nested():
        db.session.flush()
    assert old_file.is_file()
    db.session.rollback()
    assert old_file.is_file()


# --- 4. outcomes that fit the kind and the person --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "state", "choices"),
    [
        (
            "introduction",
            "introduced",
            ["informational_interview", "job_interview", "internship", "job_offer"],
        ),
        (
            "shadowing",
            "scheduled",
            ["informational_interview", "job_interview", "internship", "job_offer"],
        ),
        (INTERVIEW, "scheduled", ["job_interview", "internship", "job_offer"]),
        (
            "resume_review",
            "reviewed",
            ["informational_interview", "job_interview", "internship", "job_offer"],
        ),
        (
            "referral",
            "referred",
            ["informational_interview", "job_interview", "internship", "job_offer"],
        ),
    ],
)
def test_the_student_is_offered_only_the_outcomes_of_the_kind(
    client, db, sign_in, make_request, kind, state, choices
):
    import re

    req = make_request(kind=kind, state=state)
    db.session.commit()
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="kind"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="([a-z_]+)"', select) == choices


@pytest.mark.parametrize(
    ("kind", "state", "forged", "message"),
    [
        (
            "referral",
            "referral_accepted",
            "referred",
            "“Referred” is recorded when the alumnus confirms that they passed your résumé on.",
        ),
        (
            "introduction",
            "introduced",
            "referred",
            "“Referred” is recorded when the alumnus confirms that they passed your résumé on.",
        ),
        (
            INTERVIEW,
            "scheduled",
            "informational_interview",
            "This request is for an informational interview; choose what came of it.",
        ),
        ("introduction", "introduced", "a yacht", "Choose an outcome from the list."),
    ],
)
def test_a_forged_outcome_is_refused_with_a_clear_message(
    client, db, sign_in, make_request, kind, state, forged, message
):
    req = make_request(kind=kind, state=state)
    db.session.commit()
    sign_in(req.student)
    resp = client.post(f"/requests/{req.id}/outcomes", data={"kind": forged}, follow_redirects=True)
    assert message in resp.get_data(as_text=True)
    db.session.expire_all()
    recorded = db.session.get(ConnectionRequest, req.id).outcome_kinds()
    assert recorded == ({"referred"} if state == "referred" else set())


def test_the_service_refuses_a_student_referred(db, make_request):
    req = make_request(kind="referral", state="referral_accepted")
    with pytest.raises(DomainError, match="when the alumnus confirms") as refused:
        services.record_outcome(req, req.student, kind="referred")
    assert refused.value.field == "kind"


def test_an_outcome_already_recorded_is_no_longer_offered(client, db, sign_in, make_request):
    import re

    req = make_request(kind="referral", state="referred")
    services.record_outcome(req, req.student, kind="job_interview")
    db.session.commit()
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="kind"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="([a-z_]+)"', select) == [
        "informational_interview",
        "internship",
        "job_offer",
    ]


# --- 5. the meeting link alone ----------------------------------------------------------------


def test_changing_the_link_sends_an_update_with_the_next_sequence(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    [invitation] = outbox("interview_scheduled")
    changed = services.set_meeting_link(req, req.alumnus, meeting_link="https://meet.example.org/n")
    db.session.commit()
    assert changed is True
    assert (req.state, req.meeting_link, req.ics_sequence) == (
        "scheduled",
        "https://meet.example.org/n",
        1,
    )
    [row] = outbox("interview_link_changed")
    assert row.recipients == [req.student.email, req.alumnus.email]
    assert row.subject.startswith("New meeting link: Informational interview on ")
    assert "New meeting link: https://meet.example.org/n" in row.body_text
    cal, event = calendar_of(row)
    assert str(cal["method"]) == "REQUEST"
    assert int(event["sequence"]) == 1
    assert str(event["uid"]) == str(calendar_of(invitation)[1]["uid"])
    assert event.decoded("dtstart") == req.scheduled_start
    assert "Join: https://meet.example.org/n" in str(event["description"])
    assert req.events[-1].to_state == "scheduled"  # no new state, and no history row:
    assert len([e for e in req.events if e.from_state == "scheduled"]) == 0


def test_the_same_link_again_changes_and_sends_nothing(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    services.set_meeting_link(req, req.alumnus, meeting_link="https://meet.example.org/n")
    db.session.commit()
    again = services.set_meeting_link(req, req.alumnus, meeting_link=" https://meet.example.org/n ")
    db.session.commit()
    assert again is False
    assert req.ics_sequence == 1
    assert len(outbox("interview_link_changed")) == 1


def test_removing_the_link_is_a_change_too(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    services.set_meeting_link(req, req.alumnus, meeting_link="https://meet.example.org/n")
    services.set_meeting_link(req, req.alumnus, meeting_link="")
    db.session.commit()
    assert (req.meeting_link, req.ics_sequence) == (None, 2)
    last = outbox("interview_link_changed")[-1]
    assert "The meeting link was removed" in last.body_text


@pytest.mark.parametrize(
    ("kind", "state", "who", "link", "error", "message"),
    [
        (INTERVIEW, "relayed", "alumnus", "https://x.example", "InvalidTransition", "scheduled"),
        (
            "shadowing",
            "scheduled",
            "alumnus",
            "https://x.example",
            "InvalidTransition",
            r"A request of this kind \(Shadowing day\) has no meeting link\.",
        ),
        (INTERVIEW, "scheduled", "student", "https://x.example", "NotAllowed", "Only the alumnus"),
        (INTERVIEW, "scheduled", "alumnus", "javascript:alert(1)", "DomainError", "https://"),
    ],
)
def test_the_link_change_refusals(db, make_request, outbox, kind, state, who, link, error, message):
    import careerlink.errors as errors

    req = make_request(kind=kind, state=state)
    db.session.commit()
    person = req.alumnus if who == "alumnus" else req.student
    with pytest.raises(getattr(errors, error), match=message):
        services.set_meeting_link(req, person, meeting_link=link)
    db.session.rollback()
    assert outbox("interview_link_changed") == []


@pytest.mark.parametrize(
    ("who", "expected", "changed"),
    [
        ("alumnus", 302, True),
        ("student", 403, False),
        ("other_alumnus", 404, False),
        ("staff", 403, False),
        ("signed_out", 302, False),
    ],
)
def test_the_link_form_on_the_request_page(
    client, db, sign_in, make_request, make_mentor, make_user, who, expected, changed
):
    from careerlink.permissions import Role

    req = make_request(kind=INTERVIEW, state="scheduled")
    people = {
        "alumnus": req.alumnus,
        "student": req.student,
        "other_alumnus": make_mentor().user,
        "staff": make_user(Role.STAFF),
    }
    db.session.commit()
    if who != "signed_out":
        sign_in(people[who])
    resp = client.post(
        f"/requests/{req.id}/meeting-link", data={"meeting_link": "https://meet.example.org/z"}
    )
    assert resp.status_code == expected
    db.session.expire_all()
    link = db.session.get(ConnectionRequest, req.id).meeting_link
    assert (link == "https://meet.example.org/z") is changed


def test_the_alumnus_sees_the_link_form_and_the_student_does_not(client, db, sign_in, make_request):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    sign_in(req.alumnus)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert f'action="/requests/{req.id}/meeting-link"' in page
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "/meeting-link" not in page


def test_the_link_changes_from_the_answer_page_too(client, db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    token = answer_token_of(req)
    page = client.get(f"/requests/answer/{token}").get_data(as_text=True)
    assert f'action="/requests/answer/{token}/meeting-link"' in page
    resp = client.post(
        f"/requests/answer/{token}/meeting-link",
        data={"meeting_link": "https://meet.example.org/q"},
        follow_redirects=True,
    )
    assert "The meeting link is changed; you both have an updated invitation." in resp.get_data(
        as_text=True
    )
    assert len(outbox("interview_link_changed")) == 1
    resp = client.post(
        f"/requests/answer/{token}/meeting-link",
        data={"meeting_link": "https://meet.example.org/q"},
        follow_redirects=True,
    )
    assert "That is already the meeting link; nothing was sent." in resp.get_data(as_text=True)
    assert len(outbox("interview_link_changed")) == 1


# --- 6. the student asks for another time -----------------------------------------------------


def test_the_student_asks_for_another_time_and_the_alumnus_moves_it(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    booked = req.scheduled_start
    day = utcnow().date() + timedelta(days=15)
    services.ask_other_time(
        req, req.student, day=day, start=time(11, 0), minutes=30, note="An exam moved."
    )
    db.session.commit()
    # Nothing moved yet: the alumnus decides, and the calendars keep the agreed time.
    assert (req.state, req.scheduled_start, req.ics_sequence) == ("scheduled", booked, 0)
    assert req.other_time_asked is not None
    assert req.other_time_asked.start == datetime.combine(day, time(11, 0), tzinfo=UTC)
    [row] = outbox("interview_other_time_asked")
    assert row.recipients == [req.alumnus.email]
    assert f"- Asked for: {day:%A}, {day.day} {day:%B %Y}, 11:00–11:30 UTC\n" in row.body_text
    assert "An exam moved." in row.body_text
    token = link_from(row, "/requests/answer/").rsplit("/", 1)[1]
    assert request_for_answer_token(token).id == req.id
    event = req.events[-1]
    assert (event.from_state, event.to_state, event.actor_role) == (
        "scheduled",
        "scheduled",
        "student",
    )
    services.reschedule_interview(req, req.alumnus, day=day, start=time(11, 0), minutes=30)
    db.session.commit()
    assert req.scheduled_start == datetime.combine(day, time(11, 0), tzinfo=UTC)
    assert req.other_time_asked is None
    moved = outbox("interview_scheduled")[-1]
    assert int(calendar_of(moved)[1]["sequence"]) == 1


@pytest.mark.parametrize(
    ("kind", "state", "who", "error", "message"),
    [
        (INTERVIEW, "scheduled", "alumnus", "NotAllowed", "Only the student"),
        (
            INTERVIEW,
            "relayed",
            "student",
            "InvalidTransition",
            "Its state is: Waiting for the alumnus",
        ),
        (
            "shadowing",
            "scheduled",
            "student",
            "InvalidTransition",
            r"not possible for this kind of request \(Shadowing day\)",
        ),
    ],
)
def test_asking_for_another_time_refusals(
    db, make_request, outbox, kind, state, who, error, message
):
    import careerlink.errors as errors

    req = make_request(kind=kind, state=state)
    db.session.commit()
    person = req.alumnus if who == "alumnus" else req.student
    day = utcnow().date() + timedelta(days=15)
    with pytest.raises(getattr(errors, error), match=message):
        services.ask_other_time(req, person, day=day, start=time(11, 0), minutes=30)
    db.session.rollback()
    assert outbox("interview_other_time_asked") == []


def test_asking_for_the_same_time_or_a_night_time_is_refused(db, make_request):
    req = make_request(kind=INTERVIEW, state="scheduled")
    slot = req.scheduled_slot
    with pytest.raises(DomainError, match="already the interview's time") as refused:
        services.ask_other_time(
            req, req.student, day=slot.start.date(), start=slot.start.time(), minutes=slot.minutes
        )
    assert refused.value.field == "other_day"
    with pytest.raises(DomainError, match="middle of the night"):
        services.ask_other_time(
            req, req.student, day=slot.start.date(), start=time(23, 0), minutes=30
        )


@pytest.mark.parametrize(
    ("who", "expected", "asked"),
    [
        ("student", 302, True),
        ("alumnus", 403, False),
        ("other_student", 404, False),
        ("staff", 403, False),
        ("signed_out", 302, False),
    ],
)
def test_the_ask_for_another_time_form(
    client, db, sign_in, make_request, make_user, who, expected, asked, outbox
):
    from careerlink.permissions import Role

    req = make_request(kind=INTERVIEW, state="scheduled")
    people = {
        "alumnus": req.alumnus,
        "student": req.student,
        "other_student": make_user(Role.STUDENT),
        "staff": make_user(Role.STAFF),
    }
    db.session.commit()
    if who != "signed_out":
        sign_in(people[who])
    day = (utcnow().date() + timedelta(days=15)).isoformat()
    resp = client.post(
        f"/requests/{req.id}/ask-other-time",
        data={"other_day": day, "other_start": "11:00", "other_minutes": "30"},
    )
    assert resp.status_code == expected
    assert len(outbox("interview_other_time_asked")) == (1 if asked else 0)


def test_the_pages_show_the_time_asked(client, db, sign_in, make_request):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert f'action="/requests/{req.id}/ask-other-time"' in page
    day = utcnow().date() + timedelta(days=15)
    services.ask_other_time(req, req.student, day=day, start=time(11, 0), minutes=30)
    db.session.commit()
    asked = f"{day:%A}, {day.day} {day:%B %Y}, 11:00–11:30 (UTC)"
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert f"You asked to move it to {asked}" in page
    token = answer_token_of(req)
    page = client.get(f"/requests/answer/{token}").get_data(as_text=True)
    assert f"{req.student.display_name} asks to move it to {asked}" in page
    # The alumnus's form to move it starts from the time asked.
    assert f'value="{day.isoformat()}"' in page and 'value="11:00"' in page


# --- 8. one link checker ----------------------------------------------------------------------


def test_both_kinds_of_link_go_through_the_one_checker(app, db, monkeypatch):
    from careerlink import urls
    from careerlink.connections import slots
    from careerlink.openings import services as openings

    seen = []
    real = urls.check_web_address

    def spy(raw, **kwargs):
        seen.append((raw, kwargs.get("field")))
        return real(raw, **kwargs)

    monkeypatch.setattr(urls, "check_web_address", spy)
    assert slots.check_link("https://meet.example.org/a") == "https://meet.example.org/a"
    assert openings.check_url("https://jobs.example.org/1") == "https://jobs.example.org/1"
    assert seen == [
        ("https://meet.example.org/a", "meeting_link"),
        ("https://jobs.example.org/1", "url"),
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "javascript:alert(1)",
            "The link must be a web address starting with https:// or http://.",
        ),
        ("http://[::1/x", "The link must be a web address starting with https:// or http://."),
        ("jobs.example.org/1", "The link must be a web address starting with https:// or http://."),
        ("https:///nowhere", "The link must name a website, e.g. https://jobs.example.org/123."),
        ("https://a.example/ b", "The link cannot contain spaces."),
        ("https://a.example/" + "x" * 500, "The link is too long (at most 500 characters)."),
    ],
)
def test_the_shared_checker_refuses_on_the_callers_field(raw, message):
    from careerlink.urls import check_web_address

    with pytest.raises(DomainError) as refused:
        check_web_address(raw, field="posting_url")
    assert (refused.value.field, refused.value.message) == ("posting_url", message)


def test_the_shared_checker_keeps_a_good_link_and_says_none_for_empty():
    from careerlink.urls import check_web_address

    assert check_web_address("  http://a.example/x ", field="f") == "http://a.example/x"
    assert check_web_address("   ", field="f") is None
    assert check_web_address(None, field="f") is None


def slots_fieldset_of(page: str) -> str:
    """The interview-times fieldset of a page (from its opening tag to the outer closing one)."""
    start = page.index('<fieldset class="field" id="slots"')
    depth, pos = 0, start
    for match in re.finditer(r"<(/?)fieldset\b", page[start:]):
        depth += -1 if match[1] else 1
        if depth == 0:
            pos = start + match.end()
            break
    return page[start : page.index(">", pos) + 1]


def test_the_ask_and_revise_forms_share_one_slots_fieldset(
    client, db, sign_in, make_request, make_mentor
):
    from careerlink.paths import TEMPLATES_DIR

    req = make_request(kind=INTERVIEW, state="needs_info")
    other = make_mentor(offers=(INTERVIEW,))
    db.session.commit()
    sign_in(req.student)
    ask = client.get(f"/mentors/{other.id}/ask/{INTERVIEW}").get_data(as_text=True)
    revise = client.get(f"/requests/{req.id}/revise").get_data(as_text=True)
    asked, revised = slots_fieldset_of(ask), slots_fieldset_of(revise)
    assert asked.count('class="slot-row"') == revised.count('class="slot-row"') == 5
    # The same markup but for the values the revise form starts from.
    assert re.sub(r'value="[^"]*"', "", asked) == re.sub(r'value="[^"]*"', "", revised)
    holders = sorted(
        p.name
        for p in (TEMPLATES_DIR / "careerlink" / "connections").glob("*.html")
        if 'class="slot-row"' in p.read_text()
    )
    assert holders == ["_macros.html"]


def test_the_shared_checker_speaks_the_readers_language(app):
    """Its refusals are translated (a French opening or meeting-link form showed English)."""
    from careerlink.i18n import speaking
    from careerlink.urls import check_web_address

    with app.app_context(), speaking("fr"), pytest.raises(DomainError) as refused:
        check_web_address("javascript:alert(1)", field="posting_url")
    assert refused.value.message == (
        "Le lien doit être une adresse web commençant par https:// ou http://."
    )
