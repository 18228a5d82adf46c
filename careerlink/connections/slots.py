"""Informational interviews: time slots, formats, meeting links.

Slots are entered in the office's zone (CAREERLINK_TIME_ZONE; the forms say so), checked
against its waking hours, and stored in UTC as {"start": ISO time in UTC, "minutes": length}.
They are shown in the reader's zone (their own, else the office's; an email's recipient's),
with the zone's name, and in the reader's language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from careerlink import urls
from careerlink.connections.settings import MAX_DAYS_AHEAD
from careerlink.errors import DomainError
from careerlink.i18n import (
    current_language,
    format_date,
    format_datetime,
    format_time,
    office_zone,
    speaking,
    zone_label,
)

MIN_SLOTS = 2
MAX_SLOTS = 5
MIN_MINUTES = 20
MAX_MINUTES = 45
# No one is asked to talk in the middle of the night: a slot starts and ends in these hours.
EARLIEST = time(7, 0)
LATEST = time(21, 0)
PLACE_MAX = 300
LINK_MAX = 500


class MeetingFormat(enum.StrEnum):
    """How the informational interview happens."""

    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"

    @property
    def label(self):
        """A human name for the format (lazy, translated when shown)."""
        return FORMAT_LABELS[self.value]


FORMAT_LABELS = {
    MeetingFormat.PHONE.value: _l("Phone call"),
    MeetingFormat.VIDEO.value: _l("Video call"),
    MeetingFormat.IN_PERSON.value: _l("In person"),
}


def zone_name() -> str:
    """The office's time zone name, shown beside every time."""
    return current_app.config["CAREERLINK_TIME_ZONE"]


@dataclass(frozen=True)
class Slot:
    """One proposed time: its start (aware, UTC) and its length in minutes."""

    start: datetime
    minutes: int

    @property
    def end(self) -> datetime:
        """When the slot ends (UTC)."""
        return self.start + timedelta(minutes=self.minutes)

    def stored(self) -> dict:
        """The JSON form kept on the request."""
        return {"start": self.start.astimezone(UTC).isoformat(), "minutes": self.minutes}

    @classmethod
    def from_stored(cls, data: dict) -> Slot:
        """A slot from its JSON form."""
        return cls(datetime.fromisoformat(data["start"]).astimezone(UTC), int(data["minutes"]))

    def local_start(self) -> datetime:
        """The start in the office's zone."""
        return self.start.astimezone(office_zone())

    def describe(self) -> str:
        """'Tuesday, 5 March 2030, 14:00–14:30 (Europe/Paris)': the reader's zone and language."""
        return _(
            "%(day)s, %(start)s\u2013%(end)s (%(zone)s)",
            day=format_date(self.start, "full"),
            start=format_time(self.start),
            end=format_time(self.end),
            zone=zone_label(),
        )


def describe_moment(moment: datetime) -> str:
    """'5 Mar 2030, 14:00 Europe/Paris': a moment in the reader's zone, with the zone's name."""
    return format_datetime(moment, zone=True)


def describe_in_office(slot: Slot) -> str:
    """A slot in the office's zone (where it was entered), in the reader's language."""
    with speaking(current_language(), office_zone()):
        return slot.describe()


def make_slot(
    day: date | None,
    start: time | None,
    minutes: int | None,
    now: datetime,
    *,
    field: str = "slots",
) -> Slot:
    """One slot entered in the office's zone, checked: complete, ahead, awake, 20–45 minutes."""
    if day is None or start is None or minutes is None:
        raise DomainError(_("Give each time a date, a start time and a length."), field=field)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(
            _(
                "A conversation lasts between %(least)d and %(most)d minutes.",
                least=MIN_MINUTES,
                most=MAX_MINUTES,
            ),
            field=field,
        )
    zone = office_zone()
    local = datetime.combine(day, start.replace(second=0, microsecond=0), tzinfo=zone)
    # A time the clocks skip (spring forward) does not exist: refuse it rather than guess.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(
            _(
                "%(time)s on %(day)s does not exist in %(zone)s (the clocks change); "
                "choose another time.",
                time=f"{start:%H:%M}",
                day=format_date(day),
                zone=zone_name(),
            ),
            field=field,
        )
    slot = Slot(local.astimezone(UTC), minutes)
    end_local = slot.end.astimezone(zone)
    if slot.start <= now:
        raise DomainError(
            _(
                "%(slot)s has already passed; choose a later time.",
                slot=describe_in_office(slot),
            ),
            field=field,
        )
    if day > now.astimezone(zone).date() + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            _("Choose times within the next %(days)d days.", days=MAX_DAYS_AHEAD), field=field
        )
    if local.time() < EARLIEST or end_local.date() != day or end_local.time() > LATEST:
        raise DomainError(
            _(
                "%(slot)s is outside %(earliest)s\u2013%(latest)s %(zone)s time; no one is "
                "asked to talk in the middle of the night.",
                slot=describe_in_office(slot),
                earliest=f"{EARLIEST:%H:%M}",
                latest=f"{LATEST:%H:%M}",
                zone=zone_name(),
            ),
            field=field,
        )
    return slot


def check_slots(entered: list[tuple], now: datetime) -> list[dict]:
    """Two to five distinct slots from (date, time, minutes) rows; empty rows are skipped."""
    slots: list[Slot] = []
    for day, start, minutes in entered:
        if day is None and start is None:
            continue
        slots.append(make_slot(day, start, minutes, now))
    if len({s.start for s in slots}) != len(slots):
        raise DomainError(
            _("Two of the times are the same; propose different times."), field="slots"
        )
    if len(slots) < MIN_SLOTS:
        raise DomainError(
            _("Propose at least %(count)d different times.", count=MIN_SLOTS), field="slots"
        )
    if len(slots) > MAX_SLOTS:
        raise DomainError(_("Propose at most %(count)d times.", count=MAX_SLOTS), field="slots")
    return [s.stored() for s in sorted(slots, key=lambda s: s.start)]


def check_format(meeting_format: str | None, place: str | None) -> tuple[str, str | None]:
    """A known format, and a place when (and only when) it is in person."""
    try:
        chosen = MeetingFormat(meeting_format or "")
    except ValueError:
        raise DomainError(
            _("Choose how you would talk: phone, video or in person."), field="meeting_format"
        ) from None
    place = " ".join((place or "").split())
    if chosen is MeetingFormat.IN_PERSON:
        if not place:
            raise DomainError(_("Say where you would meet."), field="meeting_place")
        if len(place) > PLACE_MAX:
            raise DomainError(
                _("Keep the place under %(count)d characters.", count=PLACE_MAX),
                field="meeting_place",
            )
        return chosen.value, place
    return chosen.value, None


def check_link(url: str | None, *, field: str = "meeting_link") -> str | None:
    """An http(s) address with a host, or None when empty (careerlink.urls.check_web_address)."""
    return urls.check_web_address(url, field=field, max_length=LINK_MAX)
