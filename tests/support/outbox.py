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


def link_from(source, marker: str = "http") -> str:
    """The first URL containing marker in a text body, or in an outbox row as it will be sent.

    A row's stored text holds placeholders for its private links; given the row itself, the
    links are decrypted as the worker would (so only while the row is still unsent).
    """
    body = source if isinstance(source, str) else source.deliverable_text()
    for word in body.split():
        if word.startswith("http") and marker in word:
            return word.strip("<>().,")
    raise AssertionError(f"no link containing {marker!r} in:\n{body}")


def write_deferred() -> None:
    """Have every deferred outbox row written (or dropped) now, as the worker would, unsent."""
    from careerlink.database import transaction
    from careerlink.extensions import db
    from careerlink.mail.models import OutboxMessage
    from careerlink.mail.services import prepare_deferred

    with transaction():
        stmt = db.select(OutboxMessage).where(OutboxMessage.deferred.is_not(None))
        for row in db.session.scalars(stmt).all():
            if not prepare_deferred(row):
                db.session.delete(row)
