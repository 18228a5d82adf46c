"""Password hashing with Argon2 (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _

_DEFAULT = PasswordHasher()
# Tests hash thousands of passwords; cheap parameters keep the suite fast.
_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

MIN_LENGTH = 10
MAX_LENGTH = 200


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _FAST
    return _DEFAULT


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher().hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True if the password matches the stored hash; never raises on a bad hash."""
    if not stored or not password:
        return False
    try:
        return _DEFAULT.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_LENGTH)
    if email and password.strip().lower() == email.strip().lower():
        return _("Your password cannot be your email address.")
    if len(set(password)) < 4:
        return _("Choose a password with more variety.")
    return None
