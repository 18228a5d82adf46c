"""The outbox against a real SMTP server (aiosmtpd): delivery, outage, retries, crashes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careerlink.mail import enqueue
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.mail.services import Attachment
from careerlink.mail.worker import send_due
from careerlink.models import utcnow


def queue_one(db, to="vera@example.edu", **kwargs):
    from careerlink.accounts.models import User

    user = User(email=to, display_name="Vera Vet")
    row = enqueue(
        "verify_email",
        "user",
        to,
        {"user": user, "link": "http://careerlink.test/verify/abc", "signup": True},
        **kwargs,
    )
    db.session.commit()
    return row


def test_enqueue_renders_both_parts_and_does_not_send(db, smtp_server):
    row = queue_one(db)
    assert row.status == "queued"
    assert row.subject == "Verify your email address for CareerLink"
    assert "Hello Vera Vet" in row.body_text
    assert '<a href="http://careerlink.test/verify/abc"' in row.body_html
    assert smtp_server.envelopes == []  # nothing talks to SMTP until the worker runs


def test_worker_delivers_headers_both_parts_reply_to_and_attachment(db, smtp_server):
    row = queue_one(
        db,
        reply_to="alma@alumni.example.org",
        attachments=[
            Attachment(
                "invite.ics",
                "text/calendar; method=REQUEST",
                b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            )
        ],
    )
    result = send_due()
    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    [msg] = smtp_server.messages
    assert msg["To"] == "vera@example.edu"
    assert "careers@example.edu" in msg["From"]
    assert msg["Reply-To"] == "alma@alumni.example.org"
    assert msg["Subject"] == "Verify your email address for CareerLink"
    assert msg["Message-ID"] == row.message_id
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert "Hello Vera Vet" in plain.get_content()
    assert "<a href=" in html.get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "invite.ics"
    assert att.get_content_type() == "text/calendar"
    db.session.refresh(row)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1


def test_smtp_outage_loses_nothing_and_delivers_when_back(app, db, smtp_server):
    rows = [queue_one(db, to=f"s{i}@example.edu") for i in range(3)]
    smtp_server.stop()
    before = utcnow()
    result = send_due()
    assert (result.claimed, result.sent, result.retried, result.failed) == (3, 0, 3, 0)
    backoff = timedelta(seconds=app.config["CAREERLINK_MAIL_BACKOFF_SECONDS"])
    for row in rows:
        db.session.refresh(row)
        assert row.status == "queued"
        assert row.attempts == 1
        assert row.last_error.startswith("ConnectionRefusedError: "), row.last_error
        assert before + backoff <= row.next_attempt_at <= utcnow() + backoff
    # Not due yet: a second run does nothing.
    assert send_due().claimed == 0
    smtp_server.start()
    later = utcnow() + timedelta(minutes=5)
    result = send_due(now=later)
    assert (result.claimed, result.sent, result.retried, result.failed) == (3, 3, 0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == [f"s{i}@example.edu" for i in range(3)]


def test_backoff_grows_and_gives_up_after_max_attempts(app, db, smtp_server):
    row = queue_one(db)
    smtp_server.stop()
    app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 3
    try:
        now = utcnow()
        waits = []
        for _ in range(3):
            send_due(now=now)
            db.session.refresh(row)
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at + timedelta(seconds=1)
    finally:
        app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 8
    assert row.status == "failed" and row.attempts == 3
    backoff = app.config["CAREERLINK_MAIL_BACKOFF_SECONDS"]
    lease = app.config["CAREERLINK_MAIL_LEASE_SECONDS"]
    # Backoff doubles after each failure; the last attempt gives up, leaving the claim's lease.
    assert waits == [
        timedelta(seconds=backoff),
        timedelta(seconds=2 * backoff),
        timedelta(seconds=lease),
    ]
    assert row.last_error.startswith("ConnectionRefusedError: ")


def test_one_connection_per_batch(db, smtp_server, monkeypatch):
    import smtplib

    opened = []
    real_init = smtplib.SMTP.__init__

    def counting_init(self, *args, **kwargs):
        opened.append(args)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "__init__", counting_init)
    for i in range(5):
        queue_one(db, to=f"b{i}@example.edu")
    assert send_due(batch=10).sent == 5
    assert len(opened) == 1
    assert len(smtp_server.envelopes) == 5


def test_a_worker_killed_between_sending_and_marking_sends_at_most_one_duplicate(
    app, db, smtp_server
):
    from careerlink.mail.transports import SmtpTransport

    row = queue_one(db)

    class DiesAfterSending(SmtpTransport):
        def connection(self):
            outer = super().connection()

            class Ctx:
                def __enter__(_self):
                    deliver = outer.__enter__()

                    def deliver_then_die(r):
                        deliver(r)
                        raise KeyboardInterrupt  # the process is killed before it records "sent"

                    return deliver_then_die

                def __exit__(_self, *exc):
                    return outer.__exit__(*exc)

            return Ctx()

    with pytest.raises(KeyboardInterrupt):
        send_due(transport=DiesAfterSending())
    db.session.rollback()
    db.session.refresh(row)
    assert row.status == "sending"
    assert len(smtp_server.envelopes) == 1
    # Another worker before the lease ends leaves it alone...
    assert send_due().claimed == 0
    # ...and after the lease, delivers it once more and records it.
    lease = app.config["CAREERLINK_MAIL_LEASE_SECONDS"]
    assert send_due(now=utcnow() + timedelta(seconds=lease + 1)).sent == 1
    assert send_due(now=utcnow() + timedelta(days=1)).claimed == 0
    assert len(smtp_server.envelopes) == 2  # exactly one duplicate, same Message-ID
    ids = {m["Message-ID"] for m in smtp_server.messages}
    assert ids == {row.message_id}


def test_rolled_back_change_sends_nothing(db, smtp_server):
    from careerlink.accounts.models import User

    enqueue(
        "verify_email",
        "user",
        "x@example.edu",
        {"user": User(email="x@example.edu", display_name="X"), "link": "l", "signup": True},
    )
    db.session.rollback()
    assert send_due().claimed == 0
    assert db.session.query(OutboxMessage).count() == 0


def test_catcher_writes_eml_files(app, db, tmp_path):
    from careerlink.mail.transports import CatcherTransport

    queue_one(db)
    result = send_due(transport=CatcherTransport(tmp_path))
    assert result.sent == 1
    [eml] = list(tmp_path.glob("*.eml"))
    assert b"Subject: Verify your email address for CareerLink" in eml.read_bytes()


def test_mail_send_cli(app, db, smtp_server):
    queue_one(db)
    result = app.test_cli_runner().invoke(args=["careerlink", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output == "sent 1, will retry 0, failed 0\n"
    assert len(smtp_server.envelopes) == 1
    # Nothing due: the command says nothing.
    again = app.test_cli_runner().invoke(args=["careerlink", "mail", "send"])
    assert (again.exit_code, again.output) == (0, "")


def flashes(client) -> list[tuple[str, str]]:
    """The flashed (category, message) pairs waiting in the client's session."""
    with client.session_transaction() as sess:
        return list(sess.get("_flashes", []))


def test_staff_outbox_lists_shows_and_retries(client, db, staff, sign_in, smtp_server):
    row = queue_one(db)
    row.status = OutboxStatus.FAILED.value
    row.attempts = 8
    row.last_error = "SMTPRecipientsRefused: nope"
    db.session.commit()
    sign_in(staff)
    page = client.get("/staff/outbox?status=failed").data.decode()
    assert "SMTPRecipientsRefused" in page and "Verify your email" in page
    assert "1 message with status failed" in page
    assert "Failed emails" in client.get("/staff/").data.decode()
    detail = client.get(f"/staff/outbox/{row.id}").data.decode()
    assert "Hello Vera Vet" in detail and "Retry now" in detail
    resp = client.post(f"/staff/outbox/{row.id}/retry")
    assert resp.headers["Location"] == f"/staff/outbox/{row.id}"
    assert flashes(client) == [("success", f"Message #{row.id} is queued again.")]
    db.session.refresh(row)
    assert row.status == "queued" and row.attempts == 0
    assert send_due().sent == 1
    bogus = client.get("/staff/outbox?status=bogus")
    assert bogus.status_code == 200
    assert "Unknown status “bogus”; showing all messages." in bogus.data.decode()


def test_staff_retry_of_a_sent_message_changes_nothing(client, db, staff, sign_in, smtp_server):
    row = queue_one(db)
    assert send_due().sent == 1
    sign_in(staff)
    client.post(f"/staff/outbox/{row.id}/retry")
    assert flashes(client) == [("info", "This message was already sent.")]
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 1)
    assert send_due().claimed == 0
    assert client.post("/staff/outbox/999999/retry").status_code == 404
    assert client.get("/staff/outbox/999999").status_code == 404


def test_one_failing_message_does_not_stop_the_batch_and_each_outcome_is_committed(app, db):
    """A per-message error is recorded for that message; the others are sent and kept."""
    from contextlib import contextmanager

    rows = [queue_one(db, to=f"m{i}@example.edu") for i in range(3)]
    delivered = []

    class Picky:
        @contextmanager
        def connection(self):
            def deliver(row):
                if row.recipients == ["m1@example.edu"]:
                    raise ValueError("mailbox unavailable")
                delivered.append(row.recipients[0])

            yield deliver

    result = send_due(transport=Picky())
    assert (result.claimed, result.sent, result.retried, result.failed) == (3, 2, 1, 0)
    assert result.errors == [f"#{rows[1].id}: ValueError: mailbox unavailable"]
    assert delivered == ["m0@example.edu", "m2@example.edu"]
    db.session.rollback()  # nothing pending: every outcome was committed by the worker
    for row in rows:
        db.session.refresh(row)
    assert [r.status for r in rows] == ["sent", "queued", "sent"]
    assert rows[1].last_error == "ValueError: mailbox unavailable"


def test_a_crash_mid_batch_keeps_the_outcomes_already_recorded(app, db):
    """The worker commits per message: what it recorded before dying stays recorded."""
    from contextlib import contextmanager

    rows = [queue_one(db, to=f"k{i}@example.edu") for i in range(2)]

    class DiesOnSecond:
        @contextmanager
        def connection(self):
            def deliver(row):
                if row.id == rows[1].id:
                    raise KeyboardInterrupt

            yield deliver

    with pytest.raises(KeyboardInterrupt):
        send_due(transport=DiesOnSecond())
    db.session.rollback()
    for row in rows:
        db.session.refresh(row)
    assert [r.status for r in rows] == ["sent", "sending"]


def test_mail_services_do_not_commit(db):
    """enqueue and retry add to the caller's transaction; a rollback discards both."""
    from careerlink.accounts.models import User
    from careerlink.mail.services import retry

    row = queue_one(db)
    row.status = OutboxStatus.FAILED.value
    db.session.commit()
    retry(row)
    enqueue("password_changed", "user", "r@example.edu", {"user": User(display_name="R")})
    db.session.rollback()
    db.session.refresh(row)
    assert row.status == "failed"
    assert db.session.query(OutboxMessage).count() == 1


@pytest.mark.postgres_only
def test_two_workers_never_send_one_row(app, db, database, smtp_server):
    """Row locks with SKIP LOCKED: concurrent claims never overlap."""
    import threading

    if database.dialect != "postgresql":
        pytest.skip("SKIP LOCKED is a PostgreSQL feature; with SQLite run one worker")
    from careerlink.extensions import db as ext_db
    from careerlink.mail.worker import claim_batch

    for i in range(40):
        queue_one(db, to=f"w{i}@example.edu")
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(n):
        with app.app_context():
            barrier.wait()
            while True:
                rows = claim_batch(5)
                if not rows:
                    break
                claimed[n].extend(r.id for r in rows)
            ext_db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed[0]) + len(claimed[1]) == 40
    assert not set(claimed[0]) & set(claimed[1])


def test_one_log_line_per_message_sent_retried_or_failed_without_its_links(
    app, db, smtp_server, caplog
):
    """Finding 12 (emails): outbox id, event, outcome, status and attempts; no private link."""
    import logging

    from careerlink.accounts.models import User
    from careerlink.mail import Secret

    link = "http://careerlink.test/password/reset/SECRET-TOKEN"
    ok = enqueue(
        "reset_password",
        "user",
        "ok@example.edu",
        {"user": User(display_name="Ok"), "link": Secret(link)},
    )
    db.session.commit()

    def mail_records():
        return [r for r in caplog.records if r.name == "careerlink.mail"]

    with caplog.at_level(logging.INFO, logger="careerlink.mail"):
        assert send_due().sent == 1
        [sent] = mail_records()
        caplog.clear()
        bad = queue_one(db, to="down@example.edu")
        smtp_server.stop()
        send_due()
        [retry] = mail_records()
        caplog.clear()
        app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 2
        try:
            send_due(now=utcnow() + timedelta(hours=1))
        finally:
            app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 8
        [failed] = mail_records()
    fields = ("outbox_id", "mail_event", "outcome", "status", "attempts")
    assert [getattr(sent, f) for f in fields] == [
        ok.id,
        "reset_password_to_user",
        "sent",
        "sent",
        1,
    ]
    assert sent.getMessage() == (
        f"mail sent outbox_id={ok.id} mail_event=reset_password_to_user outcome=sent "
        "status=sent attempts=1"
    )
    assert [getattr(retry, f) for f in fields] == [
        bad.id,
        "verify_email_to_user",
        "retry",
        "queued",
        1,
    ]
    assert retry.error_type == "ConnectionRefusedError"
    assert [getattr(failed, f) for f in fields] == [
        bad.id,
        "verify_email_to_user",
        "failed",
        "failed",
        2,
    ]
    for record in (sent, retry, failed):
        assert "SECRET-TOKEN" not in record.getMessage()
        assert "SECRET-TOKEN" not in repr(vars(record))


def test_a_deferred_message_is_written_by_its_renderer_or_retried_when_it_fails(
    app, db, smtp_server, monkeypatch
):
    """The worker asks the kind's renderer; a renderer that raises leaves the row to retry."""
    from careerlink.accounts.models import User
    from careerlink.mail import enqueue_deferred, register_deferred
    from careerlink.mail import services as mail_services

    monkeypatch.setattr(mail_services, "_renderers", dict(mail_services._renderers))
    calls = []

    def renderer(row, payload):
        calls.append(payload)
        if len(calls) == 1:
            row.subject = "half-written"
            raise RuntimeError("the directory is down")
        enqueue(
            "password_changed",
            "user",
            payload["email"],
            {"user": User(display_name="D")},
            into=row,
        )
        return True

    register_deferred("test_kind", renderer)
    row = enqueue_deferred("test_kind", email="d@example.edu")
    db.session.commit()
    first = send_due()
    assert (first.sent, first.retried) == (0, 1)
    db.session.refresh(row)
    assert (row.status, row.subject, row.deferred) == (
        "queued",
        "",
        {"kind": "test_kind", "email": "d@example.edu"},
    )
    assert row.last_error == "RuntimeError: the directory is down"
    second = send_due(now=utcnow() + timedelta(hours=1))
    assert second.sent == 1
    assert calls == [{"email": "d@example.edu"}, {"email": "d@example.edu"}]
    [msg] = smtp_server.messages
    assert msg["To"] == "d@example.edu" and msg["Message-ID"] == row.message_id
    with pytest.raises(ValueError, match="no renderer"):
        enqueue_deferred("no_such_kind", email="x@example.edu")
