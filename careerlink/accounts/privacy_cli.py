"""`flask careerlink privacy ...`: the retention purges (old messages, old sessions), for cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import ngettext

from careerlink.accounts import privacy, sessions
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


@privacy_cli.command("purge-sessions")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Instead of CAREERLINK_SESSION_RETENTION_DAYS (0 keeps every session).",
)
@with_appcontext
def purge_sessions_command(days):
    """Remove the rows (address, browser) of sessions over for more than N days."""
    days = current_app.config["CAREERLINK_SESSION_RETENTION_DAYS"] if days is None else days
    with transaction():
        removed = sessions.purge_old_sessions(days)
    click.echo(
        ngettext(
            "Removed %(num)d session over for more than %(days)s days.",
            "Removed %(num)d sessions over for more than %(days)s days.",
            removed,
            days=days,
        )
    )
