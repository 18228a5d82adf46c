"""The outbox's rules: enqueue() writes an email as a row, retry() queues one again.

Like every service these only add to the caller's transaction; delivery (which commits per
claim and per outcome) is the worker's job, in careerlink.mail.worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from careerlink.errors import InvalidTransition
from careerlink.extensions import db
from careerlink.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus
from careerlink.models import utcnow


@dataclass
class Attachment:
    """A file to attach to an email."""

    filename: str
    content_type: str
    data: bytes


def render_email(event: str, audience: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render subject, text and HTML from email/<event>_to_<audience>.txt and .html."""
    env = current_app.jinja_env
    # Emails are rendered by the CLI and cron too: no request context processors here.
    ctx = {"site_name": current_app.config["CAREERLINK_SITE_NAME"], **context}
    base = f"careerlink/email/{event}_to_{audience}"
    text_module = env.get_template(base + ".txt").make_module(ctx)
    subject = getattr(text_module, "subject", None)
    if not subject:
        raise ValueError(f"{base}.txt must set a subject with {{% set subject = ... %}}")
    html = env.get_template(base + ".html").render(ctx)
    return " ".join(str(subject).split()), str(text_module).strip() + "\n", html


def enqueue(
    event: str,
    audience: str,
    to: str | Sequence[str],
    context: dict[str, Any] | None = None,
    *,
    reply_to: str | None = None,
    attachments: Iterable[Attachment] = (),
) -> OutboxMessage:
    """Render an email and add its outbox row to the caller's transaction (no commit)."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    subject, text, html = render_email(event, audience, context or {})
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    row = OutboxMessage(
        event=event,
        audience=audience,
        recipients=recipients,
        reply_to=reply_to,
        subject=subject,
        body_text=text,
        body_html=html,
        status=OutboxStatus.QUEUED.value,
        next_attempt_at=utcnow(),
        message_id=make_msgid(domain=domain or "careerlink.local"),
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
            for a in attachments
        ],
    )
    db.session.add(row)
    return row


def retry(row: OutboxMessage) -> None:
    """Put a failed (or stuck) message back in the queue, due now; a sent one stays sent."""
    if row.status == OutboxStatus.SENT.value:
        raise InvalidTransition("This message was already sent.")
    row.status = OutboxStatus.QUEUED.value
    row.next_attempt_at = utcnow()
    row.attempts = 0


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status (every status present, zero or more)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {s.value: 0 for s in OutboxStatus}
    counts.update({status: n for status, n in rows})
    return counts


def outbox_query(status: str = ""):
    """A select of the outbox rows in one status (or all of them), newest first."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return stmt.where(OutboxMessage.status == status) if status else stmt
