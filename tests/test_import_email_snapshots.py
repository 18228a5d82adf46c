"""Snapshots of the invitation and its reminder (text and HTML), with their unsubscribe headers.

Compare by default; regenerate with UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest

from careerlink.database import transaction
from careerlink.mail.models import OutboxMessage
from careerlink.mail.transports import message_bytes
from careerlink.mentors.imports import notifications
from careerlink.mentors.imports.models import AlumniRecord

SNAPSHOTS = Path(__file__).parent / "snapshots" / "imports"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "") == "1"


def check_snapshot(name: str, content: str) -> None:
    """Compare with (or, with UPDATE_SNAPSHOTS=1, rewrite) tests/snapshots/imports/<name>."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    assert content == path.read_bytes().decode("utf-8"), f"{name} differs from its snapshot"


@pytest.mark.parametrize("reminder", [False, True], ids=["invitation", "reminder"])
def test_invitation_emails(app, db, monkeypatch, reminder):
    monkeypatch.setattr(
        notifications, "invitation_link", lambda r: "http://careerlink.test/alumni/invitation/T"
    )
    monkeypatch.setattr(
        notifications, "unsubscribe_link", lambda r: "http://careerlink.test/alumni/unsubscribe/U"
    )
    with transaction():
        record = AlumniRecord(
            source="crm",
            external_id="7",
            first_name="Adaeze",
            preferred_name="Ada",
            last_name="Okafor",
            email="ada@alumni.example.org",
        )
        db.session.add(record)
        db.session.flush()
        notifications.invitation(record, reminder=reminder)
    row = db.session.scalar(db.select(OutboxMessage))
    received = email.message_from_bytes(message_bytes(row), policy=email.policy.default)
    name = "alumni_reminder" if reminder else "alumni_invitation"
    headers = "".join(
        f"{h}: {received[h]}\n"
        for h in ("Subject", "To", "List-Unsubscribe", "List-Unsubscribe-Post")
    )
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    check_snapshot(f"{name}.txt", headers + "\n" + text)
    check_snapshot(f"{name}.html", html)
