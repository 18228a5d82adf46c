"""The import journey in Chromium: upload, map, dry run, import, invite; an alumna accepts."""

from __future__ import annotations

import pytest

from browser.browser_helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    email_link,
    expect,
    heading,
    industry_name,
    sign_in_with_form,
    translate_industries,
    translator,
)
from careerlink.extensions import db
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


@pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)
def test_staff_import_and_invite_then_the_alumna_accepts(
    page, browser, live_server, latest_email, make_user, tmp_path
):
    base = live_server.url
    language = page.context.careerlink_language
    t = translator(language)
    staff = make_user(Role.STAFF, email="imports@careers.example.edu", name="Ida Imports")
    staff.locale = language
    db.session.commit()
    translate_industries(language)
    agriculture = industry_name(language, "agriculture")
    office = translator("en")  # the office's language (en_GB), for people with no account
    upload = tmp_path / "registry.csv"
    upload.write_text(FILE, encoding="utf-8")

    sign_in_with_form(page, base, staff.email, t=t)
    page.goto(base + "/staff/")
    page.get_by_role("link", name=t("Import alumni"), exact=True).click()
    expect(heading(page, t("Import alumni"))).to_be_visible()
    assert_accessible(page, "import page")
    page.get_by_label(t("CSV or XLSX file")).set_input_files(str(upload))
    page.get_by_label(t("Layout")).select_option(
        label=t("Another layout: I will match the columns")
    )
    page.get_by_role("button", name=t("Upload and preview")).click()

    # The mapping step: the file's columns, a choice per field, saved for next time.
    expect(heading(page, t("Match the columns of %(file)s", file="registry.csv"))).to_be_visible()
    assert_accessible(page, "mapping page")
    assert_no_horizontal_scroll(page, "mapping page")
    page.get_by_label(t("Source system")).fill("registry")
    page.get_by_label(t("%(field)s (required)", field=t("External id"))).select_option("Student No")
    page.get_by_label(t("%(field)s (required)", field=t("Last name"))).select_option("Surname")
    page.get_by_label(t("First name")).select_option("Given")
    page.get_by_label(t("Email")).select_option("E-mail")
    page.get_by_label(t("Class year")).select_option("Class")
    page.get_by_label(t("Industry")).select_option("Industry")
    page.get_by_label(t("Save this mapping as")).fill("Registry")
    # The dry run's page is refreshed by its link, as without JavaScript: its script's poll
    # is answered 503 and stops, so it cannot reload the page while the test clicks.
    page.route("**/progress.json", lambda route: route.fulfill(status=503))
    page.get_by_role("button", name=t("Preview with these columns")).click()

    # Queued until the worker runs; the link refreshes the page without JavaScript.
    expect(heading(page, t("Dry run of %(file)s", file="registry.csv"))).to_be_visible()
    expect(
        page.get_by_text(
            t("Waiting for the import worker (<code>flask careerlink alumni work</code>) to start.")
            .split("<code>")[0]
            .strip()
        )
    ).to_be_visible()
    assert_accessible(page, "queued dry run")
    assert jobs.work_once().state == "done"
    page.get_by_role("link", name=t("Refresh to see the progress")).click()
    expect(
        page.get_by_text(
            t(
                "would create %(create)d, would update %(update)d, skipped %(skip)d, "
                "%(error)d with errors; nothing was written (dry run)",
                create=3,
                update=0,
                skip=0,
                error=0,
            )
        )
    ).to_be_visible()
    assert_accessible(page, "dry run report")
    # The unknown industry is mapped on the page; the real import uses the mapping.
    page.get_by_label(
        t.plural(
            "<strong>%(value)s</strong> (%(count)s row)",
            "<strong>%(value)s</strong> (%(count)s rows)",
            1,
            value="Bee keeping",
            count=1,
        )
        .replace("<strong>", "")
        .replace("</strong>", "")
    ).select_option(label=agriculture)
    page.get_by_role("button", name=t("Map “%(value)s”", value="Bee keeping")).click()
    expect(
        page.get_by_text(
            t.plural(
                "“%(value)s” now maps to %(industry)s; %(num)d record updated.",
                "“%(value)s” now maps to %(industry)s; %(num)d records updated.",
                1,
                value="Bee keeping",
                industry=agriculture,
                num=1,
            ).split(";")[0]
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            t.plural(
                "<strong>%(value)s</strong> (%(count)s row): mapped to %(industry)s.",
                "<strong>%(value)s</strong> (%(count)s rows): mapped to %(industry)s.",
                1,
                value="Bee keeping",
                count=1,
                industry=agriculture,
            )
            .replace("<strong>", "")
            .replace("</strong>", "")
        )
    ).to_be_visible()
    assert_accessible(page, "dry run report, industry mapped")

    # The real import's page reloads itself when its poll finds the job finished.
    page.unroute("**/progress.json")
    page.get_by_role("button", name=t("Import this file for real")).click()
    expect(heading(page, t("Import of %(file)s", file="registry.csv"))).to_be_visible()
    assert jobs.work_once().state == "done"
    expect(
        page.get_by_text(
            t(
                "created %(create)d, updated %(update)d, skipped %(skip)d, %(error)d with errors",
                create=3,
                update=0,
                skip=0,
                error=0,
            )
        )
    ).to_be_visible()

    # Invite Ada, found by her class year.
    page.goto(base + "/staff/imports/alumni")
    expect(heading(page, t("Imported alumni"))).to_be_visible()
    page.get_by_label(t("Class year")).fill("2009")
    page.get_by_role("button", name=t("Filter")).click()
    expect(
        page.get_by_text(t.plural("%(num)s alumnus", "%(num)s alumni", 1, num=1))
    ).to_be_visible()
    assert_accessible(page, "imported alumni")
    assert_no_horizontal_scroll(page, "imported alumni")
    page.get_by_role("checkbox", name=t("Invite %(name)s", name="Ada Okafor")).check()
    page.get_by_role("button", name=t("Send invitations")).click()
    expect(
        page.get_by_text(
            t.plural(
                "%(num)d invitation queued; the outbox sends them in batches.",
                "%(num)d invitations queued; the outbox sends them in batches.",
                1,
                num=1,
            )
        )
    ).to_be_visible()

    # Ada, in her own browser, opens the invitation: her profile is pre-filled.
    message = latest_email(
        to="ada.okafor@alumni.example.org",
        subject=office("Join the %(site)s mentor network", site="CareerLink"),
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email_link(message, "/alumni/invitation/")
    # Ada has no account yet: the invitation speaks the office's language; her browser speaks
    # the journey's, and so does the page it opens.
    ada = browser.new_context(locale=page.context.careerlink_locale).new_page()
    ada.goto(link)
    expect(heading(ada, t("Join the mentor directory"))).to_be_visible()
    expect(ada.get_by_label(t("Your name"))).to_have_value("Ada Okafor")
    expect(ada.get_by_label(t("Class year"))).to_have_value("2009")
    expect(ada.get_by_label(industry_name(language, "veterinary"))).to_be_checked()
    assert_accessible(ada, "invitation page")
    ada.get_by_label(t("Headline")).fill("Small-animal vet in Galway")
    ada.get_by_label(t("Choose a password")).fill(PASSWORD)
    ada.get_by_label(t("Password again")).fill(PASSWORD)
    ada.get_by_label(t("I agree to be listed and contacted through the career office")).check()
    ada.get_by_role("button", name=t("Create my account and join")).click()
    expect(
        ada.get_by_text(
            t("Welcome! You are in the mentor directory. Add what you offer to students below.")
        )
    ).to_be_visible()
    ada.goto(base + "/mentors")
    expect(ada.get_by_text("Small-animal vet in Galway")).to_be_visible()
    ada.context.close()
