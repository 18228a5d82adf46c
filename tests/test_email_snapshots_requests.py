"""Snapshots of every request email (text and HTML) and of the .ics files.

Headers are read as a mail client reads them: the transport builds the message, and the
standard library's parser (default policy) decodes it.
Compare by default; regenerate with UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import email
import email.policy
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from careerlink.connections import notifications
from careerlink.connections.models import ConnectionRequest
from careerlink.connections.slots import Slot
from careerlink.mail.models import OutboxMessage
from careerlink.mail.transports import message_bytes
from careerlink.permissions import Role

SNAPSHOTS = Path(__file__).parent / "snapshots" / "requests"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "") == "1"

EVENTS = [
    ("request_relayed", "alumnus"),
    ("request_relayed", "student"),
    ("request_needs_info", "student"),
    ("request_declined_by_staff", "student"),
    ("request_closed_alumnus_left", "student"),
    ("introduction", "both"),
    ("shadowing_scheduled", "both"),
    ("shadowing_cancelled", "both"),
    ("request_declined_by_alumnus", "student"),
    ("request_reminder", "alumnus"),
    ("request_expired", "student"),
    ("request_withdrawn", "alumnus"),
    ("feedback_requested", "student"),
    ("feedback_requested", "alumnus"),
    ("alumnus_paused", "staff"),
    ("alumnus_paused", "alumnus"),
    ("interview_scheduled", "both"),
    ("interview_time_proposed", "student"),
    ("interview_cancelled", "both"),
    ("interview_link_changed", "both"),
    ("interview_other_time_asked", "alumnus"),
    ("interview_time_expired", "student"),
    ("interview_time_expired", "alumnus"),
    ("resume_reviewed", "student"),
    ("referral_accepted", "student"),
    ("referral_passed_on", "student"),
]


def at(day: int, hour: int = 9) -> datetime:
    """A fixed moment in February 2030."""
    return datetime(2030, 2, day, hour, 0, tzinfo=UTC)


def check_snapshot(name: str, content: str) -> None:
    """Compare with (or, with UPDATE_SNAPSHOTS=1, rewrite) tests/snapshots/requests/<name>."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))  # bytes: .ics lines end in CRLF
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert content == expected, f"{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites)"


def as_received(row: OutboxMessage) -> email.message.EmailMessage:
    """The message the transport sends for a row, parsed the way a mail client does."""
    return email.message_from_bytes(message_bytes(row), policy=email.policy.default)


def render_all(db, student, alumna, staff, make_mentor, monkeypatch):
    """Every request email between these people, from fixed data, by (event, audience)."""
    from careerlink.mentors.models import StudentProfile

    monkeypatch.setattr(
        notifications, "answer_link", lambda req: "http://careerlink.test/requests/answer/TOKEN"
    )
    monkeypatch.setattr(
        notifications,
        "feedback_link",
        lambda req, side: f"http://careerlink.test/requests/feedback/TOKEN-{side}",
    )
    profile = make_mentor(user=alumna)
    db.session.add(
        StudentProfile(
            user_id=student.id,
            programme="BSc Biology",
            class_year=2027,
            introduction="Second-year biology student; I volunteer at an animal shelter.",
        )
    )
    common = {
        "student_id": student.id,
        "alumnus_id": alumna.id,
        "hopes": "Learn how a small veterinary practice runs.",
        "why_alumnus": "You founded the clinic where I hope to do a placement.",
        "message": "I would be grateful for an introduction to your practice manager.",
        "conduct_acknowledged_at": at(1),
        "created_at": at(1),
        "updated_at": at(1),
        "staff_note": "A thoughtful student; thank you!",
        "info_question": "Which of the dates suits your timetable best?",
        "staff_reason": "Please ask for an introduction in your own field first.",
        "alumnus_note": "Happy to help.",
        "relayed_at": at(1),
        "respond_by": at(8),
        "answered_at": at(3, 10),
        "closed_at": at(10, 15),
        "cancel_reason": "The clinic is closed for an inspection that day.",
        "cancelled_by_id": student.id,
    }
    shadow = ConnectionRequest(
        kind="shadowing",
        state="scheduled",
        proposed_dates=["2030-03-04", "2030-03-06", "2030-03-08"],
        scheduled_date=date(2030, 3, 6),
        ics_sequence=0,
        **common,
    )
    db.session.add(shadow)
    db.session.flush()
    intro = ConnectionRequest(kind="introduction", state="introduced", proposed_dates=[], **common)
    db.session.add(intro)
    db.session.flush()

    notifications.request_relayed(shadow)
    notifications.request_needs_info(shadow)
    notifications.request_declined_by_staff(shadow)
    notifications.request_closed_alumnus_left(shadow)
    notifications.introduction(intro)
    notifications.shadowing_scheduled(shadow)
    shadow.ics_sequence = 1
    shadow.state = "cancelled"
    notifications.shadowing_cancelled(shadow)
    notifications.request_declined_by_alumnus(shadow)
    notifications.request_reminder(shadow)
    notifications.request_expired(intro)
    notifications.request_withdrawn(intro)
    notifications.feedback_requested(intro)
    notifications.alumnus_paused(profile, 3, [staff.email])

    interview = ConnectionRequest(
        kind="informational_interview",
        state="scheduled",
        proposed_slots=[
            {"start": "2030-03-05T14:00:00+00:00", "minutes": 30},
            {"start": "2030-03-06T09:30:00+00:00", "minutes": 45},
        ],
        scheduled_start=datetime(2030, 3, 5, 14, 0, tzinfo=UTC),
        scheduled_minutes=30,
        scheduled_date=date(2030, 3, 5),
        meeting_format="video",
        meeting_link="https://meet.example.org/riverside",
        ics_sequence=0,
        **common,
    )
    review = ConnectionRequest(
        kind="resume_review",
        state="reviewed",
        review_comments="Lead with the shelter work; cut the course list to three lines.",
        **common,
    )
    referral = ConnectionRequest(
        kind="referral",
        state="referral_accepted",
        posting_url="https://jobs.example.org/riverside/veterinary-nurse",
        **common,
    )
    db.session.add_all([interview, review, referral])
    db.session.flush()
    notifications.interview_scheduled(interview)
    notifications.interview_time_proposed(interview)
    interview.ics_sequence = 1
    interview.state = "cancelled"
    notifications.interview_cancelled(interview)
    notifications.resume_reviewed(review)
    notifications.referral_accepted(referral)
    notifications.referral_passed_on(referral)
    # The interview again, scheduled: its link changed (the next SEQUENCE), the student asks
    # for another time; then a time the alumnus proposed that lapsed.
    interview.state = "scheduled"
    interview.ics_sequence = 2
    interview.meeting_link = "https://meet.example.org/riverside-2"
    interview.updated_at = at(4, 8)  # the calendar's DTSTAMP
    notifications.interview_link_changed(interview)
    asked = Slot(datetime(2030, 3, 7, 15, 0, tzinfo=UTC), 30)
    notifications.interview_other_time_asked(interview, asked, "My exam moved to that morning.")
    interview.state = "expired"
    notifications.interview_time_expired(interview)
    db.session.flush()
    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return {(r.event, r.audience): r for r in rows}


@pytest.fixture
def rendered(db, student, alumna, staff, make_mentor, monkeypatch):
    """Every request email between the personas, keyed by (event, audience)."""
    return render_all(db, student, alumna, staff, make_mentor, monkeypatch)


def test_every_request_email_has_a_snapshot(rendered):
    assert sorted(rendered) == sorted(EVENTS)
    for (event, audience), row in sorted(rendered.items()):
        name = f"{event}_to_{audience}"
        msg = as_received(row)
        head = f"Subject: {msg['Subject']}\nTo: {msg['To']}\n"
        if row.reply_to:
            head += f"Reply-To: {msg['Reply-To']}\n"
        check_snapshot(f"{name}.txt", head + "\n" + row.body_text)
        check_snapshot(f"{name}.html", row.body_html)


def test_calendar_snapshots(rendered):
    invite = rendered[("shadowing_scheduled", "both")].attachments[0]
    cancel = rendered[("shadowing_cancelled", "both")].attachments[0]
    assert (invite.filename, invite.content_type) == (
        "shadowing-day.ics",
        "text/calendar; charset=utf-8; method=REQUEST",
    )
    assert (cancel.filename, cancel.content_type) == (
        "shadowing-day-cancelled.ics",
        "text/calendar; charset=utf-8; method=CANCEL",
    )
    check_snapshot("shadowing_request.ics", invite.data.decode("utf-8"))
    check_snapshot("shadowing_cancel.ics", cancel.data.decode("utf-8"))


def test_interview_calendar_snapshots_decoded(rendered):
    invite = rendered[("interview_scheduled", "both")].attachments[0]
    cancel = rendered[("interview_cancelled", "both")].attachments[0]
    assert (invite.filename, invite.content_type) == (
        "interview.ics",
        "text/calendar; charset=utf-8; method=REQUEST",
    )
    assert (cancel.filename, cancel.content_type) == (
        "interview-cancelled.ics",
        "text/calendar; charset=utf-8; method=CANCEL",
    )
    check_snapshot("interview_request.ics", invite.data.decode("utf-8"))
    check_snapshot("interview_cancel.ics", cancel.data.decode("utf-8"))
    link = rendered[("interview_link_changed", "both")].attachments[0]
    assert (link.filename, link.content_type) == (
        "interview.ics",
        "text/calendar; charset=utf-8; method=REQUEST",
    )
    check_snapshot("interview_link_changed.ics", link.data.decode("utf-8"))
    decoded = []
    for attachment in (invite, cancel, link):
        cal = Calendar.from_ical(attachment.data)
        [event] = cal.walk("VEVENT")
        decoded.append(
            (
                str(cal["method"]),
                int(event["sequence"]),
                event["dtstart"].to_ical().decode(),
                event["dtend"].to_ical().decode(),
                event.decoded("dtstart") == datetime(2030, 3, 5, 14, 0, tzinfo=UTC),
            )
        )
    assert decoded == [
        ("REQUEST", 0, "20300305T140000Z", "20300305T143000Z", True),
        ("CANCEL", 1, "20300305T140000Z", "20300305T143000Z", True),
        ("REQUEST", 2, "20300305T140000Z", "20300305T143000Z", True),
    ]


def test_no_email_leaks_an_unrendered_placeholder(rendered):
    for row in rendered.values():
        for body in (row.body_text, row.body_html, row.subject):
            assert "{{" not in body and "{%" not in body and "None" not in body


SENDER_NAME = "Service carrières de l’Université Lumière"

# What a mail client shows, exactly: no space inside a name, none before the subject.
SUBJECTS = {
    (
        "request_relayed",
        "alumnus",
    ): "{student} asks you for a shadowing day (via the career office)",
    ("request_relayed", "student"): "Your request to {alumnus} has been sent",
    ("request_needs_info", "student"): "The career office has a question about your request",
    ("request_declined_by_staff", "student"): "Your request to {alumnus} was not sent",
    (
        "request_closed_alumnus_left",
        "student",
    ): "Your request could not go ahead: the alumnus has left the network",
    ("introduction", "both"): "Introduction: {student} meet {alumnus}",
    ("shadowing_scheduled", "both"): "Shadowing day on 6 March 2030: {student} with {alumnus}",
    ("shadowing_cancelled", "both"): "Cancelled: shadowing day on 6 March 2030",
    ("request_declined_by_alumnus", "student"): "{alumnus} cannot help this time",
    ("request_reminder", "alumnus"): "Reminder: {student} is waiting for your answer",
    ("request_expired", "student"): "No answer from {alumnus}",
    ("request_withdrawn", "alumnus"): "{student} has withdrawn their request",
    ("feedback_requested", "student"): "How did it go with {alumnus}?",
    ("feedback_requested", "alumnus"): "How did it go with {student}?",
    ("alumnus_paused", "staff"): "{alumnus} was paused after 3 unanswered requests",
    ("alumnus_paused", "alumnus"): "We have paused requests to you",
    ("interview_scheduled", "both"): "Informational interview on 5 March 2030: {student} with "
    "{alumnus}",
    ("interview_time_proposed", "student"): "{alumnus} proposes another time",
    ("interview_cancelled", "both"): "Cancelled: informational interview on 5 March 2030",
    ("interview_link_changed", "both"): "New meeting link: Informational interview on 5 March "
    "2030: {student} with {alumnus}",
    ("interview_other_time_asked", "alumnus"): "{student} asks to move your informational "
    "interview",
    ("interview_time_expired", "student"): "The time {alumnus} proposed has lapsed",
    ("interview_time_expired", "alumnus"): "{student} did not confirm the interview time",
    ("resume_reviewed", "student"): "{alumnus} has reviewed your résumé",
    ("referral_accepted", "student"): "{alumnus} will refer you",
    ("referral_passed_on", "student"): "{alumnus} has passed your résumé on",
}


@pytest.mark.parametrize(
    "student_name,alumnus_name",
    [
        # An accented student; an alumna whose long name makes most subjects fold.
        ("José Cohen", "Maria-Fernanda de la Cruz Villanueva-Hernández"),
        # Names of the lengths that made the old folding cut "José" ("Jos é") and fold the
        # relayed-request subject straight after "Subject:" (read with a leading space).
        ("Stella Maria Student", "José Cohen"),
    ],
)
def test_accented_names_and_long_subjects_decode_exactly(
    app, db, make_user, staff, make_mentor, monkeypatch, student_name, alumnus_name
):
    """Folding never cuts a word: a client shows each subject and display name as written."""
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", f"{SENDER_NAME} <careers@example.edu>")
    student = make_user(Role.STUDENT, email="s@students.example.edu", name=student_name)
    alumna = make_user(Role.ALUMNUS, email="a@alumni.example.org", name=alumnus_name)
    rendered = render_all(db, student, alumna, staff, make_mentor, monkeypatch)
    assert sorted(rendered) == sorted(SUBJECTS)
    wrong = {}
    for key, row in rendered.items():
        raw = message_bytes(row)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        expected = SUBJECTS[key].format(student=student_name, alumnus=alumnus_name)
        if msg["Subject"] != expected:
            wrong[key] = msg["Subject"]
        [sender] = msg["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (SENDER_NAME, "careers@example.edu")
        assert [a.addr_spec for a in msg["To"].addresses] == row.recipients
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert all(len(line) <= 78 for line in head), key
    assert wrong == {}
