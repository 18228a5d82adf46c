"""Reports, administration and the audit log in Chromium, with axe-core on every page."""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    expect,
    heading,
    sign_in_with_form,
    translator,
)
from careerlink.extensions import db
from careerlink.permissions import Role

pytestmark = pytest.mark.browser


LOCALES = pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)


@LOCALES
def test_reports_with_filters_chart_and_table(page, live_server, make_user, make_request):
    language = page.context.careerlink_language
    t = translator(language)
    staff = make_user(Role.STAFF, name="Rita Reports")
    staff.locale = language
    db.session.commit()
    for state in ("completed", "expired", "declined_by_staff"):
        make_request(state=state, staff=staff)
    base = live_server.url
    sign_in_with_form(page, base, staff.email, t=t)
    page.goto(base + "/staff/reports/")
    expect(heading(page, t("Reports"))).to_be_visible()
    assert_accessible(page, "reports index")

    page.get_by_role("link", name=t("The funnel")).click()
    expect(heading(page, t("The funnel"))).to_be_visible()
    chart = page.get_by_role("img", name=t("The funnel") + ".", exact=False)
    expect(chart).to_be_visible()
    # The chart loaded (an SVG of its own) rather than a broken image: once the browser has
    # finished with it (visible is not loaded), its width is the SVG's own.
    page.wait_for_function("() => document.querySelector('.report-chart img').complete")
    assert page.evaluate("document.querySelector('.report-chart img').naturalWidth") == 900
    expect(page.get_by_role("row", name=t("Introductions") + " 3 2 1 1")).to_be_visible()
    assert_accessible(page, "funnel report")

    # Filters by keyboard: a reversed range is refused with its reason, nothing else shown.
    page.get_by_label(t("Made from (YYYY-MM-DD)")).fill("2026-05-02")
    page.get_by_label(t("to (inclusive)")).fill("2026-05-01")
    page.get_by_label(t("to (inclusive)")).press("Enter")
    expect(page.get_by_text(t("The start date is after the end date."))).to_be_visible()
    expect(page.locator(".report-chart")).to_have_count(0)
    assert_accessible(page, "funnel report with an error")

    for name in (
        t("Supply and demand per industry"),
        t("Speed"),
        t("Alumni responsiveness"),
        t("Outcomes and feedback"),
    ):
        page.goto(base + "/staff/reports/")
        page.get_by_role("link", name=name).click()
        expect(heading(page, name)).to_be_visible()
        assert_accessible(page, name)

    # On a phone the report reflows: the chart shrinks, the table scrolls in its own box.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(base + "/staff/reports/funnel")
    assert_no_horizontal_scroll(page, "funnel report on a phone")


@LOCALES
def test_admin_pages_and_the_audit_log(page, live_server, make_user, make_mentor):
    language = page.context.careerlink_language
    t = translator(language)
    admin = make_user(Role.ADMIN, name="Ada Admin")
    admin.locale = language
    db.session.commit()
    make_user(Role.STUDENT, name="Percy Pupil")
    make_mentor(industry="veterinary")
    base = live_server.url
    sign_in_with_form(page, base, admin.email, t=t)
    page.goto(base + "/admin/")
    expect(heading(page, t("Administration"))).to_be_visible()
    assert_accessible(page, "administration")

    page.get_by_role("link", name=t("Industries")).click()
    expect(heading(page, t("Industries"))).to_be_visible()
    assert_accessible(page, "industries")
    page.get_by_label(t("Name"), exact=True).fill("Space and aerospace")
    page.get_by_role("button", name=t("Add the industry")).click()
    expect(page.get_by_text(t("“%(name)s” is added.", name="Space and aerospace"))).to_be_visible()
    expect(page.get_by_role("cell", name="space-and-aerospace")).to_be_visible()
    assert_accessible(page, "industries after adding one")

    page.goto(base + "/admin/people")
    page.get_by_label(t("Name or email address contains")).fill("percy")
    page.get_by_role("button", name=t("Search")).click()
    page.wait_for_url("**/admin/people?*q=percy*")
    assert_accessible(page, "people search")
    page.get_by_role("link", name="Percy Pupil").click()
    expect(heading(page, "Percy Pupil")).to_be_visible()
    assert_accessible(page, "a person")
    page.get_by_role("button", name=t("Make staff")).click()
    expect(page.get_by_text(t("%(name)s is now staff.", name="Percy Pupil"))).to_be_visible()
    page.get_by_role(
        "link", name=t("%(name)s's data: download, directory hold, deletion", name="Percy Pupil")
    ).click()
    expect(heading(page, t("Data of %(name)s", name="Percy Pupil"))).to_be_visible()
    assert_accessible(page, "a person's data")
    page.get_by_role("button", name=t("Record a directory hold")).click()
    expect(page.get_by_text(t("The directory hold is recorded."))).to_be_visible()
    page.get_by_role("button", name=t("Delete %(name)s's account", name="Percy Pupil")).click()
    expect(page.get_by_text(t("Type “%(word)s” to confirm.", word=t("delete")))).to_be_visible()
    assert_accessible(page, "a person's data, deletion not confirmed")
    page.goto(base + "/account/privacy")
    expect(heading(page, t("Your data"))).to_be_visible()
    assert_accessible(page, "your data")

    page.goto(base + "/admin/settings")
    expect(heading(page, t("Programme settings"))).to_be_visible()
    assert_accessible(page, "programme settings")
    # The browser checks each number's bounds; the server checks what depends on two of them.
    page.get_by_label(t("Profile reminder (days)")).fill("400")
    page.get_by_label(t("Profile unlisting (days)")).fill("300")
    page.get_by_role("button", name=t("Save the settings")).click()
    expect(
        page.get_by_text(t("Profile unlisting must come after the profile reminder."))
    ).to_have_count(2)
    expect(page.get_by_label(t("Profile unlisting (days)"))).to_have_attribute(
        "aria-invalid", "true"
    )
    assert_accessible(page, "programme settings with an error")

    page.goto(base + "/admin/emails")
    assert_accessible(page, "email templates")
    page.get_by_role("link", name=t("Request passed on, to the alumnus")).click()
    expect(page.get_by_role("definition")).to_have_text(
        t(
            "%(student)s asks you for %(kind)s (via the career office)",
            student="Stella Student",
            kind=t("an introduction"),
        )
    )
    assert_accessible(page, "an email preview")

    page.goto(base + "/admin/audit")
    expect(heading(page, t("Audit log"))).to_be_visible()
    expect(page.get_by_role("cell", name=t("Industry added"))).to_be_visible()
    expect(page.get_by_role("cell", name=t("Role granted"))).to_be_visible()
    assert_accessible(page, "audit log")
