"""`flask careerlink requests ...`: the request clock for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("requests")
def requests_cli():
    """Introduction and shadowing requests."""


@requests_cli.command("tick")
@with_appcontext
def tick_command():
    """Remind, expire, complete and pause (idempotent; safe to run twice at once)."""
    from careerlink.connections.services import tick

    result = tick()
    click.echo(str(result))
