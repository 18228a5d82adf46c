"""Which account email goes to whom; each adds its outbox row to the caller's transaction.

Links that let the reader act as the account's owner (verify, reset) are marked `Secret`:
the stored message holds a placeholder, and only the delivered email carries the link.
"""

from __future__ import annotations

from careerlink.accounts.links import reset_link, verification_link
from careerlink.accounts.models import User
from careerlink.mail import Secret, enqueue, enqueue_deferred
from careerlink.mail.models import OutboxMessage
from careerlink.urls import absolute_url

# Deferred kinds: the web request writes one row naming an address; the worker decides.
RESET_REQUESTED = "reset_password"
VERIFICATION_REQUESTED = "resend_verification"


def verify_email(user: User, *, signup: bool, into: OutboxMessage | None = None) -> None:
    """To the user: the link that verifies their address (welcoming them when `signup`)."""
    enqueue(
        "verify_email",
        "user",
        user.email,
        {"user": user, "link": Secret(verification_link(user)), "signup": signup},
        into=into,
    )


def reset_password(user: User, *, into: OutboxMessage | None = None) -> None:
    """To the user: a single-use link to choose a new password."""
    enqueue(
        "reset_password",
        "user",
        user.email,
        {"user": user, "link": Secret(reset_link(user))},
        into=into,
    )


def reset_requested(email: str) -> None:
    """Someone asked for a reset link for this address; the worker sends it if it can."""
    enqueue_deferred(RESET_REQUESTED, email=email)


def verification_requested(email: str) -> None:
    """Someone asked for a new verification link; the worker sends it if it can."""
    enqueue_deferred(VERIFICATION_REQUESTED, email=email)


def signup_attempted(user: User) -> None:
    """To the owner of an address someone tried to sign up with: sign in or reset instead."""
    enqueue(
        "signup_existing",
        "user",
        user.email,
        {
            "user": user,
            "signin_url": absolute_url("accounts.signin", email=user.email),
            "reset_url": absolute_url("accounts.forgot_password"),
            "resend_url": absolute_url("accounts.resend_verification"),
        },
    )


def password_changed(user: User) -> None:
    """To the user: their password was changed (so they notice if it was not them)."""
    enqueue("password_changed", "user", user.email, {"user": user})
