"""What other domains may read and write of a mentor: lookups, load and answer statistics.

The request workflow (`careerlink.connections`) counts requests against an alumnus's capacity,
records how they answer and pauses them after repeated expiries; it does so only through these
functions, so the mentor profile's own rules stay in this package.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from careerlink.extensions import db
from careerlink.mentors.models import MentorProfile, StudentProfile


def get_profile(profile_id: int) -> MentorProfile | None:
    """The mentor profile with this id, or None."""
    return db.session.get(MentorProfile, profile_id)


def profile_for_user(user_id: int) -> MentorProfile | None:
    """The mentor profile of an alumnus, or None."""
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user_id))


# What the staff see of an alumnus's load (connections' `Load`), read without whole profiles.
LOAD_COLUMNS = (
    "month_start",
    "month_request_count",
    "monthly_capacity",
    "response_rate",
    "median_response_days",
    "accepting_requests",
)


def load_columns_for_users(user_ids: list[int]) -> dict[int, Any]:
    """The `LOAD_COLUMNS` of these alumni's mentor profiles as rows, by user id (those without
    a profile left out): a page of many alumni reads no whole profiles."""
    columns = [getattr(MentorProfile, name) for name in LOAD_COLUMNS]
    rows = db.session.execute(
        select(MentorProfile.user_id, *columns).where(MentorProfile.user_id.in_(user_ids))
    )
    return {row.user_id: row for row in rows}


def student_profile_for(user_id: int) -> StudentProfile | None:
    """The student profile of a user, or None."""
    return db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user_id))


def student_profile_for_alumni(user_id: int) -> StudentProfile | None:
    """What alumni may see of a student's profile: nothing under a FERPA directory hold.

    A relayed request still shows the student's name and the request itself: that is what the
    alumnus needs to answer it.
    """
    from careerlink.accounts.models import User

    held = db.session.scalar(select(User.directory_hold).where(User.id == user_id))
    return None if held else student_profile_for(user_id)


def count_request(profile: MentorProfile, now: datetime) -> None:
    """A new request to this alumnus: count it against this month's capacity."""
    profile.record_request(now)


def set_response_statistics(
    alumnus_id: int, *, asked: int, answered: int, median_days: float | None
) -> None:
    """Store how many relayed requests the alumnus answered, and how fast (median days)."""
    profile = profile_for_user(alumnus_id)
    if profile is None:
        return
    profile.asked_count = asked
    profile.answered_count = answered
    profile.response_rate = (answered / asked) if asked else None
    profile.median_response_days = median_days


def pause(alumnus_id: int) -> MentorProfile | None:
    """Stop new requests to an alumnus; the profile if this paused it, None if it was not
    accepting requests already (or has no profile)."""
    profile = profile_for_user(alumnus_id)
    if profile is None or not profile.accepting_requests:
        return None
    profile.accepting_requests = False
    return profile
