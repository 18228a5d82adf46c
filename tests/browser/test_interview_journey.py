"""The informational-interview journey in Chromium: propose times, approve, accept, invitations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from browser.browser_helpers import (
    assert_accessible,
    email_link,
    expect,
    sign_in_with_form,
)
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I am a second-year biology student curious about veterinary practice. I would be grateful "
    "for half an hour of your time to hear how you built your clinic."
)


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def sign_out(page) -> None:
    """Press the header's sign-out button."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def calendar_in(message) -> Calendar:
    """The .ics attached to a caught message, decoded."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def test_propose_times_approve_accept_a_slot_both_invited(
    page, live_server, latest_email, make_user, make_mentor
):
    """A student proposes two times, staff approve, the alumna accepts one from the email."""
    base = live_server.url
    student = make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    profile = make_mentor(user=alumna, offers=("informational_interview",))
    first, second = date.today() + timedelta(days=6), date.today() + timedelta(days=7)

    # The student finds the alumna, who offers only informational interviews, and asks.
    sign_in_with_form(page, base, student.email)
    page.goto(f"{base}/mentors/{profile.id}")
    page.get_by_role("link", name="Ask for an informational interview").click()
    expect(heading(page, "Ask Alma Alumna for an informational interview")).to_be_visible()
    assert_accessible(page, "interview ask form")
    page.get_by_label("What do you hope to learn or achieve?").fill("How a clinic is run.")
    page.get_by_label("Why this alumnus?").fill("You built the clinic I admire.")
    page.get_by_label("Your message to the alumnus").fill(MESSAGE)
    page.locator('[name="slots-0-day"]').fill(first.isoformat())
    page.locator('[name="slots-0-start"]').fill("03:00")
    page.locator('[name="slots-0-minutes"]').fill("30")
    page.locator('[name="slots-1-day"]').fill(second.isoformat())
    page.locator('[name="slots-1-start"]').fill("14:00")
    page.locator('[name="slots-1-minutes"]').fill("45")
    page.get_by_label("Video call").check()
    page.get_by_label("I have read the conduct policy and will follow it").check()
    page.get_by_role("button", name="Send to the career office").click()
    expect(page.get_by_text("no one is asked to talk in the middle of the night")).to_be_visible()
    assert_accessible(page, "interview ask form with a night-time slot")
    page.locator('[name="slots-0-start"]').fill("10:00")
    page.get_by_role("button", name="Send to the career office").click()
    expect(heading(page, "Your request to Alma Alumna")).to_be_visible()
    assert_accessible(page, "student's interview request page")
    sign_out(page)

    # Staff approve it.
    sign_in_with_form(page, base, "sam@careers.example.edu")
    page.goto(f"{base}/staff/requests")
    page.get_by_role("link", name="#1").click()
    expect(heading(page, "Request #1: Informational interview")).to_be_visible()
    assert_accessible(page, "staff page of an interview request")
    page.get_by_role("button", name="Approve and relay").click()
    expect(page.get_by_text("Approved: the request is on its way")).to_be_visible()
    sign_out(page)

    # The alumna opens the emailed link (signed out) and accepts the second time.
    relay = latest_email(to=alumna.email, subject="asks you for an informational interview")
    page.goto(email_link(relay, "/requests/answer/"))
    expect(heading(page, "Stella Student asks you for an informational interview")).to_be_visible()
    assert_accessible(page, "interview answer page")
    page.get_by_label(f"{second:%A}, {second.day} {second:%B %Y}, 14:00–14:45 (UTC)").check()
    page.get_by_label("Meeting link (optional)").first.fill("https://meet.example.org/alma")
    page.get_by_role("button", name="Accept this time").click()
    expect(page.get_by_text("sent a calendar invitation")).to_be_visible()
    expect(page.get_by_text("14:00–14:45 (UTC)").first).to_be_visible()
    assert_accessible(page, "interview answer page after accepting")

    # Both receive the same invitation, with the real start and end.
    to_student = latest_email(to=student.email, subject="Informational interview on")
    to_alumna = latest_email(to=alumna.email, subject="Informational interview on")
    assert to_student["Message-ID"] == to_alumna["Message-ID"]
    cal = calendar_in(to_student)
    [event] = cal.walk("VEVENT")
    assert str(cal["method"]) == "REQUEST"
    assert event["dtstart"].to_ical().decode() == f"{second:%Y%m%d}T140000Z"
    assert event["dtend"].to_ical().decode() == f"{second:%Y%m%d}T144500Z"
    assert "https://meet.example.org/alma" in str(event["description"])
