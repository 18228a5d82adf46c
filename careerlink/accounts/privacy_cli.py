"""`flask careerlink privacy ...`: the retention purge of old request messages, for cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import ngettext

from careerlink.accounts import privacy
from careerlink.database import transaction


@click.group("privacy")
def privacy_cli():
    """Personal data."""


@privacy_cli.command("purge-messages")
@click.option(
    "--months",
    type=click.IntRange(min=0),
    default=None,
    help="Instead of CAREERLINK_MESSAGE_RETENTION_MONTHS (0 keeps every message).",
)
@with_appcontext
def purge_messages_command(months):
    """Erase the messages of requests closed more than N months ago (states and dates stay)."""
    months = current_app.config["CAREERLINK_MESSAGE_RETENTION_MONTHS"] if months is None else months
    with transaction():
        erased = privacy.purge_closed_messages(months)
    click.echo(
        ngettext(
            "Erased the messages of %(num)d request closed over %(months)s months ago.",
            "Erased the messages of %(num)d requests closed over %(months)s months ago.",
            erased,
            months=months,
        )
    )
