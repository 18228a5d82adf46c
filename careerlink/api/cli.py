"""`flask careerlink webhooks ...`: the webhook delivery worker, for cron or a service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("webhooks")
def webhooks_cli():
    """Webhook deliveries."""


@webhooks_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, polling for due deliveries.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between polls (0.1 to 3600).",
)
@with_appcontext
def deliver_command(loop, batch, interval):
    """POST due webhook deliveries (at least once), signed, with retries and backoff."""
    from careerlink.api.webhooks import delivery

    def report(result: delivery.DeliverResult) -> None:
        click.echo(
            _(
                "sent %(sent)d, will retry %(retried)d, failed %(failed)d",
                sent=result.sent,
                retried=result.retried,
                failed=result.failed,
            )
        )
        for error in result.errors:
            click.echo(f"  {error}", err=True)

    delivery.run(batch=batch, loop=loop, interval=interval, report=report)
