"""Informational interviews, résumé reviews and referrals: offers, asking, each kind's life."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, time, timedelta

import pytest
from factories import MESSAGE
from icalendar import Calendar
from support.factories import RESUME_PDF, interview_slots

from careerlink.connections import services
from careerlink.connections.machine import RequestKind
from careerlink.connections.models import ConnectionRequest
from careerlink.connections.slots import check_link, check_slots
from careerlink.connections.uploads import Upload
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition
from careerlink.mentors.models import Offer
from careerlink.models import utcnow

INTERVIEW = "informational_interview"


def ask(student, mentor, kind, **kw):
    """Submit a request of `kind` with sensible common fields."""
    values = {
        "hopes": "Learn the job.",
        "why_alumnus": "Your clinic.",
        "message": MESSAGE,
        "conduct_acknowledged": True,
    }
    if kind in ("resume_review", "referral"):
        values["resume"] = Upload(RESUME_PDF, "cv.pdf")
    values.update(kw)
    return services.submit_request(student, mentor, kind, **values)


def calendar_of(row) -> tuple[Calendar, object]:
    """The calendar attached to an outbox row, decoded, and its one event."""
    [attachment] = row.attachments
    cal = Calendar.from_ical(attachment.data)
    [event] = cal.walk("VEVENT")
    return cal, event


# --- offers and kinds -------------------------------------------------------------------------


def test_every_offer_is_a_kind_and_every_kind_an_offer():
    assert [k.value for k in RequestKind] == [o.value for o in Offer]


def test_an_alumna_who_offers_only_interviews_shows_that_button(
    client, db, sign_in, student, make_mentor
):
    mentor = make_mentor(offers=(INTERVIEW,))
    db.session.commit()
    sign_in(student)
    page = client.get(f"/mentors/{mentor.id}").get_data(as_text=True)
    assert f'href="/mentors/{mentor.id}/ask/{INTERVIEW}">Ask for an informational interview' in page
    assert "does not offer" not in page
    assert f"/mentors/{mentor.id}/ask/introduction" not in page


def test_the_directory_filters_by_referral(client, db, make_mentor):
    referrer = make_mentor(offers=("referral",))
    other = make_mentor(offers=("introduction",))
    db.session.commit()
    page = client.get("/mentors?offer=referral").get_data(as_text=True)
    assert f"/mentors/{referrer.id}" in page
    assert f"/mentors/{other.id}" not in page


def test_the_interview_form_has_no_shadowing_dates(client, db, sign_in, student, make_mentor):
    mentor = make_mentor(offers=(INTERVIEW,))
    db.session.commit()
    sign_in(student)
    page = client.get(f"/mentors/{mentor.id}/ask/{INTERVIEW}").get_data(as_text=True)
    assert 'name="slots-0-day"' in page
    assert 'name="slots-4-minutes"' in page
    assert "(UTC)" not in page and "in UTC time" in page
    assert 'name="date1"' not in page
    assert 'name="posting_url"' not in page


# --- slots ------------------------------------------------------------------------------------


def test_slots_are_stored_in_utc_from_the_office_zone(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Europe/Paris")
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    day = datetime(2030, 3, 5).date()  # winter time: Paris is UTC+1
    stored = check_slots([(day, time(14, 0), 30), (day, time(9, 30), 45), (None, None, None)], now)
    assert stored == [
        {"start": "2030-03-05T08:30:00+00:00", "minutes": 45},
        {"start": "2030-03-05T13:00:00+00:00", "minutes": 30},
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(2, time(10, 0), 30)], "Propose at least 2 different times."),
        ([(2, time(10, 0), 30), (2, time(10, 0), 30)], "Two of the times are the same"),
        ([(2, time(3, 0), 30), (3, time(10, 0), 30)], "in the middle of the night"),
        ([(2, time(20, 45), 30), (3, time(10, 0), 30)], "outside 07:00–21:00 Europe/Paris"),
        ([(-1, time(10, 0), 30), (3, time(10, 0), 30)], "has already passed"),
        ([(2, time(10, 0), 15), (3, time(10, 0), 30)], "between 20 and 45 minutes"),
        ([(2, time(10, 0), 60), (3, time(10, 0), 30)], "between 20 and 45 minutes"),
        ([(2, None, 30), (3, time(10, 0), 30)], "a date, a start time and a length"),
        ([(2 + i, time(10, 0), 30) for i in range(6)], "Propose at most 5 times."),
        ([(400, time(10, 0), 30), (3, time(10, 0), 30)], "within the next 180 days"),
    ],
)
def test_bad_slots_are_refused_on_the_field(app, db, monkeypatch, rows, message):
    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Europe/Paris")
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    entered = [
        (now.date() + timedelta(days=d) if d is not None else None, t, m) for d, t, m in rows
    ]
    with pytest.raises(DomainError, match=message) as refused:
        check_slots(entered, now)
    assert refused.value.field == "slots"


def test_a_time_the_clocks_skip_is_refused(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Europe/Paris")
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    skipped = datetime(2030, 3, 31).date()  # the clocks go from 02:00 to 03:00
    with pytest.raises(DomainError, match="02:30 on 31 March 2030 does not exist in Europe/Paris"):
        check_slots([(skipped, time(2, 30), 30), (skipped, time(10, 0), 30)], now)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "https://",
        "ftp://example.org/x",
        "http://[::1/x",  # urlsplit raises on it: refused, not a 500
    ],
)
def test_links_must_be_http(url):
    with pytest.raises(DomainError, match="https://"):
        check_link(url)


def test_a_link_with_a_space_is_refused():
    with pytest.raises(DomainError, match="The link cannot contain spaces."):
        check_link("https://exa mple.org")


def test_an_http_link_is_kept():
    assert check_link(" https://meet.example.org/abc ") == "https://meet.example.org/abc"
    assert check_link("") is None


# --- the informational interview, its whole life ------------------------------------------------


def test_interview_accept_a_slot_sends_both_an_invitation(db, student, staff, make_mentor, outbox):
    mentor = make_mentor(offers=(INTERVIEW,))
    slots = interview_slots(days_ahead=4, count=3)
    req = ask(student, mentor, INTERVIEW, slots=slots, meeting_format="video")
    assert req.state == "submitted" and len(req.slots) == 3
    services.approve_request(req, staff)
    relayed = outbox("request_relayed")
    assert "Proposed times for the informational interview (Video call):" in relayed[0].body_text
    services.accept_request(
        req, mentor.user, slot_index=1, meeting_link="https://meet.example.org/vet"
    )
    db.session.commit()
    assert req.state == "scheduled"
    chosen = req.slots[1]
    assert req.scheduled_start == chosen.start
    assert req.scheduled_date == chosen.start.date()
    [row] = outbox("interview_scheduled")
    assert row.recipients == [student.email, mentor.user.email]
    assert "Meeting link: https://meet.example.org/vet" in row.body_text
    cal, event = calendar_of(row)
    assert str(cal["method"]) == "REQUEST"
    assert event.decoded("dtstart") == chosen.start
    assert event.decoded("dtend") == chosen.start + timedelta(minutes=30)
    assert event["dtstart"].to_ical() == chosen.start.strftime("%Y%m%dT%H%M%SZ").encode()
    assert int(event["sequence"]) == 0
    assert "Join: https://meet.example.org/vet" in str(event["description"])


def test_interview_refuses_a_javascript_meeting_link(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="relayed", mentor=None)
    with pytest.raises(DomainError, match="https://") as refused:
        services.accept_request(req, req.alumnus, slot_index=0, meeting_link="javascript:x")
    assert refused.value.field == "meeting_link"
    db.session.rollback()
    assert db.session.get(ConnectionRequest, req.id).state == "relayed"


def test_interview_another_time_then_the_student_confirms(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="relayed")
    day = utcnow().date() + timedelta(days=10)
    services.propose_slot(req, req.alumnus, day=day, start=time(17, 0), minutes=20, note="Later?")
    assert req.state == "slot_proposed"
    [proposed] = outbox("interview_time_proposed")
    assert proposed.recipients == [req.student.email]
    # The email shows the time in the student's zone (the office's here), with its name.
    assert f"- {day:%A}, {day.day} {day:%B %Y}, 17:00–17:20 UTC\n" in proposed.body_text
    assert outbox("interview_scheduled") == []
    services.confirm_slot(req, req.student)
    db.session.commit()
    assert req.state == "scheduled"
    [row] = outbox("interview_scheduled")
    _, event = calendar_of(row)
    assert event.decoded("dtstart") == datetime.combine(day, time(17, 0), tzinfo=UTC)


def test_interview_another_time_refused_at_night(db, make_request):
    req = make_request(kind=INTERVIEW, state="relayed")
    day = utcnow().date() + timedelta(days=10)
    with pytest.raises(DomainError, match="middle of the night") as refused:
        services.propose_slot(req, req.alumnus, day=day, start=time(23, 0), minutes=30)
    assert refused.value.field == "new_day"


def test_interview_the_student_may_withdraw_instead(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="slot_proposed")
    services.withdraw_request(req, req.student)
    assert req.state == "withdrawn"
    assert [r.recipients for r in outbox("request_withdrawn")] == [[req.alumnus.email]]


def test_interview_reschedule_sends_a_new_sequence_and_cancel_a_cancel(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    day = utcnow().date() + timedelta(days=12)
    services.reschedule_interview(req, req.alumnus, day=day, start=time(8, 0), minutes=45)
    first, moved = outbox("interview_scheduled")
    assert moved.subject.startswith("Moved: Informational interview on ")
    _, event = calendar_of(moved)
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == datetime.combine(day, time(8, 0), tzinfo=UTC)
    assert str(calendar_of(first)[1]["uid"]) == str(event["uid"])
    services.cancel_request(req, req.student, reason="Exams moved.")
    [cancel] = outbox("interview_cancelled")
    cal, event = calendar_of(cancel)
    assert str(cal["method"]) == "CANCEL"
    assert int(event["sequence"]) == 2
    assert str(event["status"]) == "CANCELLED"


def test_only_interviews_have_times(db, make_request):
    req = make_request(kind="introduction", state="relayed")
    day = utcnow().date() + timedelta(days=10)
    with pytest.raises(
        InvalidTransition,
        match=r"^This request cannot be given another time\. "
        r"That is not possible for this kind of request \(Introduction\)\.$",
    ):
        services.propose_slot(req, req.alumnus, day=day, start=time(10, 0), minutes=30)


def test_interview_completes_after_its_day(db, make_request, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    later = req.scheduled_start + timedelta(days=2)
    services.tick(now=later, unit=transaction)
    db.session.refresh(req)
    assert req.state == "completed"
    assert len(outbox("feedback_requested")) == 2


def test_the_office_zone_is_shown_beside_every_time(app, db, monkeypatch, make_request, outbox):
    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "America/New_York")
    req = make_request(kind=INTERVIEW, state="scheduled")
    [row] = outbox("interview_scheduled")
    local = req.scheduled_start.astimezone(req.scheduled_slot.local_start().tzinfo)
    end = local + timedelta(minutes=req.scheduled_minutes)
    when = f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M}–{end:%H:%M} America/New_York"
    assert f"- When: {when}\n" in row.body_text


# --- referrals --------------------------------------------------------------------------------


def opening(db, poster, *, state="approved", closes_in=20, title="Veterinary nurse"):
    """An opening as the openings pages would leave it (inserted directly: not this domain's)."""
    from careerlink.openings.models import Opening

    row = Opening(
        posted_by_id=poster.id,
        title=title,
        organisation="Riverside Veterinary Clinic",
        url="https://jobs.example.org/vet-nurse",
        location="Cork",
        description="",
        closes_on=utcnow().date() + timedelta(days=closes_in),
        state=state,
        review_note="",
        revision=1,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_referral_for_an_open_opening_of_this_alumnus(db, student, staff, make_mentor, outbox):
    mentor = make_mentor(offers=("referral",))
    posted = opening(db, mentor.user)
    req = ask(student, mentor, "referral", opening_id=posted.id, posting_url="")
    assert (req.opening_id, req.posting_url) == (posted.id, None)
    services.approve_request(req, staff)
    [relayed] = [r for r in outbox("request_relayed") if r.audience == "alumnus"]
    assert relayed.recipients == [mentor.user.email]
    assert "The opening: Veterinary nurse at Riverside Veterinary Clinic (your posting" in (
        relayed.body_text
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("closed", "That opening is not open"),
        ("pending", "That opening is not open"),
        ("other", "posted by another alumnus"),
        ("missing", "That opening does not exist."),
    ],
)
def test_referral_refuses_a_bad_opening(db, student, make_mentor, case, message):
    mentor = make_mentor(offers=("referral",))
    other = make_mentor(offers=("referral",))
    posted = {
        "closed": lambda: opening(db, mentor.user, closes_in=-1),
        "pending": lambda: opening(db, mentor.user, state="pending"),
        "other": lambda: opening(db, other.user),
        "missing": lambda: None,
    }[case]()
    opening_id = posted.id if posted is not None else 987654
    with pytest.raises(DomainError, match=message) as refused:
        ask(student, mentor, "referral", opening_id=opening_id)
    assert refused.value.field == "opening"
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 0


@pytest.mark.parametrize("url", ["javascript:alert(1)", "", "   "])
def test_referral_needs_an_http_posting_or_an_opening(db, student, make_mentor, url):
    mentor = make_mentor(offers=("referral",))
    with pytest.raises(DomainError) as refused:
        ask(student, mentor, "referral", posting_url=url)
    assert refused.value.field == "posting_url"


def test_referral_whole_life_records_referred(db, make_request, outbox):
    req = make_request(kind="referral", state="referral_accepted")
    [accepted] = outbox("referral_accepted")
    assert accepted.recipients == [req.student.email]
    services.confirm_referral(req, req.alumnus, note="Sent to Dr Ruiz, the hiring manager.")
    db.session.commit()
    assert req.state == "referred" and req.referred_at is not None
    assert [o.kind for o in req.outcomes] == ["referred"]
    [told] = outbox("referral_passed_on")
    assert "Sent to Dr Ruiz, the hiring manager." in told.body_text
    services.record_outcome(req, req.student, kind="job_interview", note="")
    services.record_outcome(req, req.student, kind="job_offer", note="")
    db.session.commit()
    assert [o.kind for o in req.outcomes] == ["referred", "job_interview", "job_offer"]
    later = req.answered_at + timedelta(days=60)
    services.tick(now=later, unit=transaction)
    db.session.refresh(req)
    assert req.state == "completed"


def test_only_the_alumnus_confirms_a_referral(db, make_request):
    req = make_request(kind="referral", state="referral_accepted")
    with pytest.raises(Exception, match="Only the alumnus"):
        services.confirm_referral(req, req.student)


def test_the_referral_form_lists_this_alumnus_open_openings(
    client, db, sign_in, student, make_mentor
):
    mentor = make_mentor(offers=("referral",))
    mine = opening(db, mentor.user, title="Practice manager")
    closed = opening(db, mentor.user, closes_in=-2, title="Locum vet")
    db.session.commit()
    sign_in(student)
    page = client.get(f"/mentors/{mentor.id}/ask/referral?opening={mine.id}").get_data(as_text=True)
    assert f'<option selected value="{mine.id}">Practice manager' in page
    assert "Locum vet" not in page
    assert f'value="{closed.id}"' not in page
    assert 'name="slots-0-day"' not in page and 'name="date1"' not in page


def test_a_referral_asked_through_the_form(client, db, sign_in, student, make_mentor):
    mentor = make_mentor(offers=("referral",))
    mine = opening(db, mentor.user)
    db.session.commit()
    sign_in(student)
    resp = client.post(
        f"/mentors/{mentor.id}/ask/referral",
        data={
            "hopes": "A job at your clinic.",
            "why_alumnus": "You posted it.",
            "message": MESSAGE,
            "opening": str(mine.id),
            "conduct": "y",
            "resume": (io.BytesIO(RESUME_PDF), "cv.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    req = db.session.scalars(db.select(ConnectionRequest)).one()
    assert (req.kind, req.opening_id) == ("referral", mine.id)


# --- résumé review ------------------------------------------------------------------------------


def test_review_comments_reach_the_student(db, make_request, outbox):
    req = make_request(kind="resume_review", state="relayed")
    with pytest.raises(DomainError, match="Write your comments") as refused:
        services.accept_request(req, req.alumnus, review_comments="  ")
    assert refused.value.field == "review_comments"
    services.accept_request(req, req.alumnus, review_comments="Put your shelter work first.")
    db.session.commit()
    assert req.state == "reviewed"
    [row] = outbox("resume_reviewed")
    assert row.recipients == [req.student.email]
    assert "Put your shelter work first." in row.body_text


# --- the pages, as each person -----------------------------------------------------------------


def test_interview_asked_and_answered_through_the_pages(
    client, db, sign_in, student, staff, make_mentor, outbox
):
    mentor = make_mentor(offers=(INTERVIEW,))
    db.session.commit()
    sign_in(student)
    day = utcnow().date() + timedelta(days=5)
    data = {
        "hopes": "Learn the job.",
        "why_alumnus": "Your clinic.",
        "message": MESSAGE,
        "conduct": "y",
        "meeting_format": "in_person",
        "meeting_place": "Café on Mill Road",
        "slots-0-day": day.isoformat(),
        "slots-0-start": "03:00",
        "slots-0-minutes": "30",
        "slots-1-day": day.isoformat(),
        "slots-1-start": "15:00",
        "slots-1-minutes": "30",
    }
    night = client.post(f"/mentors/{mentor.id}/ask/{INTERVIEW}", data=data)
    assert night.status_code == 200
    assert "no one is asked to talk in the middle of the night" in night.get_data(as_text=True)
    data["slots-0-start"] = "10:00"
    resp = client.post(f"/mentors/{mentor.id}/ask/{INTERVIEW}", data=data)
    assert resp.status_code == 302
    req = db.session.scalars(db.select(ConnectionRequest)).one()
    assert (req.meeting_format, req.meeting_place) == ("in_person", "Café on Mill Road")
    services.approve_request(req, staff)
    db.session.commit()
    sign_in(mentor.user)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Propose another time" in page and 'name="slot"' in page
    resp = client.post(
        f"/requests/{req.id}/accept",
        data={"slot": "1", "meeting_link": "https://meet.example.org/x"},
    )
    assert resp.status_code == 302
    db.session.refresh(req)
    assert req.state == "scheduled"
    assert req.scheduled_start == datetime.combine(day, time(15, 0), tzinfo=UTC)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "https://meet.example.org/x" in page
    assert len(outbox("interview_scheduled")) == 1


PAGES = {
    "propose": ("post", "/requests/{id}/propose-time"),
    "confirm": ("post", "/requests/{id}/confirm-time"),
    "referred": ("post", "/requests/{id}/referred"),
    "detail": ("get", "/requests/{id}"),
}


@pytest.mark.parametrize(
    ("who", "page", "kind", "state", "expected"),
    [
        ("signed_out", "detail", INTERVIEW, "relayed", 302),
        ("other_student", "detail", INTERVIEW, "relayed", 404),
        ("other_alumnus", "detail", INTERVIEW, "relayed", 404),
        ("alumnus", "detail", INTERVIEW, "submitted", 404),
        ("alumnus", "detail", INTERVIEW, "relayed", 200),
        ("student", "detail", INTERVIEW, "relayed", 200),
        ("staff", "detail", INTERVIEW, "relayed", 302),
        ("signed_out", "propose", INTERVIEW, "relayed", 302),
        ("student", "propose", INTERVIEW, "relayed", 403),
        ("other_alumnus", "propose", INTERVIEW, "relayed", 404),
        ("staff", "propose", INTERVIEW, "relayed", 403),
        ("alumnus", "propose", INTERVIEW, "submitted", 404),
        ("alumnus", "propose", INTERVIEW, "relayed", 302),
        ("alumnus", "confirm", INTERVIEW, "slot_proposed", 403),
        ("other_student", "confirm", INTERVIEW, "slot_proposed", 404),
        ("staff", "confirm", INTERVIEW, "slot_proposed", 403),
        ("student", "confirm", INTERVIEW, "slot_proposed", 302),
        ("student", "referred", "referral", "referral_accepted", 403),
        ("other_alumnus", "referred", "referral", "referral_accepted", 404),
        ("staff", "referred", "referral", "referral_accepted", 403),
        ("alumnus", "referred", "referral", "referral_accepted", 302),
    ],
)
def test_permission_table_of_the_new_pages(
    client, db, sign_in, make_request, make_user, make_mentor, who, page, kind, state, expected
):
    from careerlink.permissions import Role

    req = make_request(kind=kind, state=state)
    people = {
        "student": req.student,
        "alumnus": req.alumnus,
        "other_student": make_user(Role.STUDENT),
        "other_alumnus": make_mentor().user,
        "staff": make_user(Role.STAFF),
    }
    db.session.commit()
    if who != "signed_out":
        sign_in(people[who])
    method, path = PAGES[page]
    day = (utcnow().date() + timedelta(days=10)).isoformat()
    data = {"new_day": day, "new_start": "10:00", "new_minutes": "30"}
    resp = getattr(client, method)(path.format(id=req.id), data=data if method == "post" else None)
    assert resp.status_code == expected
    db.session.expire_all()
    moved = {
        "propose": "slot_proposed",
        "confirm": "scheduled",
        "referred": "referred",
    }.get(page)
    changed = db.session.get(ConnectionRequest, req.id).state
    if expected == 302 and who != "signed_out" and moved:
        assert changed == moved
    else:
        assert changed == state


# --- privacy --------------------------------------------------------------------------------


def test_a_student_leaving_withdraws_an_interview_time_waiting_for_them(db, make_request, outbox):
    from careerlink.accounts.privacy import delete_account

    req = make_request(kind=INTERVIEW, state="slot_proposed")
    delete_account(req.student, req.student)
    db.session.commit()
    db.session.refresh(req)
    assert req.state == "withdrawn"
    assert req.meeting_place is None


def test_retention_erases_the_review_comments(db, make_request):
    from careerlink.accounts.privacy import purge_closed_messages

    req = make_request(kind="resume_review", state="completed")
    db.session.commit()
    assert req.review_comments == "Lead with your shelter work."
    assert purge_closed_messages(1, now=req.closed_at + timedelta(days=60)) == 1
    db.session.commit()
    db.session.refresh(req)
    assert req.review_comments is None


# --- uploads --------------------------------------------------------------------------------


def docx_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip with these members, as a DOCX (or a DOCX impostor) is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = docx_bytes(
    {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>CV</w:document>"}
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PNG, "cv.pdf", "not a PDF or a Word (DOCX) document, whatever its name says"),
        (
            docx_bytes({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"x"}),
            "cv.docx",
            "not a PDF or a Word (DOCX) document",
        ),
        (
            docx_bytes(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "word/document.xml": b"<w:document/>",
                    "word/media/bomb.xml": b"\x00" * 20_000_000,
                }
            ),
            "cv.docx",
            "not a PDF or a Word (DOCX) document",
        ),
        (b"", "cv.pdf", "Choose a file"),
        (b"%PDF-" + b"x" * 6_000_000, "cv.pdf", "the limit is 5.0 MB"),
        (b"just text", "cv.docx", "not a PDF or a Word (DOCX) document"),
    ],
    ids=["png-named-pdf", "zip-without-document", "zip-bomb", "empty", "oversize", "text"],
)
def test_files_that_lie_are_refused_and_nothing_is_stored(
    app, db, student, make_mentor, data, name, message
):
    from careerlink.connections import uploads

    mentor = make_mentor(offers=("resume_review",))
    before = set(uploads.folder().iterdir())
    with pytest.raises(DomainError, match=re.escape(message)) as refused:
        ask(student, mentor, "resume_review", resume=Upload(data, name))
    assert refused.value.field == "resume"
    assert set(uploads.folder().iterdir()) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 0


def test_a_docx_is_stored_under_a_random_name(app, db, student, make_mentor):
    from careerlink.connections import uploads

    mentor = make_mentor(offers=("resume_review",))
    req = ask(student, mentor, "resume_review", resume=Upload(DOCX, "../../etc/My CV.docx"))
    assert req.resume_type == "docx" and req.resume_name == "My CV.docx"
    assert req.resume_file.endswith(".docx") and "CV" not in req.resume_file
    assert uploads.path_of(req.resume_file).read_bytes() == DOCX
    assert uploads.folder() == uploads.path_of(req.resume_file).parent
    assert "static" not in str(uploads.folder())


@pytest.mark.parametrize(
    ("who", "state", "expected"),
    [
        ("student", "submitted", 200),
        ("other_student", "submitted", 404),
        ("alumnus", "submitted", 404),
        ("alumnus", "relayed", 200),
        ("other_alumnus", "relayed", 404),
        ("staff", "submitted", 200),
        ("signed_out", "relayed", 302),
    ],
)
def test_who_may_download_the_resume(
    client, db, sign_in, make_request, make_user, make_mentor, who, state, expected
):
    from careerlink.permissions import Role

    req = make_request(kind="resume_review", state=state)
    people = {
        "student": req.student,
        "alumnus": req.alumnus,
        "other_student": make_user(Role.STUDENT),
        "other_alumnus": make_mentor().user,
        "staff": make_user(Role.STAFF),
    }
    db.session.commit()
    if who != "signed_out":
        sign_in(people[who])
    resp = client.get(f"/requests/{req.id}/files/resume")
    assert resp.status_code == expected
    if expected == 200:
        assert resp.data == RESUME_PDF
        assert resp.headers["Content-Type"] == "application/pdf"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Disposition"] == f"attachment; filename=resume-{req.id}.pdf"


def test_an_unknown_file_is_404(client, db, sign_in, make_request):
    req = make_request(kind="resume_review", state="submitted")
    db.session.commit()
    sign_in(req.student)
    assert client.get(f"/requests/{req.id}/files/review").status_code == 404
    assert client.get(f"/requests/{req.id}/files/../../config").status_code == 404
    assert client.get(f"/requests/{req.id}/files/other").status_code == 404


def test_the_annotated_copy_reaches_the_student(client, db, sign_in, make_request, outbox):
    req = make_request(kind="resume_review", state="relayed")
    services.accept_request(
        req,
        req.alumnus,
        review_comments="See my notes.",
        review_file=Upload(DOCX, "notes.docx"),
    )
    db.session.commit()
    assert "an annotated copy of your résumé" in outbox("resume_reviewed")[0].body_text
    sign_in(req.student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Download the annotated copy (DOCX)" in page
    resp = client.get(f"/requests/{req.id}/files/review")
    assert (resp.status_code, resp.data) == (200, DOCX)


def test_files_are_deleted_with_the_request_words(app, db, make_request):
    from careerlink.accounts.privacy import delete_account, purge_closed_messages
    from careerlink.connections import uploads

    old = make_request(kind="resume_review", state="completed")
    mine = make_request(kind="referral", state="referral_accepted")
    db.session.commit()
    old_file, my_file = uploads.path_of(old.resume_file), uploads.path_of(mine.resume_file)
    assert old_file.is_file() and my_file.is_file()
    assert purge_closed_messages(1, now=old.closed_at + timedelta(days=60)) == 1
    db.session.commit()
    assert not old_file.exists() and my_file.is_file()
    db.session.refresh(old)
    assert (old.resume_file, old.resume_name) == (None, None)
    delete_account(mine.student, mine.student)
    db.session.commit()
    assert not my_file.exists()
