"""Reading what the app wrote to send: outbox rows, and the links inside an email's text."""

from __future__ import annotations

import pytest


@pytest.fixture
def outbox(db):
    """outbox(event=None) -> the outbox rows (of that event), oldest first."""
    from careerlink.mail.models import OutboxMessage

    def rows(event: str | None = None):
        stmt = db.select(OutboxMessage).order_by(OutboxMessage.id)
        if event:
            stmt = stmt.where(OutboxMessage.event == event)
        return list(db.session.scalars(stmt))

    return rows


def link_from(body: str, marker: str = "http") -> str:
    """The first URL in a text body that contains marker, without the punctuation around it."""
    for word in body.split():
        if word.startswith("http") and marker in word:
            return word.strip("<>().,")
    raise AssertionError(f"no link containing {marker!r} in:\n{body}")
