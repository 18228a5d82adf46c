"""enqueue() writes outbox rows; send_due() delivers them with retries and backoff."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import select

from careerlink.extensions import db
from careerlink.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus
from careerlink.models import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


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
    ctx = {"site_name": current_app.config.get("CAREERLINK_SITE_NAME", "CareerLink"), **context}
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
    domain = (current_app.config.get("MAIL_DEFAULT_SENDER") or "").rsplit("@", 1)[-1].strip("> ")
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


@dataclass
class SendResult:
    """What one batch did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff_for(attempts: int) -> timedelta:
    """Exponential backoff after the given number of attempts, capped at six hours."""
    base = current_app.config.get("CAREERLINK_MAIL_BACKOFF_SECONDS", 60)
    return min(timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def claim_batch(batch: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Mark up to `batch` due rows as sending and commit, so no other worker takes them.

    A row left in `sending` by a worker that died becomes due again when its lease ends;
    that is the at-least-once promise: at most one duplicate per crash.
    """
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config.get("CAREERLINK_MAIL_LEASE_SECONDS", 300))
    max_attempts = current_app.config.get("CAREERLINK_MAIL_MAX_ATTEMPTS", 8)
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_([OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Several workers may run at once; each skips the rows another has locked.
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(stmt))
    claimed = []
    for row in rows:
        if row.attempts >= max_attempts:
            row.status = OutboxStatus.FAILED.value
            row.last_error = (
                (row.last_error or "") + "\nA worker stopped while delivering; giving up."
            ).strip()
            continue
        row.status = OutboxStatus.SENDING.value
        row.attempts += 1
        row.next_attempt_at = now + lease
        claimed.append(row)
    db.session.commit()
    return claimed


def _record_failure(row: OutboxMessage, error: str, now: datetime, result: SendResult) -> None:
    max_attempts = current_app.config.get("CAREERLINK_MAIL_MAX_ATTEMPTS", 8)
    row.last_error = error[:2000]
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED.value
        result.failed += 1
    else:
        row.status = OutboxStatus.QUEUED.value
        row.next_attempt_at = now + backoff_for(row.attempts)
        result.retried += 1
    result.errors.append(f"#{row.id}: {error}")


def send_due(batch: int = 50, transport=None, now: datetime | None = None) -> SendResult:
    """Deliver one batch of due rows over one connection; commit each outcome."""
    from careerlink.mail.transports import get_transport

    transport = transport or get_transport()
    result = SendResult()
    rows = claim_batch(batch, now=now)
    result.claimed = len(rows)
    if not rows:
        return result
    now = now or utcnow()
    try:
        with transport.connection() as deliver:
            for row in rows:
                try:
                    deliver(row)
                except Exception as exc:  # one bad message must not stop the batch
                    log.warning("mail #%s failed: %s", row.id, exc)
                    _record_failure(row, f"{type(exc).__name__}: {exc}", now, result)
                else:
                    row.status = OutboxStatus.SENT.value
                    row.sent_at = utcnow()
                    row.last_error = None
                    result.sent += 1
                db.session.commit()
    except Exception as exc:  # the connection itself failed: every unsent row retries later
        log.warning("mail transport failed: %s", exc)
        db.session.rollback()
        for row in rows:
            db.session.refresh(row)
            if row.status == OutboxStatus.SENDING.value:
                _record_failure(row, f"{type(exc).__name__}: {exc}", now, result)
        db.session.commit()
    return result


def retry(row: OutboxMessage) -> None:
    """Put a failed (or stuck) message back in the queue, due now."""
    row.status = OutboxStatus.QUEUED.value
    row.next_attempt_at = utcnow()
    row.attempts = 0
