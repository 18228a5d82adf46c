"""The polling loop the background workers share: the outbox's (`mail send`) and the webhooks'
(`webhooks deliver`), and their common command-line options.

A worker's `drain` does one pass: it handles due work, batch after batch, until a batch is not
full, committing as it goes (each worker is a unit of work of its own). `poll` runs passes;
with `loop` it polls again every `interval` seconds and outlives the database: a lost
connection is rolled back, logged in one line and tried again after a growing wait, and the
work is done once the database is back. `stop` (set from another thread) ends the loop at its
next wait.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

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
