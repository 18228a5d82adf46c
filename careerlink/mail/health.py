"""A worker's health: its queue, the oldest due item, the worker's last pass.

Each worker records each finished pass in `careerlink_worker_state` (one row per worker, one
upsert per pass); /healthz/worker and `flask careerlink mail status` read the mail worker's
with the outbox's counts, /healthz/webhooks and `flask careerlink webhooks status` the webhook
worker's with its deliveries'. A worker is late when work is due and its last pass is older
than CAREERLINK_WORKER_LATE_SECONDS: an idle worker is fine, a stopped one with work waiting
is not.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from careerlink.extensions import db
from careerlink.mail.models import OutboxMessage, OutboxStatus, WorkerState
from careerlink.models import utcnow

MAIL_WORKER = "mail"
_WAITING = (OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value)


def this_worker() -> str:
    """hostname:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_pass(name: str = MAIL_WORKER, now: datetime | None = None) -> None:
    """Record that this worker finished a pass now (an upsert of one row; the caller commits)."""
    now = now or utcnow()
    values = {"name": name, "last_pass_at": now, "last_worker": this_worker()}
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(WorkerState).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[WorkerState.name],
        set_={"last_pass_at": stmt.excluded.last_pass_at, "last_worker": stmt.excluded.last_worker},
    )
    db.session.execute(stmt)


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else round(max(delta.total_seconds(), 0.0), 1)


@dataclass(frozen=True)
class WorkerHealth:
    """The queue and the worker's last pass, as of `now`."""

    now: datetime
    waiting: int
    due: int
    failed: int
    oldest_due_at: datetime | None
    last_pass_at: datetime | None
    last_worker: str | None
    late_after: timedelta

    @property
    def oldest_due_age(self) -> timedelta | None:
        """How long the oldest due message has been due."""
        return None if self.oldest_due_at is None else self.now - self.oldest_due_at

    @property
    def last_pass_age(self) -> timedelta | None:
        """How long ago the last pass finished (None: never recorded)."""
        return None if self.last_pass_at is None else self.now - self.last_pass_at

    @property
    def late(self) -> bool:
        """Mail is due and no pass finished within the threshold (or none ever did)."""
        if not self.due:
            return False
        age = self.last_pass_age
        return age is None or age > self.late_after

    def to_dict(self) -> dict[str, Any]:
        """The JSON that /healthz/worker answers (no host names: the endpoint is public)."""
        return {
            "status": "late" if self.late else "ok",
            "waiting": self.waiting,
            "due": self.due,
            "failed": self.failed,
            "oldest_due_at": self.oldest_due_at.isoformat() if self.oldest_due_at else None,
            "oldest_due_age_seconds": _seconds(self.oldest_due_age),
            "last_pass_at": self.last_pass_at.isoformat() if self.last_pass_at else None,
            "last_pass_age_seconds": _seconds(self.last_pass_age),
            "late_after_seconds": int(self.late_after.total_seconds()),
        }


def worker_health(
    name: str = MAIL_WORKER, now: datetime | None = None, *, queue=OutboxMessage
) -> WorkerHealth:
    """Read the queue's counts and the worker's last pass (two small queries).

    `queue` is the worker's table: rows with `status` (queued, sending, sent, failed, as the
    outbox's) and `next_attempt_at`.
    """
    now = now or utcnow()
    waiting_rows = queue.status.in_(_WAITING)
    is_due = waiting_rows & (queue.next_attempt_at <= now)
    waiting, due, failed, oldest = db.session.execute(
        select(
            func.count().filter(waiting_rows),
            func.count().filter(is_due),
            func.count().filter(queue.status == OutboxStatus.FAILED.value),
            func.min(queue.next_attempt_at).filter(is_due),
        ).select_from(queue)
    ).one()
    state = db.session.get(WorkerState, name)
    late_after = timedelta(seconds=current_app.config["CAREERLINK_WORKER_LATE_SECONDS"])
    return WorkerHealth(
        now=now,
        waiting=waiting,
        due=due,
        failed=failed,
        oldest_due_at=_as_utc(oldest),
        last_pass_at=state.last_pass_at if state else None,
        last_worker=state.last_worker if state else None,
        late_after=late_after,
    )


def _as_utc(value):
    """An aggregate skips the column's type on SQLite: make its naive text an aware UTC time."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
