"""Signed, expiring, single-purpose tokens for links in emails (itsdangerous)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from careerlink.errors import InvalidToken


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # The purpose is the salt: a token made for one purpose never validates for another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"careerlink.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    """Sign a payload for one purpose."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_seconds: int | None = None) -> dict[str, Any]:
    """Check a token's signature, purpose and age; raise InvalidToken with a clear reason.

    The InvalidToken carries the purpose as its `link`, so the error page offers the right
    next step (a new reset link, a new verification link, ...).
    """
    if max_age_seconds is None:
        max_age_seconds = current_app.config["CAREERLINK_TOKEN_MAX_AGE_HOURS"] * 3600
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise InvalidToken(_("This link has expired. Ask for a new one."), link=purpose) from None
    except BadSignature:
        raise InvalidToken(
            _("This link is not valid. Check that you copied all of it."), link=purpose
        ) from None
    if not isinstance(data, dict):
        raise InvalidToken(_("This link is not valid."), link=purpose)
    return data
