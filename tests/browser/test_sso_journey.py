"""Campus sign-in in Chromium, through a real OpenID Connect provider (oidc-provider-mock).

A student signs in with the campus button (the provider's own form) and asks an alumna for an
introduction; a staff member whose claims carry the staff entitlement reaches the staff queue.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from browser.browser_helpers import (
    assert_accessible,
    expect,
    heading,
    translator,
)
from careerlink.accounts.models import Identity, User
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine. I volunteer at "
    "an animal shelter and would be grateful for an introduction to your practice manager."
)
STAFF_ENTITLEMENT = "urn:mace:example.edu:careers-staff"
CAMPUS = "Campus account"  # the provider's label, from configuration
LOCALES = pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)


def sign_in_with_campus(page, base: str, sub: str, t) -> None:
    """The header's Sign in link, the campus button, then the provider's form as `sub`."""
    page.goto(base + "/")
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Sign in")).click()
    page.get_by_role("heading", level=1, name=t("Sign in"), exact=True).wait_for()
    page.get_by_role("link", name=t("Sign in with %(label)s", label=CAMPUS)).click()
    page.get_by_role("heading", name="Authorize Client").wait_for()  # the provider's page
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


@LOCALES
def test_student_signs_in_with_campus_and_asks_for_an_introduction(
    page, live_server, db, campus_sso, oidc_provider, make_user, make_mentor
):
    """First campus sign-in creates the student; they find the alumna and ask."""
    base = live_server.url
    t = translator(page.context.careerlink_language)
    campus_sso()
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    profile = make_mentor(user=alumna)
    oidc_provider.set_user(
        "stella-campus",
        {
            "email": "stella@students.example.edu",
            "email_verified": True,
            "name": "Stella Student",
            "eduperson_scoped_affiliation": ["member@example.edu", "student@example.edu"],
        },
    )

    page.goto(base + "/signin")
    expect(page.get_by_role("link", name=t("Sign in with %(label)s", label=CAMPUS))).to_be_visible()
    assert_accessible(page, "sign-in page with the campus button")
    sign_in_with_campus(page, base, "stella-campus", t)
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(page.get_by_role("heading", name=t("How you sign in"))).to_be_visible()
    expect(
        page.get_by_role(
            "button",
            name=t('Unlink<span class="visually-hidden"> %(label)s</span>', label=CAMPUS)
            .replace('<span class="visually-hidden">', "")
            .replace("</span>", ""),
        )
    ).to_be_visible()
    assert_accessible(page, "account page after the first campus sign-in")

    db.session.rollback()
    stella = db.session.scalar(select(User).where(User.email == "stella@students.example.edu"))
    assert {r.value for r in stella.roles} == {"student"}
    assert stella.locale == page.context.careerlink_language  # her emails speak it too
    assert db.session.scalar(select(Identity)).subject == "stella-campus"

    page.goto(f"{base}/mentors/{profile.id}")
    page.get_by_role("link", name=t("Ask for %(kind)s", kind=t("an introduction"))).click()
    expect(
        heading(page, t("Ask %(name)s for %(kind)s", name="Alma Alumna", kind=t("an introduction")))
    ).to_be_visible()
    page.get_by_label(t("What do you hope to learn or achieve?")).fill("How a clinic hires.")
    page.get_by_label(t("Why this alumnus?")).fill("You run the clinic I admire.")
    page.get_by_label(t("Your message to the alumnus")).fill(MESSAGE)
    page.get_by_label(t("I have read the conduct policy and will follow it")).check()
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(page, t("Your request to %(name)s", name="Alma Alumna"))).to_be_visible()
    expect(page.get_by_text(t("Waiting for the career office")).first).to_be_visible()
    assert_accessible(page, "the student's request after campus sign-in")


@LOCALES
def test_staff_entitlement_reaches_the_staff_queue(
    page, live_server, db, campus_sso, oidc_provider
):
    """The staff entitlement in the claims makes a staff member, who lands on the queue."""
    base = live_server.url
    t = translator(page.context.careerlink_language)
    campus_sso()
    oidc_provider.set_user(
        "sam-campus",
        {
            "email": "sam@careers.example.edu",
            "email_verified": True,
            "name": "Sam Staff",
            "eduperson_scoped_affiliation": ["employee@example.edu"],
            "eduperson_entitlement": [STAFF_ENTITLEMENT],
        },
    )
    sign_in_with_campus(page, base, "sam-campus", t)
    expect(heading(page, t("Career office"))).to_be_visible()
    assert_accessible(page, "staff home after campus sign-in")
    page.get_by_role("link", name=t("Open the request queue")).click()
    expect(heading(page, t("Requests"))).to_be_visible()
    assert_accessible(page, "staff queue after campus sign-in")

    # Staff see how the person signs in.
    page.goto(base + "/staff/")
    page.get_by_role("link", name=t("Look a person up")).click()
    page.get_by_label(t("Email address")).fill("sam@careers.example.edu")
    page.get_by_role("button", name=t("Look up")).click()
    expect(heading(page, t("How %(name)s signs in", name="Sam Staff"))).to_be_visible()
    expect(
        page.get_by_text(
            t(
                "from the role rules of %(provider)s (re-checked at each sign-in), since %(day)s",
                provider=CAMPUS,
                day="",
            ).split(" (")[0]
        )
    ).to_be_visible()
    assert_accessible(page, "staff view of how a person signs in")

    # Signing out here continues at the provider (RP-initiated sign-out), through our page.
    page.get_by_role("navigation", name=t("Main")).get_by_role("button", name=t("Sign out")).click()
    page.wait_for_url(oidc_provider.url + "/oauth2/end_session**")


@LOCALES
def test_a_refused_sign_in_is_a_clear_accessible_page(
    page, live_server, db, campus_sso, oidc_provider
):
    """No matching rule: the page says whom to contact; no account is made."""
    base = live_server.url
    t = translator(page.context.careerlink_language)
    campus_sso({"CAREERLINK_SSO_CONTACT": "careers@example.edu"})
    oidc_provider.set_user(
        "visitor",
        {
            "email": "vic@example.edu",
            "email_verified": True,
            "eduperson_scoped_affiliation": ["affiliate@example.edu"],
        },
    )
    sign_in_with_campus(page, base, "visitor", t)
    expect(heading(page, t("Your account does not give access here"))).to_be_visible()
    expect(page.get_by_text("careers@example.edu")).to_be_visible()
    assert_accessible(page, "no matching role rule")
    oidc_provider.tamper = "audience"
    oidc_provider.set_user(
        "visitor",
        {
            "email": "vic@example.edu",
            "email_verified": True,
            "eduperson_scoped_affiliation": ["student@example.edu"],
        },
    )
    sign_in_with_campus(page, base, "visitor", t)
    expect(heading(page, t("We could not sign you in"))).to_be_visible()
    assert_accessible(page, "a refused sign-in")
    db.session.rollback()
    assert db.session.scalar(select(User)) is None
