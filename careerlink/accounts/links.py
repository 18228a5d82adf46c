"""The signed links of accounts (verify an address, reset a password): made and read here."""

from __future__ import annotations

from flask_babel import gettext as _

from careerlink.accounts.models import User
from careerlink.errors import InvalidToken
from careerlink.extensions import db
from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url

VERIFY = "verify-email"
RESET = "reset-password"
RESET_MAX_AGE_SECONDS = 2 * 3600


def _fingerprint(user: User) -> str:
    # Changes when the password changes, so a reset link works once.
    return (user.password_hash or "")[-12:]


def verification_link(user: User) -> str:
    """An absolute, signed link that verifies this user's current address."""
    token = make_token(VERIFY, {"uid": user.id, "email": user.email})
    return absolute_url("accounts.verify_email", token=token)


def reset_link(user: User) -> str:
    """An absolute, signed, single-use link to choose a new password."""
    token = make_token(RESET, {"uid": user.id, "fp": _fingerprint(user)})
    return absolute_url("accounts.reset_password", token=token)


def user_for_verification(token: str) -> User:
    """The user a verification token belongs to; InvalidToken when the address has changed."""
    data = read_token(VERIFY, token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise InvalidToken(
            _("This verification link is for an address that is no longer in use."), link=VERIFY
        )
    return user


def user_for_reset(token: str) -> User:
    """The user a reset token belongs to, if it is still unused and unexpired."""
    data = read_token(RESET, token, max_age_seconds=RESET_MAX_AGE_SECONDS)
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise InvalidToken(
            _("This reset link has already been used or is no longer valid."), link=RESET
        )
    return user
