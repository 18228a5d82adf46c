"""The signed link that confirms, from the inbox, linking a provider's identity to an account."""

from __future__ import annotations

from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

LINK_IDENTITY = "link-identity"
LINK_MAX_AGE_SECONDS = 3600


def link_confirmation_link(user_id: int, provider: str, subject: str, nonce: str) -> str:
    """An absolute, signed link (one hour) confirming this identity for this account."""
    token = make_token(
        LINK_IDENTITY, {"uid": user_id, "provider": provider, "sub": subject, "nonce": nonce}
    )
    return absolute_url("sso.confirm_link", token=token)


def read_link_confirmation(token: str) -> dict:
    """The payload of a link confirmation token (InvalidToken when bad or expired)."""
    return read_token(LINK_IDENTITY, token, max_age_seconds=LINK_MAX_AGE_SECONDS)
