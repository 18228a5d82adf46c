"""Delivery transports: SMTP (smtplib, with a timeout), and a catcher that writes .eml files.

Messages are written as MIME bytes by message_bytes(); the subject and the addresses are
encoded by careerlink.mail.headers, which never cuts a word (see there why).
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import secrets
import smtplib
from collections.abc import Mapping
from contextlib import contextmanager
from email.headerregistry import HeaderRegistry
from email.utils import encode_rfc2231, formatdate, getaddresses
from pathlib import Path
from typing import Any

from flask import current_app

from careerlink.mail import headers
from careerlink.mail.models import Deliverable, OutboxMessage
from careerlink.programme import sender

CRLF = b"\r\n"
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


def _param(name: str, value: str) -> str:
    """One MIME parameter, quoted, or RFC 2231-encoded when it is not plain ASCII."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'{name}="{value}"'
    return f"{name}*={encode_rfc2231(value, 'utf-8')}"


def _text_part(subtype: str, text: str) -> bytes:
    """A text part in UTF-8, quoted-printable (7-bit, readable, lines of 76 at most)."""
    # Line ends are normalised to LF for the encoder, then written as CRLF; the part ends
    # with a line end, as the standard library's set_content writes it.
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", CRLF)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + encoded


def _attachment_part(att) -> bytes:
    """An attachment, base64-encoded, typed as _attachment_type says."""
    maintype, subtype, params = _attachment_type(att.content_type, att.data)
    # The charset comes first, as mail clients list it.
    ordered = sorted(params.items(), key=lambda item: item[0] != "charset")
    content_type = ";\r\n ".join([f"{maintype}/{subtype}", *(_param(k, v) for k, v in ordered)])
    head = (
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment;\r\n {_param('filename', att.filename)}\r\n\r\n"
    )
    return head.encode("ascii") + base64.encodebytes(att.data).replace(b"\n", CRLF)


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """A multipart/<subtype> of the given parts, behind a boundary no encoded body can hold."""
    # Quoted-printable writes "=" as "=3D" and base64 never writes "=_": "=_" cannot occur.
    boundary = f"=_careerlink_{secrets.token_hex(12)}"
    out = [f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii")]
    for part in parts:
        out.append(f"--{boundary}\r\n".encode("ascii"))
        out.append(part)
        out.append(CRLF)
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)


@functools.lru_cache(maxsize=16)
def _from_header(sender: str) -> str:
    """The From header of every message (parsed and encoded once, not per message)."""
    return headers.addresses("From", [sender])


def message_bytes(row: OutboxMessage) -> bytes:
    """The MIME message for an outbox row, as sent: stable Message-ID, CRLF, 7-bit.

    Written directly rather than through EmailMessage, whose header objects cost ten times
    the SMTP round trip of a message (bench/outbox.py); the subject and addresses come
    pre-encoded and folded from careerlink.mail.headers, the bodies as quoted-printable UTF-8
    and attachments as base64, so every line is 7-bit and at most 78 characters.
    """
    head = [
        ("Subject", headers.unstructured("Subject", row.subject)),
        ("From", _from_header(sender())),
        ("To", headers.addresses("To", list(row.recipients))),
    ]
    if row.reply_to:
        head.append(("Reply-To", headers.addresses("Reply-To", [row.reply_to])))
    head += [
        ("Date", formatdate(localtime=True)),
        ("Message-ID", row.message_id),
        ("X-CareerLink-Event", f"{row.event}_to_{row.audience}"),
    ]
    if row.list_unsubscribe:  # RFC 8058: one click, a POST with no form, honoured for good
        head.append(("List-Unsubscribe", f"<{row.list_unsubscribe}>"))
        head.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    head.append(("MIME-Version", "1.0"))
    body = _text_part("plain", row.body_text)
    if row.body_html:
        body = _multipart("alternative", [body, _text_part("html", row.body_html)])
    if row.attachments:
        body = _multipart("mixed", [body, *(_attachment_part(a) for a in row.attachments)])
    lines = "".join(f"{name}: {value}\r\n" for name, value in head).replace("\n ", "\r\n ")
    return lines.encode("ascii") + body


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


class SmtpSession:
    """One SMTP connection for a worker's pass, opened at the first message and reused.

    A connection the server dropped between two messages (an idle timeout, a limit of
    messages per connection) is opened again once, before anything of the next message was
    sent, so that retrying it cannot deliver it twice. A message that fails midway leaves the
    connection lost: the rest of the pass fails fast (and is retried later) instead of waiting
    on a dead server again.
    """

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.sender = envelope_sender(config)
        self.conn: smtplib.SMTP | None = None
        self.reused = False  # whether this connection delivered a message already
        # Raised for every later message of the pass: the error that opening the connection
        # met, or LOST when a message broke it.
        self.lost: BaseException | None = None
        self.opened = 0

    def _open(self) -> smtplib.SMTP:
        try:
            self.conn = open_smtp(self.config)
        except BaseException as exc:
            self.lost = exc
            raise
        self.opened += 1
        self.reused = False
        return self.conn

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _mail_from(self) -> smtplib.SMTP:
        """Send MAIL FROM, on a fresh connection when the server dropped a reused one."""
        conn = self.conn or self._open()
        try:
            code, reply = conn.mail(self.sender)
        except (smtplib.SMTPServerDisconnected, OSError):
            if not self.reused:
                raise
            code, reply = 421, b"connection dropped"
        if code == 421 and self.reused:  # closed by the server: nothing of this message sent
            self._drop()
            conn = self._open()
            code, reply = conn.mail(self.sender)
        if code != 250:
            if code == 421:
                self._drop()
            else:
                conn.rset()
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        return conn

    def deliver(self, row: Deliverable) -> None:
        """Send one message; raise when the server refuses it or is lost."""
        if self.lost is not None:  # the server refused us, or an earlier message lost it
            raise self.lost
        data = row.as_bytes()
        try:
            conn = self._mail_from()
            refused = {}
            for address in row.recipients:
                code, reply = conn.rcpt(address)
                if code not in (250, 251):
                    refused[address] = (code, reply)
            if len(refused) == len(row.recipients):
                conn.rset()
                raise smtplib.SMTPRecipientsRefused(refused)
            code, reply = conn.data(data)
            if code != 250:
                conn.rset()
                raise smtplib.SMTPDataError(code, reply)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # refused by a working server (SMTPException is an OSError too)
        except (smtplib.SMTPServerDisconnected, OSError):
            if self.lost is None:  # not the opening: the connection died under a message
                self.lost = smtplib.SMTPServerDisconnected(LOST)
            self._drop()
            raise
        self.reused = True

    def close(self) -> None:
        """Say QUIT if a connection is open."""
        if self.conn is not None:
            close_smtp(self.conn)
            self.conn = None


class SmtpTransport:
    """Sends through the configured SMTP server, one connection per worker pass."""

    name = "smtp"

    @contextmanager
    def connection(self):
        """Yield a callable that sends one row; the connection opens at the first message."""
        session = SmtpSession(current_app.config)
        try:
            yield session.deliver
        finally:
            session.close()


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

        def deliver(row: Deliverable) -> None:
            data = row.as_bytes()
            final = folder / f"{row.created_at:%Y%m%dT%H%M%S}-{row.id:06d}.eml"
            tmp = final.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, final)  # readers never see a half-written file

        yield deliver


def get_transport():
    """The transport named by CAREERLINK_MAIL_TRANSPORT."""
    name = current_app.config["CAREERLINK_MAIL_TRANSPORT"]
    return SmtpTransport() if name == "smtp" else CatcherTransport()
