"""Which email goes to whom about openings: the review's outcome, and the weekly digest."""

from __future__ import annotations

from careerlink.mail import enqueue
from careerlink.openings.links import unsubscribe_link
from careerlink.urls import absolute_url


def _to_poster(event: str, opening) -> None:
    poster = opening.posted_by
    enqueue(
        event,
        "alumnus",
        poster.email,
        {
            "alumnus": poster,
            "opening": opening,
            "opening_url": absolute_url("openings.detail", opening_id=opening.id),
            "mine_url": absolute_url("openings.mine"),
        },
    )


def opening_approved(opening) -> None:
    """Tell the alumnus that students can now see their opening."""
    _to_poster("opening_approved", opening)


def opening_rejected(opening) -> None:
    """Tell the alumnus why the career office did not approve their opening."""
    _to_poster("opening_rejected", opening)


def opening_withdrawn(opening) -> None:
    """Tell the alumnus that the career office took their opening down."""
    _to_poster("opening_withdrawn", opening)


def digest(subscription, openings) -> None:
    """The weekly digest of new openings, with a one-click unsubscribe (RFC 8058)."""
    unsubscribe = unsubscribe_link(subscription)
    enqueue(
        "openings_digest",
        "student",
        subscription.user.email,
        {
            "student": subscription.user,
            # The industries themselves: the email names each in its reader's language.
            "industries": list(subscription.industries),
            "openings": [(o, absolute_url("openings.detail", opening_id=o.id)) for o in openings],
            "browse_url": absolute_url("openings.browse"),
            "settings_url": absolute_url("openings.subscription"),
            "unsubscribe": unsubscribe,
        },
        list_unsubscribe=unsubscribe,
    )
