"""Delivery transports: SMTP (smtplib, with a timeout), and a catcher that writes .eml files.

Messages are built with the standard library's EmailMessage; the subject and the addresses
are encoded by careerlink.mail.headers, which never cuts a word (see there why).
"""

from __future__ import annotations

import email.policy
import os
import re
import smtplib
from collections.abc import Mapping
from contextlib import contextmanager
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path
from typing import Any

from flask import current_app

from careerlink.mail import headers
from careerlink.mail.models import OutboxMessage

# CRLF line ends; 7-bit bodies (quoted-printable or base64), which every relay accepts.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
LOST = "the connection was lost earlier in this batch"
_METHOD = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)


def _attachment_type(content_type: str, data: bytes) -> tuple[str, str, dict[str, str]]:
    """Main type, subtype and parameters of an attachment.

    Text is declared UTF-8 unless it says otherwise, and a calendar carries its METHOD
    (RFC 6047), read from the file when the stored type lacks it (rows queued before this).
    """
    parsed = HeaderRegistry()("content-type", content_type)
    params = {k.lower(): v for k, v in parsed.params.items()}
    if parsed.maintype == "text":
        params.setdefault("charset", "utf-8")
    if parsed.content_type == "text/calendar" and "method" not in params:
        found = _METHOD.search(data)
        if found:
            params["method"] = found.group(1).decode("ascii").upper()
    return parsed.maintype, parsed.subtype, params


def build_message(row: OutboxMessage) -> EmailMessage:
    """Turn an outbox row into a MIME message with its stable Message-ID."""
    msg = EmailMessage(policy=POLICY)
    # Pre-encoded and folded by careerlink.mail.headers; the policy keeps them as they are.
    msg.set_raw("Subject", headers.unstructured("Subject", row.subject))
    msg.set_raw("From", headers.addresses("From", [current_app.config["MAIL_DEFAULT_SENDER"]]))
    msg.set_raw("To", headers.addresses("To", list(row.recipients)))
    if row.reply_to:
        msg.set_raw("Reply-To", headers.addresses("Reply-To", [row.reply_to]))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = row.message_id
    msg["X-CareerLink-Event"] = f"{row.event}_to_{row.audience}"
    if row.list_unsubscribe:
        msg["List-Unsubscribe"] = f"<{row.list_unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    for att in row.attachments:
        maintype, subtype, params = _attachment_type(att.content_type, att.data)
        msg.add_attachment(
            att.data, maintype=maintype, subtype=subtype, filename=att.filename, params=params
        )
    return msg


def envelope_sender(config: Mapping[str, Any]) -> str:
    """The bare address of MAIL_DEFAULT_SENDER, for SMTP's MAIL FROM."""
    [(_, address)] = getaddresses([config["MAIL_DEFAULT_SENDER"]])
    return address


def open_smtp(config: Mapping[str, Any]) -> smtplib.SMTP:
    """Connect, say EHLO, start TLS and sign in as configured, each step within the timeout.

    The timeout (CAREERLINK_SMTP_TIMEOUT_SECONDS) holds for every later command too, so a
    server that stops answering raises instead of stalling the worker.
    """
    timeout = config["CAREERLINK_SMTP_TIMEOUT_SECONDS"]
    server, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=timeout)
    else:
        conn = smtplib.SMTP(server, port, timeout=timeout)
    try:
        conn.ehlo()
        if config["MAIL_USE_TLS"]:
            conn.starttls()
            conn.ehlo()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            conn.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        conn.close()
        raise
    return conn


def close_smtp(conn: smtplib.SMTP) -> None:
    """Say QUIT; a server gone by then changes nothing (what it accepted is delivered)."""
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


class SmtpTransport:
    """Sends through the configured SMTP server, one connection per batch."""

    name = "smtp"

    @contextmanager
    def connection(self):
        """Open one SMTP connection; yields a callable that sends one row."""
        config = current_app.config
        conn = open_smtp(config)
        sender = envelope_sender(config)

        def deliver(row: OutboxMessage) -> None:
            if conn.sock is None:  # an earlier message timed out or lost the server
                raise smtplib.SMTPServerDisconnected(LOST)
            conn.sendmail(sender, list(row.recipients), build_message(row).as_bytes())

        try:
            yield deliver
        finally:
            close_smtp(conn)


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
