"""`flask careerlink requests ...`: the request clock for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from careerlink.connections.services.clock import tick
from careerlink.database import transaction


@click.group("requests")
def requests_cli():
    """Introduction and shadowing requests."""


@requests_cli.command("tick")
@with_appcontext
def tick_command():
    """Remind, expire, complete and pause (idempotent; safe to run twice at once)."""
    # One commit per request: a race or a crash on one request never loses the others.
    result = tick(unit=transaction)
    click.echo(str(result))
