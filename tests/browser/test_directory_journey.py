"""The mentor directory in Chromium: an alumna joins and is verified; a student searches it.

Every page state is checked with axe-core; the directory also works at a phone's width and
without JavaScript.
"""

from __future__ import annotations

import os
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
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
PENDING = (
    "This profile is not shown in the directory (verification pending). Only you and the "
    "career office can see this page."
)
UNLISTED = (
    "This profile is not shown in the directory (unlisted). Only you and the career office "
    "can see this page."
)
BIO = (
    "I run a small-animal practice and have trained a dozen student vets.\n"
    "Ask me about admissions, first jobs and what a clinic looks for in a new hire."
)


LOCALES = pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)


def results_heading(page):
    """The directory's results heading (total and page)."""
    return page.locator("#results-heading")


def found(t, num: int):
    """The start of the results heading for `num` alumni found (a regular expression)."""
    return re.compile(
        r"^\s*" + re.escape(t.plural("%(num)s alumnus found", "%(num)s alumni found", num, num=num))
    )


def facet(page, role: str, label: str, t):
    """A filter control whose accessible name is the value's label followed by its count (the
    noun's form is the language's: French says "0 diplômé")."""
    one, many = t.plural("alumnus", "alumni", 1), t.plural("alumnus", "alumni", 2)
    return page.get_by_role(
        role, name=re.compile(r"^" + re.escape(label) + rf" \(\d+ (?:{one}|{many})\)$")
    )


# The count as seen: the label's .cl-count without its text for screen readers.
SHOWN_COUNT_JS = """el => {
    const shown = el.labels[0].querySelector('.cl-count').cloneNode(true);
    shown.querySelectorAll('.visually-hidden').forEach((n) => n.remove());
    return shown.textContent;
}"""


def facet_count(page, label: str, t) -> int:
    """The count shown next to a checkbox filter value, checked against its spoken name."""
    control = facet(page, "checkbox", label, t)
    shown = control.evaluate(SHOWN_COUNT_JS)
    count = int(re.fullmatch(r"\((\d+)\)", shown.strip()).group(1))
    noun = t.plural("alumnus", "alumni", count)
    expect(control).to_have_accessible_name(f"{label} ({count} {noun})")
    return count


# --- the alumna ----------------------------------------------------------------------------------


@LOCALES
def test_alumna_joins_edits_pauses_and_is_verified(
    browser, page, live_server, make_user, industries
):
    """Opt in, fill the profile, pause and resume; staff verify; the profile is listed."""
    base = live_server.url
    language, locale = page.context.careerlink_language, page.context.careerlink_locale
    t = translator(language)
    alumna = make_user(
        Role.ALUMNUS,
        email="renee@alumni.example.org",
        name="Renée Vétérinaire",
        alumnus_verified=False,
    )
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    alumna.locale = staff.locale = language
    db.session.commit()
    translate_industries(language)
    veterinary = industry_name(language, "veterinary")
    healthcare = industry_name(language, "healthcare")

    sign_in_with_form(page, base, alumna.email, t=t)
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(
        page.get_by_text(
            t("You are not in the mentor directory. Students and graduates would love your help.")
        )
    ).to_be_visible()
    assert_accessible(page, "alumna's account page before joining")

    # The consent step: refusing to tick the box explains why.
    page.get_by_role("link", name=t("Join the mentor directory")).click()
    expect(heading(page, t("Join the mentor directory"))).to_be_visible()
    assert_accessible(page, "join page")
    page.get_by_role("button", name=t("Join the mentor directory")).click()
    expect(page.get_by_text(t("Tick the box to agree before you join."))).to_be_visible()
    assert_accessible(page, "join page with an error")
    page.get_by_label(t("I agree to be listed and contacted through the career office")).check()
    page.get_by_role("button", name=t("Join the mentor directory")).click()

    expect(heading(page, t("Your mentor profile"))).to_be_visible()
    expect(
        page.get_by_text(t("Thank you for joining. Fill in your profile so students can find you."))
    ).to_be_visible()
    assert_accessible(page, "empty profile form")

    # A mistake first: a LinkedIn address that is not LinkedIn and no industry.
    page.get_by_label(t("Headline")).fill("Small-animal vet who loves talking to future vets")
    page.get_by_label(t("LinkedIn profile")).fill("https://example.com/me")
    page.get_by_role("button", name=t("Save profile")).click()
    expect(page.get_by_text(t("Please correct the fields marked below."))).to_be_visible()
    assert_accessible(page, "profile form with errors")

    who = page.get_by_role("group", name=t("Who you are"))
    who.get_by_label(t("Job title")).fill("Practice owner")
    who.get_by_label(t("Employer")).fill("Clinique du Parc")
    industries_group = page.get_by_role("group", name=t("Industries"))
    industries_group.get_by_label(veterinary).check()
    industries_group.get_by_label(healthcare).check()
    page.get_by_label(t("About you")).fill(BIO)
    page.get_by_label(t("Expertise and interests")).fill("horses, exotic pets, clinic management")
    page.get_by_label(t("LinkedIn profile")).fill("https://www.linkedin.com/in/renee-veterinaire")
    where = page.get_by_role("group", name=t("Where you are"))
    where.get_by_label(t("City")).fill("Lyon")
    where.get_by_label(t("Region or state")).fill("Auvergne-Rhône-Alpes")
    where.get_by_label(t("Country")).fill("France")
    where.get_by_label(t("Open to remote conversations (video or phone)")).check()
    studied = page.get_by_role("group", name=t("What you studied"))
    studied.get_by_label(t("Class year")).fill("2009")
    studied.get_by_label(t("Degree")).fill("DVM")
    studied.get_by_label(t("Programme")).fill("Veterinary medicine")
    offers = page.get_by_role("group", name=t("What you offer"), exact=True)
    expect(offers).to_have_count(1)
    offers.get_by_role("checkbox", name=t("Introduction")).check()
    offers.get_by_role("checkbox", name=t("Shadowing day")).check()
    page.get_by_label(t("Where a shadowing day takes place")).fill("Clinique du Parc, Lyon")
    page.get_by_label(t("What a shadowing day looks like")).fill(
        "Morning consultations, then watching a routine surgery."
    )
    page.get_by_label(t("Requirements")).fill("Photo ID; closed shoes.")
    page.get_by_label(t("Students at once")).fill("2")
    page.get_by_label(t("Requests a month")).fill("3")
    page.get_by_role("button", name=t("Save profile")).click()

    expect(page.get_by_text(t("Your profile is saved."))).to_be_visible()
    expect(page.get_by_text(t("not listed yet"))).to_be_visible()
    expect(page.get_by_label(t("Headline"))).to_have_value(
        "Small-animal vet who loves talking to future vets"
    )
    expect(page.get_by_label(veterinary)).to_be_checked()
    assert_accessible(page, "saved profile form")
    edit_url = page.url

    # She sees her profile as students will (only she and staff can, until it is verified).
    profile_id = int(re.search(r"/mentors/(\d+)/edit", edit_url).group(1))
    page.goto(f"{base}/mentors/{profile_id}")
    expect(heading(page, "Renée Vétérinaire")).to_be_visible()
    expect(page.get_by_text(t(PENDING))).to_be_visible()
    expect(page.get_by_text("Clinique du Parc, Lyon")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="horses")).to_be_visible()
    assert_accessible(page, "own mentor page before verification")

    # Pause and resume from the account page.
    page.goto(base + "/account")
    expect(
        page.get_by_text(t("The career office is checking your profile before listing it."))
    ).to_be_visible()
    assert_accessible(page, "account page with a pending profile")
    page.get_by_role("button", name=t("Pause new requests")).click()
    expect(
        page.get_by_text(
            t("New requests are paused. You stay listed, marked as not accepting requests.")
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name=t("Resume requests"))).to_be_visible()
    assert_accessible(page, "account page with requests paused")
    page.get_by_role("button", name=t("Resume requests")).click()
    expect(page.get_by_text(t("You are accepting new requests again."))).to_be_visible()
    assert_accessible(page, "account page with requests resumed")

    # Staff, in their own browser context, verify her on the staff page.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale)
    try:
        staff_page = staff_context.new_page()
        sign_in_with_form(staff_page, base, "sam@careers.example.edu", t=t)
        expect(heading(staff_page, t("Career office"))).to_be_visible()
        staff_page.get_by_role("link", name=t("Review mentor profiles")).click()
        expect(heading(staff_page, t("Mentor profiles to verify"))).to_be_visible()
        expect(staff_page.get_by_role("heading", name="Renée Vétérinaire")).to_be_visible()
        assert_accessible(staff_page, "staff verification page")
        staff_page.get_by_role(
            "button", name=t("Approve %(name)s", name="Renée Vétérinaire")
        ).click()
        expect(
            staff_page.get_by_text(
                t("%(name)s's profile is approved and listed.", name="Renée Vétérinaire")
            )
        ).to_be_visible()
        expect(staff_page.get_by_text(t("No profiles are waiting."))).to_be_visible()
        assert_accessible(staff_page, "staff verification page after approving")
    finally:
        staff_context.close()

    # Listed: the directory finds her by a word of her tags, without the accent typed.
    page.goto(edit_url)
    expect(page.get_by_text(t("listed"), exact=True)).to_be_visible()
    assert_accessible(page, "profile form once listed")
    page.goto(base + "/mentors")
    page.get_by_label(t("Words")).fill("renee horses")
    page.get_by_label(t("Words")).press("Enter")
    expect(results_heading(page)).to_have_text(found(t, 1))
    card = page.get_by_role("article", name="Renée Vétérinaire")
    expect(card).to_contain_text("Small-animal vet who loves talking to future vets")
    expect(card).to_contain_text(t("Accepting requests"))
    assert_accessible(page, "directory with the alumna found")
    card.get_by_role("link", name="Renée Vétérinaire").click()
    expect(heading(page, "Renée Vétérinaire")).to_be_visible()
    # No "not shown in the directory" note of any kind (the variants share their start).
    hidden_note = os.path.commonprefix([t(PENDING), t(UNLISTED)])
    expect(page.get_by_role("note").filter(has_text=hidden_note)).to_have_count(0)
    assert_accessible(page, "alumna's listed mentor page")


# --- the student ---------------------------------------------------------------------------------

# (name, industry, country, city, offers, state) for the hand-made alumni; the rest are generated.
NAMED = [
    ("José Álvarez", "software", "Spain", "Madrid", ("introduction", "resume_review"), None),
    ("Zoë Ní Bhriain", "publishing-media", "Ireland", "Dublin", ("introduction",), "full"),
    ("Björn Åkesson", "healthcare", "Sweden", "Malmö", ("shadowing",), "away"),
    ("Chloé Marchand", "veterinary", "France", "Lyon", ("introduction", "shadowing"), "full"),
]
INDUSTRY_CYCLE = ["veterinary", "software", "publishing-media", "healthcare"]
COUNTRY_CYCLE = [("France", "Paris"), ("Canada", "Toronto"), ("United Kingdom", "Leeds")]
OFFER_CYCLE = [
    ("introduction",),
    ("introduction", "shadowing"),
    ("informational_interview",),
    ("shadowing", "resume_review"),
]


@pytest.fixture
def alumni(make_user, make_mentor, industries):
    """~30 listed alumni across four industries and four countries; some full, some away."""
    from careerlink.mentors.models import today

    on = today()
    rows = list(NAMED)
    for i in range(26):
        country, city = COUNTRY_CYCLE[i % len(COUNTRY_CYCLE)]
        rows.append(
            (
                f"Mentor {chr(65 + i)}. Example",
                INDUSTRY_CYCLE[i % len(INDUSTRY_CYCLE)],
                country,
                city,
                OFFER_CYCLE[i % len(OFFER_CYCLE)],
                "away" if i % 9 == 4 else None,
            )
        )
    made = []
    for n, (name, industry, country, city, offers, state) in enumerate(rows):
        user = make_user(Role.ALUMNUS, name=name, email=f"mentor{n}@alumni.example.org")
        fields = {"city": city, "country": country, "headline": f"{industry} alumnus"}
        if state == "full":
            fields.update(month_start=on.replace(day=1), month_request_count=5)
        elif state == "away":
            fields["away_until"] = on + timedelta(days=30)
        profile = make_mentor(user=user, offers=offers, industry=industry, **fields)
        made.append((profile, industry, country, offers))
    return made


@LOCALES
def test_student_searches_the_directory_with_the_keyboard(page, live_server, alumni, student):
    """Search, filter with counts, page, open a mentor; then a phone; then her own profile."""
    base = live_server.url
    language = page.context.careerlink_language
    t = translator(language)
    student.locale = language
    db.session.commit()
    translate_industries(language)
    software_it = industry_name(language, "software")
    veterinary = industry_name(language, "veterinary")
    healthcare = industry_name(language, "healthcare")
    away = t("Away until %(date)s", date="")
    # The French run takes the same steps but leaves out axe-core on repeated states of a page
    # it has checked already (the directory with other filters): the CI budget.
    again = assert_accessible if language == "en" else lambda page, context: None
    total = len(alumni)
    software = [a for a in alumni if a[1] == "software"]
    software_intro = [a for a in software if "introduction" in a[3]]
    software_intro_spain = [a for a in software_intro if a[2] == "Spain"]

    sign_in_with_form(page, base, student.email, t=t)
    expect(heading(page, t("Your account"))).to_be_visible()
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Mentors")).click()
    expect(heading(page, t("Find a mentor"))).to_be_visible()
    expect(results_heading(page)).to_have_text(found(t, total))
    expect(results_heading(page)).to_contain_text(t("page %(page)s of %(pages)s", page=1, pages=2))
    expect(
        page.get_by_role("list").filter(has=page.locator(".cl-mentor-card")).first
    ).to_be_visible()
    assert_accessible(page, "directory, first visit")

    # Full and away alumni come last, with a clear badge.
    cards = page.locator(".cl-mentor-card")
    expect(cards).to_have_count(20)
    page.get_by_role("link", name=t("Next page")).click()
    expect(results_heading(page)).to_contain_text(t("page %(page)s of %(pages)s", page=2, pages=2))
    expect(page.locator(".cl-mentor-card")).to_have_count(total - 20)
    last = page.locator(".cl-mentor-card").last
    expect(last.locator(".badge-warn")).to_have_text(
        re.compile(re.escape(t("Full this month")) + "|" + re.escape(away))
    )
    expect(page.get_by_text(t("Full this month")).first).to_be_visible()
    expect(page.get_by_text(re.compile("^" + re.escape(away))).first).to_be_visible()
    assert_accessible(page, "directory, page 2")
    page.get_by_role("link", name=t("Previous page")).click()
    expect(results_heading(page)).to_contain_text(t("page %(page)s of %(pages)s", page=1, pages=2))

    # The counts next to filter values reflect the alumni.
    assert facet_count(page, software_it, t) == len(software)
    assert facet_count(page, veterinary, t) == len([a for a in alumni if a[1] == "veterinary"])
    assert facet_count(page, t("Introduction"), t) == len(
        [a for a in alumni if "introduction" in a[3]]
    )
    expect(page.get_by_label(t("Country")).locator("option", has_text="Spain (1)")).to_have_count(1)

    # Keyboard: skip link, then Tab reaches the search field; Enter submits the GET form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=t("Skip to content"))).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label(t("Words"))).to_be_focused()
    outline = page.get_by_label(t("Words")).evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused search field shows no focus outline"
    page.keyboard.type("Jose")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mentors\?q=Jose"))
    expect(results_heading(page)).to_have_text(found(t, 1))
    expect(page.get_by_role("article", name="José Álvarez")).to_be_visible()
    again(page, "directory searched for Jose")

    # Clear the words, then filter by industry with the keyboard (Space ticks, Enter submits).
    page.get_by_label(t("Words")).press("Control+a")
    page.keyboard.press("Delete")
    facet(page, "checkbox", software_it, t).press("Space")
    expect(facet(page, "checkbox", software_it, t)).to_be_checked()
    page.get_by_role("button", name=t("Search")).press("Enter")
    expect(results_heading(page)).to_have_text(found(t, len(software)))
    expect(facet(page, "checkbox", software_it, t)).to_be_checked()
    # Counts respect the other filters: offers now count software alumni only.
    assert facet_count(page, t("Introduction"), t) == len(software_intro)
    assert facet_count(page, software_it, t) == len(software)
    again(page, "directory filtered by industry")

    facet(page, "checkbox", t("Introduction"), t).press("Space")
    page.get_by_role("button", name=t("Search")).press("Enter")
    expect(results_heading(page)).to_have_text(found(t, len(software_intro)))
    expect(facet(page, "checkbox", t("Introduction"), t)).to_be_checked()
    country = page.get_by_label(t("Country"))
    expect(
        country.locator("option", has_text=f"Spain ({len(software_intro_spain)})")
    ).to_have_count(1)
    again(page, "directory filtered by industry and offer")

    country.focus()
    country.select_option("Spain")
    page.get_by_role("button", name=t("Search")).press("Enter")
    expect(results_heading(page)).to_have_text(found(t, 1))
    expect(page.get_by_label(t("Country"))).to_have_value("Spain")
    card = page.get_by_role("article", name="José Álvarez")
    expect(card).to_contain_text("Madrid, Spain")
    assert_accessible(page, "directory filtered by industry, offer and country")

    # Offers combine with "or"; a combination that matches nobody says so.
    facet(page, "checkbox", t("Introduction"), t).press("Space")
    facet(page, "checkbox", t("Shadowing day"), t).press("Space")
    page.get_by_role("button", name=t("Search")).press("Enter")
    expect(results_heading(page)).to_have_text(
        re.compile(r"^\s*" + re.escape(t("No alumni match")))
    )
    assert_accessible(page, "directory with no results")

    # The mentor's page: what a student needs, never an email address.
    page.go_back()
    card = page.get_by_role("article", name="José Álvarez")
    card.get_by_role("link", name="José Álvarez").focus()
    page.keyboard.press("Enter")
    expect(heading(page, "José Álvarez")).to_be_visible()
    expect(
        page.get_by_role("link", name=t("Ask for %(kind)s", kind=t("an introduction")))
    ).to_be_visible()
    content = page.content()
    assert "mentor0@alumni.example.org" not in content
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", page.locator("main").inner_text())
    assert "mailto:" not in content and "tel:" not in content
    assert_accessible(page, "mentor page")

    # A full mentor: no ask buttons, why not, and similar alumni instead.
    zoe = next(a[0] for a in alumni if a[0].user.display_name == "Zoë Ní Bhriain")
    page.goto(f"{base}/mentors/{zoe.id}")
    expect(heading(page, "Zoë Ní Bhriain")).to_be_visible()
    expect(page.get_by_text(t("Full this month")).first).to_be_visible()
    expect(page.get_by_role("link", name=t("See similar alumni"))).to_be_visible()
    assert_accessible(page, "mentor page of a full mentor")

    # A phone: nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page, "mentor page at 375px")
    assert_accessible(page, "mentor page at 375px")
    page.goto(base + "/mentors?industry=software&offer=introduction")
    expect(results_heading(page)).to_have_text(found(t, len(software_intro)))
    assert_no_horizontal_scroll(page, "filtered directory at 375px")
    again(page, "filtered directory at 375px")
    page.goto(base + "/mentors")
    assert_no_horizontal_scroll(page, "directory at 375px")
    assert_accessible(page, "directory at 375px")
    page.get_by_role("link", name=t("Next page")).click()
    expect(results_heading(page)).to_contain_text(t("page %(page)s of %(pages)s", page=2, pages=2))
    assert_no_horizontal_scroll(page, "directory page 2 at 375px")
    page.goto(f"{base}/mentors/{alumni[0][0].id}")
    assert_no_horizontal_scroll(page, "mentor page at 375px")
    page.set_viewport_size({"width": 1280, "height": 720})

    # Her own short profile, which alumni see in a relayed request.
    page.goto(base + "/account")
    assert_accessible(page, "student's account page")
    page.get_by_role("link", name=t("Write your profile for alumni")).click()
    expect(heading(page, t("Your profile for alumni"))).to_be_visible()
    assert_accessible(page, "student profile form")
    page.get_by_label(t("Programme")).fill("Biology")
    page.get_by_label(t("Class year")).fill("2027")
    interests = page.get_by_role("group", name=t("Industries you are curious about"))
    interests.get_by_label(veterinary).check()
    interests.get_by_label(healthcare).check()
    page.get_by_label(t("A short introduction")).fill(
        "Second-year biology student; I volunteer at an animal shelter."
    )
    page.get_by_role("button", name=t("Save")).click()
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(page.get_by_text(t("Your profile is saved."))).to_be_visible()
    expect(
        page.get_by_text(t("%(programme)s, class of %(year)s.", programme="Biology", year=2027))
    ).to_be_visible()
    assert_accessible(page, "student's account page with her profile")
    page.get_by_role("link", name=t("Edit your profile for alumni")).click()
    expect(page.get_by_label(t("Programme"))).to_have_value("Biology")
    expect(interests.get_by_label(veterinary)).to_be_checked()
    again(page, "student profile form, filled")


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_directory_works_without_javascript(browser, live_server, alumni, locale):
    """With JavaScript off, the GET form filters and the mentor page opens.

    axe-core needs JavaScript, so these pages are checked by the other tests, which see the
    same HTML with it on.
    """
    language = locale.split("-")[0]
    t = translator(language)
    translate_industries(language)
    software_it = industry_name(language, "software")
    veterinary = industry_name(language, "veterinary")
    software_vets = [a for a in alumni if a[1] in ("software", "veterinary")]
    in_france = [a for a in software_vets if a[2] == "France"]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 720}, locale=locale
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/mentors")
        expect(heading(page, t("Find a mentor"))).to_be_visible()
        facet(page, "checkbox", software_it, t).check()
        facet(page, "checkbox", veterinary, t).check()
        page.get_by_label(t("Country")).select_option("France")
        page.get_by_role("button", name=t("Search")).click()
        expect(page).to_have_url(re.compile(r"industry=software.*industry=veterinary"))
        expect(results_heading(page)).to_have_text(found(t, len(in_france)))
        expect(page.locator(".cl-mentor-card")).to_have_count(len(in_france))
        for card in page.locator(".cl-mentor-card").all():
            expect(card).to_contain_text("France")
        expect(page.get_by_label(t("Country"))).to_have_value("France")
        expect(facet(page, "checkbox", veterinary, t)).to_be_checked()
        page.locator(".cl-mentor-card h3 a").first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("link", name=t("Sign in to ask"))).to_be_visible()
        page.get_by_role("link", name=t("Back to the directory")).click()
        expect(heading(page, t("Find a mentor"))).to_be_visible()
    finally:
        context.close()
