"""`flask careerlink audit ...`: the audit log's retention purge, for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import ngettext

from careerlink.audit import services
from careerlink.database import transaction


@click.group("audit")
def audit_cli():
    """The audit log."""


@audit_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep this many days instead of CAREERLINK_AUDIT_RETENTION_DAYS (0 keeps everything).",
)
@with_appcontext
def purge_command(days):
    """Delete audit entries older than the retention period."""
    with transaction():
        removed = services.purge(days=days)
    click.echo(ngettext("Removed %(num)d audit entry.", "Removed %(num)d audit entries.", removed))
