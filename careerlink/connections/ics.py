"""iCalendar invitations (METHOD:REQUEST) and cancellations (METHOD:CANCEL) for shadowing days
and informational interviews.

A shadowing day is an all-day event; an interview has a real start and end, written in UTC
(DTSTART:...Z) so every calendar places it right whatever its own zone; the description also
gives the time, with the zone's name. The summary and description speak the language (and
clock) the email they travel with speaks: its recipients' (careerlink.i18n.speaking).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, timedelta
from email.utils import getaddresses
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from careerlink.i18n import recipients_preferences, speaking
from careerlink.mail.services import Attachment
from careerlink.programme import sender

PRODID = "-//CareerLink//Shadowing days//EN"  # kept: calendars match updates on UID, not this


def public_domain(host: str | None) -> str | None:
    """host if it names a public domain; None for localhost, an IP address or a bare name."""
    host = (host or "").strip().strip(".").lower()
    if not host or "." not in host or host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return None


def _sender() -> tuple[str, str]:
    """(display name, address) of the sender in force (careerlink.programme.sender)."""
    [(name, address)] = getaddresses([sender() or ""])
    return name.strip(), address.strip()


def uid_domain() -> str:
    """The domain of every UID (and of a local organiser): the public host, else the sender's.

    Never localhost or an address: a UID must be unique in the world, and a calendar shows the
    organiser's address.
    """
    base_host = urlsplit(current_app.config["CAREERLINK_BASE_URL"] or "").hostname
    sender_domain = _sender()[1].rpartition("@")[2]
    return public_domain(base_host) or public_domain(sender_domain) or "careerlink.invalid"


def event_uid(request_id: int) -> str:
    """The stable UID of a request's shadowing day: every update and cancel reuses it."""
    return f"careerlink-request-{request_id}@{uid_domain()}"


def organizer_address() -> tuple[str, str]:
    """The career office's name and address, from MAIL_DEFAULT_SENDER.

    A sender at a local name (careers@localhost, the embedded default) is moved to the UID's
    domain, so no invitation names a host that only exists on the server.
    """
    name, address = _sender()
    local, _at, domain = address.rpartition("@")
    if not public_domain(domain):
        address = f"{local or 'careers'}@{uid_domain()}"
    return name or current_app.config["CAREERLINK_SITE_NAME"], address


def _person(email: str, name: str, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    if role:
        address.params["role"] = vText(role)
        address.params["partstat"] = vText("ACCEPTED")
    return address


def build_calendar(
    *,
    request_id: int,
    method: str,
    sequence: int,
    day: date | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    stamp: datetime,
    summary: str,
    description: str,
    location: str | None,
    attendees: list[tuple[str, str]],
) -> bytes:
    """One VCALENDAR with one VEVENT (all day, or from `start` to `end` in UTC); CANCEL marks
    the event cancelled."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError("method must be REQUEST or CANCEL")
    if (day is None) == (start is None):
        raise ValueError("give a day, or a start and an end")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", event_uid(request_id))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    if day is not None:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        event.add("dtstart", start.astimezone(UTC))
        event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    org_name, org_email = organizer_address()
    event.add("organizer", _person(org_email, org_name), encode=0)
    for email, name in attendees:
        event.add("attendee", _person(email, name, "REQ-PARTICIPANT"), encode=0)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()


def request_calendar(req, profile, method: str, stamp: datetime) -> bytes:
    """The invitation (REQUEST) or cancellation (CANCEL) for a request's shadowing day."""
    student, alumnus = req.student, req.alumnus
    lines = [
        _(
            "Shadowing day: %(student)s with %(alumnus)s.",
            student=student.display_name,
            alumnus=alumnus.display_name,
        )
    ]
    if profile is not None:
        if getattr(profile, "shadowing_description", None):
            lines.append(profile.shadowing_description)
        if getattr(profile, "shadowing_requirements", None):
            lines.append(
                _("Before you come: %(requirements)s", requirements=profile.shadowing_requirements)
            )
    if method == "CANCEL" and req.cancel_reason:
        lines.append(_("Cancelled: %(reason)s", reason=req.cancel_reason))
    return build_calendar(
        request_id=req.id,
        method=method,
        sequence=req.ics_sequence or 0,
        day=req.scheduled_date,
        stamp=stamp,
        summary=(
            _(
                "Shadowing day with %(alumnus)s (%(employer)s)",
                alumnus=alumnus.display_name,
                employer=profile.employer,
            )
            if profile is not None and profile.employer
            else _("Shadowing day with %(alumnus)s", alumnus=alumnus.display_name)
        ),
        description="\n".join(lines),
        location=getattr(profile, "shadowing_location", None) if profile is not None else None,
        attendees=[(student.email, student.display_name), (alumnus.email, alumnus.display_name)],
    )


def interview_calendar(req, profile, method: str, stamp: datetime) -> bytes:
    """The invitation (REQUEST) or cancellation (CANCEL) for an informational interview."""
    student, alumnus = req.student, req.alumnus
    slot = req.scheduled_slot
    lines = [
        _(
            "Informational interview: %(student)s with %(alumnus)s.",
            student=student.display_name,
            alumnus=alumnus.display_name,
        ),
        _("When: %(slot)s.", slot=slot.describe()),
        (
            _(
                "How: %(format)s. Where: %(place)s.",
                format=req.meeting_format_label,
                place=req.meeting_place,
            )
            if req.meeting_place
            else _("How: %(format)s.", format=req.meeting_format_label)
        ),
    ]
    if req.meeting_link:
        lines.append(_("Join: %(link)s", link=req.meeting_link))
    if method == "CANCEL" and req.cancel_reason:
        lines.append(_("Cancelled: %(reason)s", reason=req.cancel_reason))
    return build_calendar(
        request_id=req.id,
        method=method,
        sequence=req.ics_sequence or 0,
        start=slot.start,
        end=slot.end,
        stamp=stamp,
        summary=(
            _(
                "Informational interview with %(alumnus)s (%(employer)s)",
                alumnus=alumnus.display_name,
                employer=profile.employer,
            )
            if profile is not None and profile.employer
            else _("Informational interview with %(alumnus)s", alumnus=alumnus.display_name)
        ),
        description="\n".join(lines),
        location=req.meeting_place or req.meeting_link or str(req.meeting_format_label),
        attendees=[(student.email, student.display_name), (alumnus.email, alumnus.display_name)],
    )


def request_attachment(req, profile, method: str, stamp: datetime) -> Attachment:
    """The .ics file to attach to an invitation or cancellation email (to both sides), in the
    language and zone that email speaks."""
    language, zone = recipients_preferences([req.student.email, req.alumnus.email])
    with speaking(language, zone):
        if req.is_interview:
            data = interview_calendar(req, profile, method, stamp)
            name = "interview.ics" if method == "REQUEST" else "interview-cancelled.ics"
        else:
            data = request_calendar(req, profile, method, stamp)
            name = "shadowing-day.ics" if method == "REQUEST" else "shadowing-day-cancelled.ics"
    # RFC 6047: an iMIP calendar says its method and its charset in its Content-Type.
    content_type = f"text/calendar; charset=utf-8; method={method}"
    return Attachment(filename=name, content_type=content_type, data=data)
