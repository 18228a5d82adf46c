"""The webhook worker: claims due deliveries and POSTs them, with retries and backoff.

A unit of work of its own, like the mail worker: it commits once per claim (so no other worker
takes the same deliveries) and once per outcome. Everything a delivery needs is read inside
the claim, so no transaction stays open while a receiver takes its time. Delivery is at least
once: a receiver that answered but whose answer was lost, or a worker killed mid-way, gets the
same event again, with the same `webhook-id`, so it can drop the duplicate.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from careerlink.api.models import DeliveryStatus, WebhookDelivery
from careerlink.api.webhooks import network, signing
from careerlink.database import transaction
from careerlink.extensions import db
from careerlink.mail.health import WorkerHealth, record_pass, worker_health
from careerlink.models import utcnow
from careerlink.workers import poll

log = logging.getLogger("careerlink.webhooks")

WEBHOOK_WORKER = "webhooks"  # its row in careerlink_worker_state
MAX_BACKOFF = timedelta(hours=6)
USER_AGENT = "CareerLink-Webhooks/1"


@dataclass
class DeliverResult:
    """What one batch did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    """One claimed delivery, read before the claim committed."""

    delivery_id: int
    url: str
    active: bool
    secret_sealed: str
    message_id: str
    body: bytes
    attempts: int


def backoff_for(attempts: int) -> timedelta:
    """Exponential backoff after the given number of attempts, capped at six hours."""
    base = current_app.config["CAREERLINK_WEBHOOKS_BACKOFF_SECONDS"]
    return min(timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def _lease() -> timedelta:
    # A worker that dies mid-delivery leaves its claim; it becomes due again after this long.
    return timedelta(seconds=max(60, 3 * current_app.config["CAREERLINK_WEBHOOKS_TIMEOUT_SECONDS"]))


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (and signed) for an event."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def claim(batch: int, now: datetime) -> list[_Job]:
    """Mark up to `batch` due deliveries as sending, commit, and return what sending needs."""
    max_attempts = current_app.config["CAREERLINK_WEBHOOKS_MAX_ATTEMPTS"]
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value]),
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    jobs = []
    with transaction():
        for delivery in db.session.scalars(stmt):
            if delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.FAILED.value
                delivery.last_error = (
                    (delivery.last_error or "") + "\nA worker stopped while delivering; giving up."
                ).strip()
                continue
            delivery.status = DeliveryStatus.SENDING.value
            delivery.attempts += 1
            delivery.next_attempt_at = now + _lease()
            endpoint, event = delivery.endpoint, delivery.event
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    url=endpoint.url,
                    active=endpoint.active,
                    secret_sealed=endpoint.secret_sealed,
                    message_id=event.message_id,
                    body=body_of(event.payload),
                    attempts=delivery.attempts,
                )
            )
    return jobs


def _attempt(job: _Job) -> tuple[bool, int | None, str | None, bool]:
    """Send one job: (sent, status code, error, final) — final failures are not retried."""
    if not job.active:
        return False, None, "The endpoint is switched off.", True
    allow_private = bool(current_app.config["CAREERLINK_WEBHOOKS_ALLOW_PRIVATE"])
    try:
        secret = signing.unseal(job.secret_sealed)
    except signing.SecretUnreadable as exc:
        return False, None, str(exc), True
    try:
        target = network.check(job.url, allow_private)
    except network.UnsafeEndpoint as exc:
        return False, None, str(exc), False
    headers = signing.headers(secret, job.message_id, int(time.time()), job.body)
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    timeout = current_app.config["CAREERLINK_WEBHOOKS_TIMEOUT_SECONDS"]
    try:
        status, text = network.post(target, job.body, headers, timeout)
    except Exception as exc:  # a refused connection, a timeout, TLS: retried later
        return False, None, f"{type(exc).__name__}: {exc}"[:500], False
    if 200 <= status < 300:
        return True, status, None, False
    if 300 <= status < 400:
        return False, status, f"HTTP {status}: redirects are not followed.", False
    return False, status, f"HTTP {status}: {text.strip()[:300]}", False


def _record(job: _Job, outcome, now: datetime, result: DeliverResult) -> None:
    sent, status_code, error, final = outcome
    with transaction():
        delivery = db.session.get(WebhookDelivery, job.delivery_id)
        if delivery is None:
            return
        delivery.last_status_code = status_code
        if sent:
            delivery.status = DeliveryStatus.SENT.value
            delivery.delivered_at = utcnow()
            delivery.last_error = None
            result.sent += 1
            outcome_name = "sent"
        elif final or delivery.attempts >= current_app.config["CAREERLINK_WEBHOOKS_MAX_ATTEMPTS"]:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.last_error = error
            result.failed += 1
            outcome_name = "failed"
        else:
            delivery.status = DeliveryStatus.QUEUED.value
            delivery.next_attempt_at = now + backoff_for(delivery.attempts)
            delivery.last_error = error
            result.retried += 1
            outcome_name = "retry"
        if error:
            result.errors.append(f"#{job.delivery_id}: {error}")
    log.info(
        "webhook %s delivery_id=%s message_id=%s attempts=%s status_code=%s",
        outcome_name,
        job.delivery_id,
        job.message_id,
        job.attempts,
        status_code,
        extra={
            "delivery_id": job.delivery_id,
            "webhook_outcome": outcome_name,
            "attempts": job.attempts,
            "status_code": status_code,
        },
    )


def health(now: datetime | None = None) -> WorkerHealth:
    """The deliveries' counts and the webhook worker's last pass (mail.health.WorkerHealth)."""
    return worker_health(WEBHOOK_WORKER, now, queue=WebhookDelivery)


def deliver_due(batch: int = 50, now: datetime | None = None) -> DeliverResult:
    """Send one batch of due deliveries; commit the claim and each outcome."""
    now = now or utcnow()
    result = DeliverResult()
    jobs = claim(batch, now)
    result.claimed = len(jobs)
    for job in jobs:
        _record(job, _attempt(job), now, result)
    return result


def run(
    batch: int = 50,
    *,
    loop: bool = False,
    interval: float = 5.0,
    report: Callable[[DeliverResult], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Deliver batches until one is not full; with `loop`, poll again every `interval` seconds.

    Each pass that reaches the end is recorded (`careerlink_worker_state`, as "webhooks"), so
    monitoring can tell a stopped worker from an idle one (/healthz/webhooks). The loop outlives
    the database, as the mail worker's does (workers.poll).
    """

    def drain() -> None:
        while True:
            result = deliver_due(batch=batch)
            if result.claimed and report is not None:
                report(result)
            if result.claimed < batch:
                break
        with transaction():
            record_pass(WEBHOOK_WORKER)

    poll(drain, name="webhook worker", log=log, loop=loop, interval=interval, stop=stop)
