"""`flask careerlink webhooks ...`: the webhook delivery worker, for cron or a service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from careerlink.workers import echo_batch, worker_options


@click.group("webhooks")
def webhooks_cli():
    """Webhook deliveries."""


@webhooks_cli.command("deliver")
@worker_options("Keep running, polling for due deliveries.")
@with_appcontext
def deliver_command(loop, batch, interval):
    """POST due webhook deliveries (at least once), signed, with retries and backoff.

    With --loop it keeps going through database outages (waiting 1 s, then longer, up to 60 s).
    """
    from careerlink.api.webhooks import delivery

    delivery.run(batch=batch, loop=loop, interval=interval, report=echo_batch)
