"""Reports, administration and the audit log in Chromium, with axe-core on every page."""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    expect,
    sign_in_with_form,
)
from careerlink.permissions import Role

pytestmark = pytest.mark.browser


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def test_reports_with_filters_chart_and_table(page, live_server, make_user, make_request):
    staff = make_user(Role.STAFF, name="Rita Reports")
    for state in ("completed", "expired", "declined_by_staff"):
        make_request(state=state, staff=staff)
    base = live_server.url
    sign_in_with_form(page, base, staff.email)
    page.goto(base + "/staff/reports/")
    expect(heading(page, "Reports")).to_be_visible()
    assert_accessible(page, "reports index")

    page.get_by_role("link", name="The funnel").click()
    expect(heading(page, "The funnel")).to_be_visible()
    chart = page.get_by_role("img", name="The funnel.", exact=False)
    expect(chart).to_be_visible()
    # The chart loaded (an SVG of its own) rather than a broken image: once the browser has
    # finished with it (visible is not loaded), its width is the SVG's own.
    page.wait_for_function("() => document.querySelector('.report-chart img').complete")
    assert page.evaluate("document.querySelector('.report-chart img').naturalWidth") == 900
    expect(page.get_by_role("row", name="Introductions 3 2 1 1")).to_be_visible()
    assert_accessible(page, "funnel report")

    # Filters by keyboard: a reversed range is refused with its reason, nothing else shown.
    page.get_by_label("Made from (YYYY-MM-DD)").fill("2026-05-02")
    page.get_by_label("to (inclusive)").fill("2026-05-01")
    page.get_by_label("to (inclusive)").press("Enter")
    expect(page.get_by_text("The start date is after the end date.")).to_be_visible()
    expect(page.locator(".report-chart")).to_have_count(0)
    assert_accessible(page, "funnel report with an error")

    for name in (
        "Supply and demand per industry",
        "Speed",
        "Alumni responsiveness",
        "Outcomes and feedback",
    ):
        page.goto(base + "/staff/reports/")
        page.get_by_role("link", name=name).click()
        expect(heading(page, name)).to_be_visible()
        assert_accessible(page, name)

    # On a phone the report reflows: the chart shrinks, the table scrolls in its own box.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(base + "/staff/reports/funnel")
    assert_no_horizontal_scroll(page, "funnel report on a phone")


def test_admin_pages_and_the_audit_log(page, live_server, make_user, make_mentor):
    admin = make_user(Role.ADMIN, name="Ada Admin")
    make_user(Role.STUDENT, name="Percy Pupil")
    make_mentor(industry="veterinary")
    base = live_server.url
    sign_in_with_form(page, base, admin.email)
    page.goto(base + "/admin/")
    expect(heading(page, "Administration")).to_be_visible()
    assert_accessible(page, "administration")

    page.get_by_role("link", name="Industries").click()
    expect(heading(page, "Industries")).to_be_visible()
    assert_accessible(page, "industries")
    page.get_by_label("Name", exact=True).fill("Space and aerospace")
    page.get_by_role("button", name="Add the industry").click()
    expect(page.get_by_text("“Space and aerospace” is added.")).to_be_visible()
    expect(page.get_by_role("cell", name="space-and-aerospace")).to_be_visible()
    assert_accessible(page, "industries after adding one")

    page.goto(base + "/admin/people")
    page.get_by_label("Name or email address contains").fill("percy")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page, "people search")
    page.get_by_role("link", name="Percy Pupil").click()
    expect(heading(page, "Percy Pupil")).to_be_visible()
    assert_accessible(page, "a person")
    page.get_by_role("button", name="Make staff").click()
    expect(page.get_by_text("Percy Pupil is now staff.")).to_be_visible()
    page.get_by_role("link", name="Percy Pupil's data: download, directory hold, deletion").click()
    expect(heading(page, "Data of Percy Pupil")).to_be_visible()
    assert_accessible(page, "a person's data")
    page.get_by_role("button", name="Record a directory hold").click()
    expect(page.get_by_text("The directory hold is recorded.")).to_be_visible()
    page.get_by_role("button", name="Delete Percy Pupil's account").click()
    expect(page.get_by_text("Type “delete” to confirm.")).to_be_visible()
    assert_accessible(page, "a person's data, deletion not confirmed")
    page.goto(base + "/account/privacy")
    expect(heading(page, "Your data")).to_be_visible()
    assert_accessible(page, "your data")

    page.goto(base + "/admin/settings")
    expect(heading(page, "Programme settings")).to_be_visible()
    assert_accessible(page, "programme settings")
    # The browser checks each number's bounds; the server checks what depends on two of them.
    page.get_by_label("Profile reminder (days)").fill("400")
    page.get_by_label("Profile unlisting (days)").fill("300")
    page.get_by_role("button", name="Save the settings").click()
    expect(
        page.get_by_text("Profile unlisting must come after the profile reminder.")
    ).to_have_count(2)
    expect(page.get_by_label("Profile unlisting (days)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "programme settings with an error")

    page.goto(base + "/admin/emails")
    assert_accessible(page, "email templates")
    page.get_by_role("link", name="Request passed on, to the alumnus").click()
    expect(page.get_by_role("definition")).to_have_text(
        "Stella Student asks you for an introduction (via the career office)"
    )
    assert_accessible(page, "an email preview")

    page.goto(base + "/admin/audit")
    expect(heading(page, "Audit log")).to_be_visible()
    expect(page.get_by_role("cell", name="Industry added")).to_be_visible()
    expect(page.get_by_role("cell", name="Role granted")).to_be_visible()
    assert_accessible(page, "audit log")
