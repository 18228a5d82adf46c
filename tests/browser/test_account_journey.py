"""The first journey in Chromium: sign up, verify from the email, sign in, change password, out.

Each test runs in English and in French (a French browser; the labels are the catalogue's
translations through `translator`), with axe-core on every page in both languages.
"""

from __future__ import annotations

import re

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    email_link,
    expect,
    heading,
    sign_in_with_form,
    translator,
)

pytestmark = pytest.mark.browser

EMAIL = "nora.newcomer@students.example.edu"
OLD_PASSWORD = "first horse battery staple"
NEW_PASSWORD = "second horse battery staple"
NO_MATCH = "That email and password do not match an account."
TITLES = {
    "/": "Meet alumni who have done what you want to do",
    "/signup": "Create an account",
    "/signin": "Sign in",
}


LOCALES = pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)


@LOCALES
def test_sign_up_verify_sign_in_change_password_sign_out(page, live_server, latest_email):
    """A new student goes from the home page to a verified account and a new password."""
    base = live_server.url
    t = translator(page.context.careerlink_language)

    # Home, then sign-up through the call to action.
    page.goto(base + "/")
    expect(heading(page, t("Meet alumni who have done what you want to do"))).to_be_visible()
    assert_accessible(page, "home page")
    page.get_by_role("link", name=t("I'm a student or graduate")).click()
    expect(heading(page, t("Create an account"))).to_be_visible()
    assert_accessible(page, "sign-up page")

    # The call to action chose the role; every field is reachable by its label.
    expect(page.get_by_label(t("A student or graduate looking for advice"))).to_be_checked()
    page.get_by_label(t("Your name")).fill("Nora Newcomer")
    page.get_by_label(t("Email address")).fill(EMAIL)
    page.get_by_label(t("Password"), exact=True).fill(OLD_PASSWORD)
    page.get_by_label(t("Repeat password")).fill("not the same password")
    page.get_by_label(t("Repeat password")).press("Enter")  # the keyboard submits the form

    # A mistake: the error sits next to the field, what was typed is kept (not passwords).
    expect(page.get_by_text(t("The passwords differ."))).to_be_visible()
    expect(page.get_by_label(t("Repeat password"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(t("Your name"))).to_have_value("Nora Newcomer")
    expect(page.get_by_label(t("Email address"))).to_have_value(EMAIL)
    expect(page.get_by_label(t("Password"), exact=True)).to_have_value("")
    assert_accessible(page, "sign-up page with an error")

    page.get_by_label(t("Password"), exact=True).fill(OLD_PASSWORD)
    page.get_by_label(t("Repeat password")).fill(OLD_PASSWORD)
    page.get_by_role("button", name=t("Create account")).click()
    expect(heading(page, t("Check your email"))).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    assert_accessible(page, "check-your-email page")

    # The caught email's link opens a page with a button; only pressing it verifies.
    message = latest_email(
        to=EMAIL, subject=t("Verify your email address for %(site)s", site="CareerLink")
    )
    link = email_link(message, "/verify/")
    assert link.startswith(base + "/verify/")
    page.goto(link)
    expect(heading(page, t("Verify your email address"))).to_be_visible()
    assert_accessible(page, "verify page")
    page.get_by_role("button", name=t("Verify my email address")).click()

    # Verified: the sign-in page greets us with the address filled in.
    expect(heading(page, t("Sign in"))).to_be_visible()
    expect(page.get_by_text(t("Thank you, your email address is verified."))).to_be_visible()
    expect(page.get_by_label(t("Email address"))).to_have_value(EMAIL)
    assert_accessible(page, "sign-in page after verifying")
    page.get_by_label(t("Password"), exact=True).fill(OLD_PASSWORD)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()

    # Signed in: the account page shows the verified address.
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(page.get_by_text(t("verified"), exact=True)).to_be_visible()
    assert_accessible(page, "account page")

    # Change the password.
    page.get_by_role("link", name=t("Change your password")).click()
    expect(heading(page, t("Change your password"))).to_be_visible()
    assert_accessible(page, "change-password page")
    page.get_by_label(t("Current password")).fill(OLD_PASSWORD)
    page.get_by_label(t("New password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_label(t("Repeat new password")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=t("Change password")).click()
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(page.get_by_text(t("Your password has been changed."))).to_be_visible()
    assert_accessible(page, "account page after changing the password")

    # Sign out with the header's button (a POST).
    nav = page.get_by_role("navigation", name=t("Main"))
    nav.get_by_role("button", name=t("Sign out")).click()
    expect(page.get_by_text(t("You are signed out."))).to_be_visible()
    expect(nav.get_by_role("link", name=t("Sign in"))).to_be_visible()
    assert_accessible(page, "home page after signing out")
    page.goto(base + "/account")
    expect(heading(page, t("Sign in"))).to_be_visible()  # the account page needs a sign-in again
    assert_accessible(page, "sign-in page after a redirect")

    # The old password no longer works ...
    sign_in_with_form(page, base, EMAIL, OLD_PASSWORD, t=t)
    expect(heading(page, t("Sign in"))).to_be_visible()
    expect(page.get_by_text(t(NO_MATCH))).to_be_visible()
    expect(page.get_by_label(t("Password"), exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "sign-in page with the old password refused")

    # ... and the new one does.
    sign_in_with_form(page, base, EMAIL, NEW_PASSWORD, t=t)
    expect(heading(page, t("Your account"))).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/account$"))
    assert_accessible(page, "account page with the new password")

    # The change was announced by email too, in the language the person signed up in.
    notice = latest_email(to=EMAIL)
    assert notice["Subject"] == t("Your %(site)s password was changed", site="CareerLink")


@LOCALES
@pytest.mark.parametrize("path", ["/", "/signup", "/signin"])
def test_pages_fit_a_phone_screen(page, live_server, path):
    """At 375x667 the public pages do not scroll sideways and stay accessible."""
    t = translator(page.context.careerlink_language)
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(TITLES[path]))
    assert_no_horizontal_scroll(page, f"{path} at 375px")
    assert_accessible(page, f"{path} at 375px")


@LOCALES
def test_staff_home_fits_a_phone_screen(page, live_server, staff, db):
    """Signed in through the real form, the staff home fits a phone and is accessible."""
    t = translator(page.context.careerlink_language)
    staff.locale = page.context.careerlink_language
    db.session.commit()
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in_with_form(page, live_server.url, staff.email, t=t)
    expect(heading(page, t("Career office"))).to_be_visible()
    assert_no_horizontal_scroll(page, "staff home at 375px")
    assert_accessible(page, "staff home at 375px")
