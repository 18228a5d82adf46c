"""A referral from a posted opening in Chromium: ask with a résumé, approve, accept, pass it on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date

from browser.browser_helpers import (
    assert_accessible,
    email_text,
    expect,
    heading,
    open_relayed_request,
    sign_in_with_form,
    sign_out,
    staff_approve_first_request,
    translator,
)
from careerlink.database import transaction
from careerlink.extensions import db
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


@pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)
def test_a_referral_asked_from_a_posted_opening_is_passed_on(
    page, live_server, latest_email, make_user, make_mentor
):
    """The story of the graduate moving into publishing: from the opening to HR."""
    base = live_server.url
    language = page.context.careerlink_language
    t = translator(language)
    graduate = make_user(Role.STUDENT, email="gwen@alumni.example.edu", name="Gwen Graduate")
    editor = make_user(Role.ALUMNUS, email="paula@press.example.org", name="Paula Publisher")
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    for person in (graduate, editor, staff):
        person.locale = language
    db.session.commit()
    referral = t("a referral")
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
    sign_in_with_form(page, base, graduate.email, t=t)
    page.goto(f"{base}/openings/{posted.id}")
    page.get_by_role(
        "link", name=t("Ask %(name)s for %(kind)s", name="Paula Publisher", kind=referral)
    ).click()
    expect(
        heading(page, t("Ask %(name)s for %(kind)s", name="Paula Publisher", kind=referral))
    ).to_be_visible()
    expect(page.get_by_label(t("The opening"))).to_have_value(str(posted.id))
    assert_accessible(page, "referral ask form")
    page.get_by_label(t("What do you hope to learn or achieve?")).fill("To be considered for it.")
    page.get_by_label(t("Why this alumnus?")).fill("You work at Riverside Press and posted it.")
    page.get_by_label(t("Your message to the alumnus")).fill(MESSAGE)
    # A file that says it is a PDF and is not: refused beside its field, nothing stored.
    page.get_by_label(t("Your résumé")).set_input_files(
        {"name": "resume.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a pdf"}
    )
    page.get_by_label(t("I have read the conduct policy and will follow it")).check()
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(
        page.get_by_text(
            t("This file is not a PDF or a Word (DOCX) document, whatever its name says.")
        )
    ).to_be_visible()
    assert_accessible(page, "referral ask form with a refused file")
    page.get_by_label(t("Your résumé")).set_input_files(
        {"name": "gwen-graduate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label(t("I have read the conduct policy and will follow it")).check()
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(page, t("Your request to %(name)s", name="Paula Publisher"))).to_be_visible()
    expect(
        page.get_by_text(
            t(
                "%(title)s, %(organisation)s (closes %(day)s)",
                title="Editorial assistant",
                organisation="Riverside Press",
                day=format_date(
                    posted.closes_on, "long", locale={"en": "en_GB"}.get(language, language)
                ),
            )
        )
    ).to_be_visible()
    assert_accessible(page, "graduate's referral request page")
    sign_out(page, t)

    # Staff approve it.
    staff_approve_first_request(page, base, staff.email, t("Referral"), t)

    # The alumna answers from the email (signed out): she agrees, then says she passed it on.
    relay = latest_email(
        to=editor.email,
        subject=t("%(name)s asks you for %(kind)s", name="Gwen Graduate", kind=referral),
    )
    open_relayed_request(page, relay, "Gwen Graduate", referral, t)
    page.get_by_role("button", name=t("Accept: I will refer this student")).click()
    expect(page.get_by_role("heading", name=t("Have you passed it on?"))).to_be_visible()
    assert_accessible(page, "referral answer page after agreeing")
    page.get_by_role("button", name=t("I have passed it on")).click()
    expect(page.get_by_role("heading", name=t("Referred to the employer"))).to_be_visible()

    told = latest_email(
        to=graduate.email,
        subject=t("%(alumnus)s has passed your résumé on", alumnus="Paula Publisher"),
    )
    assert "Riverside Press" in email_text(told)
