"""Emails speak their recipients' language and show times in their zone.

French snapshots of five emails (a request relayed to the alumnus, the introduction and the
shadowing day to both, a password reset prepared by the mail worker, the openings digest), read
as a mail client reads them: the transport builds the message as sent (private links put back)
and the standard library's parser decodes its Subject header and its text and HTML parts.
Then a deadline and an interview time in the recipient's own zone, with the zone's name.

Compare by default; regenerate with UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import timedelta
from pathlib import Path

from babel.dates import format_date
from test_email_snapshots_requests import render_all
from test_openings_digest import approve, digests, post, run_digest, subscribe

from careerlink.accounts import notifications as account_notifications
from careerlink.accounts.services import set_preferences
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mail.models import OutboxMessage
from careerlink.mail.services import prepare_deferred
from careerlink.mail.transports import message_bytes
from careerlink.mentors.models import Industry, today
from careerlink.openings import notifications as openings_notifications
from careerlink.permissions import Role

SNAPSHOTS = Path(__file__).parent / "snapshots" / "french"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "") == "1"


def check_snapshot(name: str, content: str) -> None:
    """Compare with (or, with UPDATE_SNAPSHOTS=1, rewrite) tests/snapshots/french/<name>."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    assert content == path.read_bytes().decode("utf-8"), f"{name} differs from its snapshot"


def as_read(row: OutboxMessage) -> tuple[str, str]:
    """(headers and text part, HTML part) of the message as sent, decoded by a mail client."""
    msg = email.message_from_bytes(message_bytes(row.deliverable()), policy=email.policy.default)
    head = f"Subject: {msg['Subject']}\nTo: {msg['To']}\n"
    if msg["Reply-To"]:
        head += f"Reply-To: {msg['Reply-To']}\n"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return head + "\n" + text, html


def snapshot(row: OutboxMessage, name: str) -> None:
    text, html = as_read(row)
    check_snapshot(f"{name}.txt", text)
    check_snapshot(f"{name}.html", html)


def speaks_french(*users) -> None:
    with transaction():
        for user in users:
            set_preferences(user, language="fr", time_zone="Europe/Paris")


def test_request_emails_in_french(db, student, alumna, staff, make_mentor, monkeypatch):
    speaks_french(student, alumna)
    rendered = render_all(db, student, alumna, staff, make_mentor, monkeypatch)
    snapshot(rendered[("request_relayed", "alumnus")], "request_relayed_to_alumnus")
    snapshot(rendered[("introduction", "both")], "introduction_to_both")
    snapshot(rendered[("shadowing_scheduled", "both")], "shadowing_scheduled_to_both")
    # Every other email to them speaks French too; the staff (no choice made) get English.
    greetings = {key: row.body_text.split(" ", 1)[0] for key, row in rendered.items()}
    staff_email = ("alumnus_paused", "staff")
    assert {key: word for key, word in greetings.items() if key != staff_email} == {
        key: "Bonjour" for key in rendered if key != staff_email
    }
    assert rendered[staff_email].body_text.startswith("Alma Alumna <alma@alumni.example.org> let 3")


def test_a_reset_prepared_by_the_worker_speaks_its_owners_language(app, db, make_user, monkeypatch):
    user = make_user(Role.STUDENT, email="jose@students.example.edu", name="José Cohen")
    speaks_french(user)
    monkeypatch.setattr(
        account_notifications, "reset_link", lambda u: "http://careerlink.test/reset/TOKEN"
    )
    with transaction():
        account_notifications.reset_requested(user.email)
    # The worker's side: the row is written for an address, its content decided when sent.
    with transaction():
        row = _db.session.scalar(_db.select(OutboxMessage))
        assert prepare_deferred(row) is True
    assert row.subject == "Réinitialisez votre mot de passe CareerLink"
    snapshot(row, "reset_password_to_user")


def test_the_openings_digest_in_french(app, db, student, make_mentor, staff, outbox, monkeypatch):
    monkeypatch.setattr(
        openings_notifications, "unsubscribe_link", lambda s: "http://careerlink.test/unsub/U"
    )
    poster = make_mentor(industry="veterinary").user
    with transaction():
        industry = _db.session.scalar(_db.select(Industry).where(Industry.slug == "veterinary"))
        industry.translations = {"fr": "Soins vétérinaires"}
    speaks_french(student)
    subscribe(student, "veterinary")
    approve(staff, post(poster, "Auxiliaire vétérinaire", remote=True), hours_ago=5)
    approve(staff, post(poster, "Responsable de clinique", organisation="Clinique du Parc"))
    assert run_digest(app) == "1 digests queued, 2 openings listed, 1 subscribers"
    [row] = digests(outbox)
    text, html = as_read(row)
    # The closing day changes with the day the test runs, the ids with the database.
    closes = format_date(today() + timedelta(days=30), "long", locale="fr")
    ids = sorted(int(i) for i in re.findall(r"/openings/(\d+)\b", text))

    def fixed(body: str) -> str:
        body = body.replace(closes, "31 mars 2030")
        return re.sub(
            r"/openings/(\d+)\b", lambda m: f"/openings/OPENING-{ids.index(int(m[1])) + 1}", body
        )

    check_snapshot("openings_digest_to_student.txt", fixed(text))
    check_snapshot("openings_digest_to_student.html", fixed(html))


def test_a_deadline_and_an_interview_time_in_the_recipients_own_zone(
    db, student, alumna, staff, make_mentor, monkeypatch
):
    with transaction():
        set_preferences(alumna, language=None, time_zone="America/Toronto")
    rendered = render_all(db, student, alumna, staff, make_mentor, monkeypatch)
    # The answer is due at 09:00 UTC on 8 February 2030: 04:00 in Toronto (EST, UTC-5).
    relayed = rendered[("request_relayed", "alumnus")].body_text
    assert "Please answer by 8 Feb 2030, 04:00 America/Toronto." in relayed
    # The student chose no zone: the office's (UTC in the tests).
    told = rendered[("request_relayed", "student")].body_text
    assert "who has until 8 Feb 2030, 09:00 UTC to answer." in told
    # An interview at 14:00 UTC on 5 March 2030, which the student asks to move.
    asked = rendered[("interview_other_time_asked", "alumnus")].body_text
    assert "- Now: Tuesday, 5 March 2030, 09:00–09:30 America/Toronto\n" in asked
