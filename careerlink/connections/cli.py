"""`flask careerlink requests ...`: the request clock for cron."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext

from careerlink.connections.services.clock import tick
from careerlink.database import transaction

log = logging.getLogger("careerlink.clock")


@click.group("requests")
def requests_cli():
    """Introduction and shadowing requests."""


@requests_cli.command("tick")
@with_appcontext
def tick_command():
    """Remind, expire, complete and pause (idempotent; safe to run twice at once)."""
    started = time.perf_counter()
    # One commit per request: a race or a crash on one request never loses the others.
    result = tick(unit=transaction)
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    counts = {
        "reminded": result.reminded,
        "expired": result.expired,
        "completed": result.completed,
        "paused": result.paused,
        "skipped": result.skipped,
    }
    # One line per run for the logs (fields of their own in JSON), besides the echo for cron.
    log.info(
        "tick %s duration_ms=%s",
        " ".join(f"{k}={v}" for k, v in counts.items()),
        duration_ms,
        extra={**counts, "duration_ms": duration_ms},
    )
    click.echo(str(result))
