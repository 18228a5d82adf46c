"""`flask careerlink profiles ...`: thin wrappers over the profile services."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from careerlink.database import transaction


@click.group("profiles")
def profiles_cli():
    """Alumni mentor profiles."""


@profiles_cli.command("remind")
@with_appcontext
def remind_command():
    """Email alumni whose profile is 11 months old; unlist those unconfirmed for 12 (cron)."""
    from careerlink.mentors.services import run_freshness

    with transaction():
        result = run_freshness()
    click.echo(
        _(
            "reminded %(reminded)d, unlisted %(unlisted)d",
            reminded=result.reminded,
            unlisted=result.unlisted,
        )
    )


@profiles_cli.command("industries")
@with_appcontext
def industries_command():
    """Add the default industries that are missing."""
    from careerlink.extensions import db
    from careerlink.mentors.industries import ensure_default_industries

    with transaction():
        added = ensure_default_industries(db.session.connection())
    click.echo(_("added %(count)d industries", count=added))
