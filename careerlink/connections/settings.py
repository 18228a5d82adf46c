"""The request workflow's settings (the values in force: an administrator's, else the
environment's; see careerlink.programme) and its fixed limits."""

from __future__ import annotations

from careerlink.programme import readable, value

MESSAGE_MIN = 80
MESSAGE_MAX = 2000
MIN_PROPOSED_DATES = 2
MAX_PROPOSED_DATES = 3
# Dates further out than this are more likely typos than plans.
MAX_DAYS_AHEAD = 180


def max_open_requests() -> int:
    """How many open requests a student may have at once."""
    return int(value("CAREERLINK_MAX_OPEN_REQUESTS"))


def response_days() -> int:
    """How many days an alumnus has to answer."""
    return int(value("CAREERLINK_RESPONSE_DAYS"))


def complete_after_days() -> int:
    """How many days after an introduction the request completes."""
    return int(value("CAREERLINK_COMPLETE_AFTER_DAYS"))


def pause_after_expiries() -> int:
    """How many requests in a row an alumnus may let expire before being paused."""
    return int(value("CAREERLINK_PAUSE_AFTER_EXPIRIES"))


def conduct_policy() -> str:
    """The career office's conduct policy text the student acknowledges (in their language when
    it is the shipped one)."""
    return readable("CAREERLINK_CONDUCT_POLICY")
