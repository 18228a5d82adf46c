"""Delivery transports: SMTP through Flask-Mail, and a catcher that writes .eml files."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask_mail import Message

from careerlink.extensions import mail
from careerlink.mail.models import OutboxMessage


def build_message(row: OutboxMessage) -> Message:
    """Turn an outbox row into a MIME message with its stable Message-ID."""
    msg = Message(
        subject=row.subject,
        recipients=list(row.recipients),
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        reply_to=row.reply_to,
        extra_headers={"X-CareerLink-Event": f"{row.event}_to_{row.audience}"},
    )
    msg.msgId = row.message_id
    for att in row.attachments:
        msg.attach(att.filename, att.content_type, att.data)
    return msg


class SmtpTransport:
    """Sends through the configured SMTP server, one connection per batch."""

    name = "smtp"

    @contextmanager
    def connection(self):
        """Open one SMTP connection; yields a callable that sends one row."""
        with mail.connect() as conn:
            yield lambda row: conn.send(build_message(row))


class CatcherTransport:
    """Writes each message as an .eml file under the instance folder (the embedded default)."""

    name = "catcher"

    def __init__(self, directory: Path | None = None):
        self.directory = directory

    def folder(self) -> Path:
        """Where caught messages are written."""
        configured = current_app.config["CAREERLINK_MAIL_DIR"]
        folder = self.directory or Path(configured or Path(current_app.instance_path) / "mail")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @contextmanager
    def connection(self):
        """Yield a callable that writes one row to a file."""
        folder = self.folder()

        def deliver(row: OutboxMessage) -> None:
            data = build_message(row).as_bytes()
            final = folder / f"{row.created_at:%Y%m%dT%H%M%S}-{row.id:06d}.eml"
            tmp = final.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, final)  # readers never see a half-written file

        yield deliver


def get_transport():
    """The transport named by CAREERLINK_MAIL_TRANSPORT."""
    name = current_app.config["CAREERLINK_MAIL_TRANSPORT"]
    return SmtpTransport() if name == "smtp" else CatcherTransport()
