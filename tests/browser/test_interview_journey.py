"""The informational-interview journey in Chromium: propose times, approve, accept, invitations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date
from icalendar import Calendar

from browser.browser_helpers import (
    assert_accessible,
    expect,
    heading,
    open_relayed_request,
    sign_in_with_form,
    sign_out,
    staff_approve_first_request,
    translator,
)
from careerlink.extensions import db
from careerlink.permissions import Role

pytestmark = pytest.mark.browser

MESSAGE = (
    "I am a second-year biology student curious about veterinary practice. I would be grateful "
    "for half an hour of your time to hear how you built your clinic."
)


LOCALE = {"en": "en_GB", "fr": "fr"}


def slot_label(language: str, day, start: str, end: str) -> str:
    """How a slot reads in `language`: the day in Babel's full format, then the times."""
    t = translator(language)
    return t(
        "%(day)s, %(start)s\u2013%(end)s (%(zone)s)",
        day=format_date(day, "full", locale=LOCALE[language]),
        start=start,
        end=end,
        zone="UTC",
    )


def night_slot(language: str, day, start: str, end: str) -> str:
    """The error beside a slot proposed in the middle of the night (office zone UTC)."""
    return translator(language)(
        "%(slot)s is outside %(earliest)s\u2013%(latest)s %(zone)s time; no one is asked to "
        "talk in the middle of the night.",
        slot=slot_label(language, day, start, end),
        earliest="07:00",
        latest="21:00",
        zone="UTC",
    )


def calendar_in(message) -> Calendar:
    """The .ics attached to a caught message, decoded."""
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


@pytest.mark.parametrize("page", ["en-GB", "fr-FR"], indirect=True)
def test_propose_times_approve_accept_a_slot_both_invited(
    page, live_server, latest_email, make_user, make_mentor
):
    """A student proposes two times, staff approve, the alumna accepts one from the email."""
    base = live_server.url
    language = page.context.careerlink_language
    t = translator(language)
    student = make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")
    for person in (student, alumna, staff):
        person.locale = language
    db.session.commit()
    interview = t("an informational interview")
    profile = make_mentor(user=alumna, offers=("informational_interview",))
    first, second = date.today() + timedelta(days=6), date.today() + timedelta(days=7)

    # The student finds the alumna, who offers only informational interviews, and asks.
    sign_in_with_form(page, base, student.email, t=t)
    page.goto(f"{base}/mentors/{profile.id}")
    page.get_by_role("link", name=t("Ask for %(kind)s", kind=interview)).click()
    expect(
        heading(page, t("Ask %(name)s for %(kind)s", name="Alma Alumna", kind=interview))
    ).to_be_visible()
    assert_accessible(page, "interview ask form")
    page.get_by_label(t("What do you hope to learn or achieve?")).fill("How a clinic is run.")
    page.get_by_label(t("Why this alumnus?")).fill("You built the clinic I admire.")
    page.get_by_label(t("Your message to the alumnus")).fill(MESSAGE)
    page.locator('[name="slots-0-day"]').fill(first.isoformat())
    page.locator('[name="slots-0-start"]').fill("03:00")
    page.locator('[name="slots-0-minutes"]').fill("30")
    page.locator('[name="slots-1-day"]').fill(second.isoformat())
    page.locator('[name="slots-1-start"]').fill("14:00")
    page.locator('[name="slots-1-minutes"]').fill("45")
    page.get_by_label(t("Video call")).check()
    page.get_by_label(t("I have read the conduct policy and will follow it")).check()
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(page.get_by_text(night_slot(language, first, "03:00", "03:30"))).to_be_visible()
    assert_accessible(page, "interview ask form with a night-time slot")
    page.locator('[name="slots-0-start"]').fill("10:00")
    page.get_by_role("button", name=t("Send to the career office")).click()
    expect(heading(page, t("Your request to %(name)s", name="Alma Alumna"))).to_be_visible()
    assert_accessible(page, "student's interview request page")
    sign_out(page, t)

    # Staff approve it.
    staff_approve_first_request(
        page, base, "sam@careers.example.edu", t("Informational interview"), t
    )

    # The alumna opens the emailed link (signed out) and accepts the second time.
    relay = latest_email(
        to=alumna.email,
        subject=t("%(name)s asks you for %(kind)s", name="Stella Student", kind=interview),
    )
    open_relayed_request(page, relay, "Stella Student", interview, t)
    page.get_by_label(slot_label(language, second, "14:00", "14:45")).check()
    page.get_by_label(t("Meeting link (optional)")).first.fill("https://meet.example.org/alma")
    page.get_by_role("button", name=t("Accept this time")).click()
    expect(
        page.get_by_text(
            t("Thank you! You and the student have both been sent a calendar invitation.")
        )
    ).to_be_visible()
    expect(page.get_by_text(slot_label(language, second, "14:00", "14:45")).first).to_be_visible()
    assert_accessible(page, "interview answer page after accepting")

    # Both receive the same invitation, with the real start and end.
    invitation = t(
        "Informational interview on %(date)s: %(student)s with %(alumnus)s",
        date=format_date(second, "long", locale=LOCALE[language]),
        student="Stella Student",
        alumnus="Alma Alumna",
    )
    to_student = latest_email(to=student.email, subject=invitation)
    to_alumna = latest_email(to=alumna.email, subject=invitation)
    assert to_student["Message-ID"] == to_alumna["Message-ID"]
    cal = calendar_in(to_student)
    [event] = cal.walk("VEVENT")
    assert str(cal["method"]) == "REQUEST"
    assert event["dtstart"].to_ical().decode() == f"{second:%Y%m%d}T140000Z"
    assert event["dtend"].to_ical().decode() == f"{second:%Y%m%d}T144500Z"
    assert "https://meet.example.org/alma" in str(event["description"])
