"""Each person's secret calendar feed: their accepted shadowing days, for calendars to subscribe.

The address holds a random key; only its SHA-256 is stored, so the address is shown once (a
new one can be made at any time, which ends the old). The events carry the same UID and
SEQUENCE as the emailed invitations (`connections.ics`), so a calendar that has both shows one
event, and a cancelled day shows as cancelled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import or_, select

from careerlink.accounts.models import User
from careerlink.api.models import CalendarFeed
from careerlink.connections.ics import PRODID, event_uid
from careerlink.connections.machine import RequestState
from careerlink.connections.models import ConnectionRequest
from careerlink.errors import InvalidTransition
from careerlink.extensions import db
from careerlink.i18n import speaking
from careerlink.models import utcnow

KEY_MAX = 100
# Accepted days, past ones included; a cancelled day stays, marked CANCELLED, so calendars drop it.
FEED_STATES = (
    RequestState.SCHEDULED.value,
    RequestState.COMPLETED.value,
    RequestState.CANCELLED.value,
)


def hash_key(key: str) -> str:
    """The SHA-256 (hex) stored for a feed key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The person's live feed, if they made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def new_feed(user: User) -> str:
    """Make (or remake) the person's feed; return its key, which is shown only now."""
    existing = feed_of(user)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    key = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, key_hash=hash_key(key)))
    db.session.flush()
    return key


def revoke_feed(user: User) -> None:
    """End the person's feed: its address stops working at once."""
    existing = feed_of(user)
    if existing is None:
        raise InvalidTransition(_("You have no calendar feed to turn off."))
    db.session.delete(existing)


def user_for_key(key: str) -> User | None:
    """The active person whose feed this key opens, or None."""
    if not key or len(key) > KEY_MAX:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.key_hash == hash_key(key)))
    if feed is None or feed.user is None or not feed.user.is_active:
        return None
    return feed.user


def days_of(user: User) -> list[ConnectionRequest]:
    """The person's accepted shadowing days (as student or alumnus), by date."""
    return list(
        db.session.scalars(
            select(ConnectionRequest)
            .where(
                or_(
                    ConnectionRequest.student_id == user.id,
                    ConnectionRequest.alumnus_id == user.id,
                ),
                ConnectionRequest.state.in_(FEED_STATES),
                ConnectionRequest.scheduled_date.is_not(None),
            )
            .order_by(ConnectionRequest.scheduled_date, ConnectionRequest.id)
        )
    )


def _event(req: ConnectionRequest, viewer: User) -> Event:
    profile = req.mentor_profile
    other = req.alumnus if viewer.id == req.student_id else req.student
    if viewer.id == req.student_id and profile is not None and profile.employer:
        summary = _(
            "Shadowing day with %(name)s (%(employer)s)",
            name=other.display_name,
            employer=profile.employer,
        )
    else:
        summary = _("Shadowing day with %(name)s", name=other.display_name)
    lines = [
        _(
            "Shadowing day: %(student)s with %(alumnus)s.",
            student=req.student.display_name,
            alumnus=req.alumnus.display_name,
        )
    ]
    if profile is not None and profile.shadowing_requirements:
        lines.append(_("Before you come: %(text)s", text=profile.shadowing_requirements))
    if req.state == RequestState.CANCELLED.value and req.cancel_reason:
        lines.append(_("Cancelled: %(reason)s", reason=req.cancel_reason))
    event = Event()
    event.add("uid", event_uid(req.id))
    event.add("sequence", req.ics_sequence or 0)
    event.add("dtstamp", req.updated_at or utcnow())
    event.add("dtstart", req.scheduled_date)
    event.add("dtend", req.scheduled_date + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    if profile is not None and profile.shadowing_location:
        event.add("location", profile.shadowing_location)
    cancelled = req.state == RequestState.CANCELLED.value
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def calendar_for(user: User, site_name: str) -> bytes:
    """The feed itself: a VCALENDAR (no METHOD: a subscription, not an invitation).

    Written in its owner's language: a calendar client fetches it without a session.
    """
    with speaking(getattr(user, "locale", None), getattr(user, "time_zone", None)):
        return _calendar(user, site_name)


def _calendar(user: User, site_name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("%(site)s: shadowing days", site=site_name))
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for req in days_of(user):
        cal.add_component(_event(req, user))
    return cal.to_ical()
