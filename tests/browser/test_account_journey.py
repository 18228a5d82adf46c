"""The first journey in Chromium: sign up, verify from the email, sign in, change password, out."""

from __future__ import annotations

import re

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    email_link,
    expect,
    sign_in_with_form,
)

pytestmark = pytest.mark.browser

EMAIL = "nora.newcomer@students.example.edu"
OLD_PASSWORD = "first horse battery staple"
NEW_PASSWORD = "second horse battery staple"
NO_MATCH = "That email and password do not match an account."


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def test_sign_up_verify_sign_in_change_password_sign_out(page, live_server, latest_email):
    """A new student goes from the home page to a verified account and a new password."""
    base = live_server.url

    # Home, then sign-up through the call to action.
    page.goto(base + "/")
    expect(heading(page, "Meet alumni who have done what you want to do")).to_be_visible()
    assert_accessible(page, "home page")
    page.get_by_role("link", name="I'm a student or graduate").click()
    expect(heading(page, "Create an account")).to_be_visible()
    assert_accessible(page, "sign-up page")

    # The call to action chose the role; every field is reachable by its label.
    expect(page.get_by_label("A student or graduate looking for advice")).to_be_checked()
    page.get_by_label("Your name").fill("Nora Newcomer")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(OLD_PASSWORD)
    page.get_by_label("Repeat password").fill("not the same password")
    page.get_by_label("Repeat password").press("Enter")  # the keyboard submits the form

    # A mistake: the error sits next to the field, what was typed is kept (not passwords).
    expect(page.get_by_text("The passwords differ.")).to_be_visible()
    expect(page.get_by_label("Repeat password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name")).to_have_value("Nora Newcomer")
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page, "sign-up page with an error")

    page.get_by_label("Password", exact=True).fill(OLD_PASSWORD)
    page.get_by_label("Repeat password").fill(OLD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(heading(page, "Check your email")).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    assert_accessible(page, "check-your-email page")

    # The caught email's link opens a page with a button; only pressing it verifies.
    message = latest_email(to=EMAIL, subject="Verify your email address")
    link = email_link(message, "/verify/")
    assert link.startswith(base + "/verify/")
    page.goto(link)
    expect(heading(page, "Verify your email address")).to_be_visible()
    assert_accessible(page, "verify page")
    page.get_by_role("button", name="Verify my email address").click()

    # Verified: the sign-in page greets us with the address filled in.
    expect(heading(page, "Sign in")).to_be_visible()
    expect(page.get_by_text("Thank you, your email address is verified.")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    assert_accessible(page, "sign-in page after verifying")
    page.get_by_label("Password", exact=True).fill(OLD_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    # Signed in: the account page shows the verified address.
    expect(heading(page, "Your account")).to_be_visible()
    expect(page.get_by_text("verified", exact=True)).to_be_visible()
    assert_accessible(page, "account page")

    # Change the password.
    page.get_by_role("link", name="Change your password").click()
    expect(heading(page, "Change your password")).to_be_visible()
    assert_accessible(page, "change-password page")
    page.get_by_label("Current password").fill(OLD_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(heading(page, "Your account")).to_be_visible()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    assert_accessible(page, "account page after changing the password")

    # Sign out with the header's button (a POST).
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page, "home page after signing out")
    page.goto(base + "/account")
    expect(heading(page, "Sign in")).to_be_visible()  # the account page needs a sign-in again
    assert_accessible(page, "sign-in page after a redirect")

    # The old password no longer works ...
    sign_in_with_form(page, base, EMAIL, OLD_PASSWORD)
    expect(heading(page, "Sign in")).to_be_visible()
    expect(page.get_by_text(NO_MATCH)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "sign-in page with the old password refused")

    # ... and the new one does.
    sign_in_with_form(page, base, EMAIL, NEW_PASSWORD)
    expect(heading(page, "Your account")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/account$"))
    assert_accessible(page, "account page with the new password")

    # The change was announced by email too.
    notice = latest_email(to=EMAIL)
    assert notice["Subject"] != message["Subject"]


@pytest.mark.parametrize("path", ["/", "/signup", "/signin"])
def test_pages_fit_a_phone_screen(page, live_server, path):
    """At 375x667 the public pages do not scroll sideways and stay accessible."""
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_horizontal_scroll(page, f"{path} at 375px")
    assert_accessible(page, f"{path} at 375px")


def test_staff_home_fits_a_phone_screen(page, live_server, staff):
    """Signed in through the real form, the staff home fits a phone and is accessible."""
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in_with_form(page, live_server.url, staff.email)
    expect(heading(page, "Career office")).to_be_visible()
    assert_no_horizontal_scroll(page, "staff home at 375px")
    assert_accessible(page, "staff home at 375px")
