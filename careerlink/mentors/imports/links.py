"""The signed links of an invitation: accept it (private), and unsubscribe in one click."""

from __future__ import annotations

from flask import current_app

from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

INVITATION = "alumni-invitation"
UNSUBSCRIBE = "alumni-unsubscribe"
# An unsubscribe link must keep working as long as the email may be read (RFC 8058).
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600


def invitation_link(record) -> str:
    """An absolute link to the page where the alumnus accepts the invitation."""
    token = make_token(INVITATION, {"rid": record.id, "email": record.email})
    return absolute_url("invitations.accept", token=token)


def read_invitation_token(token: str) -> dict:
    """The record id and address an invitation carries; InvalidToken when bad or too old."""
    days = current_app.config["CAREERLINK_INVITATION_MAX_AGE_DAYS"]
    return read_token(INVITATION, token, max_age_seconds=days * 24 * 3600)


def unsubscribe_link(record) -> str:
    """An absolute one-click unsubscribe link (for the email's body and List-Unsubscribe)."""
    token = make_token(UNSUBSCRIBE, {"rid": record.id})
    return absolute_url("invitations.unsubscribe", token=token)


def read_unsubscribe_token(token: str) -> dict:
    """The record id an unsubscribe link carries."""
    return read_token(UNSUBSCRIBE, token, max_age_seconds=UNSUBSCRIBE_MAX_AGE)
