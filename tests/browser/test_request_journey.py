"""The request journey in Chromium: ask, approve, accept from the email, both introduced.

It runs twice: in English, and in French from a French browser by people who chose French
(so the emails are French too). Every label is the catalogue's translation of the English text
(`translator`), and axe-core checks every page in both languages, `lang` attributes included.
"""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    email_link,
    email_text,
    expect,
    heading,
    sign_in_with_form,
    sign_out,
    translator,
)
from careerlink.connections.settings import MESSAGE_MAX, MESSAGE_MIN
from careerlink.extensions import db
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine. I volunteer at "
    "an animal shelter and would be grateful for an introduction to your practice manager."
)


@pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)
def test_ask_approve_accept_from_email_introduces_both(
    page, live_server, latest_email, make_user, make_mentor
):
    """A student asks, staff approve, the alumna accepts from the email; both are introduced."""
    base = live_server.url
    language = page.context.careerlink_language
    t = translator(language)
    student = make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    for person in (student, alumna, staff):
        person.locale = language
    db.session.commit()
    profile = make_mentor(user=alumna)
    introduction, introduction_heading = t("an introduction"), t("Introduction")

    # The student finds the alumna and asks for an introduction.
    sign_in_with_form(page, base, student.email, t=t)
    page.goto(f"{base}/mentors/{profile.id}")
    assert_accessible(page, "mentor page with ask buttons")
    page.get_by_role("link", name=t("Ask for %(kind)s", kind=introduction)).click()
    expect(
        heading(page, t("Ask %(name)s for %(kind)s", name="Alma Alumna", kind=introduction))
    ).to_be_visible()
    assert_accessible(page, "ask form")
    page.get_by_label(t("What do you hope to learn or achieve?")).fill("How a clinic hires.")
    page.get_by_label(t("Why this alumnus?")).fill("You run the clinic I admire.")
    page.get_by_label(t("Your message to the alumnus")).fill("Too short")
    page.get_by_label(t("I have read the conduct policy and will follow it")).check()
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(
        page.get_by_text(
            t(
                "Write between %(least)d and %(most)d characters.",
                least=MESSAGE_MIN,
                most=MESSAGE_MAX,
            )
        )
    ).to_be_visible()
    assert_accessible(page, "ask form with an error")
    page.get_by_label(t("Your message to the alumnus")).fill(MESSAGE)
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(page, t("Your request to %(name)s", name="Alma Alumna"))).to_be_visible()
    expect(page.get_by_text(t("Waiting for the career office")).first).to_be_visible()
    assert_accessible(page, "student's request page")
    sign_out(page, t)

    # Staff find it in the queue and approve it.
    sign_in_with_form(page, base, staff.email, t=t)
    expect(heading(page, t("Career office"))).to_be_visible()
    assert_accessible(page, "staff home with request counts")
    page.get_by_role("link", name=t("Open the request queue")).click()
    expect(heading(page, t("Requests"))).to_be_visible()
    assert_accessible(page, "staff queue")
    page.get_by_role("link", name="#1").click()
    expect(
        heading(page, t("Request #%(number)s: %(kind)s", number=1, kind=introduction_heading))
    ).to_be_visible()
    assert_accessible(page, "staff request page")
    page.get_by_label(t("Note to the alumnus (optional)")).fill("A thoughtful student.")
    page.get_by_role("button", name=t("Approve and relay")).click()
    expect(
        page.get_by_text(t("Approved: the request is on its way to the alumnus."))
    ).to_be_visible()
    assert_accessible(page, "staff request page after approval")
    sign_out(page, t)

    # The alumna opens the emailed link (signed out) and accepts.
    relay = latest_email(
        to=alumna.email,
        subject=t("%(name)s asks you for %(kind)s", name="Stella Student", kind=introduction),
    )
    assert "A thoughtful student." in email_text(relay)
    link = email_link(relay, "/requests/answer/")
    assert link.startswith(base + "/requests/answer/")
    page.goto(link)
    expect(
        heading(page, t("%(name)s asks you for %(kind)s", name="Stella Student", kind=introduction))
    ).to_be_visible()
    assert_accessible(page, "answer page")
    page.get_by_role("button", name=t("Accept and introduce us")).click()
    expect(
        page.get_by_text(t("Thank you! We have introduced you to the student by email."))
    ).to_be_visible()
    accepted_on = t("You accepted on %(when)s; we introduced you to %(name)s by email. Thank you!")
    expect(page.get_by_text(accepted_on.split("%(when)s")[0].strip())).to_be_visible()
    assert_accessible(page, "answer page after accepting")

    # Both receive the one introduction email, with each other's address.
    intro = latest_email(to=student.email, subject=introduction_heading)
    assert (
        latest_email(to=alumna.email, subject=introduction_heading)["Message-ID"]
        == intro["Message-ID"]
    )
    text = email_text(intro)
    assert student.email in text and alumna.email in text

    # The student sees the outcome on the request page.
    sign_in_with_form(page, base, student.email, t=t)
    page.goto(f"{base}/account")
    assert_accessible(page, "account page with requests")
    page.get_by_role(
        "link", name=t("%(kind)s with %(name)s", kind=introduction_heading, name="Alma Alumna")
    ).click()
    expect(
        page.get_by_text(
            t(
                "%(name)s accepted. Check your email: we sent an introduction to you both.",
                name="Alma Alumna",
            )
        )
    ).to_be_visible()
    assert_accessible(page, "student's request page after acceptance")
