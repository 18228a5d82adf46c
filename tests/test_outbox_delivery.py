"""How the outbox worker delivers a pass: one connection, few commits, MIME written directly."""

from __future__ import annotations

import asyncio
import email
import email.policy
import smtplib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event
from support.smtp import SmtpSink, serving
from support.sql import statements

from careerlink.mail import enqueue, worker
from careerlink.mail.headers import _address_tokens, addresses, fold
from careerlink.mail.models import OutboxAttachment, OutboxMessage
from careerlink.mail.transports import SmtpTransport, message_bytes
from careerlink.models import utcnow


def queue(db, count: int, prefix: str = "p") -> list[OutboxMessage]:
    """Queue `count` verification emails to prefix0@..., prefix1@..., committed."""
    from careerlink.accounts.models import User

    rows = [
        enqueue(
            "verify_email",
            "user",
            f"{prefix}{n}@example.edu",
            {
                "user": User(display_name=f"P {n}"),
                "link": "http://careerlink.test/v",
                "signup": True,
            },
        )
        for n in range(count)
    ]
    db.session.commit()
    return rows


@pytest.fixture
def opened(monkeypatch):
    """The SMTP connections opened (one entry per smtplib.SMTP created)."""
    calls = []
    real_init = smtplib.SMTP.__init__

    def counting_init(self, *args, **kwargs):
        calls.append(args)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "__init__", counting_init)
    return calls


def statuses(db, rows) -> list[str]:
    """The rows' statuses as committed (read afresh)."""
    db.session.rollback()
    for row in rows:
        db.session.refresh(row)
    return [row.status for row in rows]


def test_a_pass_uses_one_connection_for_all_its_batches(app, db, smtp_server, opened):
    rows = queue(db, 5)
    worker.run(batch=2)
    assert len(opened) == 1
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        f"p{n}@example.edu" for n in range(5)
    ]
    assert statuses(db, rows) == ["sent"] * 5


def test_a_pass_with_nothing_due_opens_no_connection(app, db, smtp_server, opened):
    worker.run(batch=2)
    assert opened == []


class DroppingSink(SmtpSink):
    """Closes the connection after every `every`-th message (like a per-connection limit)."""

    def __init__(self, every: int):
        super().__init__()
        self.every = every

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Keep the message; hang up after the reply when the limit is reached."""
        status = await super().handle_DATA(server, session, envelope)
        if len(self.envelopes) % self.every == 0:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return status


def test_the_worker_reconnects_when_the_server_drops_the_connection_between_messages(
    app, db, opened
):
    rows = queue(db, 5)
    with serving(app, DroppingSink(every=2)) as sink:
        worker.run(batch=10)
    # Dropped after messages 2 and 4: three connections, each message delivered exactly once.
    assert len(opened) == 3
    assert sorted(e.rcpt_tos[0] for e in sink.envelopes) == [f"p{n}@example.edu" for n in range(5)]
    assert statuses(db, rows) == ["sent"] * 5


class RefusingSink(SmtpSink):
    """Refuses one recipient address."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """Refuse r1@example.edu, accept the others."""
        if address == "r1@example.edu":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_message_is_retried_and_the_connection_goes_on(app, db, opened):
    rows = queue(db, 3, prefix="r")
    with serving(app, RefusingSink()) as sink:
        result = worker.send_due(batch=10)
    assert (result.sent, result.retried, result.failed) == (2, 1, 0)
    assert len(opened) == 1
    assert [e.rcpt_tos for e in sink.envelopes] == [["r0@example.edu"], ["r2@example.edu"]]
    assert statuses(db, rows) == ["sent", "queued", "sent"]
    assert rows[1].last_error.startswith("SMTPRecipientsRefused: ")


def test_a_pass_commits_once_per_claim_once_per_batch_delivered_and_once_at_the_end(
    app, db, smtp_server
):
    """Not once per message: a pass of 6 messages in batches of 2 commits 8 times."""
    queue(db, 6)
    commits = []

    def record(conn):
        commits.append(conn)

    event.listen(db.engine, "commit", record)
    try:
        worker.run(batch=2)
    finally:
        event.remove(db.engine, "commit", record)
    # Claims of 2, 2, 2 and 0 messages, the outcomes of each batch of 2 as it lands (so a worker
    # killed outright sends only the batch in flight again), then the pass's record.
    assert len(commits) == 8
    assert len(smtp_server.envelopes) == 6


def test_the_statements_of_a_batch_do_not_grow_with_its_messages(app, db, smtp_server):
    """Rows are not read again one by one after a commit, nor their attachments."""

    def selects_for(count: int) -> int:
        queue(db, count, prefix=f"s{count}-")
        with statements(db.engine) as sent:
            assert worker.send_due(batch=50).sent == count
        return sum(s.lstrip().upper().startswith("SELECT") for s in sent)

    selects_for(1)  # a first pass reads what is cached afterwards (the programme settings)
    assert selects_for(2) == selects_for(8)


def test_a_worker_stopped_midway_keeps_the_outcomes_of_earlier_batches(app, db, monkeypatch):
    """Stopped on the third message of a pass in batches of two: two sent, two to send again."""
    from contextlib import contextmanager

    rows = queue(db, 4)

    class DiesOnThird:
        @contextmanager
        def connection(self):
            def deliver(message):
                if message.id == rows[2].id:
                    raise KeyboardInterrupt

            yield deliver

    monkeypatch.setattr(worker, "get_transport", DiesOnThird)
    with pytest.raises(KeyboardInterrupt):
        worker.run(batch=2)
    assert statuses(db, rows) == ["sent", "sent", "sending", "sending"]
    # After their lease, the two left are delivered by the next pass.
    monkeypatch.undo()
    delivered = []

    class Records:
        @contextmanager
        def connection(self):
            yield lambda message: delivered.append(message.id)

    later = utcnow() + timedelta(seconds=app.config["CAREERLINK_MAIL_LEASE_SECONDS"] + 1)
    assert worker.send_due(transport=Records(), now=later).sent == 2
    assert delivered == [rows[2].id, rows[3].id]


def test_the_next_batch_is_claimed_while_one_is_being_delivered(app, db, monkeypatch):
    """The sender thread delivers a batch while the worker claims and prepares the next."""
    from contextlib import contextmanager

    rows = queue(db, 4)
    claims = []
    second_claim = threading.Event()
    real_claim = worker.claim_batch

    def claim(batch, now=None):
        claims.append(batch)
        if len(claims) == 2:
            second_claim.set()
        return real_claim(batch, now)

    waited = []

    class WaitsForTheNextClaim:
        @contextmanager
        def connection(self):
            def deliver(message):
                if message.id == rows[0].id:  # without overlap this would wait in vain
                    waited.append(second_claim.wait(timeout=10))

            yield deliver

    monkeypatch.setattr(worker, "claim_batch", claim)
    monkeypatch.setattr(worker, "get_transport", WaitsForTheNextClaim)
    worker.run(batch=2)
    assert waited == [True]
    assert statuses(db, rows) == ["sent", "sent", "sent", "sent"]


def test_a_failed_claim_keeps_the_outcomes_of_the_batch_in_flight(app, db, monkeypatch):
    """Stopped while claiming the next batch: the batch already handed over is recorded."""
    from contextlib import contextmanager

    rows = queue(db, 4)
    real_claim = worker.claim_batch
    claims = []

    def claim(batch, now=None):
        claims.append(batch)
        if len(claims) == 2:
            raise KeyboardInterrupt  # stopped while the first batch is in flight
        return real_claim(batch, now)

    class Records:
        @contextmanager
        def connection(self):
            yield lambda message: None

    monkeypatch.setattr(worker, "claim_batch", claim)
    monkeypatch.setattr(worker, "get_transport", Records)
    with pytest.raises(KeyboardInterrupt):
        worker.run(batch=2)
    assert statuses(db, rows) == ["sent", "sent", "queued", "queued"]


TRICKY_TEXTS = [
    "Plain ASCII, one line",
    "José, Zoë and Ångström: café = ☕\n",
    "A line of exactly seventy-six characters is followed by one that is longer: " + "x" * 200,
    ".\n.. a dot alone on a line, and one starting a line\nFrom the start of a line\n",
    "trailing spaces   \nand a tab\t\nand =3D looking like an escape\n",
    "windows\r\nline ends\r\nand a lone\rcarriage return",
]


def as_decoded(text: str) -> str:
    """The text with LF line ends, ending with one (as a client decodes a text part)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_message_bytes_decode_to_the_exact_text_in_short_7bit_lines(app, db, text):
    """What a mail client decodes is the body as written (line ends normalised)."""
    [row] = queue(db, 1)
    row.body_text = text
    row.body_html = f"<p>{text}</p>"
    row.attachments = [
        OutboxAttachment(
            filename="day.ics", content_type="text/calendar; method=REQUEST", data=b"x"
        )
    ]
    raw = message_bytes(row.deliverable())
    assert all(len(line) <= 78 and line.isascii() for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    # SMTP's line ends are CRLF, which the parser keeps: a client shows lines either way.
    plain = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    assert (plain, html) == (as_decoded(text), as_decoded(f"<p>{text}</p>"))
    assert msg["Message-ID"] == row.message_id
    assert msg.get_content_type() == "multipart/mixed"
    [attachment] = list(msg.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("day.ics", "x")


@pytest.mark.parametrize(
    "values",
    [
        ["a@example.edu"],
        ["first.last+tag@students.example.edu", "b@example.org"],
        [f"student{n}@students.example.edu" for n in range(9)],
    ],
)
def test_bare_addresses_are_written_as_the_parser_would_write_them(values):
    """The shortcut for addresses without a name gives the same header as the full path."""
    parsed = email.utils.getaddresses(values)
    tokens = []
    for i, (name, address) in enumerate(parsed):
        part = _address_tokens(name, address)
        if i < len(parsed) - 1:
            part[-1] += ","
        tokens.extend(part)
    assert addresses("To", values) == fold("To", tokens)


def test_the_smtp_transport_opens_nothing_until_a_message_is_sent(db, smtp_server, opened):
    with SmtpTransport().connection():
        pass
    assert opened == []


def test_a_calendar_without_its_method_in_the_type_and_a_filename_beyond_ascii(app, db):
    """The METHOD is read from the file itself; a non-ASCII name is RFC 2231-encoded."""
    [row] = queue(db, 1)
    row.attachments = [
        OutboxAttachment(
            filename="journée.ics",
            content_type="text/calendar",
            data=b"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
        )
    ]
    raw = message_bytes(row.deliverable())
    assert b"filename*=utf-8''journ%C3%A9e.ics" in raw
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "journée.ics"
    assert attachment["Content-Type"].params["method"] == "CANCEL"
