"""A real SMTP server (aiosmtpd) on loopback, and the fixture that points the app at it."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from contextlib import contextmanager

import pytest


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd on a loopback port, keeping every message it receives."""

    def __init__(self):
        self.port = free_port()
        self.envelopes: list = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Keep the message."""
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Start (or restart) the server on the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop the server; connections are then refused."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            time.sleep(0.05)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        """The received messages, parsed."""
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]

    def clear(self) -> None:
        """Forget what was received."""
        self.envelopes.clear()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app's smtp transport points at it."""
    with serving(app, SmtpSink()) as sink:
        yield sink


@contextmanager
def serving(app, sink: SmtpSink):
    """Start `sink` and point the app's smtp transport at it until the block ends."""
    sink.start()
    old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "CAREERLINK_MAIL_TRANSPORT")}
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, CAREERLINK_MAIL_TRANSPORT="smtp"
    )
    try:
        yield sink
    finally:
        sink.stop()
        app.config.update(old)
