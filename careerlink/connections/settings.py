"""The request workflow's settings (read from the app config, whose defaults are in config.py)
and its fixed limits."""

from __future__ import annotations

from flask import current_app

MESSAGE_MIN = 80
MESSAGE_MAX = 2000
MIN_PROPOSED_DATES = 2
MAX_PROPOSED_DATES = 3
# Dates further out than this are more likely typos than plans.
MAX_DAYS_AHEAD = 180


def max_open_requests() -> int:
    """How many open requests a student may have at once."""
    return int(current_app.config["CAREERLINK_MAX_OPEN_REQUESTS"])


def response_days() -> int:
    """How many days an alumnus has to answer."""
    return int(current_app.config["CAREERLINK_RESPONSE_DAYS"])


def complete_after_days() -> int:
    """How many days after an introduction the request completes."""
    return int(current_app.config["CAREERLINK_COMPLETE_AFTER_DAYS"])


def pause_after_expiries() -> int:
    """How many requests in a row an alumnus may let expire before being paused."""
    return int(current_app.config["CAREERLINK_PAUSE_AFTER_EXPIRIES"])


def conduct_policy() -> str:
    """The career office's conduct policy text the student acknowledges."""
    return current_app.config["CAREERLINK_CONDUCT_POLICY"]
