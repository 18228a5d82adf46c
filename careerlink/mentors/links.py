"""The signed link in profile emails: the alumnus confirms the profile is still current."""

from __future__ import annotations

from typing import Any

from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

CONFIRM = "confirm-profile"
CONFIRM_MAX_AGE = 60 * 24 * 3600


def confirm_link(profile) -> str:
    """An absolute, signed link to a page where the alumnus confirms the profile is current."""
    token = make_token(CONFIRM, {"pid": profile.id, "uid": profile.user_id})
    return absolute_url("mentors.confirm", token=token)


def read_confirm_token(token: str) -> dict[str, Any]:
    """The profile and user ids a confirmation link carries; InvalidToken when it is bad."""
    return read_token(CONFIRM, token, max_age_seconds=CONFIRM_MAX_AGE)
