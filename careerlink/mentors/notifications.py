"""Which profile email goes to whom; each enqueues an outbox row in the caller's transaction."""

from __future__ import annotations

from careerlink.mail import Secret, enqueue
from careerlink.mentors.links import confirm_link
from careerlink.urls import absolute_url


def profile_approved(profile) -> None:
    """Tell the alumnus that staff verified them and the profile is listed."""
    enqueue(
        "profile_approved",
        "alumnus",
        profile.user.email,
        {
            "user": profile.user,
            "profile": profile,
            "profile_url": absolute_url("mentors.detail", profile_id=profile.id),
        },
    )


def profile_rejected(profile, reason: str) -> None:
    """Tell the alumnus why staff refused the profile, and where to put it right."""
    enqueue(
        "profile_rejected",
        "alumnus",
        profile.user.email,
        {
            "user": profile.user,
            "profile": profile,
            "reason": reason,
            "edit_url": absolute_url("mentors.edit", profile_id=profile.id),
        },
    )


def profile_confirm(profile) -> None:
    """Ask the alumnus to confirm an 11-month-old profile is still right."""
    enqueue(
        "profile_confirm",
        "alumnus",
        profile.user.email,
        {"user": profile.user, "profile": profile, "link": Secret(confirm_link(profile))},
    )


def profile_unlisted(profile) -> None:
    """Tell the alumnus the profile left the directory unconfirmed, with a link back."""
    enqueue(
        "profile_unlisted",
        "alumnus",
        profile.user.email,
        {"user": profile.user, "profile": profile, "link": Secret(confirm_link(profile))},
    )
