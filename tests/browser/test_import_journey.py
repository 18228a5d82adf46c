"""The import journey in Chromium: upload, map, dry run, import, invite; an alumna accepts."""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    email_link,
    expect,
    sign_in_with_form,
)
from careerlink.mentors.imports import jobs
from careerlink.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("default_industries")]

FILE = (
    "Student No;Surname;Given;E-mail;Class;Industry\n"
    "7;Okafor;Ada;ada.okafor@alumni.example.org;2009;Veterinary and animal care\n"
    "8;Brandt;Jonas;jonas@alumni.example.org;2011;Software and IT\n"
    "9;Quist;Bea;bea@alumni.example.org;2015;Bee keeping\n"
)
PASSWORD = "a horse a horse my kingdom"


def heading(page, text: str):
    """The page's h1 with exactly this text."""
    return page.get_by_role("heading", level=1, name=text, exact=True)


def test_staff_import_and_invite_then_the_alumna_accepts(
    page, browser, live_server, latest_email, make_user, tmp_path
):
    base = live_server.url
    staff = make_user(Role.STAFF, email="imports@careers.example.edu", name="Ida Imports")
    upload = tmp_path / "registry.csv"
    upload.write_text(FILE, encoding="utf-8")

    sign_in_with_form(page, base, staff.email)
    page.goto(base + "/staff/")
    page.get_by_role("link", name="Import alumni", exact=True).click()
    expect(heading(page, "Import alumni")).to_be_visible()
    assert_accessible(page, "import page")
    page.get_by_label("CSV or XLSX file").set_input_files(str(upload))
    page.get_by_label("Layout").select_option(label="Another layout: I will match the columns")
    page.get_by_role("button", name="Upload and preview").click()

    # The mapping step: the file's columns, a choice per field, saved for next time.
    expect(heading(page, "Match the columns of registry.csv")).to_be_visible()
    assert_accessible(page, "mapping page")
    assert_no_horizontal_scroll(page, "mapping page")
    page.get_by_label("Source system").fill("registry")
    page.get_by_label("External id (required)").select_option("Student No")
    page.get_by_label("Last name (required)").select_option("Surname")
    page.get_by_label("First name").select_option("Given")
    page.get_by_label("Email").select_option("E-mail")
    page.get_by_label("Class year").select_option("Class")
    page.get_by_label("Industry").select_option("Industry")
    page.get_by_label("Save this mapping as").fill("Registry")
    page.get_by_role("button", name="Preview with these columns").click()

    # Queued until the worker runs; the link refreshes the page without JavaScript.
    expect(heading(page, "Dry run of registry.csv")).to_be_visible()
    expect(page.get_by_text("Waiting for the import worker")).to_be_visible()
    assert_accessible(page, "queued dry run")
    assert jobs.work_once().state == "done"
    page.get_by_role("link", name="Refresh to see the progress").click()
    expect(
        page.get_by_text("would create 3, would update 0, skipped 0, 0 with errors")
    ).to_be_visible()
    assert_accessible(page, "dry run report")
    # The unknown industry is mapped on the page; the real import uses the mapping.
    page.get_by_label("Bee keeping (1 row)").select_option(label="Agriculture and food")
    page.get_by_role("button", name="Map “Bee keeping”").click()
    expect(page.get_by_text("“Bee keeping” now maps to Agriculture and food")).to_be_visible()
    expect(page.get_by_text("mapped to Agriculture and food.")).to_be_visible()
    assert_accessible(page, "dry run report, industry mapped")

    page.get_by_role("button", name="Import this file for real").click()
    expect(heading(page, "Import of registry.csv")).to_be_visible()
    assert jobs.work_once().state == "done"
    page.reload()
    expect(page.get_by_text("created 3, updated 0, skipped 0, 0 with errors")).to_be_visible()

    # Invite Ada, found by her class year.
    page.goto(base + "/staff/imports/alumni")
    expect(heading(page, "Imported alumni")).to_be_visible()
    page.get_by_label("Class year").fill("2009")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 alumnus")).to_be_visible()
    assert_accessible(page, "imported alumni")
    assert_no_horizontal_scroll(page, "imported alumni")
    page.get_by_role("checkbox", name="Invite Ada Okafor").check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation queued")).to_be_visible()

    # Ada, in her own browser, opens the invitation: her profile is pre-filled.
    message = latest_email(to="ada.okafor@alumni.example.org", subject="Join the")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email_link(message, "/alumni/invitation/")
    ada = browser.new_context().new_page()
    ada.goto(link)
    expect(heading(ada, "Join the mentor directory")).to_be_visible()
    expect(ada.get_by_label("Your name")).to_have_value("Ada Okafor")
    expect(ada.get_by_label("Class year")).to_have_value("2009")
    expect(ada.get_by_label("Veterinary and animal care")).to_be_checked()
    assert_accessible(ada, "invitation page")
    ada.get_by_label("Headline").fill("Small-animal vet in Galway")
    ada.get_by_label("Choose a password").fill(PASSWORD)
    ada.get_by_label("Password again").fill(PASSWORD)
    ada.get_by_label("I agree to be listed and contacted through the career office").check()
    ada.get_by_role("button", name="Create my account and join").click()
    expect(ada.get_by_text("Welcome! You are in the mentor directory.")).to_be_visible()
    ada.goto(base + "/mentors")
    expect(ada.get_by_text("Small-animal vet in Galway")).to_be_visible()
    ada.context.close()
