"""A referral from a posted opening in Chromium: ask with a résumé, approve, accept, pass it on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from browser.browser_helpers import (
    assert_accessible,
    email_link,
    email_text,
    expect,
    sign_in_with_form,
)
from careerlink.database import transaction
from careerlink.mentors.models import today
from careerlink.openings import services as openings
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I graduated in public relations three years ago and I am moving into publishing. I have "
    "edited our alumni magazine for two years and would be grateful if you passed my résumé on."
)
# The smallest file the upload accepts as a PDF: the header, one empty page, the end marker.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def sign_out(page) -> None:
    """Press the header's sign-out button."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def test_a_referral_asked_from_a_posted_opening_is_passed_on(
    page, live_server, latest_email, make_user, make_mentor
):
    """The story of the graduate moving into publishing: from the opening to HR."""
    base = live_server.url
    graduate = make_user(Role.STUDENT, email="gwen@alumni.example.edu", name="Gwen Graduate")
    editor = make_user(Role.ALUMNUS, email="paula@press.example.org", name="Paula Publisher")
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    make_mentor(user=editor, offers=("referral",))
    with transaction():
        posted = openings.post_opening(
            editor,
            {
                "title": "Editorial assistant",
                "organisation": "Riverside Press",
                "url": "https://jobs.example.org/riverside/7",
                "location": "Dublin",
                "remote": False,
                "industry": "veterinary",
                "closes_on": today() + timedelta(days=20),
                "description": "Reading manuscripts and preparing them for the copy-editors.",
            },
        )
    with transaction():
        openings.approve_opening(staff, posted)

    # The graduate opens the opening and asks for a referral: the opening is chosen already.
    sign_in_with_form(page, base, graduate.email)
    page.goto(f"{base}/openings/{posted.id}")
    page.get_by_role("link", name="Ask Paula Publisher for a referral").click()
    expect(heading(page, "Ask Paula Publisher for a referral")).to_be_visible()
    expect(page.get_by_label("The opening")).to_have_value(str(posted.id))
    assert_accessible(page, "referral ask form")
    page.get_by_label("What do you hope to learn or achieve?").fill("To be considered for it.")
    page.get_by_label("Why this alumnus?").fill("You work at Riverside Press and posted it.")
    page.get_by_label("Your message to the alumnus").fill(MESSAGE)
    # A file that says it is a PDF and is not: refused beside its field, nothing stored.
    page.get_by_label("Your résumé").set_input_files(
        {"name": "resume.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a pdf"}
    )
    page.get_by_label("I have read the conduct policy and will follow it").check()
    page.get_by_role("button", name="Send to the career office").click()
    expect(page.get_by_text("This file is not a PDF or a Word (DOCX) document")).to_be_visible()
    assert_accessible(page, "referral ask form with a refused file")
    page.get_by_label("Your résumé").set_input_files(
        {"name": "gwen-graduate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("I have read the conduct policy and will follow it").check()
    page.get_by_role("button", name="Send to the career office").click()
    expect(heading(page, "Your request to Paula Publisher")).to_be_visible()
    expect(page.get_by_text("Editorial assistant, Riverside Press")).to_be_visible()
    assert_accessible(page, "graduate's referral request page")
    sign_out(page)

    # Staff approve it.
    sign_in_with_form(page, base, staff.email)
    page.goto(f"{base}/staff/requests")
    page.get_by_role("link", name="#1").click()
    expect(heading(page, "Request #1: Referral")).to_be_visible()
    assert_accessible(page, "staff page of a referral request")
    page.get_by_role("button", name="Approve and relay").click()
    expect(page.get_by_text("Approved: the request is on its way")).to_be_visible()
    sign_out(page)

    # The alumna answers from the email (signed out): she agrees, then says she passed it on.
    relay = latest_email(to=editor.email, subject="asks you for a referral")
    page.goto(email_link(relay, "/requests/answer/"))
    expect(heading(page, "Gwen Graduate asks you for a referral")).to_be_visible()
    assert_accessible(page, "referral answer page")
    page.get_by_role("button", name="Accept: I will refer this student").click()
    expect(page.get_by_role("heading", name="Have you passed it on?")).to_be_visible()
    assert_accessible(page, "referral answer page after agreeing")
    page.get_by_role("button", name="I have passed it on").click()
    expect(page.get_by_role("heading", name="Referred to the employer")).to_be_visible()

    told = latest_email(to=graduate.email, subject="Paula Publisher has passed your résumé on")
    assert "Riverside Press" in email_text(told)
