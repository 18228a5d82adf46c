"""Which account email goes to whom; each adds its outbox row to the caller's transaction."""

from __future__ import annotations

from careerlink.accounts.links import reset_link, verification_link
from careerlink.accounts.models import User
from careerlink.mail import enqueue


def verify_email(user: User, *, signup: bool) -> None:
    """To the user: the link that verifies their address (welcoming them when `signup`)."""
    enqueue(
        "verify_email",
        "user",
        user.email,
        {"user": user, "link": verification_link(user), "signup": signup},
    )


def reset_password(user: User) -> None:
    """To the user: a single-use link to choose a new password."""
    enqueue("reset_password", "user", user.email, {"user": user, "link": reset_link(user)})


def password_changed(user: User) -> None:
    """To the user: their password was changed (so they notice if it was not them)."""
    enqueue("password_changed", "user", user.email, {"user": user})
