"""Snapshots of every request email (text and HTML) and of the .ics files.

Compare by default; regenerate with UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from careerlink.connections import notifications
from careerlink.connections.models import ConnectionRequest
from careerlink.mail.models import OutboxMessage

SNAPSHOTS = Path(__file__).parent / "snapshots" / "requests"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "") == "1"

EVENTS = [
    ("request_relayed", "alumnus"),
    ("request_relayed", "student"),
    ("request_needs_info", "student"),
    ("request_declined_by_staff", "student"),
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


@pytest.fixture
def rendered(db, student, alumna, staff, make_mentor, monkeypatch):
    """Every request email, rendered from fixed data, keyed by (event, audience)."""
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
    db.session.flush()
    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return {(r.event, r.audience): r for r in rows}


def test_every_request_email_has_a_snapshot(rendered):
    assert sorted(rendered) == sorted(EVENTS)
    for (event, audience), row in sorted(rendered.items()):
        name = f"{event}_to_{audience}"
        head = f"Subject: {row.subject}\nTo: {', '.join(row.recipients)}\n"
        if row.reply_to:
            head += f"Reply-To: {row.reply_to}\n"
        check_snapshot(f"{name}.txt", head + "\n" + row.body_text)
        check_snapshot(f"{name}.html", row.body_html)


def test_calendar_snapshots(rendered):
    invite = rendered[("shadowing_scheduled", "both")].attachments[0]
    cancel = rendered[("shadowing_cancelled", "both")].attachments[0]
    assert (invite.filename, invite.content_type) == ("shadowing-day.ics", "text/calendar")
    check_snapshot("shadowing_request.ics", invite.data.decode("utf-8"))
    check_snapshot("shadowing_cancel.ics", cancel.data.decode("utf-8"))


def test_no_email_leaks_an_unrendered_placeholder(rendered):
    for row in rendered.values():
        for body in (row.body_text, row.body_html, row.subject):
            assert "{{" not in body and "{%" not in body and "None" not in body
