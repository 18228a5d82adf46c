"""The mail worker: claims due outbox rows and delivers them, with retries and backoff.

This is a unit of work of its own (like a CLI command), not a service: it commits through
`careerlink.database.transaction()` once per claim, so no other worker takes the same rows,
and once per delivered (or failed) message, so an outcome is never lost with its neighbours.
Delivery is at least once: a worker killed between sending and recording sends that message
again after its lease, with the same Message-ID.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from careerlink.database import rollback, transaction
from careerlink.extensions import db
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.mail.transports import get_transport
from careerlink.models import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


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
    base = current_app.config["CAREERLINK_MAIL_BACKOFF_SECONDS"]
    return min(timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def claim_batch(batch: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Mark up to `batch` due rows as sending and commit, so no other worker takes them.

    A row left in `sending` by a worker that died becomes due again when its lease ends;
    that is the at-least-once promise: at most one duplicate per crash.
    """
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["CAREERLINK_MAIL_LEASE_SECONDS"])
    max_attempts = current_app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"]
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
    claimed = []
    with transaction():
        for row in db.session.scalars(stmt):
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
    return claimed


def _record_failure(row: OutboxMessage, error: str, now: datetime, result: SendResult) -> None:
    row.last_error = error[:2000]
    if row.attempts >= current_app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.FAILED.value
        result.failed += 1
    else:
        row.status = OutboxStatus.QUEUED.value
        row.next_attempt_at = now + backoff_for(row.attempts)
        result.retried += 1
    result.errors.append(f"#{row.id}: {error}")


def _record_sent(row: OutboxMessage, result: SendResult) -> None:
    row.status = OutboxStatus.SENT.value
    row.sent_at = utcnow()
    row.last_error = None
    result.sent += 1


def send_due(batch: int = 50, transport=None, now: datetime | None = None) -> SendResult:
    """Deliver one batch of due rows over one connection; commit the claim and each outcome."""
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
                with transaction():
                    try:
                        deliver(row)
                    except Exception as exc:  # one bad message must not stop the batch
                        log.warning("mail #%s failed: %s", row.id, exc)
                        _record_failure(row, f"{type(exc).__name__}: {exc}", now, result)
                    else:
                        _record_sent(row, result)
    except Exception as exc:  # the connection itself failed: every unsent row retries later
        log.warning("mail transport failed: %s", exc)
        rollback()
        with transaction():
            for row in rows:
                db.session.refresh(row)
                if row.status == OutboxStatus.SENDING.value:
                    _record_failure(row, f"{type(exc).__name__}: {exc}", now, result)
    return result


def run(
    batch: int = 50,
    *,
    loop: bool = False,
    interval: float = 5.0,
    report: Callable[[SendResult], None] | None = None,
) -> None:
    """Send batches until none is full; with `loop`, poll again every `interval` seconds."""
    while True:
        while True:
            result = send_due(batch=batch)
            if result.claimed and report is not None:
                report(result)
            if result.claimed < batch:
                break
        if not loop:
            return
        time.sleep(interval)
