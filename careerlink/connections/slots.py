"""Informational interviews: time slots in the office's time zone, formats, meeting links.

The office's zone is CAREERLINK_TIME_ZONE (the translations issue's per-person zones have not
landed): slots are entered and shown in it, checked against its waking hours, and stored in
UTC as {"start": ISO time in UTC, "minutes": length}.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from careerlink import urls
from careerlink.connections.settings import MAX_DAYS_AHEAD
from careerlink.errors import DomainError

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
    def label(self) -> str:
        """A human name for the format."""
        return {"phone": "Phone call", "video": "Video call", "in_person": "In person"}[self.value]


def office_zone() -> ZoneInfo:
    """The office's time zone (CAREERLINK_TIME_ZONE, checked when the app starts)."""
    return ZoneInfo(current_app.config["CAREERLINK_TIME_ZONE"])


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
        """'Tuesday 5 March 2030, 14:00–14:30 (Europe/Paris)': the office's time and zone."""
        start = self.local_start()
        end = self.end.astimezone(office_zone())
        return (
            f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}\u2013{end:%H:%M} ({zone_name()})"
        )


def describe_moment(moment: datetime) -> str:
    """'Tuesday 5 March 2030, 14:00 (Europe/Paris)': a moment in the office's time and zone."""
    local = moment.astimezone(office_zone())
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({zone_name()})"


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
        raise DomainError("Give each time a date, a start time and a length.", field=field)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(
            f"A conversation lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.", field=field
        )
    zone = office_zone()
    local = datetime.combine(day, start.replace(second=0, microsecond=0), tzinfo=zone)
    # A time the clocks skip (spring forward) does not exist: refuse it rather than guess.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(
            f"{start:%H:%M} on {day.isoformat()} does not exist in {zone_name()} "
            "(the clocks change); choose another time.",
            field=field,
        )
    slot = Slot(local.astimezone(UTC), minutes)
    end_local = slot.end.astimezone(zone)
    if slot.start <= now:
        raise DomainError(
            f"{slot.describe()} has already passed; choose a later time.", field=field
        )
    if day > now.astimezone(zone).date() + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(f"Choose times within the next {MAX_DAYS_AHEAD} days.", field=field)
    if local.time() < EARLIEST or end_local.date() != day or end_local.time() > LATEST:
        raise DomainError(
            f"{slot.describe()} is outside {EARLIEST:%H:%M}\u2013{LATEST:%H:%M} "
            f"{zone_name()} time; no one is asked to talk in the middle of the night.",
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
        raise DomainError("Two of the times are the same; propose different times.", field="slots")
    if len(slots) < MIN_SLOTS:
        raise DomainError(f"Propose at least {MIN_SLOTS} different times.", field="slots")
    if len(slots) > MAX_SLOTS:
        raise DomainError(f"Propose at most {MAX_SLOTS} times.", field="slots")
    return [s.stored() for s in sorted(slots, key=lambda s: s.start)]


def check_format(meeting_format: str | None, place: str | None) -> tuple[str, str | None]:
    """A known format, and a place when (and only when) it is in person."""
    try:
        chosen = MeetingFormat(meeting_format or "")
    except ValueError:
        raise DomainError(
            "Choose how you would talk: phone, video or in person.", field="meeting_format"
        ) from None
    place = " ".join((place or "").split())
    if chosen is MeetingFormat.IN_PERSON:
        if not place:
            raise DomainError("Say where you would meet.", field="meeting_place")
        if len(place) > PLACE_MAX:
            raise DomainError(
                f"Keep the place under {PLACE_MAX} characters.", field="meeting_place"
            )
        return chosen.value, place
    return chosen.value, None


def check_link(url: str | None, *, field: str = "meeting_link") -> str | None:
    """An http(s) address with a host, or None when empty (careerlink.urls.check_web_address)."""
    return urls.check_web_address(url, field=field, max_length=LINK_MAX)
