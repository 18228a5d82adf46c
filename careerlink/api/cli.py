"""`flask careerlink webhooks ...`: the webhook delivery worker, for cron or a service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from careerlink.workers import echo_batch, echo_status, worker_options


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


@webhooks_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print what /healthz/webhooks answers.")
@with_appcontext
def status_command(as_json):
    """The deliveries waiting, the oldest due and the worker's last pass; exit 1 when late."""
    from careerlink.api.webhooks.delivery import health as read_health

    echo_status(
        read_health(),
        as_json,
        never=_(
            "status: late: webhook deliveries are due and no pass was ever recorded; is "
            "`flask careerlink webhooks deliver --loop` running?"
        ),
        since=_(
            "status: late: webhook deliveries are due and the last pass was %(ago)s ago "
            "(more than CAREERLINK_WORKER_LATE_SECONDS=%(limit)s); is `flask careerlink "
            "webhooks deliver --loop` running?"
        ),
    )
