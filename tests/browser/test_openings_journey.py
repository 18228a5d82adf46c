"""Openings in Chromium: an alumna posts one, staff approve it, a student finds it by filter.

Every page state is checked with axe-core; the openings page also works at a phone's width.
The referral asked from an opening has its own journey: test_referral_journey.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    expect,
    heading,
    industry_name,
    sign_in_with_form,
    translate_industries,
    translator,
)
from careerlink.extensions import db
from careerlink.mentors.models import today
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}


@pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)
def test_alumna_posts_staff_approve_student_finds_it(
    browser, page, live_server, make_user, make_mentor
):
    base = live_server.url
    language, locale = page.context.careerlink_language, page.context.careerlink_locale
    t = translator(language)
    alumna = make_user(Role.ALUMNUS, email="renee@alumni.example.org", name="Renée Vétérinaire")
    make_mentor(user=alumna, industry=["veterinary", "healthcare"])
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    student = make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")
    for person in (alumna, staff, student):
        person.locale = language
    db.session.commit()
    translate_industries(language)
    veterinary = industry_name(language, "veterinary")

    # The alumna posts; a javascript: link is refused beside its field.
    sign_in_with_form(page, base, alumna.email, t=t)
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Openings")).click()
    expect(heading(page, t("Openings from alumni"))).to_be_visible()
    page.get_by_role("link", name=t("Post an opening")).click()
    expect(heading(page, t("Post an opening"))).to_be_visible()
    assert_accessible(page, "empty opening form")
    page.get_by_label(t("Title")).fill("Veterinary nurse (summer internship)")
    page.get_by_label(t("Organisation")).fill("Clinique du Parc")
    page.get_by_label(t("Link to the posting")).fill("javascript:alert(1)")
    page.get_by_label(t("Location")).fill("Lyon")
    page.get_by_label(t("Industry")).select_option(label=veterinary)
    page.get_by_label(t("Closing date")).fill((today() + timedelta(days=30)).isoformat())
    page.get_by_label(t("Short description")).fill("Ten weeks in a busy small-animal clinic.")
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(
        page.get_by_text(t("The link must be a web address starting with https:// or http://."))
    ).to_be_visible()
    assert_accessible(page, "opening form with an error")
    page.get_by_label(t("Link to the posting")).fill("https://jobs.example.org/parc/42")
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(page, t("Your openings"))).to_be_visible()
    expect(page.get_by_text(t("Waiting for the career office"))).to_be_visible()
    assert_accessible(page, "the alumna's openings")

    # Staff approve it from the queue linked on the staff home.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale)
    try:
        staff_page = staff_context.new_page()
        sign_in_with_form(staff_page, base, "sam@careers.example.edu", t=t)
        expect(heading(staff_page, t("Career office"))).to_be_visible()
        staff_page.get_by_role("link", name=t("Review openings from alumni")).click()
        expect(heading(staff_page, t("Openings to review"))).to_be_visible()
        assert_accessible(staff_page, "the staff queue of openings")
        staff_page.get_by_label(t("Note to %(name)s", name="Renée Vétérinaire")).fill("Thank you!")
        staff_page.get_by_role(
            "button", name=t("Approve") + " Veterinary nurse (summer internship)", exact=True
        ).click()
        expect(staff_page.get_by_text(t("No openings are waiting."))).to_be_visible()
        assert_accessible(staff_page, "the staff queue, empty")
    finally:
        staff_context.close()

    # A student finds it by industry and a word, at a phone's width too.
    student_context = browser.new_context(viewport=PHONE, locale=locale)
    try:
        student = student_context.new_page()
        sign_in_with_form(student, base, "stella@students.example.edu", t=t)
        student.goto(base + "/openings")
        expect(heading(student, t("Openings from alumni"))).to_be_visible()
        assert_no_horizontal_scroll(student, "openings page on a phone")
        student.get_by_label(t("Industry")).select_option(
            label=industry_name(language, "healthcare")
        )
        student.get_by_role("button", name=t("Search")).click()
        expect(student.get_by_role("heading", name=t("No openings match"))).to_be_visible()
        assert_accessible(student, "openings page, nothing found")
        student.get_by_label(t("Industry")).select_option(label=veterinary)
        student.get_by_label(t("Words in the title or organisation")).fill("parc")
        student.get_by_role("button", name=t("Search")).click()
        expect(
            student.get_by_role(
                "heading",
                name=t.plural("%(num)s opening", "%(num)s openings", 1, num=1),
                exact=True,
            )
        ).to_be_visible()
        assert_accessible(student, "openings page, one found")
        assert_no_horizontal_scroll(student, "filtered openings on a phone")
        student.get_by_role("link", name="Veterinary nurse (summer internship)").click()
        expect(heading(student, "Veterinary nurse (summer internship)")).to_be_visible()
        link = student.get_by_role(
            "link", name=re.compile("^" + re.escape(t("Read the posting and apply")))
        )
        expect(link).to_have_attribute("href", "https://jobs.example.org/parc/42")
        expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        expect(student.get_by_role("link", name="Renée Vétérinaire")).to_be_visible()
        assert_accessible(student, "an opening's page")
        assert_no_horizontal_scroll(student, "an opening's page on a phone")

        # The weekly email, chosen with the keyboard.
        student.goto(base + "/openings")
        student.get_by_role("link", name=t("Get new openings by email, weekly")).click()
        expect(heading(student, t("New openings by email, weekly"))).to_be_visible()
        student.get_by_label(veterinary).focus()
        student.keyboard.press("Space")
        student.get_by_role("button", name=t("Save my digest")).focus()
        student.keyboard.press("Enter")
        expect(
            student.get_by_text(
                t("Saved. You will receive new openings in these industries once a week.")
            )
        ).to_be_visible()
        expect(student.get_by_role("cell", name=veterinary)).to_be_visible()
        assert_accessible(student, "the digest settings")
    finally:
        student_context.close()
