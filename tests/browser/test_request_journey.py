"""The request journey in Chromium: ask, approve, accept from the email, both introduced."""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    email_link,
    email_text,
    expect,
    sign_in_with_form,
)
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine. I volunteer at "
    "an animal shelter and would be grateful for an introduction to your practice manager."
)


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def sign_out(page) -> None:
    """Press the header's sign-out button."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def test_ask_approve_accept_from_email_introduces_both(
    page, live_server, latest_email, make_user, make_mentor
):
    """A student asks, staff approve, the alumna accepts from the email; both are introduced."""
    base = live_server.url
    student = make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    profile = make_mentor(user=alumna)

    # The student finds the alumna and asks for an introduction.
    sign_in_with_form(page, base, student.email)
    page.goto(f"{base}/mentors/{profile.id}")
    assert_accessible(page, "mentor page with ask buttons")
    page.get_by_role("link", name="Ask for an introduction").click()
    expect(heading(page, "Ask Alma Alumna for an introduction")).to_be_visible()
    assert_accessible(page, "ask form")
    page.get_by_label("What do you hope to learn or achieve?").fill("How a clinic hires.")
    page.get_by_label("Why this alumnus?").fill("You run the clinic I admire.")
    page.get_by_label("Your message to the alumnus").fill("Too short")
    page.get_by_label("I have read the conduct policy and will follow it").check()
    page.get_by_role("button", name="Send to the career office").click()
    expect(page.get_by_text("Write between")).to_be_visible()
    assert_accessible(page, "ask form with an error")
    page.get_by_label("Your message to the alumnus").fill(MESSAGE)
    page.get_by_role("button", name="Send to the career office").click()
    expect(heading(page, "Your request to Alma Alumna")).to_be_visible()
    expect(page.get_by_text("Waiting for the career office").first).to_be_visible()
    assert_accessible(page, "student's request page")
    sign_out(page)

    # Staff find it in the queue and approve it.
    sign_in_with_form(page, base, "sam@careers.example.edu")
    expect(heading(page, "Career office")).to_be_visible()
    assert_accessible(page, "staff home with request counts")
    page.get_by_role("link", name="Open the request queue").click()
    expect(heading(page, "Requests")).to_be_visible()
    assert_accessible(page, "staff queue")
    page.get_by_role("link", name="#1").click()
    expect(heading(page, "Request #1: an introduction")).to_be_visible()
    assert_accessible(page, "staff request page")
    page.get_by_label("Note to the alumnus (optional)").fill("A thoughtful student.")
    page.get_by_role("button", name="Approve and relay").click()
    expect(page.get_by_text("Approved: the request is on its way")).to_be_visible()
    assert_accessible(page, "staff request page after approval")
    sign_out(page)

    # The alumna opens the emailed link (signed out) and accepts.
    relay = latest_email(to=alumna.email, subject="asks you for an introduction")
    assert "A thoughtful student." in email_text(relay)
    link = email_link(relay, "/requests/answer/")
    assert link.startswith(base + "/requests/answer/")
    page.goto(link)
    expect(heading(page, "Stella Student asks you for an introduction")).to_be_visible()
    assert_accessible(page, "answer page")
    page.get_by_role("button", name="Accept and introduce us").click()
    expect(page.get_by_text("We have introduced you to the student")).to_be_visible()
    expect(page.get_by_text("You accepted")).to_be_visible()
    assert_accessible(page, "answer page after accepting")

    # Both receive the one introduction email, with each other's address.
    intro = latest_email(to=student.email, subject="Introduction")
    assert (
        latest_email(to=alumna.email, subject="Introduction")["Message-ID"] == intro["Message-ID"]
    )
    text = email_text(intro)
    assert student.email in text and alumna.email in text

    # The student sees the outcome on the request page.
    sign_in_with_form(page, base, student.email)
    page.goto(f"{base}/account")
    assert_accessible(page, "account page with requests")
    page.get_by_role("link", name="An introduction with Alma Alumna").click()
    expect(page.get_by_text("Alma Alumna accepted")).to_be_visible()
    assert_accessible(page, "student's request page after acceptance")
