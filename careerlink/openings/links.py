"""The signed link of the openings digest: one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

UNSUBSCRIBE = "openings-digest-unsubscribe"
# An unsubscribe link must keep working as long as the email may be read (RFC 8058).
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600


def unsubscribe_link(subscription) -> str:
    """An absolute one-click unsubscribe link (for the email's body and List-Unsubscribe)."""
    token = make_token(UNSUBSCRIBE, {"sid": subscription.id, "uid": subscription.user_id})
    return absolute_url("openings.unsubscribe", token=token)


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    """The subscription and user ids an unsubscribe link carries; InvalidToken when bad."""
    data = read_token(UNSUBSCRIBE, token, max_age_seconds=UNSUBSCRIBE_MAX_AGE)
    sid, uid = data.get("sid"), data.get("uid")
    if not isinstance(sid, int) or not isinstance(uid, int):
        from careerlink.errors import InvalidToken

        raise InvalidToken("This link is not valid.", link=UNSUBSCRIBE)
    return sid, uid
