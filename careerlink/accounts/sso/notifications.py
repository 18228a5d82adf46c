"""Which campus sign-in email goes to whom; each adds its outbox row to the caller's transaction."""

from __future__ import annotations

from careerlink.accounts.models import User
from careerlink.mail import Secret, enqueue


def confirm_link(user: User, provider_label: str, link: str) -> None:
    """To the account's address: confirm linking a provider's identity to this account."""
    enqueue(
        "confirm_identity_link",
        "user",
        user.email,
        # The link lets its reader finish linking an identity: private, like a reset link.
        {"user": user, "provider_label": provider_label, "link": Secret(link)},
    )


def identity_linked(user: User, provider_label: str) -> None:
    """To the user: a provider's identity can now sign in to their account (notice if not them)."""
    enqueue("identity_linked", "user", user.email, {"user": user, "provider_label": provider_label})
