"""Which email goes to whom when alumni are invited to opt in."""

from __future__ import annotations

from datetime import datetime

from careerlink.mail import Secret, enqueue
from careerlink.mentors.imports.links import invitation_link, unsubscribe_link


def invitation(record, *, reminder: bool, not_before: datetime | None = None) -> None:
    """The invitation (or its one reminder), with a private link and a one-click unsubscribe."""
    unsubscribe = unsubscribe_link(record)
    enqueue(
        "alumni_reminder" if reminder else "alumni_invitation",
        "alumnus",
        record.email,
        {
            "record": record,
            "link": Secret(invitation_link(record)),
            "unsubscribe": unsubscribe,
        },
        list_unsubscribe=unsubscribe,
        not_before=not_before,
    )
