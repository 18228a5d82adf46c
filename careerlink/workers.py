"""What the background workers share: the outbox's (`mail send`) and the webhooks'
(`webhooks deliver`) polling loop, their command-line options, and their `status` lines.

A worker's `drain` does one pass: it handles due work, batch after batch, until a batch is not
full, committing as it goes (each worker is a unit of work of its own). `poll` runs passes;
with `loop` it polls again every `interval` seconds and outlives the database: a lost
connection is rolled back, logged in one line and tried again after a growing wait, and the
work is done once the database is back. `stop` (set from another thread) ends the loop at its
next wait.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import click
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from careerlink.database import error_reason, is_outage, rollback
from careerlink.extensions import db

# While the database is unreachable the loop waits 1 s, then twice as long each time, up to 60 s.
DB_RETRY_FIRST_SECONDS = 1.0
DB_RETRY_MAX_SECONDS = 60.0


def database_retry_wait(failures: int) -> float:
    """Seconds to wait after the given number of database failures in a row."""
    return min(DB_RETRY_FIRST_SECONDS * 2 ** max(failures - 1, 0), DB_RETRY_MAX_SECONDS)


def poll(
    drain: Callable[[], None],
    *,
    name: str,
    log: logging.Logger,
    loop: bool = False,
    interval: float = 5.0,
    stop: threading.Event | None = None,
) -> None:
    """Run `drain` once, or with `loop` every `interval` seconds until `stop` is set.

    Without `loop` a database error is raised as it is: a single pass (cron) fails loudly.
    `name` begins the log lines ("mail worker: database unavailable ...").
    """
    stop = stop or threading.Event()
    failures = 0
    while not stop.is_set():
        try:
            drain()
        except DBAPIError as exc:
            if not loop or not is_outage(exc):
                raise
            failures += 1
            wait = database_retry_wait(failures)
            _forget_session()
            log.warning(
                "%s: database unavailable (%s); trying again in %g s",
                name,
                error_reason(exc),
                wait,
                extra={"failures": failures, "retry_in_seconds": wait},
            )
            stop.wait(wait)
            continue
        if failures:
            log.info("%s: database back after %d failed attempts", name, failures)
            failures = 0
        if not loop:
            return
        stop.wait(interval)


def _forget_session() -> None:
    """Drop the failed transaction and its connection; the next pass starts afresh."""
    with contextlib.suppress(DBAPIError):  # the connection is gone: nothing to roll back
        rollback()
    db.session.remove()


# --- the command line ---------------------------------------------------------------------------


def worker_options(loop_help: str):
    """--loop (with this help), --batch and --interval, as every worker command takes them."""

    def decorate(command):
        for option in (
            click.option(
                "--interval",
                default=5.0,
                show_default=True,
                type=click.FloatRange(0.1, 3600),
                help="Seconds between polls (0.1 to 3600).",
            ),
            click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 1000)),
            click.option("--loop", is_flag=True, help=loop_help),
        ):
            command = option(command)
        return command

    return decorate


def echo_batch(result) -> None:
    """One line per batch: how many were sent, will be retried, failed; then each error."""
    click.echo(
        _(
            "sent %(sent)s, will retry %(retried)s, failed %(failed)s",
            sent=result.sent,
            retried=result.retried,
            failed=result.failed,
        )
    )
    for error in result.errors:
        click.echo(f"  {error}", err=True)


def age_in_words(age: timedelta | None) -> str:
    """A duration a person reads at a glance: 42 s, 5 min 3 s, 2 h 10 min."""
    if age is None:
        return _("never")
    seconds = int(age.total_seconds())
    if seconds < 60:
        return _("%(s)d s", s=seconds)
    if seconds < 3600:
        return _("%(min)d min %(s)d s", min=seconds // 60, s=seconds % 60)
    return _("%(h)d h %(min)d min", h=seconds // 3600, min=seconds % 3600 // 60)


def echo_status(health, as_json: bool, *, never: str, since: str) -> None:
    """A worker's health (mail.health.WorkerHealth), as its `status` command prints it; exit 1
    when the worker is late.

    With `as_json`, what its /healthz/... endpoint answers. Else lines: the queue, the
    failures, the last pass, then "status: ok" or the worker's own words for late: `never`
    (no pass ever recorded) or `since` (a translated template given %(ago)s and %(limit)s).
    """
    if as_json:
        click.echo(json.dumps(health.to_dict(), indent=2))
    else:
        for line in _status_lines(health):
            click.echo(line)
        if not health.late:
            click.echo(_("status: ok"))
        elif health.last_pass_age is None:
            click.echo(never)
        else:
            limit = int(health.late_after.total_seconds())
            click.echo(since % {"ago": age_in_words(health.last_pass_age), "limit": limit})
    if health.late:
        raise SystemExit(1)


def _status_lines(health) -> list[str]:
    oldest = health.oldest_due_age
    if oldest is not None:
        waiting = _(
            "waiting: %(waiting)s (%(due)s due, the oldest due for %(age)s)",
            waiting=health.waiting,
            due=health.due,
            age=age_in_words(oldest),
        )
    else:
        waiting = _("waiting: %(waiting)s (%(due)s due)", waiting=health.waiting, due=health.due)
    if health.last_pass_at is None:
        last = _("last pass: never recorded")
    else:
        # A machine-readable UTC time: this is read beside logs, which are in UTC.
        last = _(
            "last pass: %(when)s, %(ago)s ago, by %(worker)s",
            when=health.last_pass_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            ago=age_in_words(health.last_pass_age),
            worker=health.last_worker,
        )
    return [waiting, _("failed for good: %(failed)s", failed=health.failed), last]
