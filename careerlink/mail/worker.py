"""The mail worker: claims due outbox rows and delivers them, with retries and backoff.

This is a unit of work of its own (like a CLI command), not a service: it commits through
`careerlink.database.transaction()` once per claim, so no other worker takes the same rows,
and once per batch for the batch's outcomes (also when it is stopped midway), so an outcome
already recorded is never lost. Delivery is at least once: a worker killed hard (or cut from
the database) between sending and committing sends the batch's unrecorded messages again
after their lease, with the same Message-ID. A pass keeps one SMTP connection for all its
batches (bench/outbox.py measures why: one commit and one connection per message cost ten
times the delivery itself).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from careerlink.database import transaction
from careerlink.extensions import db
from careerlink.mail.health import record_pass
from careerlink.mail.models import Deliverable, OutboxMessage, OutboxStatus
from careerlink.mail.private import SecretsUnreadable
from careerlink.mail.services import prepare_deferred
from careerlink.mail.transports import get_transport
from careerlink.models import utcnow
from careerlink.workers import poll

log = logging.getLogger(__name__)
# One structured line per message delivered, retried, failed or dropped.
mail_log = logging.getLogger("careerlink.mail")

MAX_BACKOFF = timedelta(hours=6)


@dataclass
class SendResult:
    """What one batch did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


def backoff_for(attempts: int) -> timedelta:
    """Exponential backoff after the given number of attempts, capped at six hours."""
    base = current_app.config["CAREERLINK_MAIL_BACKOFF_SECONDS"]
    return min(timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def claim_batch(batch: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Mark up to `batch` due rows as sending and commit, so no other worker takes them.

    The same commit keeps the outcomes of the batch before (see send_due). A row left in
    `sending` by a worker that died becomes due again when its lease ends; that is the
    at-least-once promise: a crash sends at most the rest of one batch twice.
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
        .options(selectinload(OutboxMessage.attachments))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Several workers may run at once; each skips the rows another has locked.
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    with _keeping_rows(), transaction():
        for row in db.session.scalars(stmt):
            if row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED.value
                row.last_error = (
                    (row.last_error or "") + "\nA worker stopped while delivering; giving up."
                ).strip()
                row.erase_secrets()
                _log_outcome(row, "failed")
                continue
            row.status = OutboxStatus.SENDING.value
            row.attempts += 1
            row.next_attempt_at = now + lease
            claimed.append(row)
    return claimed


def _log_outcome(row: OutboxMessage, outcome: str, error: Exception | None = None) -> None:
    # One line per message: ids and states only, never an address's links or the bodies.
    fields = {
        "outbox_id": row.id,
        "mail_event": f"{row.event}_to_{row.audience}",
        "outcome": outcome,
        "status": row.status,
        "attempts": row.attempts,
    }
    if error is not None:
        fields["error_type"] = type(error).__name__
    mail_log.info(
        "mail %s " + " ".join(f"{k}=%s" for k in fields),
        outcome,
        *fields.values(),
        extra=fields,
    )


def _record_failure(
    row: OutboxMessage, exc: Exception, now: datetime, result: SendResult, *, final: bool = False
) -> None:
    error = f"{type(exc).__name__}: {exc}"
    row.last_error = error[:2000]
    if final or row.attempts >= current_app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.FAILED.value
        row.erase_secrets()  # never to be sent: its private links need not be kept
        result.failed += 1
        _log_outcome(row, "failed", exc)
    else:
        row.status = OutboxStatus.QUEUED.value
        row.next_attempt_at = now + backoff_for(row.attempts)
        result.retried += 1
        _log_outcome(row, "retry", exc)
    result.errors.append(f"#{row.id}: {error}")


def _record_sent(row: OutboxMessage, result: SendResult) -> None:
    row.status = OutboxStatus.SENT.value
    row.sent_at = utcnow()
    row.last_error = None
    row.erase_secrets()  # delivered: the only copy of a private link is now the recipient's
    result.sent += 1
    _log_outcome(row, "sent")


def _drop(row: OutboxMessage, result: SendResult) -> None:
    # A deferred message with nothing to send (no such account, say) leaves no trace.
    _log_outcome(row, "dropped")
    db.session.delete(row)
    result.dropped += 1


def _prepare(row: OutboxMessage, now: datetime, result: SendResult) -> Deliverable | None:
    """Prepare (when deferred), decrypt and build one claimed row; None if it cannot be sent.

    A row that cannot be prepared is recorded as failed (or dropped) here.
    """
    try:
        if row.is_deferred:
            # A savepoint: a renderer that fails leaves nothing half-written behind.
            with db.session.begin_nested():
                keep = prepare_deferred(row)
            if not keep:
                _drop(row, result)
                return None
        message = row.deliverable()
        message.as_bytes()
    except SecretsUnreadable as exc:  # no retry can help: the key that sealed them is gone
        _record_failure(row, exc, now, result, final=True)
        return None
    except Exception as exc:  # one bad message must not stop the batch
        log.warning("mail #%s could not be prepared: %s", row.id, exc)
        _record_failure(row, exc, now, result)
        return None
    return message


def _send_batch(rows: list[OutboxMessage], deliver, now: datetime, result: SendResult) -> None:
    """Prepare every row, deliver them back to back, then record each outcome.

    Three passes rather than one per message: the SMTP conversation runs without database
    and MIME work between its round trips, which nearly doubled its time (bench/outbox.py).
    The outcomes of the messages handed over are recorded even when delivery stops midway.
    """
    prepared = [(row, message) for row in rows if (message := _prepare(row, now, result))]
    outcomes: list[tuple[OutboxMessage, Exception | None]] = []
    try:
        for row, message in prepared:
            try:
                deliver(message)
            except Exception as exc:  # one bad message must not stop the batch
                outcomes.append((row, exc))
            else:
                outcomes.append((row, None))
    finally:
        for row, error in outcomes:
            if error is None:
                _record_sent(row, result)
            else:
                log.warning("mail #%s failed: %s", row.id, error)
                _record_failure(row, error, now, result)


def send_due(batch: int = 50, transport=None, now: datetime | None = None) -> SendResult:
    """Deliver one batch of due rows: claim it (a commit), deliver it, commit its outcomes.

    The outcomes are committed even when the batch stops midway: only a message sent but not
    yet recorded is sent again after its lease. A worker's pass (`run`) delivers batch after
    batch on one connection instead.
    """
    result = SendResult()
    with (transport or get_transport()).connection() as deliver:
        rows = claim_batch(batch, now=now)
        result.claimed = len(rows)
        try:
            _send_batch(rows, deliver, now or utcnow(), result)
        finally:
            _commit_outcomes()
    return result


def _commit_outcomes() -> None:
    """Commit the outcomes recorded so far."""
    with _keeping_rows(), transaction():
        pass


@contextlib.contextmanager
def _keeping_rows():
    """Commit without expiring the worker's rows (they are leased to it)."""
    # Expired rows were reloaded one by one after each commit: a query per message.
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


@dataclass
class _Flight:
    """A batch handed to the sender thread; its outcomes arrive in `outcomes` as it goes."""

    result: SendResult
    now: datetime
    future: Future
    outcomes: list[tuple[OutboxMessage, Exception | None]]
    stop: threading.Event


def _deliver_all(app, deliver, prepared, outcomes, stop: threading.Event) -> None:
    """The sender thread's work: deliver a prepared batch back to back, noting each outcome."""
    with app.app_context():  # the transport reads its settings; it never touches the database
        for row, message in prepared:
            if stop.is_set():
                return
            try:
                deliver(message)
            except Exception as exc:  # one bad message must not stop the batch
                outcomes.append((row, exc))
            else:
                outcomes.append((row, None))


@contextlib.contextmanager
def _sender(deliver) -> Iterator[Callable[[list, SendResult, datetime], _Flight]]:
    """A thread that delivers one batch while this one claims and prepares the next."""
    app = current_app._get_current_object()
    stop = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="careerlink-mail") as pool:

        def send(prepared, result: SendResult, now: datetime) -> _Flight:
            outcomes: list = []
            future = pool.submit(_deliver_all, app, deliver, prepared, outcomes, stop)
            return _Flight(result, now, future, outcomes, stop)

        try:
            yield send
        finally:
            stop.set()  # stopped midway: the batch in flight ends after its current message


def _land(flight: _Flight, report: Callable[[SendResult], None] | None) -> None:
    """Wait for a batch in flight, record its outcomes and commit them."""
    try:
        flight.future.result()
    finally:
        # Also when delivery stopped midway: what was handed over is recorded.
        for row, error in list(flight.outcomes):
            if error is None:
                _record_sent(row, flight.result)
            else:
                log.warning("mail #%s failed: %s", row.id, error)
                _record_failure(row, error, flight.now, flight.result)
        if flight.outcomes:
            _commit_outcomes()
    if flight.result.claimed and report is not None:
        report(flight.result)


def _drain(batch: int, report: Callable[[SendResult], None] | None) -> None:
    """Send batches over one connection until one is not full, then record the pass.

    A sender thread delivers each batch while this thread claims and prepares the next, so the
    SMTP round trips overlap the database and MIME work (bench/outbox.py). Outcomes are
    committed as each batch lands: a worker killed outright sends at most the batch in flight
    again.
    """
    with get_transport().connection() as deliver, _sender(deliver) as send:
        flight = None
        try:
            while True:
                result = SendResult()
                rows = claim_batch(batch)
                result.claimed = len(rows)
                now = utcnow()
                prepared = [
                    (row, message) for row in rows if (message := _prepare(row, now, result))
                ]
                if flight is not None:
                    landing, flight = flight, None
                    _land(landing, report)
                flight = send(prepared, result, now)
                if result.claimed < batch:
                    break
        except BaseException:
            if flight is not None:  # stopped here: end the batch in flight soon, keep its outcomes
                flight.stop.set()
                _land(flight, None)
            raise
        _land(flight, report)
    with _keeping_rows(), transaction():
        record_pass()


def run(
    batch: int = 50,
    *,
    loop: bool = False,
    interval: float = 5.0,
    report: Callable[[SendResult], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Send batches until none is full; with `loop`, poll again every `interval` seconds.

    Each pass that reaches the end is recorded (`careerlink_worker_state`), so monitoring can
    tell a stopped worker from an idle one. The loop outlives the database (workers.poll).
    """
    poll(
        lambda: _drain(batch, report),
        name="mail worker",
        log=log,
        loop=loop,
        interval=interval,
        stop=stop,
    )
